// The proxy's and the cluster DNS's view of the cluster: Services and
// EndpointSlices from one SharedInformerFactory, indexed the ways both need
// (slices by service, services by cluster IP, slices by endpoint address).
// Event handlers only say "something changed"; readers recompute from the
// caches, so a missed event is repaired by the next one or by a resync.
import type { Informer, ResourceRef, SharedInformerFactory } from '../src/client/index.js';
import type { Indexers } from '../src/client/store.js';
import { endpointsFor, serviceNameLabel, type EndpointInfo, type EndpointSliceObject } from './endpoints.js';
import { servicePortKey, servicePortsOf, type ServiceObject, type ServicePortInfo } from './service-ports.js';

export const servicesRef: ResourceRef = { group: '', version: 'v1', plural: 'services', namespaced: true };
export const endpointSlicesRef: ResourceRef = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true };

export const sliceServiceIndex = 'skiff.io/service';
export const sliceAddressIndex = 'skiff.io/address';
export const serviceClusterIPIndex = 'skiff.io/cluster-ip';

export const sliceIndexers: Indexers<EndpointSliceObject> = {
  [sliceServiceIndex]: (s) => {
    const svc = s.metadata.labels?.[serviceNameLabel];
    return svc ? [`${s.metadata.namespace ?? ''}/${svc}`] : [];
  },
  [sliceAddressIndex]: (s) => (s.endpoints ?? []).map((e) => e.addresses[0]),
};

export const serviceIndexers: Indexers<ServiceObject> = {
  [serviceClusterIPIndex]: (s) => (s.spec.clusterIP && s.spec.clusterIP !== 'None' ? [s.spec.clusterIP] : []),
};

/** The read side of an informer's cache. */
export interface ObjectLister<T> {
  get(key: string): T | undefined;
  list(): T[];
  byIndex(indexName: string, value: string): T[];
}

export class ServiceSources {
  constructor(
    readonly services: ObjectLister<ServiceObject>,
    readonly slices: ObjectLister<EndpointSliceObject>,
  ) {}

  service(namespace: string, name: string): ServiceObject | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  slicesOf(namespace: string, name: string): EndpointSliceObject[] {
    return this.slices.byIndex(sliceServiceIndex, `${namespace}/${name}`);
  }

  servicesByClusterIP(ip: string): ServiceObject[] {
    return this.services.byIndex(serviceClusterIPIndex, ip);
  }

  slicesByAddress(ip: string): EndpointSliceObject[] {
    return this.slices.byIndex(sliceAddressIndex, ip);
  }
}

/** Every proxied service port and its endpoints, as of one moment of the caches. */
export interface ServiceState {
  ports: ServicePortInfo[];
  /** by servicePortKey */
  endpoints: Map<string, EndpointInfo[]>;
}

export function serviceState(sources: ServiceSources): ServiceState {
  const ports: ServicePortInfo[] = [];
  const endpoints = new Map<string, EndpointInfo[]>();
  for (const svc of sources.services.list()) {
    const sps = servicePortsOf(svc);
    if (!sps.length) continue;
    const slices = sources.slicesOf(svc.metadata.namespace ?? '', svc.metadata.name ?? '');
    for (const sp of sps) {
      ports.push(sp);
      endpoints.set(servicePortKey(sp), endpointsFor(sp, slices));
    }
  }
  ports.sort((a, b) => (a.name === b.name ? a.protocol.localeCompare(b.protocol) : a.name < b.name ? -1 : 1));
  return { ports, endpoints };
}

export interface ServiceInformers {
  sources: ServiceSources;
  services: Informer<ServiceObject>;
  slices: Informer<EndpointSliceObject>;
  /** fn runs after any add, update or delete of a service or slice; returns an unregister function */
  onChange(fn: () => void): () => void;
}

/** Asks the factory for the service and slice informers (all namespaces) with the indexes above. */
export function serviceInformers(factory: SharedInformerFactory): ServiceInformers {
  const services = factory.informerFor<ServiceObject>(servicesRef, { indexers: serviceIndexers });
  const slices = factory.informerFor<EndpointSliceObject>(endpointSlicesRef, { indexers: sliceIndexers });
  return {
    sources: new ServiceSources(services, slices),
    services,
    slices,
    onChange(fn) {
      const handlers = { onAdd: fn, onUpdate: fn, onDelete: fn };
      const a = services.addEventHandler(handlers);
      const b = slices.addEventHandler(handlers);
      return () => {
        a();
        b();
      };
    },
  };
}
