// What both endpoint controllers (Endpoints and EndpointSlices) need to know
// about a service's pods (Kubernetes' endpointslice util and podutil): which
// pods are published at all, the pod's address in the service's IP family,
// the port a service port resolves to on a pod, and which services a pod
// belongs to.
import type { Service, ServicePort } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import type { EventHandlers, Informer } from '../../src/client/index.js';
import { isIP } from 'node:net';
import { isPodReady, type PodObject } from '../replicaset/pods.js';

export { isPodReady };

export type ServiceObject = Service & KubeObject;

/** Annotation on Endpoints and EndpointSlices: when the change they publish happened. */
export const lastChangeTriggerTimeAnnotation = 'endpoints.kubernetes.io/last-change-trigger-time';
/** Label on the Endpoints and slices of a service without a cluster IP. */
export const headlessServiceLabel = 'service.kubernetes.io/headless';

/**
 * A service whose pods this controller publishes: one with a selector and
 * not of type ExternalName. An empty selector counts as none, as it does in
 * Kubernetes, whose storage cannot tell an empty map from a missing one.
 */
export function selectsPods(svc: ServiceObject): boolean {
  if (svc.spec.type === 'ExternalName') return false;
  return Object.keys(svc.spec.selector ?? {}).length > 0;
}

export function matchesSelector(svc: ServiceObject, pod: PodObject): boolean {
  const selector = svc.spec.selector ?? {};
  const keys = Object.keys(selector);
  if (keys.length === 0) return false;
  const labels = pod.metadata.labels ?? {};
  return keys.every((k) => labels[k] === selector[k]);
}

/** helper.IsServiceIPSet: a cluster IP that is neither empty nor "None". */
export function hasClusterIP(svc: ServiceObject): boolean {
  const ip = svc.spec.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}

const isTerminal = (pod: PodObject): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** Every IP the pod reports, podIPs first and podIP when that list is empty. */
export function podIPs(pod: PodObject): string[] {
  const list = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip) => ip !== '');
  if (list.length > 0) return list;
  return pod.status?.podIP ? [pod.status.podIP] : [];
}

/**
 * ShouldPodBeInEndpoints: finished pods and pods without an IP are never
 * published; terminating ones only when asked to (publishNotReadyAddresses
 * for Endpoints; always for EndpointSlices, which mark them terminating).
 */
export function shouldPodBeInEndpoints(pod: PodObject, includeTerminating: boolean): boolean {
  if (isTerminal(pod)) return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

export type IPFamily = 'IPv4' | 'IPv6';

/** The IP family a service's endpoints are published in: its first ipFamilies entry, else its cluster IP's. */
export function serviceIPFamily(svc: ServiceObject, pod?: PodObject): IPFamily {
  const first = svc.spec.ipFamilies?.[0];
  if (first === 'IPv6' || first === 'IPv4') return first;
  if (hasClusterIP(svc)) return isIP(svc.spec.clusterIP ?? '') === 6 ? 'IPv6' : 'IPv4';
  const podIP = pod?.status?.podIP ?? '';
  return isIP(podIP) === 6 ? 'IPv6' : 'IPv4';
}

export function ipsOfFamily(pod: PodObject, family: IPFamily): string[] {
  return podIPs(pod).filter((ip) => (isIP(ip) === 6) === (family === 'IPv6'));
}

/** ShouldSetHostname: the pod names the service as its subdomain and has a hostname. */
export function shouldSetHostname(pod: PodObject, svc: ServiceObject): boolean {
  return (
    Boolean(pod.spec.hostname) &&
    pod.spec.subdomain === svc.metadata.name &&
    pod.metadata.namespace === svc.metadata.namespace
  );
}

/**
 * podutil.FindPort: a numeric targetPort is used as is; a named one is looked
 * up among the pod's container ports (and its restartable init containers')
 * by name and protocol. undefined when the pod has no such port, in which
 * case the pod is left out of that port's endpoints.
 */
export function findPort(pod: PodObject, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  const asNumber = Number(target);
  if (target !== '' && Number.isInteger(asNumber) && String(asNumber) === target) return asNumber;
  const protocol = port.protocol ?? 'TCP';
  const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const c of [...pod.spec.containers, ...sidecars]) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** The keys (namespace/name) of the services among these whose selector picks the pod. */
export function servicesSelecting(services: ServiceObject[], pod: PodObject): string[] {
  return services
    .filter((svc) => selectsPods(svc) && matchesSelector(svc, pod))
    .map((svc) => `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`);
}

/**
 * Whether a pod update can change what the endpoints of its services show
 * (GetServicesToUpdateOnPodChange's podEndpointsChanged): its IPs, readiness,
 * node, hostname or subdomain, ports, deletion or phase. Labels are compared
 * by the caller, since they change which services are involved.
 */
export function podEndpointsChanged(old: PodObject, cur: PodObject): boolean {
  if (Boolean(old.metadata.deletionTimestamp) !== Boolean(cur.metadata.deletionTimestamp)) return true;
  if (isPodReady(old) !== isPodReady(cur)) return true;
  if (isTerminal(old) !== isTerminal(cur)) return true;
  if (podIPs(old).join(',') !== podIPs(cur).join(',')) return true;
  if ((old.spec.nodeName ?? '') !== (cur.spec.nodeName ?? '')) return true;
  if ((old.spec.hostname ?? '') !== (cur.spec.hostname ?? '') || (old.spec.subdomain ?? '') !== (cur.spec.subdomain ?? '')) return true;
  const ports = (p: PodObject) => JSON.stringify(p.spec.containers.map((c) => c.ports ?? []));
  return ports(old) !== ports(cur);
}

/**
 * Pod event handlers that enqueue the keys of the services whose endpoints
 * the event may change (GetPodServiceMemberships and
 * GetServicesToUpdateOnPodChange): an update counts only when the labels or
 * what the endpoints show changed, and then the old labels' services too.
 */
export function podEventsToServices(
  services: Pick<Informer<ServiceObject>, 'list'>,
  enqueueKey: (key: string) => void,
): EventHandlers<PodObject> {
  const enqueueServicesOf = (pod: PodObject): void => {
    for (const key of servicesSelecting(services.list(pod.metadata.namespace ?? ''), pod)) enqueueKey(key);
  };
  return {
    onAdd: enqueueServicesOf,
    onUpdate: (old, cur) => {
      if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
      const labelsChanged = !labelsEqual(old.metadata.labels, cur.metadata.labels);
      if (!labelsChanged && !podEndpointsChanged(old, cur)) return;
      const candidates = services.list(cur.metadata.namespace ?? '');
      const keys = new Set(servicesSelecting(candidates, cur));
      if (labelsChanged) for (const k of servicesSelecting(candidates, old)) keys.add(k);
      for (const k of keys) enqueueKey(k);
    },
    onDelete: enqueueServicesOf,
  };
}

export function labelsEqual(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  const bk = Object.keys(b ?? {});
  if (ak.length !== bk.length) return false;
  return ak.every((k) => (a ?? {})[k] === (b ?? {})[k]);
}
