// kube-controller-manager's HorizontalPodAutoscaler flags, as `skiff
// controller-manager` takes them (Go durations such as "15s" or "5m0s"),
// turned into the controller's options. A malformed value is a one-line error.
import { parseGoDuration } from '../../src/api/batch/cron.js';
import type { HorizontalPodAutoscalerOptions } from './controller.js';

export interface HorizontalPodAutoscalerFlags {
  horizontalPodAutoscalerSyncPeriod?: string;
  horizontalPodAutoscalerDownscaleStabilization?: string;
  horizontalPodAutoscalerTolerance?: string | number;
  horizontalPodAutoscalerCpuInitializationPeriod?: string;
  horizontalPodAutoscalerInitialReadinessDelay?: string;
}

function durationMs(flag: string, value: string): number {
  let seconds: number;
  try {
    seconds = parseGoDuration(value.trim());
  } catch {
    throw new Error(`invalid argument "${value}" for "${flag}" flag: time: invalid duration "${value}"`);
  }
  if (seconds < 0) throw new Error(`${flag} must not be negative`);
  return Math.round(seconds * 1000);
}

export function horizontalPodAutoscalerOptionsFromFlags(flags: HorizontalPodAutoscalerFlags): HorizontalPodAutoscalerOptions {
  const opts: HorizontalPodAutoscalerOptions = {};
  if (flags.horizontalPodAutoscalerSyncPeriod !== undefined) {
    opts.syncPeriodMs = durationMs('--horizontal-pod-autoscaler-sync-period', flags.horizontalPodAutoscalerSyncPeriod);
    if (opts.syncPeriodMs < 1) throw new Error('--horizontal-pod-autoscaler-sync-period must be positive');
  }
  if (flags.horizontalPodAutoscalerDownscaleStabilization !== undefined) {
    opts.downscaleStabilizationMs = durationMs('--horizontal-pod-autoscaler-downscale-stabilization', flags.horizontalPodAutoscalerDownscaleStabilization);
  }
  if (flags.horizontalPodAutoscalerCpuInitializationPeriod !== undefined) {
    opts.cpuInitializationPeriodMs = durationMs('--horizontal-pod-autoscaler-cpu-initialization-period', flags.horizontalPodAutoscalerCpuInitializationPeriod);
  }
  if (flags.horizontalPodAutoscalerInitialReadinessDelay !== undefined) {
    opts.initialReadinessDelayMs = durationMs('--horizontal-pod-autoscaler-initial-readiness-delay', flags.horizontalPodAutoscalerInitialReadinessDelay);
  }
  if (flags.horizontalPodAutoscalerTolerance !== undefined) {
    const t = Number(flags.horizontalPodAutoscalerTolerance);
    if (!Number.isFinite(t) || t < 0) {
      throw new Error(`invalid argument "${flags.horizontalPodAutoscalerTolerance}" for "--horizontal-pod-autoscaler-tolerance" flag: expected a non-negative number`);
    }
    opts.tolerance = t;
  }
  return opts;
}
