import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/meta.js';
import { FakeClock } from './clock.js';
import { Informer, metaNamespaceKey, SharedInformerFactory, splitKey } from './informer.js';
import { RestClient } from './rest.js';
import { Store } from './store.js';
import { FakeApiServer } from './testing/fake-apiserver.js';

interface Pod extends KubeObject {
  spec: { nodeName?: string };
}

const pods = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const coll = '/api/v1/pods';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function fixture(): Promise<{ api: FakeApiServer; client: RestClient }> {
  const api = new FakeApiServer();
  await api.start();
  const client = new RestClient({ server: api.url, namespace: 'default', contextName: 't' }, { rateLimit: false });
  cleanups.push(
    () => api.close(),
    () => client.close(),
  );
  return { api, client };
}

const pod = (name: string, nodeName?: string, ns = 'ns'): Pod => ({
  metadata: { name, namespace: ns },
  spec: nodeName ? { nodeName } : {},
});

function recorder() {
  const log: string[] = [];
  const deleted: Pod[] = [];
  return {
    log,
    deleted,
    handlers: {
      onAdd: (o: Pod) => void log.push(`add ${metaNamespaceKey(o)}`),
      onUpdate: (a: Pod, b: Pod) => void log.push(`update ${metaNamespaceKey(a)} ${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
      onDelete: (o: Pod) => {
        log.push(`delete ${metaNamespaceKey(o)}`);
        deleted.push(o);
      },
    },
  };
}

describe('keys', () => {
  it('builds and splits namespace/name keys', () => {
    expect(metaNamespaceKey({ metadata: { namespace: 'ns', name: 'a' } })).toBe('ns/a');
    expect(metaNamespaceKey({ metadata: { name: 'node1' } })).toBe('node1');
    expect(splitKey('ns/a')).toEqual({ namespace: 'ns', name: 'a' });
    expect(splitKey('node1')).toEqual({ namespace: '', name: 'node1' });
    expect(() => splitKey('a/b/c')).toThrow(/unexpected key format/);
  });
});

describe('Store indexes', () => {
  it('files objects by index value and moves them when they change', () => {
    const s = new Store<Pod>({ byNode: (p) => [p.spec.nodeName] });
    s.add(pod('a', 'n1'));
    s.add(pod('b', 'n1'));
    s.add(pod('c'));
    expect(s.byIndex('byNode', 'n1').map((p) => p.metadata.name).sort()).toEqual(['a', 'b']);
    s.update(pod('b', 'n2'));
    expect(s.byIndex('byNode', 'n1').map((p) => p.metadata.name)).toEqual(['a']);
    expect(s.byIndex('byNode', 'n2').map((p) => p.metadata.name)).toEqual(['b']);
    s.delete(pod('a'));
    expect(s.byIndex('byNode', 'n1')).toEqual([]);
    expect(s.indexValues('byNode')).toEqual(['n2']);
    s.addIndexers({ byName: (p) => [p.metadata.name] });
    expect(s.byIndex('byName', 'c')).toHaveLength(1);
    expect(() => s.byIndex('nope', 'x')).toThrow(/does not exist/);
  });
});

describe('Informer', () => {
  it('fills its cache, reports adds, updates and deletes, and answers index queries', async () => {
    const { api, client } = await fixture();
    api.put(coll, pod('a', 'n1'));
    api.put(coll, pod('b', 'n2', 'other'));
    const inf = new Informer<Pod>(client, pods, { indexers: { byNode: (p) => [p.spec.nodeName] } });
    cleanups.push(() => inf.stop());
    const rec = recorder();
    inf.addEventHandler(rec.handlers);
    expect(inf.hasSynced()).toBe(false);
    inf.start();
    expect(await inf.waitForSync()).toBe(true);
    expect(rec.log.sort()).toEqual(['add ns/a', 'add other/b']);
    expect(inf.byIndex('byNode', 'n1').map((p) => p.metadata.name)).toEqual(['a']);
    expect(inf.list('other').map((p) => p.metadata.name)).toEqual(['b']);

    await until(() => api.openWatches === 1, 'watching');
    rec.log.length = 0;
    const rvBefore = inf.get('ns/a')!.metadata.resourceVersion;
    api.put(coll, pod('a', 'n2'));
    api.remove(coll, 'other', 'b');
    await until(() => rec.log.length === 2, 'events');
    expect(rec.log).toEqual([`update ns/a ${rvBefore}->${api.getObject(coll, 'ns', 'a')!.metadata.resourceVersion}`, 'delete other/b']);
    expect(inf.byIndex('byNode', 'n2').map((p) => p.metadata.name)).toEqual(['a']);
    expect(inf.get('other/b')).toBeUndefined();
  });

  it('after a 410 relist, tells onDelete about objects deleted while it was not watching, with their last known state', async () => {
    const { api, client } = await fixture();
    api.put(coll, pod('keep', 'n1'));
    api.put(coll, pod('gone', 'n1'));
    const inf = new Informer<Pod>(client, pods, { backoff: { initialMs: 5, maxMs: 20 } });
    cleanups.push(() => inf.stop());
    const rec = recorder();
    inf.addEventHandler(rec.handlers);
    inf.start();
    await inf.waitForSync();
    await until(() => api.openWatches === 1, 'watching');
    rec.log.length = 0;
    api.removeSilently(coll, 'ns', 'gone');
    api.compact();
    api.expireWatches();
    await until(() => rec.log.some((l) => l.startsWith('delete')), 'missed deletion reported');
    expect(rec.log).toContain('delete ns/gone');
    expect(rec.deleted[0]!.spec.nodeName).toBe('n1');
    expect(rec.log.filter((l) => l.startsWith('update ns/keep'))).toHaveLength(1);
    expect(inf.list().map((p) => p.metadata.name)).toEqual(['keep']);
  });

  it('gives a handler added late every cached object as an add', async () => {
    const { api, client } = await fixture();
    api.put(coll, pod('a'));
    const inf = new Informer<Pod>(client, pods);
    cleanups.push(() => inf.stop());
    inf.start();
    await inf.waitForSync();
    const rec = recorder();
    const remove = inf.addEventHandler(rec.handlers);
    expect(rec.log).toEqual(['add ns/a']);
    remove();
    api.put(coll, pod('b'));
    await until(() => inf.get('ns/b') !== undefined, 'b cached');
    expect(rec.log).toEqual(['add ns/a']);
  });

  it('re-delivers every object as an update each resync period', async () => {
    const { api, client } = await fixture();
    api.put(coll, pod('a'));
    api.put(coll, pod('b'));
    const clock = new FakeClock();
    const inf = new Informer<Pod>(client, pods, { resyncPeriodMs: 30_000, clock });
    cleanups.push(() => inf.stop());
    const updates: string[] = [];
    inf.onUpdate((o, n) => {
      expect(o).toBe(n);
      updates.push(metaNamespaceKey(n));
    });
    inf.start();
    await inf.waitForSync();
    clock.advance(29_999);
    expect(updates).toEqual([]);
    clock.advance(1);
    expect(updates.sort()).toEqual(['ns/a', 'ns/b']);
    clock.advance(30_000);
    expect(updates).toHaveLength(4);
  });

  it('keeps going when a handler throws, and reports the failure', async () => {
    const { api, client } = await fixture();
    api.put(coll, pod('a'));
    const errors: unknown[] = [];
    const inf = new Informer<Pod>(client, pods, { onError: (e) => errors.push(e) });
    cleanups.push(() => inf.stop());
    const seen: string[] = [];
    inf.onAdd(() => {
      throw new Error('handler bug');
    });
    inf.onAdd((p) => void seen.push(p.metadata.name!));
    inf.start();
    await inf.waitForSync();
    expect(seen).toEqual(['a']);
    expect((errors[0] as Error).message).toBe('handler bug');
  });

  it('waitForSync answers false when aborted before the first list', async () => {
    const inf = new Informer<Pod>(undefined, pods, {
      listerWatcher: { list: () => new Promise(() => {}), watch: async function* () {} },
    });
    const ctl = new AbortController();
    const waiting = inf.waitForSync(ctl.signal);
    ctl.abort();
    expect(await waiting).toBe(false);
  });
});

describe('SharedInformerFactory', () => {
  it('hands out one informer per resource and scope, and starts them together', async () => {
    const { api, client } = await fixture();
    api.put(coll, pod('a', undefined, 'ns1'));
    api.put(coll, pod('b', undefined, 'ns2'));
    const factory = new SharedInformerFactory(client);
    cleanups.push(() => factory.shutdown());
    const all1 = factory.informerFor<Pod>(pods);
    const all2 = factory.informerFor<Pod>(pods);
    const ns1 = factory.informerFor<Pod>(pods, { namespace: 'ns1' });
    const nodes = factory.informerFor({ group: '', version: 'v1', plural: 'nodes', namespaced: false }, { namespace: 'ignored' });
    expect(all1).toBe(all2);
    expect(ns1).not.toBe(all1);
    factory.start();
    expect(await factory.waitForCacheSync()).toBe(true);
    expect(all1.list().map((p) => p.metadata.name).sort()).toEqual(['a', 'b']);
    expect(ns1.list().map((p) => p.metadata.name)).toEqual(['a']);
    expect(nodes.list()).toEqual([]);
    const late = factory.informerFor<Pod>(pods, { namespace: 'ns2' });
    expect(late.isStarted).toBe(true);
    expect(await late.waitForSync()).toBe(true);
    expect(api.requests.some((r) => r.path === '/api/v1/namespaces/ns1/pods')).toBe(true);
  });
});
