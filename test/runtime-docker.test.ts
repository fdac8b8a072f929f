// The Docker runtime against the real engine: sandboxes and the containers
// that join them, as the kubelet will drive them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../kubelet/runtime/docker.js';
import type { ContainerConfig, ContainerStatus, PodSandboxConfig } from '../kubelet/runtime/interface.js';
import {
  BUSYBOX_IMAGE,
  ECHO_IMAGE,
  ensureTestImages,
  removeContainersOfNode,
  requireDocker,
  uniqueNodeName,
} from './harness/docker.js';
import { eventually } from './harness/until.js';

const node = uniqueNodeName('rt-docker');
const otherNode = uniqueNodeName('rt-docker-other');
let docker: Docker;
let rt: DockerRuntime;
let scratch: string;

beforeAll(async () => {
  docker = await requireDocker();
  await ensureTestImages();
  rt = new DockerRuntime({ nodeName: node, docker, allowPull: false, nodeIP: '127.0.0.1' });
  scratch = mkdtempSync(join(tmpdir(), 'skiff-rt-docker-'));
}, 300_000);

afterAll(async () => {
  await rt?.close();
  if (docker) {
    await removeContainersOfNode(docker, node);
    await removeContainersOfNode(docker, otherNode);
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function sandboxConfig(name: string, extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
  return {
    podName: name,
    namespace: 'default',
    uid: randomUUID(),
    attempt: 0,
    hostname: name,
    hostNetwork: false,
    portMappings: [],
    ...extra,
  };
}

function container(name: string, extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return { name, image: BUSYBOX_IMAGE, env: [], mounts: [], attempt: 0, ...extra };
}

const SLEEP = ['sh', '-c', 'sleep 3600'];

/** A running sandbox with the given containers started in it. */
async function startPod(
  name: string,
  containers: ContainerConfig[],
  extra: Partial<PodSandboxConfig> = {},
  runtime = rt,
): Promise<{ sandboxId: string; sandbox: PodSandboxConfig; ids: string[] }> {
  const sandbox = sandboxConfig(name, extra);
  const sandboxId = await runtime.runPodSandbox(sandbox);
  const ids: string[] = [];
  for (const c of containers) {
    const id = await runtime.createContainer(sandboxId, c, sandbox);
    await runtime.startContainer(id);
    ids.push(id);
  }
  return { sandboxId, sandbox, ids };
}

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000) => eventually(what, fn, { timeoutMs, intervalMs: 100 });

async function exited(id: string): Promise<ContainerStatus> {
  return waitFor(`container ${id} to exit`, async () => {
    const s = await rt.containerStatus(id);
    return s?.state === 'exited' ? s : undefined;
  });
}

async function sh(id: string, script: string): Promise<string> {
  const r = await rt.execSync(id, ['sh', '-c', script], 10_000);
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

async function readStream(r: Readable): Promise<string> {
  let s = '';
  for await (const chunk of r) s += String(chunk);
  return s;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

describe('DockerRuntime on a real engine', () => {
  it('reports the engine version', async () => {
    const v = await rt.version();
    expect(v.runtimeName).toBe('docker');
    expect(v.runtimeVersion).toMatch(/^\d+\.\d+/);
  });

  it('runs containers that share the sandbox network: localhost, pod IP, hostname, DNS and hosts', async () => {
    const dns = { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5'] };
    const { sandboxId, ids } = await startPod(
      'net-pod',
      [
        container('web', { image: ECHO_IMAGE, env: [{ name: 'POD_NAME', value: 'net-pod' }] }),
        container('static', { command: ['sh', '-c', 'mkdir -p /www && echo from-httpd > /www/index.html && exec httpd -f -p 8081 -h /www'] }),
        container('client', { command: SLEEP }),
      ],
      { hostname: 'net-pod-host', dns, hostAliases: [{ ip: '10.1.2.3', hostnames: ['db.example', 'db'] }] },
    );
    const [web, , client] = ids as [string, string, string];

    expect(await waitFor('echo over localhost', async () => (await sh(client, 'wget -q -O - http://127.0.0.1:8080/')) || undefined)).toBe('net-pod\n');
    expect(await waitFor('httpd over localhost', async () => (await sh(client, 'wget -q -O - http://127.0.0.1:8081/')) || undefined)).toBe('from-httpd\n');

    const status = await rt.podSandboxStatus(sandboxId);
    expect(status).toMatchObject({ state: 'ready', podName: 'net-pod', namespace: 'default' });
    expect(status?.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(status?.ip).not.toMatch(/^127\./);
    // the pod IP on Docker's bridge is reachable from the node
    const res = await waitFor('the pod IP from the host', async () => {
      const r = await fetch(`http://${status!.ip}:8080/`);
      return r.ok ? r.text() : undefined;
    });
    expect(res).toBe('net-pod\n');

    for (const id of [web, client]) {
      expect((await sh(id, 'hostname')).trim()).toBe('net-pod-host');
      const resolv = await sh(id, 'cat /etc/resolv.conf');
      expect(resolv).toContain('nameserver 10.96.0.10');
      expect(resolv).toMatch(/search default\.svc\.cluster\.local svc\.cluster\.local/);
      expect(resolv).toContain('options ndots:5');
      expect(await sh(id, 'cat /etc/hosts')).toMatch(/10\.1\.2\.3\s+db\.example/);
    }
    expect(await sh(client, 'cat /etc/hosts')).toMatch(/10\.1\.2\.3\s+db(\s|$)/m);
  });

  it('publishes port mappings on the given host IP', async () => {
    const hostPort = await freePort();
    await startPod('ports-pod', [container('web', { image: ECHO_IMAGE, env: [{ name: 'POD_NAME', value: 'ports-pod' }] })], {
      portMappings: [{ protocol: 'TCP', containerPort: 8080, hostPort, hostIP: '127.0.0.1' }],
    });
    const body = await waitFor('the host port', async () => {
      const r = await fetch(`http://127.0.0.1:${hostPort}/`);
      return r.ok ? r.text() : undefined;
    });
    expect(body).toBe('ports-pod\n');
  });

  it('gives a hostNetwork pod the node IP', async () => {
    const { sandboxId } = await startPod('hostnet-pod', [], { hostNetwork: true });
    expect((await rt.podSandboxStatus(sandboxId))?.ip).toBe('127.0.0.1');
  });

  it('passes env, working directory, user, bind and tmpfs mounts, and a read-only root', async () => {
    const dir = join(scratch, 'data');
    const roDir = join(scratch, 'ro');
    for (const d of [dir, roDir]) {
      rmSync(d, { recursive: true, force: true });
    }
    await import('node:fs').then((fs) => {
      fs.mkdirSync(dir);
      fs.mkdirSync(roDir);
    });
    writeFileSync(join(dir, 'from-host'), 'hello from the host\n');
    const { ids } = await startPod('env-pod', [
      container('main', {
        command: SLEEP,
        env: [
          { name: 'GREETING', value: 'hi there' },
          { name: 'EMPTY', value: '' },
        ],
        workingDir: '/data',
        mounts: [
          { hostPath: dir, containerPath: '/data', readOnly: false },
          { hostPath: roDir, containerPath: '/config', readOnly: true },
          { hostPath: '', containerPath: '/scratch', readOnly: false, tmpfs: { sizeBytes: 8 * 1024 * 1024 } },
        ],
      }),
      container('locked', { command: SLEEP, runAsUser: 1000, runAsGroup: 2000, readOnlyRootFilesystem: true }),
    ]);
    const [main, locked] = ids as [string, string];
    expect(await sh(main, 'echo "$GREETING|${EMPTY-unset}"')).toBe('hi there|\n');
    expect((await sh(main, 'pwd')).trim()).toBe('/data');
    expect(await sh(main, 'cat /data/from-host')).toBe('hello from the host\n');
    await sh(main, 'echo written in the pod > /data/from-pod');
    expect(readFileSync(join(dir, 'from-pod'), 'utf8')).toBe('written in the pod\n');
    expect((await rt.execSync(main, ['sh', '-c', 'touch /config/x'], 5000)).exitCode).not.toBe(0);
    expect(await sh(main, 'grep " /scratch " /proc/mounts')).toMatch(/^tmpfs \/scratch tmpfs rw.*size=8192k/);

    expect((await sh(locked, 'id -u; id -g')).split('\n').slice(0, 2)).toEqual(['1000', '2000']);
    const touch = await rt.execSync(locked, ['touch', '/new-file'], 5000);
    expect(touch.exitCode).not.toBe(0);
    expect(touch.stderr).toMatch(/Read-only file system/);
  });

  it('applies command and args as Kubernetes does', async () => {
    // the echo image's CMD is its server; args alone replace it, command alone drops it
    const { ids } = await startPod('cmd-pod', [
      container('args-only', { image: ECHO_IMAGE, args: ['echo', 'from', 'args'] }),
      container('command-only', { command: ['echo', 'from command'] }),
      container('both', { command: ['sh', '-c'], args: ['echo "$0 and $1"', 'first', 'second'] }),
    ]);
    const out = await Promise.all(ids.map(async (id) => (await exited(id), readStream(await rt.logs(id, {})))));
    expect(out).toEqual(['from args\n', 'from command\n', 'first and second\n']);
  });

  it('reports exit codes and reasons: Completed, Error, OOMKilled, StartError, and the termination message', async () => {
    const { ids, sandboxId, sandbox } = await startPod('exit-pod', [
      container('ok', { command: ['true'] }),
      container('fails', { command: ['sh', '-c', 'exit 3'] }),
      container('hog', { command: ['sh', '-c', 'x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done'], memoryLimitBytes: 16 * 1024 * 1024 }),
      container('says-why', {
        command: ['sh', '-c', 'printf "config file missing" > /tmp/termination-log; exit 2'],
        terminationMessagePath: '/tmp/termination-log',
      }),
    ]);
    const [ok, fails, hog, saysWhy] = ids as [string, string, string, string];
    expect(await exited(ok)).toMatchObject({ exitCode: 0, reason: 'Completed', name: 'ok', podName: 'exit-pod', attempt: 0 });
    expect(await exited(fails)).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(await exited(hog)).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    const why = await exited(saysWhy);
    expect(why).toMatchObject({ exitCode: 2, reason: 'Error', message: 'config file missing' });
    expect(why.startedAt!.getTime()).toBeLessThanOrEqual(why.finishedAt!.getTime());
    expect(why.imageId).toMatch(/^(sha256:|docker-pullable:\/\/)/);
    expect(why.sandboxId).toBe(sandboxId);

    const missing = await rt.createContainer(sandboxId, container('missing-binary', { command: ['/no/such/program'], attempt: 1 }), sandbox);
    await expect(rt.startContainer(missing)).rejects.toThrow(/no such file|not found/i);
    const st = await rt.containerStatus(missing);
    expect(st).toMatchObject({ state: 'exited', reason: 'StartError', attempt: 1 });
    expect(st?.exitCode).not.toBe(0);
    expect(st?.message).toMatch(/no such program|no such file/i);

    const listed = await rt.listContainers({ sandboxId });
    expect(listed.map((c) => c.id).sort()).toEqual([...ids, missing].sort());
    expect(await rt.listContainers({ sandboxId, all: false })).toEqual([]);
  });

  it('runs execs: output, exit code, timeout, stdin, and a terminal', async () => {
    const { ids } = await startPod('exec-pod', [container('main', { command: SLEEP })]);
    const [main] = ids as [string];

    expect(await rt.execSync(main, ['sh', '-c', 'echo out; echo err >&2; exit 4'], 10_000)).toEqual({
      exitCode: 4,
      stdout: 'out\n',
      stderr: 'err\n',
      timedOut: false,
    });

    const slow = await rt.execSync(main, ['sleep', '300'], 500);
    expect(slow.timedOut).toBe(true);
    // the timed-out process does not linger in the container
    await waitFor('the timed-out exec to be killed', async () => !(await sh(main, 'ps -o args')).includes('sleep 300'));

    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const session = await rt.exec(main, ['sh', '-c', 'cat; echo done >&2; exit 5'], { stdin, stdout, stderr, tty: false });
    stdin.end('typed input\n');
    expect(await session.exited).toBe(5);
    expect(String(stdout.read())).toBe('typed input\n');
    expect(String(stderr.read())).toBe('done\n');

    const ttyOut = new PassThrough();
    const tty = await rt.exec(main, ['sh', '-c', 'sleep 0.5; tty; stty size; echo to-stderr >&2'], { stdout: ttyOut, tty: true });
    await tty.resize(100, 40);
    expect(await tty.exited).toBe(0);
    const text = String(ttyOut.read());
    expect(text).toMatch(/\/dev\/pts\/\d+/);
    expect(text).toContain('40 100');
    expect(text).toContain('to-stderr');

    await rt.stopContainer(main, 0);
    await expect(rt.execSync(main, ['true'], 1000)).rejects.toThrow(/not running/);
  });

  it('attaches to a container’s own stdin and stdout', async () => {
    const sandbox = sandboxConfig('attach-pod');
    const sandboxId = await rt.runPodSandbox(sandbox);
    const id = await rt.createContainer(sandboxId, container('cat', { command: ['cat'], stdin: true, stdinOnce: true }), sandbox);
    await rt.startContainer(id);
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const session = await rt.attach(id, { stdin, stdout, stderr: new PassThrough(), tty: false });
    stdin.write('ping\n');
    await waitFor('the echo of stdin', async () => String(stdout.read() ?? '') === 'ping\n' || undefined);
    stdin.end();
    expect(await session.exited).toBe(0);
    expect((await exited(id)).reason).toBe('Completed');
  });

  it('serves logs: all, tail, timestamps, since, and follow until the container ends', async () => {
    const { ids } = await startPod('logs-pod', [
      container('printer', { command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done; sleep 0.1; echo errline >&2; sleep 3600'] }),
      container('slow', { command: ['sh', '-c', 'echo old; sleep 2.5; echo new; sleep 3600'] }),
      container('short', { command: ['sh', '-c', 'echo first; sleep 1; echo last'] }),
    ]);
    const [printer, slow, short] = ids as [string, string, string];

    const followed = readStream(await rt.logs(short, { follow: true }));
    await waitFor('all printer lines', async () => (await readStream(await rt.logs(printer, {}))).includes('errline'));
    expect(await readStream(await rt.logs(printer, {}))).toBe('line1\nline2\nline3\nline4\nline5\nerrline\n');
    expect(await readStream(await rt.logs(printer, { tailLines: 2 }))).toBe('line5\nerrline\n');
    const stamped = (await readStream(await rt.logs(printer, { timestamps: true, tailLines: 3 }))).trim().split('\n');
    expect(stamped).toHaveLength(3);
    for (const line of stamped) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (line\d|errline)$/);

    await waitFor('the slow container’s second line', async () => (await readStream(await rt.logs(slow, {}))).includes('new'));
    expect(await readStream(await rt.logs(slow, { sinceSeconds: 1 }))).toBe('new\n');

    expect(await followed).toBe('first\nlast\n');

    const live = await rt.logs(printer, { follow: true, tailLines: 1 });
    const firstChunk = await new Promise<string>((resolve) => live.once('data', (c) => resolve(String(c))));
    expect(firstChunk).toBe('errline\n');
    live.destroy();
  });

  it('reports CPU and memory for running containers', async () => {
    const { ids } = await startPod('stats-pod', [
      container('busy', { command: ['sh', '-c', 'while :; do :; done'] }),
      container('idle', { command: SLEEP }),
    ]);
    const [busy, idle] = ids as [string, string];
    const first = await waitFor('a busy CPU counter', async () => {
      const s = (await rt.containerStats()).find((x) => x.containerId === busy);
      return s && s.cpuUsageCoreNanoSeconds > 200_000_000n ? s : undefined;
    });
    expect(first.name).toBe('busy');
    expect(first.memoryWorkingSetBytes).toBeGreaterThan(0);
    expect(first.memoryUsageBytes).toBeGreaterThanOrEqual(first.memoryWorkingSetBytes);
    const all = await rt.containerStats();
    expect(all.some((s) => s.containerId === idle)).toBe(true);
    const later = all.find((s) => s.containerId === busy)!;
    expect(later.cpuUsageCoreNanoSeconds).toBeGreaterThanOrEqual(first.cpuUsageCoreNanoSeconds);
    await rt.stopContainer(busy, 0);
    expect((await rt.containerStats()).some((s) => s.containerId === busy)).toBe(false);
  });

  it('stops with SIGTERM, then SIGKILL after the timeout', async () => {
    const { ids } = await startPod('stop-pod', [
      // a shell as PID 1 ignores SIGTERM; the echo server exits on it
      container('stubborn', { command: SLEEP }),
      container('polite', { image: ECHO_IMAGE }),
    ]);
    const [stubborn, polite] = ids as [string, string];
    let t0 = Date.now();
    await rt.stopContainer(stubborn, 2);
    const stubbornTook = Date.now() - t0;
    expect(await rt.containerStatus(stubborn)).toMatchObject({ state: 'exited', exitCode: 137, reason: 'Error' });
    expect(stubbornTook).toBeGreaterThanOrEqual(1900);

    t0 = Date.now();
    await rt.stopContainer(polite, 30);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(await rt.containerStatus(polite)).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' });
    // stopping again is not an error
    await rt.stopContainer(polite, 1);
  });

  it('stops and removes a whole sandbox with its containers', async () => {
    const { sandboxId, ids } = await startPod('gone-pod', [container('a', { command: SLEEP }), container('b', { image: ECHO_IMAGE })]);
    await rt.stopPodSandbox(sandboxId);
    const stopped = await rt.podSandboxStatus(sandboxId);
    expect(stopped).toMatchObject({ state: 'notready' });
    expect(stopped?.ip).toBeUndefined();
    for (const id of ids) expect((await rt.containerStatus(id))?.state).toBe('exited');
    await rt.removePodSandbox(sandboxId);
    expect(await rt.podSandboxStatus(sandboxId)).toBeUndefined();
    for (const id of ids) expect(await rt.containerStatus(id)).toBeUndefined();
    expect((await rt.listPodSandboxes()).some((s) => s.id === sandboxId)).toBe(false);
    // removing again is not an error
    await rt.removePodSandbox(sandboxId);
    await rt.removeContainer(ids[0]!);
  });

  it('lists only this node’s sandboxes and containers when two nodes share the engine', async () => {
    const other = new DockerRuntime({ nodeName: otherNode, docker, allowPull: false });
    try {
      const mine = await startPod('shared-name', [container('c', { command: SLEEP })]);
      // the same pod uid on both nodes, as a test harness may do: names must not clash
      const theirs = await startPod('shared-name', [container('c', { command: SLEEP })], { uid: mine.sandbox.uid }, other);

      const mySandboxes = (await rt.listPodSandboxes()).map((s) => s.id);
      const theirSandboxes = (await other.listPodSandboxes()).map((s) => s.id);
      expect(mySandboxes).toContain(mine.sandboxId);
      expect(mySandboxes).not.toContain(theirs.sandboxId);
      expect(theirSandboxes).toEqual([theirs.sandboxId]);

      expect((await rt.listContainers()).map((c) => c.id)).not.toContain(theirs.ids[0]);
      expect((await other.listContainers()).map((c) => c.id)).toEqual(theirs.ids);
      expect((await rt.listContainers({ podUid: mine.sandbox.uid })).map((c) => c.id)).toEqual(mine.ids);
      expect(await rt.podSandboxStatus(theirs.sandboxId)).toBeUndefined();
      expect(await rt.containerStatus(theirs.ids[0]!)).toBeUndefined();
      expect((await other.containerStats()).map((s) => s.containerId)).toEqual(theirs.ids);
    } finally {
      await other.close();
    }
  });

  it('refuses to pull when pulls are disabled, without touching a registry', async () => {
    expect((await rt.imageStatus(BUSYBOX_IMAGE))?.repoTags).toContain(BUSYBOX_IMAGE);
    expect(await rt.imageStatus('skiff/not-built:1.0')).toBeUndefined();
    await rt.pullImage(BUSYBOX_IMAGE);
    await expect(rt.pullImage('skiff/not-built:1.0')).rejects.toThrow('image pull disabled: skiff/not-built:1.0 is not present on this node');
  });
});
