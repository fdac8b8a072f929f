// The ReplicaSet controller behind the controller-manager's leader election,
// against a real apiserver on a real etcd: scaling both ways, replacing a
// pod deleted by hand, releasing and replacing a pod relabelled out of the
// selector, and the Events it records.
import { afterEach, describe, expect, it } from 'vitest';
import type { Event } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { replicaSetController } from '../controllers/replicaset/controller.js';
import type { PodObject } from '../controllers/replicaset/pods.js';
import type { ReplicaSetObject } from '../controllers/replicaset/status.js';
import { controllerTestEnv, fastElection, ref } from './harness/controllers.js';
import { until } from './harness/until.js';

const podsRef = ref('', 'v1', 'pods');
const replicaSetsRef = ref('apps', 'v1', 'replicasets');
const eventsRef = ref('', 'v1', 'events');

const s = controllerTestEnv({
  namespacePrefix: 'rs-it',
  controllers: [replicaSetController()],
  leaderElection: { ...fastElection, identity: 'rs-test' },
});

const pods = () => s.client.resource<PodObject>(podsRef);
const replicaSets = () => s.client.resource<ReplicaSetObject>(replicaSetsRef);
const livePods = async (ns: string) => (await pods().list(ns)).items.filter((p) => !p.metadata.deletionTimestamp);
const ownedBy = (p: PodObject, uid: string | undefined) => p.metadata.ownerReferences?.some((r) => r.uid === uid && r.controller) ?? false;

async function podsOf(ns: string, rs: ReplicaSetObject, count: number): Promise<PodObject[]> {
  return until(`${count} pods of ${rs.metadata.name}`, async () => {
    const mine = (await livePods(ns)).filter((p) => ownedBy(p, rs.metadata.uid));
    return mine.length === count ? mine : undefined;
  });
}

function replicaSet(name: string, replicas: number): ReplicaSetObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
    },
  };
}

afterEach(() => {
  expect(s.manager.isLeader()).toBe(true);
});

describe('ReplicaSet controller (etcd)', () => {
  it('scales up and down and reports it in status and events', async () => {
    const ns = await s.namespace();
    const rs = await replicaSets().create(ns, replicaSet('web', 3));
    await podsOf(ns, rs, 3);
    await replicaSets().patch(ns, 'web', { spec: { replicas: 5 } }, 'merge');
    await podsOf(ns, rs, 5);
    await replicaSets().patch(ns, 'web', { spec: { replicas: 2 } }, 'merge');
    await podsOf(ns, rs, 2);
    const status = await until('status of 2', async () => {
      const cur = await replicaSets().get(ns, 'web');
      return cur.status?.replicas === 2 && cur.status.observedGeneration === 3 ? cur.status : undefined;
    });
    expect(status).toMatchObject({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 0, availableReplicas: 0 });
    const events = await until('events', async () => {
      const list = (await s.client.resource<Event & KubeObject>(eventsRef).list(ns)).items;
      const created = list.filter((e) => e.reason === 'SuccessfulCreate').length;
      const deleted = list.filter((e) => e.reason === 'SuccessfulDelete').length;
      return created === 5 && deleted === 3 ? list : undefined;
    });
    for (const e of events) {
      expect(e.source?.component).toBe('replicaset-controller');
      expect(e.involvedObject).toMatchObject({ kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid });
    }
  });

  it('replaces a pod deleted by hand', async () => {
    const ns = await s.namespace();
    const rs = await replicaSets().create(ns, replicaSet('web', 3));
    const before = await podsOf(ns, rs, 3);
    const victim = before[0]!;
    await pods().delete(ns, victim.metadata.name ?? '');
    const after = await until('a replacement', async () => {
      const mine = (await livePods(ns)).filter((p) => ownedBy(p, rs.metadata.uid));
      return mine.length === 3 && !mine.some((p) => p.metadata.uid === victim.metadata.uid) ? mine : undefined;
    });
    expect(after.filter((p) => before.some((b) => b.metadata.uid === p.metadata.uid))).toHaveLength(2);
  });

  it('releases a pod relabelled out of its selector and replaces it', async () => {
    const ns = await s.namespace();
    const rs = await replicaSets().create(ns, replicaSet('web', 2));
    const [moved] = await podsOf(ns, rs, 2);
    await pods().patch(ns, moved!.metadata.name ?? '', { metadata: { labels: { app: 'debug' } } }, 'merge');
    const mine = await until('release and replacement', async () => {
      const released = await pods().get(ns, moved!.metadata.name ?? '');
      if ((released.metadata.ownerReferences ?? []).length !== 0) return undefined;
      const owned = (await livePods(ns)).filter((p) => ownedBy(p, rs.metadata.uid));
      return owned.length === 2 ? owned : undefined;
    });
    expect(mine.some((p) => p.metadata.uid === moved!.metadata.uid)).toBe(false);
    // Labelled back, it is adopted again and one pod goes.
    await pods().patch(ns, moved!.metadata.name ?? '', { metadata: { labels: { app: 'web' } } }, 'merge');
    const settled = await until('re-adoption and one deletion', async () => {
      const all = await livePods(ns);
      return all.length === 2 && all.every((p) => ownedBy(p, rs.metadata.uid)) ? all : undefined;
    });
    expect(settled.every((p) => p.metadata.labels?.app === 'web')).toBe(true);
  });

  it('adopts a matching orphan instead of creating a pod', async () => {
    const ns = await s.namespace();
    await pods().create(ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'early', labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
    const rs = await replicaSets().create(ns, replicaSet('web', 1));
    const [only] = await podsOf(ns, rs, 1);
    expect(only!.metadata.name).toBe('early');
    expect(only!.metadata.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await livePods(ns)).toHaveLength(1);
  });
});
