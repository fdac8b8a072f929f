import { describe, expect, it } from 'vitest';
import { nodeLifecycleOptionsFromFlags, parseDurationSeconds } from './flags.js';

describe('node lifecycle flags', () => {
  it('reads Go durations and plain seconds', () => {
    expect(parseDurationSeconds('--x', '40s')).toBe(40);
    expect(parseDurationSeconds('--x', '1m30s')).toBe(90);
    expect(parseDurationSeconds('--x', '500ms')).toBe(0.5);
    expect(parseDurationSeconds('--x', '12')).toBe(12);
    expect(() => parseDurationSeconds('--node-monitor-grace-period', '40 seconds')).toThrow('invalid value "40 seconds" for --node-monitor-grace-period');
  });

  it('turns flags into controller options, refusing nonsense', () => {
    expect(nodeLifecycleOptionsFromFlags({ nodeMonitorGracePeriod: '3s', nodeEvictionRate: '1' })).toEqual({ nodeMonitorGracePeriodSeconds: 3, nodeEvictionRate: 1 });
    expect(nodeLifecycleOptionsFromFlags({})).toEqual({});
    expect(() => nodeLifecycleOptionsFromFlags({ unhealthyZoneThreshold: '2' })).toThrow('--unhealthy-zone-threshold');
    expect(() => nodeLifecycleOptionsFromFlags({ nodeEvictionRate: 'fast' })).toThrow('--node-eviction-rate');
  });
});
