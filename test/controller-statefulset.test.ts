// The StatefulSet controller in a controller-manager against a real apiserver
// on a real etcd, with a test kubelet marking pods Running and Ready:
// OrderedReady creation strictly in ordinal order (a pod held back stops the
// ones after it), scale-down from the highest ordinal, a rolling update from
// the highest ordinal with ControllerRevisions, and Parallel management.
import { describe, expect, it } from 'vitest';
import { Informer } from '../src/client/index.js';
import { rfc3339 } from '../src/client/events.js';
import { statefulSetController } from '../controllers/statefulset/controller.js';
import type { StatefulSetObject } from '../controllers/statefulset/identity.js';
import type { PodObject } from '../controllers/replicaset/pods.js';
import type { ControllerRevisionObject } from '../controllers/common/controller-revision.js';
import type { TestKubeletOptions } from '../controllers/common/test-kubelet.js';
import { controllerTestEnv, ref } from './harness/controllers.js';
import { until } from './harness/until.js';

const podsRef = ref('', 'v1', 'pods');
const setsRef = ref('apps', 'v1', 'statefulsets');
const revisionsRef = ref('apps', 'v1', 'controllerrevisions');

const s = controllerTestEnv({ namespacePrefix: 'sts-it', controllers: [statefulSetController()] });

const pods = () => s.client.resource<PodObject>(podsRef);
const sets = () => s.client.resource<StatefulSetObject>(setsRef);
const isReady = (p: PodObject) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const live = async (ns: string) => (await pods().list(ns)).items.filter((p) => !p.metadata.deletionTimestamp);
const names = (list: PodObject[]) => list.map((p) => p.metadata.name).sort();

const startKubelet = (ns: string, opts: TestKubeletOptions = {}) => s.startKubelet({ namespace: ns, ...opts });

/** Records pod additions and deletions in the order the apiserver reports them. */
async function recordPods(ns: string): Promise<{ added: string[]; deleted: string[] }> {
  const log = { added: [] as string[], deleted: [] as string[] };
  const inf = new Informer<PodObject>(s.client, podsRef, { namespace: ns, onError: () => {} });
  inf.addEventHandler({
    onAdd: (p) => void log.added.push(p.metadata.name ?? ''),
    onDelete: (p) => void log.deleted.push(p.metadata.name ?? ''),
  });
  inf.start();
  await inf.waitForSync();
  s.afterTest(async () => inf.stop());
  return log;
}

async function markReady(ns: string, name: string): Promise<void> {
  const cur = await pods().get(ns, name);
  const now = rfc3339(Date.now());
  await pods().updateStatus(ns, {
    ...cur,
    status: { ...cur.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] },
  });
}

function statefulSet(name: string, replicas: number, extra: Partial<StatefulSetObject['spec']> = {}): StatefulSetObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'skiff/echo:1' }] } },
      ...extra,
    },
  };
}

describe('StatefulSet controller (etcd)', () => {
  it('creates web-0, web-1, web-2 strictly in order, each after the previous is Running and Ready', async () => {
    const ns = await s.namespace();
    const log = await recordPods(ns);
    // web-1 is held back: web-2 must wait for it.
    await startKubelet(ns, { shouldStart: (p) => p.metadata.name !== 'web-1' });
    await sets().create(ns, statefulSet('web', 3));
    await until('web-1 created', async () => ((await live(ns)).some((p) => p.metadata.name === 'web-1') ? true : undefined));
    await new Promise((r) => setTimeout(r, 1000));
    expect(names(await live(ns))).toEqual(['web-0', 'web-1']);

    await markReady(ns, 'web-1');
    const all = await until('three ready pods', async () => {
      const list = await live(ns);
      return list.length === 3 && list.every(isReady) ? list : undefined;
    });
    expect(log.added).toEqual(['web-0', 'web-1', 'web-2']);
    const set = await until('status of 3 ready', async () => {
      const cur = await sets().get(ns, 'web');
      return cur.status?.readyReplicas === 3 ? cur : undefined;
    });
    expect(set.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(set.status?.currentRevision).toBe(set.status?.updateRevision);
    for (const p of all) {
      const ordinal = p.metadata.name!.slice('web-'.length);
      expect(p.metadata.labels).toMatchObject({
        'statefulset.kubernetes.io/pod-name': p.metadata.name,
        'apps.kubernetes.io/pod-index': ordinal,
        'controller-revision-hash': set.status?.updateRevision,
      });
      expect(p.spec.hostname).toBe(p.metadata.name);
      expect(p.spec.subdomain).toBe('web');
    }
  });

  it('scales down from the highest ordinal, one at a time', async () => {
    const ns = await s.namespace();
    await startKubelet(ns);
    await sets().create(ns, statefulSet('db', 3));
    await until('three ready pods', async () => {
      const list = await live(ns);
      return list.length === 3 && list.every(isReady) ? true : undefined;
    });
    const log = await recordPods(ns);
    await sets().patch(ns, 'db', { spec: { replicas: 1 } }, 'merge');
    await until('one pod left', async () => ((await live(ns)).length === 1 ? true : undefined));
    expect(log.deleted).toEqual(['db-2', 'db-1']);
    expect(names(await live(ns))).toEqual(['db-0']);
  });

  it('rolls a new template out from the highest ordinal and records both revisions', async () => {
    const ns = await s.namespace();
    await startKubelet(ns);
    await sets().create(ns, statefulSet('web', 3));
    const first = await until('three ready pods', async () => {
      const cur = await sets().get(ns, 'web');
      return cur.status?.readyReplicas === 3 ? cur : undefined;
    });
    const log = await recordPods(ns);
    await sets().patch(ns, 'web', { spec: { template: { spec: { containers: [{ name: 'app', image: 'skiff/echo:2' }] } } } }, 'strategic');
    const done = await until('rollout finished', async () => {
      const cur = await sets().get(ns, 'web');
      const st = cur.status;
      return st?.updatedReplicas === 3 && st.readyReplicas === 3 && st.currentRevision === st.updateRevision && st.updateRevision !== first.status?.updateRevision
        ? cur
        : undefined;
    });
    expect(log.deleted).toEqual(['web-2', 'web-1', 'web-0']);
    for (const p of await live(ns)) {
      expect(p.spec.containers[0]?.image).toBe('skiff/echo:2');
      expect(p.metadata.labels?.['controller-revision-hash']).toBe(done.status?.updateRevision);
    }
    const revisions = (await s.client.resource<ControllerRevisionObject>(revisionsRef).list(ns)).items;
    expect(revisions.map((r) => [r.metadata.name, r.revision]).sort()).toEqual(
      [
        [first.status?.updateRevision, 1],
        [done.status?.updateRevision, 2],
      ].sort(),
    );
  });

  it('keeps pods below the partition at the old revision', async () => {
    const ns = await s.namespace();
    await startKubelet(ns);
    await sets().create(ns, statefulSet('web', 3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }));
    const first = await until('three ready pods', async () => {
      const cur = await sets().get(ns, 'web');
      return cur.status?.readyReplicas === 3 ? cur : undefined;
    });
    await sets().patch(ns, 'web', { spec: { template: { spec: { containers: [{ name: 'app', image: 'skiff/echo:2' }] } } } }, 'strategic');
    const st = await until('web-2 updated', async () => {
      const cur = await sets().get(ns, 'web');
      return cur.status?.updatedReplicas === 1 && cur.status.readyReplicas === 3 ? cur.status : undefined;
    });
    expect(st.currentRevision).toBe(first.status?.currentRevision);
    const images = Object.fromEntries((await live(ns)).map((p) => [p.metadata.name, p.spec.containers[0]?.image]));
    expect(images).toEqual({ 'web-0': 'skiff/echo:1', 'web-1': 'skiff/echo:1', 'web-2': 'skiff/echo:2' });
  });

  it('creates every pod at once under Parallel management', async () => {
    const ns = await s.namespace();
    await startKubelet(ns, { shouldStart: () => false });
    await sets().create(ns, statefulSet('web', 3, { podManagementPolicy: 'Parallel' }));
    const list = await until('three pods, none ready', async () => {
      const l = await live(ns);
      return l.length === 3 ? l : undefined;
    });
    expect(names(list)).toEqual(['web-0', 'web-1', 'web-2']);
    expect(list.some(isReady)).toBe(false);
  });
});
