// The StatefulSet controller (Kubernetes' pkg/controller/statefulset): pods
// with stable names <set>-0..N-1, created and deleted in ordinal order
// (OrderedReady) or all at once (Parallel), and moved to a new template by
// RollingUpdate (highest ordinal first, down to `partition`) or OnDelete,
// with the templates kept as ControllerRevisions whose names the status
// reports as currentRevision and updateRevision.
//
// volumeClaimTemplates are ignored: this apiserver does not serve
// PersistentVolumeClaims, so there is nothing to create per pod; pods get no
// claim volumes and the retention policy has nothing to act on.
import type { KubeObject } from '../../src/api/meta.js';
import type { StatefulSetStatus } from '../../src/api/apps/v1.js';
import { EventRecorder, isAlreadyExists, isConflict, isNotFound, type Informer, type ResourceClient, type ResourceRef } from '../../src/client/index.js';
import { errorMessage, QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
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
import { controllerRevisionsRef, templateFromRevision, type ControllerRevisionObject } from '../common/controller-revision.js';
import { isPodReady, type PodObject } from '../replicaset/pods.js';
import { podsRef } from '../replicaset/controller.js';
import { isMemberOf, withIdentityLabels, type StatefulSetObject } from './identity.js';
import { statefulSetKind, statefulSetRevisions, truncateHistory } from './history.js';
import { completeRollingUpdate, statusChanged, updateStatefulSet, type StatefulPodControl } from './update.js';

export const statefulSetControllerName = 'statefulset';
export const statefulSetsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'statefulsets', namespaced: true };

export interface StatefulSetControllerOptions {
  /** Kubernetes' --concurrent-statefulset-syncs, 5 */
  workers?: number;
  now?: () => number;
}

/** Thrown to end a pass quietly: the cache is behind a write, and its event will bring the set back. */
class StaleCache extends Error {}

export class StatefulSetController extends QueueController {
  readonly recorder: EventRecorder;
  private readonly sets: Informer<StatefulSetObject>;
  private readonly pods: Informer<PodObject>;
  private readonly revisions: Informer<ControllerRevisionObject>;
  private readonly setClient: ResourceClient<StatefulSetObject>;
  private readonly podClient: ResourceClient<PodObject>;
  private readonly crClient: ResourceClient<ControllerRevisionObject>;
  private readonly now: () => number;

  constructor(ctx: ControllerContext, opts: StatefulSetControllerOptions = {}) {
    super(ctx, { name: statefulSetControllerName, workers: opts.workers ?? 5 });
    this.now = opts.now ?? (ctx.clock ? () => ctx.clock!.now() : Date.now);
    this.recorder = new EventRecorder(ctx.client, { component: 'statefulset-controller', involvedKind: statefulSetKind, log: ctx.log, now: this.now });
    this.setClient = ctx.client.resource<StatefulSetObject>(statefulSetsRef);
    this.podClient = ctx.client.resource<PodObject>(podsRef);
    this.crClient = ctx.client.resource<ControllerRevisionObject>(controllerRevisionsRef);
    this.sets = this.waitsFor(ctx.informers.informerFor<StatefulSetObject>(statefulSetsRef));
    this.pods = this.waitsFor(ctx.informers.informerFor<PodObject>(podsRef, { indexers: { [controllerUidIndex]: controllerUidIndexFunc } }));
    this.revisions = this.waitsFor(
      ctx.informers.informerFor<ControllerRevisionObject>(controllerRevisionsRef, { indexers: { [controllerUidIndex]: controllerUidIndexFunc } }),
    );
    this.sets.addEventHandler(this.enqueueHandlers());
    this.pods.addEventHandler({
      onAdd: (p) => this.enqueueFor(p),
      onUpdate: (old, cur) => {
        if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
        const oldRef = getControllerOf(old);
        if (oldRef && oldRef.uid !== getControllerOf(cur)?.uid) this.enqueueFor(old);
        this.enqueueFor(cur);
        const set = this.resolve(cur);
        const minReady = set?.spec.minReadySeconds ?? 0;
        if (set && minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.enqueueAfter(set, minReady * 1000 + 100);
      },
      onDelete: (p) => this.enqueueFor(p),
    });
    this.revisions.addEventHandler({
      onAdd: (cr) => this.enqueueFor(cr),
      onDelete: (cr) => this.enqueueFor(cr),
    });
  }

  private resolve(obj: KubeObject): StatefulSetObject | undefined {
    return resolveControllerRef(this.sets, 'StatefulSet', obj.metadata.namespace, getControllerOf(obj));
  }

  /** The owner, or for an orphan every set whose selector matches it (one may adopt it). */
  private enqueueFor(obj: KubeObject): void {
    if (getControllerOf(obj)) {
      const set = this.resolve(obj);
      if (set) this.enqueue(set);
      return;
    }
    for (const set of ownersSelecting(this.sets, obj)) this.enqueue(set);
  }

  protected async sync(key: string): Promise<SyncResult> {
    const cached = this.sets.get(key);
    if (!cached) return;
    const set = structuredClone(cached);
    const namespace = set.metadata.namespace ?? '';
    const selector = ownerSelector(set);
    if (!selector) {
      // Not transient: retrying cannot help until the set changes.
      this.log.warn({ statefulset: key }, 'invalid selector; not syncing');
      return;
    }
    const canAdopt = recheckOwner(() => this.setClient.get(namespace, set.metadata.name ?? ''), set);
    const owned = await claimObjects(this.revisions.list(namespace), {
      owner: set,
      ownerKind: statefulSetKind,
      client: this.crClient,
      match: (cr) => selector.matches(cr.metadata.labels ?? {}),
      canAdopt,
    });
    const pods = await claimObjects(this.pods.list(namespace), {
      owner: set,
      ownerKind: statefulSetKind,
      client: this.podClient,
      match: (pod) => selector.matches(pod.metadata.labels ?? {}) && isMemberOf(set, pod),
      canAdopt,
    });

    const { current, update, collisionCount } = await statefulSetRevisions(set, owned, this.crClient);
    const currentTemplate = templateFromRevision(current) ?? set.spec.template;
    const updateTemplate = templateFromRevision(update) ?? set.spec.template;
    const { status, error } = await updateStatefulSet(
      {
        set,
        current: { name: current.metadata.name ?? '', template: currentTemplate },
        update: { name: update.metadata.name ?? '', template: updateTemplate },
        collisionCount,
        pods,
        controllerRef: newControllerRef(set, statefulSetKind),
        nowMs: this.now(),
      },
      this.podControl(set),
    );
    await this.writeStatus(set, completeRollingUpdate(set, status));
    if (error !== undefined && !(error instanceof StaleCache)) throw error;
    await truncateHistory(set, pods, owned, current, update, this.crClient);

    const minReady = set.spec.minReadySeconds ?? 0;
    if (minReady > 0 && (status.availableReplicas ?? 0) !== (set.spec.replicas ?? 1)) return { requeueAfterMs: minReady * 1000 };
  }

  private podControl(set: StatefulSetObject): StatefulPodControl {
    const namespace = set.metadata.namespace ?? '';
    const setName = set.metadata.name ?? '';
    return {
      create: async (pod) => {
        try {
          await this.podClient.create(namespace, pod);
        } catch (err) {
          // The pod exists, the cache has not shown it yet: its add event will bring the set back.
          if (isAlreadyExists(err)) throw new StaleCache(errorMessage(err));
          this.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata.name} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
          throw err;
        }
        this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${setName} successful`);
      },
      delete: async (pod) => {
        try {
          // The uid precondition keeps a stale cache from deleting the pod's successor of the same name.
          await this.podClient.delete(namespace, pod.metadata.name ?? '', { preconditions: { uid: pod.metadata.uid ?? '' } });
        } catch (err) {
          if (isNotFound(err) || isConflict(err)) throw new StaleCache(errorMessage(err));
          this.recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
          throw err;
        }
        this.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${setName} successful`);
      },
      updateIdentity: async (pod) => {
        const fixed = withIdentityLabels(pod);
        try {
          await this.podClient.update(namespace, fixed);
        } catch (err) {
          if (isNotFound(err) || isConflict(err)) throw new StaleCache(errorMessage(err));
          this.recorder.event(set, 'Warning', 'FailedUpdate', `update Pod ${pod.metadata.name} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
          throw err;
        }
        this.recorder.event(set, 'Normal', 'SuccessfulUpdate', `update Pod ${pod.metadata.name} in StatefulSet ${setName} successful`);
      },
      event: (type, reason, message) => this.recorder.event(set, type, reason, message),
    };
  }

  private async writeStatus(set: StatefulSetObject, status: StatefulSetStatus): Promise<void> {
    if (!statusChanged(set, status)) return;
    const merged = (base: StatefulSetObject): StatefulSetObject => ({ ...base, status: { ...base.status, ...status } });
    try {
      await this.setClient.updateStatus(set.metadata.namespace, merged(set));
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
      const fresh = await this.setClient.get(set.metadata.namespace, set.metadata.name ?? '');
      await this.setClient.updateStatus(set.metadata.namespace, merged(fresh));
    }
  }
}

export function statefulSetController(opts: StatefulSetControllerOptions = {}): ControllerDescriptor {
  return { name: statefulSetControllerName, init: (ctx) => new StatefulSetController(ctx, opts) };
}
