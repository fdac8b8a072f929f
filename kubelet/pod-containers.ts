// How a pod's spec turns into runtime configs: the sandbox (hostname, DNS,
// host ports, /etc/hosts aliases) and each container (command, env, mounts,
// resources, security), and the restart count a new container carries.
import type { Container, Pod, PodStatus } from '../src/api/core/v1.js';
import { containerResources, securityOptions } from './container-config.js';
import { podDnsConfig, podHostAliases, podHostname } from './dns.js';
import type { EnvVarValue } from './env.js';
import { latestContainer, type RuntimePod } from './pod-actions.js';
import type { ContainerConfig, Mount, PodSandboxConfig, PortMapping } from './runtime/interface.js';

export interface SandboxSettings {
  clusterDNS: string[];
  clusterDomain: string;
}

/** Host port mappings of every container (init containers included), as the kubelet's makePortMappings. */
export function portMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  const seen = new Set<string>();
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      const protocol = p.protocol === 'UDP' || p.protocol === 'SCTP' ? p.protocol : 'TCP';
      const key = `${p.hostPort}/${protocol}/${p.hostIP ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ protocol, containerPort: p.containerPort, hostPort: p.hostPort, ...(p.hostIP ? { hostIP: p.hostIP } : {}) });
    }
  }
  return out;
}

export function sandboxConfig(pod: Pod, attempt: number, settings: SandboxSettings): PodSandboxConfig {
  const dns = podDnsConfig(pod, { clusterDNS: settings.clusterDNS, clusterDomain: settings.clusterDomain });
  // the runtime writes the pod's own name against its IP; only spec.hostAliases need passing
  const hostAliases = podHostAliases(pod, '', settings.clusterDomain);
  return {
    podName: pod.metadata.name ?? '',
    namespace: pod.metadata.namespace ?? 'default',
    uid: pod.metadata.uid ?? '',
    attempt,
    hostname: podHostname(pod),
    hostNetwork: pod.spec.hostNetwork ?? false,
    ...(dns ? { dns } : {}),
    portMappings: portMappings(pod),
    ...(hostAliases.length ? { hostAliases } : {}),
    ...(pod.metadata.labels ? { labels: { ...pod.metadata.labels } } : {}),
    ...(pod.metadata.annotations ? { annotations: { ...pod.metadata.annotations } } : {}),
  };
}

/**
 * The restart count of the container about to be created: one more than the
 * newest instance the runtime has, or, when the runtime has none (removed,
 * or a new sandbox), carried on from the status last reported.
 */
export function nextRestartCount(rp: RuntimePod, name: string, lastStatus: PodStatus | undefined, isInit: boolean): number {
  const latest = latestContainer(rp, name);
  if (latest) return latest.attempt + 1;
  const statuses = isInit ? lastStatus?.initContainerStatuses : lastStatus?.containerStatuses;
  const s = statuses?.find((x) => x.name === name);
  if (!s) return 0;
  const hasRun = s.state?.running !== undefined || s.state?.terminated !== undefined || s.lastState?.terminated !== undefined;
  return hasRun ? s.restartCount + 1 : s.restartCount;
}

export function containerConfig(pod: Pod, container: Container, env: EnvVarValue[], mounts: Mount[], attempt: number): ContainerConfig {
  return {
    name: container.name,
    image: container.image ?? '',
    ...(container.command ? { command: [...container.command] } : {}),
    ...(container.args ? { args: [...container.args] } : {}),
    env,
    ...(container.workingDir ? { workingDir: container.workingDir } : {}),
    mounts,
    ...(container.tty ? { tty: true } : {}),
    ...(container.stdin ? { stdin: true } : {}),
    ...(container.stdinOnce ? { stdinOnce: true } : {}),
    ...containerResources(container),
    ...securityOptions(pod, container),
    attempt,
    ...(container.terminationMessagePath ? { terminationMessagePath: container.terminationMessagePath } : {}),
  };
}

/**
 * The grace period a container killed outside pod deletion gets: a failed
 * probe's own terminationGracePeriodSeconds, else the pod's (30 by default).
 */
export function containerGracePeriod(pod: Pod, container: Container | undefined, reason?: 'LivenessProbe' | 'StartupProbe' | 'Unknown'): number {
  const probeGrace =
    reason === 'LivenessProbe'
      ? container?.livenessProbe?.terminationGracePeriodSeconds
      : reason === 'StartupProbe'
        ? container?.startupProbe?.terminationGracePeriodSeconds
        : undefined;
  return probeGrace ?? pod.spec.terminationGracePeriodSeconds ?? 30;
}
