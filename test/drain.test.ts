// skiff cordon, uncordon and drain, the pods/eviction subresource and
// PodDisruptionBudgets, against a real apiserver on a real etcd with the
// ReplicaSet and disruption controllers, the scheduler and two stand-in
// kubelets (which also finish deleting terminating pods): drain refuses a
// node with DaemonSet pods unless told to ignore them, evicts and waits for
// the rest while the ReplicaSet replaces them on the other node, retries
// what a budget refuses, and real kubectl drains through the same API.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import type { Status } from '../src/api/status.js';
import { StatusError } from '../src/api/status.js';
import { replicaSetController } from '../controllers/replicaset/controller.js';
import { disruptionController, type PdbObject } from '../controllers/disruption/controller.js';
import { TestKubelet } from '../controllers/common/test-kubelet.js';
import type { PodObject } from '../controllers/replicaset/pods.js';
import type { SchedulerServer } from '../scheduler/server.js';
import { runSkiff } from './cli-helpers.js';
import { controllerTestEnv, namespacesRef, ref, startScheduler } from './harness/controllers.js';
import { until } from './harness/until.js';

const run = promisify(execFile);
type NodeObject = Node & KubeObject;
const nodesRef = ref('', 'v1', 'nodes', false);
const podsRef = ref('', 'v1', 'pods');
const replicaSetsRef = ref('apps', 'v1', 'replicasets');
const daemonSetsRef = ref('apps', 'v1', 'daemonsets');
const pdbsRef = ref('policy', 'v1', 'poddisruptionbudgets');
const ns = 'drain';

let scheduler: SchedulerServer;
const kubelets: TestKubelet[] = [];
let ip = 10;

const s = controllerTestEnv({
  async setUp(api) {
    await api.client.resource(namespacesRef).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const nodes = api.client.resource<NodeObject>(nodesRef);
    for (const name of ['n1', 'n2']) {
      const node = await nodes.create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: {} });
      const resources = { cpu: '8', memory: '16Gi', pods: '110' };
      await nodes.updateStatus(undefined, {
        ...node,
        status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
      });
      const kubelet = new TestKubelet(api.client, { nodeName: name, podIP: () => `10.244.3.${ip++}`, finishDeletions: true });
      await kubelet.start();
      kubelets.push(kubelet);
    }
  },
  controllers: [replicaSetController(), disruptionController()],
});

beforeAll(async () => {
  scheduler = await startScheduler(s.client);
});

afterAll(async () => {
  for (const k of kubelets) await k.stop();
  await scheduler?.stop();
});

/** Runs one skiff verb in this process against the test apiserver. */
const skiff = (...args: string[]) => runSkiff(s.kubeconfig, args);

const getNode = (name: string) => s.client.resource<NodeObject>(nodesRef).get(undefined, name);
const livePods = async (selector: string) =>
  (await s.client.resource<PodObject>(podsRef).list(ns, { labelSelector: selector })).items.filter((p) => !p.metadata.deletionTimestamp);
const runningOn = async (selector: string, node: string) => (await livePods(selector)).filter((p) => p.spec.nodeName === node && p.status?.phase === 'Running');

/** The first change to budget "db" after `resourceVersion` that records a disrupted pod. */
async function firstRecordedDisruption(resourceVersion: string): Promise<PdbObject> {
  const signal = AbortSignal.timeout(30_000);
  const events = s.client.resource<PdbObject>(pdbsRef).watch(ns, { resourceVersion, fieldSelector: 'metadata.name=db', signal });
  for await (const ev of events) {
    if (ev.type === 'MODIFIED' && Object.keys(ev.object.status?.disruptedPods ?? {}).length > 0) return ev.object;
  }
  throw new Error('no change to the budget recorded a disrupted pod within 30 s');
}

async function replicaSet(name: string, replicas: number, nodeSelector?: Record<string, string>): Promise<void> {
  await s.client.resource(replicaSetsRef).create(ns, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          ...(nodeSelector ? { nodeSelector } : {}),
          containers: [{ name: 'app', image: 'skiff/echo:latest', resources: { requests: { cpu: '100m' } } }],
        },
      },
    },
  });
}

/** A DaemonSet object and its pod on a node, as the DaemonSet controller would make them. */
async function daemonSetPod(node: string): Promise<string> {
  const ds = await s.client.resource(daemonSetsRef).create(ns, {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'skiff/busybox:latest' }] } },
    },
  });
  const name = `agent-${node}`;
  await s.client.resource(podsRef).create(ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: { app: 'agent' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    spec: { nodeName: node, containers: [{ name: 'a', image: 'skiff/busybox:latest' }] },
  });
  return name;
}

describe('cordon, drain and eviction (etcd)', () => {
  it('cordons and uncordons a node, saying so as kubectl does', async () => {
    expect(await skiff('cordon', 'n2')).toEqual({ out: 'node/n2 cordoned\n', err: '', code: 0 });
    expect((await getNode('n2')).spec.unschedulable).toBe(true);
    expect((await skiff('cordon', 'n2')).out).toBe('node/n2 already cordoned\n');
    expect(await skiff('uncordon', 'n2')).toEqual({ out: 'node/n2 uncordoned\n', err: '', code: 0 });
    expect((await getNode('n2')).spec.unschedulable).toBeUndefined();
    const missing = await skiff('cordon', 'n9');
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('Error from server (NotFound): nodes "n9" not found\n');
  });

  it('refuses to drain a node with DaemonSet pods unless told to ignore them, then evicts the rest and waits for them', async () => {
    await replicaSet('web', 4);
    const onN1 = await until('web pods running on both nodes', async () => {
      const [a, b] = await Promise.all([runningOn('app=web', 'n1'), runningOn('app=web', 'n2')]);
      return a.length > 0 && b.length > 0 && a.length + b.length === 4 ? a : undefined;
    });
    const agent = await daemonSetPod('n1');

    const refused = await skiff('drain', 'n1');
    expect(refused.code).toBe(1);
    expect(refused.out).toBe('node/n1 cordoned\n');
    expect(refused.err).toBe(
      'error: unable to drain node "n1" due to error: cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): drain/agent-n1, continuing command...\n' +
        'There are pending nodes to be drained:\n n1\n' +
        'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): drain/agent-n1\n',
    );
    expect((await runningOn('app=web', 'n1')).length).toBe(onN1.length);

    const drained = await skiff('drain', 'n1', '--ignore-daemonsets', '--grace-period', '1', '--timeout', '60s');
    expect(drained.err).toBe(`Warning: ignoring DaemonSet-managed Pods: drain/${agent}\n`);
    expect(drained.code).toBe(0);
    const lines = drained.out.trim().split('\n');
    expect(lines[0]).toBe('node/n1 already cordoned');
    expect(lines.at(-1)).toBe('node/n1 drained');
    for (const p of onN1) {
      expect(lines).toContain(`evicting pod drain/${p.metadata.name}`);
      expect(lines).toContain(`pod/${p.metadata.name} evicted`);
    }
    // Gone for good when drain returns; the DaemonSet pod stays; the replacements run on n2.
    expect(await runningOn('app=web', 'n1')).toEqual([]);
    expect((await livePods('app=agent')).map((p) => p.metadata.name)).toEqual([agent]);
    await until('four web pods on n2', async () => ((await runningOn('app=web', 'n2')).length === 4 ? true : undefined));
  });

  it('evicts only what a PodDisruptionBudget allows, answering 429 for the rest', async () => {
    await skiff('uncordon', 'n1');
    await replicaSet('db', 2, { 'kubernetes.io/hostname': 'n1' });
    const dbPods = await until('two db pods running on n1', async () => {
      const pods = await runningOn('app=db', 'n1');
      return pods.length === 2 ? pods : undefined;
    });
    await s.client.resource<PdbObject>(pdbsRef).create(ns, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'db' },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'db' } } },
    });
    const computed = await until('the budget computed', async () => {
      const pdb = await s.client.resource<PdbObject>(pdbsRef).get(ns, 'db');
      return pdb.status?.observedGeneration === 1 && pdb.status.disruptionsAllowed === 1 ? pdb : undefined;
    });

    const evict = (name: string) =>
      s.client.request<Status>('POST', s.client.resource(podsRef).path(ns, name, 'eviction'), {
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } },
      });
    expect(await evict(dbPods[0]!.metadata.name!)).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    // The eviction's own write to the budget: one disruption spent, the pod recorded. (The controller may
    // recompute right after, dropping the record once it sees the pod terminating, as Kubernetes' does.)
    const budget = await firstRecordedDisruption(computed.metadata.resourceVersion!);
    expect(budget.status?.disruptionsAllowed).toBe(0);
    expect(Object.keys(budget.status?.disruptedPods ?? {})).toEqual([dbPods[0]!.metadata.name]);

    // Right after, the budget has nothing left until the replacement is ready.
    const refused = await evict(dbPods[1]!.metadata.name!).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StatusError);
    expect((refused as StatusError).code).toBe(429);
    expect((refused as StatusError).message).toBe("Cannot evict pod as it would violate the pod's disruption budget.");
    expect((refused as StatusError).details?.causes?.[0]).toMatchObject({ reason: 'DisruptionBudget' });

    // drain retries what the budget refuses, and gives up at its timeout.
    await until('the replacement ready, so the budget allows one again', async () => {
      const pdb = await s.client.resource<PdbObject>(pdbsRef).get(ns, 'db');
      return pdb.status?.disruptionsAllowed === 1 ? true : undefined;
    });
    await s.client.resource<PdbObject>(pdbsRef).patch(ns, 'db', { spec: { maxUnavailable: 0 } }, 'merge');
    await until('the budget allowing nothing', async () => {
      const pdb = await s.client.resource<PdbObject>(pdbsRef).get(ns, 'db');
      return pdb.status?.observedGeneration === 2 && pdb.status.disruptionsAllowed === 0 ? true : undefined;
    });
    const blocked = await skiff('drain', 'n1', '--ignore-daemonsets', '--pod-selector', 'app=db', '--timeout', '2s');
    expect(blocked.code).toBe(1);
    expect(blocked.err).toContain(`(will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`);
    expect(blocked.err).toContain('global timeout reached: 2s');
    expect((await runningOn('app=db', 'n1')).length).toBe(2);
  });

  it('is what real kubectl drain uses', async () => {
    await skiff('uncordon', 'n1');
    const before = await until('web pods on n2', async () => {
      const pods = await runningOn('app=web', 'n2');
      return pods.length > 0 ? pods : undefined;
    });
    const { stdout } = await run(
      '/usr/bin/kubectl',
      ['--kubeconfig', s.kubeconfig, 'drain', 'n2', '--ignore-daemonsets', '--pod-selector', 'app=web', '--grace-period', '1', '--timeout', '60s'],
      { timeout: 90_000 },
    );
    expect(stdout).toContain('node/n2 cordoned');
    for (const p of before) expect(stdout).toContain(`pod/${p.metadata.name} evicted`);
    expect(stdout.trim().split('\n').at(-1)).toBe('node/n2 drained');
    expect((await getNode('n2')).spec.unschedulable).toBe(true);
    expect(await runningOn('app=web', 'n2')).toEqual([]);
    await until('the web pods back on n1', async () => ((await runningOn('app=web', 'n1')).length === 4 ? true : undefined));
  });
});
