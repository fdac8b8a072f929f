// core/v1 Service and Endpoints.
import { z } from 'zod';
import { Condition, ObjectMeta } from '../meta.js';
import { IntOrString, ObjectReference } from './primitives.js';

export const ServicePort = z.object({
  name: z.string().optional(),
  protocol: z.string().optional(),
  appProtocol: z.string().optional(),
  port: z.number().int().default(0),
  targetPort: IntOrString.optional(),
  nodePort: z.number().int().optional(),
});
export type ServicePort = z.infer<typeof ServicePort>;

export const ClientIPConfig = z.object({
  timeoutSeconds: z.number().int().optional(),
});

export const SessionAffinityConfig = z.object({
  clientIP: ClientIPConfig.optional(),
});
export type SessionAffinityConfig = z.infer<typeof SessionAffinityConfig>;

export const ServiceSpec = z.object({
  ports: z.array(ServicePort).optional(),
  selector: z.record(z.string(), z.string()).optional(),
  clusterIP: z.string().optional(),
  clusterIPs: z.array(z.string()).optional(),
  type: z.string().optional(),
  externalIPs: z.array(z.string()).optional(),
  sessionAffinity: z.string().optional(),
  loadBalancerIP: z.string().optional(),
  loadBalancerSourceRanges: z.array(z.string()).optional(),
  externalName: z.string().optional(),
  externalTrafficPolicy: z.string().optional(),
  healthCheckNodePort: z.number().int().optional(),
  publishNotReadyAddresses: z.boolean().optional(),
  sessionAffinityConfig: SessionAffinityConfig.optional(),
  ipFamilies: z.array(z.string()).optional(),
  ipFamilyPolicy: z.string().optional(),
  allocateLoadBalancerNodePorts: z.boolean().optional(),
  loadBalancerClass: z.string().optional(),
  internalTrafficPolicy: z.string().optional(),
  trafficDistribution: z.string().optional(),
});
export type ServiceSpec = z.infer<typeof ServiceSpec>;

export const PortStatus = z.object({
  port: z.number().int().default(0),
  protocol: z.string().default(''),
  error: z.string().optional(),
});

export const LoadBalancerIngress = z.object({
  ip: z.string().optional(),
  hostname: z.string().optional(),
  ipMode: z.string().optional(),
  ports: z.array(PortStatus).optional(),
});

export const LoadBalancerStatus = z.object({
  ingress: z.array(LoadBalancerIngress).optional(),
});

export const ServiceStatus = z.object({
  loadBalancer: LoadBalancerStatus.optional(),
  conditions: z.array(Condition).optional(),
});
export type ServiceStatus = z.infer<typeof ServiceStatus>;

export const Service = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: ServiceSpec.default(() => ({})),
  status: ServiceStatus.optional(),
});
export type Service = z.infer<typeof Service>;

// ---- Endpoints ----

export const EndpointAddress = z.object({
  ip: z.string().default(''),
  hostname: z.string().optional(),
  nodeName: z.string().optional(),
  targetRef: ObjectReference.optional(),
});
export type EndpointAddress = z.infer<typeof EndpointAddress>;

export const EndpointPort = z.object({
  name: z.string().optional(),
  port: z.number().int().default(0),
  protocol: z.string().optional(),
  appProtocol: z.string().optional(),
});
export type EndpointPort = z.infer<typeof EndpointPort>;

export const EndpointSubset = z.object({
  addresses: z.array(EndpointAddress).optional(),
  notReadyAddresses: z.array(EndpointAddress).optional(),
  ports: z.array(EndpointPort).optional(),
});
export type EndpointSubset = z.infer<typeof EndpointSubset>;

export const Endpoints = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  subsets: z.array(EndpointSubset).optional(),
});
export type Endpoints = z.infer<typeof Endpoints>;
