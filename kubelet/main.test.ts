import { describe, expect, it } from 'vitest';
import { parseDuration, parseLabels, parseTaints, timingFromFlags } from './main.js';

describe('kubelet flags', () => {
  it('reads Go durations', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('0')).toBe(0);
    expect(() => parseDuration('10')).toThrow('time: invalid duration "10"');
    expect(() => parseDuration('10sx')).toThrow();
  });

  it('reads --node-labels and --register-with-taints', () => {
    expect(parseLabels('a=1, example.com/role=edge')).toEqual({ a: '1', 'example.com/role': 'edge' });
    expect(parseLabels(undefined)).toBeUndefined();
    expect(() => parseLabels('novalue')).toThrow('invalid --node-labels entry "novalue"');
    expect(parseTaints('dedicated=gpu:NoSchedule,spot:PreferNoSchedule')).toEqual([
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'spot', effect: 'PreferNoSchedule' },
    ]);
    expect(() => parseTaints('x=y:Sometimes')).toThrow('invalid taint spec "x=y:Sometimes"');
  });

  it('turns the timing flags into kubelet periods', () => {
    expect(timingFromFlags({ nodeStatusUpdateFrequency: '2s', containerRestartBackoff: '1s', containerRestartBackoffMax: '8s', syncFrequency: '30s' })).toEqual({
      nodeStatusUpdateMs: 2_000,
      resyncMs: 30_000,
      crashBackoff: { initialMs: 1_000, maxMs: 8_000 },
    });
    expect(timingFromFlags({})).toEqual({});
  });
});
