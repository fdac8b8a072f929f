// The one generic store every resource is served through (Kubernetes'
// genericregistry.Store): create, get, list, update, patch, delete,
// deletecollection and watch over the storage interface and the resource's
// watch cache, with per-resource behaviour coming from its Strategy and its
// ResourceInfo (defaults, validation).
import { randomUUID } from 'node:crypto';
import type { KubeObject, WatchEventType } from '../../src/api/meta.js';
import { apiVersionOf, type ResourceInfo } from '../../src/api/resource.js';
import { errors, StatusError, type Status } from '../../src/api/status.js';
import { toStatusCauses } from '../../src/api/validation/field.js';
import { generateName } from '../../src/machinery/names.js';
import { parseSelector, type Selector } from '../../src/machinery/labels.js';
import { convertFieldSelector, objectFields, parseFieldSelector, type FieldSelector } from '../../src/machinery/fields.js';
import { StorageError, type KeyValue, type Storage } from '../storage/interface.js';
import type { CacheEntry, Cacher, CacheEvent } from '../storage/cacher.js';
import type { Strategy } from './strategy.js';
import { decodeContinue, encodeContinue } from './continue.js';
import type { Allocation } from './service-allocations.js';

export interface ListParams {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KubeObject[];
  /** the same items serialized, when served from the watch cache */
  itemsJson?: string[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WriteOptions {
  dryRun?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface WatchParams {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface OutgoingWatchEvent {
  type: WatchEventType;
  object: KubeObject | Status;
}

export type NamespaceState = 'Active' | 'Terminating' | 'Missing';

export interface StoreDeps {
  storage: Storage;
  cacher: Cacher;
  strategy: Strategy;
  /** the namespace lifecycle check for creates into a namespace */
  namespaceState(ns: string): Promise<NamespaceState>;
  now?: () => Date;
}

const MAX_CONFLICT_RETRIES = 8;

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

type Rec = Record<string, unknown>;

function specOf(obj: KubeObject): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') out[k] = v;
  }
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a as Rec).filter((k) => (a as Rec)[k] !== undefined);
  const bk = Object.keys(b as Rec).filter((k) => (b as Rec)[k] !== undefined);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => deepEqual((a as Rec)[k], (b as Rec)[k]));
}

export class ResourceStore {
  readonly storage: Storage;
  readonly cacher: Cacher;
  readonly strategy: Strategy;
  private readonly now: () => Date;

  constructor(
    readonly info: ResourceInfo,
    private readonly deps: StoreDeps,
  ) {
    this.storage = deps.storage;
    this.cacher = deps.cacher;
    this.strategy = deps.strategy;
    this.now = deps.now ?? (() => new Date());
  }

  get resourcePrefix(): string {
    return `/registry/${this.info.plural}/`;
  }

  prefix(ns?: string): string {
    return this.info.namespaced && ns ? `${this.resourcePrefix}${ns}/` : this.resourcePrefix;
  }

  key(ns: string | undefined, name: string): string {
    return this.info.namespaced ? `${this.resourcePrefix}${ns}/${name}` : `${this.resourcePrefix}${name}`;
  }

  private notFound(name: string): StatusError {
    return errors.notFound(this.info.plural, this.info.group, name);
  }

  private conflict(name: string): StatusError {
    return errors.conflict(
      this.info.plural,
      this.info.group,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }

  private invalid(obj: KubeObject, errs: ReturnType<ResourceInfo['validate']>): StatusError {
    return errors.invalid(this.info.kind, this.info.group, obj.metadata.name ?? '', toStatusCauses(errs));
  }

  private mapStorageError(err: unknown, name: string): unknown {
    if (!(err instanceof StorageError)) return err;
    switch (err.kind) {
      case 'NotFound':
        return this.notFound(name);
      case 'AlreadyExists':
        return errors.alreadyExists(this.info.plural, this.info.group, name);
      case 'Conflict':
        return this.conflict(name);
      case 'Compacted':
        return errors.gone(err.message);
      case 'Unavailable':
        return errors.unavailable(`storage is unavailable: ${err.message}`);
      default:
        return errors.internal(err.message);
    }
  }

  private setTypeMeta(obj: KubeObject): void {
    obj.apiVersion = apiVersionOf(this.info);
    obj.kind = this.info.kind;
  }

  // ---- create ----

  /** Creates the object; the store takes ownership of `obj` (callers pass a freshly decoded one) and returns it as stored. */
  async create(ns: string | undefined, obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    this.setTypeMeta(obj);
    const meta = obj.metadata;
    if (this.info.namespaced) {
      if (!ns) throw errors.badRequest('the namespace of the object must be set');
      if (meta.namespace && meta.namespace !== ns) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = ns;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    if (!meta.name) {
      throw errors.invalid(this.info.kind, this.info.group, '', [
        { reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' },
      ]);
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (this.strategy.trackGeneration) meta.generation = 1;
    else delete meta.generation;
    this.strategy.prepareForCreate(obj);
    this.info.defaults(obj);
    const errs = this.info.validate(obj);
    if (errs.length > 0) throw this.invalid(obj, errs);
    if (this.info.namespaced && ns) await this.checkNamespaceForCreate(ns, meta.name);
    if (opts.dryRun) return obj;
    const allocation = await this.strategy.allocateForCreate?.(obj);
    try {
      const rev = await this.storage.create(this.key(ns, meta.name), obj);
      meta.resourceVersion = String(rev);
      return obj;
    } catch (err) {
      await allocation?.undo();
      throw this.mapStorageError(err, meta.name);
    }
  }

  private async checkNamespaceForCreate(ns: string, name: string): Promise<void> {
    const state = await this.deps.namespaceState(ns);
    if (state === 'Missing') throw errors.notFound('namespaces', '', ns);
    if (state === 'Terminating' && !(this.info.group === '' && this.info.plural === 'events')) {
      const message = `unable to create new content in namespace ${ns} because it is being terminated`;
      const err = errors.forbidden(this.info.plural, this.info.group, name, message);
      // the cause clients (controllers) recognise, as Kubernetes' NamespaceLifecycle admission sets it
      if (err.details) err.details.causes = [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }];
      throw err;
    }
  }

  // ---- get / list ----

  /** the stored object, read from etcd (a consistent read), or 404 */
  private async read(key: string, name: string): Promise<KeyValue> {
    let kv: KeyValue | null;
    try {
      kv = await this.storage.get(key);
    } catch (err) {
      throw this.mapStorageError(err, name);
    }
    if (!kv) throw this.notFound(name);
    return kv;
  }

  async get(ns: string | undefined, name: string): Promise<KubeObject> {
    const kv = await this.read(this.key(ns, name), name);
    return structuredClone(kv.value) as KubeObject;
  }

  private compileSelectors(p: { labelSelector?: string; fieldSelector?: string }): {
    label?: Selector;
    field?: FieldSelector;
  } {
    let label: Selector | undefined;
    let field: FieldSelector | undefined;
    try {
      if (p.labelSelector) label = parseSelector(p.labelSelector);
    } catch (err) {
      throw errors.badRequest((err as Error).message);
    }
    try {
      if (p.fieldSelector) field = convertFieldSelector(this.info.plural, parseFieldSelector(p.fieldSelector));
    } catch (err) {
      throw errors.badRequest((err as Error).message);
    }
    return { label, field };
  }

  /**
   * Cached objects are immutable and shared by every watcher, so an object's
   * selectable fields are computed once, however many watchers filter it.
   */
  private readonly fieldsOf = new WeakMap<object, Record<string, string>>();

  private matcher(sel: { label?: Selector; field?: FieldSelector }): (obj: KubeObject) => boolean {
    const { label, field } = sel;
    if (!label && !field) return () => true;
    return (obj) => {
      if (label && !label.matches(obj.metadata.labels ?? {})) return false;
      if (field) {
        let fields = this.fieldsOf.get(obj);
        if (!fields) {
          fields = objectFields(this.info.plural, obj);
          this.fieldsOf.set(obj, fields);
        }
        if (!field.matches(fields)) return false;
      }
      return true;
    };
  }

  async list(ns: string | undefined, p: ListParams = {}): Promise<ListResult> {
    const sel = this.compileSelectors(p);
    const match = this.matcher(sel);
    const hasSelector = Boolean(sel.label || sel.field);
    const rv = p.resourceVersion;
    if (p.continue) return this.listFromStorage(ns, p, match, hasSelector);
    if (rv === undefined || rv === '' || p.resourceVersionMatch === 'Exact') {
      return this.listFromStorage(ns, p, match, hasSelector);
    }
    const minRev = Number(rv);
    if (!Number.isInteger(minRev) || minRev < 0) {
      throw errors.badRequest(`invalid resource version: ${rv}`);
    }
    if (minRev > 0) await this.cacher.waitUntilFresh(minRev);
    const snap = this.cacher.list();
    const prefix = this.prefix(ns);
    const items: KubeObject[] = [];
    const itemsJson: string[] = [];
    for (const entry of snap.items) {
      if (!entry.key.startsWith(prefix)) continue;
      const obj = entry.value as KubeObject;
      if (!match(obj)) continue;
      items.push(obj);
      itemsJson.push(entry.json);
    }
    return { items, itemsJson, resourceVersion: String(snap.revision) };
  }

  private async listFromStorage(
    ns: string | undefined,
    p: ListParams,
    match: (o: KubeObject) => boolean,
    hasSelector: boolean,
  ): Promise<ListResult> {
    const prefix = this.prefix(ns);
    const limit = p.limit && p.limit > 0 ? p.limit : 0;
    let revision = 0;
    let startAfter: string | undefined;
    if (p.continue) {
      const tok = decodeContinue(p.continue, prefix);
      revision = tok.rv;
      startAfter = tok.startAfter;
    } else if (p.resourceVersionMatch === 'Exact' && p.resourceVersion) {
      revision = Number(p.resourceVersion);
    }
    const items: KubeObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    let remaining: number | undefined;
    try {
      for (;;) {
        const page = await this.storage.list(prefix, {
          revision: revision || undefined,
          limit: limit ? Math.max(limit - items.length, hasSelector ? 100 : 0) : undefined,
          startAfter,
        });
        if (!revision) revision = page.revision;
        for (const kv of page.items) {
          lastKey = kv.key;
          const obj = kv.value as KubeObject;
          if (match(obj)) items.push(structuredClone(obj));
          if (limit && items.length >= limit) break;
        }
        const consumedAll = lastKey === page.items.at(-1)?.key;
        more = page.more || !consumedAll;
        remaining = page.remaining !== undefined && consumedAll ? page.remaining : undefined;
        if (!limit || items.length >= limit || !page.more) break;
        startAfter = lastKey;
      }
    } catch (err) {
      if (err instanceof StorageError && err.kind === 'Compacted' && p.continue) {
        throw errors.gone(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      throw this.mapStorageError(err, '');
    }
    const result: ListResult = { items, resourceVersion: String(revision) };
    if (limit && more && lastKey) {
      result.continue = encodeContinue(revision, lastKey, prefix);
      if (!hasSelector && remaining !== undefined) result.remainingItemCount = remaining;
    }
    return result;
  }

  // ---- update / patch ----

  /**
   * Read-modify-write with optimistic concurrency: tryUpdate gets a private
   * copy of the current object and returns the desired one. Retries on
   * conflict unless the caller pinned a resourceVersion.
   */
  async guaranteedUpdate(
    ns: string | undefined,
    name: string,
    tryUpdate: (current: KubeObject) => KubeObject,
    opts: WriteOptions & {
      subresource?: 'status';
      pinnedRV?: string;
      /** a server-internal write (binding, finalize): no strategy, defaults or validation */
      raw?: boolean;
    } = {},
  ): Promise<KubeObject> {
    const key = this.key(ns, name);
    // As Kubernetes' GuaranteedUpdate with the watch cache's copy: the first
    // attempt starts from the cached object, saving a read; whatever that
    // attempt decides (a failed precondition, a no-op, a conflict) is only
    // trusted once it has been confirmed against a fresh read from storage.
    let kv: KeyValue | undefined = this.cacher.ready ? this.cacher.get(key) : undefined;
    let fromCache = kv !== undefined;
    const refresh = (): boolean => {
      const was = fromCache;
      fromCache = false;
      return was;
    };
    for (let conflicts = 0; ; ) {
      if (!kv) kv = await this.read(key, name);
      const current: KeyValue = kv;
      kv = undefined;
      const old = current.value as KubeObject;
      let next: KubeObject;
      let prepared: KubeObject;
      let pinned: string | undefined;
      try {
        next = tryUpdate(copyOf(current));
        pinned = opts.pinnedRV ?? next.metadata.resourceVersion;
        if (pinned && pinned !== String(current.modRevision)) throw this.conflict(name);
        prepared = this.prepareUpdate(next, old, opts.subresource, opts.raw);
      } catch (err) {
        if (refresh()) continue;
        throw err;
      }
      if (deepEqual(prepared, old)) {
        if (refresh()) continue;
        return copyOf(current);
      }
      if (opts.dryRun) return prepared;
      let allocation: Allocation | undefined;
      try {
        // As Kubernetes' shouldDeleteDuringUpdate: the last finalizer going deletes the object, but
        // an object still inside its grace period (a terminating pod) stays until its deleter confirms.
        const inGrace = (old.metadata.deletionGracePeriodSeconds ?? 0) > 0;
        if (prepared.metadata.deletionTimestamp && !inGrace && this.strategy.canFinalize(prepared)) {
          const res = await this.storage.delete(key, current.modRevision);
          const gone = res.value as KubeObject;
          await this.strategy.releaseForDelete?.(gone);
          return structuredClone(gone);
        }
        if (!opts.raw) allocation = await this.strategy.allocateForUpdate?.(prepared, old);
        const rev = await this.storage.update(key, prepared, current.modRevision);
        prepared.metadata.resourceVersion = String(rev);
        await allocation?.commit();
        return prepared;
      } catch (err) {
        await allocation?.undo();
        const stale = err instanceof StorageError && (err.kind === 'Conflict' || err.kind === 'NotFound');
        if (stale && refresh()) continue;
        const retry = err instanceof StorageError && err.kind === 'Conflict' && !pinned;
        if (retry && conflicts++ < MAX_CONFLICT_RETRIES) continue;
        throw this.mapStorageError(err, name);
      }
    }
  }

  private prepareUpdate(input: KubeObject, old: KubeObject, subresource?: 'status', raw = false): KubeObject {
    // A raw write's tryUpdate changes the private copy it was given; others may share parts with the request.
    const next = raw ? input : structuredClone(input);
    this.setTypeMeta(next);
    const meta = next.metadata;
    const om = old.metadata;
    if (meta.name !== undefined && meta.name !== om.name) {
      throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${om.name})`);
    }
    if (this.info.namespaced && meta.namespace !== undefined && meta.namespace !== om.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.name = om.name;
    if (this.info.namespaced) meta.namespace = om.namespace;
    meta.uid = om.uid;
    meta.creationTimestamp = om.creationTimestamp;
    if (om.deletionTimestamp) meta.deletionTimestamp = om.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (om.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    meta.resourceVersion = om.resourceVersion;
    delete meta.selfLink;
    if (om.deletionTimestamp) {
      const before = new Set(om.finalizers ?? []);
      const added = (meta.finalizers ?? []).filter((f) => !before.has(f));
      if (added.length > 0) {
        throw errors.invalid(this.info.kind, this.info.group, om.name ?? '', [
          {
            reason: 'FieldValueForbidden',
            field: 'metadata.finalizers',
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
          },
        ]);
      }
    }
    if (meta.finalizers && meta.finalizers.length === 0) delete meta.finalizers;
    if (raw) return next;
    if (subresource === 'status') this.strategy.prepareForStatusUpdate(next, old);
    else this.strategy.prepareForUpdate(next, old);
    this.info.defaults(next);
    if (this.strategy.trackGeneration) {
      const gen = om.generation ?? 1;
      meta.generation = deepEqual(specOf(next), specOf(old)) ? gen : gen + 1;
    } else if (om.generation !== undefined) {
      meta.generation = om.generation;
    } else {
      delete meta.generation;
    }
    const errs =
      subresource === 'status' && this.strategy.validateStatusUpdate
        ? this.strategy.validateStatusUpdate(next, old)
        : this.info.validate(next, old);
    if (errs.length > 0) throw this.invalid(next, errs);
    return next;
  }

  async update(
    ns: string | undefined,
    name: string,
    input: KubeObject,
    opts: WriteOptions & { subresource?: 'status' } = {},
  ): Promise<KubeObject> {
    // prepareUpdate copies what tryUpdate returns before changing it, so every attempt may start from the input itself
    return this.guaranteedUpdate(ns, name, () => input, {
      ...opts,
      pinnedRV: input.metadata.resourceVersion || undefined,
    });
  }

  // ---- delete ----

  async delete(
    ns: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const key = this.key(ns, name);
      const kv = await this.read(key, name);
      const current = kv.value as KubeObject;
      this.checkPreconditions(current, opts.preconditions);
      const next = structuredClone(current);
      const meta = next.metadata;
      const now = rfc3339(this.now());
      let changed = false;
      const addFinalizer = (f: string) => {
        const list = meta.finalizers ?? [];
        if (!list.includes(f)) {
          meta.finalizers = [...list, f];
          changed = true;
        }
      };
      const removeFinalizer = (f: string) => {
        if (meta.finalizers?.includes(f)) {
          meta.finalizers = meta.finalizers.filter((x) => x !== f);
          if (meta.finalizers.length === 0) delete meta.finalizers;
          changed = true;
        }
      };
      if (opts.propagationPolicy === 'Foreground') {
        addFinalizer('foregroundDeletion');
        removeFinalizer('orphan');
      } else if (opts.propagationPolicy === 'Orphan') {
        addFinalizer('orphan');
        removeFinalizer('foregroundDeletion');
      } else if (opts.propagationPolicy === 'Background') {
        removeFinalizer('orphan');
        removeFinalizer('foregroundDeletion');
      }
      const grace = this.strategy.checkGracefulDelete(current, opts.gracePeriodSeconds);
      let keep: KubeObject | undefined;
      if (grace.graceful) {
        const deadline = new Date(this.now().getTime() + grace.gracePeriodSeconds * 1000);
        if (meta.deletionGracePeriodSeconds !== grace.gracePeriodSeconds || !meta.deletionTimestamp) {
          meta.deletionTimestamp = rfc3339(deadline);
          meta.deletionGracePeriodSeconds = grace.gracePeriodSeconds;
          changed = true;
        }
        keep = next;
      } else if ((meta.finalizers ?? []).length > 0) {
        if (!meta.deletionTimestamp) {
          meta.deletionTimestamp = now;
          meta.deletionGracePeriodSeconds = 0;
          changed = true;
        }
        keep = next;
      } else {
        keep = this.strategy.beforeDelete?.(next, now);
        if (keep) changed = !deepEqual(keep, current);
      }
      if (opts.dryRun) return { object: keep ?? structuredClone(current), deleted: !keep };
      try {
        if (keep) {
          if (!changed) return { object: structuredClone(current), deleted: false };
          const rev = await this.storage.update(key, keep, kv.modRevision);
          keep.metadata.resourceVersion = String(rev);
          return { object: keep, deleted: false };
        }
        const res = await this.storage.delete(key, kv.modRevision);
        await this.strategy.releaseForDelete?.(res.value as KubeObject);
        return { object: structuredClone(res.value) as KubeObject, deleted: true };
      } catch (err) {
        if (err instanceof StorageError && err.kind === 'Conflict' && attempt < MAX_CONFLICT_RETRIES) continue;
        throw this.mapStorageError(err, name);
      }
    }
  }

  private checkPreconditions(obj: KubeObject, pre: DeleteOptions['preconditions']): void {
    if (!pre) return;
    const name = obj.metadata.name ?? '';
    if (pre.uid && pre.uid !== obj.metadata.uid) {
      throw errors.conflict(
        this.info.plural,
        this.info.group,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`,
      );
    }
    if (pre.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
      throw errors.conflict(
        this.info.plural,
        this.info.group,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`,
      );
    }
  }

  async deleteCollection(ns: string | undefined, p: ListParams, opts: DeleteOptions): Promise<KubeObject[]> {
    const listed = await this.list(ns, { labelSelector: p.labelSelector, fieldSelector: p.fieldSelector });
    const out: KubeObject[] = [];
    for (const item of listed.items) {
      try {
        const res = await this.delete(item.metadata.namespace, item.metadata.name ?? '', opts);
        out.push(res.object);
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) continue;
        throw err;
      }
    }
    return out;
  }

  // ---- watch ----

  /**
   * Streams events from the watch cache, translated for the request's
   * namespace and selectors: an object that starts matching arrives as
   * ADDED, one that stops matching as DELETED, as Kubernetes does.
   * Returns a function that stops the watch.
   */
  watch(
    ns: string | undefined,
    p: WatchParams,
    send: (ev: OutgoingWatchEvent, json?: string) => void | Promise<unknown>,
    onClose: (err?: StatusError) => void,
  ): () => void {
    const sel = this.compileSelectors(p);
    const match = this.matcher(sel);
    const prefix = this.prefix(ns);
    const rv = p.resourceVersion;
    let from: number | undefined;
    if (rv !== undefined && rv !== '' && rv !== '0') {
      from = Number(rv);
      if (!Number.isInteger(from) || from < 0) throw errors.badRequest(`invalid resource version: ${rv}`);
    }
    const handler = (ev: CacheEvent): void | Promise<unknown> => {
      if (!ev.key.startsWith(prefix)) return;
      const obj = ev.object as KubeObject;
      if (ev.type === 'DELETED') {
        return match(obj) ? send({ type: 'DELETED', object: obj }, ev.json) : undefined;
      }
      const now = match(obj);
      if (ev.type === 'ADDED') return now ? send({ type: 'ADDED', object: obj }, ev.json) : undefined;
      const before = ev.prevObject ? match(ev.prevObject as KubeObject) : false;
      if (now && before) return send({ type: 'MODIFIED', object: obj }, ev.json);
      if (now) return send({ type: 'ADDED', object: obj }, ev.json);
      if (before) return send({ type: 'DELETED', object: obj }, ev.json);
      return undefined;
    };
    const closeWith = (err?: unknown) => {
      if (err === undefined) return onClose();
      const mapped = this.mapStorageError(err, '');
      onClose(mapped instanceof StatusError ? mapped : errors.internal(String(mapped)));
    };
    try {
      const w = this.cacher.watch(from, handler, closeWith);
      return () => w.stop();
    } catch (err) {
      const mapped = this.mapStorageError(err, '');
      throw mapped;
    }
  }
}

/**
 * A private deep copy of a stored object. The watch cache keeps each object's
 * JSON, and parsing it is several times cheaper than structuredClone for the
 * same object (a binding or status update copies the current pod once).
 */
function copyOf(kv: KeyValue): KubeObject {
  const json = (kv as Partial<CacheEntry>).json;
  return (json !== undefined ? JSON.parse(json) : structuredClone(kv.value)) as KubeObject;
}
