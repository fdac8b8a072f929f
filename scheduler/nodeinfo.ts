// NodeInfo: what the scheduler knows about one node, kept up to date as pods
// come and go so that filters and scores never walk the pod list again:
// allocatable, the sum of requests, host ports in use, and which pods carry
// inter-pod (anti-)affinity. PodInfo holds what is parsed once per pod.
import type { Node, Pod, PodAffinityTerm, Taint } from '../src/api/core/v1.js';
import type { LabelSelector } from '../src/api/meta.js';
import { selectorFromLabelSelector, type Labels, type Selector } from '../src/machinery/labels.js';
import { addInto, nodeAllocatable, podNonZeroRequests, podRequests, type ResourceAmounts } from './resources.js';

/** A required (anti-)affinity term, compiled. */
export interface AffinityTerm {
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

export class PodInfo {
  readonly key: string;
  readonly requests: ResourceAmounts;
  /** the positive requests as a list: the fit filter walks it for every node */
  readonly requestList: readonly (readonly [string, number])[];
  readonly nonZeroRequests: ResourceAmounts;
  readonly requiredAffinity: AffinityTerm[];
  readonly requiredAntiAffinity: AffinityTerm[];
  readonly preferredAffinity: WeightedAffinityTerm[];
  readonly preferredAntiAffinity: WeightedAffinityTerm[];
  readonly hostPorts: HostPort[];

  constructor(readonly pod: Pod) {
    this.key = podKey(pod);
    this.requests = podRequests(pod);
    this.requestList = [...this.requests].filter(([, v]) => v > 0);
    this.nonZeroRequests = podNonZeroRequests(pod);
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
  }

  get priority(): number {
    return this.pod.spec.priority ?? 0;
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

export class NodeInfo {
  node: Node;
  /** false for a placeholder holding pods bound to a node the cache has not seen (or no longer has) */
  hasNode = true;
  readonly pods = new Map<string, PodInfo>();
  /** pods carrying any inter-pod (anti-)affinity term */
  readonly podsWithAffinity = new Map<string, PodInfo>();
  /** pods carrying required anti-affinity: the incoming pod must not match them */
  readonly podsWithRequiredAntiAffinity = new Map<string, PodInfo>();
  usedPorts = new HostPortUsage();
  requested: ResourceAmounts = new Map();
  nonZeroRequested: ResourceAmounts = new Map();
  allocatable: ResourceAmounts;
  /** bumped on every change, so callers can tell a stale view */
  generation = 0;

  constructor(node: Node) {
    this.node = node;
    this.allocatable = nodeAllocatable(node);
  }

  get name(): string {
    return this.node.metadata.name ?? '';
  }

  get labels(): Readonly<Record<string, string>> {
    return this.node.metadata.labels ?? {};
  }

  get taints(): Taint[] {
    return this.node.spec.taints ?? [];
  }

  setNode(node: Node): void {
    this.node = node;
    this.allocatable = nodeAllocatable(node);
    this.generation++;
  }

  addPod(pi: PodInfo): void {
    const old = this.pods.get(pi.key);
    if (old) this.removePod(old.key);
    this.pods.set(pi.key, pi);
    if (pi.hasAffinity()) this.podsWithAffinity.set(pi.key, pi);
    if (pi.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity.set(pi.key, pi);
    addInto(this.requested, pi.requests);
    addInto(this.nonZeroRequested, pi.nonZeroRequests);
    for (const p of pi.hostPorts) this.usedPorts.add(p);
    this.generation++;
  }

  /** Removes the pod with that key; false when it was not here. */
  removePod(key: string): boolean {
    const pi = this.pods.get(key);
    if (!pi) return false;
    this.pods.delete(key);
    this.podsWithAffinity.delete(key);
    this.podsWithRequiredAntiAffinity.delete(key);
    addInto(this.requested, pi.requests, -1);
    addInto(this.nonZeroRequested, pi.nonZeroRequests, -1);
    for (const p of pi.hostPorts) this.usedPorts.add(p, -1);
    this.generation++;
    return true;
  }

  /** A copy whose pod set can be changed (preemption's what-ifs, nominated pods) without touching this one. */
  clone(): NodeInfo {
    const c = new NodeInfo(this.node);
    c.allocatable = this.allocatable;
    for (const [k, v] of this.pods) c.pods.set(k, v);
    for (const [k, v] of this.podsWithAffinity) c.podsWithAffinity.set(k, v);
    for (const [k, v] of this.podsWithRequiredAntiAffinity) c.podsWithRequiredAntiAffinity.set(k, v);
    c.usedPorts = this.usedPorts.clone();
    c.requested = new Map(this.requested);
    c.nonZeroRequested = new Map(this.nonZeroRequested);
    c.generation = this.generation;
    return c;
  }
}
