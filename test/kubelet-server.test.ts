// The kubelet's server over the real Docker runtime, reached through a real
// apiserver (pods/log, pods/exec over WebSocket) that authenticates to it with
// its kubelet client certificate: logs (tail, follow, timestamps, previous),
// exec with and without a terminal, the stats summary, and refusals.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type Docker from 'dockerode';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod } from '../src/api/core/v1.js';
import { findResource } from '../src/api/resources.js';
import { StatusError } from '../src/api/status.js';
import { ensureApiserverKubeletClientCert, ensureCA } from '../src/cluster/pki.js';
import { RemoteCommandExitError, streamRemoteCommand, type RemoteCommandStreams } from '../src/client/remotecommand.js';
import type { ResourceClient } from '../src/client/rest.js';
import { DockerRuntime } from '../kubelet/runtime/docker.js';
import type { ContainerConfig, PodSandboxConfig } from '../kubelet/runtime/interface.js';
import { KubeletServer } from '../kubelet/server/server.js';
import type { Summary } from '../kubelet/server/stats.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import { BUSYBOX_IMAGE, ensureTestImages, removeContainersOfNode, requireDocker, uniqueNodeName } from './harness/docker.js';

const node = uniqueNodeName('kubelet-server');
let docker: Docker;
let runtime: DockerRuntime;
let pki: string;
let api: TestApiServer;
let kubelet: KubeletServer;
let podsApi: ResourceClient<Pod>;
let pods: Pod[] = [];
let asApiserver: Agent;
let anonymous: Agent;

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

async function refreshPods(): Promise<void> {
  pods = (await podsApi.list('default')).items.filter((p) => p.spec?.nodeName === node);
}

async function createPod(name: string, containers: string[], opts: { nodeName?: string | null } = {}): Promise<Pod> {
  const spec: Record<string, unknown> = { containers: containers.map((c) => ({ name: c, image: BUSYBOX_IMAGE })) };
  if (opts.nodeName !== null) spec.nodeName = opts.nodeName ?? node;
  const pod = await podsApi.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec } as unknown as Pod);
  await refreshPods();
  return pod;
}

/** Runs the pod's sandbox and the given container instances through the runtime, as the kubelet would. */
async function runContainers(pod: Pod, containers: (Partial<ContainerConfig> & { name: string; command: string[] })[]): Promise<string[]> {
  const sandbox: PodSandboxConfig = {
    podName: pod.metadata.name!,
    namespace: 'default',
    uid: pod.metadata.uid!,
    attempt: 0,
    hostname: pod.metadata.name!,
    hostNetwork: false,
    portMappings: [],
  };
  const sandboxId = await runtime.runPodSandbox(sandbox);
  const ids: string[] = [];
  for (const c of containers) {
    const id = await runtime.createContainer(sandboxId, { image: BUSYBOX_IMAGE, env: [], mounts: [], attempt: 0, ...c }, sandbox);
    await runtime.startContainer(id);
    ids.push(id);
  }
  return ids;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const logPath = (pod: string) => `/api/v1/namespaces/default/pods/${pod}/log`;
const execPath = (pod: string) => `/api/v1/namespaces/default/pods/${pod}/exec`;

async function logs(pod: string, query: Record<string, string> = {}): Promise<string> {
  return (await api.client.requestRaw('GET', logPath(pod), { query, accept: '*/*' })).body;
}

function exec(pod: string, command: string[], streams: RemoteCommandStreams, extra: Record<string, string> = {}) {
  return streamRemoteCommand(api.client.config, execPath(pod), { command, stdout: 'true', stderr: streams.tty ? undefined : 'true', ...extra }, streams);
}

beforeAll(async () => {
  docker = await requireDocker();
  await ensureTestImages();
  runtime = new DockerRuntime({ nodeName: node, docker, allowPull: false, nodeIP: '127.0.0.1' });
  pki = mkdtempSync(join(tmpdir(), 'skiff-kubelet-server-'));
  const ca = ensureCA(pki);
  const clientCert = ensureApiserverKubeletClientCert(pki);
  const cert = readFileSync(clientCert.certFile);
  const key = readFileSync(clientCert.keyFile);
  api = await startApiServer({ kubeletClient: { cert, key } });
  podsApi = api.client.resource<Pod>(findResource('', 'v1', 'pods')!);
  kubelet = new KubeletServer({ runtime, nodeName: node, host: '127.0.0.1', port: 0, clientCaFile: ca.certFile, pods: () => pods });
  await kubelet.start();
  asApiserver = new Agent({ connect: { cert, key, rejectUnauthorized: false } });
  anonymous = new Agent({ connect: { rejectUnauthorized: false } });

  const nodes = api.client.resource<Node>(findResource('', 'v1', 'nodes')!);
  const created = await nodes.create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: node } } as Node);
  await nodes.updateStatus(undefined, {
    ...created,
    status: {
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: node }],
      daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
    },
  } as Node);

  const web = await createPod('web', ['app']);
  await runContainers(web, [{ name: 'app', command: ['sh', '-c', 'echo one; echo two; echo three; exec sleep 3600'] }]);
  const restarts = await createPod('restarts', ['app']);
  const [first] = await runContainers(restarts, [{ name: 'app', command: ['sh', '-c', 'echo first life'] }]);
  await waitFor('the first instance to exit', async () => (await runtime.containerStatus(first!))?.state === 'exited');
  const sandboxId = (await runtime.listPodSandboxes()).find((s) => s.uid === restarts.metadata.uid)!.id;
  const sandbox: PodSandboxConfig = {
    podName: 'restarts',
    namespace: 'default',
    uid: restarts.metadata.uid!,
    attempt: 0,
    hostname: 'restarts',
    hostNetwork: false,
    portMappings: [],
  };
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
  await kubelet?.stop();
  await api?.stop();
  await asApiserver?.close();
  await anonymous?.close();
  await runtime?.close();
  if (docker) await removeContainersOfNode(docker, node);
  if (pki) rmSync(pki, { recursive: true, force: true });
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
          const id = (await runtime.listContainers({ podUid: pods.find((p) => p.metadata.name === 'web')!.metadata.uid! }))[0]!.id;
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
    expect(summary.node.nodeName).toBe(node);
    const busy = summary.pods.find((p) => p.podRef.name === 'busy')!;
    expect(busy.podRef).toEqual({ name: 'busy', namespace: 'default', uid: pods.find((p) => p.metadata.name === 'busy')!.metadata.uid });
    const spin = busy.containers.find((c) => c.name === 'spin')!;
    // a shell spinning in a loop keeps about a whole core busy
    expect(spin.cpu.usageNanoCores).toBeGreaterThan(100_000_000);
    expect(spin.cpu.usageCoreNanoSeconds).toBeGreaterThan(0);
    expect(spin.memory.workingSetBytes).toBeGreaterThan(0);
    expect(summary.node.cpu.usageNanoCores).toBeGreaterThanOrEqual(spin.cpu.usageNanoCores!);
  });
});
