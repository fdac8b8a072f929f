// The EndpointSlice controller (Kubernetes' pkg/controller/endpointslice):
// for every Service with a selector, discovery.k8s.io/v1 EndpointSlices
// labelled kubernetes.io/service-name and managed-by
// endpointslice-controller.k8s.io, owned by the Service (the garbage
// collector removes them with it), listing each selected pod with its
// ready/serving/terminating conditions, node, zone and ports, at most
// maxEndpointsPerSlice per slice, rewritten as little as possible.
import type { Node } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import { isNamespaceTerminating, isNotFound, splitKey, type Informer, type ResourceClient, type ResourceRef } from '../../src/client/index.js';
import { QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
import type { PodObject } from '../replicaset/pods.js';
import {
  lastChangeTriggerTimeAnnotation,
  matchesSelector,
  podEventsToServices,
  selectsPods,
  type ServiceObject,
} from '../endpoints/pod-endpoints.js';
import { rfc3339Nano, TriggerTimeTracker } from '../endpoints/trigger-time.js';
import { podsRef, servicesRef } from '../endpoints/controller.js';
import {
  controllerName,
  defaultMaxEndpointsPerSlice,
  desiredEndpoints,
  managedByLabel,
  planSlices,
  serviceNameLabel,
  type EndpointSliceObject,
} from './reconciler.js';
import { EndpointSliceTracker } from './tracker.js';

export const endpointSliceControllerName = 'endpointslice';

export const endpointSlicesRef: ResourceRef = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true };
export const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };

type NodeObject = Node & KubeObject;

export interface EndpointSliceControllerOptions {
  /** Kubernetes' --concurrent-service-endpoint-syncs, 5 */
  workers?: number;
  /** Kubernetes' --max-endpoints-per-slice, 100 */
  maxEndpointsPerSlice?: number;
}

/** The cache still lacks this controller's own latest writes; the sync is retried with backoff. */
export class StaleCacheError extends Error {
  constructor(key: string) {
    super(`EndpointSlice informer cache is out of date for service ${key}`);
    this.name = 'StaleCacheError';
  }
}

export class EndpointSliceController extends QueueController {
  readonly tracker = new EndpointSliceTracker();
  private readonly services: Informer<ServiceObject>;
  private readonly pods: Informer<PodObject>;
  private readonly slices: Informer<EndpointSliceObject>;
  private readonly nodes: Informer<NodeObject>;
  private readonly client: ResourceClient<EndpointSliceObject>;
  private readonly triggerTimes = new TriggerTimeTracker();
  private readonly maxPerSlice: number;
  /** services that left out pods on nodes not seen yet, by node name */
  private readonly waitingForNode = new Map<string, Set<string>>();

  constructor(ctx: ControllerContext, opts: EndpointSliceControllerOptions = {}) {
    super(ctx, { name: endpointSliceControllerName, workers: opts.workers ?? 5 });
    this.maxPerSlice = opts.maxEndpointsPerSlice ?? defaultMaxEndpointsPerSlice;
    this.client = ctx.client.resource<EndpointSliceObject>(endpointSlicesRef);
    this.services = this.waitsFor(ctx.informers.informerFor<ServiceObject>(servicesRef));
    this.pods = this.waitsFor(ctx.informers.informerFor<PodObject>(podsRef));
    this.slices = this.waitsFor(ctx.informers.informerFor<EndpointSliceObject>(endpointSlicesRef));
    this.nodes = this.waitsFor(ctx.informers.informerFor<NodeObject>(nodesRef));
    this.services.addEventHandler(this.enqueueHandlers());
    this.pods.addEventHandler(podEventsToServices(this.services, (key) => this.enqueueKey(key)));
    this.slices.addEventHandler({
      onAdd: (s) => this.sliceAdded(s),
      onUpdate: (old, cur) => this.sliceUpdated(old, cur),
      onDelete: (s) => this.sliceDeleted(s),
    });
    this.nodes.addEventHandler({ onAdd: (node) => this.nodeAdded(node) });
  }

  private serviceKeyOf(slice: EndpointSliceObject): string | undefined {
    const name = slice.metadata.labels?.[serviceNameLabel];
    return name ? `${slice.metadata.namespace ?? ''}/${name}` : undefined;
  }

  private managed(slice: EndpointSliceObject): boolean {
    return slice.metadata.labels?.[managedByLabel] === controllerName;
  }

  private sliceAdded(slice: EndpointSliceObject): void {
    const key = this.serviceKeyOf(slice);
    if (key && this.managed(slice) && this.tracker.shouldSync(key, slice)) this.enqueueKey(key);
  }

  private sliceUpdated(old: EndpointSliceObject, cur: EndpointSliceObject): void {
    const oldKey = this.serviceKeyOf(old);
    const key = this.serviceKeyOf(cur);
    if (oldKey !== key) {
      // Someone moved the slice to another service: both need a look.
      if (oldKey) this.enqueueKey(oldKey);
      if (key) this.enqueueKey(key);
      return;
    }
    if (!key) return;
    if (this.managed(old) !== this.managed(cur) || (this.managed(cur) && this.tracker.shouldSync(key, cur))) this.enqueueKey(key);
  }

  private sliceDeleted(slice: EndpointSliceObject): void {
    const key = this.serviceKeyOf(slice);
    if (!key || !this.managed(slice) || !this.tracker.has(key, slice)) return;
    // A slice deleted by someone else is written again.
    if (!this.tracker.handleDeletion(key, slice)) this.enqueueKey(key);
  }

  private nodeAdded(node: NodeObject): void {
    const waiting = this.waitingForNode.get(node.metadata.name ?? '');
    if (!waiting) return;
    this.waitingForNode.delete(node.metadata.name ?? '');
    for (const key of waiting) this.enqueueKey(key);
  }

  protected async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(key);
    if (!svc) {
      // The slices go with the service through their owner reference.
      this.triggerTimes.forget(namespace, name);
      this.tracker.forgetService(key);
      return;
    }
    if (!selectsPods(svc)) return;

    const pods = this.pods.list(namespace).filter((pod) => matchesSelector(svc, pod));
    const slices = this.slices
      .list(namespace)
      .filter((s) => s.metadata.labels?.[serviceNameLabel] === name && this.managed(s) && !s.metadata.deletionTimestamp);
    if (this.tracker.stale(key, slices)) throw new StaleCacheError(key);

    const trigger = this.triggerTimes.compute(svc, pods);
    const triggerTime = trigger.time;
    const desired = desiredEndpoints(svc, pods, (n) => this.nodes.get(n));
    for (const nodeName of desired.missingNodes) {
      const set = this.waitingForNode.get(nodeName) ?? new Set<string>();
      set.add(key);
      this.waitingForNode.set(nodeName, set);
    }
    const plan = planSlices(svc, desired, slices, this.maxPerSlice);
    const annotate = (slice: EndpointSliceObject): EndpointSliceObject => {
      const annotations = { ...(slice.metadata.annotations ?? {}) };
      if (triggerTime !== undefined) annotations[lastChangeTriggerTimeAnnotation] = rfc3339Nano(triggerTime);
      else delete annotations[lastChangeTriggerTimeAnnotation];
      slice.metadata.annotations = annotations;
      return slice;
    };

    // No new slices for a service on its way out: the collector would race them.
    if (!svc.metadata.deletionTimestamp) {
      for (const slice of plan.create) {
        try {
          this.tracker.written(key, await this.client.create(namespace, annotate(slice)));
        } catch (err) {
          if (isNamespaceTerminating(err)) return;
          throw err;
        }
      }
    }
    for (const slice of plan.update) {
      this.tracker.written(key, await this.client.update(namespace, annotate(slice)));
    }
    for (const slice of plan.delete) {
      // Expected before asking: the deletion may be watched before the answer arrives.
      this.tracker.expectDeletion(key, slice);
      try {
        await this.client.delete(namespace, slice.metadata.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    trigger.commit();
  }
}

export function endpointSliceController(opts: EndpointSliceControllerOptions = {}): ControllerDescriptor {
  return { name: endpointSliceControllerName, init: (ctx) => new EndpointSliceController(ctx, opts) };
}
