// The namespace controller (Kubernetes' namespace lifecycle): a namespace
// being deleted is emptied of everything in it, then released by removing
// the "kubernetes" finalizer, after which the apiserver lets it go.
import type { Namespace } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  type Informer,
  type ResourceRef,
} from '../../src/client/index.js';
import { QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
import { NamespacedResourcesDeleter, ResourcesRemainingError, type DiscoverResources } from './deleter.js';

export const namespaceControllerName = 'namespace';

const namespacesRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };

export interface NamespaceControllerOptions {
  /** namespaces emptied in parallel; Kubernetes' --concurrent-namespace-syncs, 10 */
  workers?: number;
  /**
   * How long after seeing a deletion to start emptying: time for every
   * apiserver to observe it and refuse new content, and for creations that
   * raced with it to land where the deletion will find them. 5 s, as Kubernetes.
   */
  deletionDelayMs?: number;
  /** every namespace is looked at again this often; Kubernetes' --namespace-sync-period, 5 min */
  resyncPeriodMs?: number;
  /** which resources to empty; the resource table by default */
  discoverResources?: DiscoverResources;
}

type NamespaceObject = Namespace & KubeObject;

/**
 * Retries that never wait longer than a minute, so a namespace stuck on
 * content that cannot go yet is looked at again soon after it can.
 */
function namespaceRateLimiter(ctx: ControllerContext): MaxOfRateLimiter<string> {
  return new MaxOfRateLimiter<string>(
    new ItemExponentialFailureRateLimiter<string>(5, 60_000),
    new BucketRateLimiter<string>(10, 100, ctx.clock),
  );
}

export class NamespaceController extends QueueController {
  private readonly namespaces: Informer<NamespaceObject>;
  private readonly deleter: NamespacedResourcesDeleter;

  constructor(ctx: ControllerContext, opts: NamespaceControllerOptions = {}) {
    super(ctx, { name: namespaceControllerName, workers: opts.workers ?? 10, rateLimiter: namespaceRateLimiter(ctx) });
    this.deleter = new NamespacedResourcesDeleter({
      client: ctx.client,
      ...(opts.discoverResources ? { discoverResources: opts.discoverResources } : {}),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
    });
    const delay = opts.deletionDelayMs ?? 5_000;
    this.namespaces = this.waitsFor(ctx.informers.informerFor<NamespaceObject>(namespacesRef));
    const enqueueIfDeleting = (ns: NamespaceObject): void => {
      if (ns.metadata.deletionTimestamp) this.enqueueAfter(ns, delay);
    };
    this.namespaces.addEventHandler(
      { onAdd: enqueueIfDeleting, onUpdate: (_old, ns) => enqueueIfDeleting(ns) },
      { resyncPeriodMs: opts.resyncPeriodMs ?? 5 * 60_000 },
    );
  }

  protected async sync(key: string): Promise<SyncResult> {
    const ns = this.namespaces.get(key);
    if (!ns) return;
    try {
      await this.deleter.delete(ns.metadata.name ?? key);
    } catch (err) {
      if (!(err instanceof ResourcesRemainingError)) throw err;
      const waitSeconds = Math.floor(err.estimateSeconds / 2) + 1;
      this.log.debug({ namespace: key, waitSeconds }, 'content remaining in namespace');
      return { requeueAfterMs: waitSeconds * 1000 };
    }
  }
}

export function namespaceController(opts: NamespaceControllerOptions = {}): ControllerDescriptor {
  return { name: namespaceControllerName, init: (ctx) => new NamespaceController(ctx, opts) };
}
