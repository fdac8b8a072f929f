import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../api/apps/v1.js';
import type { Event, Pod, PodTemplateSpec } from '../../api/core/v1.js';
import { countPodPhases, describeDaemonSet, describeDeployment, describeReplicaSet, describeStatefulSet } from './workloads.js';

const tz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  process.env.TZ = tz;
});

const now = Date.parse('2024-05-01T12:10:00Z');

const template: PodTemplateSpec = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'skiff/echo:1', ports: [{ containerPort: 8080, protocol: 'TCP' }] }] },
};

const scaled = (message: string, at: string): Event => ({
  metadata: {},
  involvedObject: {},
  type: 'Normal',
  reason: 'ScalingReplicaSet',
  message,
  source: { component: 'deployment-controller' },
  firstTimestamp: at,
  lastTimestamp: at,
  count: 1,
  reportingComponent: '',
  reportingInstance: '',
});

describe('describeDeployment', () => {
  it("prints kubectl's layout: replica counts, strategy, pod template, conditions, old and new ReplicaSets, events", () => {
    const d: Deployment = {
      metadata: {
        name: 'web',
        namespace: 'default',
        creationTimestamp: '2024-05-01T12:00:00Z',
        labels: { app: 'web' },
        annotations: { 'deployment.kubernetes.io/revision': '2' },
        generation: 2,
      },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        minReadySeconds: 0,
      },
      status: {
        replicas: 3,
        updatedReplicas: 3,
        availableReplicas: 3,
        readyReplicas: 3,
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
          { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
        ],
      },
    };
    const oldRS: ReplicaSet = { metadata: { name: 'web-5b7c9d' }, spec: { replicas: 0, template: {} }, status: { replicas: 0 } };
    const newRS: ReplicaSet = { metadata: { name: 'web-6f8d4c' }, spec: { replicas: 3, template: {} }, status: { replicas: 3 } };
    const events = [
      scaled('Scaled up replica set web-5b7c9d from 0 to 3', '2024-05-01T12:00:00Z'),
      scaled('Scaled up replica set web-6f8d4c from 0 to 1', '2024-05-01T12:08:00Z'),
    ];
    expect(describeDeployment(d, [oldRS], newRS, events, now)).toBe(
      [
        "Name:                   web",
        "Namespace:              default",
        "CreationTimestamp:      Wed, 01 May 2024 12:00:00 +0000",
        "Labels:                 app=web",
        "Annotations:            deployment.kubernetes.io/revision: 2",
        "Selector:               app=web",
        "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable",
        "StrategyType:           RollingUpdate",
        "MinReadySeconds:        0",
        "RollingUpdateStrategy:  25% max unavailable, 25% max surge",
        "Pod Template:",
        "  Labels:  app=web",
        "  Containers:",
        "   web:",
        "    Image:         skiff/echo:1",
        "    Port:          8080/TCP",
        "    Host Port:     0/TCP",
        "    Environment:   <none>",
        "    Mounts:        <none>",
        "  Volumes:         <none>",
        "  Node-Selectors:  <none>",
        "  Tolerations:     <none>",
        "Conditions:",
        "  Type           Status  Reason",
        "  ----           ------  ------",
        "  Available      True    MinimumReplicasAvailable",
        "  Progressing    True    NewReplicaSetAvailable",
        "OldReplicaSets:  web-5b7c9d (0/0 replicas created)",
        "NewReplicaSet:   web-6f8d4c (3/3 replicas created)",
        "Events:",
        "  Type    Reason             Age   From                   Message",
        "  ----    ------             ----  ----                   -------",
        "  Normal  ScalingReplicaSet  10m   deployment-controller  Scaled up replica set web-5b7c9d from 0 to 3",
        "  Normal  ScalingReplicaSet  2m    deployment-controller  Scaled up replica set web-6f8d4c from 0 to 1",
        '',
      ].join('\n'),
    );
  });

  it('leaves out the ReplicaSet lines when there are none, and prints <nil> for an unset maxSurge', () => {
    const d: Deployment = {
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 1, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } },
    };
    const text = describeDeployment(d, [], undefined, [], now);
    expect(text).toMatch(/^RollingUpdateStrategy:\s+1 max unavailable, <nil> max surge$/m);
    expect(text).not.toContain('ReplicaSet');
    expect(text).toMatch(/^Replicas:\s+1 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m);
  });
});

describe('describeReplicaSet, describeStatefulSet, describeDaemonSet', () => {
  it('prints a ReplicaSet with its controller and pod phases', () => {
    const rs: ReplicaSet = {
      metadata: {
        name: 'web-6f8d4c',
        namespace: 'default',
        labels: { app: 'web' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true, uid: 'd' }],
      },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
      status: { replicas: 3 },
    };
    expect(describeReplicaSet(rs, { running: 2, waiting: 1, succeeded: 0, failed: 0 }, [], now)).toBe(
      [
        "Name:           web-6f8d4c",
        "Namespace:      default",
        "Selector:       app=web",
        "Labels:         app=web",
        "Annotations:    <none>",
        "Controlled By:  Deployment/web",
        "Replicas:       3 current / 3 desired",
        "Pods Status:    2 Running / 1 Waiting / 0 Succeeded / 0 Failed",
        "Pod Template:",
        "  Labels:  app=web",
        "  Containers:",
        "   web:",
        "    Image:         skiff/echo:1",
        "    Port:          8080/TCP",
        "    Host Port:     0/TCP",
        "    Environment:   <none>",
        "    Mounts:        <none>",
        "  Volumes:         <none>",
        "  Node-Selectors:  <none>",
        "  Tolerations:     <none>",
        "Events:            <none>",
        '',
      ].join('\n'),
    );
  });

  it('says why pods could not be counted', () => {
    const rs: ReplicaSet = { metadata: { name: 'r', namespace: 'n' }, spec: { replicas: 1, template } };
    expect(describeReplicaSet(rs, { error: 'forbidden' }, undefined, now)).toMatch(/^Pods Status:\s+error in fetching pods: forbidden$/m);
  });

  it('prints a StatefulSet with its partition and volume claim templates', () => {
    const sts: StatefulSet = {
      metadata: { name: 'db', namespace: 'default', creationTimestamp: '2024-05-01T12:00:00Z' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'db' } },
        template,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
      status: { replicas: 2 },
    };
    expect(describeStatefulSet(sts, { running: 2, waiting: 0, succeeded: 0, failed: 0 }, [], now)).toBe(
      [
        "Name:               db",
        "Namespace:          default",
        "CreationTimestamp:  Wed, 01 May 2024 12:00:00 +0000",
        "Selector:           app=db",
        "Labels:             <none>",
        "Annotations:        <none>",
        "Replicas:           2 desired | 2 total",
        "Update Strategy:    RollingUpdate",
        "  Partition:        0",
        "Pods Status:        2 Running / 0 Waiting / 0 Succeeded / 0 Failed",
        "Pod Template:",
        "  Labels:  app=web",
        "  Containers:",
        "   web:",
        "    Image:         skiff/echo:1",
        "    Port:          8080/TCP",
        "    Host Port:     0/TCP",
        "    Environment:   <none>",
        "    Mounts:        <none>",
        "  Volumes:         <none>",
        "  Node-Selectors:  <none>",
        "  Tolerations:     <none>",
        "Volume Claims:",
        "  Name:          data",
        "  StorageClass:  ",
        "  Labels:        <none>",
        "  Annotations:   <none>",
        "  Capacity:      1Gi",
        "  Access Modes:  [ReadWriteOnce]",
        "Events:          <none>",
        '',
      ].join('\n'),
    );
  });

  it('prints a DaemonSet with its scheduling counts (untabbed, and without its namespace, as kubectl writes them)', () => {
    const ds: DaemonSet = {
      metadata: { name: 'agent', namespace: 'kube-system' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template },
      status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberMisscheduled: 0 },
    };
    expect(describeDaemonSet(ds, { running: 2, waiting: 0, succeeded: 0, failed: 0 }, undefined, now)).toBe(
      [
        "Name:           agent",
        "Selector:       app=agent",
        "Node-Selector:  <none>",
        "Labels:         <none>",
        "Annotations:    <none>",
        "Desired Number of Nodes Scheduled: 2",
        "Current Number of Nodes Scheduled: 2",
        "Number of Nodes Scheduled with Up-to-date Pods: 2",
        "Number of Nodes Scheduled with Available Pods: 2",
        "Number of Nodes Misscheduled: 0",
        "Pods Status:  2 Running / 0 Waiting / 0 Succeeded / 0 Failed",
        "Pod Template:",
        "  Labels:  app=web",
        "  Containers:",
        "   web:",
        "    Image:         skiff/echo:1",
        "    Port:          8080/TCP",
        "    Host Port:     0/TCP",
        "    Environment:   <none>",
        "    Mounts:        <none>",
        "  Volumes:         <none>",
        "  Node-Selectors:  <none>",
        "  Tolerations:     <none>",
        '',
      ].join('\n'),
    );
  });

  it('counts only the pods the controller owns, by phase', () => {
    const pod = (phase: string, uid: string | undefined): Pod => ({
      metadata: { ownerReferences: uid ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid, controller: true }] : [] },
      spec: { containers: [] },
      status: { phase },
    });
    const counts = countPodPhases([pod('Running', 'a'), pod('Running', 'a'), pod('Pending', 'a'), pod('Failed', 'a'), pod('Running', 'b'), pod('Running', undefined)], 'a');
    expect(counts).toEqual({ running: 2, waiting: 1, succeeded: 0, failed: 1 });
  });
});
