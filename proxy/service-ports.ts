// What the proxy serves for a Service: one entry per service port (kube-proxy's
// ServicePortName), with its cluster IP, node port, session affinity and the
// balancing policy its annotation asks for.
import type { Service } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { isIPv4 } from './cidr.js';

export type ServiceObject = Service & KubeObject;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export const balancePolicies = ['round-robin', 'random', 'least-connections', 'ewma'] as const;
export type BalancePolicyName = (typeof balancePolicies)[number];

/** the Service annotation that picks the userspace proxy's balancing policy */
export const loadBalancerAnnotation = 'skiff.io/load-balancer';
/** Services carrying this label are served by another proxy (as kube-proxy skips them) */
export const serviceProxyNameLabel = 'service.kubernetes.io/service-proxy-name';

/** Kubernetes' default ClientIP affinity timeout: 3 hours */
export const defaultAffinitySeconds = 10800;

export interface ServicePortInfo {
  /** kube-proxy's ServicePortName string: "namespace/name", or "namespace/name:port" for a named port */
  name: string;
  namespace: string;
  service: string;
  /** the port's name; '' for an unnamed port */
  portName: string;
  protocol: Protocol;
  /** undefined for a headless service */
  clusterIP: string | undefined;
  port: number;
  nodePort: number | undefined;
  /** ClientIP affinity timeout; undefined without affinity */
  affinitySeconds: number | undefined;
  policy: BalancePolicyName;
}

/** Where a service port's endpoints are filed: its name plus protocol. */
export function servicePortKey(sp: Pick<ServicePortInfo, 'name' | 'protocol'>): string {
  return `${sp.name}/${sp.protocol}`;
}

export function servicePortName(namespace: string, service: string, portName: string): string {
  return portName ? `${namespace}/${service}:${portName}` : `${namespace}/${service}`;
}

export function policyOf(svc: ServiceObject): BalancePolicyName {
  const v = svc.metadata.annotations?.[loadBalancerAnnotation];
  return (balancePolicies as readonly string[]).includes(v ?? '') ? (v as BalancePolicyName) : 'round-robin';
}

export function isHeadless(svc: ServiceObject): boolean {
  return svc.spec.clusterIP === 'None';
}

/** The ports a proxy serves for this service; none for ExternalName, headless or foreign-proxy services. */
export function servicePortsOf(svc: ServiceObject): ServicePortInfo[] {
  const spec = svc.spec;
  if (spec.type === 'ExternalName') return [];
  if (svc.metadata.labels?.[serviceProxyNameLabel] !== undefined) return [];
  const namespace = svc.metadata.namespace ?? 'default';
  const service = svc.metadata.name ?? '';
  const clusterIP = spec.clusterIP && spec.clusterIP !== 'None' && isIPv4(spec.clusterIP) ? spec.clusterIP : undefined;
  const withNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  if (!clusterIP) return [];
  const affinitySeconds =
    spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? defaultAffinitySeconds) : undefined;
  const policy = policyOf(svc);
  const out: ServicePortInfo[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = (p.protocol ?? 'TCP') as Protocol;
    if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') continue;
    const portName = p.name ?? '';
    out.push({
      name: servicePortName(namespace, service, portName),
      namespace,
      service,
      portName,
      protocol,
      clusterIP,
      port: p.port,
      nodePort: withNodePorts && p.nodePort ? p.nodePort : undefined,
      affinitySeconds,
      policy,
    });
  }
  return out;
}
