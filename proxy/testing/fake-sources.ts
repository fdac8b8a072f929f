// Service and slice caches filled by hand, indexed as the informers index
// them, for tests of what the proxy and DNS make of a given cluster state.
import { Store, metaNamespaceIndexFunc, namespaceIndex } from '../../src/client/store.js';
import type { EndpointSliceObject } from '../endpoints.js';
import type { ServiceObject } from '../service-ports.js';
import { serviceIndexers, ServiceSources, sliceIndexers } from '../sources.js';

export interface FakeSources {
  sources: ServiceSources;
  services: Store<ServiceObject>;
  slices: Store<EndpointSliceObject>;
}

export function fakeSources(services: ServiceObject[] = [], slices: EndpointSliceObject[] = []): FakeSources {
  const svcStore = new Store<ServiceObject>({ [namespaceIndex]: metaNamespaceIndexFunc, ...serviceIndexers });
  const sliceStore = new Store<EndpointSliceObject>({ [namespaceIndex]: metaNamespaceIndexFunc, ...sliceIndexers });
  for (const s of services) svcStore.add(s);
  for (const s of slices) sliceStore.add(s);
  return { sources: new ServiceSources(svcStore, sliceStore), services: svcStore, slices: sliceStore };
}

export interface ServiceSpecInput {
  clusterIP?: string;
  type?: string;
  ports?: { name?: string; port: number; protocol?: string; nodePort?: number; targetPort?: number | string }[];
  sessionAffinity?: string;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  externalName?: string;
}

export function service(namespace: string, name: string, spec: ServiceSpecInput, annotations?: Record<string, string>): ServiceObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace, name, ...(annotations ? { annotations } : {}) },
    spec: { type: 'ClusterIP', ...spec },
  } as ServiceObject;
}

export interface EndpointInput {
  ip: string;
  ready?: boolean;
  hostname?: string;
}

export function slice(
  namespace: string,
  serviceName: string,
  endpoints: EndpointInput[],
  ports: { name?: string; port: number; protocol?: string }[],
  suffix = 'abc',
): EndpointSliceObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace, name: `${serviceName}-${suffix}`, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: false },
      ...(e.hostname ? { hostname: e.hostname } : {}),
    })),
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
  } as EndpointSliceObject;
}
