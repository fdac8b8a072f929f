// kube-controller-manager's node lifecycle flags, as `skiff controller-manager`
// takes them (Go durations such as "40s" or "1m30s", or plain seconds), turned
// into the controller's options. A malformed value is a one-line error.
import type { NodeLifecycleOptions } from './controller.js';

export interface NodeLifecycleFlags {
  nodeMonitorGracePeriod?: string;
  nodeStartupGracePeriod?: string;
  nodeMonitorPeriod?: string;
  nodeEvictionRate?: string | number;
  secondaryNodeEvictionRate?: string | number;
  largeClusterSizeThreshold?: string | number;
  unhealthyZoneThreshold?: string | number;
}

const units: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A Go duration ("40s", "1m30s", "500ms") or a bare number of seconds, in seconds. */
export function parseDurationSeconds(flag: string, value: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * units[m[2]!]!;
    matched = re.lastIndex;
  }
  if (text === '' || matched !== text.length) throw new Error(`invalid value "${value}" for ${flag}: expected a duration such as 40s or 1m30s`);
  return total;
}

function number(flag: string, value: string | number, opts: { integer?: boolean; max?: number } = {}): number {
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isFinite(n) || n < 0 || (opts.integer && !Number.isInteger(n)) || (opts.max !== undefined && n > opts.max)) {
    throw new Error(`invalid value "${value}" for ${flag}: expected a non-negative ${opts.integer ? 'integer' : 'number'}${opts.max !== undefined ? ` up to ${opts.max}` : ''}`);
  }
  return n;
}

export function nodeLifecycleOptionsFromFlags(flags: NodeLifecycleFlags): NodeLifecycleOptions {
  const o: NodeLifecycleOptions = {};
  if (flags.nodeMonitorGracePeriod !== undefined) o.nodeMonitorGracePeriodSeconds = parseDurationSeconds('--node-monitor-grace-period', flags.nodeMonitorGracePeriod);
  if (flags.nodeStartupGracePeriod !== undefined) o.nodeStartupGracePeriodSeconds = parseDurationSeconds('--node-startup-grace-period', flags.nodeStartupGracePeriod);
  if (flags.nodeMonitorPeriod !== undefined) o.nodeMonitorPeriodSeconds = parseDurationSeconds('--node-monitor-period', flags.nodeMonitorPeriod);
  if (flags.nodeEvictionRate !== undefined) o.nodeEvictionRate = number('--node-eviction-rate', flags.nodeEvictionRate);
  if (flags.secondaryNodeEvictionRate !== undefined) o.secondaryNodeEvictionRate = number('--secondary-node-eviction-rate', flags.secondaryNodeEvictionRate);
  if (flags.largeClusterSizeThreshold !== undefined) o.largeClusterSizeThreshold = number('--large-cluster-size-threshold', flags.largeClusterSizeThreshold, { integer: true });
  if (flags.unhealthyZoneThreshold !== undefined) o.unhealthyZoneThreshold = number('--unhealthy-zone-threshold', flags.unhealthyZoneThreshold, { max: 1 });
  if ((o.nodeMonitorPeriodSeconds ?? 5) <= 0) throw new Error('--node-monitor-period must be positive');
  return o;
}
