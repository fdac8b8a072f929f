// What the core registry strategies do to an object before validating it on
// create or update (PrepareForCreate / PrepareForUpdate in
// k8s.io/kubernetes/pkg/registry/core): unlike defaults, these depend on
// whether the write is a create, or on the stored object.
import { podQOSClass } from './qos.js';
import type { Namespace, Pod, Service } from './v1.js';

/** A new pod's status is the server's, whatever the client sent: Pending, with its QoS class. */
export function preparePodForCreate(pod: Pod): void {
  pod.status = { phase: 'Pending', qosClass: podQOSClass(pod.spec) };
  if ((pod.spec.schedulingGates?.length ?? 0) > 0) {
    pod.status.conditions = [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
      },
    ];
  }
}

/**
 * A new namespace starts Active with the "kubernetes" finalizer, which the
 * namespace controller removes once the namespace's contents are gone. This is
 * not a default because a default would put it back on every later write.
 */
export function prepareNamespaceForCreate(ns: Namespace): void {
  ns.status = { phase: 'Active' };
  const spec = (ns.spec ??= {});
  const finalizers = (spec.finalizers ??= []);
  if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
}

const needsClusterIP = (s: Service): boolean => s.spec.type !== 'ExternalName';
const needsNodePort = (s: Service): boolean => s.spec.type === 'NodePort' || s.spec.type === 'LoadBalancer';
const needsHealthCheckNodePort = (s: Service): boolean =>
  s.spec.type === 'LoadBalancer' && s.spec.externalTrafficPolicy === 'Local';
const externallyAccessible = (s: Service): boolean =>
  needsNodePort(s) || (s.spec.type === 'ClusterIP' && (s.spec.externalIPs?.length ?? 0) > 0);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * A service update: allocated values the client left out (clusterIP,
 * nodePorts, healthCheckNodePort, IP families) are kept from the stored
 * service, and values that no longer apply after a type change are dropped
 * when the client did not change them (patchAllocatedValues,
 * dropTypeDependentFields).
 */
export function prepareServiceForUpdate(svc: Service, old: Service): void {
  const spec = svc.spec;
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!spec.clusterIP) spec.clusterIP = old.spec.clusterIP;
    if (!spec.clusterIPs?.length && old.spec.clusterIPs?.length) spec.clusterIPs = [...old.spec.clusterIPs];
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  }
  if (needsNodePort(old) && needsNodePort(svc)) {
    const used = new Set((old.spec.ports ?? []).map((p) => p.nodePort).filter((n) => n));
    const usedNow = new Set((spec.ports ?? []).map((p) => p.nodePort).filter((n) => n));
    const byName = new Map((old.spec.ports ?? []).map((p) => [p.name ?? '', p.nodePort]));
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue;
      const prev = byName.get(p.name ?? '');
      if (prev && !(used.has(prev) && usedNow.has(prev))) p.nodePort = prev;
    }
  }
  if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(svc) && !spec.healthCheckNodePort) {
    spec.healthCheckNodePort = old.spec.healthCheckNodePort;
  }

  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if (same(spec.clusterIPs, old.spec.clusterIPs) && (spec.clusterIP ?? '') === (old.spec.clusterIP ?? '')) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (same(spec.ipFamilies, old.spec.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === old.spec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(old) && !needsNodePort(svc)) {
    const nodePorts = (s: Service) => (s.spec.ports ?? []).map((p) => p.nodePort ?? 0);
    if (same(nodePorts(svc), nodePorts(old))) for (const p of spec.ports ?? []) delete p.nodePort;
  }
  if (needsHealthCheckNodePort(old) && !needsHealthCheckNodePort(svc)) {
    if (spec.healthCheckNodePort === old.spec.healthCheckNodePort) delete spec.healthCheckNodePort;
  }
  if (old.spec.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === old.spec.allocateLoadBalancerNodePorts) {
      delete spec.allocateLoadBalancerNodePorts;
    }
    if (spec.loadBalancerClass === old.spec.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(old) && !externallyAccessible(svc)) {
    if (spec.externalTrafficPolicy === old.spec.externalTrafficPolicy) delete spec.externalTrafficPolicy;
  }
  if (spec.type !== 'LoadBalancer') (svc.status ??= {}).loadBalancer = {};
}
