// The behaviour every Storage backend must share, written once and run on
// each backend (memory.test.ts, test/storage-etcd.test.ts). Tests never assume
// absolute revisions: a backend may be shared by the tests of a file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError, type Storage, type StorageEvent, type StoredObject } from './interface.js';

export interface StorageFixture {
  storage: Storage;
  cleanup(): Promise<void>;
}

export function storageConformance(name: string, make: () => Promise<StorageFixture>): void {
  describe(`storage conformance: ${name}`, () => {
    let fx: StorageFixture;
    let s: Storage;
    const open: Array<{ close(): Promise<void> }> = [];

    beforeEach(async () => {
      fx = await make();
      s = fx.storage;
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((w) => w.close()));
      await fx.cleanup();
    });

    function watch(prefix: string, from: number): Collector {
      const c = new Collector();
      const w = s.watch(prefix, from, c);
      open.push(w);
      c.closer = w;
      return c;
    }

    describe('create and get', () => {
      it('returns what was created, with resourceVersion set to the create revision', async () => {
        const rev = await s.create('/registry/pods/ns/a', pod('a', { resourceVersion: '999' }));
        const kv = await s.get('/registry/pods/ns/a');
        expect(kv).not.toBeNull();
        expect(kv!.modRevision).toBe(rev);
        expect(kv!.value).toEqual(pod('a', { resourceVersion: String(rev) }));
      });

      it('leaves values without object metadata as they are', async () => {
        await s.create('/registry/raw/x', { data: [1, 2, 3] });
        expect((await s.get('/registry/raw/x'))!.value).toEqual({ data: [1, 2, 3] });
      });

      it('returns null for a missing key', async () => {
        expect(await s.get('/registry/pods/ns/none')).toBeNull();
      });

      it('refuses to create a key twice', async () => {
        await s.create('/registry/pods/ns/a', pod('a'));
        await expectStorageError(s.create('/registry/pods/ns/a', pod('a', { labels: { x: 'y' } })), 'AlreadyExists');
        expect((await s.get('/registry/pods/ns/a'))!.value).toEqual(pod('a', { resourceVersion: expect.any(String) }));
      });

      it('advances the current revision with every write, to the revision the write returned', async () => {
        const before = await s.currentRevision();
        const r1 = await s.create('/registry/pods/ns/a', pod('a'));
        expect(r1).toBeGreaterThan(before);
        expect(await s.currentRevision()).toBe(r1);
        const r2 = await s.update('/registry/pods/ns/a', pod('a', { labels: { v: '2' } }), r1);
        expect(r2).toBeGreaterThan(r1);
        expect(await s.currentRevision()).toBe(r2);
      });
    });

    describe('update', () => {
      it('replaces the value when the expected revision is current', async () => {
        const r1 = await s.create('/registry/pods/ns/a', pod('a'));
        const r2 = await s.update('/registry/pods/ns/a', pod('a', { labels: { v: '2' }, resourceVersion: String(r1) }), r1);
        const kv = await s.get('/registry/pods/ns/a');
        expect(kv!.modRevision).toBe(r2);
        expect(kv!.value).toEqual(pod('a', { labels: { v: '2' }, resourceVersion: String(r2) }));
      });

      it('reports Conflict with the current revision for a stale revision, and changes nothing', async () => {
        const r1 = await s.create('/registry/pods/ns/a', pod('a'));
        const r2 = await s.update('/registry/pods/ns/a', pod('a', { labels: { v: '2' } }), r1);
        const err = await expectStorageError(s.update('/registry/pods/ns/a', pod('a', { labels: { v: '3' } }), r1), 'Conflict');
        expect(err.revision).toBe(r2);
        expect((await s.get('/registry/pods/ns/a'))!.value).toEqual(pod('a', { labels: { v: '2' }, resourceVersion: String(r2) }));
      });

      it('reports NotFound for a missing key and does not create it', async () => {
        const rev = await s.currentRevision();
        await expectStorageError(s.update('/registry/pods/ns/ghost', pod('ghost'), rev), 'NotFound');
        await expectStorageError(s.update('/registry/pods/ns/ghost', pod('ghost'), 0), 'NotFound');
        expect(await s.get('/registry/pods/ns/ghost')).toBeNull();
      });
    });

    describe('delete', () => {
      it('deletes without a precondition and returns the last value at the deletion revision', async () => {
        await s.create('/registry/pods/ns/a', pod('a', { labels: { keep: 'me' } }));
        const res = await s.delete('/registry/pods/ns/a');
        expect(res.value).toEqual(pod('a', { labels: { keep: 'me' }, resourceVersion: String(res.revision) }));
        expect(await s.currentRevision()).toBe(res.revision);
        expect(await s.get('/registry/pods/ns/a')).toBeNull();
        await expectStorageError(s.delete('/registry/pods/ns/a'), 'NotFound');
      });

      it('deletes with the current revision as precondition', async () => {
        const r1 = await s.create('/registry/pods/ns/a', pod('a'));
        const res = await s.delete('/registry/pods/ns/a', r1);
        expect(res.revision).toBeGreaterThan(r1);
        expect(await s.get('/registry/pods/ns/a')).toBeNull();
      });

      it('refuses a stale precondition with Conflict carrying the current revision', async () => {
        const r1 = await s.create('/registry/pods/ns/a', pod('a'));
        const r2 = await s.update('/registry/pods/ns/a', pod('a', { labels: { v: '2' } }), r1);
        const err = await expectStorageError(s.delete('/registry/pods/ns/a', r1), 'Conflict');
        expect(err.revision).toBe(r2);
        expect(await s.get('/registry/pods/ns/a')).not.toBeNull();
      });

      it('reports NotFound for a missing key even with a precondition', async () => {
        await expectStorageError(s.delete('/registry/pods/ns/none', 5), 'NotFound');
      });

      it('lets a deleted key be created again', async () => {
        await s.create('/registry/pods/ns/a', pod('a'));
        await s.delete('/registry/pods/ns/a');
        const rev = await s.create('/registry/pods/ns/a', pod('a', { labels: { again: 'yes' } }));
        expect((await s.get('/registry/pods/ns/a'))!.modRevision).toBe(rev);
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        for (const k of [
          '/registry/pods/ns/c',
          '/registry/pods/n/z',
          '/registry/pods/ns/a',
          '/registry/pods/nsx/q',
          '/registry/pods/ns/b',
          '/registry/services/ns/a',
        ]) {
          await s.create(k, pod(k.split('/').pop()!));
        }
      });

      it('returns the keys under a prefix in key order, and nothing from a sibling prefix', async () => {
        expect(keysOf(await s.list('/registry/pods/ns/'))).toEqual([
          '/registry/pods/ns/a',
          '/registry/pods/ns/b',
          '/registry/pods/ns/c',
        ]);
        expect(keysOf(await s.list('/registry/pods/n/'))).toEqual(['/registry/pods/n/z']);
        expect(keysOf(await s.list('/registry/pods/'))).toEqual([
          '/registry/pods/n/z',
          '/registry/pods/ns/a',
          '/registry/pods/ns/b',
          '/registry/pods/ns/c',
          '/registry/pods/nsx/q',
        ]);
        expect(keysOf(await s.list('/registry/nodes/'))).toEqual([]);
      });

      it('sets each item resourceVersion to its modRevision and reports the read revision', async () => {
        const res = await s.list('/registry/pods/');
        expect(res.revision).toBe(await s.currentRevision());
        expect(res.more).toBe(false);
        for (const kv of res.items) {
          expect((kv.value.metadata as Record<string, unknown>).resourceVersion).toBe(String(kv.modRevision));
        }
      });

      it('reads as of a past revision', async () => {
        const past = await s.currentRevision();
        const a = (await s.get('/registry/pods/ns/a'))!;
        await s.update('/registry/pods/ns/a', pod('a', { labels: { v: '2' } }), a.modRevision);
        await s.delete('/registry/pods/ns/b');
        await s.create('/registry/pods/ns/d', pod('d'));

        const then = await s.list('/registry/pods/ns/', { revision: past });
        expect(then.revision).toBe(past);
        expect(keysOf(then)).toEqual(['/registry/pods/ns/a', '/registry/pods/ns/b', '/registry/pods/ns/c']);
        expect(then.items[0]!.value).toEqual(pod('a', { resourceVersion: String(a.modRevision) }));

        const now = await s.list('/registry/pods/ns/');
        expect(keysOf(now)).toEqual(['/registry/pods/ns/a', '/registry/pods/ns/c', '/registry/pods/ns/d']);
        expect((now.items[0]!.value.metadata as Record<string, unknown>).labels).toEqual({ v: '2' });
      });

      it('pages with limit and startAfter at a fixed revision, reporting more and remaining', async () => {
        const p1 = await s.list('/registry/pods/', { limit: 2 });
        expect(keysOf(p1)).toEqual(['/registry/pods/n/z', '/registry/pods/ns/a']);
        expect(p1.more).toBe(true);
        expect(p1.remaining).toBe(3);

        // a write between pages must not show up in later pages read at p1's revision
        await s.create('/registry/pods/ns/aa', pod('aa'));

        const p2 = await s.list('/registry/pods/', { limit: 2, startAfter: '/registry/pods/ns/a', revision: p1.revision });
        expect(keysOf(p2)).toEqual(['/registry/pods/ns/b', '/registry/pods/ns/c']);
        expect(p2.more).toBe(true);
        expect(p2.remaining).toBe(1);

        const p3 = await s.list('/registry/pods/', { limit: 2, startAfter: '/registry/pods/ns/c', revision: p1.revision });
        expect(keysOf(p3)).toEqual(['/registry/pods/nsx/q']);
        expect(p3.more).toBe(false);

        const exact = await s.list('/registry/pods/ns/', { limit: 3 });
        expect(keysOf(exact)).toEqual(['/registry/pods/ns/a', '/registry/pods/ns/aa', '/registry/pods/ns/b']);
        expect(exact.more).toBe(true);
        expect(exact.remaining).toBe(1);
      });
    });

    describe('watch', () => {
      it('delivers exactly the events after the start revision, in order, deletions with their previous value', async () => {
        const r1 = await s.create('/registry/pods/ns/a', pod('a'));
        const r2 = await s.update('/registry/pods/ns/a', pod('a', { labels: { v: '2' } }), r1);
        const r3 = await s.create('/registry/pods/ns/b', pod('b'));
        await s.create('/registry/pods/other/x', pod('x'));
        const del = await s.delete('/registry/pods/ns/a');
        await s.create('/registry/services/ns/a', pod('svc'));

        const c = watch('/registry/pods/ns/', r1);
        const evs = await c.waitFor(3);
        expect(evs.map((e) => [e.type, e.key, e.modRevision, e.created])).toEqual([
          ['put', '/registry/pods/ns/a', r2, false],
          ['put', '/registry/pods/ns/b', r3, true],
          ['delete', '/registry/pods/ns/a', del.revision, false],
        ]);
        expect(evs[0]!.value).toEqual(pod('a', { labels: { v: '2' }, resourceVersion: String(r2) }));
        expect(evs[0]!.prevValue).toEqual(pod('a', { resourceVersion: String(r1) }));
        expect(evs[2]!.value).toEqual(pod('a', { labels: { v: '2' }, resourceVersion: String(del.revision) }));
        expect(evs[2]!.prevValue).toEqual(pod('a', { labels: { v: '2' }, resourceVersion: String(r2) }));

        // and then live events, still in order, still only under the prefix
        await s.create('/registry/pods/nsx/c', pod('c'));
        const r5 = await s.create('/registry/pods/ns/c', pod('c'));
        const more = await c.waitFor(4);
        expect(more[3]).toMatchObject({ type: 'put', key: '/registry/pods/ns/c', modRevision: r5, created: true });
        expect(c.errors).toEqual([]);
      });

      it('from the current revision and from 0 delivers only later changes', async () => {
        await s.create('/registry/pods/ns/old', pod('old'));
        const cur = await s.currentRevision();
        const fromCurrent = watch('/registry/pods/ns/', cur);
        const fromZero = watch('/registry/pods/ns/', 0);
        // 0 means "once the watch is established", which a caller cannot see:
        // write until the watch from 0 reports something
        let i = 0;
        while (fromZero.events.length === 0) {
          await s.create(`/registry/pods/ns/probe-${i++}`, pod('probe'));
          await fromZero.settle(50);
        }
        await fromCurrent.waitFor(i);
        expect(fromCurrent.events.map((e) => e.key)).toEqual(
          Array.from({ length: i }, (_, n) => `/registry/pods/ns/probe-${n}`),
        );
        expect(fromZero.events.every((e) => e.key.startsWith('/registry/pods/ns/probe-'))).toBe(true);
      });

      it('gives two watchers on the same prefix the same events', async () => {
        const from = await s.currentRevision();
        const w1 = watch('/registry/pods/', from);
        const w2 = watch('/registry/pods/', from);
        const r = await s.create('/registry/pods/ns/a', pod('a'));
        await s.delete('/registry/pods/ns/a', r);
        const [e1, e2] = await Promise.all([w1.waitFor(2), w2.waitFor(2)]);
        expect(e1.map((e) => [e.type, e.modRevision])).toEqual(e2.map((e) => [e.type, e.modRevision]));
        expect(e1.map((e) => e.type)).toEqual(['put', 'delete']);
      });

      it('delivers nothing after close', async () => {
        const from = await s.currentRevision();
        const closed = watch('/registry/pods/', from);
        const witness = watch('/registry/pods/', from);
        await closed.closer!.close();
        await s.create('/registry/pods/ns/a', pod('a'));
        await witness.waitFor(1);
        await closed.settle(50);
        expect(closed.events).toEqual([]);
        expect(closed.errors).toEqual([]);
      });

      it('does not call handlers from inside watch()', async () => {
        const r1 = await s.create('/registry/pods/ns/a', pod('a'));
        await s.create('/registry/pods/ns/b', pod('b'));
        let returned = false;
        let early = false;
        const c = new Collector();
        const w = s.watch('/registry/pods/ns/', r1 - 1, {
          onEvent: (ev) => {
            if (!returned) early = true;
            c.onEvent(ev);
          },
          onError: (err) => c.onError(err),
        });
        returned = true;
        open.push(w);
        await c.waitFor(2);
        expect(early).toBe(false);
      });
    });

    describe('compaction', () => {
      it('makes reads and watches at older revisions fail with Compacted, newer ones keep working', async () => {
        const r1 = await s.create('/registry/pods/ns/a', pod('a'));
        const r2 = await s.update('/registry/pods/ns/a', pod('a', { labels: { v: '2' } }), r1);
        const r3 = await s.create('/registry/pods/ns/b', pod('b'));
        const r4 = await s.delete('/registry/pods/ns/b', r3);
        await s.compact(r2);

        await expectStorageError(s.list('/registry/pods/ns/', { revision: r1 }), 'Compacted');

        const old = watch('/registry/pods/ns/', r1 - 1);
        const err = await old.waitForError();
        expect(err.kind).toBe('Compacted');
        expect(err.revision).toBe(r2);
        await old.settle(20);
        expect(old.events).toEqual([]);

        // the compacted revision itself is still readable
        const at = await s.list('/registry/pods/ns/', { revision: r2 });
        expect(at.items.map((kv) => [kv.key, kv.modRevision])).toEqual([['/registry/pods/ns/a', r2]]);
        expect(await s.get('/registry/pods/ns/a')).toMatchObject({ modRevision: r2 });

        const fresh = watch('/registry/pods/ns/', r2);
        const evs = await fresh.waitFor(2);
        expect(evs.map((e) => [e.type, e.modRevision])).toEqual([
          ['put', r3],
          ['delete', r4.revision],
        ]);

        // compacting again at or below the compacted revision changes nothing
        await s.compact(r1);
        expect((await s.list('/registry/pods/ns/', { revision: r2 })).items).toHaveLength(1);
      });
    });

    describe('ttl', () => {
      it('deletes a key written with a TTL once it expires (watchers see the deletion); a later write without one keeps the key', async () => {
        const c = watch('/registry/events/ns/', await s.currentRevision());
        await s.create('/registry/events/ns/short', pod('short'), { ttlSeconds: 1 });
        const r = await s.create('/registry/events/ns/kept', pod('kept'), { ttlSeconds: 1 });
        await s.update('/registry/events/ns/kept', pod('kept', { labels: { v: '2' } }), r);
        await s.create('/registry/events/ns/plain', pod('plain'));
        const deadline = Date.now() + 8_000;
        while ((await s.get('/registry/events/ns/short')) !== null) {
          if (Date.now() > deadline) throw new Error('the key written with a TTL was never deleted');
          await c.settle(100);
        }
        const evs = await c.waitFor(5);
        expect(evs.at(-1)).toMatchObject({ type: 'delete', key: '/registry/events/ns/short' });
        // past any lease granted for the second key as well
        await c.settle(1_500);
        expect(keysOf(await s.list('/registry/events/ns/'))).toEqual(['/registry/events/ns/kept', '/registry/events/ns/plain']);
      }, 15_000);

      it('restarts the countdown when a key is written again with a TTL', async () => {
        const r = await s.create('/registry/events/ns/a', pod('a'), { ttlSeconds: 60 });
        await s.update('/registry/events/ns/a', pod('a', { labels: { v: '2' } }), r, { ttlSeconds: 1 });
        const deadline = Date.now() + 8_000;
        while ((await s.get('/registry/events/ns/a')) !== null) {
          if (Date.now() > deadline) throw new Error('the key was never deleted');
          await new Promise((res) => setTimeout(res, 100));
        }
      }, 15_000);
    });
  });
}

function pod(name: string, meta: Record<string, unknown> = {}): StoredObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', ...meta }, spec: { nodeName: '' } };
}

function keysOf(res: { items: Array<{ key: string }> }): string[] {
  return res.items.map((kv) => kv.key);
}

async function expectStorageError(p: Promise<unknown>, kind: StorageError['kind']): Promise<StorageError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).kind).toBe(kind);
    return err as StorageError;
  }
  throw new Error(`expected StorageError ${kind}, got success`);
}

const WAIT_MS = 10_000;

/** watch handlers that record what they receive and let a test await it */
class Collector {
  readonly events: StorageEvent[] = [];
  readonly errors: StorageError[] = [];
  closer?: { close(): Promise<void> };
  private wake: Array<() => void> = [];

  onEvent = (ev: StorageEvent): void => {
    this.events.push(ev);
    this.notify();
  };

  onError = (err: StorageError): void => {
    this.errors.push(err);
    this.notify();
  };

  async waitFor(n: number): Promise<StorageEvent[]> {
    await this.until(() => this.events.length >= n || this.errors.length > 0, `${n} events`);
    if (this.errors.length > 0) throw this.errors[0];
    return this.events;
  }

  async waitForError(): Promise<StorageError> {
    await this.until(() => this.errors.length > 0, 'an error');
    return this.errors[0]!;
  }

  /** lets already-due deliveries happen */
  async settle(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
  }

  private notify(): void {
    for (const w of this.wake.splice(0)) w();
  }

  private async until(cond: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${what}; got ${this.events.length} events: ${JSON.stringify(this.events.map((e) => [e.type, e.key, e.modRevision]))}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
