// What a service's EndpointSlices should be, and the fewest writes that get
// there (Kubernetes' endpointslice reconciler): desired endpoints are grouped
// by the ports they resolve to; existing slices keep the endpoints still
// wanted (updated in place when an endpoint changed), slices left empty are
// deleted, slices being updated anyway are filled up first, then the
// remainder goes into the unchanged slice it fits best or into new slices of
// at most maxEndpointsPerSlice. A deletion paired with a creation becomes an
// update of the slice that would have been deleted.
import type { Node } from '../../src/api/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from '../../src/api/discovery/v1.js';
import type { KubeObject, OwnerReference } from '../../src/api/meta.js';
import type { PodObject } from '../replicaset/pods.js';
import {
  findPort,
  hasClusterIP,
  headlessServiceLabel,
  ipsOfFamily,
  isPodReady,
  serviceIPFamily,
  shouldPodBeInEndpoints,
  shouldSetHostname,
  type IPFamily,
  type ServiceObject,
} from '../endpoints/pod-endpoints.js';

export type EndpointSliceObject = EndpointSlice & KubeObject;

/** Kubernetes' --max-endpoints-per-slice default. */
export const defaultMaxEndpointsPerSlice = 100;
export const serviceNameLabel = 'kubernetes.io/service-name';
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const controllerName = 'endpointslice-controller.k8s.io';
export const zoneLabel = 'topology.kubernetes.io/zone';

/** The endpoints wanted for one distinct list of ports, keyed by endpointHash. */
export interface DesiredGroup {
  ports: EndpointPort[];
  endpoints: Map<string, Endpoint>;
}

export interface Desired {
  addressType: IPFamily;
  /** keyed by portMapKey */
  groups: Map<string, DesiredGroup>;
  /** nodes named by pods that are not (yet) known: those pods were left out */
  missingNodes: string[];
}

/** The identity of an endpoint across syncs (hashEndpoint): its addresses, hostname and pod. */
export function endpointHash(ep: Endpoint): string {
  return JSON.stringify([[...ep.addresses].sort(), ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);
}

/** A list of ports as a key, independent of order (NewPortMapKey). */
export function portMapKey(ports: EndpointPort[] | null | undefined): string {
  return JSON.stringify((ports ?? []).map((p) => JSON.stringify([p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? ''])).sort());
}

/** getEndpointPorts: the service ports the pod offers, with the numbers they resolve to on it. */
export function endpointPorts(svc: ServiceObject, pod: PodObject): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port, ...(sp.appProtocol !== undefined ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

/** podToEndpoint: addresses of the slice's family, the three conditions, node, zone and pod reference. */
export function podToEndpoint(pod: PodObject, node: Node | undefined, svc: ServiceObject, family: IPFamily): Endpoint {
  const serving = isPodReady(pod);
  const terminating = Boolean(pod.metadata.deletionTimestamp);
  // A terminating pod is never ready unless the service publishes pods whatever their state.
  const ready = svc.spec.publishNotReadyAddresses === true || (serving && !terminating);
  const zone = node?.metadata.labels?.[zoneLabel];
  return {
    addresses: ipsOfFamily(pod, family),
    conditions: { ready, serving, terminating },
    ...(shouldSetHostname(pod, svc) ? { hostname: pod.spec.hostname } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    ...(zone ? { zone } : {}),
  };
}

/** The endpoints a service's pods make, grouped by their ports. */
export function desiredEndpoints(svc: ServiceObject, pods: PodObject[], nodeOf: (name: string) => Node | undefined): Desired {
  const addressType = serviceIPFamily(svc);
  const groups = new Map<string, DesiredGroup>();
  const missingNodes: string[] = [];
  const sorted = [...pods].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const pod of sorted) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const nodeName = pod.spec.nodeName ?? '';
    const node = nodeName ? nodeOf(nodeName) : undefined;
    if (nodeName && !node && svc.spec.publishNotReadyAddresses !== true) {
      // The pod names a node not known yet: leave it out and look again later.
      missingNodes.push(nodeName);
      continue;
    }
    const ep = podToEndpoint(pod, node, svc, addressType);
    if (ep.addresses.length === 0) continue;
    const key = portMapKey(ports);
    let group = groups.get(key);
    if (!group) {
      group = { ports, endpoints: new Map() };
      groups.set(key, group);
    }
    group.endpoints.set(endpointHash(ep), ep);
  }
  return { addressType, groups, missingNodes };
}

function normalEndpoint(ep: Endpoint): string {
  const ref = ep.targetRef;
  return JSON.stringify([
    ep.nodeName ?? '',
    ep.zone ?? '',
    ep.conditions?.ready ?? null,
    ep.conditions?.serving ?? null,
    ep.conditions?.terminating ?? null,
    ep.hints ?? null,
    ref ? [ref.kind ?? '', ref.namespace ?? '', ref.name ?? '', ref.uid ?? '', ref.apiVersion ?? '', ref.fieldPath ?? ''] : null,
  ]);
}

/** EndpointsEqualBeyondHash: same node, zone, conditions, hints and pod (resourceVersion aside). */
export function endpointsEqualBeyondHash(a: Endpoint, b: Endpoint): boolean {
  return normalEndpoint(a) === normalEndpoint(b);
}

/** The labels a slice of this service carries: the service's own (reserved ones aside) and the controller's. */
export function sliceLabels(svc: ServiceObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) {
    if (k === serviceNameLabel || k === managedByLabel || k === headlessServiceLabel) continue;
    labels[k] = v;
  }
  if (!hasClusterIP(svc)) labels[headlessServiceLabel] = '';
  labels[serviceNameLabel] = svc.metadata.name ?? '';
  labels[managedByLabel] = controllerName;
  return labels;
}

function labelsDiffer(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b).length) return true;
  return ak.some((k) => (a ?? {})[k] !== b[k]);
}

function serviceOwnerRef(svc: ServiceObject): OwnerReference {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name ?? '', uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** getEndpointSlicePrefix: "<service>-", or a generic prefix when the service name would make an invalid one. */
function slicePrefix(svc: ServiceObject): string {
  const prefix = `${svc.metadata.name ?? ''}-`;
  return prefix.length <= 248 ? prefix : 'endpointslice-';
}

export function newEndpointSlice(svc: ServiceObject, ports: EndpointPort[], addressType: IPFamily): EndpointSliceObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: slicePrefix(svc),
      namespace: svc.metadata.namespace,
      labels: sliceLabels(svc),
      ownerReferences: [serviceOwnerRef(svc)],
    },
    addressType,
    endpoints: [],
    ports: ports.map((p) => ({ ...p })),
  };
}

export interface SlicePlan {
  create: EndpointSliceObject[];
  update: EndpointSliceObject[];
  delete: EndpointSliceObject[];
}

/** reconcileByPortMapping for one group of slices sharing a list of ports. */
export function reconcilePortMapping(
  svc: ServiceObject,
  existing: EndpointSliceObject[],
  desired: Map<string, Endpoint>,
  ports: EndpointPort[],
  addressType: IPFamily,
  maxPerSlice: number,
): SlicePlan {
  const wanted = new Map(desired);
  const labels = sliceLabels(svc);
  const byName = new Map<string, EndpointSliceObject>();
  const unchanged: string[] = [];
  const toUpdate: string[] = [];
  const toDelete: string[] = [];

  // 1. Keep the endpoints still wanted where they are, refreshed where they changed.
  for (const slice of existing) {
    const name = slice.metadata.name ?? '';
    byName.set(name, slice);
    const kept: Endpoint[] = [];
    let changed = false;
    for (const ep of slice.endpoints ?? []) {
      const hash = endpointHash(ep);
      const want = wanted.get(hash);
      if (!want) continue;
      kept.push(want);
      if (!endpointsEqualBeyondHash(want, ep)) changed = true;
      wanted.delete(hash);
    }
    const labelsChanged = labelsDiffer(slice.metadata.labels, labels);
    if (changed || kept.length !== (slice.endpoints ?? []).length) {
      if (kept.length === 0) {
        toDelete.push(name);
      } else {
        const copy = structuredClone(slice);
        copy.endpoints = kept;
        copy.metadata.labels = { ...labels };
        byName.set(name, copy);
        toUpdate.push(name);
      }
    } else if (labelsChanged) {
      const copy = structuredClone(slice);
      copy.metadata.labels = { ...labels };
      byName.set(name, copy);
      toUpdate.push(name);
    } else {
      unchanged.push(name);
    }
  }

  const remaining = [...wanted.values()];
  const take = (): Endpoint => remaining.shift()!;

  // 2. Fill the slices written anyway, fullest first.
  if (remaining.length > 0 && toUpdate.length > 0) {
    const slices = toUpdate.map((n) => byName.get(n)!).sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0));
    for (const s of slices) {
      const eps = (s.endpoints ??= []);
      while (remaining.length > 0 && eps.length < maxPerSlice) eps.push(take());
    }
  }

  // 3. The rest into the unchanged slice they fit best, else into new slices.
  const create: EndpointSliceObject[] = [];
  while (remaining.length > 0) {
    let target: EndpointSliceObject | undefined;
    if (remaining.length < maxPerSlice && unchanged.length > 0) {
      const fit = sliceToFill(unchanged.map((n) => byName.get(n)!), remaining.length, maxPerSlice);
      if (fit) {
        target = structuredClone(fit);
        byName.set(target.metadata.name ?? '', target);
      }
    }
    target ??= newEndpointSlice(svc, ports, addressType);
    const eps = (target.endpoints ??= []);
    while (remaining.length > 0 && eps.length < maxPerSlice) eps.push(take());
    const name = target.metadata.name;
    if (name) {
      if (!toUpdate.includes(name)) toUpdate.push(name);
      const i = unchanged.indexOf(name);
      if (i >= 0) unchanged.splice(i, 1);
    } else {
      create.push(target);
    }
  }
  return { create, update: toUpdate.map((n) => byName.get(n)!), delete: toDelete.map((n) => byName.get(n)!) };
}

/** getSliceToFill: the unchanged slice that can hold all n remaining endpoints with the least room left over. */
function sliceToFill(slices: EndpointSliceObject[], n: number, max: number): EndpointSliceObject | undefined {
  let closestDiff = max;
  let closest: EndpointSliceObject | undefined;
  for (const s of slices) {
    const diff = max - (n + (s.endpoints?.length ?? 0));
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) break;
    }
  }
  return closest;
}

const isPlaceholder = (slice: EndpointSliceObject): boolean =>
  (slice.endpoints ?? []).length === 0 && (slice.ports ?? []).length === 0;

/**
 * Every write that brings a service's slices (the ones this controller
 * manages for it) to what is desired. A service with no endpoints keeps one
 * empty placeholder slice, so consumers can tell "no endpoints" from "not
 * processed yet".
 */
export function planSlices(svc: ServiceObject, desired: Desired, existing: EndpointSliceObject[], maxPerSlice = defaultMaxEndpointsPerSlice): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const ofType: EndpointSliceObject[] = [];
  for (const s of existing) {
    // A slice of another address type, or left by an earlier service of the same name, goes.
    if (s.addressType === desired.addressType && ownedBy(s, svc)) ofType.push(s);
    else plan.delete.push(s);
  }
  const existingByPorts = new Map<string, EndpointSliceObject[]>();
  for (const s of ofType) {
    const key = portMapKey(s.ports);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), s]);
  }
  for (const [key, group] of desired.groups) {
    const part = reconcilePortMapping(svc, existingByPorts.get(key) ?? [], group.endpoints, group.ports, desired.addressType, maxPerSlice);
    plan.create.push(...part.create);
    plan.update.push(...part.update);
    plan.delete.push(...part.delete);
  }
  for (const [key, slices] of existingByPorts) if (!desired.groups.has(key)) plan.delete.push(...slices);

  const deletedOfType = plan.delete.filter((s) => s.addressType === desired.addressType);
  if (ofType.length === deletedOfType.length && plan.create.length === 0) {
    const placeholder = newEndpointSlice(svc, [], desired.addressType);
    const only = deletedOfType.length === 1 ? deletedOfType[0]! : undefined;
    if (only && isPlaceholder(only) && !labelsDiffer(only.metadata.labels, placeholder.metadata.labels ?? {})) {
      plan.delete = plan.delete.filter((s) => s !== only);
    } else {
      plan.create.push(placeholder);
    }
  }

  // A slice about to be deleted is reused for one about to be created.
  for (let i = 0; i < plan.delete.length && plan.create.length > 0; ) {
    const victim = plan.delete[i]!;
    const fresh = plan.create[plan.create.length - 1]!;
    if (victim.addressType === fresh.addressType && ownedBy(victim, svc)) {
      plan.create.pop();
      const reused = structuredClone(fresh);
      reused.metadata = { ...victim.metadata, labels: fresh.metadata.labels, ownerReferences: fresh.metadata.ownerReferences };
      delete reused.metadata.generateName;
      plan.update.push(reused);
      plan.delete.splice(i, 1);
    } else {
      i++;
    }
  }
  return plan;
}

function ownedBy(slice: EndpointSliceObject, svc: ServiceObject): boolean {
  return (slice.metadata.ownerReferences ?? []).some((r) => r.uid === svc.metadata.uid && r.kind === 'Service');
}
