// maxSurge and maxUnavailable as numbers of pods (Kubernetes'
// intstr.GetScaledValueFromIntOrPercent and deploymentutil.ResolveFenceposts):
// a percentage of the desired replicas, surge rounded up and unavailable
// rounded down, so that rounding errs towards keeping pods available.
import type { IntOrString } from '../../src/api/apps/v1.js';

/** An int as is; "25%" of total, rounded up or down. Throws on anything else. */
export function scaledValueFromIntOrPercent(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * (surge, unavailable) for desired replicas. Validation forbids both being
 * zero, but a percentage may round unavailable down to zero; then one pod
 * may be unavailable, or the rollout could never start.
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): [number, number] {
  const surge = scaledValueFromIntOrPercent(maxSurge, desired, true);
  let unavailable = scaledValueFromIntOrPercent(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}
