// autoscaling/v2: HorizontalPodAutoscaler in Kubernetes' wire shape, fields in
// Go struct order.
import { z } from 'zod';
import { Quantity } from '../core/v1.js';
import { LabelSelector, ObjectMeta } from '../meta.js';

const int = () => z.number().int();

export const CrossVersionObjectReference = z.object({
  kind: z.string().default(''),
  name: z.string().default(''),
  apiVersion: z.string().optional(),
});
export type CrossVersionObjectReference = z.infer<typeof CrossVersionObjectReference>;

export const MetricIdentifier = z.object({
  name: z.string().default(''),
  selector: LabelSelector.optional(),
});
export type MetricIdentifier = z.infer<typeof MetricIdentifier>;

export const MetricTarget = z.object({
  type: z.string().optional(),
  value: Quantity.optional(),
  averageValue: Quantity.optional(),
  averageUtilization: int().optional(),
});
export type MetricTarget = z.infer<typeof MetricTarget>;

export const MetricValueStatus = z.object({
  value: Quantity.optional(),
  averageValue: Quantity.optional(),
  averageUtilization: int().optional(),
});

export const ObjectMetricSource = z.object({
  describedObject: CrossVersionObjectReference.optional(),
  target: MetricTarget.optional(),
  metric: MetricIdentifier.optional(),
});

export const PodsMetricSource = z.object({
  metric: MetricIdentifier.optional(),
  target: MetricTarget.optional(),
});

export const ResourceMetricSource = z.object({
  name: z.string().optional(),
  target: MetricTarget.optional(),
});

export const ContainerResourceMetricSource = z.object({
  name: z.string().optional(),
  target: MetricTarget.optional(),
  container: z.string().optional(),
});

export const ExternalMetricSource = z.object({
  metric: MetricIdentifier.optional(),
  target: MetricTarget.optional(),
});

export const MetricSpec = z.object({
  type: z.string().optional(),
  object: ObjectMetricSource.optional(),
  pods: PodsMetricSource.optional(),
  resource: ResourceMetricSource.optional(),
  containerResource: ContainerResourceMetricSource.optional(),
  external: ExternalMetricSource.optional(),
});
export type MetricSpec = z.infer<typeof MetricSpec>;

export const HPAScalingPolicy = z.object({
  type: z.string().optional(),
  value: int().optional(),
  periodSeconds: int().optional(),
});
export type HPAScalingPolicy = z.infer<typeof HPAScalingPolicy>;

export const HPAScalingRules = z.object({
  stabilizationWindowSeconds: int().optional(),
  selectPolicy: z.string().optional(),
  policies: z.array(HPAScalingPolicy).optional(),
  tolerance: Quantity.optional(),
});
export type HPAScalingRules = z.infer<typeof HPAScalingRules>;

export const HorizontalPodAutoscalerBehavior = z.object({
  scaleUp: HPAScalingRules.optional(),
  scaleDown: HPAScalingRules.optional(),
});

export const HorizontalPodAutoscalerSpec = z.object({
  scaleTargetRef: CrossVersionObjectReference.prefault(() => ({})),
  minReplicas: int().optional(),
  maxReplicas: int().optional(),
  metrics: z.array(MetricSpec).optional(),
  behavior: HorizontalPodAutoscalerBehavior.optional(),
});
export type HorizontalPodAutoscalerSpec = z.infer<typeof HorizontalPodAutoscalerSpec>;

export const MetricStatus = z.object({
  type: z.string().optional(),
  object: z
    .object({
      metric: MetricIdentifier.optional(),
      current: MetricValueStatus.optional(),
      describedObject: CrossVersionObjectReference.optional(),
    })
    .optional(),
  pods: z.object({ metric: MetricIdentifier.optional(), current: MetricValueStatus.optional() }).optional(),
  resource: z.object({ name: z.string().optional(), current: MetricValueStatus.optional() }).optional(),
  containerResource: z
    .object({ name: z.string().optional(), current: MetricValueStatus.optional(), container: z.string().optional() })
    .optional(),
  external: z.object({ metric: MetricIdentifier.optional(), current: MetricValueStatus.optional() }).optional(),
});
export type MetricStatus = z.infer<typeof MetricStatus>;

export const HorizontalPodAutoscalerCondition = z.object({
  type: z.string(),
  status: z.string(),
  lastTransitionTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const HorizontalPodAutoscalerStatus = z.object({
  observedGeneration: int().optional(),
  lastScaleTime: z.string().optional(),
  currentReplicas: int().optional(),
  desiredReplicas: int().optional(),
  currentMetrics: z.array(MetricStatus).optional(),
  conditions: z.array(HorizontalPodAutoscalerCondition).optional(),
});
export type HorizontalPodAutoscalerStatus = z.infer<typeof HorizontalPodAutoscalerStatus>;

export const HorizontalPodAutoscaler = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: HorizontalPodAutoscalerSpec.prefault(() => ({})),
  status: HorizontalPodAutoscalerStatus.optional(),
});
export type HorizontalPodAutoscaler = z.infer<typeof HorizontalPodAutoscaler>;
