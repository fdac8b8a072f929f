import { describe, expect, it } from 'vitest';
import { humanDuration } from './duration.js';

describe('humanDuration', () => {
  it('prints ages the way kubectl does', () => {
    const s = 1000;
    expect(humanDuration(5 * s)).toBe('5s');
    expect(humanDuration(119 * s)).toBe('119s');
    expect(humanDuration(150 * s)).toBe('2m30s');
    expect(humanDuration(600 * s)).toBe('10m');
    expect(humanDuration(3 * 3600 * s + 5 * 60 * s)).toBe('3h5m');
    expect(humanDuration(20 * 3600 * s)).toBe('20h');
    expect(humanDuration(3 * 86400 * s + 4 * 3600 * s)).toBe('3d4h');
    expect(humanDuration(30 * 86400 * s)).toBe('30d');
    expect(humanDuration(3 * 365 * 86400 * s + 10 * 86400 * s)).toBe('3y10d');
  });
});
