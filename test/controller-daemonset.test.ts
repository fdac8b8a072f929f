// The DaemonSet controller in a controller-manager against a real apiserver
// on a real etcd, with plain Node objects and a test kubelet marking pods
// ready: one pod per node, pinned by node affinity, following nodes added,
// removed, relabelled and tainted; a rolling update within maxUnavailable
// with ControllerRevisions; OnDelete. Each test selects its own nodes by a
// label, since nodes are shared by the whole file.
import { describe, expect, it } from 'vitest';
import type { Node } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { Informer } from '../src/client/index.js';
import { daemonSetController } from '../controllers/daemonset/controller.js';
import type { DaemonSetObject } from '../controllers/daemonset/types.js';
import { targetNodeName } from '../controllers/daemonset/placement.js';
import type { PodObject } from '../controllers/replicaset/pods.js';
import type { ControllerRevisionObject } from '../controllers/common/controller-revision.js';
import { controllerTestEnv, ref } from './harness/controllers.js';
import { until } from './harness/until.js';

const nodesRef = ref('', 'v1', 'nodes', false);
const podsRef = ref('', 'v1', 'pods');
const dsRef = ref('apps', 'v1', 'daemonsets');
const revisionsRef = ref('apps', 'v1', 'controllerrevisions');

const s = controllerTestEnv({ namespacePrefix: 'ds-it', controllers: [daemonSetController()] });

type NodeObject = Node & KubeObject;
const nodes = () => s.client.resource<NodeObject>(nodesRef);
const pods = () => s.client.resource<PodObject>(podsRef);
const daemonSets = () => s.client.resource<DaemonSetObject>(dsRef);
const isReady = (p: PodObject) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const live = async (ns: string) => (await pods().list(ns)).items.filter((p) => !p.metadata.deletionTimestamp);

async function node(name: string, labels: Record<string, string>, taints: NodeObject['spec']['taints'] = undefined): Promise<void> {
  await nodes().create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { ...(taints ? { taints } : {}) } });
}

const startKubelet = (ns: string) => s.startKubelet({ namespace: ns, readyDelayMs: 50 });

/** The nodes the namespace's live pods are pinned to, sorted; waits until they are exactly want. */
async function podsOn(ns: string, want: string[]): Promise<PodObject[]> {
  return until(`pods on ${want.join(',') || 'no node'}`, async () => {
    const list = await live(ns);
    const got = list.map((p) => targetNodeName(p) ?? '?').sort();
    return JSON.stringify(got) === JSON.stringify([...want].sort()) ? list : undefined;
  });
}

function daemonSet(name: string, ns: string, extra: Partial<DaemonSetObject['spec']> = {}): DaemonSetObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { nodeSelector: { suite: ns }, containers: [{ name: 'agent', image: 'skiff/echo:1' }] },
      },
      ...extra,
    },
  };
}

describe('DaemonSet controller (etcd)', () => {
  it('runs one pod per node and follows nodes coming, going and relabelled', async () => {
    const ns = await s.namespace();
    await node(`${ns}-a`, { suite: ns });
    await node(`${ns}-b`, { suite: ns });
    await node(`${ns}-other`, { suite: 'elsewhere' });
    await startKubelet(ns);
    const ds = await daemonSets().create(ns, daemonSet('agent', ns));
    const first = await podsOn(ns, [`${ns}-a`, `${ns}-b`]);
    for (const p of first) {
      expect(p.spec.nodeName).toBeUndefined();
      expect(p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: [targetNodeName(p)] }] },
      ]);
      expect(p.spec.tolerations).toEqual(
        expect.arrayContaining([
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
          { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
          { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
          { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
          { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
        ]),
      );
      expect(p.metadata.ownerReferences).toEqual([
        { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
    }
    const status = await until('status', async () => {
      const cur = await daemonSets().get(ns, 'agent');
      return cur.status?.numberReady === 2 ? cur.status : undefined;
    });
    expect(status).toMatchObject({
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      numberReady: 2,
      numberAvailable: 2,
      updatedNumberScheduled: 2,
      numberMisscheduled: 0,
      observedGeneration: 1,
    });

    await node(`${ns}-c`, { suite: ns });
    await podsOn(ns, [`${ns}-a`, `${ns}-b`, `${ns}-c`]);
    await nodes().delete(undefined, `${ns}-b`);
    await podsOn(ns, [`${ns}-a`, `${ns}-c`]);
    await nodes().patch(undefined, `${ns}-other`, { metadata: { labels: { suite: ns } } }, 'merge');
    await podsOn(ns, [`${ns}-a`, `${ns}-c`, `${ns}-other`]);
    await nodes().patch(undefined, `${ns}-a`, { metadata: { labels: { suite: null } } }, 'merge');
    await podsOn(ns, [`${ns}-c`, `${ns}-other`]);
  });

  it('keeps off nodes with taints it does not tolerate, but runs on cordoned nodes', async () => {
    const ns = await s.namespace();
    await node(`${ns}-tainted`, { suite: ns }, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    await node(`${ns}-cordoned`, { suite: ns }, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]);
    await daemonSets().create(ns, daemonSet('agent', ns));
    await podsOn(ns, [`${ns}-cordoned`]);
    // Tolerating the taint puts a pod there too.
    await daemonSets().patch(ns, 'agent', { spec: { template: { spec: { tolerations: [{ key: 'dedicated', operator: 'Exists' }] } } } }, 'strategic');
    await podsOn(ns, [`${ns}-cordoned`, `${ns}-tainted`]);
    // A NoExecute taint evicts even a running daemon pod; a NoSchedule one would not.
    await nodes().patch(undefined, `${ns}-cordoned`, { spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } }, 'merge');
    await podsOn(ns, [`${ns}-tainted`]);
  });

  it('rolls a new template out node by node within maxUnavailable and keeps the revisions', async () => {
    const ns = await s.namespace();
    for (const x of ['a', 'b', 'c']) await node(`${ns}-${x}`, { suite: ns });
    await startKubelet(ns);
    await daemonSets().create(ns, daemonSet('agent', ns));
    await until('3 ready', async () => ((await daemonSets().get(ns, 'agent')).status?.numberAvailable === 3 ? true : undefined));

    // Watch how many nodes lack an available pod at every pod event.
    let worst = 0;
    const inf = new Informer<PodObject>(s.client, podsRef, { namespace: ns, onError: () => {} });
    const check = () => {
      const up = new Set(inf.list().filter((p) => !p.metadata.deletionTimestamp && isReady(p)).map((p) => targetNodeName(p)));
      worst = Math.max(worst, 3 - up.size);
    };
    inf.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
    inf.start();
    await inf.waitForSync();
    s.afterTest(async () => inf.stop());

    await daemonSets().patch(ns, 'agent', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'skiff/echo:2' }] } } } }, 'strategic');
    const list = await until('all updated and ready', async () => {
      const cur = await daemonSets().get(ns, 'agent');
      if (cur.status?.updatedNumberScheduled !== 3 || cur.status.numberAvailable !== 3 || cur.status.observedGeneration !== 2) return undefined;
      const l = await live(ns);
      return l.length === 3 && l.every((p) => p.spec.containers[0]?.image === 'skiff/echo:2') ? l : undefined;
    });
    expect(worst).toBe(1);
    const revisions = (await s.client.resource<ControllerRevisionObject>(revisionsRef).list(ns)).items.sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
    expect(revisions.map((r) => r.revision)).toEqual([1, 2]);
    for (const p of list) expect(p.metadata.labels?.['controller-revision-hash']).toBe(revisions[1]!.metadata.labels?.['controller-revision-hash']);
    expect(revisions[1]!.metadata.name).toBe(`agent-${revisions[1]!.metadata.labels?.['controller-revision-hash']}`);
  });

  it('with OnDelete updates a pod only when it is deleted', async () => {
    const ns = await s.namespace();
    for (const x of ['a', 'b']) await node(`${ns}-${x}`, { suite: ns });
    await daemonSets().create(ns, daemonSet('agent', ns, { updateStrategy: { type: 'OnDelete' } }));
    const before = await podsOn(ns, [`${ns}-a`, `${ns}-b`]);
    await daemonSets().patch(ns, 'agent', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'skiff/echo:2' }] } } } }, 'strategic');
    await until('generation observed', async () => ((await daemonSets().get(ns, 'agent')).status?.observedGeneration === 2 ? true : undefined));
    expect((await live(ns)).map((p) => p.metadata.uid).sort()).toEqual(before.map((p) => p.metadata.uid).sort());
    const victim = before.find((p) => targetNodeName(p) === `${ns}-a`)!;
    await pods().delete(ns, victim.metadata.name ?? '');
    const after = await until('a replacement on a', async () => {
      const l = await live(ns);
      const onA = l.find((p) => targetNodeName(p) === `${ns}-a`);
      return l.length === 2 && onA && onA.metadata.uid !== victim.metadata.uid ? l : undefined;
    });
    const images = Object.fromEntries(after.map((p) => [targetNodeName(p), p.spec.containers[0]?.image]));
    expect(images).toEqual({ [`${ns}-a`]: 'skiff/echo:2', [`${ns}-b`]: 'skiff/echo:1' });
    const status = await until('status', async () => {
      const st = (await daemonSets().get(ns, 'agent')).status;
      return st?.updatedNumberScheduled === 1 ? st : undefined;
    });
    expect(status.desiredNumberScheduled).toBe(2);
  });
});
