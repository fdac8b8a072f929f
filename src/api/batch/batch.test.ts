import { describe, expect, it } from 'vitest';
import { findUnknownFields } from '../decode.js';
import { fieldErrorMessage, type FieldErrors } from '../validation/field.js';
import { defaultCronJob, defaultJob, generateJobSelector } from './defaults.js';
import { CronJob, Job } from './v1.js';
import { validateCronJob, validateJob } from './validation.js';

const messages = (errs: FieldErrors) => errs.map((e) => `${e.field}: ${fieldErrorMessage(e)}`);

const UID = '5f6c0d1e-0000-4000-8000-000000000001';

const podTemplate = (extra: Record<string, unknown> = {}) => ({
  spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }], ...extra },
});

/** A Job as the server has it after decoding, defaulting, uid assignment and selector generation. */
function job(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) {
  const j = Job.parse({ metadata: { name: 'pi', namespace: 'default', uid: UID, ...metadata }, spec: { template: podTemplate(), ...spec } });
  defaultJob(j);
  generateJobSelector(j);
  return j;
}

function cronJob(spec: Record<string, unknown> = {}, name = 'hello') {
  const cj = CronJob.parse({
    metadata: { name, namespace: 'default' },
    spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: podTemplate() } }, ...spec },
  });
  defaultCronJob(cj);
  return cj;
}

describe('Job defaults', () => {
  it('defaults a plain Job to one completion, parallelism 1, 6 retries, NonIndexed, not suspended', () => {
    const j = job();
    expect(j.spec.completions).toBe(1);
    expect(j.spec.parallelism).toBe(1);
    expect(j.spec.backoffLimit).toBe(6);
    expect(j.spec.completionMode).toBe('NonIndexed');
    expect(j.spec.suspend).toBe(false);
    expect(j.spec.podReplacementPolicy).toBe('TerminatingOrFailed');
  });

  it('leaves completions unset for a work-queue Job that only sets parallelism', () => {
    const j = job({ parallelism: 3 });
    expect(j.spec.completions).toBeUndefined();
    expect(j.spec.parallelism).toBe(3);
  });

  it('retries per index without a global limit when backoffLimitPerIndex is set', () => {
    expect(job({ completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1 }).spec.backoffLimit).toBe(2147483647);
  });

  it('defaults pod failure policy condition status to True and replacement to Failed', () => {
    const j = job({ podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } });
    expect(j.spec.podFailurePolicy?.rules?.[0]?.onPodConditions?.[0]?.status).toBe('True');
    expect(j.spec.podReplacementPolicy).toBe('Failed');
  });

  it('generates the selector and pod labels from the uid and name', () => {
    const j = job();
    expect(j.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': UID } });
    expect(j.spec.template.metadata?.labels).toEqual({
      'job-name': 'pi',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': UID,
      'batch.kubernetes.io/controller-uid': UID,
    });
    expect(j.metadata.labels).toEqual(j.spec.template.metadata?.labels);
  });

  it('keeps the Job’s own labels when it has some, and carries template labels it was defaulted from', () => {
    expect(job({}, { labels: { team: 'a' } }).metadata.labels).toEqual({ team: 'a' });
    const fromTemplate = job({ template: { metadata: { labels: { app: 'pi' } }, ...podTemplate() } });
    expect(fromTemplate.metadata.labels).toEqual({ app: 'pi', ...fromTemplate.spec.template.metadata?.labels });
    expect(fromTemplate.metadata.labels?.['batch.kubernetes.io/job-name']).toBe('pi');
  });

  it('generates nothing with manualSelector', () => {
    const j = job({ manualSelector: true, selector: { matchLabels: { app: 'pi' } }, template: { metadata: { labels: { app: 'pi' } }, ...podTemplate() } });
    expect(j.spec.selector).toEqual({ matchLabels: { app: 'pi' } });
    expect(j.spec.template.metadata?.labels).toEqual({ app: 'pi' });
  });
});

describe('Job validation', () => {
  it('accepts a Job with a generated selector', () => {
    expect(validateJob(job())).toEqual([]);
  });

  it('requires restartPolicy OnFailure or Never', () => {
    const defaulted = job({ template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } } });
    expect(defaulted.spec.template.spec!.restartPolicy).toBe('Always');
    expect(messages(validateJob(defaulted))).toEqual(['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
    // The pod template check and the Job's own check both report it, as in Kubernetes.
    expect(messages(validateJob(job({ template: podTemplate({ restartPolicy: 'Sometimes' }) })))).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"',
    ]);
  });

  it('rejects negative counts', () => {
    expect(messages(validateJob(job({ parallelism: -1, completions: -1, activeDeadlineSeconds: -1, backoffLimit: -1, ttlSecondsAfterFinished: -1 })))).toEqual([
      'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
      'spec.completions: Invalid value: -1: must be greater than or equal to 0',
      'spec.activeDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.ttlSecondsAfterFinished: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('rejects a selector that was not auto-generated', () => {
    const j = job();
    j.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'other' } };
    expect(messages(validateJob(j))).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"batch.kubernetes.io/controller-uid":"other"}}: `selector` not auto-generated',
      'spec.template.metadata.labels: Invalid value: {"job-name":"pi","batch.kubernetes.io/job-name":"pi","controller-uid":"5f6c0d1e-0000-4000-8000-000000000001","batch.kubernetes.io/controller-uid":"5f6c0d1e-0000-4000-8000-000000000001"}: `selector` does not match template `labels`',
    ]);
  });

  it('reports a conflicting generated label the user set on the template', () => {
    const j = job({ template: { metadata: { labels: { 'job-name': 'other' } }, ...podTemplate() } });
    expect(messages(validateJob(j))[0]).toBe(
      "spec.template.metadata.labels[job-name]: Invalid value: " +
        JSON.stringify(j.spec.template.metadata?.labels) +
        ": must be 'pi'",
    );
  });

  it('requires a selector with manualSelector and checks it against the template', () => {
    const j = job({ manualSelector: true });
    expect(messages(validateJob(j))).toEqual(['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`']);
  });

  it('checks completion mode and per-index limits', () => {
    expect(messages(validateJob(job({ completionMode: 'Sometimes' })))).toEqual([
      'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
    ]);
    expect(messages(validateJob(job({ backoffLimitPerIndex: 1 })))).toEqual([
      'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
    ]);
    expect(messages(validateJob(job({ completionMode: 'Indexed', parallelism: 2, maxFailedIndexes: 1 })))).toEqual([
      'spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified',
      'spec.completions: Required value: when completion mode is Indexed',
    ]);
  });

  it('rejects an Indexed Job whose pod hostnames would not be DNS labels', () => {
    const name = 'a'.repeat(62);
    expect(messages(validateJob(job({ completionMode: 'Indexed', completions: 10 }, { name })))).toContain(
      `metadata.name: Invalid value: "${name}": will not able to create pod with invalid DNS label: ${name}-9`,
    );
  });

  it('checks pod failure policy rules', () => {
    const j = job({
      podFailurePolicy: {
        rules: [
          { action: 'FailJob', onExitCodes: { operator: 'In', values: [0, 3, 2, 2], containerName: 'nope' } },
          { action: 'Explode', onPodConditions: [{ type: 'DisruptionTarget', status: 'Maybe' }] },
          { action: 'Ignore' },
        ],
      },
    });
    expect(messages(validateJob(j))).toEqual([
      'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "nope": must be one of the container or initContainer names in the pod template',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[3]: Duplicate value: 2',
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [0,3,2,2]: must be ordered',
      'spec.podFailurePolicy.rules[1].action: Unsupported value: "Explode": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
      'spec.podFailurePolicy.rules[1].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      'spec.podFailurePolicy.rules[2]: Invalid value: null: specifying one of OnExitCodes and OnPodConditions is required',
    ]);
  });

  it('allows only Never with a pod failure policy', () => {
    const j = job({
      podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
      template: podTemplate({ restartPolicy: 'OnFailure' }),
    });
    expect(messages(validateJob(j))).toEqual([
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    ]);
  });

  it('checks success policy index lists', () => {
    const j = job({ completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededIndexes: '0-2,1', succeededCount: 9 }] } });
    expect(messages(validateJob(j))).toEqual([
      'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "0-2,1": error parsing succeededIndexes: non-increasing order, previous: 2, current: 1',
      'spec.successPolicy.rules[0].succeededCount: Invalid value: 9: must be less than or equal to 5 (the number of specified completions)',
      'spec.successPolicy.rules[0].succeededCount: Invalid value: 9: must be less than or equal to 0 (the number of indexes in the specified succeededIndexes field)',
    ]);
    expect(messages(validateJob(job({ successPolicy: { rules: [{ succeededCount: 1 }] } })))).toEqual([
      'spec.successPolicy: Invalid value: {"rules":[{"succeededCount":1}]}: requires indexed completion mode',
    ]);
  });

  it('checks managedBy as a domain-prefixed path', () => {
    expect(messages(validateJob(job({ managedBy: 'kueue' })))).toEqual([
      'spec.managedBy: Invalid value: "kueue": must be a domain-prefixed path (such as "acme.io/foo")',
    ]);
    expect(validateJob(job({ managedBy: 'kueue.x-k8s.io/multikueue' }))).toEqual([]);
  });

  it('keeps selector, template, completions and completion mode immutable on update', () => {
    const old = job();
    expect(validateJob(job({ completions: 1, parallelism: 4, activeDeadlineSeconds: 30 }), old)).toEqual([]);
    const changed = job({ completions: 2, template: podTemplate({ restartPolicy: 'OnFailure' }) });
    expect(validateJob(changed, old).map((e) => `${e.field}: ${e.detail}`)).toEqual([
      'spec.completions: field is immutable',
      'spec.template: field is immutable',
    ]);
  });

  it('lets a suspended Job that never started change its scheduling directives', () => {
    const old = job({ suspend: true });
    const moved = job({ suspend: true, template: podTemplate({ nodeSelector: { zone: 'a' } }) });
    expect(validateJob(moved, old)).toEqual([]);
    const running = job({ template: podTemplate({ nodeSelector: { zone: 'a' } }) });
    expect(validateJob(running, job()).map((e) => e.field)).toEqual(['spec.template']);
  });

  it('lets an Indexed Job change completions together with parallelism', () => {
    const old = job({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
    expect(validateJob(job({ completionMode: 'Indexed', completions: 5, parallelism: 5 }), old)).toEqual([]);
    expect(messages(validateJob(job({ completionMode: 'Indexed', completions: 5, parallelism: 3 }), old))).toEqual([
      'spec.completions: Invalid value: 5: can only be modified in tandem with spec.parallelism',
    ]);
  });
});

describe('CronJob defaults and validation', () => {
  it('defaults to Allow, not suspended, keeping 3 successful and 1 failed job', () => {
    const cj = cronJob();
    expect(cj.spec.concurrencyPolicy).toBe('Allow');
    expect(cj.spec.suspend).toBe(false);
    expect(cj.spec.successfulJobsHistoryLimit).toBe(3);
    expect(cj.spec.failedJobsHistoryLimit).toBe(1);
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBeUndefined();
    expect(cj.spec.jobTemplate.spec.template.spec!.terminationGracePeriodSeconds).toBe(30);
    expect(validateCronJob(cj)).toEqual([]);
  });

  it('reports schedule syntax errors in the parser’s words', () => {
    expect(messages(validateCronJob(cronJob({ schedule: '* * * *' })))).toEqual([
      'spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]',
    ]);
    expect(messages(validateCronJob(cronJob({ schedule: '61 * * * *' })))).toEqual([
      'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
    ]);
    expect(validateCronJob(cronJob({ schedule: '@hourly' }))).toEqual([]);
    expect(validateCronJob(cronJob({ schedule: '0 9 * jan-jun mon-fri' }))).toEqual([]);
  });

  it('requires a schedule and rejects TZ in it', () => {
    expect(messages(validateCronJob(cronJob({ schedule: '' })))).toEqual(['spec.schedule: Required value']);
    expect(messages(validateCronJob(cronJob({ schedule: 'TZ=UTC 0 * * * *' })))).toEqual([
      'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
  });

  it('checks the time zone', () => {
    expect(validateCronJob(cronJob({ timeZone: 'Europe/Berlin' }))).toEqual([]);
    expect(messages(validateCronJob(cronJob({ timeZone: 'Mars/Olympus' })))).toEqual([
      'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
    ]);
    expect(messages(validateCronJob(cronJob({ timeZone: 'Local' })))).toEqual([
      'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
    ]);
  });

  it('checks concurrency policy, history limits and the job template', () => {
    const cj = cronJob({ concurrencyPolicy: 'Sometimes', successfulJobsHistoryLimit: -1 });
    cj.spec.jobTemplate.spec.selector = { matchLabels: { a: 'b' } };
    cj.spec.jobTemplate.spec.template.spec!.restartPolicy = 'Always';
    expect(messages(validateCronJob(cj))).toEqual([
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
      'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
      'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
      'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('limits names to 52 characters on create only', () => {
    const long = 'c'.repeat(53);
    expect(messages(validateCronJob(cronJob({}, long)))).toEqual([`metadata.name: Invalid value: "${long}": must be no more than 52 characters`]);
    expect(validateCronJob(cronJob({}, long), cronJob({}, long))).toEqual([]);
  });
});

describe('objects as Kubernetes serves them', () => {
  it('keeps every field of a served Job, status included', () => {
    const served = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        labels: { 'batch.kubernetes.io/controller-uid': UID, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': UID, 'job-name': 'pi' },
        name: 'pi',
        namespace: 'default',
        uid: UID,
      },
      spec: {
        activeDeadlineSeconds: 600,
        backoffLimit: 4,
        completionMode: 'NonIndexed',
        completions: 1,
        manualSelector: false,
        parallelism: 1,
        podReplacementPolicy: 'TerminatingOrFailed',
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } },
        suspend: false,
        ttlSecondsAfterFinished: 100,
        template: {
          metadata: { creationTimestamp: null, labels: { 'batch.kubernetes.io/controller-uid': UID, 'job-name': 'pi' } },
          spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' },
        },
      },
      status: {
        completionTime: '2024-11-19T10:01:00Z',
        conditions: [
          { lastProbeTime: '2024-11-19T10:01:00Z', lastTransitionTime: '2024-11-19T10:01:00Z', status: 'True', type: 'SuccessCriteriaMet' },
          { lastProbeTime: '2024-11-19T10:01:00Z', lastTransitionTime: '2024-11-19T10:01:00Z', status: 'True', type: 'Complete' },
        ],
        ready: 0,
        startTime: '2024-11-19T10:00:00Z',
        succeeded: 1,
        terminating: 0,
        uncountedTerminatedPods: {},
      },
    };
    expect(findUnknownFields(Job, served)).toEqual([]);
    expect(Job.parse(served)).toEqual(served);
  });

  it('keeps every field of a served CronJob, status included', () => {
    const served = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'hello', namespace: 'default' },
      spec: {
        concurrencyPolicy: 'Forbid',
        failedJobsHistoryLimit: 1,
        jobTemplate: {
          metadata: { creationTimestamp: null },
          spec: { template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'OnFailure' } } },
        },
        schedule: '*/1 * * * *',
        startingDeadlineSeconds: 30,
        successfulJobsHistoryLimit: 3,
        suspend: false,
        timeZone: 'Etc/UTC',
      },
      status: {
        active: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'hello-28863000', namespace: 'default', resourceVersion: '9', uid: 'u' }],
        lastScheduleTime: '2024-11-19T10:00:00Z',
        lastSuccessfulTime: '2024-11-19T09:59:05Z',
      },
    };
    expect(findUnknownFields(CronJob, served)).toEqual([]);
    expect(CronJob.parse(served)).toEqual(served);
  });
});
