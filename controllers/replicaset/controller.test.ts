// The ReplicaSet controller against a real apiserver on in-memory storage.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { KubeObject } from '../../src/api/meta.js';
import { SharedInformerFactory, type ResourceRef } from '../../src/client/index.js';
import { startMemoryApiServer, type MemoryApiServer } from '../testing/apiserver.js';
import { ReplicaSetController } from './controller.js';
import type { PodObject } from './pods.js';
import type { ReplicaSetObject } from './status.js';

const ref = (group: string, version: string, plural: string, namespaced = true): ResourceRef => ({ group, version, plural, namespaced });
const pods = ref('', 'v1', 'pods');
const replicasets = ref('apps', 'v1', 'replicasets');
const events = ref('', 'v1', 'events');
const namespaces = ref('', 'v1', 'namespaces', false);

let api: MemoryApiServer;
let n = 0;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  api = await startMemoryApiServer();
});
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});
afterAll(async () => {
  await api?.stop();
});

async function namespace(): Promise<string> {
  const name = `rs-${++n}`;
  await api.client.resource(namespaces).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

function startController(): ReplicaSetController {
  const informers = new SharedInformerFactory(api.client, { onError: () => {} });
  const c = new ReplicaSetController({ client: api.client, informers, log: pino({ level: 'silent' }) });
  const ctl = new AbortController();
  informers.start();
  const done = c.start(ctl.signal);
  stops.push(async () => {
    ctl.abort();
    await done;
    informers.shutdown();
    await c.recorder.flush();
  });
  return c;
}

function replicaSet(name: string, replicas: number): ReplicaSetObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function listPods(ns: string): Promise<PodObject[]> {
  return (await api.client.resource<PodObject>(pods).list(ns)).items.filter((p) => !p.metadata.deletionTimestamp);
}

describe('ReplicaSet controller', () => {
  it('creates the missing pods from the template, owned by the ReplicaSet, and reports status', async () => {
    const ns = await namespace();
    startController();
    const rs = await api.client.resource<ReplicaSetObject>(replicasets).create(ns, replicaSet('web', 3));
    const got = await until('3 pods', async () => {
      const p = await listPods(ns);
      return p.length === 3 ? p : undefined;
    });
    for (const p of got) {
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata.labels).toEqual({ app: 'web', tier: 'web' });
      expect(p.metadata.ownerReferences).toEqual([
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
    }
    const status = await until('status', async () => {
      const cur = await api.client.resource<ReplicaSetObject>(replicasets).get(ns, 'web');
      return cur.status?.replicas === 3 ? cur.status : undefined;
    });
    expect(status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 });
    const evs = await until('events', async () => {
      const list = (await api.client.resource<KubeObject & { reason?: string; count?: number; source?: { component?: string } }>(events).list(ns)).items;
      return list.filter((e) => e.reason === 'SuccessfulCreate').length === 3 ? list : undefined;
    });
    expect(evs.every((e) => e.source?.component === 'replicaset-controller')).toBe(true);
  });

  it('adopts a matching orphan instead of creating, and releases a pod relabelled out', async () => {
    const ns = await namespace();
    await api.client.resource(pods).create(ns, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    startController();
    const rs = await api.client.resource<ReplicaSetObject>(replicasets).create(ns, replicaSet('web', 2));
    await until('2 pods', async () => ((await listPods(ns)).length === 2 ? true : undefined));
    const orphan = await api.client.resource<PodObject>(pods).get(ns, 'orphan');
    await until('adoption', async () => {
      const p = await api.client.resource<PodObject>(pods).get(ns, 'orphan');
      return p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid ? true : undefined;
    });
    expect(orphan.metadata.labels).toEqual({ app: 'web' });
    await api.client.resource(pods).patch(ns, 'orphan', { metadata: { labels: { app: 'other' } } }, 'merge');
    const after = await until('release and replacement', async () => {
      const all = await listPods(ns);
      const mine = all.filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid));
      return mine.length === 2 && all.length === 3 ? all : undefined;
    });
    const released = after.find((p) => p.metadata.name === 'orphan');
    expect(released?.metadata.ownerReferences ?? []).toEqual([]);
  });

  it('never creates more than it needs while its creations are in flight', async () => {
    const ns = await namespace();
    const c = startController();
    await api.client.resource<ReplicaSetObject>(replicasets).create(ns, replicaSet('burst', 20));
    await until('20 pods', async () => ((await listPods(ns)).length === 20 ? true : undefined));
    // A storm of resyncs while creations are being observed must not add pods.
    for (let i = 0; i < 20; i++) c.queue.add(`${ns}/burst`);
    await new Promise((r) => setTimeout(r, 500));
    expect((await listPods(ns)).length).toBe(20);
  });

  it('scales down, deleting not-ready pods before ready ones', async () => {
    const ns = await namespace();
    startController();
    await api.client.resource<ReplicaSetObject>(replicasets).create(ns, replicaSet('down', 3));
    const three = await until('3 pods', async () => {
      const p = await listPods(ns);
      return p.length === 3 ? p : undefined;
    });
    const keep = three[1]!;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await api.client.resource<PodObject>(pods).updateStatus(ns, {
      ...keep,
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] },
    });
    await until('ready observed', async () => {
      const cur = await api.client.resource<ReplicaSetObject>(replicasets).get(ns, 'down');
      return cur.status?.readyReplicas === 1 ? true : undefined;
    });
    await api.client.resource(replicasets).patch(ns, 'down', { spec: { replicas: 1 } }, 'merge');
    const left = await until('1 pod', async () => {
      const p = await listPods(ns);
      return p.length === 1 ? p : undefined;
    });
    expect(left[0]!.metadata.name).toBe(keep.metadata.name);
  });
});
