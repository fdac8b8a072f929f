import { describe, expect, it } from 'vitest';
import type { Container, Pod, PodStatus } from '../src/api/core/v1.js';
import { runtimePod, type RuntimePod } from './pod-actions.js';
import { generatePodStatus, type PodStatusInputs, type StartFailure } from './pod-status.js';
import type { ContainerState, ContainerStatus, PodSandboxStatus } from './runtime/interface.js';

let seq = 0;

function pod(opts: { containers?: string[]; init?: string[]; restartPolicy?: string; readinessGates?: string[] } = {}): Pod {
  const initContainers: Container[] = (opts.init ?? []).map((name) => ({ name, image: 'busybox' }));
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'uid-1' },
    spec: {
      containers: (opts.containers ?? ['app']).map((name) => ({ name, image: 'busybox' })),
      ...(initContainers.length ? { initContainers } : {}),
      ...(opts.restartPolicy ? { restartPolicy: opts.restartPolicy } : {}),
      ...(opts.readinessGates ? { readinessGates: opts.readinessGates.map((conditionType) => ({ conditionType })) } : {}),
    },
    status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] },
  };
}

const sandbox = (state: 'ready' | 'notready' = 'ready'): PodSandboxStatus => ({
  id: 'sb',
  podName: 'p',
  namespace: 'ns',
  uid: 'uid-1',
  attempt: 0,
  state,
  ...(state === 'ready' ? { ip: '10.244.1.5' } : {}),
  createdAt: new Date(1_000),
  labels: {},
});

function ctr(name: string, state: ContainerState, o: { exitCode?: number; attempt?: number; reason?: string } = {}): ContainerStatus {
  seq++;
  return {
    id: `${name}${seq}`,
    sandboxId: 'sb',
    podName: 'p',
    namespace: 'ns',
    podUid: 'uid-1',
    name,
    attempt: o.attempt ?? 0,
    image: 'busybox',
    imageId: 'docker-pullable://busybox@sha256:abc',
    state,
    createdAt: new Date(1_700_000_000_000 + seq * 1000),
    ...(state !== 'created' ? { startedAt: new Date(1_700_000_000_000 + seq * 1000) } : {}),
    ...(state === 'exited'
      ? { exitCode: o.exitCode ?? 0, finishedAt: new Date(1_700_000_000_500 + seq * 1000), reason: o.reason ?? (o.exitCode ? 'Error' : 'Completed') }
      : {}),
    labels: {},
  };
}

function status(p: Pod, rp: RuntimePod, extra: Partial<PodStatusInputs> = {}): PodStatus {
  return generatePodStatus({
    pod: p,
    rp,
    oldStatus: p.status ?? {},
    podIsTerminal: false,
    startFailure: () => undefined,
    ready: () => true,
    started: () => true,
    hostIPs: ['192.168.1.10'],
    ...extra,
  });
}

const cond = (s: PodStatus, type: string) => s.conditions?.find((c) => c.type === type);

describe('generatePodStatus', () => {
  it('reports a pod nothing has run for yet as Pending with containers being created', () => {
    const s = status(pod(), runtimePod([], []));
    expect(s.phase).toBe('Pending');
    expect(s.hostIP).toBe('192.168.1.10');
    expect(s.hostIPs).toEqual([{ ip: '192.168.1.10' }]);
    expect(s.podIP).toBeUndefined();
    expect(s.containerStatuses).toEqual([
      { name: 'app', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, image: 'busybox', imageID: '', started: false },
    ]);
    expect(s.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['PodReadyToStartContainers', 'False'],
      ['Initialized', 'True'],
      ['Ready', 'False'],
      ['ContainersReady', 'False'],
      ['PodScheduled', 'True'],
    ]);
    expect(cond(s, 'Ready')).toMatchObject({ reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
  });

  it('reports a running, ready pod with its IP, container ID and start time', () => {
    const c = ctr('app', 'running');
    const s = status(pod(), runtimePod([sandbox()], [c]));
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('10.244.1.5');
    expect(s.podIPs).toEqual([{ ip: '10.244.1.5' }]);
    expect(s.containerStatuses?.[0]).toMatchObject({
      containerID: `docker://${c.id}`,
      imageID: 'docker-pullable://busybox@sha256:abc',
      ready: true,
      started: true,
      state: { running: { startedAt: new Date(c.startedAt!.getTime()).toISOString().replace(/\.\d+Z$/, 'Z') } },
    });
    expect(s.conditions?.every((x) => x.status === 'True')).toBe(true);
  });

  it('reports readiness from the probes', () => {
    const s = status(pod({ containers: ['a', 'b'] }), runtimePod([sandbox()], [ctr('a', 'running'), ctr('b', 'running')]), {
      ready: (name) => name === 'a',
    });
    expect(s.phase).toBe('Running');
    expect(cond(s, 'ContainersReady')).toMatchObject({ status: 'False', message: 'containers with unready status: [b]' });
    expect(cond(s, 'Ready')?.status).toBe('False');
  });

  it('shows a crash-looping container as waiting with the back-off, its last run as lastState', () => {
    const first = ctr('app', 'exited', { exitCode: 1, attempt: 0 });
    const second = ctr('app', 'exited', { exitCode: 1, attempt: 1 });
    const failure: StartFailure = { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app pod=p_ns(uid-1)' };
    const s = status(pod(), runtimePod([sandbox()], [first, second]), { startFailure: () => failure });
    expect(s.phase).toBe('Running');
    const cs = s.containerStatuses![0]!;
    expect(cs.restartCount).toBe(1);
    expect(cs.state).toEqual({ waiting: failure });
    expect(cs.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error', containerID: `docker://${second.id}` });
    expect(cs.ready).toBe(false);
  });

  it('keeps the previous run as lastState while the container runs again', () => {
    const first = ctr('app', 'exited', { exitCode: 137, attempt: 0, reason: 'OOMKilled' });
    const second = ctr('app', 'running', { attempt: 1 });
    const cs = status(pod(), runtimePod([sandbox()], [first, second])).containerStatuses![0]!;
    expect(cs.restartCount).toBe(1);
    expect(cs.state?.running).toBeDefined();
    expect(cs.lastState?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  it('shows image pull failures on containers never started', () => {
    const s = status(pod(), runtimePod([sandbox()], []), {
      startFailure: () => ({ reason: 'ErrImagePull', message: 'pull access denied' }),
    });
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses![0]!.state).toEqual({ waiting: { reason: 'ErrImagePull', message: 'pull access denied' } });
  });

  it('decides Succeeded and Failed by restart policy and exit codes', () => {
    const never = pod({ restartPolicy: 'Never' });
    const ok = status(never, runtimePod([sandbox()], [ctr('app', 'exited', { exitCode: 0 })]));
    expect(ok.phase).toBe('Succeeded');
    expect(cond(ok, 'ContainersReady')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(cond(ok, 'Initialized')).toMatchObject({ status: 'True', reason: 'PodCompleted' });
    expect(status(never, runtimePod([sandbox()], [ctr('app', 'exited', { exitCode: 2 })])).phase).toBe('Failed');

    const onFailure = pod({ restartPolicy: 'OnFailure' });
    expect(status(onFailure, runtimePod([sandbox()], [ctr('app', 'exited', { exitCode: 0 })])).phase).toBe('Succeeded');
    expect(status(onFailure, runtimePod([sandbox()], [ctr('app', 'exited', { exitCode: 2 })])).phase).toBe('Running');

    // Always: everything exited means restarting, unless the pod is being stopped for good
    const always = pod();
    const exited = runtimePod([sandbox()], [ctr('app', 'exited', { exitCode: 143 })]);
    expect(status(always, exited).phase).toBe('Running');
    expect(status(always, exited, { podIsTerminal: true }).phase).toBe('Failed');
  });

  it('never takes back a terminal phase', () => {
    const p = pod();
    const s = status(p, runtimePod([], []), { oldStatus: { phase: 'Succeeded' } });
    expect(s.phase).toBe('Succeeded');
  });

  it('reports init progress: Pending, PodInitializing, incomplete init containers', () => {
    const p = pod({ init: ['i1', 'i2'] });
    const s = status(p, runtimePod([sandbox()], [ctr('i1', 'exited', { exitCode: 0 }), ctr('i2', 'running')]));
    expect(s.phase).toBe('Pending');
    expect(cond(s, 'Initialized')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [i2]',
    });
    expect(s.initContainerStatuses?.map((c) => [c.name, c.ready])).toEqual([
      ['i1', true],
      ['i2', false],
    ]);
    expect(s.containerStatuses![0]!.state).toEqual({ waiting: { reason: 'PodInitializing' } });
  });

  it('fails a restartPolicy Never pod whose init container failed', () => {
    const s = status(pod({ init: ['i1'], restartPolicy: 'Never' }), runtimePod([sandbox()], [ctr('i1', 'exited', { exitCode: 1 })]));
    expect(s.phase).toBe('Failed');
  });

  it('sorts app container statuses by name and keeps init container statuses in spec order', () => {
    const s = status(pod({ containers: ['zeta', 'alpha'], init: ['second', 'first'] }), runtimePod([], []));
    expect(s.containerStatuses?.map((c) => c.name)).toEqual(['alpha', 'zeta']);
    expect(s.initContainerStatuses?.map((c) => c.name)).toEqual(['second', 'first']);
  });

  it('keeps the pod IP once the sandbox has stopped', () => {
    const p = pod({ restartPolicy: 'Never' });
    const s = status(p, runtimePod([sandbox('notready')], [ctr('app', 'exited', { exitCode: 0 })]), {
      oldStatus: { phase: 'Running', podIP: '10.244.1.5' },
    });
    expect(s.podIP).toBe('10.244.1.5');
  });

  it('reports a container that vanished while running as terminated, not waiting', () => {
    const p = pod();
    const old: PodStatus = {
      phase: 'Running',
      containerStatuses: [{ name: 'app', state: { running: { startedAt: '2024-01-01T00:00:00Z' } }, ready: true, restartCount: 2, image: 'busybox', imageID: 'x' }],
    };
    const s = status(p, runtimePod([sandbox()], []), { oldStatus: old });
    const cs = s.containerStatuses![0]!;
    expect(cs.lastState?.terminated).toMatchObject({ exitCode: 137, reason: 'ContainerStatusUnknown' });
    expect(cs.restartCount).toBe(3);
    expect(s.phase).toBe('Running');
  });

  it('holds Ready back while a readiness gate is not True, and keeps conditions it does not own', () => {
    const p = pod({ readinessGates: ['example.com/ready'] });
    p.status!.conditions!.push({ type: 'example.com/ready', status: 'False' });
    const s = status(p, runtimePod([sandbox()], [ctr('app', 'running')]));
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'ReadinessGatesNotReady' });
    expect(cond(s, 'ContainersReady')?.status).toBe('True');
    expect(cond(s, 'example.com/ready')?.status).toBe('False');
  });
});
