// The DaemonSet controller (Kubernetes' pkg/controller/daemon): one pod per
// eligible node, following nodes as they come, go and change labels or
// taints; pods are created pinned to their node by a required node affinity
// on metadata.name and left for the scheduler to bind. Templates are kept as
// ControllerRevisions, and pods of an older template are replaced by the
// update strategy (RollingUpdate within maxUnavailable or maxSurge, or
// OnDelete). Expectations keep a lagging cache from creating twice.
import type { KubeObject } from '../../src/api/meta.js';
import { EventRecorder, isNotFound, type Informer, type ResourceClient, type ResourceRef } from '../../src/client/index.js';
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
import { controllerRevisionsRef, revisionHashLabel, type ControllerRevisionObject } from '../common/controller-revision.js';
import { CreateDeleteExpectations } from '../common/create-delete-expectations.js';
import { PodControl } from '../common/pod-control.js';
import { isPodReady, podFromTemplate, type PodObject } from '../replicaset/pods.js';
import { podsRef } from '../replicaset/controller.js';
import { cleanupHistory, constructHistory, daemonSetKind } from './history.js';
import { calculateCounts, planManage, planRollingUpdate, podsByNode, type FailedPodBackoff } from './manage.js';
import { daemonPodTolerations, pinToNode } from './placement.js';
import type { DaemonSetObject, NodeObject } from './types.js';

export const daemonSetControllerName = 'daemonset';
export const daemonSetsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true };
export const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
/** Kubernetes' BurstReplicas for DaemonSets: at most this many creations per sync. */
export const daemonSetBurstReplicas = 250;
/** failedPodsBackoff: 1 s doubling to 15 min per DaemonSet and node. */
const failedPodBackoffInitialMs = 1000;
const failedPodBackoffMaxMs = 15 * 60_000;

export interface DaemonSetControllerOptions {
  /** Kubernetes' --concurrent-daemonset-syncs, 2 */
  workers?: number;
  burstReplicas?: number;
  now?: () => number;
}

class PerNodeBackoff implements FailedPodBackoff {
  private readonly entries = new Map<string, { delay: number; at: number }>();

  tryDelete(ds: DaemonSetObject, nodeName: string, nowMs: number): number {
    const key = `${ds.metadata.uid ?? ''}/${nodeName}`;
    const e = this.entries.get(key);
    if (e && nowMs - e.at < e.delay) return e.delay - (nowMs - e.at);
    // An entry quiet for twice the cap starts over, as flowcontrol.Backoff does.
    const delay = !e || nowMs - e.at > 2 * failedPodBackoffMaxMs ? failedPodBackoffInitialMs : Math.min(e.delay * 2, failedPodBackoffMaxMs);
    this.entries.set(key, { delay, at: nowMs });
    return 0;
  }
}

export class DaemonSetController extends QueueController {
  readonly expectations: CreateDeleteExpectations;
  readonly recorder: EventRecorder;
  private readonly daemonSets: Informer<DaemonSetObject>;
  private readonly pods: Informer<PodObject>;
  private readonly nodes: Informer<NodeObject>;
  private readonly revisions: Informer<ControllerRevisionObject>;
  private readonly dsClient: ResourceClient<DaemonSetObject>;
  private readonly podClient: ResourceClient<PodObject>;
  private readonly podControl: PodControl;
  private readonly crClient: ResourceClient<ControllerRevisionObject>;
  private readonly burst: number;
  private readonly now: () => number;
  private readonly failedBackoff = new PerNodeBackoff();

  constructor(ctx: ControllerContext, opts: DaemonSetControllerOptions = {}) {
    super(ctx, { name: daemonSetControllerName, workers: opts.workers ?? 2 });
    this.now = opts.now ?? (ctx.clock ? () => ctx.clock!.now() : Date.now);
    this.burst = opts.burstReplicas ?? daemonSetBurstReplicas;
    this.expectations = new CreateDeleteExpectations(this.now);
    this.recorder = new EventRecorder(ctx.client, { component: 'daemonset-controller', involvedKind: daemonSetKind, log: ctx.log, now: this.now });
    this.dsClient = ctx.client.resource<DaemonSetObject>(daemonSetsRef);
    this.podClient = ctx.client.resource<PodObject>(podsRef);
    this.podControl = new PodControl(this.podClient, this.recorder, this.expectations);
    this.crClient = ctx.client.resource<ControllerRevisionObject>(controllerRevisionsRef);
    this.daemonSets = this.waitsFor(ctx.informers.informerFor<DaemonSetObject>(daemonSetsRef));
    this.pods = this.waitsFor(ctx.informers.informerFor<PodObject>(podsRef, { indexers: { [controllerUidIndex]: controllerUidIndexFunc } }));
    this.nodes = this.waitsFor(ctx.informers.informerFor<NodeObject>(nodesRef));
    this.revisions = this.waitsFor(
      ctx.informers.informerFor<ControllerRevisionObject>(controllerRevisionsRef, { indexers: { [controllerUidIndex]: controllerUidIndexFunc } }),
    );
    this.daemonSets.addEventHandler({
      onAdd: (ds) => this.enqueue(ds),
      onUpdate: (_old, ds) => this.enqueue(ds),
      onDelete: (ds) => {
        this.expectations.forget(keyOf(ds));
        this.enqueue(ds);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (pod) => this.deletePod(pod),
    });
    this.nodes.addEventHandler({
      onAdd: () => this.enqueueAll(),
      onUpdate: (old, cur) => {
        if (nodeSchedulingChanged(old, cur)) this.enqueueAll();
      },
      onDelete: () => this.enqueueAll(),
    });
    this.revisions.addEventHandler({
      onAdd: (cr) => this.enqueueOwnerOrMatching(cr),
      onUpdate: (old, cur) => {
        if (old.metadata.resourceVersion !== cur.metadata.resourceVersion) this.enqueueOwnerOrMatching(cur);
      },
      onDelete: (cr) => this.enqueueOwnerOrMatching(cr),
    });
  }

  private enqueueAll(): void {
    for (const ds of this.daemonSets.list()) this.enqueue(ds);
  }

  private resolve(namespace: string | undefined, ref: ReturnType<typeof getControllerOf>): DaemonSetObject | undefined {
    return resolveControllerRef(this.daemonSets, 'DaemonSet', namespace, ref);
  }

  private enqueueOwnerOrMatching(obj: KubeObject): void {
    const ref = getControllerOf(obj);
    if (ref) {
      const ds = this.resolve(obj.metadata.namespace, ref);
      if (ds) this.enqueue(ds);
      return;
    }
    for (const ds of ownersSelecting(this.daemonSets, obj)) this.enqueue(ds);
  }

  private addPod(pod: PodObject): void {
    if (pod.metadata.deletionTimestamp) {
      this.deletePod(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const ds = this.resolve(pod.metadata.namespace, ref);
      if (!ds) return;
      this.expectations.creationObserved(keyOf(ds));
      this.enqueue(ds);
      return;
    }
    for (const ds of ownersSelecting(this.daemonSets, pod)) this.enqueue(ds);
  }

  private updatePod(old: PodObject, cur: PodObject): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    if (cur.metadata.deletionTimestamp) {
      this.deletePod(cur);
      return;
    }
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    if (oldRef && oldRef.uid !== curRef?.uid) {
      const ds = this.resolve(old.metadata.namespace, oldRef);
      if (ds) this.enqueue(ds);
    }
    if (curRef) {
      const ds = this.resolve(cur.metadata.namespace, curRef);
      if (!ds) return;
      this.enqueue(ds);
      const minReady = ds.spec.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.enqueueAfter(ds, minReady * 1000 + 100);
      return;
    }
    for (const ds of ownersSelecting(this.daemonSets, cur)) this.enqueue(ds);
  }

  private deletePod(pod: PodObject): void {
    const ds = this.resolve(pod.metadata.namespace, getControllerOf(pod));
    if (!ds) return;
    this.expectations.deletionObserved(keyOf(ds), keyOf(pod));
    this.enqueue(ds);
  }

  protected async sync(key: string): Promise<SyncResult> {
    const cached = this.daemonSets.get(key);
    if (!cached) {
      this.expectations.forget(key);
      return;
    }
    const ds = structuredClone(cached);
    const namespace = ds.metadata.namespace ?? '';
    const selector = ownerSelector(ds);
    if (!selector) {
      this.log.warn({ daemonset: key }, 'invalid selector; not syncing');
      return;
    }
    if (selector.empty()) {
      this.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    // Being deleted, its revisions may already be gone: the current one cannot be known.
    if (ds.metadata.deletionTimestamp) return;

    const nodes = this.nodes.list();
    const canAdopt = recheckOwner(() => this.dsClient.get(namespace, ds.metadata.name ?? ''), ds);
    const revisions = await claimObjects(this.revisions.list(namespace), {
      owner: ds,
      ownerKind: daemonSetKind,
      client: this.crClient,
      match: (cr) => selector.matches(cr.metadata.labels ?? {}),
      canAdopt,
    });
    const { current, old } = await constructHistory(ds, revisions, { revisions: this.crClient, daemonSets: this.dsClient });
    const hash = current.metadata.labels?.[revisionHashLabel] ?? '';

    const claim = async (): Promise<PodObject[]> =>
      claimObjects(this.pods.list(namespace), {
        owner: ds,
        ownerKind: daemonSetKind,
        client: this.podClient,
        match: (pod) => selector.matches(pod.metadata.labels ?? {}),
        canAdopt,
      });

    if (!this.expectations.satisfied(key)) {
      // Counts only; the generation is not observed until it has been acted on.
      await this.updateStatus(ds, nodes, await claim(), hash, false);
      return;
    }
    let pods = await claim();
    let retryAfterMs: number | undefined;
    let manageError: unknown;
    try {
      const plan = planManage(ds, nodes, podsByNode(pods), hash, this.now(), this.failedBackoff);
      retryAfterMs = plan.retryAfterMs;
      for (const { pod, node } of plan.failedPods) {
        this.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${namespace}/${pod.metadata.name} on node ${node}, will try to kill it`);
      }
      await this.syncNodes(ds, key, plan.podsToDelete, plan.nodesNeedingPods, hash);
      if (this.expectations.satisfied(key) && (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
        // Read the cache again: it has shown every pod manage created, and a node without them would count as available.
        pods = await claim();
        const ru = planRollingUpdate(ds, nodes, podsByNode(pods), hash, this.now());
        await this.syncNodes(ds, key, ru.podsToDelete, ru.nodesNeedingPods, hash);
      }
      await cleanupHistory(ds, current, old, pods, this.crClient);
    } catch (err) {
      manageError = err;
    }
    pods = this.pods.byIndex(controllerUidIndex, ds.metadata.uid ?? '');
    const counts = await this.updateStatus(ds, nodes, pods, hash, true);
    if (manageError !== undefined) throw manageError;
    const minReady = ds.spec.minReadySeconds ?? 0;
    // Ready pods turn available minReadySeconds later with no event to say so.
    if (minReady > 0 && counts.numberReady !== counts.numberAvailable) retryAfterMs = Math.min(retryAfterMs ?? Infinity, minReady * 1000);
    return retryAfterMs !== undefined ? { requeueAfterMs: retryAfterMs } : undefined;
  }

  /** syncNodes: deletes the pods and creates one pod pinned to each node, within the burst, counting both as expectations. */
  private async syncNodes(ds: DaemonSetObject, key: string, podsToDelete: PodObject[], nodesNeedingPods: string[], hash: string): Promise<void> {
    const namespace = ds.metadata.namespace ?? '';
    const seen = new Set<string>();
    const victims = podsToDelete.filter((p) => {
      const uid = p.metadata.uid ?? '';
      if (seen.has(uid)) return false;
      seen.add(uid);
      return true;
    });
    const creates = nodesNeedingPods.slice(0, this.burst);
    const deletes = victims.slice(0, this.burst);
    if (creates.length === 0 && deletes.length === 0) return;
    this.log.debug({ daemonset: key, creating: creates.length, deleting: deletes.length }, 'syncing nodes');
    this.expectations.expect(key, creates.length, deletes.map(keyOf));

    const template = structuredClone(ds.spec.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [revisionHashLabel]: hash } };
    const tspec = template.spec ?? { containers: [] };
    tspec.tolerations = daemonPodTolerations(tspec);
    template.spec = tspec;
    const ref = newControllerRef(ds, daemonSetKind);
    const created = await this.podControl.createPods(ds, key, creates.length, (i) => {
      const pod = podFromTemplate(template, ds.metadata.name ?? '', namespace, ref);
      pod.spec = { ...pod.spec, affinity: pinToNode(pod.spec.affinity, creates[i]!) };
      return pod;
    });
    const deleted = await this.podControl.deletePods(ds, key, deletes);
    const error = created.error ?? deleted.error;
    if (error !== undefined) throw error;
  }

  private async updateStatus(ds: DaemonSetObject, nodes: NodeObject[], pods: PodObject[], hash: string, observe: boolean) {
    const counts = calculateCounts(ds, nodes, podsByNode(pods), hash, this.now());
    const cur = ds.status ?? {};
    const unchanged =
      (Object.keys(counts) as (keyof typeof counts)[]).every((k) => (cur[k] ?? 0) === counts[k]) &&
      (cur.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0);
    if (unchanged) return counts;
    const write = async (base: DaemonSetObject) => {
      const status = { ...base.status, ...counts };
      if (observe) status.observedGeneration = base.metadata.generation ?? 0;
      return this.dsClient.updateStatus(base.metadata.namespace, { ...base, status });
    };
    try {
      await write(ds);
    } catch (err) {
      if (isNotFound(err)) return counts;
      await write(await this.dsClient.get(ds.metadata.namespace, ds.metadata.name ?? ''));
    }
    return counts;
  }
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** Label, taint and cordon changes can change where the DaemonSet belongs; heartbeats cannot. */
function nodeSchedulingChanged(old: NodeObject, cur: NodeObject): boolean {
  return (
    JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {}) ||
    JSON.stringify(old.spec.taints ?? []) !== JSON.stringify(cur.spec.taints ?? []) ||
    (old.spec.unschedulable ?? false) !== (cur.spec.unschedulable ?? false)
  );
}

export function daemonSetController(opts: DaemonSetControllerOptions = {}): ControllerDescriptor {
  return { name: daemonSetControllerName, init: (ctx) => new DaemonSetController(ctx, opts) };
}
