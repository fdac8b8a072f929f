// Resource arithmetic as the scheduler does it: quantities turned into plain
// numbers once (millicores for cpu, bytes or counts for everything else), a
// pod's effective request with init containers and sidecars counted as
// Kubernetes counts them, and the "non-zero" request used only for scoring.
import type { Container, Node, Pod } from '../src/api/core/v1.js';
import { Quantity } from '../src/machinery/quantity.js';

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/** What a container without a cpu or memory request counts as when scoring (schedutil's defaults). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** Resource name to amount: millicores for cpu, the integer value (rounded up) for every other resource. */
export type ResourceAmounts = Map<string, number>;

// Every pod and node update parses its quantities again, and the same few texts ("100m", "128Mi") recur.
const MAX_REMEMBERED = 4096;
const milliAmounts = new Map<string, number>();
const amounts = new Map<string, number>();

/** The amount one quantity text stands for; a text that does not parse counts as 0, as the apiserver never stores one. */
export function amountOf(resource: string, text: string | undefined): number {
  if (text === undefined) return 0;
  const milli = resource === CPU;
  const known = milli ? milliAmounts : amounts;
  const seen = known.get(text);
  if (seen !== undefined) return seen;
  let v: number;
  try {
    const q = Quantity.parse(text);
    v = milli ? q.milliValue() : q.value();
  } catch {
    v = 0;
  }
  if (known.size >= MAX_REMEMBERED) known.clear();
  known.set(text, v);
  return v;
}

export function amountsOf(list: Record<string, string> | undefined): ResourceAmounts {
  const out: ResourceAmounts = new Map();
  for (const [name, text] of Object.entries(list ?? {})) out.set(name, amountOf(name, text));
  return out;
}

export function addInto(into: ResourceAmounts, other: ReadonlyMap<string, number>, sign = 1): void {
  for (const [k, v] of other) into.set(k, (into.get(k) ?? 0) + sign * v);
}

function maxInto(into: ResourceAmounts, other: ReadonlyMap<string, number>): void {
  for (const [k, v] of other) if (v > (into.get(k) ?? 0)) into.set(k, v);
}

type RequestsOf = (c: Container) => ResourceAmounts;

/**
 * resourcehelper.PodRequests: app containers and sidecars (init containers
 * with restartPolicy Always) run together; each plain init container runs
 * alone beside the sidecars started before it; the pod needs the larger of
 * the two, plus its overhead. Pod-level requests, when given, win for the
 * resources they name.
 */
function combine(pod: Pod, requestsOf: RequestsOf): ResourceAmounts {
  const containers = pod.spec.containers ?? [];
  // Most pods: one container and nothing to add or compare with, so its own requests are the pod's.
  if (containers.length === 1 && !pod.spec.initContainers?.length && !pod.spec.resources?.requests && !pod.spec.overhead) {
    return requestsOf(containers[0]!);
  }
  const reqs: ResourceAmounts = new Map();
  for (const c of pod.spec.containers ?? []) addInto(reqs, requestsOf(c));
  const sidecars: ResourceAmounts = new Map();
  const initMax: ResourceAmounts = new Map();
  for (const c of pod.spec.initContainers ?? []) {
    const own = requestsOf(c);
    if (c.restartPolicy === 'Always') {
      addInto(reqs, own);
      addInto(sidecars, own);
      maxInto(initMax, sidecars);
    } else {
      const whileRunning = new Map(own);
      addInto(whileRunning, sidecars);
      maxInto(initMax, whileRunning);
    }
  }
  maxInto(reqs, initMax);
  const podLevel = pod.spec.resources?.requests;
  if (podLevel) for (const [k, v] of amountsOf(podLevel)) if (k === CPU || k === MEMORY) reqs.set(k, v);
  if (pod.spec.overhead) addInto(reqs, amountsOf(pod.spec.overhead));
  return reqs;
}

/** What the pod asks of a node: used by the fit filter and for the node's requested total. */
export function podRequests(pod: Pod): ResourceAmounts {
  return combine(pod, (c) => amountsOf(c.resources?.requests));
}

/** Like podRequests, but a container that names no cpu or memory request counts the defaults (scoring only). */
export function podNonZeroRequests(pod: Pod): ResourceAmounts {
  return combine(pod, (c) => {
    const reqs = c.resources?.requests ?? {};
    const out = new Map<string, number>();
    out.set(CPU, reqs[CPU] === undefined ? DEFAULT_MILLI_CPU_REQUEST : amountOf(CPU, reqs[CPU]));
    out.set(MEMORY, reqs[MEMORY] === undefined ? DEFAULT_MEMORY_REQUEST : amountOf(MEMORY, reqs[MEMORY]));
    return out;
  });
}

/** A node's allocatable, falling back to capacity for what allocatable leaves out (as kubelet reports both). */
export function nodeAllocatable(node: Node): ResourceAmounts {
  const out = amountsOf(node.status?.capacity);
  for (const [k, v] of amountsOf(node.status?.allocatable)) out.set(k, v);
  return out;
}
