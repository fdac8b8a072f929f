import { describe, expect, it } from 'vitest';
import { resolveFenceposts, scaledValueFromIntOrPercent } from './fenceposts.js';

describe('maxSurge and maxUnavailable', () => {
  it('rounds surge up and unavailable down', () => {
    expect(resolveFenceposts('25%', '25%', 10)).toEqual([3, 2]);
    expect(resolveFenceposts('25%', '25%', 3)).toEqual([1, 0]);
    expect(resolveFenceposts('50%', '50%', 5)).toEqual([3, 2]);
    expect(resolveFenceposts(2, 1, 10)).toEqual([2, 1]);
  });

  it('lets one pod be unavailable when both round to zero', () => {
    expect(resolveFenceposts('0%', '10%', 5)).toEqual([0, 1]);
    expect(resolveFenceposts(0, 0, 5)).toEqual([0, 1]);
  });

  it('rejects a string that is not a percentage', () => {
    expect(() => scaledValueFromIntOrPercent('abc', 10, true)).toThrow(/not a percentage/);
    expect(scaledValueFromIntOrPercent(undefined, 10, true)).toBe(0);
  });
});
