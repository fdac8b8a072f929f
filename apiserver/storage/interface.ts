// The one storage interface the registry is written against. Two backends
// implement it with identical semantics (etcd.ts, memory.ts) and both pass the
// shared conformance suite (conformance.ts). Values are opaque JSON objects;
// revisions are etcd revisions (a global, monotonically increasing counter),
// and an object's resourceVersion is the revision that last modified it.

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

export type WatchEventType = 'put' | 'delete';

export interface StorageEvent {
  type: WatchEventType;
  key: string;
  /** the new value for 'put'; the last value before deletion for 'delete' */
  value: StoredObject;
  /** the previous value, when there was one */
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
  create(key: string, value: StoredObject): Promise<number>;
  /**
   * replace key only if its modRevision is still expectedRevision;
   * StorageError 'Conflict' (with the current revision) otherwise, 'NotFound' when absent.
   */
  update(key: string, value: StoredObject, expectedRevision: number): Promise<number>;
  /**
   * delete key; when expectedRevision is given, only if unchanged ('Conflict' otherwise).
   * 'NotFound' when absent. Returns the deleted value and the deletion revision.
   */
  delete(key: string, expectedRevision?: number): Promise<{ value: StoredObject; revision: number }>;
  /**
   * events for keys under prefix with revision > fromRevision, in order.
   * fromRevision older than the compacted revision -> onError(Compacted).
   */
  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): StorageWatch;
  /** discard history up to and including revision */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
