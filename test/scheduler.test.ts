// The scheduler against a real apiserver on a real etcd: pods land where
// nodeSelector, affinity and taints say; a pod that fits nowhere stays
// Pending with Kubernetes' message, condition and event, and is placed as
// soon as a node that fits appears (by the node's watch event, not by
// polling); preemption evicts the lowest-priority pods it needs and no more.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Node, Pod } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { Informer, type Lease, leaseResource, type ResourceRef } from '../src/client/index.js';
import { schedulerConfigFrom } from '../scheduler/config.js';
import { SchedulerServer } from '../scheduler/server.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';

type PodObject = Pod & KubeObject;
type NodeObject = Node & KubeObject;

const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
const eventsRef: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true };
const namespacesRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };

interface NodeSpecOpts {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  ready?: boolean;
}

interface PodOpts {
  cpu?: string;
  priority?: number;
  nodeSelector?: Record<string, string>;
  affinity?: Pod['spec']['affinity'];
  tolerations?: Pod['spec']['tolerations'];
  labels?: Record<string, string>;
  preemptionPolicy?: string;
}

let api: TestApiServer;
let sched: SchedulerServer;
let podWatch: Informer<PodObject>;
const ns = 'sched-test';

/** Resolves with the pod once pred holds for it, as the watch reports it; rejects after timeoutMs. */
function waitForPod(name: string, pred: (p: PodObject) => boolean, timeoutMs = 10_000): Promise<PodObject> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let unregister = (): void => {};
    const check = (p: PodObject): void => {
      if (settled || p.metadata.name !== name || !pred(p)) return;
      settled = true;
      clearTimeout(timer);
      queueMicrotask(() => unregister());
      resolve(p);
    };
    const timer = setTimeout(() => {
      settled = true;
      unregister();
      const p = podWatch.get(`${ns}/${name}`);
      reject(new Error(`pod ${name} did not reach the expected state within ${timeoutMs} ms; last seen: ${JSON.stringify({ spec: p?.spec.nodeName, status: p?.status })}`));
    }, timeoutMs);
    unregister = podWatch.addEventHandler({ onAdd: check, onUpdate: (_o, p) => check(p) });
    if (settled) unregister();
  });
}

async function createNode(name: string, o: NodeSpecOpts = {}): Promise<void> {
  const nodes = api.client.resource<NodeObject>(nodesRef);
  const created = await nodes.create(undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}) },
  });
  const resources = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', 'ephemeral-storage': '100Gi' };
  await nodes.updateStatus(undefined, {
    ...created,
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  });
}

async function createPod(name: string, o: PodOpts = {}): Promise<void> {
  await api.client.resource<PodObject>(podsRef).create(ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: name, ...o.labels } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: o.cpu ?? '100m', memory: '64Mi' } } }],
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.preemptionPolicy ? { preemptionPolicy: o.preemptionPolicy } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
    },
  });
}

const bound = (p: PodObject): boolean => Boolean(p.spec.nodeName);
const unschedulableCondition = (p: PodObject) =>
  (p.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');

beforeAll(async () => {
  api = await startApiServer();
  await api.client.resource(namespacesRef).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  podWatch = new Informer<PodObject>(api.client, podsRef, { namespace: ns });
  podWatch.start();
  await podWatch.waitForSync();
  const config = schedulerConfigFrom({
    podInitialBackoffSeconds: 0.1,
    podMaxBackoffSeconds: 1,
    leaderElection: { leaseDuration: '3s', renewDeadline: '2s', retryPeriod: '500ms' },
  });
  sched = new SchedulerServer({ client: api.client, config, port: 0 });
  await sched.start();
});

afterAll(async () => {
  process.stderr.write(`a ${Date.now()}\n`);
  await sched?.stop();
  process.stderr.write(`b ${Date.now()}\n`);
  podWatch?.stop();
  await api?.stop();
  process.stderr.write(`c ${Date.now()}\n`);
});

describe('skiff scheduler against the apiserver', () => {
  it('takes the Lease kube-system/skiff-scheduler and places pods by nodeSelector, node affinity and taints', async () => {
    await createNode('n1', { labels: { disk: 'ssd', 'topology.kubernetes.io/zone': 'a', gen: '3' } });
    await createNode('n2', { labels: { disk: 'hdd', 'topology.kubernetes.io/zone': 'b', gen: '5' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await createNode('n3', { labels: { disk: 'hdd', 'topology.kubernetes.io/zone': 'c', gen: '4' } });

    // Everything here runs at priority 100, so the next test's pod finds no preemption victims.
    await createPod('on-ssd', { nodeSelector: { disk: 'ssd' }, priority: 100 });
    await createPod('newer-gen', {
      priority: 100,
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['3'] }, { key: 'disk', operator: 'NotIn', values: ['ssd'] }] }],
          },
        },
      },
    });
    await createPod('gpu-by-name', {
      priority: 100,
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }],
          },
        },
      },
    });

    expect((await waitForPod('on-ssd', bound)).spec.nodeName).toBe('n1');
    // n2 matches the affinity but its taint is not tolerated.
    expect((await waitForPod('newer-gen', bound)).spec.nodeName).toBe('n3');
    expect((await waitForPod('gpu-by-name', bound)).spec.nodeName).toBe('n2');

    const lease = await api.client.resource<Lease & KubeObject>(leaseResource).get('kube-system', 'skiff-scheduler');
    expect(lease.spec?.holderIdentity).toBe(sched.identity);

    const events = await api.client.resource<Event & KubeObject>(eventsRef).list(ns);
    const scheduled = events.items.find((e) => e.involvedObject.name === 'on-ssd' && e.reason === 'Scheduled');
    expect(scheduled?.message).toBe(`Successfully assigned ${ns}/on-ssd to n1`);
    expect(scheduled?.source?.component).toBe('default-scheduler');
  });

  it('leaves a pod that fits nowhere Pending with the reasons, and places it once a fitting node is added', async () => {
    // n1 and n3 have 4 cpu; fill them with pods of the same priority so preemption finds no victims.
    await createPod('fill-1', { cpu: '3500m', nodeSelector: { disk: 'ssd' }, priority: 100 });
    await createPod('fill-3', { cpu: '3', nodeSelector: { 'topology.kubernetes.io/zone': 'c' }, priority: 100 });
    await waitForPod('fill-1', bound);
    await waitForPod('fill-3', bound);

    await createPod('big', { cpu: '2', priority: 100 });
    const pending = await waitForPod('big', (p) => unschedulableCondition(p) !== undefined);
    expect(pending.spec.nodeName).toBeUndefined();
    expect(unschedulableCondition(pending)?.message).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu. ' +
        'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
    const events = await api.client.resource<Event & KubeObject>(eventsRef).list(ns);
    const failed = events.items.find((e) => e.involvedObject.name === 'big' && e.reason === 'FailedScheduling');
    expect(failed?.type).toBe('Warning');
    expect(failed?.involvedObject.kind).toBe('Pod');
    expect(failed?.involvedObject.uid).toBe(pending.metadata.uid);
    expect(failed?.source?.component).toBe('default-scheduler');
    expect(failed?.message).toBe(unschedulableCondition(pending)?.message);

    // A node that is not Ready does not help.
    await createNode('n4-notready', { cpu: '8', ready: false });
    const placed = waitForPod('big', bound, 1000);
    const start = Date.now();
    await createNode('n5', { cpu: '8' });
    expect((await placed).spec.nodeName).toBe('n5');
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('preempts the lowest-priority pods it needs, and no more', async () => {
    await createNode('p1', { cpu: '4', labels: { pool: 'preempt' } });
    await createNode('p2', { cpu: '4', labels: { pool: 'preempt' } });
    const pool = { pool: 'preempt' };
    // p1: victims of priority 1, 2 and 3 (1 cpu each) and one of priority 50; p2: all priority 20.
    for (const [name, prio, node] of [
      ['low-1', 1, 'p1'],
      ['low-2', 2, 'p1'],
      ['low-3', 3, 'p1'],
      ['keep-50', 50, 'p1'],
      ['mid-a', 20, 'p2'],
      ['mid-b', 20, 'p2'],
      ['mid-c', 20, 'p2'],
      ['mid-d', 20, 'p2'],
    ] as const) {
      await createPod(name, { cpu: '1', priority: prio, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } } });
    }
    for (const name of ['low-1', 'low-2', 'low-3', 'keep-50', 'mid-a', 'mid-b', 'mid-c', 'mid-d']) await waitForPod(name, bound);

    await createPod('never', { cpu: '2', priority: 1000, nodeSelector: pool, preemptionPolicy: 'Never' });
    const never = await waitForPod('never', (p) => unschedulableCondition(p) !== undefined);
    expect(unschedulableCondition(never)?.message).toBe(
      '0/7 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, ' +
        "2 Insufficient cpu, 3 node(s) didn't match Pod's node affinity/selector. preemption: not eligible due to preemptionPolicy=Never.",
    );
    const neverGone = new Promise<void>((resolve) => {
      const un = podWatch.onDelete((p) => {
        if (p.metadata.name !== 'never') return;
        un();
        resolve();
      });
    });
    await api.client.resource(podsRef).delete(ns, 'never');
    await neverGone;

    const gone = new Set<string>();
    const unregister = podWatch.onDelete((p) => void gone.add(p.metadata.name!));
    await createPod('vip', { cpu: '2', priority: 1000, nodeSelector: pool });
    const vip = await waitForPod('vip', bound);
    unregister();
    expect(vip.spec.nodeName).toBe('p1');
    expect(vip.status?.nominatedNodeName).toBe('p1');
    expect([...gone].sort()).toEqual(['low-1', 'low-2']);
    for (const name of ['low-3', 'keep-50', 'mid-a', 'mid-b', 'mid-c', 'mid-d']) expect(podWatch.get(`${ns}/${name}`)).toBeDefined();
  });
});
