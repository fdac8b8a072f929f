import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Container, Pod, Probe } from '../../src/api/core/v1.js';
import type { ExecResult } from '../runtime/interface.js';
import { ProbeManager } from './manager.js';

// One API second lasts 20 ms here, so a periodSeconds: 1 probe runs every 20 ms.
const MS = 20;

const managers: ProbeManager[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) m.stop();
  while (closers.length > 0) await closers.pop()!();
});

async function waitFor(cond: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** execSync answering from a per-command script; the last answer repeats. */
function fakeRuntime() {
  const calls: { id: string; cmd: string }[] = [];
  const script = new Map<string, boolean[]>();
  return {
    calls,
    count: (cmd: string, id?: string) => calls.filter((c) => c.cmd === cmd && (id === undefined || c.id === id)).length,
    answer(cmd: string, ...results: boolean[]) {
      script.set(cmd, results);
    },
    async execSync(id: string, cmd: string[]): Promise<ExecResult> {
      const key = cmd.join(' ');
      calls.push({ id, cmd: key });
      const results = script.get(key) ?? [true];
      const ok = results.length > 1 ? results.shift()! : results[0]!;
      return ok ? { exitCode: 0, stdout: '', stderr: '', timedOut: false } : { exitCode: 1, stdout: '', stderr: `${key}: failed`, timedOut: false };
    },
  };
}

function setup() {
  const runtime = fakeRuntime();
  const pm = new ProbeManager({ runtime, msPerSecond: MS });
  managers.push(pm);
  const changes: string[] = [];
  const liveness: { podUid: string; name: string; id: string; message: string }[] = [];
  const events: string[] = [];
  pm.onChange((uid) => changes.push(uid));
  pm.onLivenessFailure((podUid, name, id, message) => liveness.push({ podUid, name, id, message }));
  pm.onProbeEvent((_uid, _name, e) => events.push(`${e.reason}: ${e.message}`));
  return { runtime, pm, changes, liveness, events };
}

const execProbe = (cmd: string, extra: Partial<Probe> = {}): Probe => ({ exec: { command: cmd.split(' ') }, periodSeconds: 1, ...extra });

function pod(container: Container): Pod {
  return { metadata: { name: 'web', namespace: 'default', uid: 'uid-1' }, spec: { containers: [container] } };
}

const started = (containerId = 'c1') => ({ containerId, startedAt: new Date(), podIP: '127.0.0.1' });

describe('ProbeManager', () => {
  it('counts a container without probes as started and ready at once; unknown ones as neither', () => {
    const { pm } = setup();
    const c: Container = { name: 'app' };
    expect(pm.isReady('uid-1', 'app')).toBe(false);
    pm.addContainer(pod(c), c, started());
    expect(pm.isStarted('uid-1', 'app')).toBe(true);
    expect(pm.isReady('uid-1', 'app')).toBe(true);
    pm.removeContainer('uid-1', 'app');
    expect(pm.isStarted('uid-1', 'app')).toBe(false);
  });

  it('becomes ready once a real HTTP readiness probe succeeds, on a named port, and reports the change', async () => {
    let healthy = false;
    const server = createServer((_req, res) => res.writeHead(healthy ? 200 : 503).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    const port = (server.address() as AddressInfo).port;

    const { pm, changes, events } = setup();
    const c: Container = { name: 'app', ports: [{ name: 'http', containerPort: port }], readinessProbe: { httpGet: { port: 'http', path: '/ready', host: '127.0.0.1' }, periodSeconds: 1, timeoutSeconds: 50 } };
    pm.addContainer(pod(c), c, started());
    expect(pm.isStarted('uid-1', 'app')).toBe(true);
    await waitFor(() => events.length >= 2, 'failed readiness attempts');
    expect(pm.isReady('uid-1', 'app')).toBe(false);
    expect(events[0]).toBe('Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503');
    expect(changes).toEqual([]);

    healthy = true;
    await waitFor(() => pm.isReady('uid-1', 'app'), 'readiness');
    expect(changes).toEqual(['uid-1']);

    healthy = false;
    await waitFor(() => !pm.isReady('uid-1', 'app'), 'unreadiness (failureThreshold 3)');
    expect(changes).toEqual(['uid-1', 'uid-1']);
  });

  it('needs successThreshold successes in a row before ready', async () => {
    const { pm, runtime } = setup();
    runtime.answer('check', true, false, true, true);
    const c: Container = { name: 'app', readinessProbe: execProbe('check', { successThreshold: 2 }) };
    pm.addContainer(pod(c), c, started());
    await waitFor(() => runtime.count('check') >= 3, 'three attempts');
    expect(pm.isReady('uid-1', 'app')).toBe(false);
    await waitFor(() => pm.isReady('uid-1', 'app'), 'readiness after two successes');
    expect(runtime.count('check')).toBeGreaterThanOrEqual(4);
  });

  it('reports a liveness failure after failureThreshold consecutive failures, then holds', async () => {
    const { pm, runtime, liveness } = setup();
    runtime.answer('alive', false, true, false, false, false);
    const c: Container = { name: 'app', livenessProbe: execProbe('alive', { failureThreshold: 3 }) };
    pm.addContainer(pod(c), c, started('c1'));
    await waitFor(() => liveness.length === 1, 'liveness failure');
    // the early success reset the count: five attempts, not three
    expect(runtime.count('alive')).toBe(5);
    expect(liveness[0]).toEqual({ podUid: 'uid-1', name: 'app', id: 'c1', message: 'Liveness probe failed: alive: failed' });
    await sleep(5 * MS);
    expect(runtime.count('alive')).toBe(5);

    // the restarted container gets fresh workers
    pm.addContainer(pod(c), c, started('c2'));
    await waitFor(() => liveness.length === 2, 'second liveness failure');
    expect(liveness[1]!.id).toBe('c2');
    expect(runtime.count('alive', 'c2')).toBe(3);
    expect(runtime.count('alive', 'c1')).toBe(5);
  });

  it('gates liveness and readiness on the startup probe', async () => {
    const { pm, runtime, changes } = setup();
    runtime.answer('started', false, false, true);
    const c: Container = {
      name: 'app',
      startupProbe: execProbe('started', { failureThreshold: 10 }),
      livenessProbe: execProbe('alive'),
      readinessProbe: execProbe('ready', { periodSeconds: 1000 }),
    };
    pm.addContainer(pod(c), c, started());
    expect(pm.isStarted('uid-1', 'app')).toBe(false);
    await waitFor(() => runtime.count('started') >= 2, 'startup attempts');
    expect(runtime.count('alive') + runtime.count('ready')).toBe(0);
    expect(pm.isReady('uid-1', 'app')).toBe(false);

    await waitFor(() => pm.isStarted('uid-1', 'app'), 'started');
    // readiness runs at once on start, not a (long) period later
    await waitFor(() => pm.isReady('uid-1', 'app'), 'ready');
    await waitFor(() => runtime.count('alive') > 0, 'liveness after start');
    expect(runtime.count('started')).toBe(3);
    expect(changes.length).toBeGreaterThanOrEqual(2);
  });

  it('restarts a container whose startup probe never succeeds', async () => {
    const { pm, runtime, liveness } = setup();
    runtime.answer('started', false);
    const c: Container = { name: 'app', startupProbe: execProbe('started', { failureThreshold: 2 }), livenessProbe: execProbe('alive') };
    pm.addContainer(pod(c), c, started());
    await waitFor(() => liveness.length === 1, 'startup failure');
    expect(liveness[0]!.message).toBe('Startup probe failed: started: failed');
    expect(runtime.count('alive')).toBe(0);
  });

  it('waits initialDelaySeconds from the container start', async () => {
    const { pm, runtime } = setup();
    const c: Container = { name: 'app', livenessProbe: execProbe('alive', { initialDelaySeconds: 25 }) };
    pm.addContainer(pod(c), c, started('fresh'));
    const old: Container = { name: 'old', livenessProbe: execProbe('old', { initialDelaySeconds: 25 }) };
    pm.addContainer(pod(old), old, { containerId: 'o1', startedAt: new Date(Date.now() - 60_000), podIP: '127.0.0.1' });
    await waitFor(() => runtime.count('old') > 0, 'probe of a long-running container');
    await sleep(3 * MS);
    expect(runtime.count('alive')).toBe(0);
    await waitFor(() => runtime.count('alive') > 0, 'probe after the initial delay');
  });

  it('discards errored attempts instead of counting them', async () => {
    const { pm, liveness, events } = setup();
    const c: Container = { name: 'app', livenessProbe: { httpGet: { port: 'missing' }, periodSeconds: 1, failureThreshold: 1 } };
    pm.addContainer(pod(c), c, started());
    await waitFor(() => events.length >= 3, 'errored attempts');
    expect(events[0]).toBe('Unhealthy: Liveness probe errored and resulted in unknown state: strconv.Atoi: parsing "missing": invalid syntax');
    expect(liveness).toEqual([]);
  });

  it('leaves no timers behind after removeContainer and stop, even with an attempt in flight', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let release: (r: ExecResult) => void = () => {};
      const calls: string[] = [];
      const runtime = {
        execSync: (_id: string, cmd: string[]) => {
          calls.push(cmd.join(' '));
          return new Promise<ExecResult>((r) => (release = r));
        },
      };
      const pm = new ProbeManager({ runtime, msPerSecond: MS });
      const a: Container = { name: 'a', livenessProbe: execProbe('a'), readinessProbe: execProbe('a-ready') };
      const b: Container = { name: 'b', readinessProbe: execProbe('b') };
      const p = pod(a);
      p.spec.containers.push(b);
      pm.addContainer(p, a, started('ca'));
      pm.addContainer(p, b, started('cb'));
      expect(vi.getTimerCount()).toBe(3);
      pm.removeContainer('uid-1', 'b');
      expect(vi.getTimerCount()).toBe(2);

      await vi.advanceTimersByTimeAsync(2 * MS);
      expect(calls.length).toBeGreaterThan(0);
      pm.stop();
      release({ exitCode: 0, stdout: '', stderr: '', timedOut: false });
      await vi.advanceTimersByTimeAsync(0);
      expect(vi.getTimerCount()).toBe(0);

      pm.addContainer(p, b, started('cb2'));
      expect(vi.getTimerCount()).toBe(0);
      expect(pm.isReady('uid-1', 'b')).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
