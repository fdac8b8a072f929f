// One scheduling decision for one pod, with no API calls: PreFilter, then
// Filter over the nodes (the nominated node first; only as many feasible
// nodes as percentageOfNodesToScore asks for, starting where the previous
// pod stopped so every node gets its turn), then PreScore, Score and the
// highest total (ties broken at random).
import type { CycleState, Framework, SnapshotLister, Status } from './framework.js';
import type { NodeInfo, PodInfo } from './nodeinfo.js';

/** Kubernetes' minFeasibleNodesToFind and minFeasibleNodesPercentageToFind. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** How many feasible nodes to look for: all below 100 nodes; else the percentage (adaptive when 0), never below 100. */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage;
  if (pct <= 0 || pct > 100) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

export interface ScheduleSuccess {
  kind: 'scheduled';
  nodeName: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

/** No node fits (or none exists): what the FitError message and the requeue rules need. */
export interface ScheduleFailure {
  kind: 'unschedulable';
  numAllNodes: number;
  statuses: Map<string, Status>;
  preFilterMessage?: string;
  /** the plugins that rejected the pod on some node: only their events can help it */
  unschedulablePlugins: Set<string>;
  /** a message replacing the node histogram (no nodes at all) */
  message?: string;
}

export interface ScheduleError {
  kind: 'error';
  message: string;
}

export type ScheduleResult = ScheduleSuccess | ScheduleFailure | ScheduleError;

export class PodScheduler {
  /** where the next pod starts looking through the node list */
  nextStartNodeIndex = 0;

  constructor(
    private readonly snapshot: SnapshotLister,
    private readonly random: () => number = Math.random,
  ) {}

  schedule(fwk: Framework, state: CycleState, pod: PodInfo, percentageOfNodesToScore: number): ScheduleResult {
    const all = this.snapshot.nodeList();
    if (all.length === 0) {
      return { kind: 'unschedulable', numAllNodes: 0, statuses: new Map(), unschedulablePlugins: new Set(), message: 'no nodes available to schedule pods' };
    }
    const pre = fwk.runPreFilter(state, pod);
    if (!pre.status.isSuccess()) {
      if (!pre.status.isRejected()) return { kind: 'error', message: pre.status.message() };
      const statuses = new Map(all.map((n) => [n.name, pre.status] as const));
      return {
        kind: 'unschedulable',
        numAllNodes: all.length,
        statuses,
        preFilterMessage: pre.status.message(),
        unschedulablePlugins: new Set([pre.status.plugin]),
      };
    }

    const statuses = new Map<string, Status>();
    const unschedulablePlugins = new Set<string>();
    const record = (node: NodeInfo, s: Status): ScheduleError | undefined => {
      if (!s.isRejected()) return { kind: 'error', message: `running filter plugin "${s.plugin}" on node "${node.name}": ${s.message()}` };
      statuses.set(node.name, s);
      if (s.plugin) unschedulablePlugins.add(s.plugin);
      return undefined;
    };

    // A pod that preemption made room for tries that node first and alone.
    const nominated = pod.pod.status?.nominatedNodeName;
    if (nominated && (!pre.nodeNames || pre.nodeNames.has(nominated))) {
      const node = this.snapshot.getNode(nominated);
      if (node && fwk.runFilterWithNominatedPods(state, pod, node, pre.skipped).isSuccess()) {
        return { kind: 'scheduled', nodeName: node.name, evaluatedNodes: 1, feasibleNodes: 1 };
      }
    }

    let nodes = all;
    if (pre.nodeNames) {
      nodes = [];
      for (const name of pre.nodeNames) {
        const n = this.snapshot.getNode(name);
        if (n) nodes.push(n);
      }
    }
    const feasible: NodeInfo[] = [];
    const want = pre.nodeNames ? nodes.length : numFeasibleNodesToFind(percentageOfNodesToScore, nodes.length);
    const start = pre.nodeNames ? 0 : this.nextStartNodeIndex % Math.max(1, nodes.length);
    let processed = 0;
    for (let i = 0; i < nodes.length && feasible.length < want; i++) {
      const node = nodes[(start + i) % nodes.length]!;
      processed++;
      const s = fwk.runFilterWithNominatedPods(state, pod, node, pre.skipped);
      if (s.isSuccess()) feasible.push(node);
      else {
        const err = record(node, s);
        if (err) return err;
      }
    }
    if (!pre.nodeNames) this.nextStartNodeIndex = (start + processed) % nodes.length;

    if (feasible.length === 0) {
      if (pre.nodeNames) {
        // Nodes PreFilter ruled out count as rejected by it, so the message covers every node.
        for (const n of all) {
          if (!statuses.has(n.name) && !pre.nodeNames.has(n.name)) statuses.set(n.name, pre.outside ?? pre.status);
        }
      }
      return { kind: 'unschedulable', numAllNodes: all.length, statuses, unschedulablePlugins };
    }
    if (feasible.length === 1) {
      return { kind: 'scheduled', nodeName: feasible[0]!.name, evaluatedNodes: processed, feasibleNodes: 1 };
    }

    const ps = fwk.runPreScore(state, pod, feasible);
    if (!ps.status.isSuccess()) return { kind: 'error', message: `running PreScore plugin "${ps.status.plugin}": ${ps.status.message()}` };
    const totals = fwk.runScore(state, pod, feasible, ps.skipped);
    return {
      kind: 'scheduled',
      nodeName: feasible[this.selectHost(totals)]!.name,
      evaluatedNodes: processed,
      feasibleNodes: feasible.length,
    };
  }

  /** The index of the highest score; among equals each has the same chance (reservoir sampling). */
  selectHost(scores: ArrayLike<number>): number {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < scores.length; i++) {
      const s = scores[i]!;
      const b = scores[best]!;
      if (s > b) {
        best = i;
        ties = 1;
      } else if (s === b) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return best;
  }
}
