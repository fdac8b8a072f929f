// Kubernetes' TriggerTimeTracker: the time of the earliest change (a pod
// turning ready or unready, a new service) that a sync of a service's
// endpoints publishes, so endpoints.kubernetes.io/last-change-trigger-time
// tells consumers how stale what they program is. A pod's trigger is its
// Ready condition's lastTransitionTime; a service's, its creation.
import type { PodObject } from '../replicaset/pods.js';
import type { ServiceObject } from './pod-endpoints.js';

interface State {
  pods: Map<string, number>;
  service: number;
}

const parse = (s: string | null | undefined): number | undefined => {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
};

function podTriggerTime(pod: PodObject): number | undefined {
  return parse(pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);
}

export class TriggerTimeTracker {
  private readonly states = new Map<string, State>();

  /**
   * The earliest trigger among the changes since the last committed sync of
   * this service (undefined when nothing newer happened); the first sync of
   * a service answers its creation time. What was seen is remembered only
   * when the caller commits, once its write succeeded (or was not needed),
   * so a failed write does not lose the trigger for the retry.
   */
  compute(svc: ServiceObject, pods: PodObject[]): { time: number | undefined; commit(): void } {
    const key = `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
    const state = this.states.get(key);
    let min: number | undefined;
    const seen = new Map<string, number>();
    for (const pod of pods) {
      const t = podTriggerTime(pod);
      if (t === undefined) continue;
      const name = pod.metadata.name ?? '';
      seen.set(name, t);
      const before = state?.pods.get(name);
      if (before === undefined || t > before) min = min === undefined ? t : Math.min(min, t);
    }
    const serviceTime = parse(svc.metadata.creationTimestamp) ?? 0;
    if (state === undefined || serviceTime > state.service) min = min === undefined ? serviceTime : Math.min(min, serviceTime);
    const commit = (): void => {
      this.states.set(key, { pods: seen, service: serviceTime });
    };
    if (state === undefined) return { time: serviceTime || undefined, commit };
    return { time: min, commit };
  }

  forget(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}

/** Go's time.RFC3339Nano of a millisecond time: fractional seconds without trailing zeros. */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}
