// One probe attempt for a container: picks the probe kind, resolves named
// ports and the default host (the pod IP), and expands $(VAR) in exec
// commands from the container's literal env values, as the kubelet's prober.
import type { Container, Probe } from '../../src/api/core/v1.js';
import type { IntOrString } from '../../src/api/core/primitives.js';
import { expandVariables } from '../env.js';
import type { ContainerRuntime } from '../runtime/interface.js';
import { execProbe } from './exec.js';
import { grpcProbe } from './grpc.js';
import { httpProbe } from './http.js';
import type { ProbeOutcome } from './outcome.js';
import { tcpProbe } from './tcp.js';

export interface ProbeTarget {
  container: Container;
  containerId: string;
  podIP: string;
}

/** probe.ResolveContainerPort: a number, a named container port, or a number written as a string. */
export function resolveContainerPort(port: IntOrString, container: Container): number {
  let n: number;
  if (typeof port === 'number') {
    n = port;
  } else {
    const named = container.ports?.find((p) => p.name === port);
    if (named) n = named.containerPort;
    else if (/^[+-]?\d+$/.test(port)) n = Number(port);
    else throw new Error(`strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`);
  }
  if (n > 0 && n < 65536) return n;
  throw new Error(`invalid port number: ${n}`);
}

/** ExpandContainerCommandOnlyStatic: only literal `value`s; valueFrom variables read as empty. */
function expandCommand(command: string[], container: Container): string[] {
  const vars = new Map((container.env ?? []).map((e) => [e.name, e.value ?? '']));
  return command.map((arg) => expandVariables(arg, (n) => vars.get(n)));
}

function hostFor(host: string | undefined, podIP: string): string {
  const h = host || podIP;
  if (!h) throw new Error('the pod has no IP address yet');
  return h;
}

/**
 * Runs the probe once. Resolves with the outcome; rejects when the probe
 * could not be run at all, which the worker does not count.
 */
export async function runProbe(
  probe: Probe,
  target: ProbeTarget,
  runtime: Pick<ContainerRuntime, 'execSync'>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  if (probe.exec) {
    return execProbe(runtime, target.containerId, expandCommand(probe.exec.command ?? [], target.container), timeoutMs);
  }
  if (probe.httpGet) {
    const g = probe.httpGet;
    const scheme = (g.scheme ?? 'HTTP').toLowerCase();
    if (scheme !== 'http' && scheme !== 'https') throw new Error(`unsupported HTTP scheme ${JSON.stringify(g.scheme)}`);
    return httpProbe(
      {
        scheme,
        host: hostFor(g.host, target.podIP),
        port: resolveContainerPort(g.port, target.container),
        path: g.path ?? '',
        headers: g.httpHeaders ?? [],
      },
      timeoutMs,
      signal,
    );
  }
  if (probe.tcpSocket) {
    return tcpProbe(hostFor(probe.tcpSocket.host, target.podIP), resolveContainerPort(probe.tcpSocket.port, target.container), timeoutMs, signal);
  }
  if (probe.grpc) {
    return grpcProbe(hostFor(undefined, target.podIP), resolveContainerPort(probe.grpc.port, target.container), probe.grpc.service ?? '', timeoutMs, signal);
  }
  throw new Error('missing probe handler');
}
