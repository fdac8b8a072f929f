// core/v1 Node: what kubelet registers and reports, and the taints and
// addresses the scheduler and proxy read.
import { z } from 'zod';
import { ObjectMeta } from '../meta.js';
import { ResourceList, Time } from './primitives.js';

export const Taint = z.object({
  key: z.string().default(''),
  value: z.string().optional(),
  effect: z.string().default(''),
  timeAdded: Time.optional(),
});
export type Taint = z.infer<typeof Taint>;

export const ConfigMapNodeConfigSource = z.object({
  namespace: z.string().default(''),
  name: z.string().default(''),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  kubeletConfigKey: z.string().default(''),
});

export const NodeConfigSource = z.object({
  configMap: ConfigMapNodeConfigSource.optional(),
});

export const NodeSpec = z.object({
  podCIDR: z.string().optional(),
  podCIDRs: z.array(z.string()).optional(),
  providerID: z.string().optional(),
  unschedulable: z.boolean().optional(),
  taints: z.array(Taint).optional(),
  configSource: NodeConfigSource.optional(),
  externalID: z.string().optional(),
});
export type NodeSpec = z.infer<typeof NodeSpec>;

export const NodeCondition = z.object({
  type: z.string().default(''),
  status: z.string().default(''),
  lastHeartbeatTime: Time.optional(),
  lastTransitionTime: Time.optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type NodeCondition = z.infer<typeof NodeCondition>;

export const NodeAddress = z.object({
  type: z.string().default(''),
  address: z.string().default(''),
});
export type NodeAddress = z.infer<typeof NodeAddress>;

/** v1.DaemonEndpoint: its one field really is spelled "Port" on the wire. */
export const DaemonEndpoint = z.object({
  Port: z.number().int().default(0),
});

export const NodeDaemonEndpoints = z.object({
  kubeletEndpoint: DaemonEndpoint.optional(),
});

export const NodeSwapStatus = z.object({
  capacity: z.number().int().optional(),
});

export const NodeSystemInfo = z.object({
  machineID: z.string().default(''),
  systemUUID: z.string().default(''),
  bootID: z.string().default(''),
  kernelVersion: z.string().default(''),
  osImage: z.string().default(''),
  containerRuntimeVersion: z.string().default(''),
  kubeletVersion: z.string().default(''),
  kubeProxyVersion: z.string().default(''),
  operatingSystem: z.string().default(''),
  architecture: z.string().default(''),
  swap: NodeSwapStatus.optional(),
});
export type NodeSystemInfo = z.infer<typeof NodeSystemInfo>;

export const ContainerImage = z.object({
  names: z.array(z.string()).optional(),
  sizeBytes: z.number().int().optional(),
});

export const AttachedVolume = z.object({
  name: z.string().default(''),
  devicePath: z.string().default(''),
});

export const NodeRuntimeHandler = z.object({
  name: z.string().optional(),
  features: z
    .object({
      recursiveReadOnlyMounts: z.boolean().optional(),
      userNamespaces: z.boolean().optional(),
    })
    .optional(),
});

export const NodeStatus = z.object({
  capacity: ResourceList.optional(),
  allocatable: ResourceList.optional(),
  phase: z.string().optional(),
  conditions: z.array(NodeCondition).optional(),
  addresses: z.array(NodeAddress).optional(),
  daemonEndpoints: NodeDaemonEndpoints.optional(),
  nodeInfo: NodeSystemInfo.optional(),
  images: z.array(ContainerImage).optional(),
  volumesInUse: z.array(z.string()).optional(),
  volumesAttached: z.array(AttachedVolume).optional(),
  runtimeHandlers: z.array(NodeRuntimeHandler).optional(),
  features: z.object({ supplementalGroupsPolicy: z.boolean().optional() }).optional(),
});
export type NodeStatus = z.infer<typeof NodeStatus>;

export const Node = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: NodeSpec.default(() => ({})),
  status: NodeStatus.optional(),
});
export type Node = z.infer<typeof Node>;
