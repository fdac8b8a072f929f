// The Endpoints controller (Kubernetes' pkg/controller/endpoint): for every
// Service with a selector, an Endpoints object of the same name listing the
// selected pods' addresses, ready ones in `addresses` and the others in
// `notReadyAddresses`, grouped by the ports they resolve to. Services
// without a selector keep whatever Endpoints their owner writes by hand; an
// Endpoints whose Service is gone is deleted. Driven by pod and service
// watch events: a pod turning ready or going away is published at once.
import type { Endpoints } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import { EventRecorder, isNamespaceTerminating, isNotFound, splitKey, type Informer, type ResourceClient, type ResourceRef } from '../../src/client/index.js';
import { errorMessage, QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
import type { PodObject } from '../replicaset/pods.js';
import {
  headlessServiceLabel,
  hasClusterIP,
  labelsEqual,
  lastChangeTriggerTimeAnnotation,
  matchesSelector,
  podEventsToServices,
  selectsPods,
  type ServiceObject,
} from './pod-endpoints.js';
import { maxEndpointsCapacity, overCapacityAnnotation, subsetsEqual, subsetsFor, truncateSubsets } from './subsets.js';
import { rfc3339Nano, TriggerTimeTracker } from './trigger-time.js';

export const endpointsControllerName = 'endpoint';

export type EndpointsObject = Endpoints & KubeObject;

export const servicesRef: ResourceRef = { group: '', version: 'v1', plural: 'services', namespaced: true };
export const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
export const endpointsRef: ResourceRef = { group: '', version: 'v1', plural: 'endpoints', namespaced: true };

/** Endpoints written by leader election (an old lock kind) carry this and are never collected. */
const leaderElectionAnnotation = 'control-plane.alpha.kubernetes.io/leader';

export interface EndpointsControllerOptions {
  /** Kubernetes' --concurrent-endpoint-syncs, 5 */
  workers?: number;
}

export class EndpointsController extends QueueController {
  readonly recorder: EventRecorder;
  private readonly services: Informer<ServiceObject>;
  private readonly pods: Informer<PodObject>;
  private readonly endpoints: Informer<EndpointsObject>;
  private readonly client: ResourceClient<EndpointsObject>;
  private readonly triggerTimes = new TriggerTimeTracker();

  constructor(ctx: ControllerContext, opts: EndpointsControllerOptions = {}) {
    super(ctx, { name: endpointsControllerName, workers: opts.workers ?? 5 });
    this.recorder = new EventRecorder(ctx.client, {
      component: 'endpoint-controller',
      involvedKind: { apiVersion: 'v1', kind: 'Endpoints' },
      log: ctx.log,
    });
    this.client = ctx.client.resource<EndpointsObject>(endpointsRef);
    this.services = this.waitsFor(ctx.informers.informerFor<ServiceObject>(servicesRef));
    this.pods = this.waitsFor(ctx.informers.informerFor<PodObject>(podsRef));
    this.endpoints = this.waitsFor(ctx.informers.informerFor<EndpointsObject>(endpointsRef));
    this.services.addEventHandler(this.enqueueHandlers());
    this.pods.addEventHandler(podEventsToServices(this.services, (key) => this.enqueueKey(key)));
    // A deleted Endpoints of a live service is written again.
    this.endpoints.addEventHandler({ onDelete: (ep) => this.enqueue(ep) });
  }

  override async start(signal: AbortSignal): Promise<void> {
    // Once at start (checkLeftoverEndpoints): Endpoints whose service went
    // away while no controller ran are found and deleted by their sync.
    // Without the signal: the informer's own stop ends this wait (resolving false).
    void this.endpoints.waitForSync().then((synced) => {
      if (!synced) return;
      for (const ep of this.endpoints.list()) {
        if (ep.metadata.annotations?.[leaderElectionAnnotation] === undefined) this.enqueue(ep);
      }
    });
    return super.start(signal);
  }

  protected async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(key);
    if (!svc) {
      // The service is gone: so are its endpoints.
      this.triggerTimes.forget(namespace, name);
      if (!this.endpoints.get(key)) return;
      try {
        await this.client.delete(namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (!selectsPods(svc)) return;

    const pods = this.pods.list(namespace).filter((pod) => matchesSelector(svc, pod));
    const trigger = this.triggerTimes.compute(svc, pods);
    const triggerTime = trigger.time;
    const subsets = subsetsFor(svc, pods);
    const current = this.endpoints.get(key);
    const currentLabels = { ...(current?.metadata.labels ?? {}) };
    delete currentLabels[headlessServiceLabel];
    if (
      current &&
      subsetsEqual(current.subsets, subsets) &&
      labelsEqual(currentLabels, svc.metadata.labels) &&
      capacityAnnotationCorrect(current)
    ) {
      trigger.commit();
      return;
    }

    const next: EndpointsObject = current
      ? structuredClone(current)
      : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } };
    next.subsets = subsets;
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
    if (hasClusterIP(svc)) delete labels[headlessServiceLabel];
    else labels[headlessServiceLabel] = '';
    next.metadata.labels = labels;
    const annotations: Record<string, string> = { ...(next.metadata.annotations ?? {}) };
    if (triggerTime !== undefined) annotations[lastChangeTriggerTimeAnnotation] = rfc3339Nano(triggerTime);
    else delete annotations[lastChangeTriggerTimeAnnotation];
    if (truncateSubsets(subsets)) annotations[overCapacityAnnotation] = 'truncated';
    else delete annotations[overCapacityAnnotation];
    next.metadata.annotations = annotations;
    if (next.subsets.length === 0) delete next.subsets;

    try {
      if (current) await this.client.update(namespace, next);
      else await this.client.create(namespace, next);
      trigger.commit();
    } catch (err) {
      // A namespace being deleted refuses new objects; nothing to publish there any more.
      if (!current && isNamespaceTerminating(err)) return;
      if (current) this.recorder.event(next, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${key}: ${errorMessage(err)}`);
      else this.recorder.event(next, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${key}: ${errorMessage(err)}`);
      throw err;
    }
  }
}

/** Whether the over-capacity annotation says what the subsets are: set only while over capacity. */
function capacityAnnotationCorrect(ep: EndpointsObject): boolean {
  let n = 0;
  for (const s of ep.subsets ?? []) n += (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0);
  if (n > maxEndpointsCapacity) return false;
  return ep.metadata.annotations?.[overCapacityAnnotation] === undefined;
}

export function endpointsController(opts: EndpointsControllerOptions = {}): ControllerDescriptor {
  return { name: endpointsControllerName, init: (ctx) => new EndpointsController(ctx, opts) };
}
