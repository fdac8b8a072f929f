// The runtime settings a container's spec implies: cgroup limits from its
// resources (kuberuntime's calculateLinuxResources) and the effective security
// context (container fields over pod fields).
import type { Container, Pod } from '../src/api/core/v1.js';
import { parseQuantity } from '../src/machinery/quantity.js';

// cm.MinShares, cm.MaxShares, cm.SharesPerCPU
const MIN_SHARES = 2;
const MAX_SHARES = 262144;
const SHARES_PER_CPU = 1024;
/** the smallest CFS quota Kubernetes sets (1 ms of a 100 ms period), i.e. 10m */
const MIN_NANO_CPUS = 10_000_000;

/** MilliCPUToShares: zero means the kernel's minimum, not Docker's "unset" (1024). */
export function milliCpuToShares(milli: number): number {
  if (milli <= 0) return MIN_SHARES;
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor((milli * SHARES_PER_CPU) / 1000)));
}

export function containerResources(container: Container): { memoryLimitBytes?: number; nanoCpus?: number; cpuShares?: number } {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const out: { memoryLimitBytes?: number; nanoCpus?: number; cpuShares?: number } = {};

  const memory = limits.memory === undefined ? 0 : parseQuantity(limits.memory).value();
  if (memory > 0) out.memoryLimitBytes = memory;

  const cpuLimitMilli = limits.cpu === undefined ? 0 : parseQuantity(limits.cpu).milliValue();
  if (cpuLimitMilli > 0) out.nanoCpus = Math.max(MIN_NANO_CPUS, cpuLimitMilli * 1_000_000);

  // Without a request the limit stands in, as the apiserver defaults it for new pods.
  const sharesMilli = requests.cpu !== undefined ? parseQuantity(requests.cpu).milliValue() : cpuLimitMilli;
  out.cpuShares = milliCpuToShares(sharesMilli);
  return out;
}

/** DetermineEffectiveSecurityContext, for the fields the runtime applies. */
export function securityOptions(
  pod: Pod,
  container: Container,
): { runAsUser?: number; runAsGroup?: number; readOnlyRootFilesystem?: boolean; privileged?: boolean } {
  const podSc = pod.spec.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const out: { runAsUser?: number; runAsGroup?: number; readOnlyRootFilesystem?: boolean; privileged?: boolean } = {};
  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? podSc.runAsGroup;
  if (runAsUser !== undefined) out.runAsUser = runAsUser;
  if (runAsGroup !== undefined) out.runAsGroup = runAsGroup;
  if (sc.readOnlyRootFilesystem !== undefined) out.readOnlyRootFilesystem = sc.readOnlyRootFilesystem;
  if (sc.privileged !== undefined) out.privileged = sc.privileged;
  return out;
}
