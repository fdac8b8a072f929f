// The kubelet on real Docker against a real apiserver: containers of a pod
// share localhost and emptyDirs, env comes from ConfigMaps and Secrets,
// crashes back off, liveness restarts, readiness flips Ready, a memory limit
// OOM-kills, init containers run in order, deletion honours the grace period,
// a restarted kubelet restarts nothing, and a missing image backs off. The
// pods are created together up front and each test waits for its own.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, Event, Pod, Secret } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { Informer, type ResourceRef } from '../src/client/index.js';
import { Kubelet, type KubeletTiming } from '../kubelet/kubelet.js';
import { DockerRuntime } from '../kubelet/runtime/docker.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import { BUSYBOX_IMAGE, ECHO_IMAGE, ensureTestImages, removeContainersOfNode, requireDocker, uniqueNodeName } from './harness/docker.js';
import { eventually as poll } from './harness/until.js';

type PodObject = Pod & KubeObject;

const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const eventsRef: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true };
const configMapsRef: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', namespaced: true };
const secretsRef: ResourceRef = { group: '', version: 'v1', plural: 'secrets', namespaced: true };

const ns = 'default';
const NODE = uniqueNodeName('kubelet-docker');

const timing: Partial<KubeletTiming> = {
  relistMs: 250,
  housekeepingMs: 1_000,
  // keep every exited container, so the test can read the restart history
  gcMs: 600_000,
  crashBackoff: { initialMs: 1_000, maxMs: 8_000 },
  imageBackoff: { initialMs: 1_000, maxMs: 4_000 },
  syncErrorBackoff: { initialMs: 200, maxMs: 2_000 },
};

let api: TestApiServer;
let docker: Docker;
let rootDir: string;
let kubelet: Kubelet;
let watch: Informer<PodObject>;
/** where the graceful pod's SIGTERM handler leaves its mark (a hostPath volume) */
const markDir = join(tmpdir(), `skiff-kubelet-mark-${process.pid}`);
let hostPort = 0;
const deletedAt = new Map<string, number>();

const eventually = <T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 30_000) =>
  poll(what, fn, { timeoutMs, intervalMs: 100 });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function newKubelet(): Kubelet {
  return new Kubelet({
    client: api.client,
    runtime: new DockerRuntime({ nodeName: NODE, docker, allowPull: false, nodeIP: '127.0.0.1' }),
    nodeName: NODE,
    nodeIP: '127.0.0.1',
    rootDir,
    timing,
    ...(process.env.SKIFF_TEST_LOG ? { log: pino({ level: process.env.SKIFF_TEST_LOG }) } : {}),
  });
}

const pod = (name: string): PodObject | undefined => watch.get(`${ns}/${name}`);
const status = (name: string, container = 'app') => pod(name)?.status?.containerStatuses?.find((c) => c.name === container);

function waitFor(name: string, pred: (p: PodObject) => boolean, what: string, timeoutMs = 30_000): Promise<PodObject> {
  return eventually(() => {
    const p = pod(name);
    return p && pred(p) ? p : undefined;
  }, `${name}: ${what} (last status ${JSON.stringify(pod(name)?.status?.containerStatuses?.map((c) => c.state))})`, timeoutMs);
}

const isReady = (p: PodObject): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function exec(name: string, container: string, cmd: string[]): Promise<string> {
  const id = status(name, container)?.containerID?.replace(/^docker:\/\//, '');
  if (!id) throw new Error(`${name}/${container} has no container`);
  const r = await kubelet.runtime.execSync(id, cmd, 10_000);
  if (r.exitCode !== 0) throw new Error(`exec ${cmd.join(' ')} in ${name}/${container}: exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

async function events(name: string): Promise<(Event & KubeObject)[]> {
  const list = await api.client.resource<Event & KubeObject>(eventsRef).list(ns, { fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

const sh = (script: string) => ({ image: BUSYBOX_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script] });

const pods: PodObject[] = [
  {
    metadata: { name: 'shared' },
    spec: {
      volumes: [{ name: 'data', emptyDir: {} }],
      containers: [
        {
          name: 'server',
          image: ECHO_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          // the host port is filled in once a free one is found
          ports: [{ containerPort: 8080, hostPort: 0, hostIP: '127.0.0.1' }],
          env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
        {
          name: 'client',
          ...sh('until wget -q -O /tmp/out http://127.0.0.1:8080/; do sleep 0.2; done; echo written-by-client > /data/note; sleep 3600'),
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
    },
  },
  {
    metadata: { name: 'env' },
    spec: {
      containers: [
        {
          name: 'app',
          ...sh('echo "$GREETING $PASSWORD $CFG_GREETING" > /tmp/env; sleep 3600'),
          env: [
            { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } },
            { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'credentials', key: 'password' } } },
          ],
          envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'settings' } }],
        },
      ],
    },
  },
  { metadata: { name: 'env-missing' }, spec: { containers: [{ name: 'app', ...sh('sleep 3600'), envFrom: [{ configMapRef: { name: 'later' } }] }] } },
  { metadata: { name: 'crash' }, spec: { containers: [{ name: 'app', ...sh('exit 1') }] } },
  {
    metadata: { name: 'liveness' },
    spec: {
      containers: [
        {
          name: 'app',
          ...sh('touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 3600'),
          livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 1 },
        },
      ],
    },
  },
  {
    metadata: { name: 'readiness' },
    spec: {
      containers: [
        { name: 'app', image: ECHO_IMAGE, imagePullPolicy: 'IfNotPresent', readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 } },
      ],
    },
  },
  {
    metadata: { name: 'oom' },
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'app', ...sh('x=aaaaaaaaaaaaaaaa; while true; do x="$x$x"; done'), resources: { limits: { memory: '16Mi' } } }],
    },
  },
  {
    metadata: { name: 'inits' },
    spec: {
      volumes: [{ name: 'work', emptyDir: {} }],
      initContainers: [
        { name: 'one', ...sh('sleep 0.5; echo one >> /work/log'), volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        { name: 'two', ...sh('echo two >> /work/log'), volumeMounts: [{ name: 'work', mountPath: '/work' }] },
      ],
      containers: [{ name: 'app', ...sh('echo app >> /work/log; sleep 3600'), volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
    },
  },
  {
    metadata: { name: 'graceful' },
    spec: {
      terminationGracePeriodSeconds: 20,
      volumes: [{ name: 'host', hostPath: { path: markDir, type: 'Directory' } }],
      containers: [
        {
          name: 'app',
          ...sh('trap "echo TERM > /host/$MARK; exit 0" TERM; touch /tmp/up; while true; do sleep 0.1; done'),
          env: [{ name: 'MARK', value: 'graceful-term' }],
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
        },
      ],
    },
  },
  {
    metadata: { name: 'stubborn' },
    spec: {
      terminationGracePeriodSeconds: 3,
      containers: [{ name: 'app', ...sh('trap "" TERM; touch /tmp/up; while true; do sleep 0.1; done') }],
    },
  },
  { metadata: { name: 'noimage' }, spec: { containers: [{ name: 'app', image: 'skiff/does-not-exist:1.0', imagePullPolicy: 'IfNotPresent' }] } },
];

beforeAll(async () => {
  docker = await requireDocker();
  await ensureTestImages();
  api = await startApiServer();
  rootDir = mkdtempSync(join(tmpdir(), 'skiff-kubelet-'));
  mkdirSync(markDir, { recursive: true });
  watch = new Informer<PodObject>(api.client, podsRef, { namespace: ns });
  watch.onDelete((p) => {
    deletedAt.set(p.metadata.name!, Date.now());
  });
  watch.start();
  await watch.waitForSync();

  await api.client.resource<ConfigMap & KubeObject>(configMapsRef).create(ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { greeting: 'hello', GREETING: 'from-envFrom' } });
  await api.client.resource<Secret & KubeObject>(secretsRef).create(ns, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'credentials' },
    data: { password: Buffer.from('s3cret').toString('base64') },
  });
  hostPort = await freePort();
  pods[0]!.spec.containers[0]!.ports![0]!.hostPort = hostPort;
  kubelet = newKubelet();
  await kubelet.start();
  await Promise.all(
    pods.map((p) =>
      api.client.resource<PodObject>(podsRef).create(ns, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...p.metadata, namespace: ns },
        spec: { terminationGracePeriodSeconds: 1, ...p.spec, nodeName: NODE },
      }),
    ),
  );
}, 120_000);

afterAll(async () => {
  await kubelet?.stop();
  watch?.stop();
  if (docker) await removeContainersOfNode(docker, NODE);
  await api?.stop();
  if (rootDir) rmSync(rootDir, { recursive: true, force: true });
  rmSync(markDir, { recursive: true, force: true });
}, 60_000);

describe('kubelet on Docker', () => {
  it('runs two containers that share localhost, the pod IP and an emptyDir, with a host port published', async () => {
    const p = await waitFor('shared', (x) => x.status?.phase === 'Running' && isReady(x), 'Running and Ready');
    expect(p.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(p.status?.podIP).not.toBe('127.0.0.1');
    expect(status('shared', 'server')?.containerID).toMatch(/^docker:\/\/[0-9a-f]{64}$/);
    await eventually(() => exec('shared', 'client', ['cat', '/tmp/out']).then((out) => out === 'shared\n'), 'client got the answer over localhost');
    await eventually(() => exec('shared', 'server', ['cat', '/data/note']).then((out) => out === 'written-by-client\n'), 'the note in the shared emptyDir');
    // the server's hostPort is published on the node
    const answer = await eventually(() => fetch(`http://127.0.0.1:${hostPort}/`).then((r) => r.text()), 'the host port answering');
    expect(answer).toBe('shared\n');
  });

  it('fills env from a ConfigMap and a Secret, and waits with CreateContainerConfigError for a missing one', async () => {
    await waitFor('env', (x) => status('env')?.state?.running !== undefined && x.status?.phase === 'Running', 'Running');
    await eventually(() => exec('env', 'app', ['cat', '/tmp/env']).then((out) => out === 'hello s3cret from-envFrom\n'), 'env file');

    const waiting = await waitFor('env-missing', () => status('env-missing')?.state?.waiting?.reason === 'CreateContainerConfigError', 'CreateContainerConfigError');
    expect(waiting.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe('configmap "later" not found');
    expect(waiting.status?.phase).toBe('Pending');
    expect((await events('env-missing')).some((e) => e.reason === 'Failed' && e.message === 'Error: configmap "later" not found')).toBe(true);
    await api.client.resource<ConfigMap & KubeObject>(configMapsRef).create(ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' }, data: { X: '1' } });
    await waitFor('env-missing', (x) => x.status?.phase === 'Running', 'Running once the ConfigMap exists');
  });

  it('restarts a crashing container with growing back-off (CrashLoopBackOff)', async () => {
    await waitFor('crash', () => (status('crash')?.restartCount ?? 0) >= 3 && status('crash')?.state?.waiting?.reason === 'CrashLoopBackOff', 'three restarts', 45_000);
    const cs = status('crash')!;
    expect(cs.state?.waiting?.message).toMatch(/^back-off \ds restarting failed container=app pod=crash_default\(/);
    expect(cs.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    const uid = pod('crash')!.metadata.uid!;
    const runs = (await kubelet.runtime.listContainers({ podUid: uid })).sort((a, b) => a.attempt - b.attempt);
    expect(runs.map((r) => r.attempt)).toEqual(runs.map((_, i) => i));
    // the wait between an exit and the next start: immediate, then about 1 s, 2 s, 4 s
    const gaps = runs.slice(1).map((r, i) => r.createdAt.getTime() - runs[i]!.finishedAt!.getTime());
    expect(gaps[1]!).toBeGreaterThanOrEqual(900);
    expect(gaps[2]!).toBeGreaterThan(gaps[1]! + 500);
    expect((await events('crash')).some((e) => e.reason === 'BackOff' && e.message?.startsWith('Back-off restarting failed container app in pod crash_default('))).toBe(true);
  }, 60_000);

  it('kills and restarts a container whose liveness probe fails', async () => {
    await waitFor('liveness', () => (status('liveness')?.restartCount ?? 0) >= 1 && status('liveness')?.state?.running !== undefined, 'restarted');
    const evs = await events('liveness');
    expect(evs.some((e) => e.reason === 'Killing' && e.message === 'Container app failed liveness probe, will be restarted')).toBe(true);
    expect(evs.some((e) => e.type === 'Warning' && e.reason === 'Unhealthy' && e.message?.startsWith('Liveness probe failed'))).toBe(true);
    expect(status('liveness')?.lastState?.terminated?.exitCode).toBe(137);
  });

  it('flips Ready with the readiness probe', async () => {
    await waitFor('readiness', isReady, 'Ready');
    await exec('readiness', 'app', ['touch', '/tmp/unready']);
    const unready = await waitFor('readiness', (x) => !isReady(x), 'not Ready');
    expect(unready.status?.conditions?.find((c) => c.type === 'ContainersReady')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [app]',
    });
    expect(unready.status?.phase).toBe('Running');
    await exec('readiness', 'app', ['rm', '/tmp/unready']);
    await waitFor('readiness', isReady, 'Ready again');
  });

  it('reports OOMKilled for a container over its memory limit', async () => {
    const p = await waitFor('oom', (x) => x.status?.phase === 'Failed', 'Failed');
    expect(p.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
  });

  it('runs init containers in order before the app container', async () => {
    const p = await waitFor('inits', (x) => x.status?.phase === 'Running', 'Running');
    expect(p.status?.initContainerStatuses?.map((c) => [c.name, c.state?.terminated?.reason, c.ready])).toEqual([
      ['one', 'Completed', true],
      ['two', 'Completed', true],
    ]);
    expect(p.status?.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    await eventually(() => exec('inits', 'app', ['cat', '/work/log']).then((out) => out === 'one\ntwo\napp\n'), 'the log in order');
  });

  it('reports a missing image as ErrImagePull, then ImagePullBackOff', async () => {
    const p = await waitFor('noimage', () => status('noimage')?.state?.waiting?.reason === 'ImagePullBackOff', 'ImagePullBackOff');
    expect(p.status?.phase).toBe('Pending');
    const evs = await eventually(async () => {
      const list = await events('noimage');
      return list.some((e) => e.message === 'Error: ErrImagePull') && list.some((e) => e.message === 'Error: ImagePullBackOff') ? list : undefined;
    }, 'pull events');
    expect(evs.find((e) => e.reason === 'Failed' && e.message?.startsWith('Failed to pull image "skiff/does-not-exist:1.0"'))).toBeDefined();
  });

  it('deletes gracefully: SIGTERM first, SIGKILL only at the end of the grace period', async () => {
    await waitFor('graceful', (x) => x.status?.phase === 'Running', 'Running');
    await waitFor('stubborn', (x) => x.status?.phase === 'Running', 'Running');
    await eventually(() => exec('graceful', 'app', ['ls', '/tmp/up']).then(() => true), 'graceful trap installed');
    await eventually(() => exec('stubborn', 'app', ['ls', '/tmp/up']).then(() => true), 'stubborn trap installed');
    const uids = [pod('graceful')!.metadata.uid!, pod('stubborn')!.metadata.uid!];
    const start = Date.now();
    const podsApi = api.client.resource<PodObject>(podsRef);
    await Promise.all([podsApi.delete(ns, 'graceful'), podsApi.delete(ns, 'stubborn')]);
    await eventually(() => deletedAt.has('graceful') && deletedAt.has('stubborn'), 'both pods gone', 30_000);
    // the trapping container got SIGTERM and ended by itself, long before its 20 s
    expect(readFileSync(join(markDir, 'graceful-term'), 'utf8')).toBe('TERM\n');
    expect(deletedAt.get('graceful')! - start).toBeLessThan(10_000);
    // the one ignoring SIGTERM was killed once its 3 s were up, not before
    expect(deletedAt.get('stubborn')! - start).toBeGreaterThanOrEqual(2_800);
    expect((await events('graceful')).some((e) => e.reason === 'Killing' && e.message === 'Stopping container app')).toBe(true);
    await eventually(async () => {
      const left = await Promise.all(uids.map((uid) => kubelet.runtime.listContainers({ podUid: uid })));
      return left.every((l) => l.length === 0);
    }, 'containers of the deleted pods removed');
  }, 60_000);

  it('restarts nothing when the kubelet itself restarts', async () => {
    const names = ['shared', 'env', 'readiness', 'inits'];
    const before = new Map(names.map((n) => [n, pod(n)!.status!.containerStatuses!.map((c) => [c.name, c.containerID, c.restartCount])]));
    await kubelet.stop();
    kubelet = newKubelet();
    await kubelet.start();
    // long enough for several relists and a sync of every pod
    await new Promise((r) => setTimeout(r, 3_000));
    for (const n of names) {
      expect(pod(n)!.status!.containerStatuses!.map((c) => [c.name, c.containerID, c.restartCount])).toEqual(before.get(n));
    }
    await waitFor('readiness', isReady, 'still Ready');
    const running = await kubelet.runtime.listContainers({ podUid: pod('shared')!.metadata.uid!, all: false });
    expect(running.map((c) => c.name).sort()).toEqual(['client', 'server']);
  }, 30_000);
});
