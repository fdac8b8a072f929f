import { describe, expect, it } from 'vitest';
import { ScalingHistory } from './normalize.js';

class Clock {
  ms = Date.parse('2024-05-01T12:00:00Z');
  readonly now = () => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

const FIVE_MINUTES = 300_000;

describe('without behavior', () => {
  it('holds a scale-down at the highest recommendation of the last five minutes', () => {
    const clock = new Clock();
    const h = new ScalingHistory(clock.now, FIVE_MINUTES);
    h.recordInitial('ns/web', 5);
    clock.advance(60);
    const held = h.normalize('ns/web', 5, 2, 1, 10);
    expect(held.replicas).toBe(5);
    expect(held.conditions[0]).toMatchObject({ type: 'AbleToScale', reason: 'ScaleDownStabilized' });
    clock.advance(241);
    // the initial 5 fell out of the window; the 2 recorded a minute in is what remains
    const released = h.normalize('ns/web', 5, 2, 1, 10);
    expect(released.replicas).toBe(2);
    expect(released.conditions[0]).toMatchObject({ type: 'AbleToScale', reason: 'ReadyForNewScale' });
  });

  it('scales up at once, at most to twice the current count (at least 4)', () => {
    const clock = new Clock();
    const h = new ScalingHistory(clock.now, FIVE_MINUTES);
    h.recordInitial('k', 3);
    const n = h.normalize('k', 3, 10, 1, 20);
    expect(n.replicas).toBe(6);
    expect(n.conditions[1]).toMatchObject({ type: 'ScalingLimited', status: 'True', reason: 'ScaleUpLimit' });
    expect(new ScalingHistory(clock.now, FIVE_MINUTES).normalize('k', 1, 10, 1, 20).replicas).toBe(4);
  });

  it('bounds by minReplicas and maxReplicas with TooFewReplicas and TooManyReplicas', () => {
    const clock = new Clock();
    const over = new ScalingHistory(clock.now, 0).normalize('k', 5, 9, 1, 7);
    expect(over.replicas).toBe(7);
    expect(over.conditions[1]).toMatchObject({ status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' });
    const under = new ScalingHistory(clock.now, 0).normalize('k', 5, 1, 2, 7);
    expect(under.replicas).toBe(2);
    expect(under.conditions[1]).toMatchObject({ status: 'True', reason: 'TooFewReplicas' });
    const within = new ScalingHistory(clock.now, 0).normalize('k', 5, 6, 2, 7);
    expect(within.conditions[1]).toMatchObject({ status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' });
  });
});

describe('with behavior', () => {
  const fast = { scaleDown: { stabilizationWindowSeconds: 0 } };

  it('limits scale-ups by a Pods policy over its period, counting the changes already made', () => {
    const clock = new Clock();
    const h = new ScalingHistory(clock.now, FIVE_MINUTES);
    const behavior = { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } };
    const first = h.normalizeWithBehavior('k', behavior, 2, 6, 1, 10);
    expect(first.replicas).toBe(3);
    expect(first.conditions[1]).toMatchObject({ reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' });
    h.recordScale('k', behavior, 2, 3);
    clock.advance(30);
    expect(h.normalizeWithBehavior('k', behavior, 3, 6, 1, 10).replicas).toBe(3);
    clock.advance(31);
    expect(h.normalizeWithBehavior('k', behavior, 3, 6, 1, 10).replicas).toBe(4);
  });

  it('picks the policy allowing the most change with Max, the least with Min, none with Disabled', () => {
    const clock = new Clock();
    const policies = [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 50, periodSeconds: 15 },
    ];
    const up = (selectPolicy: string) =>
      new ScalingHistory(clock.now, 0).normalizeWithBehavior('k', { ...fast, scaleUp: { stabilizationWindowSeconds: 0, selectPolicy, policies } }, 4, 20, 1, 100).replicas;
    expect(up('Max')).toBe(8);
    expect(up('Min')).toBe(6);
    expect(up('Disabled')).toBe(4);
  });

  it('limits scale-downs by a Percent policy, rounding the remaining count down', () => {
    const clock = new Clock();
    const behavior = { scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } };
    const h = new ScalingHistory(clock.now, FIVE_MINUTES);
    const n = h.normalizeWithBehavior('k', behavior, 9, 1, 1, 20);
    expect(n.replicas).toBe(4);
    expect(n.conditions[1]).toMatchObject({ status: 'True', reason: 'ScaleDownLimit' });
  });

  it('stabilizes scale-downs over the HPA window, or the controller default when it names none', () => {
    const clock = new Clock();
    const own = new ScalingHistory(clock.now, FIVE_MINUTES);
    const behavior = { scaleDown: { stabilizationWindowSeconds: 30 } };
    own.recordInitial('k', 6);
    expect(own.normalizeWithBehavior('k', behavior, 6, 2, 1, 10).replicas).toBe(6);
    clock.advance(31);
    expect(own.normalizeWithBehavior('k', behavior, 6, 2, 1, 10).replicas).toBe(2);

    const fallback = new ScalingHistory(clock.now, FIVE_MINUTES);
    fallback.recordInitial('k', 6);
    clock.advance(31);
    const held = fallback.normalizeWithBehavior('k', { scaleDown: {} }, 6, 2, 1, 10);
    expect(held.replicas).toBe(6);
    expect(held.conditions[0]).toMatchObject({ reason: 'ScaleDownStabilized' });
  });

  it('stabilizes scale-ups over a scale-up window at the lowest recent recommendation', () => {
    const clock = new Clock();
    const h = new ScalingHistory(clock.now, FIVE_MINUTES);
    const behavior = { ...fast, scaleUp: { stabilizationWindowSeconds: 60 } };
    h.recordInitial('k', 2);
    const n = h.normalizeWithBehavior('k', behavior, 2, 8, 1, 10);
    expect(n.replicas).toBe(2);
    expect(n.conditions[0]).toMatchObject({ reason: 'ScaleUpStabilized' });
    clock.advance(61);
    expect(h.normalizeWithBehavior('k', behavior, 2, 8, 1, 10).replicas).toBe(6);
  });
});
