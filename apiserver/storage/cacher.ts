// The watch cache, as Kubernetes' cacher: one storage watch per resource
// prefix feeds an in-memory copy of every object and a bounded window of
// recent events, and every LIST with a resourceVersion and every WATCH of the
// resource is answered from it, so N watchers cost one etcd watch.
//
// Freshness. The cache's `revision` is the newest revision it is known to
// reflect. Events advance it; but a per-prefix watch only sees this prefix's
// revisions, so a client holding a revision from another resource (or from a
// direct, consistent etcd read) may ask for one the cache never sees as an
// event. waitUntilFresh(R) therefore:
//   1. returns at once when revision >= R;
//   2. otherwise reads the store's current revision S; if S < R, R is not
//      written yet: wait for events or a later S;
//   3. if S >= R, lists the prefix from storage at S and compares it with the
//      cache: if every key and modRevision match, the prefix did not change
//      between the cache's last event and S (any events still in flight net
//      out to nothing), so the cache reflects S and revision becomes S;
//      otherwise events are in flight: wait for them and try again;
//   4. after timeoutMs it fails with 504 "Too large resource version", as
//      Kubernetes does.
// Events that arrive late, with a revision at or below a proven revision, are
// still applied and buffered (their net effect is none) and still reach a
// watcher that started before them.
//
// Values are shared: the objects in entries, list results and events are the
// ones the storage returned, and json is their serialization computed once,
// so a LIST of 10,000 objects is a join of strings. Callers must not mutate
// them.
import { StatusError } from '../../src/api/status.js';
import { StorageError, type Storage, type StorageEvent, type StorageWatch, type StoredObject } from './interface.js';

export interface CacheEntry {
  key: string;
  /** shared, with metadata.resourceVersion set: do not mutate */
  value: StoredObject;
  modRevision: number;
  /** JSON.stringify(value), computed once */
  json: string;
}

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: CacheEventType;
  key: string;
  /** the new object; for DELETED the last state, whose resourceVersion is the deletion revision */
  object: StoredObject;
  /** the cached object this event replaced or removed */
  prevObject?: StoredObject;
  revision: number;
  /** JSON.stringify(object), computed once for all watchers */
  json: string;
}

/**
 * Receives one event. Returning a promise holds back this watcher's next
 * events until it settles (backpressure); events that pile up meanwhile count
 * against the watcher's queue limit.
 */
export type CacheEventHandler = (ev: CacheEvent) => void | Promise<unknown>;

export interface CacheWatch {
  /** stops delivery at once; onClose is not called for a stop the caller asked for */
  stop(): void;
}

export interface CacherOptions {
  /** events kept for resuming watches (Kubernetes keeps a comparable window) */
  capacity?: number;
  /** live events a watcher may have queued before it is closed for falling behind */
  watcherQueueLimit?: number;
  /** waitUntilFresh's default timeout */
  freshTimeoutMs?: number;
}

const DEFAULT_CAPACITY = 10_000;
const DEFAULT_QUEUE_LIMIT = 1_000;
/** Kubernetes waits 3 s for a resourceVersion before answering 504 */
const DEFAULT_FRESH_TIMEOUT_MS = 3_000;
const RELIST_BACKOFF_MS = { initial: 100, max: 5_000 };

export class Cacher {
  private readonly capacity: number;
  private readonly queueLimit: number;
  private readonly freshTimeoutMs: number;

  private readonly entries = new Map<string, CacheEntry>();
  /** keys of entries, sorted */
  private keys: string[] = [];
  private sortedSnapshot: CacheEntry[] | null = null;
  private readonly buffer: RingBuffer<CacheEvent>;
  /** a watch may resume from any revision >= this: every later event is in the buffer */
  private windowStart = 0;
  private lastEventRevision = 0;
  private provenRevision = 0;

  private readonly watchers = new Set<CacheWatcher>();
  private readonly progressListeners = new Set<(revision: number) => void>();
  private changeWaiters: Array<() => void> = [];

  private storageWatch?: StorageWatch;
  /** bumped on every re-list so callbacks of an abandoned storage watch are ignored */
  private generation = 0;
  private isReady = false;
  private stopped = false;
  private relisting = false;
  private proving?: Promise<void>;

  constructor(
    private readonly storage: Storage,
    readonly prefix: string,
    options: CacherOptions = {},
  ) {
    this.capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.queueLimit = options.watcherQueueLimit ?? DEFAULT_QUEUE_LIMIT;
    this.freshTimeoutMs = options.freshTimeoutMs ?? DEFAULT_FRESH_TIMEOUT_MS;
    this.buffer = new RingBuffer(this.capacity);
  }

  /** Lists the prefix and starts watching from the list's revision. Fails when that first list fails. */
  async start(): Promise<void> {
    await this.listAndWatch();
  }

  /** false while re-listing after the storage watch failed */
  get ready(): boolean {
    return this.isReady;
  }

  /** the newest revision the cache is known to reflect */
  get revision(): number {
    return Math.max(this.lastEventRevision, this.provenRevision);
  }

  /**
   * Objects in key order, optionally only those under a narrower prefix, at
   * `revision`. The array and its entries are shared: do not mutate them.
   */
  list(prefix?: string): { items: CacheEntry[]; revision: number } {
    this.sortedSnapshot ??= this.keys.map((k) => this.entries.get(k)!);
    let items = this.sortedSnapshot;
    if (prefix !== undefined && prefix !== this.prefix) {
      const from = lowerBound(this.keys, prefix);
      let to = from;
      while (to < this.keys.length && this.keys[to]!.startsWith(prefix)) to++;
      items = items.slice(from, to);
    }
    return { items, revision: this.revision };
  }

  get(key: string): CacheEntry | undefined {
    return this.entries.get(key);
  }

  /** Calls cb whenever `revision` advances (for bookmarks). Returns an unsubscribe function. */
  onProgress(cb: (revision: number) => void): () => void {
    this.progressListeners.add(cb);
    return () => this.progressListeners.delete(cb);
  }

  /**
   * Resolves once the cache reflects at least `revision` (see the freshness
   * rule at the top of this file); rejects with a 504 StatusError "Too large
   * resource version" after timeoutMs.
   */
  async waitUntilFresh(revision: number, timeoutMs = this.freshTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let pause = 10;
    for (;;) {
      if (this.stopped) throw new StorageError('Unavailable', this.prefix, 'watch cache is stopped');
      if (this.isReady && this.revision >= revision) return;
      if (Date.now() >= deadline) throw tooLargeResourceVersion(revision, this.revision);
      if (this.isReady) {
        await this.prove(revision);
        if (this.isReady && this.revision >= revision) return;
      }
      await this.nextChange(Math.min(pause, Math.max(0, deadline - Date.now())));
      pause = Math.min(pause * 2, 250);
    }
  }

  /**
   * Starts a watch. fromRevision undefined or 0: a synthetic ADDED for every
   * cached object, then live events. fromRevision N: every event after N,
   * from the buffer and then live; N newer than the cache simply waits for
   * events after N. Throws StorageError 'Compacted' ("too old resource
   * version", a 410) when events after N have left the window, and
   * 'Unavailable' while the cache is re-listing. Events are delivered
   * asynchronously, never from inside this call. onClose is called once if
   * the cache ends the watch: with an error when the watcher fell behind or
   * the cache re-lists (the client should watch again), without one when the
   * cache stops.
   */
  watch(fromRevision: number | undefined, handler: CacheEventHandler, onClose?: (err?: StorageError) => void): CacheWatch {
    if (this.stopped) throw new StorageError('Unavailable', this.prefix, 'watch cache is stopped');
    if (!this.isReady) throw new StorageError('Unavailable', this.prefix, 'watch cache is re-listing; retry the watch');
    let initial: CacheEvent[];
    let after: number;
    if (!fromRevision) {
      initial = this.list().items.map((e) => ({
        type: 'ADDED' as const,
        key: e.key,
        object: e.value,
        revision: e.modRevision,
        json: e.json,
      }));
      after = this.revision;
    } else {
      if (fromRevision < this.windowStart) {
        throw new StorageError(
          'Compacted',
          this.prefix,
          `too old resource version: ${fromRevision} (${this.windowStart})`,
          this.windowStart,
        );
      }
      initial = this.buffer.after(fromRevision);
      after = Math.max(fromRevision, this.lastEventRevision);
    }
    const w = new CacheWatcher(initial, after, handler, this.queueLimit, (watcher, err) => {
      this.watchers.delete(watcher);
      onClose?.(err);
    });
    this.watchers.add(w);
    return { stop: () => this.detachWatcher(w) };
  }

  /** Stops the storage watch and ends every watcher (onClose without error). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.isReady = false;
    this.generation++;
    for (const w of [...this.watchers]) w.end();
    this.signalChange();
    const sw = this.storageWatch;
    this.storageWatch = undefined;
    await sw?.close();
  }

  private detachWatcher(w: CacheWatcher): void {
    w.cancel();
    this.watchers.delete(w);
  }

  private async listAndWatch(): Promise<void> {
    const res = await this.storage.list(this.prefix);
    if (this.stopped) return;
    const gen = ++this.generation;
    this.entries.clear();
    for (const kv of res.items) {
      this.entries.set(kv.key, { key: kv.key, value: kv.value, modRevision: kv.modRevision, json: JSON.stringify(kv.value) });
    }
    // storage lists come in key order already
    this.keys = res.items.map((kv) => kv.key);
    this.sortedSnapshot = null;
    this.buffer.clear();
    this.windowStart = res.revision;
    this.lastEventRevision = res.revision;
    this.provenRevision = 0;
    this.storageWatch = this.storage.watch(this.prefix, res.revision, {
      onEvent: (ev) => {
        if (gen === this.generation) this.apply(ev);
      },
      onError: (err) => {
        if (gen === this.generation) this.onStorageError(err);
      },
    });
    this.isReady = true;
    this.progressed();
  }

  /**
   * The storage watch ended (compacted while the cache was behind, or etcd
   * unreachable): every watcher is told to watch again, and the cache lists
   * and watches anew until that works.
   */
  private onStorageError(err: StorageError): void {
    if (this.stopped) return;
    this.generation++;
    this.isReady = false;
    this.storageWatch = undefined;
    const reason = new StorageError(
      'Unavailable',
      this.prefix,
      `watch cache for ${this.prefix} is re-listing after its storage watch failed (${err.kind}: ${err.message})`,
    );
    for (const w of [...this.watchers]) w.end(reason);
    void this.relist();
  }

  private async relist(): Promise<void> {
    // A failure of the new watch that arrives while this loop still runs
    // (a start revision compacted at once) finds relisting set: the loop sees
    // the cache not ready and goes round again.
    if (this.relisting) return;
    this.relisting = true;
    let backoff = RELIST_BACKOFF_MS.initial;
    try {
      while (!this.stopped) {
        try {
          await this.listAndWatch();
          if (this.isReady || this.stopped) return;
        } catch {
          // storage unreachable: try again after the backoff
        }
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, RELIST_BACKOFF_MS.max);
      }
    } finally {
      this.relisting = false;
    }
  }

  private apply(ev: StorageEvent): void {
    const prev = this.entries.get(ev.key);
    let cev: CacheEvent;
    if (ev.type === 'put') {
      const entry: CacheEntry = { key: ev.key, value: ev.value, modRevision: ev.modRevision, json: JSON.stringify(ev.value) };
      this.entries.set(ev.key, entry);
      if (!prev) this.keys.splice(lowerBound(this.keys, ev.key), 0, ev.key);
      cev = { type: prev ? 'MODIFIED' : 'ADDED', key: ev.key, object: ev.value, revision: ev.modRevision, json: entry.json };
      if (prev) cev.prevObject = prev.value;
    } else {
      if (prev) {
        this.entries.delete(ev.key);
        this.keys.splice(lowerBound(this.keys, ev.key), 1);
      }
      cev = { type: 'DELETED', key: ev.key, object: ev.value, revision: ev.modRevision, json: JSON.stringify(ev.value) };
      const before = prev?.value ?? ev.prevValue;
      if (before) cev.prevObject = before;
    }
    this.sortedSnapshot = null;
    this.lastEventRevision = Math.max(this.lastEventRevision, ev.modRevision);
    const evicted = this.buffer.push(cev);
    if (evicted) this.windowStart = Math.max(this.windowStart, evicted.revision);
    for (const w of this.watchers) w.push(cev);
    this.progressed();
  }

  /** step 3 of the freshness rule; concurrent waiters share one attempt */
  private prove(wanted: number): Promise<void> {
    this.proving ??= (async () => {
      try {
        const current = await this.storage.currentRevision();
        if (current < wanted || current <= this.revision) return;
        const gen = this.generation;
        const res = await this.storage.list(this.prefix, { revision: current });
        if (gen !== this.generation || !this.isReady || this.revision >= current) return;
        if (res.items.length !== this.entries.size) return;
        for (const kv of res.items) {
          if (this.entries.get(kv.key)?.modRevision !== kv.modRevision) return;
        }
        this.provenRevision = current;
        this.progressed();
      } catch {
        // storage unreachable: waiters keep waiting until their deadline
      } finally {
        this.proving = undefined;
      }
    })();
    return this.proving;
  }

  private progressed(): void {
    const rev = this.revision;
    for (const cb of this.progressListeners) cb(rev);
    this.signalChange();
  }

  private signalChange(): void {
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const w of waiters) w();
  }

  private nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.changeWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

/** Kubernetes' answer when a resourceVersion is not reached in time (storage.NewTooLargeResourceVersionError). */
function tooLargeResourceVersion(wanted: number, current: number): StatusError {
  return new StatusError(504, 'Timeout', `Too large resource version: ${wanted}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

/** One watcher's delivery: its own queue, so a slow consumer holds back nobody else. */
class CacheWatcher {
  private initialIndex = 0;
  private live: CacheEvent[] = [];
  private liveHead = 0;
  /** a drain is scheduled or waiting on the handler */
  private busy = true;
  private closed = false;

  constructor(
    private initial: CacheEvent[],
    /** live events at or below this revision are already reflected in `initial` */
    private readonly after: number,
    private readonly handler: CacheEventHandler,
    private readonly limit: number,
    private readonly onEnd: (w: CacheWatcher, err?: StorageError) => void,
  ) {
    queueMicrotask(() => void this.drain());
  }

  push(ev: CacheEvent): void {
    if (this.closed || ev.revision <= this.after) return;
    if (!this.busy) {
      this.busy = true;
      this.live.push(ev);
      void this.drain();
      return;
    }
    this.live.push(ev);
    if (this.live.length - this.liveHead > this.limit) {
      this.end(new StorageError('Unavailable', ev.key, `watcher fell more than ${this.limit} events behind; watch again`));
    }
  }

  /** ended by the cache */
  end(err?: StorageError): void {
    if (this.closed) return;
    this.cancel();
    this.onEnd(this, err);
  }

  /** ended by its caller */
  cancel(): void {
    this.closed = true;
    this.initial = [];
    this.live = [];
    this.liveHead = 0;
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.closed) return;
        const ev = this.next();
        if (!ev) break;
        const r = this.handler(ev);
        if (isPromiseLike(r)) await r;
      }
    } catch (err) {
      this.end(new StorageError('Internal', '', `watch handler failed: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    this.busy = false;
  }

  private next(): CacheEvent | undefined {
    if (this.initialIndex < this.initial.length) return this.initial[this.initialIndex++];
    if (this.initial.length > 0) {
      this.initial = [];
      this.initialIndex = 0;
    }
    if (this.liveHead < this.live.length) {
      const ev = this.live[this.liveHead++];
      if (this.liveHead > 1024 && this.liveHead * 2 > this.live.length) {
        this.live = this.live.slice(this.liveHead);
        this.liveHead = 0;
      }
      return ev;
    }
    return undefined;
  }
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Fixed-capacity event window, oldest first. */
class RingBuffer<T extends { revision: number }> {
  private items: Array<T | undefined>;
  private start = 0;
  private count = 0;

  constructor(private readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  /** appends, returning the evicted oldest item when full */
  push(item: T): T | undefined {
    if (this.capacity === 0) return item;
    let evicted: T | undefined;
    if (this.count === this.capacity) {
      evicted = this.items[this.start];
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
    this.items[(this.start + this.count) % this.capacity] = item;
    this.count++;
    return evicted;
  }

  /** items with a revision above rev, oldest first */
  after(rev: number): T[] {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).revision <= rev) lo = mid + 1;
      else hi = mid;
    }
    const out: T[] = [];
    for (let i = lo; i < this.count; i++) out.push(this.at(i));
    return out;
  }

  clear(): void {
    this.items = new Array<T | undefined>(this.capacity);
    this.start = 0;
    this.count = 0;
  }

  private at(i: number): T {
    return this.items[(this.start + i) % this.capacity]!;
  }
}

/** index of the first key >= target */
function lowerBound(keys: string[], target: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
