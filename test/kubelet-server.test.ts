// The kubelet's server over the real Docker runtime, reached through a real
// apiserver (pods/log, pods/exec over WebSocket) that authenticates to it with
// its kubelet client certificate: logs (tail, follow, timestamps, previous),
// exec with and without a terminal, the stats summary, and refusals.
import { PassThrough, Writable } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../src/api/core/v1.js';
import { StatusError } from '../src/api/status.js';
import { RemoteCommandExitError, streamRemoteCommand, type RemoteCommandStreams } from '../src/client/remotecommand.js';
import type { DockerRuntime } from '../kubelet/runtime/docker.js';
import type { KubeletServer } from '../kubelet/server/server.js';
import type { Summary } from '../kubelet/server/stats.js';
import type { TestApiServer } from './harness/apiserver.js';
import { BUSYBOX_IMAGE } from './harness/docker.js';
import { startKubeletNode, type ContainerRun, type KubeletNode } from './harness/kubelet-node.js';
import { eventually } from './harness/until.js';

let k: KubeletNode;
let api: TestApiServer;
let runtime: DockerRuntime;
let kubelet: KubeletServer;
let asApiserver: Agent;
let anonymous: Agent;

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

async function createPod(name: string, containers: string[], opts: { nodeName?: string | null } = {}): Promise<Pod> {
  const spec: Record<string, unknown> = { containers: containers.map((c) => ({ name: c, image: BUSYBOX_IMAGE })) };
  if (opts.nodeName !== null) spec.nodeName = opts.nodeName ?? k.name;
  return k.createPod({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec } as unknown as Pod);
}

const runContainers = (pod: Pod, containers: ContainerRun[]) => k.runContainers(pod, containers);
const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000) => eventually(what, fn, { timeoutMs, intervalMs: 100 });

const logPath = (pod: string) => `/api/v1/namespaces/default/pods/${pod}/log`;
const execPath = (pod: string) => `/api/v1/namespaces/default/pods/${pod}/exec`;

async function logs(pod: string, query: Record<string, string> = {}): Promise<string> {
  return (await api.client.requestRaw('GET', logPath(pod), { query, accept: '*/*' })).body;
}

function exec(pod: string, command: string[], streams: RemoteCommandStreams, extra: Record<string, string> = {}) {
  return streamRemoteCommand(api.client.config, execPath(pod), { command, stdout: 'true', stderr: streams.tty ? undefined : 'true', ...extra }, streams);
}

beforeAll(async () => {
  k = await startKubeletNode('kubelet-server');
  ({ api, runtime, server: kubelet } = k);
  asApiserver = new Agent({ connect: { ...k.clientCert, rejectUnauthorized: false } });
  anonymous = new Agent({ connect: { rejectUnauthorized: false } });

  const web = await createPod('web', ['app']);
  await runContainers(web, [{ name: 'app', command: ['sh', '-c', 'echo one; echo two; echo three; exec sleep 3600'] }]);
  const restarts = await createPod('restarts', ['app']);
  const [first] = await runContainers(restarts, [{ name: 'app', command: ['sh', '-c', 'echo first life'] }]);
  await waitFor('the first instance to exit', async () => (await runtime.containerStatus(first!))?.state === 'exited');
  const sandboxId = (await runtime.listPodSandboxes()).find((s) => s.uid === restarts.metadata.uid)!.id;
  const sandbox = k.sandboxConfig(restarts);
  const second = await runtime.createContainer(
    sandboxId,
    { name: 'app', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo second life; exec sleep 3600'], env: [], mounts: [], attempt: 1 },
    sandbox,
  );
  await runtime.startContainer(second);
  const busy = await createPod('busy', ['spin']);
  await runContainers(busy, [{ name: 'spin', command: ['sh', '-c', 'while true; do :; done'] }]);
  await waitFor('web to have logged', async () => (await logs('web')).includes('three'));
}, 300_000);

afterAll(async () => {
  await asApiserver?.close();
  await anonymous?.close();
  await k?.stop();
});

describe('pods/log through the apiserver', () => {
  it('returns the container output, and its last lines with tailLines', async () => {
    expect(await logs('web')).toBe('one\ntwo\nthree\n');
    expect(await logs('web', { tailLines: '2' })).toBe('two\nthree\n');
  });

  it('prefixes each line with its RFC3339 time with timestamps=true', async () => {
    const lines = (await logs('web', { timestamps: 'true' })).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const [i, word] of ['one', 'two', 'three'].entries()) expect(lines[i]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z ${word}$`));
  });

  it('streams lines written later with follow=true', async () => {
    const abort = new AbortController();
    const res = await api.client.stream('GET', logPath('web'), { query: { follow: 'true', tailLines: '1' }, signal: abort.signal, accept: '*/*' });
    let text = '';
    let wrote = false;
    try {
      for await (const chunk of res.body) {
        text += Buffer.from(chunk).toString();
        if (!wrote && text.includes('three\n')) {
          wrote = true;
          const id = (await runtime.listContainers({ podUid: k.pods.find((p) => p.metadata.name === 'web')!.metadata.uid! }))[0]!.id;
          await runtime.execSync(id, ['sh', '-c', 'echo later > /proc/1/fd/1'], 10_000);
        }
        if (text.includes('later\n')) break;
      }
    } finally {
      abort.abort();
    }
    expect(text).toBe('three\nlater\n');
  });

  it('serves the previous instance of a restarted container with previous=true', async () => {
    expect(await logs('restarts')).toBe('second life\n');
    expect(await logs('restarts', { previous: 'true' })).toBe('first life\n');
    const err = await logs('web', { previous: 'true' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(400);
    expect((err as StatusError).message).toBe('previous terminated container "app" in pod "web" not found');
  });

  it('answers as Kubernetes for pods whose logs cannot be read', async () => {
    await createPod('multi', ['a', 'b']);
    const noContainer = (await logs('multi').catch((e: unknown) => e)) as StatusError;
    expect([noContainer.code, noContainer.reason, noContainer.message]).toEqual([
      400,
      'BadRequest',
      'a container name must be specified for pod multi, choose one of: [a b]',
    ]);
    const waiting = (await logs('multi', { container: 'a' }).catch((e: unknown) => e)) as StatusError;
    expect([waiting.code, waiting.message]).toEqual([400, 'container "a" in pod "multi" is waiting to start: ContainerCreating']);
    await createPod('unscheduled', ['app'], { nodeName: null });
    expect(await logs('unscheduled')).toBe('');
    const invalid = (await logs('web', { container: 'nope' }).catch((e: unknown) => e)) as StatusError;
    expect(invalid.message).toBe('container nope is not valid for pod web');
  });
});

describe('pods/exec through the apiserver', () => {
  it('runs a command with separate stdout and stderr and reports its exit code', async () => {
    const stdout = new Collect();
    const stderr = new Collect();
    const err = await exec('web', ['sh', '-c', 'echo out; echo err >&2; exit 3'], { tty: false, stdout, stderr }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteCommandExitError);
    expect((err as RemoteCommandExitError).exitCode).toBe(3);
    expect(stdout.text).toBe('out\n');
    expect(stderr.text).toBe('err\n');
    const ok = new Collect();
    await exec('web', ['sh', '-c', 'echo fine'], { tty: false, stdout: ok, stderr: new Collect() });
    expect(ok.text).toBe('fine\n');
  });

  it('passes stdin through and ends it when the client does', async () => {
    const stdin = new PassThrough();
    const stdout = new Collect();
    const done = exec('web', ['sh', '-c', 'tr a-z A-Z'], { tty: false, stdin, stdout, stderr: new Collect() }, { stdin: 'true' });
    stdin.end('shout\n');
    await done;
    expect(stdout.text).toBe('SHOUT\n');
  });

  it('gives the command a terminal of the size the client reports', async () => {
    const stdout = new Collect();
    const stdin = new PassThrough();
    const resize = { current: () => ({ width: 101, height: 31 }), subscribe: () => () => {} };
    await exec('web', ['sh', '-c', 'sleep 1; stty size; tty'], { tty: true, stdin, stdout, resize }, { stdin: 'true', tty: 'true' });
    stdin.end();
    expect(stdout.text).toMatch(/^31 101\r\n\/dev\/pts\/\d+\r\n$/);
  });

  it('refuses pods that have no node, and requests without credentials', async () => {
    const unscheduled = (await exec('unscheduled', ['true'], { tty: false, stdout: new Collect() }).catch((e: unknown) => e)) as StatusError;
    expect([unscheduled.code, unscheduled.message]).toEqual([400, 'pod unscheduled does not have a host assigned']);
    const anonymousExec = await streamRemoteCommand(
      { ...api.client.config, token: undefined },
      execPath('web'),
      { command: ['true'], stdout: 'true' },
      { tty: false, stdout: new Collect() },
    ).catch((e: unknown) => e);
    expect((anonymousExec as StatusError).code).toBe(401);
  });
});

describe('the kubelet server itself', () => {
  it('refuses a client without the apiserver certificate', async () => {
    const res = await request(`${kubelet.url}/pods`, { dispatcher: anonymous });
    expect(res.statusCode).toBe(401);
    expect(await res.body.text()).toBe('Unauthorized');
    const ok = await request(`${kubelet.url}/pods`, { dispatcher: asApiserver });
    const list = (await ok.body.json()) as { items: Pod[] };
    expect(list.items.map((p) => p.metadata.name).sort()).toEqual(['busy', 'multi', 'restarts', 'web']);
  });

  it('reports CPU in use for a busy container in the stats summary', async () => {
    const res = await request(`${kubelet.url}/stats/summary`, { dispatcher: asApiserver });
    expect(res.statusCode).toBe(200);
    const summary = (await res.body.json()) as Summary;
    expect(summary.node.nodeName).toBe(k.name);
    const busy = summary.pods.find((p) => p.podRef.name === 'busy')!;
    expect(busy.podRef).toEqual({ name: 'busy', namespace: 'default', uid: k.pods.find((p) => p.metadata.name === 'busy')!.metadata.uid });
    const spin = busy.containers.find((c) => c.name === 'spin')!;
    // a shell spinning in a loop keeps about a whole core busy
    expect(spin.cpu.usageNanoCores).toBeGreaterThan(100_000_000);
    expect(spin.cpu.usageCoreNanoSeconds).toBeGreaterThan(0);
    expect(spin.memory.workingSetBytes).toBeGreaterThan(0);
    expect(summary.node.cpu.usageNanoCores).toBeGreaterThanOrEqual(spin.cpu.usageNanoCores!);
  });
});
