// From the metrics' recommendation to the replica count the autoscaler sets
// (Kubernetes' normalizeDesiredReplicas and normalizeDesiredReplicasWithBehaviors):
// recommendations are stabilized over a window (the highest of the last five
// minutes before scaling down, by default; with behavior, also the lowest of
// the scale-up window before scaling up), then bounded by minReplicas,
// maxReplicas and the rate limits: without behavior at most double (at least
// 4) per step; with behavior the Pods and Percent policies over their periods,
// counting the changes already made within each period, the policy that
// allows the most (Max), the least (Min) or none (Disabled).
// Each step says why through the AbleToScale and ScalingLimited conditions.
import type { HorizontalPodAutoscalerSpec, HPAScalingRules } from '../../src/api/autoscaling/v2.js';

type Behavior = NonNullable<HorizontalPodAutoscalerSpec['behavior']>;

interface Recommendation {
  replicas: number;
  atMs: number;
}

interface ScaleEvent {
  change: number;
  atMs: number;
  outdated: boolean;
}

export interface ConditionUpdate {
  type: 'AbleToScale' | 'ScalingLimited';
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface Normalized {
  replicas: number;
  conditions: ConditionUpdate[];
}

/** The default scale-up rules (autoscaling/v2 defaults) for behavior that leaves them out. */
const defaultScaleUp = (): Required<Pick<HPAScalingRules, 'stabilizationWindowSeconds' | 'selectPolicy' | 'policies'>> => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
});

const defaultScaleDown = (): HPAScalingRules => ({ selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });

/** Without behavior, a step up is limited to twice the current count, and at least 4. */
const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

const ready = (message: string): ConditionUpdate => ({ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message });

/** convertDesiredReplicasWithRules: bounds without behavior. */
export function boundWithoutBehavior(current: number, desired: number, min: number, max: number): { replicas: number; reason: string; message: string } {
  const scaleUpLimit = Math.max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM);
  let maximum: number;
  let reason: string;
  let message: string;
  if (max > scaleUpLimit) {
    maximum = scaleUpLimit;
    reason = 'ScaleUpLimit';
    message = 'the desired replica count is increasing faster than the maximum scale rate';
  } else {
    maximum = max;
    reason = 'TooManyReplicas';
    message = 'the desired replica count is more than the maximum replica count';
  }
  if (desired < min) return { replicas: min, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  if (desired > maximum) return { replicas: maximum, reason, message };
  return { replicas: desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}

/** The replicas changed by events within the period before now. */
function changeWithin(periodSeconds: number, events: ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.atMs > cutoff) sum += e.change;
  return sum;
}

/** calculateScaleUpLimitWithScalingRules */
export function scaleUpLimit(current: number, up: ScaleEvent[], down: ScaleEvent[], rules: HPAScalingRules, now: number): number {
  const select = rules.selectPolicy ?? 'Max';
  if (select === 'Disabled') return current;
  let result = select === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const policy of rules.policies ?? []) {
    const period = policy.periodSeconds ?? 0;
    const start = current - changeWithin(period, up, now) + changeWithin(period, down, now);
    let proposed = start;
    if (policy.type === 'Pods') proposed = start + (policy.value ?? 0);
    else if (policy.type === 'Percent') proposed = Math.ceil(start * (1 + (policy.value ?? 0) / 100));
    result = select === 'Min' ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors */
export function scaleDownLimit(current: number, up: ScaleEvent[], down: ScaleEvent[], rules: HPAScalingRules, now: number): number {
  const select = rules.selectPolicy ?? 'Max';
  if (select === 'Disabled') return current;
  let result = select === 'Min' ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const policy of rules.policies ?? []) {
    const period = policy.periodSeconds ?? 0;
    const start = current - changeWithin(period, up, now) + changeWithin(period, down, now);
    let proposed = start;
    if (policy.type === 'Pods') proposed = start - (policy.value ?? 0);
    else if (policy.type === 'Percent') proposed = Math.trunc(start * (1 - (policy.value ?? 0) / 100));
    result = select === 'Min' ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

const longestPeriod = (rules: HPAScalingRules | undefined): number => Math.max(0, ...(rules?.policies ?? []).map((p) => p.periodSeconds ?? 0));

/**
 * The autoscaler's memory per HPA (by key): recent recommendations for
 * stabilization and recent scale events for the rate policies. It lives as
 * long as the controller does, as in Kubernetes.
 */
export class ScalingHistory {
  private readonly recommendations = new Map<string, Recommendation[]>();
  private readonly upEvents = new Map<string, ScaleEvent[]>();
  private readonly downEvents = new Map<string, ScaleEvent[]>();

  constructor(
    private readonly now: () => number,
    /** --horizontal-pod-autoscaler-downscale-stabilization, 5 minutes */
    private readonly downscaleStabilizationMs: number,
  ) {}

  /** recordInitialRecommendation: the current count is the first recommendation of a new HPA. */
  recordInitial(key: string, current: number): void {
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ replicas: current, atMs: this.now() }]);
  }

  forget(key: string): void {
    this.recommendations.delete(key);
    this.upEvents.delete(key);
    this.downEvents.delete(key);
  }

  /** Replaces the recommendation that fell out of every window, or adds one. */
  private record(key: string, replicas: number, oldIndex: number): void {
    const list = this.recommendations.get(key) ?? [];
    const rec = { replicas, atMs: this.now() };
    if (oldIndex >= 0) list[oldIndex] = rec;
    else list.push(rec);
    this.recommendations.set(key, list);
  }

  /** normalizeDesiredReplicas: an HPA without behavior. */
  normalize(key: string, current: number, desired: number, min: number, max: number): Normalized {
    const cutoff = this.now() - this.downscaleStabilizationMs;
    let stabilized = desired;
    let oldIndex = -1;
    (this.recommendations.get(key) ?? []).forEach((r, i) => {
      if (r.atMs < cutoff) oldIndex = i;
      else if (r.replicas > stabilized) stabilized = r.replicas;
    });
    this.record(key, desired, oldIndex);
    const conditions: ConditionUpdate[] = [
      stabilized !== desired
        ? {
            type: 'AbleToScale',
            status: 'True',
            reason: 'ScaleDownStabilized',
            message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
          }
        : ready('recommended size matches current size'),
    ];
    const bounded = boundWithoutBehavior(current, stabilized, min, max);
    conditions.push({ type: 'ScalingLimited', status: bounded.replicas === stabilized ? 'False' : 'True', reason: bounded.reason, message: bounded.message });
    return { replicas: bounded.replicas, conditions };
  }

  /** normalizeDesiredReplicasWithBehaviors */
  normalizeWithBehavior(key: string, behavior: Behavior, current: number, desired: number, min: number, max: number): Normalized {
    const up = { ...defaultScaleUp(), ...definedOf(behavior.scaleUp) };
    const down: HPAScalingRules = { ...defaultScaleDown(), ...definedOf(behavior.scaleDown) };
    // maybeInitScaleDownStabilizationWindow: the flag's window when the HPA names none.
    const downWindow = down.stabilizationWindowSeconds ?? Math.trunc(this.downscaleStabilizationMs / 1000);
    const now = this.now();
    const upCutoff = now - (up.stabilizationWindowSeconds ?? 0) * 1000;
    const downCutoff = now - downWindow * 1000;
    let upRecommendation = desired;
    let downRecommendation = desired;
    let oldIndex = -1;
    (this.recommendations.get(key) ?? []).forEach((r, i) => {
      if (r.atMs > upCutoff) upRecommendation = Math.min(r.replicas, upRecommendation);
      if (r.atMs > downCutoff) downRecommendation = Math.max(r.replicas, downRecommendation);
      if (r.atMs < upCutoff && r.atMs < downCutoff) oldIndex = i;
    });
    let stabilized = current;
    if (stabilized < upRecommendation) stabilized = upRecommendation;
    if (stabilized > downRecommendation) stabilized = downRecommendation;
    this.record(key, desired, oldIndex);

    const conditions: ConditionUpdate[] = [];
    if (stabilized !== desired) {
      conditions.push(
        desired >= current
          ? {
              type: 'AbleToScale',
              status: 'True',
              reason: 'ScaleUpStabilized',
              message: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
            }
          : {
              type: 'AbleToScale',
              status: 'True',
              reason: 'ScaleDownStabilized',
              message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
            },
      );
    } else {
      conditions.push(ready('recommended size matches current size'));
    }

    const upEvents = this.upEvents.get(key) ?? [];
    const downEvents = this.downEvents.get(key) ?? [];
    let replicas = stabilized;
    let reason = 'DesiredWithinRange';
    let message = 'the desired count is within the acceptable range';
    if (stabilized > current) {
      const limit = Math.max(current, scaleUpLimit(current, upEvents, downEvents, up, now));
      let maximum = max;
      let why = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
      if (maximum > limit) {
        maximum = limit;
        why = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
      }
      if (stabilized > maximum) ({ replicas, reason, message } = { replicas: maximum, ...why });
    } else if (stabilized < current) {
      const limit = Math.min(current, scaleDownLimit(current, upEvents, downEvents, down, now));
      let minimum = min;
      let why = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
      if (minimum < limit) {
        minimum = limit;
        why = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };
      }
      if (stabilized < minimum) ({ replicas, reason, message } = { replicas: minimum, ...why });
    }
    conditions.push({ type: 'ScalingLimited', status: replicas === stabilized ? 'False' : 'True', reason, message });
    return { replicas, conditions };
  }

  /** storeScaleEvent: remembered only for HPAs with behavior, whose policies count them. */
  recordScale(key: string, behavior: Behavior | undefined, previous: number, next: number): void {
    if (!behavior || next === previous) return;
    const goingUp = next > previous;
    const store = goingUp ? this.upEvents : this.downEvents;
    const period = longestPeriod(goingUp ? (behavior.scaleUp ?? defaultScaleUp()) : (behavior.scaleDown ?? defaultScaleDown()));
    const now = this.now();
    const events = store.get(key) ?? [];
    let oldIndex = -1;
    events.forEach((e, i) => {
      if (e.atMs <= now - period * 1000) e.outdated = true;
      if (e.outdated) oldIndex = i;
    });
    const event = { change: Math.abs(next - previous), atMs: now, outdated: false };
    if (oldIndex >= 0) events[oldIndex] = event;
    else events.push(event);
    store.set(key, events);
  }
}

function definedOf(rules: HPAScalingRules | undefined): HPAScalingRules {
  const out: HPAScalingRules = {};
  if (!rules) return out;
  if (rules.stabilizationWindowSeconds !== undefined) out.stabilizationWindowSeconds = rules.stabilizationWindowSeconds;
  if (rules.selectPolicy !== undefined) out.selectPolicy = rules.selectPolicy;
  if (rules.policies !== undefined) out.policies = rules.policies;
  return out;
}
