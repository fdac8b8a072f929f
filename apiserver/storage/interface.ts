// The one storage interface the registry is written against. Two backends
// implement it with identical semantics (etcd.ts, memory.ts) and both pass the
// shared conformance suite (conformance.ts). Values are opaque JSON objects;
// revisions are etcd revisions (a global, monotonically increasing counter),
// and an object's resourceVersion is the revision that last modified it.
//
// resourceVersion is never stored: a backend writes values without
// metadata.resourceVersion (encodeValue) and sets it to String(modRevision) on
// every value it returns, from get, list, delete and watch events
// (decodeValue). Returned values may be shared, by the watch cache in
// particular, so callers treat them as immutable and clone before changing.

export type StoredObject = Record<string, unknown>;

export interface KeyValue {
  key: string;
  value: StoredObject;
  /** revision of the last modification of this key (becomes metadata.resourceVersion) */
  modRevision: number;
}

export interface ListOptions {
  /** read as of this revision (0 or undefined = latest). Older than the compacted revision -> StorageError 'Compacted'. */
  revision?: number;
  /** at most this many items (0 or undefined = all) */
  limit?: number;
  /** start strictly after this key (paging); must be under the prefix */
  startAfter?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** the revision the list was read at */
  revision: number;
  /** true when a limit cut the list and more keys remain under the prefix */
  more: boolean;
  /** how many keys remain after the returned ones (when more is true), if known */
  remaining?: number;
}

export interface PutOptions {
  /**
   * delete the key this many seconds after this write (an etcd lease), as
   * kube-apiserver stores events under --event-ttl; a later write without
   * one keeps the key for good
   */
  ttlSeconds?: number;
}

export type WatchEventType = 'put' | 'delete';

export interface StorageEvent {
  type: WatchEventType;
  key: string;
  /**
   * the new value for 'put'; the last value before deletion for 'delete',
   * whose resourceVersion is then the deletion revision (as Kubernetes sends
   * a DELETED object)
   */
  value: StoredObject;
  /** the previous value, when there was one, with its own resourceVersion */
  prevValue?: StoredObject;
  /** the revision of this event (for delete: the deletion revision) */
  modRevision: number;
  /** true when a 'put' created the key */
  created: boolean;
}

export interface StorageWatch {
  /** stops the watch; no callbacks after it resolves */
  close(): Promise<void>;
}

export interface WatchHandlers {
  /** called for each event, in revision order */
  onEvent(ev: StorageEvent): void;
  /**
   * called once when the watch cannot continue; afterwards nothing else is
   * delivered. err.kind === 'Compacted' when the start revision is compacted.
   */
  onError(err: StorageError): void;
}

export type StorageErrorKind = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Compacted' | 'Unavailable' | 'Internal';

export class StorageError extends Error {
  constructor(
    readonly kind: StorageErrorKind,
    readonly key: string,
    message?: string,
    /** for Conflict: the key's current modRevision (0 if it does not exist); for Compacted: the compacted revision */
    readonly revision = 0,
  ) {
    super(message ?? `${kind}: ${key}`);
    this.name = 'StorageError';
  }
}

export interface Storage {
  /** the current revision of the whole store */
  currentRevision(): Promise<number>;
  /** one key, or null when absent */
  get(key: string): Promise<KeyValue | null>;
  /** keys under prefix (a prefix ends with '/'), in key order */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** create key; StorageError 'AlreadyExists' when present. Returns the new modRevision. */
  create(key: string, value: StoredObject, opts?: PutOptions): Promise<number>;
  /**
   * replace key only if its modRevision is still expectedRevision;
   * StorageError 'Conflict' (with the current revision) otherwise, 'NotFound' when absent.
   */
  update(key: string, value: StoredObject, expectedRevision: number, opts?: PutOptions): Promise<number>;
  /**
   * delete key; when expectedRevision is given, only if unchanged ('Conflict' otherwise).
   * 'NotFound' when absent. Returns the deleted value and the deletion revision;
   * the value's resourceVersion is the deletion revision.
   */
  delete(key: string, expectedRevision?: number): Promise<{ value: StoredObject; revision: number }>;
  /**
   * events for keys under prefix with revision > fromRevision, in order,
   * delivered asynchronously (never from inside this call).
   * fromRevision 0 means "from now": only changes made after the watch is
   * established, as etcd does for start revision 0.
   * fromRevision older than the compacted revision -> onError(Compacted).
   */
  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): StorageWatch;
  /**
   * discard history before revision: afterwards reads at an older revision and
   * watches from an older revision fail with 'Compacted'. Compacting at or
   * below an earlier compaction is a no-op.
   */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

/** The bytes a backend stores for value: its JSON without metadata.resourceVersion. */
export function encodeValue(value: StoredObject): string {
  const meta = value.metadata;
  if (!isPlainObject(meta) || !('resourceVersion' in meta)) return JSON.stringify(value);
  const { resourceVersion: _dropped, ...rest } = meta;
  return JSON.stringify({ ...value, metadata: rest });
}

/** A stored value as readers see it: parsed, with metadata.resourceVersion = String(revision). */
export function decodeValue(json: string, revision: number): StoredObject {
  const parsed: unknown = JSON.parse(json);
  if (!isPlainObject(parsed)) throw new StorageError('Internal', '', `stored value is not a JSON object: ${json.slice(0, 80)}`);
  if (isPlainObject(parsed.metadata)) parsed.metadata.resourceVersion = String(revision);
  return parsed;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
