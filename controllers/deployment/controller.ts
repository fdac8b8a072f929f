// The Deployment controller (Kubernetes' pkg/controller/deployment): owns one
// ReplicaSet per pod template, adopting and releasing ReplicaSets by
// selector, and moves pods from old templates to the new one by the
// Deployment's strategy (RollingUpdate within maxSurge and maxUnavailable, or
// Recreate), pausing, resizing proportionally mid-rollout, and reporting
// progress against progressDeadlineSeconds. Rollback is a client setting
// spec.template back to an older ReplicaSet's: that ReplicaSet becomes the
// new one again and takes the next revision number.
import { isNotFound, type Informer, type ResourceClient, type ResourceRef } from '../../src/client/index.js';
import type { Selector } from '../../src/machinery/labels.js';
import { QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
import {
  claimObjects,
  controllerUidIndex,
  controllerUidIndexFunc,
  getControllerOf,
  ownerSelector,
  ownersSelecting,
  recheckOwner,
  resolveControllerRef,
} from '../common/controller-ref.js';
import { EventRecorder } from '../../src/client/events.js';
import { podsRef, replicaSetsRef } from '../replicaset/controller.js';
import type { PodObject } from '../replicaset/pods.js';
import type { ReplicaSetObject } from '../replicaset/status.js';
import { Rollout } from './rollout.js';
import type { DeploymentObject } from './replicasets.js';

export const deploymentControllerName = 'deployment';
export const deploymentsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true };
const deploymentKind = { apiVersion: 'apps/v1', kind: 'Deployment' };

export interface DeploymentControllerOptions {
  /** Kubernetes' --concurrent-deployment-syncs, 5 */
  workers?: number;
  now?: () => number;
}

export class DeploymentController extends QueueController {
  readonly recorder: EventRecorder;
  private readonly deployments: Informer<DeploymentObject>;
  private readonly replicaSets: Informer<ReplicaSetObject>;
  private readonly pods: Informer<PodObject>;
  private readonly dClient: ResourceClient<DeploymentObject>;
  private readonly rsClient: ResourceClient<ReplicaSetObject>;
  private readonly rollout: Rollout;
  private readonly now: () => number;

  constructor(ctx: ControllerContext, opts: DeploymentControllerOptions = {}) {
    super(ctx, { name: deploymentControllerName, workers: opts.workers ?? 5 });
    this.now = opts.now ?? Date.now;
    this.recorder = new EventRecorder(ctx.client, { component: 'deployment-controller', involvedKind: deploymentKind, log: ctx.log, now: this.now });
    this.dClient = ctx.client.resource<DeploymentObject>(deploymentsRef);
    this.rsClient = ctx.client.resource<ReplicaSetObject>(replicaSetsRef);
    this.deployments = this.waitsFor(ctx.informers.informerFor<DeploymentObject>(deploymentsRef));
    this.replicaSets = this.waitsFor(ctx.informers.informerFor<ReplicaSetObject>(replicaSetsRef));
    this.pods = this.waitsFor(
      ctx.informers.informerFor<PodObject>(podsRef, { indexers: { [controllerUidIndex]: controllerUidIndexFunc } }),
    );
    this.rollout = new Rollout({
      deployments: this.dClient,
      replicaSets: this.rsClient,
      recorder: this.recorder,
      log: ctx.log,
      now: this.now,
      requeueAfter: (d, ms) => this.enqueueAfter(d, ms),
    });
    this.deployments.addEventHandler(this.enqueueHandlers());
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (old, cur) => this.updateReplicaSet(old, cur),
      onDelete: (rs) => void this.enqueueOwner(rs),
    });
    this.pods.addEventHandler({ onDelete: (pod) => this.deletePod(pod) });
  }

  private resolve(namespace: string | undefined, ref: ReturnType<typeof getControllerOf>): DeploymentObject | undefined {
    return resolveControllerRef(this.deployments, 'Deployment', namespace, ref);
  }

  private enqueueOwner(rs: ReplicaSetObject): boolean {
    const ref = getControllerOf(rs);
    if (!ref) return false;
    const d = this.resolve(rs.metadata.namespace, ref);
    if (d) this.enqueue(d);
    return true;
  }

  private addReplicaSet(rs: ReplicaSetObject): void {
    if (this.enqueueOwner(rs)) return;
    for (const d of ownersSelecting(this.deployments, rs)) this.enqueue(d);
  }

  private updateReplicaSet(old: ReplicaSetObject, cur: ReplicaSetObject): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef) {
      const d = this.resolve(old.metadata.namespace, oldRef);
      if (d) this.enqueue(d);
    }
    if (curRef) {
      const d = this.resolve(cur.metadata.namespace, curRef);
      if (d) this.enqueue(d);
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (labelsChanged || refChanged) for (const d of ownersSelecting(this.deployments, cur)) this.enqueue(d);
  }

  /** Recreate waits for the last old pod to go: its deletion is the moment to start the new ones. */
  private deletePod(pod: PodObject): void {
    const rsRef = getControllerOf(pod);
    if (!rsRef || rsRef.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.get(`${pod.metadata.namespace ?? ''}/${rsRef.name}`);
    if (!rs || rs.metadata.uid !== rsRef.uid) return;
    const d = this.resolve(rs.metadata.namespace, getControllerOf(rs));
    if (d && d.spec.strategy?.type === 'Recreate') this.enqueue(d);
  }

  protected async sync(key: string): Promise<SyncResult> {
    const cached = this.deployments.get(key);
    if (!cached) return;
    const d = structuredClone(cached);
    const namespace = d.metadata.namespace ?? '';
    const selector = ownerSelector(d);
    if (!selector || selector.empty()) {
      // A Deployment selecting every pod would fight every other controller: refuse, as Kubernetes does.
      this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await this.dClient.updateStatus(namespace, { ...d, status: { ...d.status, observedGeneration: d.metadata.generation ?? 0 } });
      }
      return;
    }
    const rsList = await claimObjects(this.replicaSets.list(namespace), {
      owner: d,
      ownerKind: deploymentKind,
      client: this.rsClient,
      match: (rs) => selector.matches(rs.metadata.labels ?? {}),
      canAdopt: recheckOwner(() => this.dClient.get(namespace, d.metadata.name ?? ''), d),
    });
    try {
      if (d.metadata.deletionTimestamp) {
        const { newRS, oldRSs } = await this.rollout.getAllReplicaSetsAndSyncRevision(d, rsList, false);
        await this.rollout.syncStatusOnly(d, [...oldRSs, newRS], newRS);
        return;
      }
      await this.rollout.checkPausedConditions(d);
      if (d.spec.paused || (await this.rollout.isScalingEvent(d, rsList))) {
        await this.rollout.sync(d, rsList);
        return;
      }
      if (d.spec.strategy?.type === 'Recreate') {
        await this.rollout.rolloutRecreate(d, rsList, this.podsByReplicaSet(rsList, selector));
        return;
      }
      await this.rollout.rolloutRolling(d, rsList);
    } catch (err) {
      if (isNotFound(err)) {
        // The Deployment went away mid-sync; its informer will say so.
        this.log.debug({ deployment: key }, 'deployment gone during sync');
        return;
      }
      throw err;
    }
  }

  /** Pods the Deployment selects, grouped by the uid of the claimed ReplicaSet controlling them. */
  private podsByReplicaSet(rsList: ReplicaSetObject[], selector: Selector): Map<string, PodObject[]> {
    const out = new Map<string, PodObject[]>();
    for (const rs of rsList) {
      const uid = rs.metadata.uid ?? '';
      out.set(
        uid,
        this.pods.byIndex(controllerUidIndex, uid).filter((p) => selector.matches(p.metadata.labels ?? {})),
      );
    }
    return out;
  }
}

export function deploymentController(opts: DeploymentControllerOptions = {}): ControllerDescriptor {
  return { name: deploymentControllerName, init: (ctx) => new DeploymentController(ctx, opts) };
}
