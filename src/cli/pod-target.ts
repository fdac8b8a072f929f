// Which pod and container `skiff logs` and `skiff exec` talk to, as kubectl
// picks them: POD or TYPE/NAME (a workload's or service's pods, the best one
// for logging first), and the default container of a pod.
import type { Pod } from '../api/core/v1.js';
import type { LabelSelector } from '../api/meta.js';
import { findResource } from '../api/resources.js';
import { labelSelectorToString } from '../machinery/labels.js';
import type { RestClient } from '../client/rest.js';
import { CliError, resolveType } from './context.js';

const PODS = findResource('', 'v1', 'pods')!;
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** kubectl's ordering for logs and exec (podutils.ByLogging): the pod most worth looking at first. */
export function byLogging(a: Pod, b: Pod): number {
  const assigned = (p: Pod) => (p.spec?.nodeName ? 0 : 1);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phaseRank = (p: Pod) => ({ Running: 0, Unknown: 1, Pending: 2 })[p.status?.phase ?? ''] ?? 3;
  if (phaseRank(a) !== phaseRank(b)) return phaseRank(a) - phaseRank(b);
  const ready = (p: Pod) => ((p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') ? 0 : 1);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  const restarts = (p: Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: Pod) => (p.metadata.creationTimestamp ? Date.parse(p.metadata.creationTimestamp) : Number.POSITIVE_INFINITY);
  return created(a) - created(b);
}

function selectorOf(plural: string, obj: Record<string, unknown>): string {
  const spec = (obj.spec ?? {}) as { selector?: unknown };
  if (plural === 'services' || plural === 'replicationcontrollers') {
    const set = (spec.selector ?? {}) as Record<string, string>;
    return Object.entries(set)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  return labelSelectorToString((spec.selector ?? null) as LabelSelector | null);
}

export interface PodTargetOptions {
  /** how long to wait for a workload to have a pod (kubectl's --pod-running-timeout) */
  timeoutMs?: number;
  /** where "Found N pods, using pod/x" goes */
  warn?: NodeJS.WritableStream;
}

/** The pod for POD or TYPE/NAME in the namespace. */
export async function resolvePod(client: RestClient, namespace: string, target: string, opts: PodTargetOptions = {}): Promise<Pod> {
  const slash = target.indexOf('/');
  const pods = client.resource<Pod>(PODS);
  if (slash < 0) return pods.get(namespace, target);
  const typeName = target.slice(0, slash);
  const name = target.slice(slash + 1);
  if (!typeName || !name) throw new CliError(`arguments in resource/name form must have a single resource and name`);
  const info = resolveType(typeName);
  if (info.group === '' && info.plural === 'pods') return pods.get(namespace, name);
  const supported = ['services', 'replicationcontrollers', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs'];
  if (!supported.includes(info.plural)) throw new CliError(`cannot select pods of ${info.plural}`);
  const obj = (await client.resource(info).get(namespace, name)) as unknown as Record<string, unknown>;
  const selector = selectorOf(info.plural, obj);
  if (!selector) throw new CliError(`${info.singular} ${name} has no selector: it selects no pods`);
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    const list = await pods.list(namespace, { labelSelector: selector });
    const items = list.items.filter((p) => !p.metadata.deletionTimestamp);
    if (items.length > 0) {
      items.sort(byLogging);
      if (items.length > 1) opts.warn?.write(`Found ${items.length} pods, using pod/${items[0]!.metadata.name}\n`);
      return items[0]!;
    }
    if (Date.now() >= deadline) throw new CliError('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** "a, b (init: i)" as kubectl lists a pod's containers. */
export function allContainerNames(pod: Pod): string {
  let s = (pod.spec?.containers ?? []).map((c) => c.name).join(', ');
  const init = (pod.spec?.initContainers ?? []).map((c) => c.name);
  const ephemeral = (pod.spec?.ephemeralContainers ?? []).map((c) => c.name);
  if (init.length > 0) s += ` (init: ${init.join(', ')})`;
  if (ephemeral.length > 0) s += ` (ephem: ${ephemeral.join(', ')})`;
  return s;
}

/**
 * The container a verb uses: the one named, else the pod's default-container
 * annotation, else the first; kubectl says which it defaulted to when there
 * was a choice.
 */
export function defaultContainer(pod: Pod, named: string | undefined, warn?: NodeJS.WritableStream): string {
  if (named) return named;
  const containers = pod.spec?.containers ?? [];
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && containers.some((c) => c.name === annotated)) return annotated;
  const first = containers[0];
  if (!first) throw new CliError(`pod ${pod.metadata.name} has no containers`);
  if (containers.length > 1) warn?.write(`Defaulted container "${first.name}" out of: ${allContainerNames(pod)}\n`);
  return first.name;
}
