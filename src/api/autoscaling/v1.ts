// autoscaling/v1 Scale: the body of every .../scale subresource (deployments,
// replicasets, statefulsets). The selector is the string form of the target's
// label selector, as `kubectl get --selector` would take it.
import { z } from 'zod';
import { ObjectMeta } from '../meta.js';

export const ScaleSpec = z.object({
  replicas: z.number().int().optional(),
});

export const ScaleStatus = z.object({
  replicas: z.number().int().default(0),
  selector: z.string().optional(),
});

export const Scale = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: ScaleSpec.prefault(() => ({})),
  status: ScaleStatus.optional(),
});
export type Scale = z.infer<typeof Scale>;

// autoscaling/v1 HorizontalPodAutoscaler: CPU utilization only. It is served
// by converting to and from the stored autoscaling/v2 object
// (./conversion.ts); what v1 cannot say travels in annotations.

const int = () => z.number().int();

export const CrossVersionObjectReferenceV1 = z.object({
  kind: z.string().default(''),
  name: z.string().default(''),
  apiVersion: z.string().optional(),
});

export const HorizontalPodAutoscalerSpecV1 = z.object({
  scaleTargetRef: CrossVersionObjectReferenceV1.prefault(() => ({})),
  minReplicas: int().optional(),
  maxReplicas: int().optional(),
  targetCPUUtilizationPercentage: int().optional(),
});

export const HorizontalPodAutoscalerStatusV1 = z.object({
  observedGeneration: int().optional(),
  lastScaleTime: z.string().optional(),
  currentReplicas: int().optional(),
  desiredReplicas: int().optional(),
  currentCPUUtilizationPercentage: int().optional(),
});

export const HorizontalPodAutoscalerV1 = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: HorizontalPodAutoscalerSpecV1.prefault(() => ({})),
  status: HorizontalPodAutoscalerStatusV1.optional(),
});
export type HorizontalPodAutoscalerV1 = z.infer<typeof HorizontalPodAutoscalerV1>;
