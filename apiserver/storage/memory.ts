// An in-process Storage with etcd's semantics: one global revision counter,
// multi-version history per key (so lists at a past revision work until a
// compaction), an event log for watches that resume from an old revision, and
// asynchronous, in-order watch delivery. It backs unit tests and `skiff up`
// without etcd; the shared conformance suite keeps it honest against etcd.
// A write with a TTL arms a timer that deletes the key, as an etcd lease
// would; any later write or delete of the key replaces or disarms it.
import {
  decodeValue,
  encodeValue,
  StorageError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type PutOptions,
  type Storage,
  type StorageEvent,
  type StorageWatch,
  type StoredObject,
  type WatchHandlers,
} from './interface.js';

/** One version of a key; json null marks a deletion. */
interface Version {
  revision: number;
  createRevision: number;
  json: string | null;
}

interface LoggedEvent {
  type: 'put' | 'delete';
  key: string;
  revision: number;
  /** the new value (put) or the deleted one (delete) */
  json: string;
  prevJson?: string;
  prevRevision?: number;
  created: boolean;
}

/** etcd's revision counter starts at 1 for an empty store. */
const INITIAL_REVISION = 1;

export class MemoryStorage implements Storage {
  private revision = INITIAL_REVISION;
  private compacted = 0;
  private readonly versions = new Map<string, Version[]>();
  /** every key that still has history, sorted, so a prefix is a contiguous range */
  private readonly keys: string[] = [];
  /** events after the compacted revision, oldest first */
  private log: LoggedEvent[] = [];
  private readonly watchers = new Set<MemoryWatcher>();
  /** keys written with a TTL: the timer that deletes them */
  private readonly expiries = new Map<string, NodeJS.Timeout>();
  private closed = false;

  async currentRevision(): Promise<number> {
    this.ensureOpen('');
    return this.revision;
  }

  async get(key: string): Promise<KeyValue | null> {
    this.ensureOpen(key);
    const v = this.latest(key);
    return v ? { key, value: decodeValue(v.json, v.revision), modRevision: v.revision } : null;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen(prefix);
    const at = opts.revision || this.revision;
    if (at < this.compacted) {
      throw new StorageError('Compacted', prefix, 'The resourceVersion for the provided list is too old.', this.compacted);
    }
    if (at > this.revision) {
      throw new StorageError('Internal', prefix, `required revision ${at} is a future revision (current ${this.revision})`);
    }
    const from = opts.startAfter !== undefined && opts.startAfter >= prefix ? opts.startAfter + '\0' : prefix;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const items: KeyValue[] = [];
    let remaining = 0;
    for (let i = lowerBound(this.keys, from); i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (!key.startsWith(prefix)) break;
      const v = versionAt(this.versions.get(key)!, at);
      if (!v || v.json === null) continue;
      if (items.length < limit) items.push({ key, value: decodeValue(v.json, v.revision), modRevision: v.revision });
      else remaining++;
    }
    return { items, revision: at, more: remaining > 0, remaining };
  }

  async create(key: string, value: StoredObject, opts: PutOptions = {}): Promise<number> {
    this.ensureOpen(key);
    if (this.latest(key)) throw new StorageError('AlreadyExists', key);
    const json = encodeValue(value);
    const revision = this.nextRevision();
    this.append(key, { revision, createRevision: revision, json });
    this.expireAfter(key, opts.ttlSeconds);
    this.emit({ type: 'put', key, revision, json, created: true });
    return revision;
  }

  async update(key: string, value: StoredObject, expectedRevision: number, opts: PutOptions = {}): Promise<number> {
    this.ensureOpen(key);
    const cur = this.latest(key);
    if (!cur) throw new StorageError('NotFound', key);
    if (cur.revision !== expectedRevision) throw conflict(key, cur.revision);
    const json = encodeValue(value);
    const revision = this.nextRevision();
    this.append(key, { revision, createRevision: cur.createRevision, json });
    this.expireAfter(key, opts.ttlSeconds);
    this.emit({ type: 'put', key, revision, json, prevJson: cur.json, prevRevision: cur.revision, created: false });
    return revision;
  }

  async delete(key: string, expectedRevision?: number): Promise<{ value: StoredObject; revision: number }> {
    this.ensureOpen(key);
    const cur = this.latest(key);
    if (!cur) throw new StorageError('NotFound', key);
    if (expectedRevision !== undefined && cur.revision !== expectedRevision) throw conflict(key, cur.revision);
    const revision = this.nextRevision();
    this.append(key, { revision, createRevision: 0, json: null });
    this.expireAfter(key, undefined);
    this.emit({
      type: 'delete',
      key,
      revision,
      json: cur.json,
      prevJson: cur.json,
      prevRevision: cur.revision,
      created: false,
    });
    return { value: decodeValue(cur.json, revision), revision };
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): StorageWatch {
    const w = new MemoryWatcher(prefix, fromRevision > 0 ? fromRevision : this.revision, handlers, (x) =>
      this.watchers.delete(x),
    );
    if (this.closed) {
      w.fail(new StorageError('Unavailable', prefix, 'storage is closed'));
      return w;
    }
    if (fromRevision > 0 && fromRevision < this.compacted) {
      w.fail(new StorageError('Compacted', prefix, 'The resourceVersion for the provided watch is too old.', this.compacted));
      return w;
    }
    this.watchers.add(w);
    for (let i = firstEventAfter(this.log, w.after); i < this.log.length; i++) w.offer(this.log[i]!);
    return w;
  }

  async compact(revision: number): Promise<void> {
    this.ensureOpen('');
    if (revision <= this.compacted) return;
    if (revision > this.revision) {
      throw new StorageError('Internal', '', `required revision ${revision} is a future revision (current ${this.revision})`);
    }
    this.compacted = revision;
    for (let i = 0; i < this.keys.length; ) {
      const key = this.keys[i]!;
      const vs = this.versions.get(key)!;
      // Keep the version visible at the compacted revision (reads there must
      // still work), and everything newer; a deletion at or before it leaves
      // nothing to see.
      let keepFrom = 0;
      for (let j = vs.length - 1; j >= 0; j--) {
        if (vs[j]!.revision <= revision) {
          keepFrom = vs[j]!.json === null ? j + 1 : j;
          break;
        }
      }
      const kept = vs.slice(keepFrom);
      if (kept.length === 0) {
        this.versions.delete(key);
        this.keys.splice(i, 1);
        continue;
      }
      this.versions.set(key, kept);
      i++;
    }
    this.log = this.log.slice(firstEventAfter(this.log, revision));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.expiries.values()) clearTimeout(t);
    this.expiries.clear();
    for (const w of [...this.watchers]) await w.close();
  }

  private ensureOpen(key: string): void {
    if (this.closed) throw new StorageError('Unavailable', key, 'storage is closed');
  }

  private expireAfter(key: string, ttlSeconds: number | undefined): void {
    const armed = this.expiries.get(key);
    if (armed) clearTimeout(armed);
    this.expiries.delete(key);
    if (ttlSeconds === undefined || ttlSeconds <= 0) return;
    const timer = setTimeout(() => {
      this.expiries.delete(key);
      if (!this.closed && this.latest(key)) void this.delete(key);
    }, ttlSeconds * 1000);
    timer.unref();
    this.expiries.set(key, timer);
  }

  private nextRevision(): number {
    return ++this.revision;
  }

  private latest(key: string): (Version & { json: string }) | null {
    const vs = this.versions.get(key);
    const v = vs?.[vs.length - 1];
    return v && v.json !== null ? (v as Version & { json: string }) : null;
  }

  private append(key: string, v: Version): void {
    const vs = this.versions.get(key);
    if (vs) {
      vs.push(v);
      return;
    }
    this.versions.set(key, [v]);
    this.keys.splice(lowerBound(this.keys, key), 0, key);
  }

  private emit(ev: LoggedEvent): void {
    this.log.push(ev);
    for (const w of this.watchers) w.offer(ev);
  }
}

class MemoryWatcher implements StorageWatch {
  private queue: LoggedEvent[] = [];
  private scheduled = false;
  private done = false;

  constructor(
    private readonly prefix: string,
    /** deliver events with a revision above this */
    readonly after: number,
    private readonly handlers: WatchHandlers,
    private readonly detach: (w: MemoryWatcher) => void,
  ) {}

  offer(ev: LoggedEvent): void {
    if (this.done || ev.revision <= this.after || !ev.key.startsWith(this.prefix)) return;
    this.queue.push(ev);
    this.schedule();
  }

  /** reports err asynchronously, like every other callback */
  fail(err: StorageError): void {
    if (this.done) return;
    this.done = true;
    this.detach(this);
    queueMicrotask(() => this.handlers.onError(err));
  }

  async close(): Promise<void> {
    this.done = true;
    this.queue = [];
    this.detach(this);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      const batch = this.queue;
      this.queue = [];
      for (const ev of batch) {
        if (this.done) return;
        try {
          this.handlers.onEvent(toStorageEvent(ev));
        } catch (err) {
          this.fail(new StorageError('Internal', ev.key, `watch handler failed: ${err instanceof Error ? err.message : String(err)}`));
        }
      }
    });
  }
}

function toStorageEvent(ev: LoggedEvent): StorageEvent {
  const out: StorageEvent = {
    type: ev.type,
    key: ev.key,
    value: decodeValue(ev.json, ev.revision),
    modRevision: ev.revision,
    created: ev.created,
  };
  if (ev.prevJson !== undefined && ev.prevRevision !== undefined) out.prevValue = decodeValue(ev.prevJson, ev.prevRevision);
  return out;
}

function conflict(key: string, current: number): StorageError {
  return new StorageError('Conflict', key, `Conflict: ${key} was modified (current revision ${current})`, current);
}

/** the version visible at revision: the newest one not after it */
function versionAt(vs: Version[], revision: number): Version | undefined {
  let lo = 0;
  let hi = vs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (vs[mid]!.revision <= revision) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? vs[lo - 1] : undefined;
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

function firstEventAfter(log: LoggedEvent[], revision: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid]!.revision <= revision) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
