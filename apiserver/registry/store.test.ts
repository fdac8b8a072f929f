// Updates start from the watch cache's copy of the object; these tests hold
// the cache back (its storage watch delivers nothing until released) so that
// copy is stale, and check that no write is lost or refused because of it.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/meta.js';
import { findResource } from '../../src/api/resources.js';
import { StatusError } from '../../src/api/status.js';
import { Cacher } from '../storage/cacher.js';
import type { Storage, StorageEvent, StorageWatch, WatchHandlers } from '../storage/interface.js';
import { MemoryStorage } from '../storage/memory.js';
import { overrideStorage } from '../storage/override.js';
import { ServiceAllocations } from './service-allocations.js';
import { ResourceStore } from './store.js';
import { strategyFor } from './strategy.js';

/** A storage whose watches can be paused: events wait until release(). */
function holdableStorage(inner: Storage): { storage: Storage; hold(): void; release(): void } {
  let held: (() => void)[] | undefined;
  const storage = overrideStorage(inner, {
    watch: (prefix: string, from: number, handlers: WatchHandlers): StorageWatch =>
    inner.watch(prefix, from, {
      ...handlers,
      onEvent: (ev: StorageEvent) => {
        if (held) held.push(() => handlers.onEvent(ev));
        else handlers.onEvent(ev);
      },
    }),
  });
  return {
    storage,
    hold: () => void (held ??= []),
    release: () => {
      const pending = held ?? [];
      held = undefined;
      for (const deliver of pending) deliver();
    },
  };
}

const configMaps = findResource('', 'v1', 'configmaps')!;
const key = '/registry/configmaps/default/settings';

async function setup() {
  const memory = new MemoryStorage();
  const { storage, hold, release } = holdableStorage(memory);
  const cacher = new Cacher(storage, '/registry/configmaps/');
  await cacher.start();
  const store = new ResourceStore(configMaps, {
    storage,
    cacher,
    strategy: strategyFor(configMaps, { services: new ServiceAllocations(memory) }),
    namespaceState: async () => 'Active',
  });
  const created = await store.create('default', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings' },
    data: { a: '1' },
  } as KubeObject);
  await expect.poll(() => cacher.get(key)?.modRevision).toBe(Number(created.metadata.resourceVersion));
  return { memory, cacher, store, hold, release, stop: () => cacher.stop() };
}

/** Changes the stored object behind the (held) cache's back. */
async function writeBehind(memory: MemoryStorage, change: (data: Record<string, string>) => void): Promise<void> {
  const kv = (await memory.get(key))!;
  const value = structuredClone(kv.value) as KubeObject & { data: Record<string, string> };
  change(value.data);
  await memory.update(key, value, kv.modRevision);
}

const data = (o: KubeObject): unknown => (o as KubeObject & { data?: unknown }).data;

describe('ResourceStore.guaranteedUpdate with a stale watch cache', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('keeps a change the cache has not seen yet', async () => {
    const env = await setup();
    stop = env.stop;
    env.hold();
    await writeBehind(env.memory, (d) => void (d.b = '2'));
    const updated = await env.store.guaranteedUpdate('default', 'settings', (cur) => {
      (cur as KubeObject & { data: Record<string, string> }).data.c = '3';
      return cur;
    });
    expect(data(updated)).toEqual({ a: '1', b: '2', c: '3' });
    expect((await env.memory.get(key))!.value.data).toEqual({ a: '1', b: '2', c: '3' });
    env.release();
  });

  it('does not refuse on a precondition only the stale copy fails', async () => {
    const env = await setup();
    stop = env.stop;
    env.hold();
    await writeBehind(env.memory, (d) => void (d.ready = 'yes'));
    const updated = await env.store.guaranteedUpdate('default', 'settings', (cur) => {
      const d = (cur as KubeObject & { data: Record<string, string> }).data;
      if (d.ready !== 'yes') throw new StatusError(409, 'Conflict', 'not ready yet');
      d.done = 'true';
      return cur;
    });
    expect(data(updated)).toEqual({ a: '1', ready: 'yes', done: 'true' });
    env.release();
  });

  it('answers a no-op on the stale copy with the stored object, not the stale one', async () => {
    const env = await setup();
    stop = env.stop;
    env.hold();
    await writeBehind(env.memory, (d) => void (d.a = '9'));
    const stored = (await env.memory.get(key))!;
    const updated = await env.store.guaranteedUpdate('default', 'settings', (cur) => cur);
    expect(data(updated)).toEqual({ a: '9' });
    expect(updated.metadata.resourceVersion).toBe(String(stored.modRevision));
    env.release();
  });

  it('accepts a resourceVersion the cache has not seen yet, and refuses an older one', async () => {
    const env = await setup();
    stop = env.stop;
    const before = env.cacher.get(key)!.modRevision;
    env.hold();
    await writeBehind(env.memory, (d) => void (d.b = '2'));
    const fresh = (await env.memory.get(key))!.modRevision;
    const setC = (rv: number) => (cur: KubeObject) => {
      (cur as KubeObject & { data: Record<string, string> }).data.c = '3';
      cur.metadata.resourceVersion = String(rv);
      return cur;
    };
    await expect(env.store.guaranteedUpdate('default', 'settings', setC(before))).rejects.toMatchObject({ code: 409 });
    const updated = await env.store.guaranteedUpdate('default', 'settings', setC(fresh));
    expect(data(updated)).toEqual({ a: '1', b: '2', c: '3' });
    env.release();
  });

  it('reports NotFound for an object deleted behind the cache', async () => {
    const env = await setup();
    stop = env.stop;
    env.hold();
    await env.memory.delete(key);
    await expect(env.store.guaranteedUpdate('default', 'settings', (cur) => cur)).rejects.toMatchObject({ code: 404 });
    env.release();
  });
});
