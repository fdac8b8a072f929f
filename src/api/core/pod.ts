// core/v1 Pod: the spec (scheduling, containers, volumes, security), the
// status kubelet reports, pod templates and the pods/binding body.
import { z } from 'zod';
import { LabelSelector, ObjectMeta } from '../meta.js';
import {
  AppArmorProfile,
  Container,
  EphemeralContainer,
  ResourceRequirements,
  SeccompProfile,
  SELinuxOptions,
  WindowsSecurityContextOptions,
} from './container.js';
import { LocalObjectReference, ObjectReference, ResourceList, Time } from './primitives.js';
import { Volume } from './volume.js';

// ---- scheduling ----

export const NodeSelectorRequirement = z.object({
  key: z.string().default(''),
  operator: z.string().default(''),
  values: z.array(z.string()).optional(),
});
export type NodeSelectorRequirement = z.infer<typeof NodeSelectorRequirement>;

export const NodeSelectorTerm = z.object({
  matchExpressions: z.array(NodeSelectorRequirement).optional(),
  matchFields: z.array(NodeSelectorRequirement).optional(),
});
export type NodeSelectorTerm = z.infer<typeof NodeSelectorTerm>;

export const NodeSelector = z.object({
  nodeSelectorTerms: z.array(NodeSelectorTerm).default(() => []),
});
export type NodeSelector = z.infer<typeof NodeSelector>;

export const PreferredSchedulingTerm = z.object({
  weight: z.number().int().default(0),
  preference: NodeSelectorTerm.default(() => ({})),
});
export type PreferredSchedulingTerm = z.infer<typeof PreferredSchedulingTerm>;

export const NodeAffinity = z.object({
  requiredDuringSchedulingIgnoredDuringExecution: NodeSelector.optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(PreferredSchedulingTerm).optional(),
});
export type NodeAffinity = z.infer<typeof NodeAffinity>;

export const PodAffinityTerm = z.object({
  labelSelector: LabelSelector.optional(),
  namespaces: z.array(z.string()).optional(),
  topologyKey: z.string().default(''),
  namespaceSelector: LabelSelector.optional(),
  matchLabelKeys: z.array(z.string()).optional(),
  mismatchLabelKeys: z.array(z.string()).optional(),
});
export type PodAffinityTerm = z.infer<typeof PodAffinityTerm>;

export const WeightedPodAffinityTerm = z.object({
  weight: z.number().int().default(0),
  podAffinityTerm: PodAffinityTerm.default(() => ({ topologyKey: '' })),
});
export type WeightedPodAffinityTerm = z.infer<typeof WeightedPodAffinityTerm>;

export const PodAffinity = z.object({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(PodAffinityTerm).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(WeightedPodAffinityTerm).optional(),
});
export type PodAffinity = z.infer<typeof PodAffinity>;

export const Affinity = z.object({
  nodeAffinity: NodeAffinity.optional(),
  podAffinity: PodAffinity.optional(),
  podAntiAffinity: PodAffinity.optional(),
});
export type Affinity = z.infer<typeof Affinity>;

export const Toleration = z.object({
  key: z.string().optional(),
  operator: z.string().optional(),
  value: z.string().optional(),
  effect: z.string().optional(),
  tolerationSeconds: z.number().int().optional(),
});
export type Toleration = z.infer<typeof Toleration>;

export const TopologySpreadConstraint = z.object({
  maxSkew: z.number().int().default(0),
  topologyKey: z.string().default(''),
  whenUnsatisfiable: z.string().default(''),
  labelSelector: LabelSelector.optional(),
  minDomains: z.number().int().optional(),
  nodeAffinityPolicy: z.string().optional(),
  nodeTaintsPolicy: z.string().optional(),
  matchLabelKeys: z.array(z.string()).optional(),
});
export type TopologySpreadConstraint = z.infer<typeof TopologySpreadConstraint>;

// ---- pod-level settings ----

export const HostAlias = z.object({
  ip: z.string().default(''),
  hostnames: z.array(z.string()).optional(),
});
export type HostAlias = z.infer<typeof HostAlias>;

export const PodDNSConfigOption = z.object({
  name: z.string().optional(),
  value: z.string().optional(),
});

export const PodDNSConfig = z.object({
  nameservers: z.array(z.string()).optional(),
  searches: z.array(z.string()).optional(),
  options: z.array(PodDNSConfigOption).optional(),
});
export type PodDNSConfig = z.infer<typeof PodDNSConfig>;

export const PodReadinessGate = z.object({
  conditionType: z.string().default(''),
});

export const Sysctl = z.object({
  name: z.string().default(''),
  value: z.string().default(''),
});

export const PodSecurityContext = z.object({
  seLinuxOptions: SELinuxOptions.optional(),
  windowsOptions: WindowsSecurityContextOptions.optional(),
  runAsUser: z.number().int().optional(),
  runAsGroup: z.number().int().optional(),
  runAsNonRoot: z.boolean().optional(),
  supplementalGroups: z.array(z.number().int()).optional(),
  supplementalGroupsPolicy: z.string().optional(),
  fsGroup: z.number().int().optional(),
  sysctls: z.array(Sysctl).optional(),
  fsGroupChangePolicy: z.string().optional(),
  seccompProfile: SeccompProfile.optional(),
  appArmorProfile: AppArmorProfile.optional(),
  seLinuxChangePolicy: z.string().optional(),
});
export type PodSecurityContext = z.infer<typeof PodSecurityContext>;

export const PodOS = z.object({
  name: z.string().default(''),
});

export const PodSchedulingGate = z.object({
  name: z.string().default(''),
});

export const PodResourceClaim = z.object({
  name: z.string().default(''),
  resourceClaimName: z.string().optional(),
  resourceClaimTemplateName: z.string().optional(),
});

export const PodSpec = z.object({
  volumes: z.array(Volume).optional(),
  initContainers: z.array(Container).optional(),
  containers: z.array(Container).default(() => []),
  ephemeralContainers: z.array(EphemeralContainer).optional(),
  restartPolicy: z.string().optional(),
  terminationGracePeriodSeconds: z.number().int().optional(),
  activeDeadlineSeconds: z.number().int().optional(),
  dnsPolicy: z.string().optional(),
  nodeSelector: z.record(z.string(), z.string()).optional(),
  serviceAccountName: z.string().optional(),
  serviceAccount: z.string().optional(),
  automountServiceAccountToken: z.boolean().optional(),
  nodeName: z.string().optional(),
  hostNetwork: z.boolean().optional(),
  hostPID: z.boolean().optional(),
  hostIPC: z.boolean().optional(),
  shareProcessNamespace: z.boolean().optional(),
  securityContext: PodSecurityContext.optional(),
  imagePullSecrets: z.array(LocalObjectReference).optional(),
  hostname: z.string().optional(),
  subdomain: z.string().optional(),
  setHostnameAsFQDN: z.boolean().optional(),
  affinity: Affinity.optional(),
  schedulerName: z.string().optional(),
  tolerations: z.array(Toleration).optional(),
  hostAliases: z.array(HostAlias).optional(),
  priorityClassName: z.string().optional(),
  priority: z.number().int().optional(),
  dnsConfig: PodDNSConfig.optional(),
  readinessGates: z.array(PodReadinessGate).optional(),
  runtimeClassName: z.string().optional(),
  enableServiceLinks: z.boolean().optional(),
  preemptionPolicy: z.string().optional(),
  overhead: ResourceList.optional(),
  topologySpreadConstraints: z.array(TopologySpreadConstraint).optional(),
  os: PodOS.optional(),
  hostUsers: z.boolean().optional(),
  schedulingGates: z.array(PodSchedulingGate).optional(),
  resourceClaims: z.array(PodResourceClaim).optional(),
  resources: ResourceRequirements.optional(),
});
export type PodSpec = z.infer<typeof PodSpec>;

// ---- status ----

export const PodCondition = z.object({
  type: z.string().default(''),
  status: z.string().default(''),
  observedGeneration: z.number().int().optional(),
  lastProbeTime: Time.optional(),
  lastTransitionTime: Time.optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type PodCondition = z.infer<typeof PodCondition>;

export const ContainerStateWaiting = z.object({
  reason: z.string().optional(),
  message: z.string().optional(),
});
export const ContainerStateRunning = z.object({
  startedAt: Time.optional(),
});
export const ContainerStateTerminated = z.object({
  exitCode: z.number().int().default(0),
  signal: z.number().int().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  startedAt: Time.optional(),
  finishedAt: Time.optional(),
  containerID: z.string().optional(),
});

export const ContainerState = z.object({
  waiting: ContainerStateWaiting.optional(),
  running: ContainerStateRunning.optional(),
  terminated: ContainerStateTerminated.optional(),
});
export type ContainerState = z.infer<typeof ContainerState>;

export const VolumeMountStatus = z.object({
  name: z.string().default(''),
  mountPath: z.string().default(''),
  readOnly: z.boolean().optional(),
  recursiveReadOnly: z.string().optional(),
});

export const ContainerUser = z.object({
  linux: z
    .object({
      uid: z.number().int().default(0),
      gid: z.number().int().default(0),
      supplementalGroups: z.array(z.number().int()).optional(),
    })
    .optional(),
});

export const ContainerStatus = z.object({
  name: z.string().default(''),
  state: ContainerState.optional(),
  lastState: ContainerState.optional(),
  ready: z.boolean().default(false),
  restartCount: z.number().int().default(0),
  image: z.string().default(''),
  imageID: z.string().default(''),
  containerID: z.string().optional(),
  started: z.boolean().optional(),
  allocatedResources: ResourceList.optional(),
  resources: ResourceRequirements.optional(),
  volumeMounts: z.array(VolumeMountStatus).optional(),
  user: ContainerUser.optional(),
  stopSignal: z.string().optional(),
});
export type ContainerStatus = z.infer<typeof ContainerStatus>;

export const PodIP = z.object({ ip: z.string().default('') });
export const HostIP = z.object({ ip: z.string().default('') });

export const PodStatus = z.object({
  observedGeneration: z.number().int().optional(),
  phase: z.string().optional(),
  conditions: z.array(PodCondition).optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  nominatedNodeName: z.string().optional(),
  hostIP: z.string().optional(),
  hostIPs: z.array(HostIP).optional(),
  podIP: z.string().optional(),
  podIPs: z.array(PodIP).optional(),
  startTime: Time.optional(),
  initContainerStatuses: z.array(ContainerStatus).optional(),
  containerStatuses: z.array(ContainerStatus).optional(),
  qosClass: z.string().optional(),
  ephemeralContainerStatuses: z.array(ContainerStatus).optional(),
  resize: z.string().optional(),
});
export type PodStatus = z.infer<typeof PodStatus>;

// ---- objects ----

export const Pod = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: PodSpec.default(() => ({ containers: [] })),
  status: PodStatus.optional(),
});
export type Pod = z.infer<typeof Pod>;

export const PodTemplateSpec = z.object({
  metadata: ObjectMeta.optional(),
  spec: PodSpec.optional(),
});
export type PodTemplateSpec = z.infer<typeof PodTemplateSpec>;

/** The body of POST pods/{name}/binding. */
export const Binding = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  target: ObjectReference.default(() => ({})),
});
export type Binding = z.infer<typeof Binding>;
