import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/meta.js';
import { controllerrevisions, cronjobs, daemonsets, deployments, jobs, replicasets, statefulsets } from './workloads.js';

const NOW = Date.parse('2025-01-10T12:00:00Z');
const CREATED = '2025-01-05T12:00:00Z'; // AGE "5d"
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString();
const obj = (apiVersion: string, kind: string, name: string, rest: Record<string, unknown>, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7', generation: 1, creationTimestamp: CREATED, ...meta },
  ...rest,
});

const template = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  metadata: { labels },
  spec: {
    containers: [
      { name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], imagePullPolicy: 'IfNotPresent' },
      { name: 'log-shipper', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' },
    ],
    restartPolicy: 'Always',
    dnsPolicy: 'ClusterFirst',
    ...extra,
  },
});

describe('deployments', () => {
  it('prints READY as ready/desired, then up-to-date and available as numbers', () => {
    const d = obj('apps/v1', 'Deployment', 'web', {
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: template({ app: 'web' }),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      },
      status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1 },
    });
    expect(deployments.row(d, NOW)).toEqual(['web', '2/3', 3, 2, '5d', 'web,log-shipper', 'nginx:1.27,busybox:1.36', 'app=web']);
  });

  it('prints 0/N before the controller reports any status', () => {
    const d = obj('apps/v1', 'Deployment', 'web', { spec: { replicas: 2, selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }, template: template({ tier: 'a' }) } });
    expect(deployments.row(d, NOW).slice(1, 4)).toEqual(['0/2', 0, 0]);
    expect(deployments.row(d, NOW)[7]).toBe('tier in (a,b)');
  });
});

describe('replicasets', () => {
  it('prints desired, current and ready as integers and the full selector', () => {
    const rs = obj('apps/v1', 'ReplicaSet', 'web-7d4b9c', {
      spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d4b9c' } }, template: template({ app: 'web', 'pod-template-hash': '7d4b9c' }) },
      status: { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 },
    });
    expect(replicasets.row(rs, NOW)).toEqual(['web-7d4b9c', 3, 3, 1, '5d', 'web,log-shipper', 'nginx:1.27,busybox:1.36', 'app=web,pod-template-hash=7d4b9c']);
    expect(replicasets.columns.map((c) => c.type)).toEqual(['string', 'integer', 'integer', 'integer', 'string', 'string', 'string', 'string']);
  });
});

describe('daemonsets', () => {
  it('prints the scheduling counts and the pod node selector', () => {
    const ds = obj('apps/v1', 'DaemonSet', 'proxy', {
      spec: { selector: { matchLabels: { app: 'proxy' } }, template: template({ app: 'proxy' }, { nodeSelector: { 'kubernetes.io/os': 'linux' } }) },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2, numberMisscheduled: 0 },
    });
    expect(daemonsets.row(ds, NOW)).toEqual(['proxy', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '5d', 'web,log-shipper', 'nginx:1.27,busybox:1.36', 'app=proxy']);
    expect(daemonsets.columns.filter((c) => c.priority === 0).map((c) => c.name)).toEqual([
      'Name',
      'Desired',
      'Current',
      'Ready',
      'Up-to-date',
      'Available',
      'Node Selector',
      'Age',
    ]);
  });

  it('prints <none> without a node selector', () => {
    const ds = obj('apps/v1', 'DaemonSet', 'proxy', { spec: { selector: { matchLabels: { app: 'proxy' } }, template: template({ app: 'proxy' }) }, status: {} });
    expect(daemonsets.row(ds, NOW).slice(1, 7)).toEqual([0, 0, 0, 0, 0, '<none>']);
  });
});

describe('statefulsets', () => {
  it('prints READY as ready/desired', () => {
    const ss = obj('apps/v1', 'StatefulSet', 'db', {
      spec: { replicas: 3, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template({ app: 'db' }) },
      status: { replicas: 2, readyReplicas: 1, currentReplicas: 2, updatedReplicas: 2 },
    });
    expect(statefulsets.row(ss, NOW)).toEqual(['db', '1/3', '5d', 'web,log-shipper', 'nginx:1.27,busybox:1.36']);
    expect(statefulsets.columns.map((c) => c.name)).toEqual(['Name', 'Ready', 'Age', 'Containers', 'Images']);
  });
});

describe('controllerrevisions', () => {
  it('names the controller as kind.group/name and prints the revision as a number', () => {
    const cr = obj(
      'apps/v1',
      'ControllerRevision',
      'db-5f7c8d',
      { revision: 2, data: { spec: { template: {} } } },
      { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u1', controller: true, blockOwnerDeletion: true }] },
    );
    expect(controllerrevisions.row(cr, NOW)).toEqual(['db-5f7c8d', 'statefulset.apps/db', 2, '5d']);
  });

  it('prints <none> without a controller and leaves out an empty group', () => {
    const orphan = obj('apps/v1', 'ControllerRevision', 'r', { revision: 1 }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'x', uid: 'u' }] });
    expect(controllerrevisions.row(orphan, NOW)[1]).toBe('<none>');
    const core = obj('apps/v1', 'ControllerRevision', 'r', { revision: 1 }, { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', controller: true }] });
    expect(controllerrevisions.row(core, NOW)[1]).toBe('pod/p');
  });
});

function job(name: string, spec: Record<string, unknown>, status: Record<string, unknown>, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  const labels = { 'batch.kubernetes.io/controller-uid': `uid-${name}`, 'batch.kubernetes.io/job-name': name };
  return obj(
    'batch/v1',
    'Job',
    name,
    {
      spec: {
        parallelism: 1,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: false,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': `uid-${name}` } },
        template: { metadata: { labels }, spec: { containers: [{ name: 'pi', image: 'perl:5.34.0' }], restartPolicy: 'Never' } },
        ...spec,
      },
      status,
    },
    meta,
  );
}

describe('jobs', () => {
  it('prints a finished job as Complete with its completions and how long it ran', () => {
    const j = job(
      'pi',
      { completions: 1 },
      {
        startTime: ago(300),
        completionTime: ago(255),
        succeeded: 1,
        ready: 0,
        terminating: 0,
        uncountedTerminatedPods: {},
        conditions: [
          { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: ago(256) },
          { type: 'Complete', status: 'True', lastTransitionTime: ago(255) },
        ],
      },
    );
    expect(jobs.row(j, NOW)).toEqual(['pi', 'Complete', '1/1', '45s', '5d', 'pi', 'perl:5.34.0', 'batch.kubernetes.io/controller-uid=uid-pi']);
    expect(jobs.columns.map((c) => c.name)).toEqual(['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector']);
  });

  it('counts the duration of a running job up to now and leaves it blank before it starts', () => {
    expect(jobs.row(job('work', { completions: 5, parallelism: 2 }, { startTime: ago(150), active: 2, succeeded: 2 }), NOW).slice(1, 4)).toEqual(['Running', '2/5', '2m30s']);
    expect(jobs.row(job('new', { completions: 1 }, {}), NOW).slice(1, 4)).toEqual(['Running', '0/1', '']);
  });

  it('prints completions of a work-queue job against its parallelism', () => {
    expect(jobs.row(job('queue', { parallelism: 3 }, { startTime: ago(10), active: 3 }), NOW)[2]).toBe('0/1 of 3');
    expect(jobs.row(job('single', {}, { startTime: ago(10), active: 1 }), NOW)[2]).toBe('0/1');
  });

  it('reports Failed, Suspended, FailureTarget and Terminating from conditions and deletion', () => {
    const failed = { conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }], failed: 7 };
    expect(jobs.row(job('f', { completions: 1 }, failed), NOW)[1]).toBe('Failed');
    expect(jobs.row(job('s', { completions: 1, suspend: true }, { conditions: [{ type: 'Suspended', status: 'True' }] }), NOW)[1]).toBe('Suspended');
    expect(jobs.row(job('t', { completions: 1 }, { conditions: [{ type: 'FailureTarget', status: 'True' }] }), NOW)[1]).toBe('FailureTarget');
    expect(jobs.row(job('d', { completions: 1 }, { startTime: ago(10) }, { deletionTimestamp: ago(1) }), NOW)[1]).toBe('Terminating');
    // A condition that is no longer true does not count.
    expect(jobs.row(job('r', { completions: 1 }, { conditions: [{ type: 'Suspended', status: 'False' }] }), NOW)[1]).toBe('Running');
  });
});

describe('cronjobs', () => {
  const cronjob = (spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject =>
    obj('batch/v1', 'CronJob', 'hello', {
      spec: {
        schedule: '*/5 * * * *',
        concurrencyPolicy: 'Allow',
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
        jobTemplate: { spec: { template: { spec: { containers: [{ name: 'hello', image: 'busybox:1.36' }], restartPolicy: 'OnFailure' } } } },
        ...spec,
      },
      status,
    });

  it('prints schedule, time zone, suspension, active jobs and the last schedule', () => {
    const cj = cronjob({}, { active: [{ kind: 'Job', name: 'hello-28950000', namespace: 'default' }], lastScheduleTime: ago(30) });
    expect(cronjobs.row(cj, NOW)).toEqual(['hello', '*/5 * * * *', '<none>', 'False', 1, '30s', '5d', 'hello', 'busybox:1.36', '<none>']);
    expect(cronjobs.columns.filter((c) => c.priority === 0).map((c) => c.name)).toEqual(['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age']);
  });

  it('prints a suspended cronjob in its time zone that never ran', () => {
    expect(cronjobs.row(cronjob({ timeZone: 'Europe/Paris', suspend: true }, {}), NOW).slice(1, 6)).toEqual(['*/5 * * * *', 'Europe/Paris', 'True', 0, '<none>']);
  });
});
