import { afterEach, describe, expect, it } from 'vitest';
import { StatusError } from '../../src/api/status.js';
import { Cacher, type CacheEvent, type CacherOptions } from './cacher.js';
import {
  StorageError,
  type ListOptions,
  type ListResult,
  type Storage,
  type StorageEvent,
  type StorageWatch,
  type StoredObject,
  type WatchHandlers,
} from './interface.js';
import { MemoryStorage } from './memory.js';

const PODS = '/registry/pods/';

/**
 * MemoryStorage whose watches a test can hold back (events queue until
 * released), break (onError), and whose lists it can make fail.
 */
class ControlledStorage implements Storage {
  readonly inner = new MemoryStorage();
  watchesOpened = 0;
  listFailures = 0;
  /** watches that fail with Compacted as soon as they are opened */
  watchFailures = 0;
  private holding = false;
  private held: Array<() => void> = [];
  private active = new Set<WatchHandlers>();

  hold(): void {
    this.holding = true;
  }
  release(): void {
    this.holding = false;
    for (const deliver of this.held.splice(0)) deliver();
  }
  breakWatches(err: StorageError): void {
    for (const h of [...this.active]) h.onError(err);
    this.active.clear();
  }

  currentRevision() {
    return this.inner.currentRevision();
  }
  get(key: string) {
    return this.inner.get(key);
  }
  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    if (this.listFailures > 0) {
      this.listFailures--;
      throw new StorageError('Unavailable', prefix, 'storage is down');
    }
    return this.inner.list(prefix, opts);
  }
  create(key: string, value: StoredObject) {
    return this.inner.create(key, value);
  }
  update(key: string, value: StoredObject, rev: number) {
    return this.inner.update(key, value, rev);
  }
  delete(key: string, rev?: number) {
    return this.inner.delete(key, rev);
  }
  compact(rev: number) {
    return this.inner.compact(rev);
  }
  close() {
    return this.inner.close();
  }
  watch(prefix: string, from: number, handlers: WatchHandlers): StorageWatch {
    this.watchesOpened++;
    const outer: WatchHandlers = {
      onEvent: (ev: StorageEvent) => {
        if (!this.active.has(outer)) return;
        if (this.holding || this.held.length > 0) this.held.push(() => this.active.has(outer) && handlers.onEvent(ev));
        else handlers.onEvent(ev);
      },
      onError: (err) => {
        if (this.active.delete(outer)) handlers.onError(err);
      },
    };
    this.active.add(outer);
    if (this.watchFailures > 0) {
      this.watchFailures--;
      queueMicrotask(() => outer.onError(new StorageError('Compacted', prefix, 'compacted', from + 1)));
    }
    const w = this.inner.watch(prefix, from, outer);
    return {
      close: async () => {
        this.active.delete(outer);
        await w.close();
      },
    };
  }
}

function pod(name: string, labels: Record<string, string> = {}): StoredObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', labels } };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(2);
  }
}

class Recorder {
  events: CacheEvent[] = [];
  closed: Array<StorageError | undefined> = [];
  handler = (ev: CacheEvent) => {
    this.events.push(ev);
  };
  onClose = (err?: StorageError) => {
    this.closed.push(err);
  };
  summary() {
    return this.events.map((e) => [e.type, e.key.slice(PODS.length), e.revision]);
  }
}

const cachers: Cacher[] = [];
async function startCacher(storage: Storage, opts?: CacherOptions): Promise<Cacher> {
  const c = new Cacher(storage, PODS, opts);
  cachers.push(c);
  await c.start();
  return c;
}
afterEach(async () => {
  await Promise.all(cachers.splice(0).map((c) => c.stop()));
});

describe('Cacher', () => {
  it('serves list and get from the objects it listed and watched, in key order', async () => {
    const s = new MemoryStorage();
    await s.create(`${PODS}ns/b`, pod('b'));
    await s.create(`${PODS}other/a`, pod('a'));
    await s.create('/registry/services/ns/a', pod('svc'));
    const c = await startCacher(s);
    const rc = await s.create(`${PODS}ns/a`, pod('a'));
    await until(() => c.revision === rc, 'the create');

    const snap = c.list();
    expect(snap.revision).toBe(rc);
    expect(snap.items.map((e) => e.key)).toEqual([`${PODS}ns/a`, `${PODS}ns/b`, `${PODS}other/a`]);
    for (const e of snap.items) {
      expect(JSON.parse(e.json)).toEqual(e.value);
      expect((e.value.metadata as { resourceVersion: string }).resourceVersion).toBe(String(e.modRevision));
    }
    expect(c.list(`${PODS}ns/`).items.map((e) => e.key)).toEqual([`${PODS}ns/a`, `${PODS}ns/b`]);
    expect(c.get(`${PODS}ns/a`)?.modRevision).toBe(rc);

    const del = await s.delete(`${PODS}ns/b`);
    await until(() => c.revision === del.revision, 'the delete');
    expect(c.get(`${PODS}ns/b`)).toBeUndefined();
    expect(c.list().items.map((e) => e.key)).toEqual([`${PODS}ns/a`, `${PODS}other/a`]);
  });

  it('starts a watch without a revision with ADDED for every object, then live events', async () => {
    const s = new MemoryStorage();
    const r1 = await s.create(`${PODS}ns/a`, pod('a'));
    await s.create(`${PODS}ns/b`, pod('b'));
    const c = await startCacher(s);
    const rec = new Recorder();
    c.watch(undefined, rec.handler, rec.onClose);
    expect(rec.events).toEqual([]);
    await until(() => rec.events.length === 2, 'initial events');
    expect(rec.events.map((e) => [e.type, e.key])).toEqual([
      ['ADDED', `${PODS}ns/a`],
      ['ADDED', `${PODS}ns/b`],
    ]);

    const r3 = await s.update(`${PODS}ns/a`, pod('a', { v: '2' }), r1);
    const del = await s.delete(`${PODS}ns/b`);
    await until(() => rec.events.length === 4, 'live events');
    const [mod, gone] = rec.events.slice(2);
    expect(mod).toMatchObject({ type: 'MODIFIED', revision: r3, object: pod('a', { v: '2' }) });
    expect((mod!.prevObject!.metadata as { resourceVersion: string }).resourceVersion).toBe(String(r1));
    expect(gone).toMatchObject({ type: 'DELETED', key: `${PODS}ns/b`, revision: del.revision });
    expect((gone!.object.metadata as { resourceVersion: string }).resourceVersion).toBe(String(del.revision));
    expect(JSON.parse(gone!.json)).toEqual(gone!.object);
    expect(rec.closed).toEqual([]);
  });

  it('resumes a watch from a buffered revision with exactly the later events', async () => {
    const s = new MemoryStorage();
    const c = await startCacher(s);
    const r1 = await s.create(`${PODS}ns/a`, pod('a'));
    const r2 = await s.update(`${PODS}ns/a`, pod('a', { v: '2' }), r1);
    const r3 = await s.create(`${PODS}ns/b`, pod('b'));
    await until(() => c.revision === r3, 'the writes');

    const rec = new Recorder();
    c.watch(r1, rec.handler);
    await until(() => rec.events.length === 2, 'buffered events');
    const r4 = await s.delete(`${PODS}ns/a`);
    await until(() => rec.events.length === 3, 'the live event');
    expect(rec.summary()).toEqual([
      ['MODIFIED', 'ns/a', r2],
      ['ADDED', 'ns/b', r3],
      ['DELETED', 'ns/a', r4.revision],
    ]);
  });

  it('answers 410 "too old resource version" for a revision older than its window', async () => {
    const s = new MemoryStorage();
    const c = await startCacher(s, { capacity: 3 });
    const start = c.revision;
    const revs: number[] = [];
    for (let i = 0; i < 5; i++) revs.push(await s.create(`${PODS}ns/p${i}`, pod(`p${i}`)));
    await until(() => c.revision === revs[4], 'the writes');

    // three events fit: the window now starts after the second create
    let err: unknown;
    try {
      c.watch(start, () => undefined);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).kind).toBe('Compacted');
    expect((err as StorageError).message).toBe(`too old resource version: ${start} (${revs[1]})`);

    const rec = new Recorder();
    c.watch(revs[1], rec.handler);
    await until(() => rec.events.length === 3, 'the window');
    expect(rec.events.map((e) => e.revision)).toEqual(revs.slice(2));
  });

  it('delivers one update to each of 100 watchers', async () => {
    const s = new MemoryStorage();
    const r1 = await s.create(`${PODS}ns/a`, pod('a'));
    const c = await startCacher(s);
    const recs = Array.from({ length: 100 }, () => new Recorder());
    for (const r of recs) c.watch(r1, r.handler, r.onClose);
    const r2 = await s.update(`${PODS}ns/a`, pod('a', { v: '2' }), r1);
    await until(() => recs.every((r) => r.events.length === 1), 'all watchers');
    await tick(10);
    for (const r of recs) {
      expect(r.summary()).toEqual([['MODIFIED', 'ns/a', r2]]);
      expect(r.closed).toEqual([]);
    }
    // all of them share one serialization
    expect(new Set(recs.map((r) => r.events[0]!.json)).size).toBe(1);
  });

  it('keeps one storage watch however many watchers it serves', async () => {
    const s = new ControlledStorage();
    const c = await startCacher(s);
    for (let i = 0; i < 20; i++) c.watch(undefined, () => undefined);
    expect(s.watchesOpened).toBe(1);
  });

  it('closes a watcher that falls too far behind without holding back the others', async () => {
    const s = new MemoryStorage();
    const c = await startCacher(s, { watcherQueueLimit: 5 });
    const from = c.revision;
    const stuck = new Recorder();
    c.watch(from, (ev) => {
      stuck.handler(ev);
      return new Promise(() => undefined);
    }, stuck.onClose);
    const fast = new Recorder();
    c.watch(from, fast.handler, fast.onClose);

    for (let i = 0; i < 10; i++) await s.create(`${PODS}ns/p${i}`, pod(`p${i}`));
    await until(() => fast.events.length === 10, 'the fast watcher');
    expect(stuck.events).toHaveLength(1);
    expect(stuck.closed).toHaveLength(1);
    expect(stuck.closed[0]).toBeInstanceOf(StorageError);
    expect(fast.closed).toEqual([]);
  });

  it('holds back a watcher whose handler returns a promise until it settles, in order', async () => {
    const s = new MemoryStorage();
    const c = await startCacher(s);
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    c.watch(c.revision, (ev) => {
      seen.push(ev.revision);
      return seen.length === 1 ? gate : undefined;
    });
    const revs: number[] = [];
    for (let i = 0; i < 3; i++) revs.push(await s.create(`${PODS}ns/p${i}`, pod(`p${i}`)));
    await until(() => c.revision === revs[2], 'the writes');
    await tick(5);
    expect(seen).toEqual([revs[0]]);
    release();
    await until(() => seen.length === 3, 'the rest');
    expect(seen).toEqual(revs);
  });

  it('re-lists after its storage watch fails, closing watchers so they watch again', async () => {
    for (const kind of ['Unavailable', 'Compacted'] as const) {
      const s = new ControlledStorage();
      const r1 = await s.create(`${PODS}ns/a`, pod('a'));
      const c = await startCacher(s);
      const oldRevision = c.revision;
      const rec = new Recorder();
      c.watch(undefined, rec.handler, rec.onClose);
      await until(() => rec.events.length === 1, 'initial event');

      // the outage: the watch breaks, writes happen, the first list attempt fails too
      s.listFailures = 1;
      s.breakWatches(new StorageError(kind, PODS, 'watch broke'));
      expect(rec.closed).toHaveLength(1);
      expect(rec.closed[0]?.kind).toBe('Unavailable');
      expect(c.ready).toBe(false);
      expect(() => c.watch(undefined, () => undefined)).toThrow(StorageError);
      await s.update(`${PODS}ns/a`, pod('a', { v: '2' }), r1);
      const rb = await s.create(`${PODS}ns/b`, pod('b'));

      await until(() => c.ready, 're-list');
      expect(s.watchesOpened).toBe(2);
      expect(c.revision).toBeGreaterThanOrEqual(rb);
      expect(c.list().items.map((e) => [e.key, e.value.metadata])).toEqual([
        [`${PODS}ns/a`, expect.objectContaining({ labels: { v: '2' } })],
        [`${PODS}ns/b`, expect.objectContaining({ name: 'b' })],
      ]);
      // the new window starts at the re-list: older revisions are 410
      expect(() => c.watch(oldRevision, () => undefined)).toThrow(/too old resource version/);

      const again = new Recorder();
      c.watch(c.revision, again.handler);
      const rc = await s.create(`${PODS}ns/c`, pod('c'));
      await until(() => again.events.length === 1, 'a live event after re-list');
      expect(again.summary()).toEqual([['ADDED', 'ns/c', rc]]);
      await c.stop();
    }
  });

  it('keeps re-listing while the new storage watch fails at once', async () => {
    const s = new ControlledStorage();
    const c = await startCacher(s);
    s.watchFailures = 2;
    s.breakWatches(new StorageError('Compacted', PODS, 'fell behind'));
    await until(() => s.watchesOpened === 4 && c.ready, 'a working watch');
    const rec = new Recorder();
    c.watch(c.revision, rec.handler);
    const r = await s.create(`${PODS}ns/a`, pod('a'));
    await until(() => rec.events.length === 1, 'a live event');
    expect(rec.summary()).toEqual([['ADDED', 'ns/a', r]]);
  });

  it('stops: watchers are closed without error and new watches are refused', async () => {
    const s = new MemoryStorage();
    const c = await startCacher(s);
    const rec = new Recorder();
    c.watch(undefined, rec.handler, rec.onClose);
    await c.stop();
    expect(rec.closed).toEqual([undefined]);
    expect(() => c.watch(undefined, () => undefined)).toThrow(StorageError);
    await s.create(`${PODS}ns/a`, pod('a'));
    await tick(5);
    expect(rec.events).toEqual([]);
  });

  it('stop() on a watch ends its delivery without calling onClose', async () => {
    const s = new MemoryStorage();
    const c = await startCacher(s);
    const rec = new Recorder();
    const w = c.watch(c.revision, rec.handler, rec.onClose);
    w.stop();
    const witness = new Recorder();
    c.watch(c.revision, witness.handler);
    await s.create(`${PODS}ns/a`, pod('a'));
    await until(() => witness.events.length === 1, 'the witness');
    expect(rec.events).toEqual([]);
    expect(rec.closed).toEqual([]);
  });

  describe('waitUntilFresh', () => {
    it('returns at once for a revision the cache has seen', async () => {
      const s = new MemoryStorage();
      await s.create(`${PODS}ns/a`, pod('a'));
      const c = await startCacher(s);
      await c.waitUntilFresh(c.revision, 0);
    });

    it('accepts a revision written under another prefix, which the cache never sees as an event', async () => {
      const s = new MemoryStorage();
      const c = await startCacher(s);
      await s.create(`${PODS}ns/a`, pod('a'));
      const other = await s.create('/registry/services/ns/a', pod('svc'));
      await c.waitUntilFresh(other, 2_000);
      expect(c.revision).toBeGreaterThanOrEqual(other);
      expect(c.list().revision).toBeGreaterThanOrEqual(other);
      expect(c.list().items.map((e) => e.key)).toEqual([`${PODS}ns/a`]);
    });

    it('waits for events of its prefix that are still in flight', async () => {
      const s = new ControlledStorage();
      const c = await startCacher(s);
      s.hold();
      const rev = await s.create(`${PODS}ns/a`, pod('a'));
      let done = false;
      const waiting = c.waitUntilFresh(rev, 5_000).then(() => (done = true));
      await tick(50);
      expect(done).toBe(false);
      s.release();
      await waiting;
      expect(c.get(`${PODS}ns/a`)?.modRevision).toBe(rev);
    });

    it('is fresh at a revision whose in-flight events cancel out, and keeps late events from newer watchers', async () => {
      const s = new ControlledStorage();
      const c = await startCacher(s);
      const before = c.revision;
      s.hold();
      await s.create(`${PODS}ns/tmp`, pod('tmp'));
      await s.delete(`${PODS}ns/tmp`);
      const other = await s.create('/registry/services/ns/a', pod('svc'));
      await c.waitUntilFresh(other, 2_000);
      expect(c.revision).toBe(other);
      expect(c.list().items).toEqual([]);

      const fromNow = new Recorder();
      c.watch(other, fromNow.handler);
      const fromBefore = new Recorder();
      c.watch(before, fromBefore.handler);
      s.release();
      const rb = await s.create(`${PODS}ns/b`, pod('b'));
      await until(() => fromNow.events.length === 1 && fromBefore.events.length === 3, 'events');
      expect(fromNow.summary()).toEqual([['ADDED', 'ns/b', rb]]);
      expect(fromBefore.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED', 'ADDED']);
      expect(c.list().items.map((e) => e.key)).toEqual([`${PODS}ns/b`]);
    });

    it('fails with 504 "Too large resource version" for a revision not yet written', async () => {
      const s = new MemoryStorage();
      const c = await startCacher(s);
      const future = (await s.currentRevision()) + 10;
      const err = await c.waitUntilFresh(future, 100).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StatusError);
      expect((err as StatusError).code).toBe(504);
      expect((err as StatusError).message).toBe(`Too large resource version: ${future}, current: ${c.revision}`);
    });
  });
});
