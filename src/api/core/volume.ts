// core/v1 volumes a pod can mount, and the PersistentVolumeClaim shape that
// ephemeral volumes and StatefulSet claim templates embed.
import { z } from 'zod';
import { LabelSelector, ObjectMeta } from '../meta.js';
import { ObjectFieldSelector, ResourceFieldSelector } from './container.js';
import { Quantity, ResourceList, Time, TypedLocalObjectReference } from './primitives.js';

export const KeyToPath = z.object({
  key: z.string().default(''),
  path: z.string().default(''),
  mode: z.number().int().optional(),
});
export type KeyToPath = z.infer<typeof KeyToPath>;

export const EmptyDirVolumeSource = z.object({
  medium: z.string().optional(),
  sizeLimit: Quantity.optional(),
});

export const HostPathVolumeSource = z.object({
  path: z.string().default(''),
  type: z.string().optional(),
});

export const ConfigMapVolumeSource = z.object({
  name: z.string().optional(),
  items: z.array(KeyToPath).optional(),
  defaultMode: z.number().int().optional(),
  optional: z.boolean().optional(),
});
export type ConfigMapVolumeSource = z.infer<typeof ConfigMapVolumeSource>;

export const SecretVolumeSource = z.object({
  secretName: z.string().optional(),
  items: z.array(KeyToPath).optional(),
  defaultMode: z.number().int().optional(),
  optional: z.boolean().optional(),
});
export type SecretVolumeSource = z.infer<typeof SecretVolumeSource>;

export const DownwardAPIVolumeFile = z.object({
  path: z.string().default(''),
  fieldRef: ObjectFieldSelector.optional(),
  resourceFieldRef: ResourceFieldSelector.optional(),
  mode: z.number().int().optional(),
});
export type DownwardAPIVolumeFile = z.infer<typeof DownwardAPIVolumeFile>;

export const DownwardAPIVolumeSource = z.object({
  items: z.array(DownwardAPIVolumeFile).optional(),
  defaultMode: z.number().int().optional(),
});

export const SecretProjection = z.object({
  name: z.string().optional(),
  items: z.array(KeyToPath).optional(),
  optional: z.boolean().optional(),
});
export const ConfigMapProjection = z.object({
  name: z.string().optional(),
  items: z.array(KeyToPath).optional(),
  optional: z.boolean().optional(),
});
export const DownwardAPIProjection = z.object({
  items: z.array(DownwardAPIVolumeFile).optional(),
});
export const ServiceAccountTokenProjection = z.object({
  audience: z.string().optional(),
  expirationSeconds: z.number().int().optional(),
  path: z.string().default(''),
});
export const ClusterTrustBundleProjection = z.object({
  name: z.string().optional(),
  signerName: z.string().optional(),
  labelSelector: LabelSelector.optional(),
  optional: z.boolean().optional(),
  path: z.string().default(''),
});

export const VolumeProjection = z.object({
  secret: SecretProjection.optional(),
  downwardAPI: DownwardAPIProjection.optional(),
  configMap: ConfigMapProjection.optional(),
  serviceAccountToken: ServiceAccountTokenProjection.optional(),
  clusterTrustBundle: ClusterTrustBundleProjection.optional(),
});
export type VolumeProjection = z.infer<typeof VolumeProjection>;

export const ProjectedVolumeSource = z.object({
  sources: z.array(VolumeProjection).optional(),
  defaultMode: z.number().int().optional(),
});

export const PersistentVolumeClaimVolumeSource = z.object({
  claimName: z.string().default(''),
  readOnly: z.boolean().optional(),
});

export const NFSVolumeSource = z.object({
  server: z.string().default(''),
  path: z.string().default(''),
  readOnly: z.boolean().optional(),
});

export const CSIVolumeSource = z.object({
  driver: z.string().default(''),
  readOnly: z.boolean().optional(),
  fsType: z.string().optional(),
  volumeAttributes: z.record(z.string(), z.string()).optional(),
  nodePublishSecretRef: z.object({ name: z.string().optional() }).optional(),
});

export const ImageVolumeSource = z.object({
  reference: z.string().optional(),
  pullPolicy: z.string().optional(),
});

// ---- PersistentVolumeClaim ----

export const VolumeResourceRequirements = z.object({
  limits: ResourceList.optional(),
  requests: ResourceList.optional(),
});

export const TypedObjectReference = z.object({
  apiGroup: z.string().optional(),
  kind: z.string().default(''),
  name: z.string().default(''),
  namespace: z.string().optional(),
});

export const PersistentVolumeClaimSpec = z.object({
  accessModes: z.array(z.string()).optional(),
  selector: LabelSelector.optional(),
  resources: VolumeResourceRequirements.optional(),
  volumeName: z.string().optional(),
  storageClassName: z.string().optional(),
  volumeMode: z.string().optional(),
  dataSource: TypedLocalObjectReference.optional(),
  dataSourceRef: TypedObjectReference.optional(),
  volumeAttributesClassName: z.string().optional(),
});
export type PersistentVolumeClaimSpec = z.infer<typeof PersistentVolumeClaimSpec>;

export const PersistentVolumeClaimCondition = z.object({
  type: z.string().default(''),
  status: z.string().default(''),
  lastProbeTime: Time.optional(),
  lastTransitionTime: Time.optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const PersistentVolumeClaimStatus = z.object({
  phase: z.string().optional(),
  accessModes: z.array(z.string()).optional(),
  capacity: ResourceList.optional(),
  conditions: z.array(PersistentVolumeClaimCondition).optional(),
  allocatedResources: ResourceList.optional(),
  allocatedResourceStatuses: z.record(z.string(), z.string()).optional(),
  currentVolumeAttributesClassName: z.string().optional(),
});

export const PersistentVolumeClaim = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: PersistentVolumeClaimSpec.optional(),
  status: PersistentVolumeClaimStatus.optional(),
});
export type PersistentVolumeClaim = z.infer<typeof PersistentVolumeClaim>;

export const PersistentVolumeClaimTemplate = z.object({
  metadata: ObjectMeta.optional(),
  spec: PersistentVolumeClaimSpec.default(() => ({})),
});

export const EphemeralVolumeSource = z.object({
  volumeClaimTemplate: PersistentVolumeClaimTemplate.optional(),
});

// ---- Volume ----

export const VolumeSource = {
  emptyDir: EmptyDirVolumeSource.optional(),
  hostPath: HostPathVolumeSource.optional(),
  configMap: ConfigMapVolumeSource.optional(),
  secret: SecretVolumeSource.optional(),
  downwardAPI: DownwardAPIVolumeSource.optional(),
  projected: ProjectedVolumeSource.optional(),
  persistentVolumeClaim: PersistentVolumeClaimVolumeSource.optional(),
  nfs: NFSVolumeSource.optional(),
  csi: CSIVolumeSource.optional(),
  ephemeral: EphemeralVolumeSource.optional(),
  image: ImageVolumeSource.optional(),
};

/** The volume source fields, in the order Kubernetes checks them. */
export const VOLUME_SOURCE_FIELDS = Object.keys(VolumeSource) as (keyof typeof VolumeSource)[];

export const Volume = z.object({
  name: z.string().default(''),
  ...VolumeSource,
});
export type Volume = z.infer<typeof Volume>;
