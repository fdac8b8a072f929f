// The scheduling framework: plugins at named extension points (PreFilter,
// Filter, PostFilter, PreScore, Score with NormalizeScore, Reserve, Bind),
// the Status they answer with, the per-attempt CycleState they share, and
// the cluster events each plugin says may make a pod it rejected fit. A
// placement rule is a plugin; a profile says which plugins run and how much
// each score weighs.
import type { Logger } from 'pino';
import type { Pod } from '../src/api/core/v1.js';
import type { Clock, RestClient } from '../src/client/index.js';
import type { NamespaceLabels, NodeInfo, PodInfo } from './nodeinfo.js';
import type { TermGroup } from './podindex.js';

export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip';

export class Status {
  /** the plugin that answered; set by the framework */
  plugin = '';

  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
  ) {}

  isSuccess(): boolean {
    return this.code === 'Success';
  }

  isSkip(): boolean {
    return this.code === 'Skip';
  }

  /** Unschedulable or UnschedulableAndUnresolvable: the pod does not fit, which is not an error. */
  isRejected(): boolean {
    return this.code === 'Unschedulable' || this.code === 'UnschedulableAndUnresolvable';
  }

  message(): string {
    return this.reasons.join(', ');
  }

  withPlugin(plugin: string): Status {
    if (!this.plugin) this.plugin = plugin;
    return this;
  }
}

const SUCCESS = new Status('Success');
export const success = (): Status => SUCCESS;
export const skip = (): Status => new Status('Skip');
/** Might fit once something changes on the node (including preemption). */
export const unschedulable = (...reasons: string[]): Status => new Status('Unschedulable', reasons);
/** Preempting pods on this node would not help. */
export const unresolvable = (...reasons: string[]): Status => new Status('UnschedulableAndUnresolvable', reasons);
export const errorStatus = (message: string): Status => new Status('Error', [message]);

/** A value kept in CycleState must copy itself: preemption runs what-ifs on a copy of the state. */
export interface StateData {
  clone(): StateData;
}

/** What plugins of one scheduling attempt share (PreFilter's findings read by Filter, ...). */
export class CycleState {
  private readonly data = new Map<string, StateData>();
  /** false while scoring is skipped for a pod that has only one feasible node */
  skipScore = false;

  read<T extends StateData>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: StateData): void {
    this.data.set(key, value);
  }

  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, v.clone());
    c.skipScore = this.skipScore;
    return c;
  }
}

/** Read access to the nodes as of this scheduling cycle. */
export interface SnapshotLister {
  nodeList(): NodeInfo[];
  getNode(name: string): NodeInfo | undefined;
  nodesWithAffinityPods(): Iterable<NodeInfo>;
  nodesWithRequiredAntiAffinityPods(): Iterable<NodeInfo>;
  /** The pods carrying the label key=value, with their nodes (placeholders too: see NodeInfo.hasNode). */
  podsWithLabel(key: string, value: string): ReadonlyMap<PodInfo, NodeInfo>;
  /** Existing pods' required anti-affinity terms, identical ones grouped, with their nodes (placeholders too). */
  requiredAntiAffinityGroups(): Iterable<TermGroup>;
  /** Nodes with pods whose terms weigh when other pods are scored (placeholders too). */
  nodesWithScoringAffinityPods(): Iterable<NodeInfo>;
}

/** Pods waiting for room that preemption is making on a node. */
export interface PodNominator {
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
}

export interface FrameworkHandle {
  snapshot: SnapshotLister;
  namespaceLabels: NamespaceLabels;
  nominator: PodNominator;
  clock: Clock;
  log: Logger;
  /** absent in unit tests that never bind or preempt */
  client?: RestClient;
  /** the framework running the plugin (preemption re-runs the filters) */
  framework(): Framework;
  /** a preemption whose API calls failed: the pod should try again soon */
  onPreemptionFailed?(pod: Pod, err: unknown): void;
}

export interface Plugin {
  readonly name: string;
}

export interface PreFilterResult {
  status: Status;
  /** when set, only these nodes can fit (NodeName, NodeAffinity on metadata.name) */
  nodeNames?: ReadonlySet<string>;
  /** what the nodes left out by nodeNames count as in the failure message */
  outside?: Status;
}

export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo): Status | PreFilterResult;
  /** keeps PreFilter's findings right when preemption adds a pod to a node in a what-if */
  addPod?(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): void;
  removePod?(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): void;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
}

export interface PostFilterResult {
  status: Status;
  nominatedNodeName?: string;
}

export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, statuses: ReadonlyMap<string, Status>): PostFilterResult;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[]): Status;
}

export interface NodeScore {
  name: string;
  score: number;
}

export const MAX_NODE_SCORE = 100;

export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** rescales this plugin's raw scores to 0..MAX_NODE_SCORE in place */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: NodeScore[]): void;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface BindPlugin extends Plugin {
  bind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}

/**
 * The cluster changes that can make a rejected pod fit. An unschedulable
 * pod is moved back to be retried only on an event registered by one of the
 * plugins that rejected it.
 */
export type ClusterEvent =
  | 'NodeAdd'
  | 'NodeDelete'
  | 'NodeLabel'
  | 'NodeTaint'
  | 'NodeAllocatable'
  | 'NodeCondition'
  | 'NodeSpecUnschedulable'
  | 'AssignedPodAdd'
  | 'AssignedPodLabel'
  | 'AssignedPodDelete';

export interface EventRegistration {
  event: ClusterEvent;
  /** false when this particular change cannot help this pod (QueueingHint); absent means always */
  hint?: (pod: Pod, oldObj: unknown, newObj: unknown) => boolean;
}

export interface EnqueueExtensions {
  events(): EventRegistration[];
}

export const isPreFilter = (p: Plugin): p is PreFilterPlugin => typeof (p as Partial<PreFilterPlugin>).preFilter === 'function';
export const isFilter = (p: Plugin): p is FilterPlugin => typeof (p as Partial<FilterPlugin>).filter === 'function';
export const isPostFilter = (p: Plugin): p is PostFilterPlugin => typeof (p as Partial<PostFilterPlugin>).postFilter === 'function';
export const isPreScore = (p: Plugin): p is PreScorePlugin => typeof (p as Partial<PreScorePlugin>).preScore === 'function';
export const isScore = (p: Plugin): p is ScorePlugin => typeof (p as Partial<ScorePlugin>).score === 'function';
export const isReserve = (p: Plugin): p is ReservePlugin => typeof (p as Partial<ReservePlugin>).reserve === 'function';
export const isBind = (p: Plugin): p is BindPlugin => typeof (p as Partial<BindPlugin>).bind === 'function';
export const hasEvents = (p: Plugin): p is Plugin & EnqueueExtensions =>
  typeof (p as Partial<EnqueueExtensions>).events === 'function';

export type ExtensionPoint = 'preFilter' | 'filter' | 'postFilter' | 'preScore' | 'score' | 'reserve' | 'bind';

/** Which plugins run at each extension point, in order, and each score plugin's weight. */
export interface ResolvedPlugins {
  points: Record<ExtensionPoint, string[]>;
  weights: Record<string, number>;
  /** plugin name to its args from pluginConfig */
  args: Record<string, unknown>;
}

export type PluginFactory = (args: unknown, handle: FrameworkHandle) => Plugin;
export type Registry = Record<string, PluginFactory>;

interface WeightedScore {
  plugin: ScorePlugin;
  weight: number;
}

/** One profile's plugins, run in the order the profile lists them. */
export class Framework {
  readonly preFilter: PreFilterPlugin[] = [];
  readonly filter: FilterPlugin[] = [];
  readonly postFilter: PostFilterPlugin[] = [];
  readonly preScore: PreScorePlugin[] = [];
  readonly score: WeightedScore[] = [];
  readonly reserve: ReservePlugin[] = [];
  readonly bind: BindPlugin[] = [];
  private readonly plugins = new Map<string, Plugin>();
  /** score entries reused from cycle to cycle */
  private readonly scorePool: NodeScore[] = [];
  /** the Filter plugins left by the last skipped set seen: one cycle passes the same set for every node */
  private filtersMemo: { skipped: ReadonlySet<string>; size: number; filters: FilterPlugin[] } | undefined;
  private registrations: Map<string, EventRegistration[]> | undefined;

  constructor(
    readonly profileName: string,
    registry: Registry,
    resolved: ResolvedPlugins,
    readonly handle: Omit<FrameworkHandle, 'framework'>,
  ) {
    const fullHandle: FrameworkHandle = { ...handle, framework: () => this };
    const instance = (name: string): Plugin => {
      let p = this.plugins.get(name);
      if (p) return p;
      const factory = registry[name];
      if (!factory) throw new Error(`profile "${profileName}": unknown plugin "${name}"`);
      p = factory(resolved.args[name], fullHandle);
      this.plugins.set(name, p);
      return p;
    };
    const at = <P extends Plugin>(point: ExtensionPoint, is: (p: Plugin) => p is P, into: P[]): void => {
      for (const name of resolved.points[point]) {
        const p = instance(name);
        if (!is(p)) throw new Error(`profile "${profileName}": plugin "${name}" does not extend ${point}`);
        into.push(p);
      }
    };
    at('preFilter', isPreFilter, this.preFilter);
    at('filter', isFilter, this.filter);
    at('postFilter', isPostFilter, this.postFilter);
    at('preScore', isPreScore, this.preScore);
    for (const name of resolved.points.score) {
      const p = instance(name);
      if (!isScore(p)) throw new Error(`profile "${profileName}": plugin "${name}" does not extend score`);
      this.score.push({ plugin: p, weight: resolved.weights[name] ?? 1 });
    }
    at('reserve', isReserve, this.reserve);
    at('bind', isBind, this.bind);
    if (this.bind.length === 0) throw new Error(`profile "${profileName}": at least one bind plugin is needed`);
  }

  pluginNames(): string[] {
    return [...this.plugins.keys()];
  }

  /** The events each plugin registered, by plugin name. */
  eventRegistrations(): ReadonlyMap<string, readonly EventRegistration[]> {
    if (!this.registrations) {
      this.registrations = new Map();
      for (const [name, p] of this.plugins) if (hasEvents(p)) this.registrations.set(name, p.events());
    }
    return this.registrations;
  }

  /**
   * Runs every PreFilter; a rejection stops the cycle. The node names the
   * plugins narrow the search to are intersected.
   */
  runPreFilter(state: CycleState, pod: PodInfo): PreFilterResult & { skipped: Set<string> } {
    let nodeNames: Set<string> | undefined;
    let outside: Status | undefined;
    const skipped = new Set<string>();
    for (const p of this.preFilter) {
      const r = p.preFilter(state, pod);
      const result: PreFilterResult = r instanceof Status ? { status: r } : r;
      if (result.status.isSkip()) {
        skipped.add(p.name);
        continue;
      }
      if (!result.status.isSuccess()) return { status: result.status.withPlugin(p.name), skipped };
      if (result.nodeNames) {
        outside ??= (result.outside ?? unresolvable(`node(s) didn't satisfy plugin ${p.name}`)).withPlugin(p.name);
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => result.nodeNames!.has(n))) : new Set(result.nodeNames);
        if (nodeNames.size === 0) {
          return { status: unresolvable('node(s) didn\'t satisfy plugin(s) [' + p.name + '] simultaneously').withPlugin(p.name), skipped };
        }
      }
    }
    return { status: success(), ...(nodeNames ? { nodeNames } : {}), ...(outside ? { outside } : {}), skipped };
  }

  /** Every Filter in order, stopping at the first that rejects. */
  runFilter(state: CycleState, pod: PodInfo, node: NodeInfo, skipped?: ReadonlySet<string>): Status {
    const filters = this.filtersAfter(skipped);
    for (let i = 0; i < filters.length; i++) {
      const p = filters[i]!;
      const s = p.filter(state, pod, node);
      if (s.code !== 'Success') return s.withPlugin(p.name);
    }
    return SUCCESS;
  }

  /**
   * Kubernetes' RunFilterPluginsWithNominatedPods: pods of at least this
   * priority that preemption has nominated to the node are counted as if
   * already there, so a lower-priority pod cannot take the room they were
   * promised. The pod must fit both with them and without them.
   */
  runFilterWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo, skipped?: ReadonlySet<string>): Status {
    const onNode = this.handle.nominator.nominatedPodsForNode(node.name);
    if (onNode.length > 0) {
      const nominated = onNode.filter((np) => np.key !== pod.key && np.priority >= pod.priority);
      if (nominated.length > 0) {
        const withNominated = node.clone();
        const stateWith = state.clone();
        for (const np of nominated) {
          withNominated.addPod(np);
          for (const p of this.preFilter) p.addPod?.(stateWith, pod, np, withNominated);
        }
        const s = this.runFilter(stateWith, pod, withNominated, skipped);
        if (!s.isSuccess()) return s;
      }
    }
    return this.runFilter(state, pod, node, skipped);
  }

  private filtersAfter(skipped: ReadonlySet<string> | undefined): readonly FilterPlugin[] {
    if (!skipped || skipped.size === 0) return this.filter;
    const memo = this.filtersMemo;
    if (memo && memo.skipped === skipped && memo.size === skipped.size) return memo.filters;
    const filters = this.filter.filter((p) => !skipped.has(p.name));
    this.filtersMemo = { skipped, size: skipped.size, filters };
    return filters;
  }

  runPostFilter(state: CycleState, pod: PodInfo, statuses: ReadonlyMap<string, Status>): PostFilterResult {
    let last: PostFilterResult = { status: unschedulable() };
    for (const p of this.postFilter) {
      const r = p.postFilter(state, pod, statuses);
      if (r.status.isSuccess()) return r;
      last = r;
    }
    return last;
  }

  runPreScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[]): { status: Status; skipped: Set<string> } {
    const skipped = new Set<string>();
    for (const p of this.preScore) {
      const s = p.preScore(state, pod, nodes);
      if (s.isSkip()) skipped.add(p.name);
      else if (!s.isSuccess()) return { status: s.withPlugin(p.name), skipped };
    }
    return { status: success(), skipped };
  }

  /** Each plugin scores every node and normalizes; the weighted sums are returned in node order. */
  runScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[], skipped?: ReadonlySet<string>): Float64Array {
    const n = nodes.length;
    const totals = new Float64Array(n);
    // One list of scores serves every plugin in turn (normalizeScore rewrites it in place), and the next cycle too.
    const scores = this.scoreScratch(nodes);
    for (const { plugin, weight } of this.score) {
      if (skipped?.has(plugin.name)) continue;
      for (let i = 0; i < n; i++) scores[i]!.score = plugin.score(state, pod, nodes[i]!);
      plugin.normalizeScore?.(state, pod, scores);
      for (let i = 0; i < n; i++) totals[i] += scores[i]!.score * weight;
    }
    return totals;
  }

  private scoreScratch(nodes: NodeInfo[]): NodeScore[] {
    const pool = this.scorePool;
    while (pool.length < nodes.length) pool.push({ name: '', score: 0 });
    const scores = pool.length === nodes.length ? pool : pool.slice(0, nodes.length);
    for (let i = 0; i < nodes.length; i++) scores[i]!.name = nodes[i]!.name;
    return scores;
  }

  runReserve(state: CycleState, pod: PodInfo, nodeName: string): Status {
    for (let i = 0; i < this.reserve.length; i++) {
      const p = this.reserve[i]!;
      const s = p.reserve(state, pod, nodeName);
      if (!s.isSuccess()) {
        for (let j = i; j >= 0; j--) this.reserve[j]!.unreserve(state, pod, nodeName);
        return s.withPlugin(p.name);
      }
    }
    return success();
  }

  runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reserve.length - 1; i >= 0; i--) this.reserve[i]!.unreserve(state, pod, nodeName);
  }

  /** The first bind plugin that does not Skip binds. */
  async runBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    for (const p of this.bind) {
      const s = await p.bind(state, pod, nodeName);
      if (s.isSkip()) continue;
      return s.isSuccess() ? s : s.withPlugin(p.name);
    }
    return errorStatus('no bind plugin bound the pod');
  }
}
