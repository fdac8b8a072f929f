// batch/v1: Job and CronJob in Kubernetes' wire shape, fields in Go struct order.
import { z } from 'zod';
import { LabelSelector, ObjectMeta } from '../meta.js';
import { ObjectReference, PodTemplateSpec } from '../core/v1.js';

const int = () => z.number().int();

export const PodFailurePolicyOnExitCodesRequirement = z.object({
  containerName: z.string().optional(),
  operator: z.string().optional(),
  values: z.array(int()).optional(),
});

export const PodFailurePolicyOnPodConditionsPattern = z.object({
  type: z.string().optional(),
  status: z.string().optional(),
});

export const PodFailurePolicyRule = z.object({
  action: z.string().optional(),
  onExitCodes: PodFailurePolicyOnExitCodesRequirement.optional(),
  onPodConditions: z.array(PodFailurePolicyOnPodConditionsPattern).optional(),
});
export type PodFailurePolicyRule = z.infer<typeof PodFailurePolicyRule>;

export const PodFailurePolicy = z.object({
  rules: z.array(PodFailurePolicyRule).optional(),
});
export type PodFailurePolicy = z.infer<typeof PodFailurePolicy>;

export const SuccessPolicyRule = z.object({
  succeededIndexes: z.string().optional(),
  succeededCount: int().optional(),
});

export const SuccessPolicy = z.object({
  rules: z.array(SuccessPolicyRule).optional(),
});

export const JobSpec = z.object({
  parallelism: int().optional(),
  completions: int().optional(),
  activeDeadlineSeconds: int().optional(),
  podFailurePolicy: PodFailurePolicy.optional(),
  successPolicy: SuccessPolicy.optional(),
  backoffLimit: int().optional(),
  backoffLimitPerIndex: int().optional(),
  maxFailedIndexes: int().optional(),
  selector: LabelSelector.optional(),
  manualSelector: z.boolean().optional(),
  template: PodTemplateSpec.prefault(() => ({})),
  ttlSecondsAfterFinished: int().optional(),
  completionMode: z.string().optional(),
  suspend: z.boolean().optional(),
  podReplacementPolicy: z.string().optional(),
  managedBy: z.string().optional(),
});
export type JobSpec = z.infer<typeof JobSpec>;

export const JobCondition = z.object({
  type: z.string(),
  status: z.string(),
  lastProbeTime: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type JobCondition = z.infer<typeof JobCondition>;

export const UncountedTerminatedPods = z.object({
  succeeded: z.array(z.string()).optional(),
  failed: z.array(z.string()).optional(),
});

export const JobStatus = z.object({
  conditions: z.array(JobCondition).optional(),
  startTime: z.string().optional(),
  completionTime: z.string().optional(),
  active: int().optional(),
  succeeded: int().optional(),
  failed: int().optional(),
  terminating: int().optional(),
  completedIndexes: z.string().optional(),
  failedIndexes: z.string().optional(),
  uncountedTerminatedPods: UncountedTerminatedPods.optional(),
  ready: int().optional(),
});
export type JobStatus = z.infer<typeof JobStatus>;

export const Job = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: JobSpec.prefault(() => ({})),
  status: JobStatus.optional(),
});
export type Job = z.infer<typeof Job>;

export const JobTemplateSpec = z.object({
  metadata: ObjectMeta.optional(),
  spec: JobSpec.prefault(() => ({})),
});
export type JobTemplateSpec = z.infer<typeof JobTemplateSpec>;

export const CronJobSpec = z.object({
  schedule: z.string().optional(),
  timeZone: z.string().optional(),
  startingDeadlineSeconds: int().optional(),
  concurrencyPolicy: z.string().optional(),
  suspend: z.boolean().optional(),
  jobTemplate: JobTemplateSpec.prefault(() => ({})),
  successfulJobsHistoryLimit: int().optional(),
  failedJobsHistoryLimit: int().optional(),
});
export type CronJobSpec = z.infer<typeof CronJobSpec>;

export const CronJobStatus = z.object({
  active: z.array(ObjectReference).optional(),
  lastScheduleTime: z.string().optional(),
  lastSuccessfulTime: z.string().optional(),
});
export type CronJobStatus = z.infer<typeof CronJobStatus>;

export const CronJob = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: CronJobSpec.prefault(() => ({})),
  status: CronJobStatus.optional(),
});
export type CronJob = z.infer<typeof CronJob>;
