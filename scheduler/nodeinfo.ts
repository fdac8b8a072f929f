// NodeInfo: what the scheduler knows about one node, kept up to date as pods
// come and go so that filters and scores never walk the pod list again:
// allocatable, the sum of requests, host ports in use, and which pods carry
// inter-pod (anti-)affinity. PodInfo holds what is parsed once per pod.
import type { Node, Pod, PodAffinityTerm, Taint } from '../src/api/core/v1.js';
import type { LabelSelector } from '../src/api/meta.js';
import { taintNodeNotReady, taintNodeUnreachable } from '../src/machinery/taints.js';
import { selectorFromLabelSelector, type Labels, type Selector } from '../src/machinery/labels.js';
import { addInto, CPU, EPHEMERAL_STORAGE, MEMORY, nodeAllocatable, PODS, podNonZeroRequests, podRequests, type ResourceAmounts } from './resources.js';

/** A required (anti-)affinity term, compiled. */
export interface AffinityTerm {
  /** what the term was compiled from (the pod's namespace and the term): terms with equal keys select alike */
  key: string;
  topologyKey: string;
  selector: Selector;
  /** namespaces named in the term (the pod's own when none is named and there is no namespace selector) */
  namespaces: ReadonlySet<string>;
  /** set when the term selects namespaces by label; {} selects all */
  namespaceSelector?: Selector;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

/** Namespace name to labels, for terms with a namespaceSelector. */
export type NamespaceLabels = (namespace: string) => Labels;

export function compileSelector(ls: LabelSelector | undefined): Selector {
  try {
    return selectorFromLabelSelector(ls);
  } catch {
    // The apiserver validates selectors, so this only guards hand-made objects: select nothing.
    return selectorFromLabelSelector(undefined);
  }
}

export function compileTerm(pod: Pod, term: PodAffinityTerm): AffinityTerm {
  const named = term.namespaces ?? [];
  const namespaces = new Set(named.length === 0 && !term.namespaceSelector ? [pod.metadata.namespace ?? ''] : named);
  return {
    key: `${pod.metadata.namespace ?? ''}\x00${JSON.stringify(term)}`,
    topologyKey: term.topologyKey,
    selector: compileSelector(term.labelSelector),
    namespaces,
    ...(term.namespaceSelector ? { namespaceSelector: compileSelector(term.namespaceSelector) } : {}),
  };
}

/** AffinityTerm.Matches: the other pod is in one of the term's namespaces and carries matching labels. */
export function termMatches(term: AffinityTerm, pod: Pod, nsLabels?: NamespaceLabels): boolean {
  const ns = pod.metadata.namespace ?? '';
  const inNamespace =
    term.namespaces.has(ns) || (term.namespaceSelector !== undefined && term.namespaceSelector.matches(nsLabels?.(ns) ?? {}));
  return inNamespace && term.selector.matches(pod.metadata.labels ?? {});
}

export function podKey(pod: Pod): string {
  return pod.metadata.uid || `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

const WELL_KNOWN: ReadonlySet<string> = new Set([CPU, MEMORY, EPHEMERAL_STORAGE, PODS]);

export class PodInfo {
  readonly key: string;
  readonly requests: ResourceAmounts;
  /** the positive requests as a list: the fit filter walks it for every node */
  readonly requestList: readonly (readonly [string, number])[];
  readonly nonZeroRequests: ResourceAmounts;
  // The well-known resources in fixed slots, read for every node by the fit filter and the scores.
  readonly cpuRequest: number;
  readonly memoryRequest: number;
  readonly ephemeralStorageRequest: number;
  /** the positive requests of every other resource (extended resources, hugepages), pods excluded */
  readonly scalarRequests: readonly (readonly [string, number])[];
  readonly nonZeroCpuRequest: number;
  readonly nonZeroMemoryRequest: number;
  readonly requiredAffinity: AffinityTerm[];
  readonly requiredAntiAffinity: AffinityTerm[];
  readonly preferredAffinity: WeightedAffinityTerm[];
  readonly preferredAntiAffinity: WeightedAffinityTerm[];
  readonly hostPorts: HostPort[];
  /** the uid of the owner reference marked controller, if any */
  readonly controllerUid: string | undefined;

  /** parsed, when given, is the PodInfo of the same pod differing only in spec.nodeName: its parse is reused (see boundTo). */
  constructor(
    readonly pod: Pod,
    parsed?: PodInfo,
  ) {
    if (parsed) {
      this.key = parsed.key;
      this.requests = parsed.requests;
      this.requestList = parsed.requestList;
      this.nonZeroRequests = parsed.nonZeroRequests;
      this.cpuRequest = parsed.cpuRequest;
      this.memoryRequest = parsed.memoryRequest;
      this.ephemeralStorageRequest = parsed.ephemeralStorageRequest;
      this.scalarRequests = parsed.scalarRequests;
      this.nonZeroCpuRequest = parsed.nonZeroCpuRequest;
      this.nonZeroMemoryRequest = parsed.nonZeroMemoryRequest;
      this.requiredAffinity = parsed.requiredAffinity;
      this.requiredAntiAffinity = parsed.requiredAntiAffinity;
      this.preferredAffinity = parsed.preferredAffinity;
      this.preferredAntiAffinity = parsed.preferredAntiAffinity;
      this.hostPorts = parsed.hostPorts;
      this.controllerUid = parsed.controllerUid;
      return;
    }
    this.key = podKey(pod);
    this.requests = podRequests(pod);
    this.requestList = [...this.requests].filter(([, v]) => v > 0);
    this.nonZeroRequests = podNonZeroRequests(pod);
    this.cpuRequest = this.requests.get(CPU) ?? 0;
    this.memoryRequest = this.requests.get(MEMORY) ?? 0;
    this.ephemeralStorageRequest = this.requests.get(EPHEMERAL_STORAGE) ?? 0;
    this.scalarRequests = this.requestList.filter(([name]) => !WELL_KNOWN.has(name));
    this.nonZeroCpuRequest = this.nonZeroRequests.get(CPU) ?? 0;
    this.nonZeroMemoryRequest = this.nonZeroRequests.get(MEMORY) ?? 0;
    const aff = pod.spec.affinity;
    this.requiredAffinity = (aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compileTerm(pod, t));
    this.requiredAntiAffinity = (aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) =>
      compileTerm(pod, t),
    );
    const weighted = (list: { weight: number; podAffinityTerm: PodAffinityTerm }[] | undefined): WeightedAffinityTerm[] =>
      (list ?? []).map((w) => ({ ...compileTerm(pod, w.podAffinityTerm), weight: w.weight }));
    this.preferredAffinity = weighted(aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.preferredAntiAffinity = weighted(aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.hostPorts = podHostPorts(pod);
    this.controllerUid = (pod.metadata.ownerReferences ?? []).find((o) => o.controller)?.uid;
  }

  get priority(): number {
    return this.pod.spec.priority ?? 0;
  }

  /** The pod as assumed on nodeName (spec.nodeName set), sharing everything parsed: nothing parsed depends on the node. */
  boundTo(nodeName: string): PodInfo {
    return new PodInfo({ ...this.pod, spec: { ...this.pod.spec, nodeName } }, this);
  }

  hasAffinity(): boolean {
    return (
      this.requiredAffinity.length + this.requiredAntiAffinity.length + this.preferredAffinity.length + this.preferredAntiAffinity.length >
      0
    );
  }
}

/** Host ports in use on a node: ip -> "protocol/port". 0.0.0.0 conflicts with every ip. */
export class HostPortUsage {
  private readonly byIp = new Map<string, Map<string, number>>();

  add(p: HostPort, delta = 1): void {
    let set = this.byIp.get(p.ip);
    if (!set) this.byIp.set(p.ip, (set = new Map()));
    const k = `${p.protocol}/${p.port}`;
    const n = (set.get(k) ?? 0) + delta;
    if (n > 0) set.set(k, n);
    else set.delete(k);
    if (set.size === 0) this.byIp.delete(p.ip);
  }

  conflicts(p: HostPort): boolean {
    const k = `${p.protocol}/${p.port}`;
    if (p.ip === '0.0.0.0') {
      for (const set of this.byIp.values()) if (set.has(k)) return true;
      return false;
    }
    return (this.byIp.get(p.ip)?.has(k) ?? false) || (this.byIp.get('0.0.0.0')?.has(k) ?? false);
  }

  clone(): HostPortUsage {
    const c = new HostPortUsage();
    for (const [ip, set] of this.byIp) c.byIp.set(ip, new Map(set));
    return c;
  }
}

const controllerKey = (namespace: string, uid: string): string => `${namespace}\x00${uid}`;

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const NO_TAINTS: readonly Taint[] = Object.freeze([]);

/** The NoSchedule taint the node lifecycle controller gives a node in this state, or undefined for a Ready node. */
export function readinessTaint(node: Node): Taint | undefined {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  return { key: ready?.status === 'False' ? taintNodeNotReady : taintNodeUnreachable, effect: 'NoSchedule' };
}

export class NodeInfo {
  // What the filters read of the Node object for every node, kept in this object itself: informer
  // objects are replaced, never changed in place, so these hold until setNode, and a filter pass
  // over hundreds of nodes does not wander through each one's object graph.
  private current!: Node;
  private currentName!: string;
  private currentLabels!: Readonly<Record<string, string>>;
  private currentTaints!: readonly Taint[];
  private currentUnschedulable!: boolean;
  private currentReadinessTaint: Taint | undefined;
  private allocatableAmounts!: ResourceAmounts;
  private podCount = 0;
  /** false for a placeholder holding pods bound to a node the cache has not seen (or no longer has) */
  hasNode = true;
  readonly pods = new Map<string, PodInfo>();
  /** pods carrying any inter-pod (anti-)affinity term */
  readonly podsWithAffinity = new Map<string, PodInfo>();
  /** pods carrying required anti-affinity: the incoming pod must not match them */
  readonly podsWithRequiredAntiAffinity = new Map<string, PodInfo>();
  usedPorts = new HostPortUsage();
  /** pods not being deleted, by namespace and controller uid (see controllerKey) */
  private readonly controllerCounts = new Map<string, number>();
  /** the sum of the pods' requests; changed only through addPod and removePod */
  readonly requested: ResourceAmounts = new Map();
  readonly nonZeroRequested: ResourceAmounts = new Map();
  // The well-known resources of the Maps above and of allocatable, in fixed slots for the per-node loops.
  allocatableCpu = 0;
  allocatableMemory = 0;
  allocatableEphemeralStorage = 0;
  allocatablePods = 0;
  requestedCpu = 0;
  requestedMemory = 0;
  requestedEphemeralStorage = 0;
  nonZeroRequestedCpu = 0;
  nonZeroRequestedMemory = 0;
  /** bumped on every change, so callers can tell a stale view */
  generation = 0;

  constructor(node: Node) {
    this.readNode(node);
  }

  get node(): Node {
    return this.current;
  }

  get name(): string {
    return this.currentName;
  }

  get labels(): Readonly<Record<string, string>> {
    return this.currentLabels;
  }

  get taints(): readonly Taint[] {
    return this.currentTaints;
  }

  /** spec.unschedulable: the node is cordoned */
  get unschedulable(): boolean {
    return this.currentUnschedulable;
  }

  /** The taint the node's readiness stands for (see readinessTaint). */
  get readinessTaint(): Taint | undefined {
    return this.currentReadinessTaint;
  }

  get allocatable(): ResourceAmounts {
    return this.allocatableAmounts;
  }

  /** pods.size, kept beside the fixed slots */
  get numPods(): number {
    return this.podCount;
  }

  /** How many of its pods not being deleted are in the namespace and have the controller with this uid. */
  podsOfController(namespace: string, uid: string): number {
    return this.controllerCounts.get(controllerKey(namespace, uid)) ?? 0;
  }

  setNode(node: Node): void {
    this.readNode(node);
    this.generation++;
  }

  addPod(pi: PodInfo): void {
    const old = this.pods.get(pi.key);
    if (old) this.removePod(old.key);
    this.pods.set(pi.key, pi);
    this.podCount = this.pods.size;
    if (pi.hasAffinity()) this.podsWithAffinity.set(pi.key, pi);
    if (pi.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity.set(pi.key, pi);
    addInto(this.requested, pi.requests);
    addInto(this.nonZeroRequested, pi.nonZeroRequests);
    this.readRequested();
    this.countController(pi, 1);
    for (const p of pi.hostPorts) this.usedPorts.add(p);
    this.generation++;
  }

  /** Removes the pod with that key; false when it was not here. */
  removePod(key: string): boolean {
    const pi = this.pods.get(key);
    if (!pi) return false;
    this.pods.delete(key);
    this.podCount = this.pods.size;
    this.podsWithAffinity.delete(key);
    this.podsWithRequiredAntiAffinity.delete(key);
    addInto(this.requested, pi.requests, -1);
    addInto(this.nonZeroRequested, pi.nonZeroRequests, -1);
    this.readRequested();
    this.countController(pi, -1);
    for (const p of pi.hostPorts) this.usedPorts.add(p, -1);
    this.generation++;
    return true;
  }

  /** A copy whose pod set can be changed (preemption's what-ifs, nominated pods) without touching this one. */
  clone(): NodeInfo {
    const c = new NodeInfo(this.current);
    c.allocatableAmounts = this.allocatableAmounts;
    c.readAllocatable();
    for (const [k, v] of this.pods) c.pods.set(k, v);
    c.podCount = c.pods.size;
    for (const [k, v] of this.podsWithAffinity) c.podsWithAffinity.set(k, v);
    for (const [k, v] of this.podsWithRequiredAntiAffinity) c.podsWithRequiredAntiAffinity.set(k, v);
    c.usedPorts = this.usedPorts.clone();
    for (const [k, v] of this.controllerCounts) c.controllerCounts.set(k, v);
    for (const [k, v] of this.requested) c.requested.set(k, v);
    for (const [k, v] of this.nonZeroRequested) c.nonZeroRequested.set(k, v);
    c.readRequested();
    c.generation = this.generation;
    return c;
  }

  private countController(pi: PodInfo, by: number): void {
    if (pi.controllerUid === undefined || pi.pod.metadata.deletionTimestamp) return;
    const k = controllerKey(pi.pod.metadata.namespace ?? '', pi.controllerUid);
    const n = (this.controllerCounts.get(k) ?? 0) + by;
    if (n > 0) this.controllerCounts.set(k, n);
    else this.controllerCounts.delete(k);
  }

  private readNode(node: Node): void {
    this.current = node;
    this.currentName = node.metadata.name ?? '';
    this.currentLabels = node.metadata.labels ?? NO_LABELS;
    this.currentTaints = node.spec.taints ?? NO_TAINTS;
    this.currentUnschedulable = Boolean(node.spec.unschedulable);
    this.currentReadinessTaint = readinessTaint(node);
    this.allocatableAmounts = nodeAllocatable(node);
    this.readAllocatable();
  }

  // The slots are read back from the Maps, so both always hold the very same numbers.
  private readAllocatable(): void {
    const a = this.allocatableAmounts;
    this.allocatableCpu = a.get(CPU) ?? 0;
    this.allocatableMemory = a.get(MEMORY) ?? 0;
    this.allocatableEphemeralStorage = a.get(EPHEMERAL_STORAGE) ?? 0;
    this.allocatablePods = a.get(PODS) ?? 0;
  }

  private readRequested(): void {
    this.requestedCpu = this.requested.get(CPU) ?? 0;
    this.requestedMemory = this.requested.get(MEMORY) ?? 0;
    this.requestedEphemeralStorage = this.requested.get(EPHEMERAL_STORAGE) ?? 0;
    this.nonZeroRequestedCpu = this.nonZeroRequested.get(CPU) ?? 0;
    this.nonZeroRequestedMemory = this.nonZeroRequested.get(MEMORY) ?? 0;
  }
}
