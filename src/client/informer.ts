// Informers: a reflector feeding an indexed Store, with add/update/delete
// handlers and periodic resync (client-go's SharedIndexInformer), and a
// factory that hands out one informer per resource and scope so every loop
// in a process reads the same cache.
import type { KubeObject } from '../api/meta.js';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import { formatSelector } from './paths.js';
import { listerWatcherFor, Reflector, type ListerWatcher, type ListWatchScope, type ReflectorOptions } from './reflector.js';
import type { ResourceRef, RestClient } from './rest.js';
import { metaNamespaceIndexFunc, namespaceIndex, Store, type Indexers, type ReflectorStore } from './store.js';

export { metaNamespaceKey, splitKey } from './store.js';

export interface EventHandlers<T> {
  onAdd?(obj: T): void | Promise<void>;
  /** also called with (obj, obj) on resync, and for objects still present after a relist */
  onUpdate?(oldObj: T, newObj: T): void | Promise<void>;
  /** receives the object's final state, or the last one known when the deletion was missed and found by a relist */
  onDelete?(obj: T): void | Promise<void>;
}

export interface InformerOptions<T extends KubeObject> extends ListWatchScope, ReflectorOptions {
  /** how often every handler is re-told about every object (onUpdate(obj, obj)); 0 = never */
  resyncPeriodMs?: number;
  /** extra indexes; a "namespace" index is always present */
  indexers?: Indexers<T>;
  /** a custom source instead of the REST client's list and watch */
  listerWatcher?: ListerWatcher<T>;
  /** told of handler failures and of errors the reflector recovers from; defaults to stderr */
  onError?: (err: unknown) => void;
}

interface Registration<T> {
  handlers: EventHandlers<T>;
  resyncPeriodMs: number;
  timer?: TimerHandle;
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly store: Store<T>;
  private readonly reflector: Reflector<T>;
  private readonly registrations = new Set<Registration<T>>();
  private readonly clock: Clock;
  private synced = false;
  private started = false;
  private stopped = false;
  private syncWaiters: (() => void)[] = [];
  private readonly onError: (err: unknown) => void;

  constructor(
    client: RestClient | undefined,
    readonly resource: ResourceRef,
    private readonly opts: InformerOptions<T> = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.onError =
      opts.onError ??
      ((err) => {
        process.stderr.write(`informer ${resource.plural}: ${err instanceof Error ? err.message : String(err)}\n`);
      });
    this.store = new Store<T>({ [namespaceIndex]: metaNamespaceIndexFunc, ...opts.indexers });
    let lw = opts.listerWatcher;
    if (!lw) {
      if (!client) throw new Error('an informer needs a client or a listerWatcher');
      lw = listerWatcherFor<T>(client, resource, opts);
    }
    this.reflector = new Reflector<T>(lw, this.sink(), {
      ...opts,
      name: opts.name ?? `informer ${resource.plural}`,
      onError: this.onError,
    });
  }

  /** Registers handlers; if the cache is already filled they are told of every object as an add. Returns an unregister function. */
  addEventHandler(handlers: EventHandlers<T>, opts: { resyncPeriodMs?: number } = {}): () => void {
    const reg: Registration<T> = { handlers, resyncPeriodMs: opts.resyncPeriodMs ?? this.opts.resyncPeriodMs ?? 0 };
    this.registrations.add(reg);
    if (this.synced) for (const obj of this.store.list()) this.call(() => handlers.onAdd?.(obj));
    if (this.started && !this.stopped) this.armResync(reg);
    return () => {
      this.registrations.delete(reg);
      if (reg.timer) this.clock.clearTimeout(reg.timer);
    };
  }

  onAdd(fn: (obj: T) => void | Promise<void>): () => void {
    return this.addEventHandler({ onAdd: fn });
  }

  onUpdate(fn: (oldObj: T, newObj: T) => void | Promise<void>): () => void {
    return this.addEventHandler({ onUpdate: fn });
  }

  onDelete(fn: (obj: T) => void | Promise<void>): () => void {
    return this.addEventHandler({ onDelete: fn });
  }

  addIndexers(indexers: Indexers<T>): void {
    this.store.addIndexers(indexers);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  /** Every cached object, or those of one namespace. */
  list(namespace?: string): T[] {
    return namespace === undefined ? this.store.list() : this.store.byIndex(namespaceIndex, namespace);
  }

  byIndex(indexName: string, value: string): T[] {
    return this.store.byIndex(indexName, value);
  }

  /** True once the first list has been applied to the cache and handed to the handlers. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced; false if the signal aborts or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (v: boolean): void => {
        signal?.removeEventListener('abort', onAbort);
        this.syncWaiters = this.syncWaiters.filter((w) => w !== onSync);
        resolve(v);
      };
      const onSync = (): void => done(this.synced);
      const onAbort = (): void => done(false);
      this.syncWaiters.push(onSync);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion();
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const reg of this.registrations) this.armResync(reg);
    void this.reflector.run();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reflector.stop();
    for (const reg of this.registrations) if (reg.timer) this.clock.clearTimeout(reg.timer);
    for (const w of [...this.syncWaiters]) w();
  }

  get isStarted(): boolean {
    return this.started;
  }

  private armResync(reg: Registration<T>): void {
    if (reg.resyncPeriodMs <= 0) return;
    reg.timer = this.clock.setTimeout(() => {
      if (this.stopped || !this.registrations.has(reg)) return;
      if (this.synced) for (const obj of this.store.list()) this.call(() => reg.handlers.onUpdate?.(obj, obj));
      this.armResync(reg);
    }, reg.resyncPeriodMs);
  }

  private call(fn: () => void | Promise<void>): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch(this.onError);
    } catch (err) {
      this.onError(err);
    }
  }

  private notifyAdd(obj: T): void {
    for (const { handlers } of this.registrations) this.call(() => handlers.onAdd?.(obj));
  }

  private notifyUpdate(oldObj: T, newObj: T): void {
    for (const { handlers } of this.registrations) this.call(() => handlers.onUpdate?.(oldObj, newObj));
  }

  private notifyDelete(obj: T): void {
    for (const { handlers } of this.registrations) this.call(() => handlers.onDelete?.(obj));
  }

  /** The reflector's view of the store: every change also reaches the handlers. */
  private sink(): ReflectorStore<T> {
    const upsert = (obj: T): void => {
      const old = this.store.add(obj);
      if (old) this.notifyUpdate(old, obj);
      else this.notifyAdd(obj);
    };
    return {
      add: upsert,
      update: upsert,
      delete: (obj) => {
        // a deletion of something never seen tells the handlers nothing (as client-go's DeltaFIFO)
        if (this.store.delete(obj)) this.notifyDelete(obj);
      },
      replace: (items, resourceVersion) => {
        const previous = new Map(this.store.listKeys().map((k) => [k, this.store.get(k)!] as const));
        this.store.replace(items, resourceVersion);
        for (const obj of items) {
          const key = this.store.keyFunc(obj);
          const old = previous.get(key);
          previous.delete(key);
          if (old) this.notifyUpdate(old, obj);
          else this.notifyAdd(obj);
        }
        for (const gone of previous.values()) this.notifyDelete(gone);
        if (!this.synced) {
          this.synced = true;
          for (const w of [...this.syncWaiters]) w();
        }
      },
    };
  }
}

export interface InformerScope {
  namespace?: string;
  labelSelector?: ListWatchScope['labelSelector'];
  fieldSelector?: ListWatchScope['fieldSelector'];
}

export interface SharedInformerFactoryOptions extends ReflectorOptions {
  /** default resync for informers handed out; 0 = none */
  defaultResyncMs?: number;
  /** default namespace scope for informers handed out; all namespaces when absent */
  namespace?: string;
  onError?: (err: unknown) => void;
}

/** One informer per resource and scope, shared by every loop that asks for it. */
export class SharedInformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private started = false;

  constructor(
    readonly client: RestClient,
    private readonly opts: SharedInformerFactoryOptions = {},
  ) {}

  informerFor<T extends KubeObject = KubeObject>(
    resource: ResourceRef,
    scope: InformerScope & { resyncPeriodMs?: number; indexers?: Indexers<T> } = {},
  ): Informer<T> {
    const namespace = resource.namespaced ? (scope.namespace ?? this.opts.namespace) : undefined;
    const labelSelector = formatSelector(scope.labelSelector);
    const fieldSelector = formatSelector(scope.fieldSelector);
    const key = [resource.group, resource.version, resource.plural, namespace ?? '', labelSelector ?? '', fieldSelector ?? ''].join('|');
    let inf = this.informers.get(key) as Informer<T> | undefined;
    if (!inf) {
      const { resyncPeriodMs, indexers } = scope;
      const { defaultResyncMs, namespace: _ns, ...reflectorOpts } = this.opts;
      inf = new Informer<T>(this.client, resource, {
        ...reflectorOpts,
        resyncPeriodMs: resyncPeriodMs ?? defaultResyncMs ?? 0,
        ...(namespace !== undefined ? { namespace } : {}),
        ...(labelSelector !== undefined ? { labelSelector } : {}),
        ...(fieldSelector !== undefined ? { fieldSelector } : {}),
      });
      if (indexers) inf.addIndexers(indexers);
      this.informers.set(key, inf as unknown as Informer<KubeObject>);
      if (this.started) inf.start();
    } else if (scope.indexers) {
      const missing = Object.entries(scope.indexers).filter(([name]) => !inf!.store.hasIndexer(name));
      if (missing.length) inf.addIndexers(Object.fromEntries(missing));
    }
    return inf;
  }

  /** Starts every informer handed out so far, and any handed out later. */
  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  /** Resolves true when every informer handed out has synced; false if aborted first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  shutdown(): void {
    for (const inf of this.informers.values()) inf.stop();
  }
}
