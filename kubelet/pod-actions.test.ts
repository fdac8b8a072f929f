import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../src/api/core/v1.js';
import { computePodActions, runtimePod, shouldContainerBeRestarted, type ProbeView } from './pod-actions.js';
import type { ContainerState, ContainerStatus, PodSandboxStatus } from './runtime/interface.js';

let seq = 0;

function pod(opts: { containers?: string[]; init?: (string | { name: string; sidecar?: boolean; startupProbe?: boolean })[]; restartPolicy?: string; deleting?: boolean; hostNetwork?: boolean } = {}): Pod {
  const initContainers: Container[] = (opts.init ?? []).map((c) => {
    const o = typeof c === 'string' ? { name: c } : c;
    return {
      name: o.name,
      image: 'busybox',
      ...(o.sidecar ? { restartPolicy: 'Always' } : {}),
      ...(o.startupProbe ? { startupProbe: { exec: { command: ['true'] } } } : {}),
    };
  });
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'uid-1', ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: {
      containers: (opts.containers ?? ['app']).map((name) => ({ name, image: 'busybox' })),
      ...(initContainers.length ? { initContainers } : {}),
      ...(opts.restartPolicy ? { restartPolicy: opts.restartPolicy } : {}),
      ...(opts.hostNetwork ? { hostNetwork: true } : {}),
    },
  };
}

function sandbox(attempt = 0, state: 'ready' | 'notready' = 'ready', ip: string | undefined = '10.0.0.2'): PodSandboxStatus {
  return {
    id: `sb${attempt}`,
    podName: 'p',
    namespace: 'ns',
    uid: 'uid-1',
    attempt,
    state,
    ...(ip ? { ip } : {}),
    createdAt: new Date(1_000 + attempt),
    labels: {},
  };
}

function ctr(name: string, state: ContainerState, exitCode?: number, attempt = 0): ContainerStatus {
  seq++;
  return {
    id: `${name}-${attempt}-${seq}`,
    sandboxId: 'sb0',
    podName: 'p',
    namespace: 'ns',
    podUid: 'uid-1',
    name,
    attempt,
    image: 'busybox',
    imageId: 'sha256:x',
    state,
    createdAt: new Date(10_000 + seq),
    ...(state === 'exited' ? { exitCode: exitCode ?? 0, finishedAt: new Date(20_000 + seq) } : {}),
    labels: {},
  };
}

describe('computePodActions: the sandbox', () => {
  it('creates a sandbox and starts every app container for a new pod', () => {
    const a = computePodActions(pod({ containers: ['a', 'b'] }), runtimePod([], []));
    expect(a).toMatchObject({ createSandbox: true, killPod: true, attempt: 0, containersToStart: [0, 1], initContainersToStart: [] });
  });

  it('recreates a dead sandbox with the next attempt and restarts everything', () => {
    const a = computePodActions(pod({ containers: ['a'] }), runtimePod([sandbox(0, 'notready')], [ctr('a', 'exited', 137)]));
    expect(a).toMatchObject({ createSandbox: true, killPod: true, attempt: 1, sandboxId: 'sb0', containersToStart: [0] });
  });

  it('recreates a sandbox that has no IP, unless the pod uses the host network', () => {
    expect(computePodActions(pod(), runtimePod([sandbox(0, 'ready', '')], [])).createSandbox).toBe(true);
    expect(computePodActions(pod({ hostNetwork: true }), runtimePod([sandbox(0, 'ready', '')], [])).createSandbox).toBe(false);
  });

  it('starts the first init container only, when a new sandbox is made for a pod with init containers', () => {
    const a = computePodActions(pod({ init: ['i1', 'i2'] }), runtimePod([], []));
    expect(a).toMatchObject({ createSandbox: true, initContainersToStart: [0], containersToStart: [] });
  });

  it('does not make a new sandbox for a restartPolicy Never pod that already ran', () => {
    const a = computePodActions(pod({ restartPolicy: 'Never' }), runtimePod([sandbox(0, 'notready')], [ctr('app', 'exited', 1)]));
    expect(a).toMatchObject({ createSandbox: false, killPod: true, containersToStart: [] });
  });

  it('skips succeeded containers of an OnFailure pod when the sandbox is recreated', () => {
    const a = computePodActions(
      pod({ containers: ['ok', 'bad'], restartPolicy: 'OnFailure' }),
      runtimePod([sandbox(0, 'notready')], [ctr('ok', 'exited', 0), ctr('bad', 'exited', 2)]),
    );
    expect(a).toMatchObject({ createSandbox: true, containersToStart: [1] });
  });
});

describe('computePodActions: restart policies', () => {
  const sb = [sandbox()];

  it('keeps running containers and does nothing else', () => {
    const a = computePodActions(pod(), runtimePod(sb, [ctr('app', 'running')]));
    expect(a).toMatchObject({ createSandbox: false, killPod: false, containersToStart: [], containersToKill: [] });
  });

  it('Always restarts a container that exited 0 or not', () => {
    for (const code of [0, 1]) {
      const a = computePodActions(pod({ restartPolicy: 'Always' }), runtimePod(sb, [ctr('app', 'exited', code)]));
      expect(a.containersToStart).toEqual([0]);
      expect(a.killPod).toBe(false);
    }
  });

  it('OnFailure restarts failures only; a pod whose containers all succeeded is killed', () => {
    const failed = computePodActions(pod({ restartPolicy: 'OnFailure' }), runtimePod(sb, [ctr('app', 'exited', 3)]));
    expect(failed.containersToStart).toEqual([0]);
    const done = computePodActions(pod({ restartPolicy: 'OnFailure' }), runtimePod(sb, [ctr('app', 'exited', 0)]));
    expect(done).toMatchObject({ containersToStart: [], killPod: true });
  });

  it('Never restarts nothing and kills the pod once every container ended', () => {
    const a = computePodActions(pod({ containers: ['a', 'b'], restartPolicy: 'Never' }), runtimePod(sb, [ctr('a', 'exited', 1), ctr('b', 'exited', 0)]));
    expect(a).toMatchObject({ containersToStart: [], killPod: true });
    const partly = computePodActions(pod({ containers: ['a', 'b'], restartPolicy: 'Never' }), runtimePod(sb, [ctr('a', 'exited', 1), ctr('b', 'running')]));
    expect(partly).toMatchObject({ containersToStart: [], killPod: false });
  });

  it('starts a container that is missing or stuck in created', () => {
    const a = computePodActions(pod({ containers: ['a', 'b'] }), runtimePod(sb, [ctr('a', 'created')]));
    expect(a.containersToStart).toEqual([0, 1]);
  });

  it('judges a container by its most recent instance', () => {
    const old = ctr('app', 'exited', 1, 0);
    const current = ctr('app', 'running', undefined, 1);
    const a = computePodActions(pod(), runtimePod(sb, [old, current]));
    expect(a.containersToStart).toEqual([]);
  });

  it('does not restart anything of a pod being deleted', () => {
    const p = pod({ deleting: true });
    expect(shouldContainerBeRestarted(p.spec.containers[0]!, p, runtimePod(sb, [ctr('app', 'exited', 1)]))).toBe(false);
  });

  it('kills and restarts a container whose liveness probe failed', () => {
    const running = ctr('app', 'running');
    const probes: ProbeView = { failure: (id) => (id === running.id ? { kind: 'liveness' } : undefined), started: () => true };
    const a = computePodActions(pod(), runtimePod(sb, [running]), probes);
    expect(a.containersToStart).toEqual([0]);
    expect(a.containersToKill).toEqual([
      { id: running.id, name: 'app', message: 'Container app failed liveness probe, will be restarted', reason: 'LivenessProbe' },
    ]);
    expect(a.killPod).toBe(false);
  });

  it('kills without restarting under restartPolicy Never, and then the whole pod', () => {
    const running = ctr('app', 'running');
    const probes: ProbeView = { failure: () => ({ kind: 'liveness' }), started: () => true };
    const a = computePodActions(pod({ restartPolicy: 'Never' }), runtimePod(sb, [running]), probes);
    expect(a.containersToStart).toEqual([]);
    expect(a.containersToKill[0]?.message).toBe('Container app failed liveness probe');
    expect(a.killPod).toBe(true);
  });
});

describe('computePodActions: init containers', () => {
  const sb = [sandbox()];

  it('runs init containers one at a time, in order, before any app container', () => {
    const p = pod({ init: ['i1', 'i2'], containers: ['app'] });
    expect(computePodActions(p, runtimePod(sb, []))).toMatchObject({ initContainersToStart: [0], containersToStart: [] });
    expect(computePodActions(p, runtimePod(sb, [ctr('i1', 'running')]))).toMatchObject({ initContainersToStart: [], containersToStart: [] });
    expect(computePodActions(p, runtimePod(sb, [ctr('i1', 'exited', 0)]))).toMatchObject({ initContainersToStart: [1], containersToStart: [] });
    expect(computePodActions(p, runtimePod(sb, [ctr('i1', 'exited', 0), ctr('i2', 'exited', 0)]))).toMatchObject({
      initContainersToStart: [],
      containersToStart: [0],
    });
  });

  it('retries a failed init container unless restartPolicy is Never, which fails the pod', () => {
    const failed = [ctr('i1', 'exited', 1)];
    expect(computePodActions(pod({ init: ['i1'] }), runtimePod(sb, failed))).toMatchObject({ initContainersToStart: [0], killPod: false });
    expect(computePodActions(pod({ init: ['i1'], restartPolicy: 'OnFailure' }), runtimePod(sb, failed)).initContainersToStart).toEqual([0]);
    expect(computePodActions(pod({ init: ['i1'], restartPolicy: 'Never' }), runtimePod(sb, failed))).toMatchObject({
      initContainersToStart: [],
      containersToStart: [],
      killPod: true,
    });
  });

  it('does not rerun init containers once an app container runs, even if they were removed', () => {
    const a = computePodActions(pod({ init: ['i1', 'i2'] }), runtimePod(sb, [ctr('app', 'running')]));
    expect(a).toMatchObject({ initContainersToStart: [], containersToStart: [], killPod: false });
  });

  it('starts a sidecar, waits for it to be started, then moves on while keeping it running', () => {
    const p = pod({ init: [{ name: 'side', sidecar: true, startupProbe: true }, 'i2'] });
    expect(computePodActions(p, runtimePod(sb, [])).initContainersToStart).toEqual([0]);
    const side = ctr('side', 'running');
    const notStarted: ProbeView = { failure: () => undefined, started: () => false };
    expect(computePodActions(p, runtimePod(sb, [side]), notStarted).initContainersToStart).toEqual([]);
    const started: ProbeView = { failure: () => undefined, started: () => true };
    expect(computePodActions(p, runtimePod(sb, [side]), started).initContainersToStart).toEqual([1]);
    // after initialization the app container starts and the sidecar keeps running
    const a = computePodActions(p, runtimePod(sb, [side, ctr('i2', 'exited', 0)]), started);
    expect(a).toMatchObject({ initContainersToStart: [], containersToStart: [0] });
  });

  it('restarts a sidecar that exited, even after initialization', () => {
    const p = pod({ init: [{ name: 'side', sidecar: true }] });
    const a = computePodActions(p, runtimePod(sb, [ctr('side', 'exited', 1), ctr('app', 'running')]));
    expect(a).toMatchObject({ initContainersToStart: [0], containersToStart: [], killPod: false });
  });

  it('does not let a sidecar keep a finished pod alive', () => {
    const p = pod({ init: [{ name: 'side', sidecar: true }], restartPolicy: 'Never' });
    const a = computePodActions(p, runtimePod(sb, [ctr('side', 'running'), ctr('app', 'exited', 0)]));
    expect(a).toMatchObject({ killPod: true, initContainersToStart: [] });
  });
});
