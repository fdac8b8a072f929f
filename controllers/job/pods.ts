// What the Job controller asks of its pods (Kubernetes' job_controller.go,
// pod_failure_policy.go, indexed_job_utils.go): which count as failed, when
// they finished, which rule of the pod failure policy they match, which to
// delete first, and the pod made from the template for a given index.
import type { Job, PodFailurePolicy } from '../../src/api/batch/v1.js';
import type { ContainerStatus } from '../../src/api/core/v1.js';
import type { KubeObject, OwnerReference } from '../../src/api/meta.js';
import { compareForDeletion, isPodReady, podFromTemplate, type PodObject } from '../replicaset/pods.js';
import { completionIndexKey, completionIndexOf } from './indexes.js';

export type JobObject = Job & KubeObject;

/** batch.JobTrackingFinalizer: a finished pod is counted in status before this goes, and never after. */
export const jobTrackingFinalizer = 'batch.kubernetes.io/job-tracking';

export function hasTrackingFinalizer(pod: PodObject): boolean {
  return (pod.metadata.finalizers ?? []).includes(jobTrackingFinalizer);
}

export function isIndexed(job: JobObject): boolean {
  return job.spec.completionMode === 'Indexed';
}

export function isSuspended(job: JobObject): boolean {
  return job.spec.suspend === true;
}

/** onlyReplaceFailedPods: a terminating pod is not a failure yet (and blocks its replacement). */
export function onlyReplaceFailedPods(job: JobObject): boolean {
  return job.spec.podReplacementPolicy === 'Failed' || job.spec.podFailurePolicy !== undefined;
}

/** isPodFailed: Failed, or deleted before it could succeed (orphans never reach Failed). */
export function isPodFailed(pod: PodObject, job: JobObject): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return pod.metadata.deletionTimestamp !== undefined && pod.status?.phase !== 'Succeeded';
}

/** controller.FilterActivePods */
export function isActive(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** CountTerminatingPods: being deleted and not finished. */
export function isTerminating(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return pod.metadata.deletionTimestamp !== undefined && phase !== 'Succeeded' && phase !== 'Failed';
}

function parseTime(s: string | null | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

/** getFinishedTime: the last container's finish, else when Ready went false, else deletion, else creation. */
export function finishedTimeMs(pod: PodObject): number {
  let latest: number | undefined;
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const t = parseTime(s.state?.terminated?.finishedAt);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  if (latest !== undefined) return latest;
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready' && c.status === 'False');
  return parseTime(ready?.lastTransitionTime) ?? parseTime(pod.metadata.deletionTimestamp) ?? parseTime(pod.metadata.creationTimestamp) ?? 0;
}

export type PolicyAction = 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';

export interface PolicyMatch {
  /** the Job's failure message when the matching rule is FailJob */
  failJobMessage?: string;
  /** false when the rule ignores the failure */
  countFailed: boolean;
  action?: PolicyAction;
}

function matchingContainer(pod: PodObject, rule: NonNullable<NonNullable<PodFailurePolicy['rules']>[number]['onExitCodes']>): ContainerStatus | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const s of statuses) {
    const term = s.state?.terminated;
    if (!term) continue;
    if (rule.containerName !== undefined && rule.containerName !== s.name) continue;
    if (term.exitCode === 0) continue;
    const listed = (rule.values ?? []).includes(term.exitCode);
    if (rule.operator === 'In' ? listed : rule.operator === 'NotIn' ? !listed : false) return s;
  }
  return undefined;
}

/** matchPodFailurePolicy: the first rule matching a failed pod, by exit code or pod condition. */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: PodObject): PolicyMatch {
  if (!policy) return { countFailed: true };
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    let failJobMessage: string | undefined;
    if (rule.onExitCodes) {
      const c = matchingContainer(pod, rule.onExitCodes);
      if (!c) continue;
      failJobMessage = `Container ${c.name} for pod ${ns}/${name} failed with exit code ${c.state?.terminated?.exitCode ?? 0} matching FailJob rule at index ${index}`;
    } else if (rule.onPodConditions) {
      const cond = (pod.status?.conditions ?? []).find((pc) => rule.onPodConditions!.some((p) => p.type === pc.type && (p.status ?? 'True') === pc.status));
      if (!cond) continue;
      failJobMessage = `Pod ${ns}/${name} has condition ${cond.type} matching FailJob rule at index ${index}`;
    } else {
      continue;
    }
    switch (rule.action) {
      case 'Ignore':
        return { countFailed: false, action: 'Ignore' };
      case 'Count':
        return { countFailed: true, action: 'Count' };
      case 'FailIndex':
        // Only meaningful with backoffLimitPerIndex, which this controller does not implement: counted as a failure.
        return { countFailed: true, action: 'FailIndex' };
      case 'FailJob':
        return { countFailed: true, action: 'FailJob', failJobMessage };
      default:
        continue;
    }
  }
  return { countFailed: true };
}

/** getFailJobMessage: the message of the first failed pod a FailJob rule matches. */
export function failJobMessage(job: JobObject, pods: readonly PodObject[]): string | undefined {
  if (!job.spec.podFailurePolicy) return undefined;
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const m = matchPodFailurePolicy(job.spec.podFailurePolicy, p).failJobMessage;
    if (m !== undefined) return m;
  }
  return undefined;
}

/** pastBackoffLimitOnFailure: with restartPolicy OnFailure failures are container restarts in running pods. */
export function pastBackoffLimitOnFailure(job: JobObject, pods: readonly PodObject[]): boolean {
  if (job.spec.template.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase !== 'Running' && phase !== 'Pending') continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/**
 * activePodsForRemoval: for Indexed Jobs first the pods without a valid
 * index and all but one pod per index, then the pods least far along
 * (unscheduled, pending, not ready, newest).
 */
export function activePodsForRemoval(job: JobObject, active: readonly PodObject[], atLeast: number): PodObject[] {
  const rm: PodObject[] = [];
  let left: PodObject[] = [...active];
  if (isIndexed(job)) {
    const completions = job.spec.completions ?? 0;
    const byIndex = new Map<number, PodObject[]>();
    left = [];
    for (const p of active) {
      const ix = completionIndexOf(p);
      if (ix < 0 || ix >= completions) {
        rm.push(p);
        continue;
      }
      const list = byIndex.get(ix);
      if (list) list.push(p);
      else byIndex.set(ix, [p]);
    }
    for (const [, pods] of [...byIndex.entries()].sort(([a], [b]) => a - b)) {
      const sorted = [...pods].sort((a, b) => compareForDeletion(a, b));
      rm.push(...sorted.slice(0, -1));
      left.push(sorted[sorted.length - 1]!);
    }
  }
  if (rm.length < atLeast) {
    left.sort((a, b) => compareForDeletion(a, b));
    rm.push(...left.slice(0, atLeast - rm.length));
  }
  return rm;
}

export function countReady(pods: readonly PodObject[]): number {
  return pods.filter(isPodReady).length;
}

/**
 * The pod the Job creates: the template with the tracking finalizer, named
 * <job>- (or <job>-<index>- for Indexed Jobs, which also get the index as
 * annotation, label, hostname and JOB_COMPLETION_INDEX in every container).
 */
export function newJobPod(job: JobObject, index: number, controllerRef: OwnerReference): PodObject {
  const template = structuredClone(job.spec.template);
  const meta = (template.metadata ??= {});
  const finalizers = meta.finalizers ?? [];
  if (!finalizers.includes(jobTrackingFinalizer)) meta.finalizers = [...finalizers, jobTrackingFinalizer];
  const name = job.metadata.name ?? '';
  const pod = podFromTemplate(template, name, job.metadata.namespace ?? '', controllerRef);
  if (index < 0) return pod;
  const ix = String(index);
  pod.metadata.annotations = { ...pod.metadata.annotations, [completionIndexKey]: ix };
  pod.metadata.labels = { ...pod.metadata.labels, [completionIndexKey]: ix };
  const appendix = `-${index}-`;
  // generateName keeps 5 characters for the random suffix within 63.
  pod.metadata.generateName = name.length + appendix.length > 58 ? `${name.slice(0, 58 - appendix.length)}${appendix}` : `${name}${appendix}`;
  pod.spec.hostname = `${name}-${index}`;
  const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${completionIndexKey}']` } } };
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    if (!(c.env ?? []).some((e) => e.name === env.name)) c.env = [...(c.env ?? []), structuredClone(env)];
  }
  return pod;
}
