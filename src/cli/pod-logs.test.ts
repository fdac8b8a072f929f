import { describe, expect, it } from 'vitest';
import { logQuery, parseDuration } from './pod-logs.js';

describe('skiff logs flags', () => {
  it('reads Go durations', () => {
    expect(parseDuration('5m')).toBe(300);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('1.5s')).toBe(1.5);
    expect(() => parseDuration('5 minutes')).toThrow('time: invalid duration "5 minutes"');
  });

  it("turns kubectl's flags into the pods/log query", () => {
    expect(logQuery('app', { tail: -1 })).toEqual({ container: 'app' });
    expect(logQuery('app', { tail: 0, follow: true, previous: true, timestamps: true, since: '2m', limitBytes: 10 })).toEqual({
      container: 'app',
      follow: 'true',
      previous: 'true',
      timestamps: 'true',
      tailLines: '0',
      sinceSeconds: '120',
      limitBytes: '10',
    });
    expect(() => logQuery('app', { tail: -1, since: '1m', sinceTime: '2026-01-01T00:00:00Z' })).toThrow('at most one of');
  });
});
