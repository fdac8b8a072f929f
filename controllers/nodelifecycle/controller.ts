// The node lifecycle controller (Kubernetes' pkg/controller/nodelifecycle):
// watches every node's heartbeats (its Ready condition and its Lease in
// kube-node-lease); a node not heard from for the grace period gets its
// conditions set Unknown, its pods marked not ready and, rate-limited per
// zone, the NoExecute taint node.kubernetes.io/unreachable (not-ready when
// the kubelet reports Ready=False), which the taint eviction controller
// turns into pod deletions. The taints go when the node answers again. It
// also keeps the NoSchedule taints that mirror node conditions and cordon.
//
// Keys are node names, plus two of its own: one recomputes the zones'
// states, the other taints the nodes queued for it when the rate allows.
import type { Node, NodeCondition, Taint } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import {
  EventRecorder,
  isConflict,
  isNotFound,
  leaseResource,
  rfc3339,
  type Informer,
  type Lease,
  type ResourceClient,
  type ResourceRef,
} from '../../src/client/index.js';
import { taintExists } from '../../src/machinery/taints.js';
import { zoneKey } from '../../src/machinery/topology.js';
import { errorMessage, QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
import type { PodObject } from '../replicaset/pods.js';
import { NodeHealthTracker } from './health.js';
import { condition, noScheduleTaintDiff, notReadyTaint, swapTaints, unreachableTaint } from './taints.js';
import { computeZoneState, RateLimitedTimedQueue, zoneQps, type EvictionRates, type ZoneState } from './zones.js';

export const nodeLifecycleControllerName = 'nodelifecycle';

export type NodeObject = Node & KubeObject;

export const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
export const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
export const nodeLeaseNamespace = 'kube-node-lease';

/** An informer index of pods by the node they are bound to. */
export const podNodeNameIndex = 'spec.nodeName';
export const podNodeNameIndexFunc = (pod: PodObject): string[] => (pod.spec.nodeName ? [pod.spec.nodeName] : []);

/** Nodes labelled so stay out of the zone disruption arithmetic. */
const excludeDisruptionLabel = 'node.kubernetes.io/exclude-disruption';

const disruptionKey = '';
/** A node name cannot contain a space, so this key never collides with one. */
const taintPassKey = ' taint';
/** UpdateTaintBackoff: attempts at a taint change that keeps conflicting. */
const taintRetries = 5;
/** nodeStatusUpdateRetry */
const statusRetries = 5;

export interface NodeLifecycleOptions {
  /** --node-monitor-grace-period: silence after which a node is Unknown; 40 s */
  nodeMonitorGracePeriodSeconds?: number;
  /** --node-startup-grace-period: the same for a node that never posted a Ready condition; 60 s */
  nodeStartupGracePeriodSeconds?: number;
  /** --node-monitor-period: how often unhealthy nodes are looked at again; 5 s */
  nodeMonitorPeriodSeconds?: number;
  /** --node-eviction-rate: nodes tainted per second per zone; 0.1 */
  nodeEvictionRate?: number;
  /** --secondary-node-eviction-rate: the same in a mostly-down zone of a large cluster; 0.01 */
  secondaryNodeEvictionRate?: number;
  /** --large-cluster-size-threshold: 50 */
  largeClusterSizeThreshold?: number;
  /** --unhealthy-zone-threshold: share of not-ready nodes making a zone partially disrupted; 0.55 */
  unhealthyZoneThreshold?: number;
  workers?: number;
}

export const nodeLifecycleDefaults = {
  nodeMonitorGracePeriodSeconds: 40,
  nodeStartupGracePeriodSeconds: 60,
  nodeMonitorPeriodSeconds: 5,
  nodeEvictionRate: 0.1,
  secondaryNodeEvictionRate: 0.01,
  largeClusterSizeThreshold: 50,
  unhealthyZoneThreshold: 0.55,
} as const;

export class NodeLifecycleController extends QueueController {
  readonly recorder: EventRecorder;
  readonly health: NodeHealthTracker;
  private readonly nodes: Informer<NodeObject>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<PodObject>;
  private readonly nodeClient: ResourceClient<NodeObject>;
  private readonly podClient: ResourceClient<PodObject>;
  private readonly now: () => number;
  private readonly monitorPeriodMs: number;
  private readonly rates: EvictionRates;
  private readonly unhealthyThreshold: number;
  private readonly zoneQueues = new Map<string, RateLimitedTimedQueue>();
  private readonly zoneStates = new Map<string, ZoneState>();
  private readonly known = new Set<string>();
  /** the Ready status each node had at its last sync, to notice what changes zone states */
  private readonly readyStatus = new Map<string, string>();
  /** nodes whose pods could not all be marked not ready */
  private readonly podsToRetry = new Set<string>();

  constructor(ctx: ControllerContext, opts: NodeLifecycleOptions = {}) {
    super(ctx, { name: nodeLifecycleControllerName, workers: opts.workers ?? 4 });
    const o = { ...nodeLifecycleDefaults, ...definedOnly(opts) };
    const clock = ctx.clock;
    this.now = clock ? () => clock.now() : Date.now;
    this.monitorPeriodMs = o.nodeMonitorPeriodSeconds * 1000;
    this.rates = { normalQps: o.nodeEvictionRate, secondaryQps: o.secondaryNodeEvictionRate, largeClusterThreshold: o.largeClusterSizeThreshold };
    this.unhealthyThreshold = o.unhealthyZoneThreshold;
    this.health = new NodeHealthTracker({
      gracePeriodMs: o.nodeMonitorGracePeriodSeconds * 1000,
      startupGracePeriodMs: o.nodeStartupGracePeriodSeconds * 1000,
    });
    this.recorder = new EventRecorder(ctx.client, { component: 'node-controller', log: ctx.log, now: this.now });
    this.nodeClient = ctx.client.resource<NodeObject>(nodesRef);
    this.podClient = ctx.client.resource<PodObject>(podsRef);
    this.nodes = this.waitsFor(ctx.informers.informerFor<NodeObject>(nodesRef));
    this.leases = this.waitsFor(ctx.informers.informerFor<Lease>(leaseResource, { namespace: nodeLeaseNamespace }));
    this.pods = this.waitsFor(ctx.informers.informerFor<PodObject>(podsRef, { indexers: { [podNodeNameIndex]: podNodeNameIndexFunc } }));
    this.nodes.addEventHandler({
      onAdd: (n) => this.enqueueKey(n.metadata.name ?? ''),
      onUpdate: (_o, n) => this.enqueueKey(n.metadata.name ?? ''),
      onDelete: (n) => this.enqueueKey(n.metadata.name ?? ''),
    });
    // A renewed lease is news from its node.
    this.leases.addEventHandler({
      onAdd: (l) => this.enqueueKey(l.metadata.name ?? ''),
      onUpdate: (_o, l) => this.enqueueKey(l.metadata.name ?? ''),
    });
  }

  protected async sync(key: string): Promise<SyncResult> {
    if (key === disruptionKey) return this.handleDisruption();
    if (key === taintPassKey) return this.taintPass();
    return this.syncNode(key);
  }

  // ---- one node ----

  private zoneQueue(zone: string): RateLimitedTimedQueue {
    let q = this.zoneQueues.get(zone);
    if (!q) {
      q = new RateLimitedTimedQueue(this.rates.normalQps, this.now());
      this.zoneQueues.set(zone, q);
      this.zoneStates.set(zone, 'Initial');
    }
    return q;
  }

  private nodeRef(name: string): KubeObject {
    // Kubernetes refers to nodes in events with their name as uid.
    return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: name } };
  }

  private async syncNode(name: string): Promise<SyncResult> {
    let node = this.nodes.get(name);
    if (!node) {
      if (this.known.delete(name)) {
        this.health.delete(name);
        for (const q of this.zoneQueues.values()) q.remove(name);
        this.readyStatus.delete(name);
        this.podsToRetry.delete(name);
        this.recorder.event(this.nodeRef(name), 'Normal', 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`);
        this.enqueueKey(disruptionKey);
      }
      return;
    }
    if (!this.known.has(name)) {
      this.known.add(name);
      this.zoneQueue(zoneKey(node));
      this.recorder.event(this.nodeRef(name), 'Normal', 'RegisteredNode', `Registered Node ${name} in Controller`);
      // A node seen for the first time starts clean: its health is judged afresh from now on.
      node = (await this.markNodeAsReachable(node)) ?? node;
    }

    const now = this.now();
    let verdict = this.health.observe(node, this.leases.get(`${nodeLeaseNamespace}/${name}`), now);
    for (let attempt = 0; verdict.statusUpdate; attempt++) {
      try {
        node = await this.nodeClient.updateStatus(undefined, verdict.statusUpdate as NodeObject);
        this.health.statusWritten(node, now);
        break;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt + 1 >= statusRetries) throw err;
        node = await this.nodeClient.get(undefined, name);
        verdict = this.health.observe(node, this.leases.get(`${nodeLeaseNamespace}/${name}`), now);
      }
    }

    const observed = verdict.observedReady;
    const current = verdict.currentReady;
    if (current) {
      await this.processTaintBasedEviction(node, observed);
      let markPods = false;
      if (current.status !== 'True' && observed.status === 'True') {
        this.recorder.event(this.nodeRef(name), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        markPods = true;
      } else if (this.podsToRetry.has(name) && observed.status !== 'True') {
        markPods = true;
      }
      if (markPods) {
        try {
          await this.markPodsNotReady(name);
          this.podsToRetry.delete(name);
        } catch (err) {
          this.podsToRetry.add(name);
          this.log.warn({ node: name, err: errorMessage(err) }, 'could not mark all pods not ready; will retry');
        }
      } else {
        this.podsToRetry.delete(name);
      }
    }
    await this.syncNoScheduleTaints(node);

    const status = current?.status ?? 'Unknown';
    if (this.readyStatus.get(name) !== status) {
      this.readyStatus.set(name, status);
      this.enqueueKey(disruptionKey);
    }
    // A healthy node is looked at again when it would become overdue; an unhealthy one every monitor period.
    if (status === 'True' && now <= verdict.deadline) return { requeueAfterMs: verdict.deadline - now + 1 };
    return { requeueAfterMs: this.monitorPeriodMs };
  }

  /** processTaintBaseEviction: queue the node for its NoExecute taint, swap it at once, or clear it. */
  private async processTaintBasedEviction(node: NodeObject, observed: NodeCondition): Promise<void> {
    const taints = node.spec.taints;
    switch (observed.status) {
      case 'False':
        if (taintExists(taints, unreachableTaint)) await this.swapNodeTaints(node, [notReadyTaint], [unreachableTaint]);
        else this.markNodeForTainting(node, notReadyTaint);
        return;
      case 'Unknown':
        if (taintExists(taints, notReadyTaint)) await this.swapNodeTaints(node, [unreachableTaint], [notReadyTaint]);
        else this.markNodeForTainting(node, unreachableTaint);
        return;
      case 'True':
        await this.markNodeAsReachable(node);
        return;
    }
  }

  private markNodeForTainting(node: NodeObject, taint: Taint): void {
    const q = this.zoneQueue(zoneKey(node));
    const name = node.metadata.name ?? '';
    // A node missing its taint is queued again even if it was tainted before (someone removed it).
    if (!taintExists(node.spec.taints, taint)) q.remove(name);
    if (q.add(name, node.metadata.uid ?? '', this.now())) this.enqueueKey(taintPassKey);
  }

  /** Removes the NoExecute taints and forgets any pending tainting; the node as written, if it changed. */
  private async markNodeAsReachable(node: NodeObject): Promise<NodeObject | undefined> {
    this.zoneQueues.get(zoneKey(node))?.remove(node.metadata.name ?? '');
    if (!taintExists(node.spec.taints, unreachableTaint) && !taintExists(node.spec.taints, notReadyTaint)) return undefined;
    return this.swapNodeTaints(node, [], [unreachableTaint, notReadyTaint]);
  }

  /** doNoScheduleTaintingPass for one node. */
  private async syncNoScheduleTaints(node: NodeObject): Promise<void> {
    const { add, remove } = noScheduleTaintDiff(node);
    if (add.length === 0 && remove.length === 0) return;
    await this.swapNodeTaints(node, add, remove);
  }

  /**
   * SwapNodeControllerTaint: one write changing the node's taints, pinned
   * to the version it was computed from and recomputed on a fresh read when
   * someone else wrote first. The node as written; undefined when it is
   * gone or the change could not be made.
   */
  private async swapNodeTaints(node: NodeObject, add: Taint[], remove: Taint[]): Promise<NodeObject | undefined> {
    let current = node;
    const name = node.metadata.name ?? '';
    for (let attempt = 0; attempt < taintRetries; attempt++) {
      try {
        if (attempt > 0) current = await this.nodeClient.get(undefined, name);
        const taints = swapTaints(current.spec.taints, add, remove, rfc3339(this.now()));
        if (!taints) return current;
        const patch = { metadata: { resourceVersion: current.metadata.resourceVersion }, spec: { taints: taints.length ? taints : null } };
        return await this.nodeClient.patch(undefined, name, patch, 'merge');
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!isConflict(err)) {
          this.log.warn({ node: name, err: errorMessage(err) }, 'could not change node taints');
          return undefined;
        }
      }
    }
    this.log.warn({ node: name }, 'could not change node taints: too many conflicts');
    return undefined;
  }

  /** MarkPodsNotReady: the Ready condition of every pod bound to the node goes False. */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const failures: unknown[] = [];
    const transition = rfc3339(this.now());
    for (const cached of this.pods.byIndex(podNodeNameIndex, nodeName)) {
      if (cached.spec.nodeName !== nodeName) continue;
      const conditions = cached.status?.conditions ?? [];
      const ready = conditions.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      const pod = structuredClone(cached);
      pod.status = {
        ...pod.status,
        conditions: conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: transition } : c)),
      };
      try {
        await this.podClient.updateStatus(pod.metadata.namespace, pod);
      } catch (err) {
        // A pod already gone needs nothing.
        if (isNotFound(err)) continue;
        failures.push(err);
        continue;
      }
      this.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
    }
    if (failures.length) throw new Error(failures.map(errorMessage).join('; '));
  }

  // ---- tainting, rate-limited per zone ----

  /** doNoExecuteTaintingPass: taints the queued nodes the zones' rates allow now; comes back when more are due. */
  private async taintPass(): Promise<SyncResult> {
    const now = this.now();
    for (const q of this.zoneQueues.values()) {
      for (const item of q.takeDue(now)) {
        const node = this.nodes.get(item.value);
        const ready = node ? condition(node, 'Ready') : undefined;
        if (!node || !ready || (ready.status !== 'False' && ready.status !== 'Unknown')) {
          // Gone, never reported, or ready again: nothing to taint.
          q.done(item, true, 0, now);
          continue;
        }
        const [add, opposite] = ready.status === 'False' ? [notReadyTaint, unreachableTaint] : [unreachableTaint, notReadyTaint];
        const written = await this.swapNodeTaints(node, [add], [opposite]);
        q.done(item, written !== undefined, 0, this.now());
      }
    }
    let next: number | undefined;
    const after = this.now();
    for (const q of this.zoneQueues.values()) {
      const at = q.nextWake(after);
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    if (next !== undefined) return { requeueAfterMs: Math.max(1, next - after) };
  }

  // ---- zones ----

  /** handleDisruption: each zone's state sets its tainting rate; all zones down means nobody is tainted. */
  private async handleDisruption(): Promise<void> {
    const nodes = this.nodes.list();
    const byZone = new Map<string, (NodeCondition | undefined)[]>();
    for (const node of nodes) {
      if (node.metadata.labels?.[excludeDisruptionLabel] !== undefined) continue;
      const zone = zoneKey(node);
      this.zoneQueue(zone);
      byZone.set(zone, [...(byZone.get(zone) ?? []), condition(node, 'Ready')]);
    }
    const newStates = new Map<string, ZoneState>();
    let allFullyDisrupted = true;
    for (const [zone, conds] of byZone) {
      const { state } = computeZoneState(conds, this.unhealthyThreshold);
      newStates.set(zone, state);
      if (state !== 'FullDisruption') allFullyDisrupted = false;
    }
    let allWereFullyDisrupted = true;
    for (const [zone, state] of [...this.zoneStates]) {
      if (!byZone.has(zone)) {
        this.zoneStates.delete(zone);
        continue;
      }
      if (state !== 'FullDisruption') allWereFullyDisrupted = false;
    }
    if (allFullyDisrupted && allWereFullyDisrupted) return;
    const now = this.now();
    const setLimiter = (zone: string, state: ZoneState): void => {
      this.zoneQueues.get(zone)?.limiter.swap(zoneQps(state, byZone.get(zone)?.length ?? 0, this.rates), now);
    };

    if (allFullyDisrupted) {
      this.log.info('every node is not ready: assuming the controller is cut off, not the nodes; no node is tainted');
      for (const node of nodes) await this.markNodeAsReachable(node);
      for (const zone of this.zoneStates.keys()) {
        this.zoneQueues.get(zone)?.limiter.swap(0, now);
        this.zoneStates.set(zone, 'FullDisruption');
      }
      return;
    }
    if (allWereFullyDisrupted) {
      this.log.info('some nodes are ready again: tainting resumes');
      this.health.resetProbes(
        nodes.map((n) => n.metadata.name ?? ''),
        now,
      );
      for (const zone of this.zoneStates.keys()) {
        const state = newStates.get(zone) ?? 'Normal';
        setLimiter(zone, state);
        this.zoneStates.set(zone, state);
      }
      this.enqueueKey(taintPassKey);
      return;
    }
    for (const [zone, state] of this.zoneStates) {
      const next = newStates.get(zone);
      if (next === undefined || next === state) continue;
      this.log.info({ zone, state: next }, 'zone changed state');
      setLimiter(zone, next);
      this.zoneStates.set(zone, next);
    }
    this.enqueueKey(taintPassKey);
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function nodeLifecycleController(opts: NodeLifecycleOptions = {}): ControllerDescriptor {
  return { name: nodeLifecycleControllerName, init: (ctx) => new NodeLifecycleController(ctx, opts) };
}
