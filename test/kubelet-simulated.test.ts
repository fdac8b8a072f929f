// The kubelet against a real apiserver on a real etcd, with the simulated
// runtime: the node registers and goes Ready, its lease is renewed, pods bound
// to it run (restarts, init containers, completion) with their status and
// events written, deletion is confirmed, and a restarted kubelet adopts what
// is running instead of restarting it. Also many hollow nodes in one process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Node, Pod } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { leaseResource, type Lease, type ResourceRef } from '../src/client/index.js';
import { runHollowNodes } from '../kubelet/hollow.js';
import { Kubelet, type KubeletTiming } from '../kubelet/kubelet.js';
import { KubeletMetrics } from '../kubelet/metrics.js';
import { SimulatedRuntime } from '../kubelet/runtime/simulated.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import { eventually as poll } from './harness/until.js';

type PodObject = Pod & KubeObject;
type NodeObject = Node & KubeObject;

const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
const eventsRef: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true };

const NODE = 'sim-node-1';
const ns = 'default';

const timing: Partial<KubeletTiming> = {
  leaseRenewMs: 300,
  nodeStatusUpdateMs: 300,
  relistMs: 100,
  housekeepingMs: 300,
  gcMs: 500,
  crashBackoff: { initialMs: 300, maxMs: 1_200 },
  imageBackoff: { initialMs: 300, maxMs: 1_200 },
  syncErrorBackoff: { initialMs: 100, maxMs: 500 },
};

let api: TestApiServer;
let runtime: SimulatedRuntime;
let kubelet: Kubelet;
const metrics = new KubeletMetrics({ defaultMetrics: false });
/** every command run in a container (probes, hooks) */
const execs: string[] = [];

const eventually = <T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000) => poll(what, fn, timeoutMs);

const pods = () => api.client.resource<PodObject>(podsRef);
const getPod = (name: string) => pods().get(ns, name);

async function createPod(name: string, spec: Partial<Pod['spec']>, node = NODE): Promise<PodObject> {
  return pods().create(ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'skiff/echo:1.0' }], ...spec },
  });
}

function waitForPod(name: string, pred: (p: PodObject) => boolean, what: string, timeoutMs = 10_000): Promise<PodObject> {
  return eventually(async () => {
    const p = await getPod(name);
    return pred(p) ? p : undefined;
  }, `${name}: ${what}`, timeoutMs);
}

function newKubelet(): Kubelet {
  return new Kubelet({ client: api.client, runtime, nodeName: NODE, nodeIP: '127.0.0.1', cpu: '4', memory: '8Gi', timing, metrics });
}

beforeAll(async () => {
  api = await startApiServer();
  runtime = new SimulatedRuntime({ nodeName: NODE, nodeIP: '127.0.0.1' });
  const execSync = runtime.execSync.bind(runtime);
  runtime.execSync = (id, cmd, timeoutMs) => {
    execs.push(cmd.join(' '));
    return execSync(id, cmd, timeoutMs);
  };
  kubelet = newKubelet();
  await kubelet.start();
}, 60_000);

afterAll(async () => {
  await kubelet?.stop();
  await api?.stop();
});

describe('kubelet on the simulated runtime', () => {
  it('registers its node with capacity, addresses and node info, and reports it Ready', async () => {
    const node = await eventually(async () => {
      const n = await api.client.resource<NodeObject>(nodesRef).get(undefined, NODE);
      return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? n : undefined;
    }, 'node Ready');
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': NODE, 'kubernetes.io/os': 'linux' });
    expect(node.metadata.labels?.['kubernetes.io/arch']).toBeTruthy();
    expect(node.status?.capacity).toMatchObject({ cpu: '4', memory: '8Gi', pods: '110' });
    expect(node.status?.allocatable?.memory).toBe('8092Mi');
    expect(node.status?.addresses).toEqual([
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: NODE },
    ]);
    expect(node.status?.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
    expect(node.status?.nodeInfo).toMatchObject({ kubeletVersion: 'v0.1.0', containerRuntimeVersion: 'simulated://0.1.0', operatingSystem: 'linux' });
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ reason: 'KubeletReady', message: 'kubelet is posting ready status' });
    expect(node.status?.conditions?.map((c) => c.type)).toEqual(['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
  });

  it('holds and renews its Lease in kube-node-lease', async () => {
    const leases = api.client.resource<Lease>(leaseResource);
    const first = await eventually(() => leases.get('kube-node-lease', NODE), 'lease');
    expect(first.spec).toMatchObject({ holderIdentity: NODE, leaseDurationSeconds: 40 });
    const node = await api.client.resource<NodeObject>(nodesRef).get(undefined, NODE);
    await eventually(async () => {
      const l = await leases.get('kube-node-lease', NODE);
      return (l.metadata.ownerReferences ?? []).some((o) => o.kind === 'Node' && o.uid === node.metadata.uid) ? l : undefined;
    }, 'lease owned by the node');
    await eventually(async () => {
      const l = await leases.get('kube-node-lease', NODE);
      return l.spec?.renewTime !== first.spec?.renewTime;
    }, 'lease renewed');
  });

  it('runs a pod bound to the node and writes its status and events', async () => {
    await createPod('web', {});
    const p = await waitForPod('web', (x) => x.status?.phase === 'Running' && x.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true, 'Running and Ready');
    expect(p.status?.podIP).toMatch(/^10\.244\./);
    expect(p.status?.hostIP).toBe('127.0.0.1');
    expect(p.status?.startTime).toBeTruthy();
    const cs = p.status?.containerStatuses?.[0];
    expect(cs).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0, image: 'skiff/echo:1.0' });
    expect(cs?.containerID).toMatch(/^simulated:\/\/[0-9a-f]+$/);
    expect(cs?.state?.running?.startedAt).toBeTruthy();
    expect(p.status?.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ]);

    const events = await eventually(async () => {
      const list = await api.client.resource<Event & KubeObject>(eventsRef).list(ns, { fieldSelector: 'involvedObject.name=web' });
      return list.items.some((e) => e.reason === 'Started') ? list.items : undefined;
    }, 'Started event');
    const reasons = events.map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Pulled', 'Created', 'Started']));
    const started = events.find((e) => e.reason === 'Started')!;
    expect(started.message).toBe('Started container app');
    expect(started.source).toEqual({ component: 'kubelet', host: NODE });

    const text = await eventually(async () => {
      const t = await metrics.registry.metrics();
      return /^kubelet_running_pods [1-9]/m.test(t) ? t : undefined;
    }, 'running pods metric');
    expect(text).toMatch(/^kubelet_running_containers\{container_state="running"\} [1-9]/m);
    expect(text).toMatch(/^kubelet_pod_start_duration_seconds_count [1-9]/m);
    expect(text).toMatch(/^kubelet_runtime_operations_duration_seconds_count\{operation_type="start_container"\} [1-9]/m);
  });

  it('restarts a crashing container with growing back-off and reports CrashLoopBackOff', async () => {
    await createPod('crasher', { containers: [{ name: 'app', image: 'skiff/busybox:1.0', command: ['sh', '-c', 'exit 1'] }] });
    const p = await waitForPod(
      'crasher',
      (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 && x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff',
      'CrashLoopBackOff after restarts',
    );
    const cs = p.status!.containerStatuses![0]!;
    expect(cs.state?.waiting?.message).toMatch(/^back-off \d+(\.\d+)?m?s restarting failed container=app pod=crasher_default\(/);
    expect(cs.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(p.status?.phase).toBe('Running');
    const events = await api.client.resource<Event & KubeObject>(eventsRef).list(ns, { fieldSelector: 'involvedObject.name=crasher' });
    expect(events.items.find((e) => e.reason === 'BackOff')?.message).toMatch(/^Back-off restarting failed container app in pod crasher_default\(/);
  });

  it('runs init containers in order before the app, and completes restartPolicy Never pods', async () => {
    await createPod('inits', {
      initContainers: [
        { name: 'first', image: 'skiff/busybox:1.0', command: ['sh', '-c', 'sleep 0.2'] },
        { name: 'second', image: 'skiff/busybox:1.0', command: ['sh', '-c', 'sleep 0.2'] },
      ],
    });
    const p = await waitForPod('inits', (x) => x.status?.phase === 'Running', 'Running after init');
    const [first, second] = p.status!.initContainerStatuses!;
    expect(first?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(second?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(Date.parse(second!.state!.terminated!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(first!.state!.terminated!.finishedAt!));

    await createPod('job-ok', { restartPolicy: 'Never', containers: [{ name: 'app', image: 'skiff/busybox:1.0', command: ['sh', '-c', 'exit 0'] }] });
    await createPod('job-fail', { restartPolicy: 'Never', containers: [{ name: 'app', image: 'skiff/busybox:1.0', command: ['sh', '-c', 'exit 3'] }] });
    const ok = await waitForPod('job-ok', (x) => x.status?.phase === 'Succeeded', 'Succeeded');
    expect(ok.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(ok.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    const failed = await waitForPod('job-fail', (x) => x.status?.phase === 'Failed', 'Failed');
    expect(failed.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
    // a finished pod is never restarted
    await new Promise((r) => setTimeout(r, 500));
    expect((await getPod('job-fail')).status?.containerStatuses?.[0]?.restartCount).toBe(0);
  });

  it('fails a pod that outlives its activeDeadlineSeconds', async () => {
    await createPod('deadline', { activeDeadlineSeconds: 1 });
    const p = await waitForPod('deadline', (x) => x.status?.phase === 'Failed', 'Failed');
    expect(p.status).toMatchObject({ reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
    expect(p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(143);
    expect(await runtime.listContainers({ podUid: p.metadata.uid!, all: false })).toEqual([]);
  });

  it('reports an image that cannot be pulled, then backs off', async () => {
    runtime.setImageMissing('skiff/missing:1.0', 'pull access denied for skiff/missing');
    await createPod('nopull', { containers: [{ name: 'app', image: 'skiff/missing:1.0', imagePullPolicy: 'IfNotPresent' }] });
    const p = await waitForPod('nopull', (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff', 'ImagePullBackOff');
    expect(p.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe('Back-off pulling image "skiff/missing:1.0"');
    expect(p.status?.phase).toBe('Pending');
    const events = await eventually(async () => {
      const list = await api.client.resource<Event & KubeObject>(eventsRef).list(ns, { fieldSelector: 'involvedObject.name=nopull' });
      return list.items.some((e) => e.message === 'Error: ImagePullBackOff') ? list.items : undefined;
    }, 'back-off event');
    const messages = events.map((e) => `${e.type} ${e.reason} ${e.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'Normal Pulling Pulling image "skiff/missing:1.0"',
        'Warning Failed Failed to pull image "skiff/missing:1.0": pull access denied for skiff/missing',
        'Warning Failed Error: ErrImagePull',
        'Normal BackOff Back-off pulling image "skiff/missing:1.0"',
      ]),
    );
    // the pull is tried again once the back-off ends
    await eventually(async () => {
      const list = await api.client.resource<Event & KubeObject>(eventsRef).list(ns, { fieldSelector: 'involvedObject.name=nopull' });
      return (list.items.find((e) => e.reason === 'Pulling')?.count ?? 0) >= 2;
    }, 'a second pull');
  });

  it('runs the preStop hook, stops a deleted pod and confirms the deletion', async () => {
    const created = await createPod('doomed', {
      containers: [{ name: 'app', image: 'skiff/echo:1.0', lifecycle: { preStop: { exec: { command: ['/bin/drain', '--now'] } } } }],
    });
    await waitForPod('doomed', (x) => x.status?.phase === 'Running', 'Running');
    await pods().delete(ns, 'doomed', { gracePeriodSeconds: 30 });
    await eventually(async () => {
      try {
        await getPod('doomed');
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    }, 'pod gone from the API');
    expect(execs).toContain('/bin/drain --now');
    await eventually(async () => (await runtime.listContainers({ podUid: created.metadata.uid! })).length === 0, 'containers removed');
    expect((await runtime.listPodSandboxes()).some((s) => s.uid === created.metadata.uid)).toBe(false);
  });

  it('adopts running containers after a restart, restarting nothing', async () => {
    await createPod('steady', {});
    const before = await waitForPod('steady', (x) => x.status?.containerStatuses?.[0]?.ready === true, 'ready');
    const id = before.status!.containerStatuses![0]!.containerID;
    await kubelet.stop();

    // deleted while no kubelet runs: the new kubelet removes its containers
    const orphan = await createPod('orphan', {});
    await pods().delete(ns, 'orphan', { gracePeriodSeconds: 0 });
    const stray = await runtime.createContainer(
      await runtime.runPodSandbox({ podName: 'orphan', namespace: ns, uid: orphan.metadata.uid!, attempt: 0, hostname: 'orphan', hostNetwork: false, portMappings: [] }),
      { name: 'app', image: 'x', env: [], mounts: [], attempt: 0 },
      { podName: 'orphan', namespace: ns, uid: orphan.metadata.uid!, attempt: 0, hostname: 'orphan', hostNetwork: false, portMappings: [] },
    );
    await runtime.startContainer(stray);

    kubelet = newKubelet();
    await kubelet.start();
    await eventually(async () => (await runtime.listContainers({ podUid: orphan.metadata.uid! })).length === 0, 'orphan removed');
    await new Promise((r) => setTimeout(r, 600));
    const after = await getPod('steady');
    const cs = after.status!.containerStatuses![0]!;
    expect(cs.containerID).toBe(id);
    expect(cs.restartCount).toBe(0);
    expect(cs.ready).toBe(true);
    expect(after.status?.phase).toBe('Running');
  });
});

describe('hollow nodes', () => {
  it('runs many simulated nodes on one shared pod watch', async () => {
    const hollow = await runHollowNodes({ client: api.client, count: 20, prefix: 'hollow', timing });
    try {
      const nodes = api.client.resource<NodeObject>(nodesRef);
      await eventually(async () => {
        const list = await nodes.list(undefined);
        const ready = list.items.filter(
          (n) => n.metadata.name?.startsWith('hollow-') && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready.length === 20;
      }, 'all hollow nodes Ready');
      await createPod('on-hollow-3', {}, 'hollow-3');
      await createPod('on-hollow-17', {}, 'hollow-17');
      for (const name of ['on-hollow-3', 'on-hollow-17']) await waitForPod(name, (x) => x.status?.phase === 'Running', 'Running');
      expect((await hollow.runtimes[3]!.listContainers()).map((c) => c.podName)).toEqual(['on-hollow-3']);
      expect((await hollow.runtimes[17]!.listContainers()).map((c) => c.podName)).toEqual(['on-hollow-17']);
      expect(await hollow.runtimes[4]!.listContainers()).toEqual([]);
    } finally {
      await hollow.stop();
    }
  });
});
