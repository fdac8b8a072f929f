// The ReplicaSet controller (Kubernetes' pkg/controller/replicaset): keeps
// spec.replicas active pods matching the selector, adopting orphans that
// match and releasing pods that stop matching; creates in slow-start batches
// and deletes the pods least worth keeping; waits to observe its own
// creations and deletions (expectations) before counting again; reports
// counts and the ReplicaFailure condition in status.
import type { KubeObject } from '../../src/api/meta.js';
import { isNotFound, type Informer, type ResourceClient, type ResourceRef } from '../../src/client/index.js';
import { QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
import {
  claimObjects,
  controllerUidIndex,
  controllerUidIndexFunc,
  getControllerOf,
  newControllerRef,
  ownerSelector,
  ownersSelecting,
  recheckOwner,
  resolveControllerRef,
} from '../common/controller-ref.js';
import { EventRecorder } from '../../src/client/events.js';
import { ControllerExpectations } from '../common/expectations.js';
import { PodControl } from '../common/pod-control.js';
import {
  availableAtMs,
  isPodActive,
  isPodReady,
  podFromTemplate,
  podsToDelete,
  type PodObject,
} from './pods.js';
import { calculateStatus, statusNeedsUpdate, type ReplicaSetObject } from './status.js';

export const replicaSetControllerName = 'replicaset';
/** Kubernetes' BurstReplicas: at most this many creations or deletions per sync. */
export const burstReplicas = 500;

export const replicaSetsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true };
export const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const replicaSetKind = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };

export interface ReplicaSetControllerOptions {
  /** Kubernetes' --concurrent-replicaset-syncs, 5 */
  workers?: number;
  burstReplicas?: number;
  now?: () => number;
}

export class ReplicaSetController extends QueueController {
  readonly expectations: ControllerExpectations;
  readonly recorder: EventRecorder;
  private readonly replicaSets: Informer<ReplicaSetObject>;
  private readonly pods: Informer<PodObject>;
  private readonly rsClient: ResourceClient<ReplicaSetObject>;
  private readonly podClient: ResourceClient<PodObject>;
  private readonly podControl: PodControl;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(ctx: ControllerContext, opts: ReplicaSetControllerOptions = {}) {
    super(ctx, { name: replicaSetControllerName, workers: opts.workers ?? 5 });
    this.now = opts.now ?? Date.now;
    this.burst = opts.burstReplicas ?? burstReplicas;
    this.expectations = new ControllerExpectations(this.now);
    this.recorder = new EventRecorder(ctx.client, { component: 'replicaset-controller', involvedKind: replicaSetKind, log: ctx.log, now: this.now });
    this.rsClient = ctx.client.resource<ReplicaSetObject>(replicaSetsRef);
    this.podClient = ctx.client.resource<PodObject>(podsRef);
    this.podControl = new PodControl(this.podClient, this.recorder, this.expectations);
    this.replicaSets = this.waitsFor(ctx.informers.informerFor<ReplicaSetObject>(replicaSetsRef));
    this.pods = this.waitsFor(
      ctx.informers.informerFor<PodObject>(podsRef, { indexers: { [controllerUidIndex]: controllerUidIndexFunc } }),
    );
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (_old, rs) => this.enqueue(rs),
      onDelete: (rs) => {
        this.expectations.forget(this.keyOf(rs));
        this.enqueue(rs);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (pod) => this.deletePod(pod),
    });
  }

  private keyOf(obj: KubeObject): string {
    return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
  }

  private resolve(namespace: string | undefined, ref: ReturnType<typeof getControllerOf>): ReplicaSetObject | undefined {
    return resolveControllerRef(this.replicaSets, 'ReplicaSet', namespace, ref);
  }

  private addPod(pod: PodObject): void {
    if (pod.metadata.deletionTimestamp) {
      // Seen for the first time already terminating (after a relist): count it as the deletion it is.
      this.deletePod(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const rs = this.resolve(pod.metadata.namespace, ref);
      if (!rs) return;
      this.expectations.creationObserved(this.keyOf(rs));
      this.enqueue(rs);
      return;
    }
    for (const rs of ownersSelecting(this.replicaSets, pod)) this.enqueue(rs);
  }

  private updatePod(old: PodObject, cur: PodObject): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (cur.metadata.deletionTimestamp) {
      this.deletePod(cur);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef) {
      const rs = this.resolve(old.metadata.namespace, oldRef);
      if (rs) this.enqueue(rs);
    }
    if (curRef) {
      const rs = this.resolve(cur.metadata.namespace, curRef);
      if (!rs) return;
      this.enqueue(rs);
      const minReady = rs.spec.minReadySeconds ?? 0;
      // A pod that just became ready becomes available minReadySeconds later: look again then.
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.enqueueAfter(rs, minReady * 1000 + 100);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of ownersSelecting(this.replicaSets, cur)) this.enqueue(rs);
  }

  private deletePod(pod: PodObject): void {
    const ref = getControllerOf(pod);
    if (!ref) return;
    const rs = this.resolve(pod.metadata.namespace, ref);
    if (!rs) return;
    const key = this.keyOf(rs);
    this.expectations.deletionObserved(key, this.keyOf(pod));
    this.enqueue(rs);
  }

  protected async sync(key: string): Promise<SyncResult> {
    const cached = this.replicaSets.get(key);
    if (!cached) {
      this.expectations.forget(key);
      return;
    }
    const rs = structuredClone(cached);
    const namespace = rs.metadata.namespace ?? '';
    const needsSync = this.expectations.satisfied(key);
    const selector = ownerSelector(rs);
    if (!selector) {
      this.log.warn({ replicaset: key }, 'invalid selector; not syncing');
      return;
    }
    const active = this.pods.list(namespace).filter(isPodActive);
    const owned = await claimObjects(active, {
      owner: rs,
      ownerKind: replicaSetKind,
      client: this.podClient,
      match: (pod) => selector.matches(pod.metadata.labels ?? {}),
      canAdopt: recheckOwner(() => this.rsClient.get(namespace, rs.metadata.name ?? ''), rs),
    });

    let manageError: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(owned, rs, key);
      } catch (err) {
        manageError = err;
      }
    }
    const nowMs = this.now();
    const status = calculateStatus(rs, owned, manageError, nowMs);
    const updated = await this.updateStatus(rs, status);
    if (manageError !== undefined) throw manageError;

    const minReady = updated.spec.minReadySeconds ?? 0;
    const replicas = updated.spec.replicas ?? 1;
    const st = updated.status ?? {};
    if (minReady > 0 && (st.readyReplicas ?? 0) === replicas && (st.availableReplicas ?? 0) !== replicas) {
      // Some ready pods are not available yet: come back when the first of them will be.
      const next = owned
        .map((p) => availableAtMs(p, minReady))
        .filter((t): t is number => t !== undefined && t > nowMs)
        .sort((a, b) => a - b)[0];
      return { requeueAfterMs: next !== undefined ? next - nowMs + 100 : minReady * 1000 };
    }
  }

  private async manageReplicas(pods: PodObject[], rs: ReplicaSetObject, key: string): Promise<void> {
    const namespace = rs.metadata.namespace ?? '';
    let diff = pods.length - (rs.spec.replicas ?? 1);
    if (diff < 0) {
      const count = Math.min(-diff, this.burst);
      // Expect them all before the first request: a creation can be observed before its request returns.
      this.expectations.expectCreations(key, count);
      this.log.debug({ replicaset: key, need: rs.spec.replicas, creating: count }, 'too few replicas');
      const ref = newControllerRef(rs, replicaSetKind);
      const { error } = await this.podControl.createPods(rs, key, count, () =>
        podFromTemplate(rs.spec.template, rs.metadata.name ?? '', namespace, ref),
      );
      if (error !== undefined) throw error;
      return;
    }
    if (diff > 0) {
      diff = Math.min(diff, this.burst);
      this.log.debug({ replicaset: key, need: rs.spec.replicas, deleting: diff }, 'too many replicas');
      const victims = podsToDelete(pods, this.relatedPods(rs), diff);
      this.expectations.expectDeletions(key, victims.map((p) => this.keyOf(p)));
      const { error } = await this.podControl.deletePods(rs, key, victims);
      if (error !== undefined) throw error;
    }
  }

  /** Pods of this ReplicaSet's siblings (same controller, e.g. the Deployment's other ReplicaSets), for ranking. */
  private relatedPods(rs: ReplicaSetObject): PodObject[] {
    const owner = getControllerOf(rs);
    const siblings = owner
      ? this.replicaSets.list(rs.metadata.namespace ?? '').filter((r) => getControllerOf(r)?.uid === owner.uid)
      : [rs];
    return siblings.flatMap((r) => this.pods.byIndex(controllerUidIndex, r.metadata.uid ?? ''));
  }

  private async updateStatus(rs: ReplicaSetObject, status: NonNullable<ReplicaSetObject['status']>): Promise<ReplicaSetObject> {
    if (!statusNeedsUpdate(rs, status)) return rs;
    const body: ReplicaSetObject = { ...rs, status: { ...status, observedGeneration: rs.metadata.generation ?? 0 } };
    try {
      return await this.rsClient.updateStatus(rs.metadata.namespace, body);
    } catch (err) {
      if (isNotFound(err)) return rs;
      // One retry on a fresh copy, as Kubernetes' statusUpdateRetries; a further failure requeues the key.
      const fresh = await this.rsClient.get(rs.metadata.namespace, rs.metadata.name ?? '');
      return await this.rsClient.updateStatus(rs.metadata.namespace, {
        ...fresh,
        status: { ...status, observedGeneration: fresh.metadata.generation ?? 0 },
      });
    }
  }
}

export function replicaSetController(opts: ReplicaSetControllerOptions = {}): ControllerDescriptor {
  return { name: replicaSetControllerName, init: (ctx) => new ReplicaSetController(ctx, opts) };
}
