// batch/v1 defaulting (k8s.io/kubernetes/pkg/apis/batch/v1/defaults.go) and the
// selector a Job gets generated on create (the Job registry strategy's
// generateSelector), which needs the uid the server assigns.
import { defaultPodTemplateSpec } from '../core/defaults.js';
import { semanticEqual } from '../apps/field-checks.js';
import type { CronJob, Job } from './v1.js';

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';

const MAX_INT32 = 2147483647;

export function defaultJob(job: Job): void {
  const spec = job.spec;
  // A non-parallel Job may leave both unset; then both are 1.
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? MAX_INT32 : 6;
  const templateLabels = spec.template.metadata?.labels;
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...templateLabels };
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    for (const pattern of rule.onPodConditions ?? []) if (!pattern.status) pattern.status = 'True';
  }
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  defaultPodTemplateSpec(spec.template);
}

/**
 * Adds the generated selector and pod labels to a Job created without
 * manualSelector: the job-name and controller-uid labels (prefixed and
 * legacy) on the template, and a selector on the prefixed controller-uid.
 * Call after the server has assigned metadata.name and metadata.uid, before
 * validation (which checks the labels are there).
 */
export function generateJobSelector(job: Job): void {
  const spec = job.spec;
  if (spec.manualSelector === true) return;
  const name = job.metadata.name ?? '';
  const uid = job.metadata.uid ?? '';
  const templateMeta = (spec.template.metadata ??= {});
  const before = { ...(templateMeta.labels ?? {}) };
  const labels = (templateMeta.labels ??= {});
  // Labels the user set are left alone: a conflicting value fails validation.
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(key in labels)) labels[key] = name;
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(key in labels)) labels[key] = uid;
  const selector = (spec.selector ??= {});
  const matchLabels = (selector.matchLabels ??= {});
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = uid;

  // A Job whose labels were defaulted from its template shares that label map
  // in Kubernetes, so it carries the generated labels too; one with no labels
  // at all gets them when it is next read back. Either way it shows them.
  const own = job.metadata.labels;
  if (!own || Object.keys(own).length === 0 || semanticEqual(own, before)) job.metadata.labels = { ...labels };
}

export function defaultCronJob(cj: CronJob): void {
  const spec = cj.spec;
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  defaultPodTemplateSpec(spec.jobTemplate.spec.template);
}
