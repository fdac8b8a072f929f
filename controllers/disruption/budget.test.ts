import { describe, expect, it } from 'vitest';
import type { PodDisruptionBudget } from '../../src/api/policy/v1.js';
import type { PodObject } from '../replicaset/pods.js';
import { budgetStatus, countHealthy, expectedPods, liveDisruptedPods, scaledValue } from './budget.js';

const now = Date.parse('2024-05-01T10:00:00Z');
const pod = (name: string, ready = true, deleting = false): PodObject =>
  ({
    metadata: { name, ...(deleting ? { deletionTimestamp: '2024-05-01T10:00:00Z' } : {}) },
    spec: { containers: [] },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  }) as PodObject;
const pdb = (spec: PodDisruptionBudget['spec'], disruptedPods?: Record<string, string>): PodDisruptionBudget => ({
  metadata: { name: 'b', generation: 2 },
  spec,
  ...(disruptedPods ? { status: { disruptedPods, disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 } } : {}),
});
const rs = () => ({ uid: 'rs', scale: 4 });

describe('PodDisruptionBudget arithmetic', () => {
  it('rounds percentages up', () => {
    expect(scaledValue('50%', 3, true)).toBe(2);
    expect(scaledValue(2, 10, true)).toBe(2);
  });

  it('counts selected pods for an integer minAvailable and the controller scale otherwise', () => {
    const pods = [pod('a'), pod('b'), pod('c')];
    expect(expectedPods(pdb({ minAvailable: 2 }), pods, rs)).toEqual({ expectedCount: 3, desiredHealthy: 2, unmanaged: [] });
    expect(expectedPods(pdb({ minAvailable: '50%' }), pods, rs)).toEqual({ expectedCount: 4, desiredHealthy: 2, unmanaged: [] });
    expect(expectedPods(pdb({ maxUnavailable: 1 }), pods, rs)).toEqual({ expectedCount: 4, desiredHealthy: 3, unmanaged: [] });
    expect(expectedPods(pdb({ maxUnavailable: '25%' }), pods, () => undefined).unmanaged).toEqual(['a', 'b', 'c']);
  });

  it('allows as many disruptions as healthy pods beyond the desired, not counting terminating or just-evicted ones', () => {
    const pods = [pod('a'), pod('b'), pod('c'), pod('d', false), pod('e', true, true)];
    const budget = pdb({ minAvailable: 1 }, { b: '2024-05-01T09:59:30Z', c: '2024-05-01T09:57:00Z' });
    const { disrupted, overdue, recheckAt } = liveDisruptedPods(budget, pods, now);
    expect(disrupted).toEqual({ b: '2024-05-01T09:59:30Z' });
    expect(overdue).toEqual(['c']);
    expect(recheckAt).toBe(Date.parse('2024-05-01T10:01:30Z'));
    const healthy = countHealthy(pods, disrupted, now);
    expect(healthy).toBe(2);
    const status = budgetStatus(budget, { currentHealthy: healthy, desiredHealthy: 1, expectedCount: 5, disrupted }, '2024-05-01T10:00:00Z');
    expect(status).toMatchObject({ observedGeneration: 2, disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 5 });
    expect(status.conditions).toEqual([
      { type: 'DisruptionAllowed', status: 'True', observedGeneration: 2, lastTransitionTime: '2024-05-01T10:00:00Z', reason: 'SufficientPods', message: '' },
    ]);
    expect(budgetStatus(budget, { currentHealthy: 1, desiredHealthy: 1, expectedCount: 0, disrupted: {} }, 'x').disruptionsAllowed).toBe(0);
  });
});
