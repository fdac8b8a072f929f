// Storage on etcd v3 through etcd's gRPC KV, Watch and Lease services
// (etcd-grpc.ts).
//
// Writes are single transactions guarded by etcd's own revisions (create:
// createRevision == 0; update/delete: modRevision == expected), so
// optimistic concurrency is decided by etcd, never by a read-then-write here.
//
// Each watch is one Watch stream of its own that reports how it ended: a
// cancelled watch with its compact revision becomes 'Compacted', anything
// else 'Unavailable', and the watch cache re-lists; nothing here reconnects
// or replays on its own.
//
// A write with a TTL attaches the key to an etcd lease, which deletes it when
// it expires; leases are shared between writes as kube-apiserver shares them.
import {
  EtcdGrpc,
  GrpcError,
  int64,
  Result,
  Target,
  type EtcdWatchStream,
  type KeyValueMessage,
  type ResponseHeaderMessage,
  type WatchResponseMessage,
} from './etcd-grpc.js';
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

export interface EtcdStorageOptions {
  /** client URLs, e.g. ["http://127.0.0.1:2379"] */
  endpoints: string[];
  /**
   * how long a watch may take to be established (ms); a connection that is
   * not up by then fails the watch with 'Unavailable'
   */
  dialTimeoutMs?: number;
  /**
   * deadline of every request (ms), connecting included, so a hung or
   * unreachable etcd surfaces as 'Unavailable' instead of a call that never
   * returns
   */
  requestTimeoutMs?: number;
}

const COMPACTED = 'required revision has been compacted';
const FUTURE = 'required revision is a future revision';

export class EtcdStorage implements Storage {
  private readonly kv: EtcdGrpc;
  private readonly dialTimeoutMs: number;
  private readonly watches = new Set<EtcdWatch>();
  private readonly leases: LeaseManager;

  constructor(opts: EtcdStorageOptions) {
    if (opts.endpoints.length === 0) throw new Error('EtcdStorage needs at least one endpoint');
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 5_000;
    this.kv = new EtcdGrpc(opts.endpoints, opts.requestTimeoutMs ?? 10_000);
    this.leases = new LeaseManager((ttl) => this.call('', () => this.kv.leaseGrant(ttl)));
  }

  /** the lease a write with these options is attached to; 0 (none) without a TTL */
  private async leaseFor(opts: PutOptions): Promise<string | number> {
    return opts.ttlSeconds !== undefined && opts.ttlSeconds > 0 ? this.leases.leaseFor(opts.ttlSeconds) : 0;
  }

  async currentRevision(): Promise<number> {
    const res = await this.call('', () => this.kv.range({ key: Buffer.from([0]), count_only: true }));
    return revisionOf(res.header);
  }

  async get(key: string): Promise<KeyValue | null> {
    const res = await this.call(key, () => this.kv.range({ key: Buffer.from(key) }));
    const kv = res.kvs[0];
    return kv ? toKeyValue(kv) : null;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const start = opts.startAfter !== undefined && opts.startAfter >= prefix ? opts.startAfter + '\0' : prefix;
    const res = await this.call(prefix, () =>
      this.kv.range({
        key: Buffer.from(start),
        range_end: prefixEnd(prefix),
        revision: opts.revision || 0,
        limit: opts.limit && opts.limit > 0 ? opts.limit : 0,
      }),
    );
    const items = res.kvs.map(toKeyValue);
    // count covers the whole requested range, the returned keys included
    const remaining = res.more ? int64(res.count) - items.length : 0;
    return { items, revision: opts.revision || revisionOf(res.header), more: res.more, remaining };
  }

  async create(key: string, value: StoredObject, opts: PutOptions = {}): Promise<number> {
    const k = Buffer.from(key);
    const lease = await this.leaseFor(opts);
    const res = await this.call(key, () =>
      this.kv.txn({
        compare: [{ key: k, target: Target.Create, result: Result.Equal, create_revision: 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(encodeValue(value)), lease } }],
        failure: [],
      }),
    );
    if (!res.succeeded) throw new StorageError('AlreadyExists', key);
    return revisionOf(res.header);
  }

  async update(key: string, value: StoredObject, expectedRevision: number, opts: PutOptions = {}): Promise<number> {
    const k = Buffer.from(key);
    const lease = await this.leaseFor(opts);
    const res = await this.call(key, () =>
      this.kv.txn({
        compare: [...exists(k), { key: k, target: Target.Mod, result: Result.Equal, mod_revision: expectedRevision }],
        success: [{ request_put: { key: k, value: Buffer.from(encodeValue(value)), lease } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) throw notFoundOrConflict(key, res.responses[0]?.response_range?.kvs[0]);
    return revisionOf(res.header);
  }

  async delete(key: string, expectedRevision?: number): Promise<{ value: StoredObject; revision: number }> {
    const k = Buffer.from(key);
    const guard =
      expectedRevision === undefined
        ? exists(k)
        : [...exists(k), { key: k, target: Target.Mod, result: Result.Equal, mod_revision: expectedRevision }];
    const res = await this.call(key, () =>
      this.kv.txn({
        compare: guard,
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) throw notFoundOrConflict(key, res.responses[0]?.response_range?.kvs[0]);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    if (!prev) throw new StorageError('NotFound', key);
    const revision = revisionOf(res.header);
    return { value: decodeValue(prev.value.toString(), revision), revision };
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): StorageWatch {
    const w = new EtcdWatch(prefix, handlers, (x) => this.watches.delete(x));
    this.watches.add(w);
    w.start(this.kv, fromRevision > 0 ? fromRevision + 1 : 0, this.dialTimeoutMs);
    return w;
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.call('', () => this.kv.compact(revision, true));
    } catch (err) {
      // compacting again at or below an earlier compaction changes nothing
      if (err instanceof StorageError && err.kind === 'Compacted') return;
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.watches].map((w) => w.close()));
    this.kv.close();
  }

  private async call<T>(key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toStorageError(err, key);
    }
  }
}

/**
 * kube-apiserver's leaseManager: granting a lease for every event would load
 * etcd with one lease per write, so a lease is granted with a little extra
 * time (5% of the TTL, at most a minute) and reused by every later write
 * whose TTL it still covers without outliving it by more than that extra.
 */
class LeaseManager {
  private prev?: { id: string; expiresAtMs: number };

  constructor(private readonly grant: (ttlSeconds: number) => Promise<string>) {}

  async leaseFor(ttlSeconds: number): Promise<string> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    const reuse = Math.min(Math.floor(ttl * 0.05), 60);
    const now = Date.now();
    const prev = this.prev;
    if (prev && now + ttl * 1000 < prev.expiresAtMs && now + (ttl + reuse) * 1000 > prev.expiresAtMs) return prev.id;
    const id = await this.grant(ttl + reuse);
    this.prev = { id, expiresAtMs: now + (ttl + reuse) * 1000 };
    return id;
  }
}

/** One etcd watch on its own gRPC stream. */
class EtcdWatch implements StorageWatch {
  private stream?: EtcdWatchStream;
  private done = false;
  private dialTimer?: NodeJS.Timeout;

  constructor(
    private readonly prefix: string,
    private readonly handlers: WatchHandlers,
    private readonly detach: (w: EtcdWatch) => void,
  ) {}

  start(kv: EtcdGrpc, startRevision: number, dialTimeoutMs: number): void {
    this.dialTimer = setTimeout(
      () => this.fail(new StorageError('Unavailable', this.prefix, `etcd watch not established within ${dialTimeoutMs} ms`)),
      dialTimeoutMs,
    );
    this.stream = kv.watch(
      { key: Buffer.from(this.prefix), range_end: prefixEnd(this.prefix), start_revision: startRevision, prev_kv: true },
      {
        onResponse: (res) => this.onResponse(res),
        onEnd: (err) => this.fail(toStorageError(err, this.prefix)),
      },
    );
  }

  async close(): Promise<void> {
    this.finish();
  }

  private onResponse(res: WatchResponseMessage): void {
    if (this.done) return;
    if (res.created) clearTimeout(this.dialTimer);
    if (res.canceled) {
      const compactRevision = int64(res.compact_revision);
      this.fail(
        compactRevision > 0
          ? new StorageError('Compacted', this.prefix, 'The resourceVersion for the provided watch is too old.', compactRevision)
          : new StorageError('Internal', this.prefix, `etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`),
      );
      return;
    }
    for (const ev of res.events) {
      if (this.done) return;
      let out: StorageEvent;
      try {
        out = toStorageEvent(ev.type, ev.kv, ev.prev_kv);
      } catch (err) {
        this.fail(toStorageError(err, ev.kv.key.toString()));
        return;
      }
      try {
        this.handlers.onEvent(out);
      } catch (err) {
        this.fail(new StorageError('Internal', out.key, `watch handler failed: ${errorMessage(err)}`));
        return;
      }
    }
  }

  private fail(err: StorageError): void {
    if (this.done) return;
    this.finish();
    this.handlers.onError(err);
  }

  private finish(): void {
    this.done = true;
    clearTimeout(this.dialTimer);
    this.detach(this);
    this.stream?.cancel();
  }
}

/** etcd's event types */
const PUT = 0;

function toStorageEvent(type: number, kv: KeyValueMessage, prev: KeyValueMessage | null | undefined): StorageEvent {
  const key = kv.key.toString();
  const modRevision = int64(kv.mod_revision);
  let ev: StorageEvent;
  if (type === PUT) {
    ev = { type: 'put', key, value: decodeValue(kv.value.toString(), modRevision), modRevision, created: int64(kv.create_revision) === modRevision };
  } else {
    if (!prev) throw new StorageError('Internal', key, `etcd sent a deletion of ${key} without its previous value`);
    ev = { type: 'delete', key, value: decodeValue(prev.value.toString(), modRevision), modRevision, created: false };
  }
  if (prev) withLazyPrevValue(ev, prev);
  return ev;
}

/**
 * prevValue decoded on first read: the watch cache has the previous value
 * already and reads it only for a deletion it did not hold, so most events
 * never need a second JSON.parse.
 */
function withLazyPrevValue(ev: StorageEvent, prev: KeyValueMessage): void {
  let decoded: StoredObject | undefined;
  Object.defineProperty(ev, 'prevValue', {
    enumerable: true,
    configurable: true,
    get: () => (decoded ??= decodeValue(prev.value.toString(), int64(prev.mod_revision))),
  });
}

function toKeyValue(kv: KeyValueMessage): KeyValue {
  const modRevision = int64(kv.mod_revision);
  return { key: kv.key.toString(), value: decodeValue(kv.value.toString(), modRevision), modRevision };
}

function exists(k: Buffer) {
  return [{ key: k, target: Target.Version, result: Result.Greater, version: 0 }];
}

function notFoundOrConflict(key: string, current: KeyValueMessage | undefined): StorageError {
  if (!current) return new StorageError('NotFound', key);
  const rev = int64(current.mod_revision);
  return new StorageError('Conflict', key, `Conflict: ${key} was modified (current revision ${rev})`, rev);
}

function revisionOf(header: ResponseHeaderMessage): number {
  return int64(header.revision as ResponseHeaderMessage['revision']);
}

/** the smallest key greater than every key with this prefix (etcd's range end for a prefix) */
export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const end = Buffer.from(b.subarray(0, i + 1));
      end[i] = b[i]! + 1;
      return end;
    }
  }
  // an all-0xff (or empty) prefix covers everything to the end of the keyspace
  return Buffer.from([0]);
}

function toStorageError(err: unknown, key: string): StorageError {
  if (err instanceof StorageError) return err;
  const message = errorMessage(err);
  if (message.includes(COMPACTED)) {
    return new StorageError('Compacted', key, 'The resourceVersion for the provided list is too old.');
  }
  if (message.includes(FUTURE)) return new StorageError('Internal', key, `etcd: ${FUTURE}`);
  if (unreachable(err)) return new StorageError('Unavailable', key, `etcd is unavailable: ${message}`);
  return new StorageError('Internal', key, `etcd: ${message}`);
}

/** transport failures (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED), as opposed to requests etcd itself rejected */
function unreachable(err: unknown): boolean {
  return err instanceof GrpcError && (err.code === 14 || err.code === 4 || err.code === 1);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
