import { describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import { exitPlan, rfc3339Nano, SimulatedRuntime } from './simulated.js';
import { LABEL_ATTEMPT, LABEL_NODE, LABEL_TYPE, type ContainerConfig, type PodSandboxConfig } from './interface.js';

function sandboxConfig(name: string, extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
  return {
    podName: name,
    namespace: 'default',
    uid: `uid-${name}`,
    attempt: 0,
    hostname: name,
    hostNetwork: false,
    portMappings: [],
    labels: { app: name },
    ...extra,
  };
}

function containerConfig(name: string, extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return { name, image: 'skiff/busybox:latest', env: [], mounts: [], attempt: 0, ...extra };
}

function fakeClock(start = Date.parse('2030-01-01T00:00:00Z')): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

async function readAll(r: Readable): Promise<string> {
  let s = '';
  for await (const chunk of r) s += String(chunk);
  return s;
}

async function podWith(rt: SimulatedRuntime, name: string, containers: ContainerConfig[]): Promise<{ sandboxId: string; ids: string[] }> {
  const sb = sandboxConfig(name);
  const sandboxId = await rt.runPodSandbox(sb);
  const ids: string[] = [];
  for (const c of containers) {
    const id = await rt.createContainer(sandboxId, c, sb);
    await rt.startContainer(id);
    ids.push(id);
  }
  return { sandboxId, ids };
}

describe('exitPlan', () => {
  it('reads exit codes, sleeps and loops from the command line', () => {
    expect(exitPlan(['sh', '-c', 'exit 1'], undefined)).toEqual({ afterMs: 0, code: 1 });
    expect(exitPlan(['sh', '-c', 'echo done; exit'], undefined)).toEqual({ afterMs: 0, code: 0 });
    expect(exitPlan(['sleep', '5'], undefined)).toEqual({ afterMs: 5000, code: 0 });
    expect(exitPlan(['sh'], ['-c', 'sleep 1.5; sleep 1; exit 3'])).toEqual({ afterMs: 2500, code: 3 });
    expect(exitPlan(['sh', '-c', 'while true; do sleep 1; done'], undefined).afterMs).toBeUndefined();
    expect(exitPlan(['sh', '-c', 'until false\ndo sleep 1\ndone'], undefined).afterMs).toBeUndefined();
    expect(exitPlan(['sh', '-c', 'echo waiting for the db; sleep 2; exit 1'], undefined)).toEqual({ afterMs: 2000, code: 1 });
    expect(exitPlan(['sleep', 'infinity'], undefined).afterMs).toBeUndefined();
    expect(exitPlan(undefined, undefined).afterMs).toBeUndefined();
    expect(exitPlan(['httpd', '-f'], undefined).afterMs).toBeUndefined();
  });
});

describe('SimulatedRuntime', () => {
  it('gives each sandbox its own pod IP, never loopback, from the node range', async () => {
    const rt = new SimulatedRuntime({ nodeName: 'node-a', podCidr: '10.244.7.0/24' });
    const ips = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const id = await rt.runPodSandbox(sandboxConfig(`p${i}`));
      const st = await rt.podSandboxStatus(id);
      expect(st?.state).toBe('ready');
      expect(st?.ip).toMatch(/^10\.244\.7\.\d+$/);
      ips.add(st!.ip!);
    }
    expect(ips.size).toBe(20);
    expect([...ips].some((ip) => ip.endsWith('.0') || ip.endsWith('.1') || ip.endsWith('.255'))).toBe(false);
  });

  it('picks the same /24 of 10.244.0.0/16 for the same node name, different ones for most names', async () => {
    const subnet = async (node: string): Promise<string> => {
      const rt = new SimulatedRuntime({ nodeName: node });
      const st = await rt.podSandboxStatus(await rt.runPodSandbox(sandboxConfig('p')));
      expect(st?.ip).toMatch(/^10\.244\.\d+\.\d+$/);
      return st!.ip!.split('.').slice(0, 3).join('.');
    };
    expect(await subnet('node-1')).toBe(await subnet('node-1'));
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add(await subnet(`node-${i}`));
    expect(seen.size).toBeGreaterThan(5);
  });

  it('reuses addresses only after their sandbox is gone and fails when the range is full', async () => {
    const rt = new SimulatedRuntime({ nodeName: 'n', podCidr: '10.1.0.0/29' }); // 5 usable pod addresses
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await rt.runPodSandbox(sandboxConfig(`p${i}`)));
    await expect(rt.runPodSandbox(sandboxConfig('extra'))).rejects.toThrow(/no free pod IP/);
    const freed = (await rt.podSandboxStatus(ids[2]!))!.ip;
    await rt.stopPodSandbox(ids[2]!);
    expect((await rt.podSandboxStatus(ids[2]!))?.state).toBe('notready');
    const again = await rt.runPodSandbox(sandboxConfig('again'));
    expect((await rt.podSandboxStatus(again))?.ip).toBe(freed);
  });

  it('reports the node IP for hostNetwork pods', async () => {
    const rt = new SimulatedRuntime({ nodeName: 'n', nodeIP: '192.0.2.10' });
    const id = await rt.runPodSandbox(sandboxConfig('h', { hostNetwork: true }));
    expect((await rt.podSandboxStatus(id))?.ip).toBe('192.0.2.10');
  });

  it('labels sandboxes and containers with the node, type, pod and attempt', async () => {
    const rt = new SimulatedRuntime({ nodeName: 'node-x' });
    const { sandboxId, ids } = await podWith(rt, 'web', [containerConfig('app', { attempt: 2 })]);
    const [sb] = await rt.listPodSandboxes();
    expect(sb?.labels).toMatchObject({ app: 'web', [LABEL_NODE]: 'node-x', [LABEL_TYPE]: 'sandbox' });
    const st = await rt.containerStatus(ids[0]!);
    expect(st).toMatchObject({ sandboxId, podName: 'web', namespace: 'default', podUid: 'uid-web', name: 'app', attempt: 2, state: 'running' });
    expect(st?.labels).toMatchObject({ [LABEL_NODE]: 'node-x', [LABEL_TYPE]: 'container', [LABEL_ATTEMPT]: '2' });
    expect(st?.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('exits a container as its command says, on the clock', async () => {
    const clock = fakeClock();
    const rt = new SimulatedRuntime({ nodeName: 'n', clock: clock.now });
    const { ids } = await podWith(rt, 'p', [
      containerConfig('fails', { command: ['sh', '-c', 'exit 1'] }),
      containerConfig('sleeps', { command: ['sleep', '5'] }),
      containerConfig('crashes', { command: ['sh', '-c', 'sleep 2; exit 7'] }),
      containerConfig('serves'),
    ]);
    const [fails, sleeps, crashes, serves] = ids as [string, string, string, string];
    expect(await rt.containerStatus(fails)).toMatchObject({ state: 'exited', exitCode: 1, reason: 'Error' });
    expect((await rt.containerStatus(sleeps))?.state).toBe('running');

    clock.advance(2000);
    expect(await rt.containerStatus(crashes)).toMatchObject({ state: 'exited', exitCode: 7, reason: 'Error' });
    expect((await rt.containerStatus(sleeps))?.state).toBe('running');

    clock.advance(3000);
    const done = await rt.containerStatus(sleeps);
    expect(done).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' });
    expect(done!.finishedAt!.getTime() - done!.startedAt!.getTime()).toBe(5000);

    clock.advance(3_600_000);
    expect((await rt.containerStatus(serves))?.state).toBe('running');
    expect((await rt.listContainers({ all: false })).map((c) => c.id)).toEqual([serves]);
    expect(await rt.listContainers()).toHaveLength(4);
  });

  it('stops a running container with 143 and removes containers with their sandbox', async () => {
    const rt = new SimulatedRuntime({ nodeName: 'n' });
    const { sandboxId, ids } = await podWith(rt, 'p', [containerConfig('a'), containerConfig('b')]);
    await rt.stopContainer(ids[0]!, 30);
    expect(await rt.containerStatus(ids[0]!)).toMatchObject({ state: 'exited', exitCode: 143, reason: 'Error' });
    await rt.stopPodSandbox(sandboxId);
    expect((await rt.containerStatus(ids[1]!))?.state).toBe('exited');
    expect((await rt.podSandboxStatus(sandboxId))?.ip).toBeUndefined();
    await rt.removePodSandbox(sandboxId);
    expect(await rt.listContainers()).toEqual([]);
    expect(await rt.listPodSandboxes()).toEqual([]);
  });

  it('refuses to start a container whose sandbox is stopped', async () => {
    const rt = new SimulatedRuntime({ nodeName: 'n' });
    const sb = sandboxConfig('p');
    const sandboxId = await rt.runPodSandbox(sb);
    await rt.stopPodSandbox(sandboxId);
    const id = await rt.createContainer(sandboxId, containerConfig('late'), sb);
    await expect(rt.startContainer(id)).rejects.toThrow(/not running/);
    await expect(rt.createContainer('missing', containerConfig('x'), sb)).rejects.toThrow(/not found/);
  });

  it('filters containers by pod and sandbox', async () => {
    const rt = new SimulatedRuntime({ nodeName: 'n' });
    const a = await podWith(rt, 'a', [containerConfig('c1'), containerConfig('c2')]);
    await podWith(rt, 'b', [containerConfig('c1')]);
    expect((await rt.listContainers({ podUid: 'uid-a' })).map((c) => c.id).sort()).toEqual([...a.ids].sort());
    expect(await rt.listContainers({ sandboxId: a.sandboxId })).toHaveLength(2);
  });

  it('answers exec with exit 0 unless told otherwise, by container id or name', async () => {
    const rt = new SimulatedRuntime({ nodeName: 'n' });
    const { ids } = await podWith(rt, 'p', [containerConfig('app'), containerConfig('side')]);
    expect(await rt.execSync(ids[0]!, ['cat', '/tmp/healthy'], 1000)).toEqual({ exitCode: 0, stdout: '', stderr: '', timedOut: false });
    rt.setExecResult('app', 1, { stderr: 'cat: /tmp/healthy: No such file or directory\n' });
    expect(await rt.execSync(ids[0]!, ['cat', '/tmp/healthy'], 1000)).toMatchObject({ exitCode: 1, stderr: /No such file/ });
    expect((await rt.execSync(ids[1]!, ['true'], 1000)).exitCode).toBe(0);
    rt.setExecResult(ids[1]!, 2);
    expect((await rt.execSync(ids[1]!, ['true'], 1000)).exitCode).toBe(2);
    rt.setExecResult('app', undefined);
    expect((await rt.execSync(ids[0]!, ['true'], 1000)).exitCode).toBe(0);

    await rt.stopContainer(ids[0]!, 0);
    await expect(rt.execSync(ids[0]!, ['true'], 1000)).rejects.toThrow(/not running/);
  });

  it('streams exec output and resolves the exit code', async () => {
    const rt = new SimulatedRuntime({ nodeName: 'n' });
    const { ids } = await podWith(rt, 'p', [containerConfig('app')]);
    rt.setExecResult('app', 3, { stdout: 'out\n', stderr: 'err\n' });
    const { PassThrough } = await import('node:stream');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const session = await rt.exec(ids[0]!, ['sh'], { stdout, stderr, tty: false });
    expect(await session.exited).toBe(3);
    expect(String(stdout.read())).toBe('out\n');
    expect(String(stderr.read())).toBe('err\n');
  });

  it('gives a few log lines, honours tail and timestamps, and ends a follow when the container stops', async () => {
    const rt = new SimulatedRuntime({ nodeName: 'n' });
    const { ids } = await podWith(rt, 'p', [containerConfig('app', { command: ['httpd', '-f'] })]);
    const all = await readAll(await rt.logs(ids[0]!, {}));
    expect(all.trim().split('\n').length).toBeGreaterThanOrEqual(2);
    expect(all).toContain('app');
    const tail = await readAll(await rt.logs(ids[0]!, { tailLines: 1, timestamps: true }));
    expect(tail.trim().split('\n')).toHaveLength(1);
    expect(tail).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /);

    const follow = await rt.logs(ids[0]!, { follow: true });
    const text = readAll(follow);
    await rt.stopContainer(ids[0]!, 1);
    expect(await text).toContain('exited with code 143');
  });

  it('ends a follow and an attach when a sleeping container exits on its own', async () => {
    const rt = new SimulatedRuntime({ nodeName: 'n' });
    const { ids } = await podWith(rt, 'p', [containerConfig('short', { command: ['sh', '-c', 'sleep 0.05; exit 4'] })]);
    const follow = readAll(await rt.logs(ids[0]!, { follow: true }));
    const attach = await rt.attach(ids[0]!, { tty: false });
    expect(await attach.exited).toBe(4);
    expect(await follow).toContain('exited with code 4');
  });

  it('reports growing CPU counters for running containers only', async () => {
    const clock = fakeClock();
    const rt = new SimulatedRuntime({ nodeName: 'n', clock: clock.now });
    const { ids } = await podWith(rt, 'p', [containerConfig('busy'), containerConfig('done', { command: ['sh', '-c', 'exit 0'] })]);
    clock.advance(1000);
    const first = await rt.containerStats();
    expect(first.map((s) => s.containerId)).toEqual([ids[0]]);
    expect(first[0]!.cpuUsageCoreNanoSeconds).toBe(10_000_000n); // 10 millicores for 1 s
    expect(first[0]!.memoryWorkingSetBytes).toBeGreaterThan(0);

    rt.setUsage('busy', { milliCpu: 500, memoryBytes: 64 << 20 });
    clock.advance(2000);
    const [second] = await rt.containerStats();
    expect(second!.cpuUsageCoreNanoSeconds).toBe(10_000_000n + 1_000_000_000n);
    expect(second!.memoryWorkingSetBytes).toBe(64 << 20);
  });

  it('has every image unless told one is missing', async () => {
    const rt = new SimulatedRuntime({ nodeName: 'n' });
    expect((await rt.imageStatus('nginx:1.27'))?.repoTags).toEqual(['nginx:1.27']);
    await rt.pullImage('nginx:1.27');
    rt.setImageMissing('bad:image', 'pull access denied for bad');
    expect(await rt.imageStatus('bad:image')).toBeUndefined();
    await expect(rt.pullImage('bad:image')).rejects.toThrow('pull access denied for bad');
    const sb = sandboxConfig('p');
    const sandboxId = await rt.runPodSandbox(sb);
    await expect(rt.createContainer(sandboxId, containerConfig('c', { image: 'bad:image' }), sb)).rejects.toThrow(/No such image/);
  });

  it('formats timestamps as Docker does', () => {
    expect(rfc3339Nano(Date.parse('2030-01-02T03:04:05.678Z'))).toBe('2030-01-02T03:04:05.678000000Z');
  });

  it('holds a thousand idle runtimes in little memory', async () => {
    const before = process.memoryUsage().heapUsed;
    const runtimes: SimulatedRuntime[] = [];
    for (let i = 0; i < 1000; i++) {
      const rt = new SimulatedRuntime({ nodeName: `node-${i}` });
      await podWith(rt, 'p', [containerConfig('app')]);
      runtimes.push(rt);
    }
    const perRuntime = (process.memoryUsage().heapUsed - before) / runtimes.length;
    expect(perRuntime).toBeLessThan(20_000);
  });
});
