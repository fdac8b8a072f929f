// Emptying a terminating namespace, as Kubernetes' namespaced resources
// deleter does it: mark it Terminating, delete every namespaced resource in
// it (deletecollection where the resource has it, one by one otherwise),
// check what is left, report it in status conditions, and remove the
// "kubernetes" finalizer through namespaces/{name}/finalize only once nothing
// is left. Content is read with live API calls, never from a cache: the
// finalizer must not go while something the cache has not seen yet remains.
import type { Namespace, Pod } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import { allResources } from '../../src/api/resources.js';
import { apiVersionOf } from '../../src/api/resource.js';
import { StatusError } from '../../src/api/status.js';
import { isConflict, isNotFound, realClock, type Clock, type ResourceRef, type RestClient } from '../../src/client/index.js';
import { errorMessage } from '../controller.js';
import { NamespaceConditionUpdater, type RemainingContent } from './conditions.js';

export const finalizerToken = 'kubernetes';

/** Kubernetes' default wait when what remains has finalizers of its own (garbage collection, usually). */
export const finalizerEstimateSeconds = 15;

const namespacesRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };
const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };

/** One resource of a discovery document (metav1.APIResource, the part used here). */
export interface DiscoveredResource {
  name: string;
  namespaced: boolean;
  verbs: string[];
}

/** One group version of a discovery document (metav1.APIResourceList). */
export interface DiscoveredGroupVersion {
  groupVersion: string;
  resources: DiscoveredResource[];
}

/** What discovery found; error set when part of it failed (what was found is still used). */
export interface DiscoveryResult {
  lists: DiscoveredGroupVersion[];
  error?: Error;
}

export type DiscoverResources = () => Promise<DiscoveryResult>;

/**
 * The namespaced resources this build serves, one version per resource (the
 * first the table lists, as discovery's preferred version), as the
 * apiserver's discovery lists them.
 */
export const tableDiscovery: DiscoverResources = async () => {
  const byGroupVersion = new Map<string, DiscoveredResource[]>();
  const seen = new Set<string>();
  for (const r of allResources) {
    if (!r.namespaced) continue;
    const groupResource = `${r.plural}.${r.group}`;
    if (seen.has(groupResource)) continue;
    seen.add(groupResource);
    const gv = apiVersionOf(r);
    let list = byGroupVersion.get(gv);
    if (!list) byGroupVersion.set(gv, (list = []));
    list.push({ name: r.plural, namespaced: true, verbs: r.verbs });
  }
  return { lists: [...byGroupVersion].map(([groupVersion, resources]) => ({ groupVersion, resources })) };
};

/** Go's schema.ParseGroupVersion. */
export function parseGroupVersion(gv: string): { group: string; version: string } {
  if (gv === '' || gv === '/') return { group: '', version: '' };
  const parts = gv.split('/');
  if (parts.length === 1) return { group: '', version: parts[0]! };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  throw new Error(`unexpected GroupVersion string: ${gv}`);
}

interface Gvr {
  group: string;
  version: string;
  resource: string;
  verbs: Set<string>;
}

/** Go's GroupVersionResource.String(), which error messages carry. */
const gvrString = (g: Gvr): string => `${g.group}/${g.version}, Resource=${g.resource}`;
const refOf = (g: Gvr): ResourceRef => ({ group: g.group, version: g.version, plural: g.resource, namespaced: true });

/** Go's utilerrors.NewAggregate(...).Error(): one message alone, several de-duplicated in brackets. */
export function aggregateMessage(messages: string[]): string {
  const unique = [...new Set(messages)];
  if (unique.length === 1) return unique[0]!;
  return `[${unique.join(', ')}]`;
}

/** Content is still going away (gracefully terminating pods, finalizers): look again after about estimate/2 seconds. */
export class ResourcesRemainingError extends Error {
  constructor(readonly estimateSeconds: number) {
    super(`some content remains in the namespace, estimate ${estimateSeconds} seconds before it is removed`);
    this.name = 'ResourcesRemainingError';
  }
}

const isMethodNotSupported = (err: unknown): boolean =>
  err instanceof StatusError && (err.code === 405 || err.reason === 'MethodNotAllowed');

interface GvrDeletion {
  /** how much longer (s) remaining content may legitimately take; 0 = none expected */
  estimate: number;
  numRemaining: number;
  finalizers: Map<string, number>;
  error?: string;
}

export interface NamespacedResourcesDeleterOptions {
  client: RestClient;
  discoverResources?: DiscoverResources;
  clock?: Clock;
}

export class NamespacedResourcesDeleter {
  private readonly client: RestClient;
  private readonly discover: DiscoverResources;
  private readonly clock: Clock;
  /** operations the server answered 404/405 to, by "verb gvr" */
  private readonly unsupported = new Set<string>();

  constructor(opts: NamespacedResourcesDeleterOptions) {
    this.client = opts.client;
    this.discover = opts.discoverResources ?? tableDiscovery;
    this.clock = opts.clock ?? realClock;
  }

  private get namespaces() {
    return this.client.resource<Namespace & KubeObject>(namespacesRef);
  }

  /**
   * Empties and finalizes the namespace if it is being deleted. Throws
   * ResourcesRemainingError while content is still going away, and any
   * other error when something failed; callers call again until it returns.
   */
  async delete(name: string): Promise<void> {
    let ns: Namespace & KubeObject;
    try {
      ns = await this.namespaces.get(undefined, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata.deletionTimestamp) return;
    try {
      ns = await this.retryOnConflict(ns, (n) => this.markTerminating(n));
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata.deletionTimestamp) return;
    if ((ns.spec?.finalizers ?? []).length === 0) return;

    const { estimate, namespace } = await this.deleteAllContent(ns);
    if (estimate > 0) throw new ResourcesRemainingError(estimate);

    try {
      await this.retryOnConflict(namespace, (n) => this.finalize(n));
    } catch (err) {
      // Another deleter sharing the token finished first.
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /** Runs fn, and on a conflict re-reads the namespace and runs it again (unless it was re-created meanwhile). */
  private async retryOnConflict(
    ns: Namespace & KubeObject,
    fn: (ns: Namespace & KubeObject) => Promise<Namespace & KubeObject>,
  ): Promise<Namespace & KubeObject> {
    let latest = ns;
    for (;;) {
      try {
        return await fn(latest);
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
      const previous = latest;
      latest = await this.namespaces.get(undefined, previous.metadata.name!);
      if (latest.metadata.uid !== previous.metadata.uid) throw new Error('namespace uid has changed across retries');
    }
  }

  private async markTerminating(ns: Namespace & KubeObject): Promise<Namespace & KubeObject> {
    if (!ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return ns;
    const next = structuredClone(ns);
    next.status = { ...next.status, phase: 'Terminating' };
    return this.namespaces.updateStatus(undefined, next);
  }

  private async finalize(ns: Namespace & KubeObject): Promise<Namespace & KubeObject> {
    const finalizers = [...new Set((ns.spec?.finalizers ?? []).filter((f) => f !== finalizerToken))].sort();
    const body = { apiVersion: 'v1', kind: 'Namespace', metadata: ns.metadata, spec: { ...ns.spec, finalizers } };
    try {
      return await this.namespaces.updateSubresource<Namespace & KubeObject>(undefined, ns.metadata.name!, 'finalize', body);
    } catch (err) {
      if (isNotFound(err)) return ns;
      throw err;
    }
  }

  /**
   * Deletes every deletable namespaced resource in the namespace and updates
   * its conditions. Returns the longest estimate (s) of any resource still
   * going away, and the namespace as last written. Throws when something
   * failed, after every resource has been tried.
   */
  private async deleteAllContent(ns: Namespace & KubeObject): Promise<{ estimate: number; namespace: Namespace & KubeObject }> {
    const name = ns.metadata.name!;
    const deletedAt = Date.parse(ns.metadata.deletionTimestamp!);
    const conditions = new NamespaceConditionUpdater(() => this.clock.now());
    const errs: string[] = [];

    let lists: DiscoveredGroupVersion[] = [];
    try {
      const found = await this.discover();
      lists = found.lists;
      if (found.error) {
        errs.push(found.error.message);
        conditions.processDiscoverResourcesErr(found.error.message);
      }
    } catch (err) {
      errs.push(errorMessage(err));
      conditions.processDiscoverResourcesErr(errorMessage(err));
    }

    const gvrs: Gvr[] = [];
    const parseErrors: string[] = [];
    for (const list of lists) {
      const deletable = list.resources.filter(
        (r) => r.namespaced && !r.name.includes('/') && (r.verbs.includes('delete') || r.verbs.includes('deletecollection')),
      );
      if (deletable.length === 0) continue;
      let gv: { group: string; version: string };
      try {
        gv = parseGroupVersion(list.groupVersion);
      } catch (err) {
        parseErrors.push(errorMessage(err));
        continue;
      }
      for (const r of deletable) gvrs.push({ ...gv, resource: r.name, verbs: new Set(r.verbs) });
    }
    if (parseErrors.length > 0) {
      const msg = aggregateMessage(parseErrors);
      errs.push(msg);
      conditions.processGroupVersionErr(msg);
    }

    let estimate = 0;
    const remaining: RemainingContent = { byResource: new Map(), byFinalizer: new Map() };
    for (const gvr of gvrs) {
      const result = await this.deleteAllContentFor(gvr, name, deletedAt);
      if (result.error !== undefined) {
        errs.push(result.error);
        conditions.processDeleteContentErr(result.error);
      }
      estimate = Math.max(estimate, result.estimate);
      if (result.numRemaining > 0) {
        remaining.byResource.set(`${gvr.resource}.${gvr.group}`, result.numRemaining);
        for (const [f, n] of result.finalizers) {
          if (n > 0) remaining.byFinalizer.set(f, (remaining.byFinalizer.get(f) ?? 0) + n);
        }
      }
    }
    conditions.processContentTotals(remaining);

    let namespace = ns;
    const updated = structuredClone(ns);
    updated.status ??= {};
    if (conditions.update(updated.status)) {
      try {
        namespace = await this.namespaces.updateStatus(undefined, updated);
      } catch {
        // The next pass writes the conditions again; failing to report must not stop the deletion.
      }
    }
    if (errs.length > 0) throw new Error(aggregateMessage(errs));
    return { estimate, namespace };
  }

  private async deleteAllContentFor(gvr: Gvr, namespace: string, deletedAt: number): Promise<GvrDeletion> {
    let estimate: number;
    try {
      estimate = await this.estimateGracefulTermination(gvr, namespace, deletedAt);
    } catch (err) {
      return { estimate: 0, numRemaining: 0, finalizers: new Map(), error: errorMessage(err) };
    }
    const partial = (err: unknown): GvrDeletion => ({ estimate, numRemaining: 0, finalizers: new Map(), error: errorMessage(err) });

    try {
      if (!(await this.deleteCollection(gvr, namespace))) await this.deleteEachItem(gvr, namespace);
    } catch (err) {
      return partial(err);
    }

    let items: KubeObject[] | undefined;
    try {
      items = await this.listCollection(gvr, namespace);
    } catch (err) {
      return partial(err);
    }
    if (items === undefined || items.length === 0) return { estimate: items === undefined ? estimate : 0, numRemaining: 0, finalizers: new Map() };

    const finalizers = new Map<string, number>();
    for (const item of items) for (const f of item.metadata.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
    if (estimate !== 0) return { estimate, numRemaining: items.length, finalizers };
    // Finalizers are a normal reason to wait (garbage collection, usually).
    if (finalizers.size > 0) return { estimate: finalizerEstimateSeconds, numRemaining: items.length, finalizers };
    return {
      estimate,
      numRemaining: items.length,
      finalizers,
      error: `unexpected items still remain in namespace: ${namespace} for gvr: ${gvrString(gvr)}`,
    };
  }

  /**
   * How long (s) content of this resource may still take to go: for pods, the
   * longest grace period of those not finished, counted from the namespace's
   * deletion. Past it, pods that remain are reported as a failure (their
   * kubelet is gone and nothing confirms their end), and still waited for.
   */
  private async estimateGracefulTermination(gvr: Gvr, namespace: string, deletedAt: number): Promise<number> {
    if (gvr.group !== '' || gvr.resource !== 'pods') return 0;
    const pods = await this.client.resource<Pod & KubeObject>(podsRef).list(namespace);
    let estimate = 0;
    for (const pod of pods.items) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const grace = pod.spec?.terminationGracePeriodSeconds;
      if (typeof grace === 'number' && grace > estimate) estimate = grace;
    }
    const elapsedMs = this.clock.now() - (Number.isFinite(deletedAt) ? deletedAt : 0);
    return elapsedMs >= estimate * 1000 ? 0 : estimate;
  }

  private supports(gvr: Gvr, verb: 'list' | 'deletecollection'): boolean {
    return gvr.verbs.has(verb) && !this.unsupported.has(`${verb} ${gvrString(gvr)}`);
  }

  /** Some discovered resources answer 404 rather than 405 for verbs they lack: remember either. */
  private markUnsupported(gvr: Gvr, verb: 'list' | 'deletecollection'): void {
    this.unsupported.add(`${verb} ${gvrString(gvr)}`);
  }

  /** False when the resource has no deletecollection; throws when it has one that failed. */
  private async deleteCollection(gvr: Gvr, namespace: string): Promise<boolean> {
    if (!this.supports(gvr, 'deletecollection')) return false;
    try {
      // Background: the garbage collector must not add the orphan finalizer; everything here goes anyway.
      await this.client.resource(refOf(gvr)).deleteCollection(namespace, { propagationPolicy: 'Background' });
      return true;
    } catch (err) {
      if (isMethodNotSupported(err) || isNotFound(err)) {
        this.markUnsupported(gvr, 'deletecollection');
        return false;
      }
      throw err;
    }
  }

  /** The objects of the resource in the namespace; undefined when the resource cannot be listed. */
  private async listCollection(gvr: Gvr, namespace: string): Promise<KubeObject[] | undefined> {
    if (!this.supports(gvr, 'list')) return undefined;
    try {
      return (await this.client.resource(refOf(gvr)).list(namespace)).items;
    } catch (err) {
      if (isMethodNotSupported(err) || isNotFound(err)) {
        this.markUnsupported(gvr, 'list');
        return undefined;
      }
      throw err;
    }
  }

  private async deleteEachItem(gvr: Gvr, namespace: string): Promise<void> {
    const items = await this.listCollection(gvr, namespace);
    if (!items) return;
    const rc = this.client.resource(refOf(gvr));
    for (const item of items) {
      try {
        await rc.delete(namespace, item.metadata.name!, { propagationPolicy: 'Background' });
      } catch (err) {
        if (!isNotFound(err) && !isMethodNotSupported(err)) throw err;
      }
    }
  }
}
