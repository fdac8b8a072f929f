// The subsets of a service's Endpoints (Kubernetes' endpoints controller and
// RepackSubsets): one entry per pod and service port is built first, then
// addresses are grouped by the exact set of ports they offer, so pods whose
// named targetPort resolves to different numbers land in different subsets.
// An address not ready on some port is listed as not ready for that port.
import type { EndpointAddress, EndpointPort, EndpointSubset } from '../../src/api/core/v1.js';
import type { PodObject } from '../replicaset/pods.js';
import {
  findPort,
  ipsOfFamily,
  isPodReady,
  serviceIPFamily,
  shouldPodBeInEndpoints,
  shouldSetHostname,
  type ServiceObject,
} from './pod-endpoints.js';

/** Kubernetes' maxCapacity: beyond this many addresses an Endpoints object is truncated. */
export const maxEndpointsCapacity = 1000;
export const overCapacityAnnotation = 'endpoints.kubernetes.io/over-capacity';

/** podToEndpointAddressForService: the pod's IP in the service's family, its node and a reference to it. */
export function podAddress(svc: ServiceObject, pod: PodObject): EndpointAddress | undefined {
  const ip = ipsOfFamily(pod, serviceIPFamily(svc, pod))[0];
  if (!ip) return undefined;
  const addr: EndpointAddress = {
    ip,
    ...(shouldSetHostname(pod, svc) ? { hostname: pod.spec.hostname } : {}),
    ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
  return addr;
}

/** The Endpoints subsets a service's pods make, repacked and sorted. */
export function subsetsFor(svc: ServiceObject, pods: PodObject[]): EndpointSubset[] {
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  const raw: EndpointSubset[] = [];
  const add = (pod: PodObject, addr: EndpointAddress, port: EndpointPort | undefined): void => {
    const ports = port ? [port] : [];
    if (publishNotReady || isPodReady(pod)) raw.push({ addresses: [addr], ports });
    else raw.push({ notReadyAddresses: [addr], ports });
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const addr = podAddress(svc, pod);
    if (!addr) continue;
    const servicePorts = svc.spec.ports ?? [];
    if (servicePorts.length === 0) {
      // A headless service may have no ports; its addresses are still published.
      if (svc.spec.clusterIP === 'None') add(pod, addr, undefined);
      continue;
    }
    for (const sp of servicePorts) {
      const num = findPort(pod, sp);
      if (num === undefined) continue;
      add(pod, addr, {
        ...(sp.name !== undefined ? { name: sp.name } : {}),
        port: num,
        protocol: sp.protocol ?? 'TCP',
        ...(sp.appProtocol !== undefined ? { appProtocol: sp.appProtocol } : {}),
      });
    }
  }
  return repackSubsets(raw);
}

const addressKey = (a: EndpointAddress): string => `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
const portKey = (p: EndpointPort): string => `${p.name ?? ''}\u0000${p.port}\u0000${p.protocol ?? ''}\u0000${p.appProtocol ?? ''}`;
/** Sentinel for addresses published without ports (headless services without ports). */
const noPort = '\u0001';

const compareAddresses = (a: EndpointAddress, b: EndpointAddress): number =>
  a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
const comparePorts = (a: EndpointPort, b: EndpointPort): number =>
  portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0;

/**
 * RepackSubsets: maps each distinct port to the addresses offering it, then
 * each distinct set of (address, ready) to the ports it offers, and makes one
 * subset per such set. The order is deterministic: addresses by IP then pod
 * uid, ports by name and number, subsets by their first address.
 */
export function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  const allAddrs = new Map<string, EndpointAddress>();
  const ports = new Map<string, { port?: EndpointPort; ready: Map<string, boolean> }>();
  const mapAddress = (addr: EndpointAddress, port: EndpointPort | undefined, ready: boolean): void => {
    const ak = addressKey(addr);
    if (!allAddrs.has(ak)) allAddrs.set(ak, structuredClone(addr));
    const pk = port ? portKey(port) : noPort;
    let entry = ports.get(pk);
    if (!entry) {
      entry = { ...(port ? { port } : {}), ready: new Map() };
      ports.set(pk, entry);
    }
    // Not ready on any subset wins over ready for the same port.
    const was = entry.ready.get(ak);
    if (was === undefined || was) entry.ready.set(ak, ready);
  };
  for (const s of subsets) {
    const list = s.ports && s.ports.length > 0 ? s.ports : [undefined];
    for (const port of list) {
      for (const a of s.addresses ?? []) mapAddress(a, port, true);
      for (const a of s.notReadyAddresses ?? []) mapAddress(a, port, false);
    }
  }
  const groups = new Map<string, { ready: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, ready } of ports.values()) {
    const key = [...ready.entries()]
      .map(([k, r]) => `${k}\u0000${r ? 1 : 0}`)
      .sort()
      .join('\u0002');
    let group = groups.get(key);
    if (!group) {
      group = { ready, ports: [] };
      groups.set(key, group);
    }
    if (port) group.ports.push(port);
  }
  const out: EndpointSubset[] = [];
  for (const { ready, ports: groupPorts } of groups.values()) {
    const addresses: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [k, r] of ready) (r ? addresses : notReady).push(allAddrs.get(k)!);
    addresses.sort(compareAddresses);
    notReady.sort(compareAddresses);
    const subset: EndpointSubset = {};
    if (addresses.length) subset.addresses = addresses;
    if (notReady.length) subset.notReadyAddresses = notReady;
    if (groupPorts.length) subset.ports = groupPorts.sort(comparePorts);
    out.push(subset);
  }
  const first = (s: EndpointSubset): string => {
    const a = s.addresses?.[0] ?? s.notReadyAddresses?.[0];
    return `${a ? addressKey(a) : ''}\u0000${(s.ports ?? []).map(portKey).join('\u0002')}`;
  };
  return out.sort((a, b) => (first(a) < first(b) ? -1 : first(a) > first(b) ? 1 : 0));
}

/**
 * truncateEndpoints: keeps at most maxEndpointsCapacity addresses, ready ones
 * first, spread over the subsets in proportion to their size. True when
 * something was cut (the Endpoints then carries the over-capacity annotation).
 */
export function truncateSubsets(subsets: EndpointSubset[], max = maxEndpointsCapacity): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= max) return false;
  const truncateReady = totalReady > max;
  const limit = truncateReady ? max : max - totalReady;
  const total = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = limit;
  for (const s of subsets) {
    const inSubset = truncateReady ? (s.addresses?.length ?? 0) : (s.notReadyAddresses?.length ?? 0);
    const toBeAdded = Math.min(Math.ceil((inSubset / total) * limit), canBeAdded);
    if (truncateReady) {
      if (s.addresses) s.addresses = s.addresses.slice(0, toBeAdded);
      delete s.notReadyAddresses;
      canBeAdded -= s.addresses?.length ?? 0;
    } else {
      if (s.notReadyAddresses) s.notReadyAddresses = s.notReadyAddresses.slice(0, toBeAdded);
      canBeAdded -= s.notReadyAddresses?.length ?? 0;
    }
  }
  return true;
}

/** Subsets compared as stored: the pods' resourceVersions in targetRef do not count. */
export function subsetsEqual(a: EndpointSubset[] | undefined, b: EndpointSubset[] | undefined): boolean {
  const norm = (list: EndpointSubset[] | undefined): string =>
    JSON.stringify(
      (list ?? []).map((s) => ({
        addresses: (s.addresses ?? []).map(normAddress),
        notReadyAddresses: (s.notReadyAddresses ?? []).map(normAddress),
        ports: (s.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', appProtocol: p.appProtocol ?? '' })),
      })),
    );
  return norm(a) === norm(b);
}

function normAddress(a: EndpointAddress): unknown {
  const ref = a.targetRef;
  return {
    ip: a.ip,
    hostname: a.hostname ?? '',
    nodeName: a.nodeName ?? '',
    targetRef: ref ? { kind: ref.kind ?? '', namespace: ref.namespace ?? '', name: ref.name ?? '', uid: ref.uid ?? '', apiVersion: ref.apiVersion ?? '', fieldPath: ref.fieldPath ?? '' } : null,
  };
}
