// apps/v1: Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision
// in Kubernetes' wire shape. Fields are listed in Go struct order so that
// objects serialize the way the Kubernetes apiserver writes them.
import { z } from 'zod';
import { LabelSelector, ObjectMeta } from '../meta.js';
import { PersistentVolumeClaim, PodTemplateSpec } from '../core/v1.js';

/** intstr.IntOrString: 3 or "25%". */
export const IntOrString = z.union([z.number().int(), z.string()]);
export type IntOrString = z.infer<typeof IntOrString>;

const int = () => z.number().int();

// ---- Deployment ----

export const RollingUpdateDeployment = z.object({
  maxUnavailable: IntOrString.optional(),
  maxSurge: IntOrString.optional(),
});
export type RollingUpdateDeployment = z.infer<typeof RollingUpdateDeployment>;

export const DeploymentStrategy = z.object({
  type: z.string().optional(),
  rollingUpdate: RollingUpdateDeployment.optional(),
});
export type DeploymentStrategy = z.infer<typeof DeploymentStrategy>;

export const DeploymentSpec = z.object({
  replicas: int().optional(),
  selector: LabelSelector.optional(),
  template: PodTemplateSpec.prefault(() => ({})),
  strategy: DeploymentStrategy.optional(),
  minReadySeconds: int().optional(),
  revisionHistoryLimit: int().optional(),
  paused: z.boolean().optional(),
  progressDeadlineSeconds: int().optional(),
});
export type DeploymentSpec = z.infer<typeof DeploymentSpec>;

export const DeploymentCondition = z.object({
  type: z.string(),
  status: z.string(),
  lastUpdateTime: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type DeploymentCondition = z.infer<typeof DeploymentCondition>;

export const DeploymentStatus = z.object({
  observedGeneration: int().optional(),
  replicas: int().optional(),
  updatedReplicas: int().optional(),
  readyReplicas: int().optional(),
  availableReplicas: int().optional(),
  unavailableReplicas: int().optional(),
  terminatingReplicas: int().optional(),
  conditions: z.array(DeploymentCondition).optional(),
  collisionCount: int().optional(),
});
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

export const Deployment = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: DeploymentSpec.prefault(() => ({})),
  status: DeploymentStatus.optional(),
});
export type Deployment = z.infer<typeof Deployment>;

// ---- ReplicaSet ----

export const ReplicaSetSpec = z.object({
  replicas: int().optional(),
  minReadySeconds: int().optional(),
  selector: LabelSelector.optional(),
  template: PodTemplateSpec.prefault(() => ({})),
});
export type ReplicaSetSpec = z.infer<typeof ReplicaSetSpec>;

export const ReplicaSetCondition = z.object({
  type: z.string(),
  status: z.string(),
  lastTransitionTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const ReplicaSetStatus = z.object({
  replicas: int().optional(),
  fullyLabeledReplicas: int().optional(),
  readyReplicas: int().optional(),
  availableReplicas: int().optional(),
  terminatingReplicas: int().optional(),
  observedGeneration: int().optional(),
  conditions: z.array(ReplicaSetCondition).optional(),
});
export type ReplicaSetStatus = z.infer<typeof ReplicaSetStatus>;

export const ReplicaSet = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: ReplicaSetSpec.prefault(() => ({})),
  status: ReplicaSetStatus.optional(),
});
export type ReplicaSet = z.infer<typeof ReplicaSet>;

// ---- DaemonSet ----

export const RollingUpdateDaemonSet = z.object({
  maxUnavailable: IntOrString.optional(),
  maxSurge: IntOrString.optional(),
});

export const DaemonSetUpdateStrategy = z.object({
  type: z.string().optional(),
  rollingUpdate: RollingUpdateDaemonSet.optional(),
});
export type DaemonSetUpdateStrategy = z.infer<typeof DaemonSetUpdateStrategy>;

export const DaemonSetSpec = z.object({
  selector: LabelSelector.optional(),
  template: PodTemplateSpec.prefault(() => ({})),
  updateStrategy: DaemonSetUpdateStrategy.optional(),
  minReadySeconds: int().optional(),
  revisionHistoryLimit: int().optional(),
});
export type DaemonSetSpec = z.infer<typeof DaemonSetSpec>;

export const DaemonSetCondition = ReplicaSetCondition;

export const DaemonSetStatus = z.object({
  currentNumberScheduled: int().optional(),
  numberMisscheduled: int().optional(),
  desiredNumberScheduled: int().optional(),
  numberReady: int().optional(),
  observedGeneration: int().optional(),
  updatedNumberScheduled: int().optional(),
  numberAvailable: int().optional(),
  numberUnavailable: int().optional(),
  collisionCount: int().optional(),
  conditions: z.array(DaemonSetCondition).optional(),
});
export type DaemonSetStatus = z.infer<typeof DaemonSetStatus>;

export const DaemonSet = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: DaemonSetSpec.prefault(() => ({})),
  status: DaemonSetStatus.optional(),
});
export type DaemonSet = z.infer<typeof DaemonSet>;

// ---- StatefulSet ----

export const RollingUpdateStatefulSetStrategy = z.object({
  partition: int().optional(),
  maxUnavailable: IntOrString.optional(),
});

export const StatefulSetUpdateStrategy = z.object({
  type: z.string().optional(),
  rollingUpdate: RollingUpdateStatefulSetStrategy.optional(),
});
export type StatefulSetUpdateStrategy = z.infer<typeof StatefulSetUpdateStrategy>;

export const StatefulSetPersistentVolumeClaimRetentionPolicy = z.object({
  whenDeleted: z.string().optional(),
  whenScaled: z.string().optional(),
});

export const StatefulSetOrdinals = z.object({
  start: int().optional(),
});

export const StatefulSetSpec = z.object({
  replicas: int().optional(),
  selector: LabelSelector.optional(),
  template: PodTemplateSpec.prefault(() => ({})),
  volumeClaimTemplates: z.array(PersistentVolumeClaim).optional(),
  serviceName: z.string().optional(),
  podManagementPolicy: z.string().optional(),
  updateStrategy: StatefulSetUpdateStrategy.optional(),
  revisionHistoryLimit: int().optional(),
  minReadySeconds: int().optional(),
  persistentVolumeClaimRetentionPolicy: StatefulSetPersistentVolumeClaimRetentionPolicy.optional(),
  ordinals: StatefulSetOrdinals.optional(),
});
export type StatefulSetSpec = z.infer<typeof StatefulSetSpec>;

export const StatefulSetCondition = ReplicaSetCondition;

export const StatefulSetStatus = z.object({
  observedGeneration: int().optional(),
  replicas: int().optional(),
  readyReplicas: int().optional(),
  currentReplicas: int().optional(),
  updatedReplicas: int().optional(),
  currentRevision: z.string().optional(),
  updateRevision: z.string().optional(),
  collisionCount: int().optional(),
  conditions: z.array(StatefulSetCondition).optional(),
  availableReplicas: int().optional(),
});
export type StatefulSetStatus = z.infer<typeof StatefulSetStatus>;

export const StatefulSet = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: StatefulSetSpec.prefault(() => ({})),
  status: StatefulSetStatus.optional(),
});
export type StatefulSet = z.infer<typeof StatefulSet>;

// ---- ControllerRevision ----

export const ControllerRevision = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  /** runtime.RawExtension: any JSON, usually a patch of the owner's template */
  data: z.unknown().optional(),
  revision: int().optional(),
});
export type ControllerRevision = z.infer<typeof ControllerRevision>;
