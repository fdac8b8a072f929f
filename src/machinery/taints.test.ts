import { describe, expect, it } from 'vitest';
import type { Taint, Toleration } from '../api/core/v1.js';
import { findMatchingUntoleratedTaint, matchingTolerations, taintNodeNotReady, tolerates, toleratesTaint } from './taints.js';

const gpu: Taint = { key: 'gpu', value: 'yes', effect: 'NoSchedule' };
const notReady: Taint = { key: taintNodeNotReady, effect: 'NoExecute' };

describe('tolerations', () => {
  it('match on key, value and effect, with an empty effect or key (Exists) covering all', () => {
    expect(tolerates({ key: 'gpu', value: 'yes', effect: 'NoSchedule' }, gpu)).toBe(true);
    expect(tolerates({ key: 'gpu', value: 'no' }, gpu)).toBe(false);
    expect(tolerates({ key: 'gpu', operator: 'Exists' }, gpu)).toBe(true);
    expect(tolerates({ key: 'gpu', operator: 'Exists', effect: 'NoExecute' }, gpu)).toBe(false);
    expect(tolerates({ operator: 'Exists' }, notReady)).toBe(true);
    expect(tolerates({ key: 'gpu', operator: 'Gt', value: 'yes' }, gpu)).toBe(false);
    expect(toleratesTaint(undefined, gpu)).toBe(false);
  });

  it('find the first taint the filter picks that nothing tolerates', () => {
    const taints = [gpu, notReady];
    const tolerations: Toleration[] = [{ key: 'gpu', operator: 'Exists' }];
    expect(findMatchingUntoleratedTaint(taints, tolerations, () => true)).toEqual(notReady);
    expect(findMatchingUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoSchedule')).toBeUndefined();
    expect(findMatchingUntoleratedTaint(taints, [], (t) => t.effect === 'NoSchedule')).toEqual(gpu);
  });

  it('name the toleration used for each taint, or none unless all are tolerated', () => {
    const forGpu: Toleration = { key: 'gpu', operator: 'Exists' };
    const forAll: Toleration = { operator: 'Exists' };
    expect(matchingTolerations([gpu, notReady], [forGpu, forAll])).toEqual({ all: true, used: [forGpu, forAll] });
    expect(matchingTolerations([gpu, notReady], [forGpu])).toEqual({ all: false, used: [] });
  });
});
