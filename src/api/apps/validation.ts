// apps/v1 validation, following k8s.io/kubernetes/pkg/apis/apps/validation and
// the update rules of the apps registry strategies (selector immutability).
import { validatePodTemplateSpec } from '../core/validation.js';
import type { PodSpec, PodTemplateSpec } from '../core/v1.js';
import type { LabelSelector } from '../meta.js';
import { fieldErrors, FieldPath, type FieldErrors } from '../validation/field.js';
import {
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from '../validation/names.js';
import { isValidPercentMessage, validateIntOrPercent } from './intstr.js';
import { semanticEqual, validateImmutableField, validateNonnegativeField } from './field-checks.js';
import { asSelector, hasSelectorTerms, selectorMismatch } from './selector-validation.js';
import type {
  ControllerRevision,
  DaemonSet,
  DaemonSetUpdateStrategy,
  Deployment,
  DeploymentStrategy,
  IntOrString,
  ReplicaSet,
  StatefulSet,
  StatefulSetSpec,
} from './v1.js';

const spec = FieldPath.root('spec');
const metadata = FieldPath.root('metadata');

const podSpecOf = (t: PodTemplateSpec): Partial<PodSpec> => t.spec ?? {};

/** Selector presence and shape, shared by Deployment, ReplicaSet and StatefulSet. */
function validateRequiredSelector(sel: LabelSelector | undefined, path: FieldPath, emptyMessage: string): FieldErrors {
  if (!sel) return [fieldErrors.required(path, '')];
  const errs = validateLabelSelector(sel, path);
  if (!hasSelectorTerms(sel)) errs.push(fieldErrors.invalid(path, sel, emptyMessage));
  return errs;
}

/** ValidatePodTemplateSpecForReplicaSet: used by ReplicaSets and Deployments alike. */
function validateTemplateForReplicaSet(
  sel: LabelSelector | undefined,
  template: PodTemplateSpec,
  path: FieldPath,
): FieldErrors {
  const selector = asSelector(sel);
  if (!selector) return [fieldErrors.invalid(spec.child('selector'), sel, 'invalid label selector')];
  const labels = template.metadata?.labels;
  const errs: FieldErrors = [];
  if (!selector.empty() && !selector.matches(labels)) errs.push(...selectorMismatch(labels, path.child('metadata').child('labels')));
  errs.push(...validatePodTemplateSpec(template, path));
  const ps = podSpecOf(template);
  if (ps.restartPolicy !== 'Always') {
    errs.push(fieldErrors.notSupported(path.child('spec').child('restartPolicy'), ps.restartPolicy ?? '', ['Always']));
  }
  if (ps.activeDeadlineSeconds !== undefined) {
    errs.push(fieldErrors.forbidden(path.child('spec').child('activeDeadlineSeconds'), 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errs;
}

// ---- Deployment ----

/** getIntOrPercentValue: a valid percent's number, else the int (an unparsable string counts as 0). */
export function intOrPercentValue(v: IntOrString | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (isValidPercentMessage(v) === undefined) return Number(v.slice(0, -1));
  return /^[+-]?\d+$/.test(v) ? Number(v) : 0;
}

function isMoreThan100Percent(v: IntOrString | undefined): boolean {
  return typeof v === 'string' && isValidPercentMessage(v) === undefined && Number(v.slice(0, -1)) > 100;
}

function validateDeploymentStrategy(s: DeploymentStrategy | undefined, path: FieldPath): FieldErrors {
  const strategy = s ?? {};
  const errs: FieldErrors = [];
  switch (strategy.type) {
    case 'Recreate':
      if (strategy.rollingUpdate) {
        errs.push(fieldErrors.forbidden(path.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'"));
      }
      break;
    case 'RollingUpdate': {
      const ru = strategy.rollingUpdate;
      if (!ru) {
        errs.push(fieldErrors.required(path.child('rollingUpdate'), 'this should be defaulted and never be nil'));
        break;
      }
      const p = path.child('rollingUpdate');
      errs.push(...validateIntOrPercent(ru.maxUnavailable, p.child('maxUnavailable')));
      errs.push(...validateIntOrPercent(ru.maxSurge, p.child('maxSurge')));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(fieldErrors.invalid(p.child('maxUnavailable'), ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
      }
      if (isMoreThan100Percent(ru.maxUnavailable)) {
        errs.push(fieldErrors.invalid(p.child('maxUnavailable'), ru.maxUnavailable, 'must not be greater than 100%'));
      }
      break;
    }
    default:
      errs.push(fieldErrors.notSupported(path, strategy, ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

function validateDeploymentSpec(d: Deployment): FieldErrors {
  const s = d.spec;
  const errs: FieldErrors = [];
  errs.push(...validateNonnegativeField(s.replicas, spec.child('replicas')));
  errs.push(...validateRequiredSelector(s.selector, spec.child('selector'), 'empty selector is invalid for deployment'));
  errs.push(...validateTemplateForReplicaSet(s.selector, s.template, spec.child('template')));
  errs.push(...validateDeploymentStrategy(s.strategy, spec.child('strategy')));
  errs.push(...validateNonnegativeField(s.minReadySeconds, spec.child('minReadySeconds')));
  errs.push(...validateNonnegativeField(s.revisionHistoryLimit, spec.child('revisionHistoryLimit')));
  if (s.progressDeadlineSeconds !== undefined) {
    errs.push(...validateNonnegativeField(s.progressDeadlineSeconds, spec.child('progressDeadlineSeconds')));
    if (s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) {
      errs.push(fieldErrors.invalid(spec.child('progressDeadlineSeconds'), s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

/** Metadata checks: full on create, the update rules (immutable name, uid...) on update. */
function validateMeta(
  obj: { metadata: Parameters<typeof validateObjectMeta>[0] },
  old: { metadata: Parameters<typeof validateObjectMeta>[0] } | undefined,
  nameValidator: typeof nameIsDNSSubdomain,
): FieldErrors {
  return old
    ? validateObjectMetaUpdate(obj.metadata, old.metadata, metadata)
    : validateObjectMeta(obj.metadata, true, nameValidator, metadata);
}

export function validateDeployment(d: Deployment, old?: Deployment): FieldErrors {
  const errs = [...validateMeta(d, old, nameIsDNSSubdomain), ...validateDeploymentSpec(d)];
  if (old) errs.push(...validateImmutableField(d.spec?.selector, old.spec?.selector, spec.child('selector')));
  return errs;
}

// ---- ReplicaSet ----

export function validateReplicaSet(rs: ReplicaSet, old?: ReplicaSet): FieldErrors {
  const s = rs.spec;
  const errs = [...validateMeta(rs, old, nameIsDNSSubdomain)];
  errs.push(...validateNonnegativeField(s.replicas, spec.child('replicas')));
  errs.push(...validateNonnegativeField(s.minReadySeconds, spec.child('minReadySeconds')));
  // Kubernetes words the ReplicaSet message with "deployment" too.
  errs.push(...validateRequiredSelector(s.selector, spec.child('selector'), 'empty selector is invalid for deployment'));
  errs.push(...validateTemplateForReplicaSet(s.selector, s.template, spec.child('template')));
  if (old) errs.push(...validateImmutableField(s.selector, old.spec?.selector, spec.child('selector')));
  return errs;
}

// ---- DaemonSet ----

function validateDaemonSetUpdateStrategy(s: DaemonSetUpdateStrategy | undefined, path: FieldPath): FieldErrors {
  const strategy = s ?? {};
  switch (strategy.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate': {
      const ru = strategy.rollingUpdate;
      if (!ru) return [fieldErrors.required(path.child('rollingUpdate'), '')];
      const p = path.child('rollingUpdate');
      const errs = [
        ...validateIntOrPercent(ru.maxUnavailable, p.child('maxUnavailable')),
        ...validateIntOrPercent(ru.maxSurge, p.child('maxSurge')),
      ];
      if (isMoreThan100Percent(ru.maxUnavailable)) {
        errs.push(fieldErrors.invalid(p.child('maxUnavailable'), ru.maxUnavailable, 'must not be greater than 100%'));
      }
      if (isMoreThan100Percent(ru.maxSurge)) {
        errs.push(fieldErrors.invalid(p.child('maxSurge'), ru.maxSurge, 'must not be greater than 100%'));
      }
      const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) {
        errs.push(fieldErrors.invalid(p.child('maxSurge'), ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
      } else if (!hasUnavailable && !hasSurge) {
        errs.push(fieldErrors.required(p.child('maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
      }
      return errs;
    }
    default:
      return [fieldErrors.notSupported(path, strategy, ['RollingUpdate', 'OnDelete'])];
  }
}

export function validateDaemonSet(ds: DaemonSet, old?: DaemonSet): FieldErrors {
  const s = ds.spec;
  const errs = [...validateMeta(ds, old, nameIsDNSSubdomain)];
  errs.push(...validateLabelSelector(s.selector, spec.child('selector')));
  const selector = asSelector(s.selector);
  const labels = s.template.metadata?.labels;
  // Unlike ReplicaSets, an empty selector is not exempt from matching here.
  if (selector && !selector.matches(labels)) errs.push(...selectorMismatch(labels, spec.child('template').child('metadata').child('labels')));
  if (s.selector && !hasSelectorTerms(s.selector)) {
    errs.push(fieldErrors.invalid(spec.child('selector'), s.selector, 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec(s.template, spec.child('template')));
  const ps = podSpecOf(s.template);
  if (ps.restartPolicy !== 'Always') {
    errs.push(fieldErrors.notSupported(spec.child('template').child('spec').child('restartPolicy'), ps.restartPolicy ?? '', ['Always']));
  }
  if (ps.activeDeadlineSeconds !== undefined) {
    errs.push(
      fieldErrors.forbidden(spec.child('template').child('spec').child('activeDeadlineSeconds'), 'activeDeadlineSeconds in DaemonSet is not Supported'),
    );
  }
  errs.push(...validateNonnegativeField(s.minReadySeconds, spec.child('minReadySeconds')));
  errs.push(...validateDaemonSetUpdateStrategy(s.updateStrategy, spec.child('updateStrategy')));
  errs.push(...validateNonnegativeField(s.revisionHistoryLimit, spec.child('revisionHistoryLimit')));
  if (old) errs.push(...validateImmutableField(s.selector, old.spec?.selector, spec.child('selector')));
  return errs;
}

// ---- StatefulSet ----

function validateStatefulSetSpec(s: StatefulSetSpec): FieldErrors {
  const errs: FieldErrors = [];
  switch (s.podManagementPolicy) {
    case undefined:
    case '':
      errs.push(fieldErrors.required(spec.child('podManagementPolicy'), ''));
      break;
    case 'OrderedReady':
    case 'Parallel':
      break;
    default:
      errs.push(fieldErrors.invalid(spec.child('podManagementPolicy'), s.podManagementPolicy, "must be 'OrderedReady' or 'Parallel'"));
  }

  const strategy = s.updateStrategy ?? {};
  const strategyPath = spec.child('updateStrategy');
  switch (strategy.type) {
    case undefined:
    case '':
      errs.push(fieldErrors.required(strategyPath, ''));
      break;
    case 'OnDelete':
      if (strategy.rollingUpdate) {
        errs.push(fieldErrors.invalid(strategyPath.child('rollingUpdate'), strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      }
      break;
    case 'RollingUpdate': {
      const ru = strategy.rollingUpdate;
      if (!ru) break;
      const p = strategyPath.child('rollingUpdate');
      errs.push(...validateNonnegativeField(ru.partition ?? 0, p.child('partition')));
      if (ru.maxUnavailable !== undefined) {
        errs.push(...validateIntOrPercent(ru.maxUnavailable, p.child('maxUnavailable')));
        if (intOrPercentValue(ru.maxUnavailable) === 0) errs.push(fieldErrors.invalid(p.child('maxUnavailable'), ru.maxUnavailable, 'cannot be 0'));
        if (isMoreThan100Percent(ru.maxUnavailable)) {
          errs.push(fieldErrors.invalid(p.child('maxUnavailable'), ru.maxUnavailable, 'must not be greater than 100%'));
        }
      }
      break;
    }
    default:
      errs.push(fieldErrors.invalid(strategyPath, strategy, "must be 'RollingUpdate' or 'OnDelete'"));
  }

  const retention = s.persistentVolumeClaimRetentionPolicy;
  if (retention) {
    const p = spec.child('persistentVolumeClaimRetentionPolicy');
    for (const key of ['whenDeleted', 'whenScaled'] as const) {
      const v = retention[key];
      if (v !== 'Retain' && v !== 'Delete') errs.push(fieldErrors.notSupported(p.child(key), v ?? '', ['Retain', 'Delete']));
    }
  }

  errs.push(...validateNonnegativeField(s.replicas, spec.child('replicas')));
  errs.push(...validateNonnegativeField(s.minReadySeconds, spec.child('minReadySeconds')));
  if (s.ordinals) errs.push(...validateNonnegativeField(s.ordinals.start ?? 0, spec.child('ordinals.start')));

  errs.push(...validateRequiredSelector(s.selector, spec.child('selector'), 'empty selector is invalid for statefulset'));

  const selector = asSelector(s.selector);
  const templatePath = spec.child('template');
  if (!selector) {
    errs.push(fieldErrors.invalid(spec.child('selector'), s.selector, ''));
  } else {
    // Kubernetes leaves the pod spec of a StatefulSet template to pod
    // creation; only the labels and annotations are checked here.
    const labels = s.template.metadata?.labels;
    if (!selector.empty() && !selector.matches(labels)) errs.push(...selectorMismatch(labels, templatePath.child('metadata').child('labels')));
    errs.push(...validateLabels(labels, templatePath.child('labels')));
    errs.push(...validateAnnotations(s.template.metadata?.annotations, templatePath.child('annotations')));
  }
  const ps = podSpecOf(s.template);
  if (ps.restartPolicy !== 'Always') {
    errs.push(fieldErrors.notSupported(templatePath.child('spec').child('restartPolicy'), ps.restartPolicy ?? '', ['Always']));
  }
  if (ps.activeDeadlineSeconds !== undefined) {
    errs.push(fieldErrors.forbidden(templatePath.child('spec').child('activeDeadlineSeconds'), 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  return errs;
}

/** The StatefulSet spec fields an update may change; any other change is forbidden. */
const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'] as const;

export function validateStatefulSet(sts: StatefulSet, old?: StatefulSet): FieldErrors {
  const s = sts.spec;
  const errs = [...validateMeta(sts, old, nameIsDNSLabel), ...validateStatefulSetSpec(s)];
  if (old) {
    const strip = (x: StatefulSetSpec | undefined): Record<string, unknown> => {
      const copy: Record<string, unknown> = { ...x };
      for (const k of STATEFULSET_MUTABLE) delete copy[k];
      return copy;
    };
    if (!semanticEqual(strip(s), strip(old.spec))) {
      errs.push(
        fieldErrors.forbidden(
          spec,
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      );
    }
  }
  return errs;
}

// ---- ControllerRevision ----

export function validateControllerRevision(cr: ControllerRevision, old?: ControllerRevision): FieldErrors {
  const errs = [...validateMeta(cr, old, nameIsDNSSubdomain)];
  if (old) errs.push(...validateObjectMeta(cr.metadata, true, nameIsDNSSubdomain, metadata));
  if (cr.data === undefined || cr.data === null) errs.push(fieldErrors.required(FieldPath.root('data'), 'data is mandatory'));
  errs.push(...validateNonnegativeField(cr.revision ?? 0, FieldPath.root('revision')));
  if (old) errs.push(...validateImmutableField(cr.data, old.data, FieldPath.root('data')));
  return errs;
}
