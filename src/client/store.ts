// The indexed object cache behind an informer (client-go's cache.Indexer):
// objects by key (`namespace/name`, or `name` when cluster-scoped) plus any
// number of secondary indexes (by namespace, by node, by owner...).
// Objects handed out are the cache's own: treat them as read-only.
import type { KubeObject } from '../api/meta.js';

export type KeyFunc<T> = (obj: T) => string;
/** The index values an object is filed under; undefined/null entries are skipped. */
export type IndexFunc<T> = (obj: T) => readonly (string | undefined | null)[];
export type Indexers<T> = Record<string, IndexFunc<T>>;

/** client-go's MetaNamespaceKeyFunc: "namespace/name", or "name" for cluster-scoped objects. */
export function metaNamespaceKey(obj: { metadata: { namespace?: string; name?: string } }): string {
  const name = obj.metadata.name ?? '';
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${name}` : name;
}

/** The inverse of metaNamespaceKey; namespace is '' for a cluster-scoped key. */
export function splitKey(key: string): { namespace: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { namespace: '', name: parts[0]! };
  if (parts.length === 2) return { namespace: parts[0]!, name: parts[1]! };
  throw new Error(`unexpected key format: "${key}"`);
}

export const namespaceIndex = 'namespace';
export const metaNamespaceIndexFunc = (obj: KubeObject): string[] => [obj.metadata.namespace ?? ''];

/** What a reflector writes into. */
export interface ReflectorStore<T> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
  /** the full contents as of resourceVersion; keys not in items are gone */
  replace(items: T[], resourceVersion: string): void;
}

export class Store<T extends KubeObject = KubeObject> implements ReflectorStore<T> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name -> index value -> keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private lastResourceVersion = '';

  constructor(
    indexers: Indexers<T> = {},
    readonly keyFunc: KeyFunc<T> = metaNamespaceKey,
  ) {
    this.addIndexers(indexers);
  }

  /** Adds indexes; existing objects are indexed at once. Re-defining an index is an error. */
  addIndexers(indexers: Indexers<T>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) throw new Error(`indexer conflict: ${name}`);
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) this.indexInto(index, fn, key, obj);
    }
  }

  hasIndexer(name: string): boolean {
    return this.indexers.has(name);
  }

  /** Inserts or replaces; returns the object it replaced. */
  add(obj: T): T | undefined {
    const key = this.keyFunc(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) this.indexInto(this.indices.get(name)!, fn, key, obj);
    return old;
  }

  update(obj: T): T | undefined {
    return this.add(obj);
  }

  /** Removes the object with obj's key; returns what was stored. */
  delete(obj: T): T | undefined {
    return this.deleteKey(this.keyFunc(obj));
  }

  deleteKey(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  replace(items: T[], resourceVersion: string): void {
    this.items.clear();
    for (const index of this.indices.values()) index.clear();
    for (const obj of items) this.add(obj);
    this.lastResourceVersion = resourceVersion;
  }

  /** The resourceVersion of the last full replace. */
  get resourceVersion(): string {
    return this.lastResourceVersion;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  /** The stored object with the same key as obj. */
  getFor(obj: T): T | undefined {
    return this.items.get(this.keyFunc(obj));
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Objects filed under value in the named index. */
  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((k) => this.items.get(k)!);
  }

  indexKeys(indexName: string, value: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index with name ${indexName} does not exist`);
    return [...(index.get(value) ?? [])];
  }

  /** The values present in the named index. */
  indexValues(indexName: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index with name ${indexName} does not exist`);
    return [...index.keys()];
  }

  /** Objects sharing any index value with obj (client-go's Index). */
  index(indexName: string, obj: T): T[] {
    const fn = this.indexers.get(indexName);
    if (!fn) throw new Error(`index with name ${indexName} does not exist`);
    const keys = new Set<string>();
    for (const v of fn(obj)) if (v !== undefined && v !== null) for (const k of this.indexKeys(indexName, v)) keys.add(k);
    return [...keys].map((k) => this.items.get(k)!);
  }

  private indexInto(index: Map<string, Set<string>>, fn: IndexFunc<T>, key: string, obj: T): void {
    for (const v of fn(obj)) {
      if (v === undefined || v === null) continue;
      let keys = index.get(v);
      if (!keys) index.set(v, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      for (const v of fn(obj)) {
        if (v === undefined || v === null) continue;
        const keys = index.get(v);
        if (!keys) continue;
        keys.delete(key);
        if (keys.size === 0) index.delete(v);
      }
    }
  }
}
