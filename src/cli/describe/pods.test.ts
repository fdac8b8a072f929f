import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Pod } from '../../api/core/v1.js';
import { describePod } from './pods.js';

const tz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  process.env.TZ = tz;
});

const now = Date.parse('2024-05-01T12:10:00Z');
const pod = {
  metadata: { name: 'web-7d4b9c-abcde', namespace: 'default', uid: 'pod-uid', creationTimestamp: '2024-05-01T12:00:00Z',
    labels: { app: 'web', 'pod-template-hash': '7d4b9c' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c', uid: 'rs-uid', controller: true }] },
  spec: { nodeName: 'node-1', serviceAccountName: 'default', priority: 0,
    containers: [{ name: 'web', image: 'skiff/echo:latest', ports: [{ containerPort: 8080, protocol: 'TCP' }],
      resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } },
      readinessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 0, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
      env: [{ name: 'MODE', value: 'prod' }, { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
      volumeMounts: [{ name: 'config', mountPath: '/etc/web', readOnly: true }] }],
    volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
    tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] },
  status: { phase: 'Running', hostIP: '10.0.0.5', podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.7' }], startTime: '2024-05-01T12:00:01Z', qosClass: 'Burstable',
    conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }, { type: 'PodScheduled', status: 'True' }],
    containerStatuses: [{ name: 'web', ready: true, restartCount: 2, image: 'skiff/echo:latest', imageID: 'docker://sha256:abc', containerID: 'docker://123',
      state: { running: { startedAt: '2024-05-01T12:05:00Z' } },
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2024-05-01T12:00:02Z', finishedAt: '2024-05-01T12:04:59Z' } } }] },
};
const events =  [
  { involvedObject: {}, type: 'Normal', reason: 'Scheduled', message: 'Successfully assigned default/web-7d4b9c-abcde to node-1', source: { component: 'default-scheduler' }, firstTimestamp: '2024-05-01T12:00:00Z', lastTimestamp: '2024-05-01T12:00:00Z', count: 1, reportingComponent: '', reportingInstance: '' },
  { involvedObject: {}, type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', source: { component: 'kubelet', host: 'node-1' }, firstTimestamp: '2024-05-01T12:01:00Z', lastTimestamp: '2024-05-01T12:08:00Z', count: 5, reportingComponent: '', reportingInstance: '' },
];

describe('describePod', () => {
  it('prints a running pod as kubectl does: placement, container state with the last termination, probes, env, mounts, conditions, volumes, tolerations, events', () => {
    expect(describePod(pod as Pod, events as Event[], now)).toBe(
      [
      "Name:             web-7d4b9c-abcde",
      "Namespace:        default",
      "Priority:         0",
      "Service Account:  default",
      "Node:             node-1/10.0.0.5",
      "Start Time:       Wed, 01 May 2024 12:00:01 +0000",
      "Labels:           app=web",
      "                  pod-template-hash=7d4b9c",
      "Annotations:      <none>",
      "Status:           Running",
      "IP:               10.244.1.7",
      "IPs:",
      "  IP:           10.244.1.7",
      "Controlled By:  ReplicaSet/web-7d4b9c",
      "Containers:",
      "  web:",
      "    Container ID:   docker://123",
      "    Image:          skiff/echo:latest",
      "    Image ID:       docker://sha256:abc",
      "    Port:           8080/TCP",
      "    Host Port:      0/TCP",
      "    State:          Running",
      "      Started:      Wed, 01 May 2024 12:05:00 +0000",
      "    Last State:     Terminated",
      "      Reason:       OOMKilled",
      "      Exit Code:    137",
      "      Started:      Wed, 01 May 2024 12:00:02 +0000",
      "      Finished:     Wed, 01 May 2024 12:04:59 +0000",
      "    Ready:          True",
      "    Restart Count:  2",
      "    Limits:",
      "      cpu:     500m",
      "      memory:  128Mi",
      "    Requests:",
      "      cpu:      250m",
      "      memory:   64Mi",
      "    Readiness:  http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3",
      "    Environment:",
      "      MODE:      prod",
      "      POD_NAME:  web-7d4b9c-abcde (v1:metadata.name)",
      "    Mounts:",
      "      /etc/web from config (ro)",
      "Conditions:",
      "  Type              Status",
      "  Initialized       True ",
      "  Ready             True ",
      "  ContainersReady   True ",
      "  PodScheduled      True ",
      "Volumes:",
      "  config:",
      "    Type:        ConfigMap (a volume populated by a ConfigMap)",
      "    Name:        web-config",
      "    Optional:    false",
      "QoS Class:       Burstable",
      "Node-Selectors:  <none>",
      "Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s",
      "                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s",
      "Events:",
      "  Type     Reason     Age              From               Message",
      "  ----     ------     ----             ----               -------",
      "  Normal   Scheduled  10m              default-scheduler  Successfully assigned default/web-7d4b9c-abcde to node-1",
      "  Warning  BackOff    2m (x5 over 9m)  kubelet            Back-off restarting failed container",
      '',
    ].join('\n'),
    );
  });

  it('says <none> for a pending pod without node, IPs or events, and waiting containers without status', () => {
    const pending = {
      metadata: { name: 'p', namespace: 'ns' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
      status: { phase: 'Pending' },
    } as Pod;
    const text = describePod(pending, [], now);
    expect(text).toContain('Node:         <none>\n');
    expect(text).toContain('IPs:          <none>\n');
    expect(text).toContain('    Port:         <none>\n    Host Port:    <none>\n');
    expect(text).not.toContain('State:');
    expect(text).toMatch(/^QoS Class:\s+BestEffort$/m);
    expect(text).toMatch(/\nEvents:\s+<none>\n$/);
  });

  it('shows a terminating pod with its grace period', () => {
    const terminating = {
      metadata: { name: 'p', namespace: 'ns', deletionTimestamp: '2024-05-01T12:09:30Z', deletionGracePeriodSeconds: 30 },
      spec: { containers: [] },
      status: { phase: 'Running' },
    } as Pod;
    const text = describePod(terminating, undefined, now);
    expect(text).toMatch(/^Status:\s+Terminating \(lasts 30s\)$/m);
    expect(text).toMatch(/^Termination Grace Period:\s+30s$/m);
    expect(text).toContain('Containers: <none>\n');
    expect(text).not.toContain('Events:');
  });
});
