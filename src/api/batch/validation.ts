// batch/v1 validation, following k8s.io/kubernetes/pkg/apis/batch/validation.
import { isDNS1123Label, isDNS1123Subdomain, regexError } from '../../machinery/names.js';
import { semanticEqual, validateImmutableField, validateNonnegativeField } from '../apps/field-checks.js';
import { asSelector, selectorMismatch } from '../apps/selector-validation.js';
import { validatePodTemplateSpec } from '../core/validation.js';
import type { PodSpec, PodTemplateSpec } from '../core/v1.js';
import { fieldErrors, FieldPath, type FieldError, type FieldErrors } from '../validation/field.js';
import {
  nameIsDNSSubdomain,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateQualifiedName,
} from '../validation/names.js';
import { isKnownTimeZone, parseCronSchedule } from './cron.js';
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from './defaults.js';
import type { CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec, PodFailurePolicyRule } from './v1.js';

const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_ON_EXIT_CODES_VALUES = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS = 20;
const MAX_MANAGED_BY_LENGTH = 63;
const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024;
const MAX_SUCCESS_POLICY_RULES = 20;
const CRONJOB_NAME_MAX_LENGTH = 52;

const POD_FAILURE_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const EXIT_CODE_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];

const goQuoteList = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;

/** field.TooMany: Kubernetes prints the count ahead of the limit. */
const tooMany = (path: FieldPath, actual: number, max: number): FieldError => ({
  type: 'FieldValueTooMany',
  field: path.toString(),
  badValue: actual,
  detail: `${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}`,
});

const podSpecOf = (t: PodTemplateSpec): Partial<PodSpec> => t.spec ?? {};

// ---- index intervals ("1,3-5,7") ----

function parseIndexInterval(interval: string, completions: number): [number, number] {
  const limits = interval.split('-');
  if (limits.length > 2) {
    throw new Error(`the fragment ${JSON.stringify(interval)} violates the requirement that an index interval can have at most two parts separated by '-'`);
  }
  const parse = (s: string): number => {
    if (!/^[+-]?\d+$/.test(s)) throw new Error(`cannot convert string to integer for index: ${JSON.stringify(s)}`);
    const n = Number(s);
    if (n >= completions) throw new Error(`too large index: ${JSON.stringify(s)}`);
    return n;
  };
  const x = parse(limits[0]!);
  if (limits.length === 1) return [x, x];
  const y = parse(limits[1]!);
  if (x >= y) throw new Error(`non-increasing order, previous: ${x}, current: ${y}`);
  return [x, y];
}

/** validateIndexesFormat: the number of indexes listed; throws with Kubernetes' message. */
function countIndexes(indexes: string, completions: number): number {
  if (indexes.length === 0) return 0;
  let last: number | undefined;
  let total = 0;
  for (const interval of indexes.split(',')) {
    const [x, y] = parseIndexInterval(interval, completions);
    if (last !== undefined && last >= x) throw new Error(`non-increasing order, previous: ${last}, current: ${x}`);
    total += y - x + 1;
    last = y;
  }
  return total;
}

// ---- Job spec ----

function validatePodFailurePolicyRule(s: JobSpec, rule: PodFailurePolicyRule, path: FieldPath, containerNames: Set<string>): FieldErrors {
  const errs: FieldErrors = [];
  const actionPath = path.child('action');
  if (!rule.action) {
    errs.push(fieldErrors.required(actionPath, `valid values: ${goQuoteList(POD_FAILURE_ACTIONS)}`));
  } else if (rule.action === 'FailIndex') {
    if (s.backoffLimitPerIndex === undefined) errs.push(fieldErrors.invalid(actionPath, rule.action, 'requires the backoffLimitPerIndex to be set'));
  } else if (!POD_FAILURE_ACTIONS.includes(rule.action)) {
    errs.push(fieldErrors.notSupported(actionPath, rule.action, POD_FAILURE_ACTIONS));
  }

  const onExitCodes = rule.onExitCodes;
  if (onExitCodes) {
    const p = path.child('onExitCodes');
    if (!onExitCodes.operator) {
      errs.push(fieldErrors.required(p.child('operator'), `valid values: ${goQuoteList(EXIT_CODE_OPERATORS)}`));
    } else if (!EXIT_CODE_OPERATORS.includes(onExitCodes.operator)) {
      errs.push(fieldErrors.notSupported(p.child('operator'), onExitCodes.operator, EXIT_CODE_OPERATORS));
    }
    if (onExitCodes.containerName !== undefined && !containerNames.has(onExitCodes.containerName)) {
      errs.push(
        fieldErrors.invalid(p.child('containerName'), onExitCodes.containerName, 'must be one of the container or initContainer names in the pod template'),
      );
    }
    const values = onExitCodes.values ?? [];
    const valuesPath = p.child('values');
    if (values.length === 0) errs.push(fieldErrors.invalid(valuesPath, values, 'at least one value is required'));
    else if (values.length > MAX_ON_EXIT_CODES_VALUES) errs.push(tooMany(valuesPath, values.length, MAX_ON_EXIT_CODES_VALUES));
    const seen = new Set<number>();
    let ordered = true;
    values.forEach((v, j) => {
      if (onExitCodes.operator === 'In' && v === 0) errs.push(fieldErrors.invalid(valuesPath.index(j), v, 'must not be 0 for the In operator'));
      if (seen.has(v)) errs.push(fieldErrors.duplicate(valuesPath.index(j), v));
      else seen.add(v);
      if (j > 0 && values[j - 1]! > v) ordered = false;
    });
    if (!ordered) errs.push(fieldErrors.invalid(valuesPath, values, 'must be ordered'));
  }

  const onPodConditions = rule.onPodConditions ?? [];
  if (onPodConditions.length > 0) {
    const p = path.child('onPodConditions');
    if (onPodConditions.length > MAX_ON_POD_CONDITIONS_PATTERNS) errs.push(tooMany(p, onPodConditions.length, MAX_ON_POD_CONDITIONS_PATTERNS));
    onPodConditions.forEach((pattern, j) => {
      errs.push(...validateQualifiedName(pattern.type ?? '', p.index(j).child('type')));
      const statusPath = p.index(j).child('status');
      if (!pattern.status) errs.push(fieldErrors.required(statusPath, `valid values: ${goQuoteList(CONDITION_STATUSES)}`));
      else if (!CONDITION_STATUSES.includes(pattern.status)) errs.push(fieldErrors.notSupported(statusPath, pattern.status, CONDITION_STATUSES));
    });
  }
  if (onExitCodes && onPodConditions.length > 0) {
    errs.push(fieldErrors.invalid(path, undefined, 'specifying both OnExitCodes and OnPodConditions is not supported'));
  }
  if (!onExitCodes && onPodConditions.length === 0) {
    errs.push(fieldErrors.invalid(path, undefined, 'specifying one of OnExitCodes and OnPodConditions is required'));
  }
  return errs;
}

function validateSuccessPolicy(s: JobSpec, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  const rules = s.successPolicy?.rules ?? [];
  const rulesPath = path.child('rules');
  if (rules.length === 0) errs.push(fieldErrors.required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_SUCCESS_POLICY_RULES));
  const completions = s.completions ?? 0;
  rules.forEach((rule, i) => {
    const rulePath = rulesPath.index(i);
    if (rule.succeededCount === undefined && rule.succeededIndexes === undefined) {
      errs.push(fieldErrors.required(rulePath, 'at least one of succeededCount or succeededIndexes must be specified'));
    }
    let total = 0;
    if (rule.succeededIndexes !== undefined) {
      const p = rulePath.child('succeededIndexes');
      if (rule.succeededIndexes.length > MAX_SUCCEEDED_INDEXES_LENGTH) {
        errs.push(fieldErrors.tooLong(p, rule.succeededIndexes, MAX_SUCCEEDED_INDEXES_LENGTH));
      }
      try {
        total = countIndexes(rule.succeededIndexes, completions);
      } catch (e) {
        errs.push(fieldErrors.invalid(p, rule.succeededIndexes, `error parsing succeededIndexes: ${(e as Error).message}`));
      }
    }
    if (rule.succeededCount !== undefined) {
      const p = rulePath.child('succeededCount');
      errs.push(...validateNonnegativeField(rule.succeededCount, p));
      if (rule.succeededCount > completions) {
        errs.push(fieldErrors.invalid(p, rule.succeededCount, `must be less than or equal to ${completions} (the number of specified completions)`));
      }
      if (rule.succeededIndexes !== undefined && rule.succeededCount > total) {
        errs.push(
          fieldErrors.invalid(p, rule.succeededCount, `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`),
        );
      }
    }
  });
  return errs;
}

const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH = new RegExp(`^${HTTP_PATH_FMT}$`);

/** validation.IsDomainPrefixedPath: "acme.io/foo". */
function validateDomainPrefixedPath(value: string, path: FieldPath): FieldErrors {
  if (value.length === 0) return [fieldErrors.required(path, '')];
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || host.length === 0 || rest.length === 0) {
    return [fieldErrors.invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  }
  const errs = isDNS1123Subdomain(host).map((m) => fieldErrors.invalid(path, host, m));
  if (!HTTP_PATH.test(rest)) errs.push(fieldErrors.invalid(path, rest, regexError('Invalid path', HTTP_PATH_FMT)));
  return errs;
}

/** validateJobSpec: everything but the selector, shared by Jobs and CronJob job templates. */
function validateJobSpecFields(s: JobSpec, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  errs.push(...validateNonnegativeField(s.parallelism, path.child('parallelism')));
  errs.push(...validateNonnegativeField(s.completions, path.child('completions')));
  errs.push(...validateNonnegativeField(s.activeDeadlineSeconds, path.child('activeDeadlineSeconds')));
  errs.push(...validateNonnegativeField(s.backoffLimit, path.child('backoffLimit')));
  errs.push(...validateNonnegativeField(s.ttlSecondsAfterFinished, path.child('ttlSecondsAfterFinished')));
  errs.push(...validateNonnegativeField(s.backoffLimitPerIndex, path.child('backoffLimitPerIndex')));
  if (s.maxFailedIndexes !== undefined) {
    errs.push(...validateNonnegativeField(s.maxFailedIndexes, path.child('maxFailedIndexes')));
    if (s.backoffLimitPerIndex === undefined) errs.push(fieldErrors.required(path.child('backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  if (s.managedBy !== undefined) {
    errs.push(...validateDomainPrefixedPath(s.managedBy, path.child('managedBy')));
    if (s.managedBy.length > MAX_MANAGED_BY_LENGTH) errs.push(fieldErrors.tooLong(path.child('managedBy'), s.managedBy, MAX_MANAGED_BY_LENGTH));
  }
  const indexed = s.completionMode === 'Indexed';
  if (s.completionMode !== undefined) {
    if (s.completionMode !== 'NonIndexed' && !indexed) {
      errs.push(fieldErrors.notSupported(path.child('completionMode'), s.completionMode, ['NonIndexed', 'Indexed']));
    }
    if (indexed) {
      if (s.completions === undefined) errs.push(fieldErrors.required(path.child('completions'), 'when completion mode is Indexed'));
      if (s.parallelism !== undefined && s.parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        errs.push(
          fieldErrors.invalid(path.child('parallelism'), s.parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`),
        );
      }
      if (s.completions !== undefined && s.maxFailedIndexes !== undefined && s.maxFailedIndexes > s.completions) {
        errs.push(fieldErrors.invalid(path.child('maxFailedIndexes'), s.maxFailedIndexes, 'must be less than or equal to completions'));
      }
      if (s.maxFailedIndexes !== undefined && s.maxFailedIndexes > MAX_FAILED_INDEXES_FOR_INDEXED_JOB) {
        errs.push(fieldErrors.invalid(path.child('maxFailedIndexes'), s.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_FOR_INDEXED_JOB}`));
      }
      if (s.completions !== undefined && s.completions > COMPLETIONS_SOFT_LIMIT && s.backoffLimitPerIndex !== undefined) {
        const suffix = `when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`;
        if (s.maxFailedIndexes === undefined) {
          errs.push(fieldErrors.required(path.child('maxFailedIndexes'), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
        }
        if (s.parallelism !== undefined && s.parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(fieldErrors.invalid(path.child('parallelism'), s.parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} ${suffix}`));
        }
        if (s.maxFailedIndexes !== undefined && s.maxFailedIndexes > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(
            fieldErrors.invalid(path.child('maxFailedIndexes'), s.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} ${suffix}`),
          );
        }
      }
    }
  }
  if (s.completionMode === undefined || s.completionMode === 'NonIndexed') {
    if (s.backoffLimitPerIndex !== undefined) {
      errs.push(fieldErrors.invalid(path.child('backoffLimitPerIndex'), s.backoffLimitPerIndex, 'requires indexed completion mode'));
    }
    if (s.maxFailedIndexes !== undefined) errs.push(fieldErrors.invalid(path.child('maxFailedIndexes'), s.maxFailedIndexes, 'requires indexed completion mode'));
  }

  const ps = podSpecOf(s.template);
  if (s.podFailurePolicy) {
    const rulesPath = path.child('podFailurePolicy').child('rules');
    const rules = s.podFailurePolicy.rules ?? [];
    if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_POD_FAILURE_POLICY_RULES));
    const names = new Set([...(ps.containers ?? []), ...(ps.initContainers ?? [])].map((c) => c.name));
    rules.forEach((rule, i) => errs.push(...validatePodFailurePolicyRule(s, rule, rulesPath.index(i), names)));
  }
  if (s.successPolicy) {
    if (!indexed) errs.push(fieldErrors.invalid(path.child('successPolicy'), s.successPolicy, 'requires indexed completion mode'));
    else errs.push(...validateSuccessPolicy(s, path.child('successPolicy')));
  }
  if (s.podReplacementPolicy !== undefined) {
    const p = path.child('podReplacementPolicy');
    if (s.podFailurePolicy) {
      if (s.podReplacementPolicy !== 'Failed') errs.push(fieldErrors.notSupported(p, s.podReplacementPolicy, ['Failed']));
    } else if (s.podReplacementPolicy !== 'Failed' && s.podReplacementPolicy !== 'TerminatingOrFailed') {
      errs.push(fieldErrors.notSupported(p, s.podReplacementPolicy, ['Failed', 'TerminatingOrFailed']));
    }
  }

  const templatePath = path.child('template');
  errs.push(...validatePodTemplateSpec(s.template, templatePath));
  const restartPath = templatePath.child('spec').child('restartPolicy');
  const restart = ps.restartPolicy ?? '';
  if (restart === 'Always' || restart === '') {
    errs.push(fieldErrors.required(restartPath, 'valid values: "OnFailure", "Never"'));
  } else if (restart !== 'OnFailure' && restart !== 'Never') {
    errs.push(fieldErrors.notSupported(restartPath, restart, ['OnFailure', 'Never']));
  } else if (s.podFailurePolicy && restart !== 'Never') {
    errs.push(fieldErrors.invalid(restartPath, restart, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

function validateJobSpec(s: JobSpec, path: FieldPath): FieldErrors {
  const errs = validateJobSpecFields(s, path);
  if (!s.selector) errs.push(fieldErrors.required(path.child('selector'), ''));
  else errs.push(...validateLabelSelector(s.selector, path.child('selector')));
  // Whether generated or manual, the selector must select the Job's own pods.
  const selector = asSelector(s.selector);
  const labels = s.template.metadata?.labels;
  if (selector && !selector.matches(labels)) errs.push(...selectorMismatch(labels, path.child('template').child('metadata').child('labels')));
  return errs;
}

/** ValidateHasLabel: the template must carry a generated label with the expected value. */
function validateHasLabel(labels: Record<string, string> | undefined, key: string, expected: string): FieldErrors {
  const path = FieldPath.root('spec').child('template').child('metadata').child('labels').key(key);
  const actual = labels?.[key];
  if (actual === undefined) return [fieldErrors.required(path, expected)];
  return actual === expected ? [] : [fieldErrors.invalid(path, labels, `must be '${expected}'`)];
}

function validateGeneratedSelector(job: Job): FieldErrors {
  const s = job.spec;
  if (s.manualSelector === true || !s.selector) return [];
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  const labels = s.template.metadata?.labels;
  const errs: FieldErrors = [];
  if (!uid) errs.push(fieldErrors.required(FieldPath.root('metadata').child('uid'), ''));
  errs.push(...validateHasLabel(labels, LEGACY_CONTROLLER_UID_LABEL, uid));
  errs.push(...validateHasLabel(labels, LEGACY_JOB_NAME_LABEL, name));
  errs.push(...validateHasLabel(labels, CONTROLLER_UID_LABEL, uid));
  errs.push(...validateHasLabel(labels, JOB_NAME_LABEL, name));
  const expected = {
    [CONTROLLER_UID_LABEL]: uid,
    [JOB_NAME_LABEL]: name,
    [LEGACY_CONTROLLER_UID_LABEL]: uid,
    [LEGACY_JOB_NAME_LABEL]: name,
  };
  const selector = asSelector(s.selector);
  if (selector && !selector.matches(expected)) {
    errs.push(fieldErrors.invalid(FieldPath.root('spec').child('selector'), s.selector, '`selector` not auto-generated'));
  }
  return errs;
}

/**
 * The template fields a suspended Job that never started may still change,
 * so a queueing system can decide where it runs before it starts.
 */
function schedulingDirectivesStripped(t: PodTemplateSpec): unknown {
  const spec = { ...(t.spec as Record<string, unknown>) };
  for (const k of ['nodeSelector', 'tolerations', 'schedulingGates']) delete spec[k];
  const affinity = spec.affinity as Record<string, unknown> | undefined;
  if (affinity) {
    const { nodeAffinity: _ignored, ...rest } = affinity;
    spec.affinity = Object.keys(rest).length > 0 ? rest : undefined;
  }
  const { labels: _l, annotations: _a, ...meta } = t.metadata ?? {};
  return { metadata: meta, spec };
}

export function validateJob(job: Job, old?: Job): FieldErrors {
  const s = job.spec;
  const specPath = FieldPath.root('spec');
  if (!old) {
    const errs = validateObjectMeta(job.metadata, true, nameIsDNSSubdomain, FieldPath.root('metadata'));
    errs.push(...validateGeneratedSelector(job));
    errs.push(...validateJobSpec(s, specPath));
    if (s.completionMode === 'Indexed' && s.completions !== undefined && s.completions > 0) {
      // Pods of an Indexed Job are named (and get a hostname) "<job>-<index>".
      const hostname = `${job.metadata.name ?? ''}-${s.completions - 1}`;
      if (isDNS1123Label(hostname).length > 0) {
        errs.push(
          fieldErrors.invalid(FieldPath.root('metadata').child('name'), job.metadata.name ?? '', `will not able to create pod with invalid DNS label: ${hostname}`),
        );
      }
    }
    return errs;
  }

  const errs = validateObjectMetaUpdate(job.metadata, old.metadata, FieldPath.root('metadata'));
  errs.push(...validateJobSpec(s, specPath));
  const o = old.spec;
  if (s.completionMode === 'Indexed') {
    // Elastic Indexed Jobs: completions may change, but only with parallelism.
    if (!semanticEqual(s.completions, o.completions) && s.completions !== undefined && s.completions !== s.parallelism) {
      errs.push(fieldErrors.invalid(specPath.child('completions'), s.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  } else {
    errs.push(...validateImmutableField(s.completions, o.completions, specPath.child('completions')));
  }
  errs.push(...validateImmutableField(s.selector, o.selector, specPath.child('selector')));
  const mutableScheduling = s.suspend === true && !old.status?.startTime;
  const same = mutableScheduling
    ? semanticEqual(schedulingDirectivesStripped(s.template), schedulingDirectivesStripped(o.template))
    : semanticEqual(s.template, o.template);
  if (!same) errs.push(fieldErrors.invalid(specPath.child('template'), s.template, 'field is immutable'));
  errs.push(...validateImmutableField(s.completionMode, o.completionMode, specPath.child('completionMode')));
  errs.push(...validateImmutableField(s.podFailurePolicy, o.podFailurePolicy, specPath.child('podFailurePolicy')));
  errs.push(...validateImmutableField(s.backoffLimitPerIndex, o.backoffLimitPerIndex, specPath.child('backoffLimitPerIndex')));
  errs.push(...validateImmutableField(s.managedBy, o.managedBy, specPath.child('managedBy')));
  errs.push(...validateImmutableField(s.successPolicy, o.successPolicy, specPath.child('successPolicy')));
  return errs;
}

// ---- CronJob ----

const TZ_COMPONENT = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(tz: string | undefined, path: FieldPath): FieldErrors {
  if (tz === undefined) return [];
  if (tz.length === 0) return [fieldErrors.invalid(path, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TZ_COMPONENT.test(part)) {
      return [fieldErrors.invalid(path, tz, `unknown time zone ${tz}`)];
    }
  }
  const errs: FieldErrors = [];
  if (tz.toLowerCase() === 'local') {
    errs.push(fieldErrors.invalid(path, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  } else if (!isKnownTimeZone(tz)) {
    errs.push(fieldErrors.invalid(path, tz, `unknown time zone ${tz}`));
  }
  return errs;
}

function validateScheduleFormat(schedule: string, allowTZ: boolean, timeZone: string | undefined, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  try {
    parseCronSchedule(schedule);
  } catch (e) {
    errs.push(fieldErrors.invalid(path, schedule, (e as Error).message));
  }
  if (allowTZ && schedule.includes('TZ') && timeZone !== undefined) {
    errs.push(fieldErrors.invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && schedule.includes('TZ')) {
    errs.push(fieldErrors.invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

function validateJobTemplateSpec(t: JobTemplateSpec, path: FieldPath): FieldErrors {
  const specPath = path.child('spec');
  const errs = validateJobSpecFields(t.spec, specPath);
  if (t.spec.selector) errs.push(fieldErrors.invalid(specPath.child('selector'), t.spec.selector, '`selector` will be auto-generated'));
  if (t.spec.manualSelector === true) errs.push(fieldErrors.notSupported(specPath.child('manualSelector'), true, ['nil', 'false']));
  return errs;
}

function validateCronJobSpec(s: CronJobSpec, old: CronJobSpec | undefined): FieldErrors {
  const path = FieldPath.root('spec');
  const errs: FieldErrors = [];
  if (!s.schedule) {
    errs.push(fieldErrors.required(path.child('schedule'), ''));
  } else {
    // Objects created before the timeZone field may keep a TZ= schedule.
    const allowTZ = old?.schedule?.includes('TZ') ?? false;
    errs.push(...validateScheduleFormat(s.schedule, allowTZ, s.timeZone, path.child('schedule')));
  }
  errs.push(...validateNonnegativeField(s.startingDeadlineSeconds, path.child('startingDeadlineSeconds')));
  if (!old || old.timeZone !== s.timeZone) errs.push(...validateTimeZone(s.timeZone, path.child('timeZone')));
  const policyPath = path.child('concurrencyPolicy');
  if (!s.concurrencyPolicy) errs.push(fieldErrors.required(policyPath, ''));
  else if (!['Allow', 'Forbid', 'Replace'].includes(s.concurrencyPolicy)) {
    errs.push(fieldErrors.notSupported(policyPath, s.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
  }
  errs.push(...validateJobTemplateSpec(s.jobTemplate, path.child('jobTemplate')));
  errs.push(...validateNonnegativeField(s.successfulJobsHistoryLimit, path.child('successfulJobsHistoryLimit')));
  errs.push(...validateNonnegativeField(s.failedJobsHistoryLimit, path.child('failedJobsHistoryLimit')));
  return errs;
}

export function validateCronJob(cj: CronJob, old?: CronJob): FieldErrors {
  const metaPath = FieldPath.root('metadata');
  if (old) return [...validateObjectMetaUpdate(cj.metadata, old.metadata, metaPath), ...validateCronJobSpec(cj.spec, old.spec)];
  const errs = [...validateObjectMeta(cj.metadata, true, nameIsDNSSubdomain, metaPath), ...validateCronJobSpec(cj.spec, undefined)];
  // Jobs get an 11-character "-<timestamp>" suffix and must fit in 63.
  const name = cj.metadata.name ?? '';
  if (name.length > CRONJOB_NAME_MAX_LENGTH) {
    errs.push(fieldErrors.invalid(metaPath.child('name'), name, `must be no more than ${CRONJOB_NAME_MAX_LENGTH} characters`));
  }
  return errs;
}
