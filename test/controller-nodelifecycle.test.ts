// The node lifecycle and taint eviction controllers with the ReplicaSet
// controller and the scheduler, against a real apiserver on a real etcd,
// with two stand-in nodes whose heartbeats (Lease renewals) the test drives:
// a node whose lease stops being renewed goes Ready=Unknown and gets the
// unreachable taints, its pods are marked not ready and evicted once their
// (admission-given, here 2 s) toleration runs out, the ReplicaSet replaces
// them on the healthy node, and the taints go when the node comes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Node } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { formatMicroTime, isConflict, isNotFound, leaseResource, type Lease, type RestClient } from '../src/client/index.js';
import { replicaSetController } from '../controllers/replicaset/controller.js';
import { nodeLifecycleController } from '../controllers/nodelifecycle/controller.js';
import { taintEvictionController } from '../controllers/nodelifecycle/taint-eviction.js';
import { TestKubelet } from '../controllers/common/test-kubelet.js';
import type { PodObject } from '../controllers/replicaset/pods.js';
import type { SchedulerServer } from '../scheduler/server.js';
import { controllerTestEnv, namespacesRef, ref, startScheduler } from './harness/controllers.js';
import { until as poll } from './harness/until.js';

type NodeObject = Node & KubeObject;
const nodesRef = ref('', 'v1', 'nodes', false);
const podsRef = ref('', 'v1', 'pods');
const eventsRef = ref('', 'v1', 'events');
const replicaSetsRef = ref('apps', 'v1', 'replicasets');

/** What a kubelet does for the node lifecycle controller: renew its Lease, and post Ready when it is not. */
class Heartbeat {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly client: RestClient,
    readonly node: string,
  ) {}

  start(): void {
    const beat = async (): Promise<void> => {
      await this.renewLease();
      await this.postReady();
    };
    this.timer = setInterval(() => {
      if (!this.running) this.running = beat().catch(() => {}).finally(() => (this.running = undefined));
    }, 300);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async renewLease(): Promise<void> {
    const leases = this.client.resource<Lease>(leaseResource);
    const renewTime = formatMicroTime(Date.now());
    try {
      const cur = await leases.get('kube-node-lease', this.node);
      await leases.update('kube-node-lease', { ...cur, spec: { ...cur.spec, renewTime } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await leases.create('kube-node-lease', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.node, namespace: 'kube-node-lease' },
        spec: { holderIdentity: this.node, leaseDurationSeconds: 40, renewTime },
      });
    }
  }

  private async postReady(): Promise<void> {
    const nodes = this.client.resource<NodeObject>(nodesRef);
    const node = await nodes.get(undefined, this.node);
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True') return;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const resources = { cpu: '4', memory: '8Gi', pods: '110' };
    try {
      await nodes.updateStatus(undefined, {
        ...node,
        status: {
          ...node.status,
          capacity: resources,
          allocatable: resources,
          conditions: [
            ...['MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => ({
              type,
              status: 'False',
              reason: `KubeletHasSufficient${type.replace('Pressure', '')}`,
              message: `kubelet has sufficient ${type.replace('Pressure', '').toLowerCase()} available`,
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            })),
            { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now },
          ],
        },
      });
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

let scheduler: SchedulerServer;
const kubelets = new Map<string, TestKubelet>();
const heartbeats = new Map<string, Heartbeat>();
let ip = 10;
const ns = 'lifecycle';

const s = controllerTestEnv({
  apiserver: { defaultNotReadyTolerationSeconds: 2, defaultUnreachableTolerationSeconds: 2 },
  async setUp(api) {
    await api.client.resource(namespacesRef).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const name of ['n1', 'n2']) {
      await api.client.resource<NodeObject>(nodesRef).create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: {} });
      const hb = new Heartbeat(api.client, name);
      hb.start();
      heartbeats.set(name, hb);
      const kubelet = new TestKubelet(api.client, { nodeName: name, podIP: () => `10.244.2.${ip++}` });
      await kubelet.start();
      kubelets.set(name, kubelet);
    }
  },
  controllers: [
    replicaSetController(),
    nodeLifecycleController({ nodeMonitorGracePeriodSeconds: 3, nodeMonitorPeriodSeconds: 1 }),
    taintEvictionController(),
  ],
});

beforeAll(async () => {
  scheduler = await startScheduler(s.client);
});

afterAll(async () => {
  for (const hb of heartbeats.values()) await hb.stop();
  for (const k of kubelets.values()) await k.stop();
  await scheduler?.stop();
});

// Polled every 100 ms: the first test times how long n1 takes to go Unknown against its grace period.
const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000) => poll(what, fn, { timeoutMs, intervalMs: 100 });

const getNode = (name: string) => s.client.resource<NodeObject>(nodesRef).get(undefined, name);
const podsOn = async (node: string) =>
  (await s.client.resource<PodObject>(podsRef).list(ns)).items.filter((p) => p.spec.nodeName === node);
const condition = (n: NodeObject, type: string) => n.status?.conditions?.find((c) => c.type === type);
const hasTaint = (n: NodeObject, key: string, effect: string) => (n.spec.taints ?? []).some((t) => t.key === key && t.effect === effect);

describe('node lifecycle (etcd)', () => {
  it('marks a silent node Unknown and taints it, evicts its pods after their toleration, and lets the ReplicaSet replace them elsewhere', async () => {
    await until('both nodes ready', async () => {
      const nodes = await Promise.all(['n1', 'n2'].map(getNode));
      return nodes.every((n) => condition(n, 'Ready')?.status === 'True') ? true : undefined;
    });
    await s.client.resource(replicaSetsRef).create(ns, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web' },
      spec: {
        replicas: 4,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'skiff/echo:latest', resources: { requests: { cpu: '100m' } } }] } },
      },
    });
    const onN1 = await until('pods running on both nodes', async () => {
      const [a, b] = await Promise.all([podsOn('n1'), podsOn('n2')]);
      const running = (ps: PodObject[]) => ps.filter((p) => p.status?.phase === 'Running');
      return running(a).length > 0 && running(b).length > 0 && running(a).length + running(b).length === 4 ? running(a) : undefined;
    });
    // Admission gave the pods the default tolerations, here 2 seconds.
    expect(onN1[0]!.spec.tolerations).toEqual(
      expect.arrayContaining([
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
      ]),
    );

    // n1 dies: no more lease renewals, nobody runs its pods.
    await heartbeats.get('n1')!.stop();
    await kubelets.get('n1')!.stop();
    // the grace period runs from the last renewal, which may be a little before this point
    const lastRenewal = await s.client.resource<Lease>(leaseResource).get('kube-node-lease', 'n1');
    const silentSince = Date.parse(String(lastRenewal.spec?.renewTime));

    const dead = await until('n1 Unknown and tainted unreachable', async () => {
      const n = await getNode('n1');
      return condition(n, 'Ready')?.status === 'Unknown' && hasTaint(n, 'node.kubernetes.io/unreachable', 'NoExecute') ? n : undefined;
    });
    expect(Date.now() - silentSince).toBeGreaterThanOrEqual(3000);
    expect(condition(dead, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) expect(condition(dead, type)?.status).toBe('Unknown');
    expect(dead.spec.taints?.find((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute')?.timeAdded).toMatch(/^\d{4}-/);
    await until('the NoSchedule twin of the taint', async () => (hasTaint(await getNode('n1'), 'node.kubernetes.io/unreachable', 'NoSchedule') ? true : undefined));
    expect(condition(await getNode('n2'), 'Ready')?.status).toBe('True');

    // Its pods are marked not ready, then evicted once their 2 s toleration is over.
    const evicted = await until('the pods of n1 evicted', async () => {
      const pods = await podsOn('n1');
      const original = pods.filter((p) => onN1.some((o) => o.metadata.uid === p.metadata.uid));
      return original.length === onN1.length && original.every((p) => p.metadata.deletionTimestamp) ? original : undefined;
    });
    for (const p of evicted) {
      expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
      expect(p.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByTaintManager' });
    }

    // The ReplicaSet replaces them, and the scheduler puts the replacements on n2.
    await until('four running pods on n2', async () => {
      const running = (await podsOn('n2')).filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
      return running.length === 4 ? true : undefined;
    });

    const events = (await s.client.resource<Event & KubeObject>(eventsRef).list(undefined)).items;
    expect(events.some((e) => e.reason === 'NodeNotReady' && e.involvedObject?.kind === 'Node' && e.involvedObject.name === 'n1')).toBe(true);
    expect(events.filter((e) => e.reason === 'TaintManagerEviction' && e.message?.startsWith('Marking for deletion Pod lifecycle/')).length).toBe(onN1.length);

    // n1 comes back: its taints go.
    const back = new Heartbeat(s.client, 'n1');
    back.start();
    heartbeats.set('n1', back);
    const healthy = await until('n1 ready and untainted', async () => {
      const n = await getNode('n1');
      const taints = (n.spec.taints ?? []).filter((t) => t.key.startsWith('node.kubernetes.io/'));
      return condition(n, 'Ready')?.status === 'True' && taints.length === 0 ? n : undefined;
    });
    expect(healthy.spec.taints ?? []).toEqual([]);
  });
});
