// policy/v1: PodDisruptionBudget and the Eviction body of pods/eviction, in
// Kubernetes' wire shape, fields in Go struct order.
import { z } from 'zod';
import { Condition, LabelSelector, ObjectMeta } from '../meta.js';
import { IntOrString } from '../core/primitives.js';

export const PodDisruptionBudgetSpec = z.object({
  minAvailable: IntOrString.optional(),
  selector: LabelSelector.optional(),
  maxUnavailable: IntOrString.optional(),
  unhealthyPodEvictionPolicy: z.string().optional(),
});
export type PodDisruptionBudgetSpec = z.infer<typeof PodDisruptionBudgetSpec>;

export const PodDisruptionBudgetStatus = z.object({
  observedGeneration: z.number().int().optional(),
  disruptedPods: z.record(z.string(), z.string()).optional(),
  disruptionsAllowed: z.number().int().default(0),
  currentHealthy: z.number().int().default(0),
  desiredHealthy: z.number().int().default(0),
  expectedPods: z.number().int().default(0),
  conditions: z.array(Condition).optional(),
});
export type PodDisruptionBudgetStatus = z.infer<typeof PodDisruptionBudgetStatus>;

export const PodDisruptionBudget = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: PodDisruptionBudgetSpec.default(() => ({})),
  status: PodDisruptionBudgetStatus.optional(),
});
export type PodDisruptionBudget = z.infer<typeof PodDisruptionBudget>;

/** metav1.DeleteOptions as an Eviction carries it. */
export const DeleteOptions = z.object({
  kind: z.string().optional(),
  apiVersion: z.string().optional(),
  gracePeriodSeconds: z.number().int().nullable().optional(),
  preconditions: z
    .object({ uid: z.string().nullable().optional(), resourceVersion: z.string().nullable().optional() })
    .nullable()
    .optional(),
  orphanDependents: z.boolean().nullable().optional(),
  propagationPolicy: z.string().nullable().optional(),
  dryRun: z.array(z.string()).nullable().optional(),
});
export type DeleteOptions = z.infer<typeof DeleteOptions>;

export const Eviction = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  deleteOptions: DeleteOptions.nullable().optional(),
});
export type Eviction = z.infer<typeof Eviction>;

/** The condition the eviction API and the disruption controller keep on a PodDisruptionBudget. */
export const disruptionAllowedCondition = 'DisruptionAllowed';
/** The StatusCause type of a refusal because of a budget. */
export const disruptionBudgetCause = 'DisruptionBudget';
