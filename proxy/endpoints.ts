// The endpoints of one service port, read from the EndpointSlices of its
// service the way kube-proxy reads them: the slice port with the same name
// and protocol gives the target port, the first address of each endpoint is
// used, and an address listed by several slices is kept once (ready wins).
import type { EndpointSlice } from '../src/api/discovery/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { isIPv4 } from './cidr.js';
import type { ServicePortInfo } from './service-ports.js';

export type EndpointSliceObject = EndpointSlice & KubeObject;

/** the label that ties a slice to its service */
export const serviceNameLabel = 'kubernetes.io/service-name';

export interface EndpointInfo {
  ip: string;
  port: number;
  /** conditions.ready; an absent condition means ready, as the API says */
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  hostname?: string;
  nodeName?: string;
}

export const endpointKey = (ep: Pick<EndpointInfo, 'ip' | 'port'>): string => `${ep.ip}:${ep.port}`;

export function endpointsFor(sp: Pick<ServicePortInfo, 'portName' | 'protocol'>, slices: readonly EndpointSliceObject[]): EndpointInfo[] {
  const byKey = new Map<string, EndpointInfo>();
  for (const slice of slices) {
    if (slice.addressType !== undefined && slice.addressType !== 'IPv4') continue;
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === sp.portName && (p.protocol ?? 'TCP') === sp.protocol);
    if (!port?.port) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses[0];
      if (!ip || !isIPv4(ip)) continue;
      const ready = ep.conditions?.ready !== false;
      const info: EndpointInfo = {
        ip,
        port: port.port,
        ready,
        serving: ep.conditions?.serving ?? ready,
        terminating: ep.conditions?.terminating === true,
        ...(ep.hostname ? { hostname: ep.hostname } : {}),
        ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
      };
      const key = endpointKey(info);
      const seen = byKey.get(key);
      if (!seen || (info.ready && !seen.ready)) byKey.set(key, info);
    }
  }
  return [...byKey.values()].sort(compareEndpoints);
}

export function readyEndpoints(eps: readonly EndpointInfo[]): EndpointInfo[] {
  return eps.filter((e) => e.ready);
}

function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  const an = a.ip.split('.').map(Number);
  const bn = b.ip.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (an[i] !== bn[i]) return an[i]! - bn[i]!;
  return a.port - b.port;
}
