// DefaultPreemption (PostFilter): when a pod fits nowhere, look for a node
// where evicting pods of lower priority would make it fit, evicting as few
// and as unimportant pods as possible, then delete them (with their grace
// period) and nominate the node for the pod so lower-priority pods do not
// take the room meanwhile. Pods with preemptionPolicy Never never preempt.
import type { Pod } from '../../src/api/core/v1.js';
import { isNotFound } from '../../src/client/index.js';
import { fitErrorMessage } from '../fiterror.js';
import {
  success,
  unresolvable,
  unschedulable,
  type CycleState,
  type FrameworkHandle,
  type PostFilterPlugin,
  type PostFilterResult,
  type Status,
} from '../framework.js';
import type { NodeInfo, PodInfo } from '../nodeinfo.js';
import { podsResource } from './defaultbinder.js';

export const DEFAULT_PREEMPTION = 'DefaultPreemption';
export const NO_VICTIMS = 'No preemption victims found for incoming pod';
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';

export interface DefaultPreemptionArgs {
  /** share of nodes to dry-run at least (10) and the absolute floor (100), as Kubernetes */
  minCandidateNodesPercentage?: number;
  minCandidateNodesAbsolute?: number;
}

export interface Candidate {
  nodeName: string;
  victims: PodInfo[];
}

function startTime(p: Pod): number {
  const t = Date.parse(p.status?.startTime ?? p.metadata.creationTimestamp ?? '');
  return Number.isFinite(t) ? t : Number.MAX_SAFE_INTEGER;
}

/** MoreImportantPod: higher priority first, then the one running longer. */
export function moreImportantFirst(a: PodInfo, b: PodInfo): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return startTime(a.pod) - startTime(b.pod);
}

/**
 * pickOneNodeForPreemption: the lowest highest-priority victim, then the
 * lowest sum of priorities, then the fewest victims, then the node whose
 * most important victims started last, then the first.
 */
export function pickCandidate(candidates: Candidate[]): Candidate | undefined {
  const highest = (c: Candidate): number => Math.max(...c.victims.map((v) => v.priority), -Infinity);
  const sum = (c: Candidate): number => c.victims.reduce((s, v) => s + v.priority + 2 ** 31, 0);
  const earliestStartOfHighest = (c: Candidate): number => {
    const h = highest(c);
    return Math.min(...c.victims.filter((v) => v.priority === h).map((v) => startTime(v.pod)));
  };
  let pool = candidates;
  const keepMin = (f: (c: Candidate) => number): void => {
    const best = Math.min(...pool.map(f));
    pool = pool.filter((c) => f(c) === best);
  };
  if (pool.length === 0) return undefined;
  keepMin(highest);
  keepMin(sum);
  keepMin((c) => c.victims.length);
  keepMin((c) => -earliestStartOfHighest(c));
  return pool[0];
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = DEFAULT_PREEMPTION;
  private readonly pct: number;
  private readonly abs: number;

  constructor(
    args: DefaultPreemptionArgs,
    private readonly handle: FrameworkHandle,
  ) {
    this.pct = args.minCandidateNodesPercentage ?? 10;
    this.abs = args.minCandidateNodesAbsolute ?? 100;
  }

  postFilter(state: CycleState, pod: PodInfo, statuses: ReadonlyMap<string, Status>): PostFilterResult {
    const result = this.preempt(state, pod, statuses);
    const msg = result.status.message();
    if (!result.status.isSuccess() && msg) return { ...result, status: unschedulable(`preemption: ${msg}`) };
    return result;
  }

  private preempt(state: CycleState, pod: PodInfo, statuses: ReadonlyMap<string, Status>): PostFilterResult {
    const notEligible = this.notEligibleReason(pod, statuses);
    if (notEligible) return { status: unschedulable(notEligible) };

    const snapshot = this.handle.snapshot;
    const all = snapshot.nodeList();
    const dryRun = new Map<string, Status>();
    const potential: NodeInfo[] = [];
    for (const node of all) {
      const s = statuses.get(node.name);
      if (s && s.code === 'UnschedulableAndUnresolvable') dryRun.set(node.name, unresolvable(NOT_HELPFUL));
      else potential.push(node);
    }
    const candidates: Candidate[] = [];
    if (potential.length > 0) {
      const want = Math.min(potential.length, Math.max(this.abs, Math.trunc((potential.length * this.pct) / 100)));
      const offset = Math.floor(Math.random() * potential.length);
      for (let i = 0; i < potential.length && candidates.length < want; i++) {
        const node = potential[(offset + i) % potential.length]!;
        const r = this.selectVictimsOnNode(state, pod, node);
        if ('victims' in r) candidates.push({ nodeName: node.name, victims: r.victims });
        else dryRun.set(node.name, r.status);
      }
    }
    const best = pickCandidate(candidates);
    if (!best) {
      return { status: unschedulable(fitErrorMessage({ numAllNodes: all.length, statuses: dryRun })) };
    }
    this.prepareCandidate(best, pod);
    return { status: success(), nominatedNodeName: best.nodeName };
  }

  /** PodEligibleToPreemptOthers, as the reason it is not (undefined when it is). */
  private notEligibleReason(pod: PodInfo, statuses: ReadonlyMap<string, Status>): string | undefined {
    if (pod.pod.spec.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
    const nominated = pod.pod.status?.nominatedNodeName;
    if (nominated && statuses.get(nominated)?.code !== 'UnschedulableAndUnresolvable') {
      const node = this.handle.snapshot.getNode(nominated);
      for (const p of node?.pods.values() ?? []) {
        if (p.priority < pod.priority && p.pod.metadata.deletionTimestamp) {
          return 'not eligible due to a terminating pod on the nominated node.';
        }
      }
    }
    return undefined;
  }

  /**
   * Removes every lower-priority pod; if the pod then fits, puts back as
   * many as possible, most important first. What cannot be put back is
   * the victim list.
   */
  selectVictimsOnNode(state: CycleState, pod: PodInfo, original: NodeInfo): { victims: PodInfo[] } | { status: Status } {
    const fwk = this.handle.framework();
    const node = original.clone();
    const st = state.clone();
    const lower = [...node.pods.values()].filter((p) => p.priority < pod.priority);
    if (lower.length === 0) return { status: unresolvable(NO_VICTIMS) };
    const remove = (p: PodInfo): void => {
      node.removePod(p.key);
      for (const pl of fwk.preFilter) pl.removePod?.(st, pod, p, node);
    };
    const add = (p: PodInfo): void => {
      node.addPod(p);
      for (const pl of fwk.preFilter) pl.addPod?.(st, pod, p, node);
    };
    for (const p of lower) remove(p);
    const fits = fwk.runFilterWithNominatedPods(st, pod, node);
    if (!fits.isSuccess()) return { status: fits };
    const victims: PodInfo[] = [];
    for (const p of lower.sort(moreImportantFirst)) {
      add(p);
      if (!fwk.runFilterWithNominatedPods(st, pod, node).isSuccess()) {
        remove(p);
        victims.push(p);
      }
    }
    if (victims.length === 0) return { status: unresolvable(NO_VICTIMS) };
    return { victims };
  }

  /** Marks and deletes the victims and clears weaker nominations to that node; runs in the background. */
  private prepareCandidate(c: Candidate, preemptor: PodInfo): void {
    const client = this.handle.client;
    if (!client) return;
    const pods = client.resource<Pod>(podsResource);
    const profile = this.handle.framework().profileName;
    const log = this.handle.log;
    const now = new Date(this.handle.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const work = async (): Promise<void> => {
      await Promise.all(
        c.victims.map(async (v) => {
          const { namespace, name } = v.pod.metadata;
          try {
            await pods.patchStatus(
              namespace,
              name!,
              {
                status: {
                  conditions: [
                    {
                      type: 'DisruptionTarget',
                      status: 'True',
                      reason: 'PreemptionByScheduler',
                      message: `${profile}: preempting to accommodate a higher priority pod`,
                      lastTransitionTime: now,
                    },
                  ],
                },
              },
              'strategic',
            );
          } catch (err) {
            if (isNotFound(err)) return;
            log.debug({ pod: `${namespace}/${name}`, err: String(err) }, 'cannot mark preemption victim');
          }
          try {
            await pods.delete(namespace, name!, v.pod.metadata.uid ? { preconditions: { uid: v.pod.metadata.uid } } : {});
            log.info({ preemptor: `${preemptor.pod.metadata.namespace}/${preemptor.pod.metadata.name}`, victim: `${namespace}/${name}`, node: c.nodeName }, 'preempted pod');
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
        }),
      );
      for (const np of this.handle.nominator.nominatedPodsForNode(c.nodeName)) {
        if (np.priority >= preemptor.priority || np.key === preemptor.key) continue;
        try {
          await pods.patchStatus(np.pod.metadata.namespace, np.pod.metadata.name!, { status: { nominatedNodeName: null } }, 'merge');
        } catch (err) {
          if (!isNotFound(err)) log.debug({ err: String(err) }, 'cannot clear nominated node');
        }
      }
    };
    work().catch((err: unknown) => this.handle.onPreemptionFailed?.(preemptor.pod, err));
  }
}
