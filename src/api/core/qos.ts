// Pod QoS class (pkg/apis/core/helper/qos): Guaranteed when every container
// limits cpu and memory and requests equal limits, BestEffort when nothing
// requests or limits cpu or memory, Burstable otherwise.
import type { Quantity } from '../../machinery/quantity.js';
import type { Container, PodSpec } from './v1.js';
import { tryParseQuantity, ZERO_QUANTITY } from './quantities.js';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const QOS_RESOURCES = new Set(['cpu', 'memory']);

function addPositive(into: Map<string, Quantity>, list: Record<string, string> | undefined, found?: Set<string>): void {
  for (const [name, raw] of Object.entries(list ?? {})) {
    if (!QOS_RESOURCES.has(name)) continue;
    const q = tryParseQuantity(raw);
    if (!q || q.cmp(ZERO_QUANTITY) <= 0) continue;
    found?.add(name);
    const prev = into.get(name);
    into.set(name, prev ? prev.add(q) : q);
  }
}

export function podQOSClass(spec: Pick<PodSpec, 'containers' | 'initContainers'>): QOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const all: Container[] = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  for (const c of all) {
    addPositive(requests, c.resources?.requests);
    const limitsFound = new Set<string>();
    addPositive(limits, c.resources?.limits, limitsFound);
    if (!limitsFound.has('cpu') || !limitsFound.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || lim.cmp(req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
