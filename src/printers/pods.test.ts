import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/meta.js';
import { pods } from './pods.js';

const NOW = Date.parse('2025-01-10T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString();

const running = (name: string, ready: boolean, restartCount = 0, extra: Record<string, unknown> = {}) => ({
  name,
  ready,
  restartCount,
  started: true,
  image: 'nginx:1.27',
  imageID: 'docker-pullable://nginx@sha256:0',
  containerID: 'docker://abc',
  state: { running: { startedAt: ago(100) } },
  ...extra,
});

function pod(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(3600), ...meta },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], nodeName: 'node-1', restartPolicy: 'Always', ...spec },
    status,
  };
}

describe('pods', () => {
  it('prints a running pod', () => {
    const p = pod(
      {},
      {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        podIP: '10.244.1.5',
        podIPs: [{ ip: '10.244.1.5' }],
        containerStatuses: [running('web', true)],
      },
    );
    expect(pods.row(p, NOW)).toEqual(['web', '1/1', 'Running', '0', '60m', '10.244.1.5', 'node-1', '<none>', '<none>']);
  });

  it('prints a crash-looping container with its restarts and when it last restarted', () => {
    const p = pod(
      {},
      {
        phase: 'Running',
        podIPs: [{ ip: '10.244.1.5' }],
        containerStatuses: [
          {
            name: 'web',
            ready: false,
            restartCount: 5,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: ago(130), finishedAt: ago(120) } },
          },
        ],
      },
    );
    const cells = pods.row(p, NOW);
    expect(cells.slice(1, 4)).toEqual(['0/1', 'CrashLoopBackOff', '5 (2m ago)']);
    expect(cells[5]).toBe('10.244.1.5');
  });

  it('shows init progress, and counts a started sidecar as a ready container', () => {
    const spec = {
      initContainers: [
        { name: 'mesh', image: 'envoy', restartPolicy: 'Always' },
        { name: 'migrate', image: 'migrate' },
        { name: 'seed', image: 'seed' },
      ],
    };
    const p = pod(spec, {
      phase: 'Pending',
      initContainerStatuses: [
        running('mesh', true),
        { name: 'migrate', ready: false, restartCount: 0, state: { running: { startedAt: ago(5) } } },
        { name: 'seed', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
      ],
      containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
    });
    expect(pods.row(p, NOW).slice(1, 4)).toEqual(['1/2', 'Init:1/3', '0']);

    const failed = pod(spec, {
      phase: 'Pending',
      initContainerStatuses: [running('mesh', true), { name: 'migrate', ready: false, restartCount: 2, state: { terminated: { exitCode: 3 } } }],
    });
    expect(pods.row(failed, NOW)[2]).toBe('Init:ExitCode:3');
  });

  it('prints Completed for a finished pod and Terminating only while not finished', () => {
    const done = {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: ago(60) } } }],
    };
    expect(pods.row(pod({ restartPolicy: 'Never' }, done), NOW).slice(1, 3)).toEqual(['0/1', 'Completed']);
    expect(pods.row(pod({ restartPolicy: 'Never' }, done, { deletionTimestamp: ago(1) }), NOW)[2]).toBe('Completed');
    expect(pods.row(pod({}, { phase: 'Running', containerStatuses: [running('web', true)] }, { deletionTimestamp: ago(1) }), NOW)[2]).toBe('Terminating');
    expect(pods.row(pod({}, { phase: 'Running', reason: 'NodeLost' }, { deletionTimestamp: ago(1) }), NOW)[2]).toBe('Unknown');
  });

  it('prints SchedulingGated for a pod held by scheduling gates', () => {
    const p = pod({ schedulingGates: [{ name: 'example.com/quota' }], nodeName: undefined }, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
    expect(pods.row(p, NOW).slice(1, 3)).toEqual(['0/1', 'SchedulingGated']);
    expect(pods.row(p, NOW)[6]).toBe('<none>');
  });

  it('counts readiness gates that are met', () => {
    const p = pod(
      { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
      { phase: 'Running', conditions: [{ type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }] },
    );
    expect(pods.row(p, NOW)[8]).toBe('1/2');
  });
});
