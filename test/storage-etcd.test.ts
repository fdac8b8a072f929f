// The storage conformance suite and the watch cache against a real etcd
// (Debian's etcd-server, started by the harness on free loopback ports).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cacher, type CacheEvent } from '../apiserver/storage/cacher.js';
import { storageConformance } from '../apiserver/storage/conformance.js';
import { EtcdStorage } from '../apiserver/storage/etcd.js';
import { StorageError, type StoredObject } from '../apiserver/storage/interface.js';
import { startEtcd, type EtcdProcess } from './harness/etcd.js';

let etcd: EtcdProcess;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

async function wipe(storage: EtcdStorage): Promise<void> {
  for (const kv of (await storage.list('/')).items) await storage.delete(kv.key);
}

storageConformance('etcd', async () => {
  const storage = new EtcdStorage({ endpoints: [etcd.endpoint] });
  return {
    storage,
    async cleanup() {
      await wipe(storage);
      await storage.close();
    },
  };
});

const PODS = '/registry/pods/';

function pod(name: string, labels: Record<string, string> = {}): StoredObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', labels } };
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('etcd storage and watch cache', () => {
  let storage: EtcdStorage;
  let cacher: Cacher | undefined;
  beforeAll(() => {
    storage = new EtcdStorage({ endpoints: [etcd.endpoint] });
  });
  afterAll(async () => {
    await cacher?.stop();
    await wipe(storage);
    await storage.close();
  });

  it('answers an old resourceVersion with 410 after compaction, from etcd and from the cache', async () => {
    const r1 = await storage.create(`${PODS}ns/a`, pod('a'));
    const r2 = await storage.update(`${PODS}ns/a`, pod('a', { v: '2' }), r1);
    await storage.compact(r2);

    await expect(storage.list(PODS, { revision: r1 })).rejects.toMatchObject({ kind: 'Compacted' });
    const err = await new Promise<StorageError>((resolve) => {
      storage.watch(PODS, r1 - 1, { onEvent: () => undefined, onError: resolve });
    });
    expect(err).toMatchObject({ kind: 'Compacted', revision: r2 });

    // a cache started now holds no events before its list: r1 is gone there too
    const c = new Cacher(storage, PODS);
    await c.start();
    try {
      expect(() => c.watch(r1, () => undefined)).toThrow(/too old resource version/);
      const seen: CacheEvent[] = [];
      c.watch(c.revision, (ev) => void seen.push(ev));
      const r3 = await storage.delete(`${PODS}ns/a`, r2);
      await until(() => seen.length === 1, 'the delete');
      expect(seen[0]).toMatchObject({ type: 'DELETED', revision: r3.revision });
    } finally {
      await c.stop();
    }
  });

  it('serves 100 watchers from one cache and answers freshness for another prefix\'s revision', async () => {
    const c = new Cacher(storage, PODS);
    await c.start();
    try {
      const r1 = await storage.create(`${PODS}ns/b`, pod('b'));
      await until(() => c.revision >= r1, 'the create');
      const seen = Array.from({ length: 100 }, () => [] as CacheEvent[]);
      for (const s of seen) c.watch(r1, (ev) => void s.push(ev));
      const r2 = await storage.update(`${PODS}ns/b`, pod('b', { v: '2' }), r1);
      await until(() => seen.every((s) => s.length === 1), 'all watchers');
      for (const s of seen) expect(s.map((e) => [e.type, e.revision])).toEqual([['MODIFIED', r2]]);

      const other = await storage.create('/registry/services/ns/x', pod('x'));
      await c.waitUntilFresh(other, 5_000);
      expect(c.list().revision).toBeGreaterThanOrEqual(other);
      expect(c.list().items.map((e) => e.key)).toEqual([`${PODS}ns/b`]);
      await storage.delete('/registry/services/ns/x');
      await storage.delete(`${PODS}ns/b`);
    } finally {
      await c.stop();
    }
  });

  it('fails fast with Unavailable when etcd cannot be reached', async () => {
    const down = new EtcdStorage({ endpoints: ['http://127.0.0.1:9'], requestTimeoutMs: 3_000, dialTimeoutMs: 3_000 });
    try {
      await expect(down.get('/registry/pods/ns/a')).rejects.toMatchObject({ kind: 'Unavailable' });
      const err = await new Promise<StorageError>((resolve) => {
        down.watch(PODS, 0, { onEvent: () => undefined, onError: resolve });
      });
      expect(err.kind).toBe('Unavailable');
    } finally {
      await down.close();
    }
  });

  // restarts etcd, so it runs last
  it('recovers the cache after etcd restarts, closing watchers so they watch again', async () => {
    cacher = new Cacher(storage, PODS);
    await cacher.start();
    const r1 = await storage.create(`${PODS}ns/r`, pod('r'));
    await until(() => cacher!.revision >= r1, 'the create');
    const closed: Array<StorageError | undefined> = [];
    cacher.watch(undefined, () => undefined, (err) => closed.push(err));

    await etcd.restart();
    await until(() => closed.length === 1, 'the watcher to be closed');
    expect(closed[0]?.kind).toBe('Unavailable');

    await until(() => cacher!.ready, 'the cache to re-list');
    const seen: CacheEvent[] = [];
    cacher.watch(cacher.revision, (ev) => void seen.push(ev));
    // the client's own connection may still be backing off from the outage
    let r2 = 0;
    for (let i = 0; r2 === 0 && i < 100; i++) {
      try {
        r2 = await storage.update(`${PODS}ns/r`, pod('r', { v: '2' }), r1);
      } catch (err) {
        if (!(err instanceof StorageError) || err.kind !== 'Unavailable') throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    expect(r2).toBeGreaterThan(r1);
    await until(() => seen.length === 1, 'the update through the recovered cache');
    expect(seen[0]).toMatchObject({ type: 'MODIFIED', revision: r2 });
    expect(cacher.get(`${PODS}ns/r`)?.modRevision).toBe(r2);
  });
});
