// autoscaling/v2 HorizontalPodAutoscaler validation, following
// k8s.io/kubernetes/pkg/apis/autoscaling/validation.
import { isQualifiedName } from '../../machinery/names.js';
import { parseQuantityValue } from '../../machinery/quantity.js';
import { fieldErrors, FieldPath, type FieldErrors } from '../validation/field.js';
import {
  nameIsDNSSubdomain,
  pathSegmentName,
  validateDNS1123Label,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from '../validation/names.js';
import type {
  CrossVersionObjectReference,
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerSpec,
  HPAScalingRules,
  MetricIdentifier,
  MetricSpec,
  MetricTarget,
} from './v2.js';
import type { KubeObject } from '../meta.js';
import { hpaV1ToV2 } from './conversion.js';
import type { HorizontalPodAutoscalerV1 } from './v1.js';

const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

export function validateCrossVersionObjectReference(ref: CrossVersionObjectReference | undefined, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  for (const key of ['kind', 'name'] as const) {
    const v = ref?.[key] ?? '';
    if (!v) errs.push(fieldErrors.required(path.child(key), ''));
    else for (const m of pathSegmentName(v, false)) errs.push(fieldErrors.invalid(path.child(key), v, m));
  }
  return errs;
}

function validateMetricIdentifier(id: MetricIdentifier | undefined, path: FieldPath): FieldErrors {
  const name = id?.name ?? '';
  if (!name) return [fieldErrors.required(path.child('name'), 'must specify a metric name')];
  return pathSegmentName(name, false).map((m) => fieldErrors.invalid(path.child('name'), name, m));
}

/** The sign of a quantity, or an error message when it does not parse. */
function quantitySign(v: unknown): number | string {
  try {
    return parseQuantityValue(v).sign();
  } catch (e) {
    return (e as Error).message;
  }
}

function validateMetricTarget(t: MetricTarget | undefined, path: FieldPath): FieldErrors {
  const target = t ?? {};
  const errs: FieldErrors = [];
  if (!target.type) errs.push(fieldErrors.required(path.child('type'), 'must specify a metric target type'));
  if (target.type !== 'Utilization' && target.type !== 'Value' && target.type !== 'AverageValue') {
    errs.push(fieldErrors.invalid(path.child('type'), target.type ?? '', 'must be either Utilization, Value, or AverageValue'));
  }
  for (const key of ['value', 'averageValue'] as const) {
    const v = target[key];
    if (v === undefined) continue;
    const sign = quantitySign(v);
    if (typeof sign === 'string') errs.push(fieldErrors.invalid(path.child(key), v, sign));
    else if (sign !== 1) errs.push(fieldErrors.invalid(path.child(key), v, 'must be positive'));
  }
  if (target.averageUtilization !== undefined && target.averageUtilization < 1) {
    errs.push(fieldErrors.invalid(path.child('averageUtilization'), target.averageUtilization, 'must be greater than 0'));
  }
  return errs;
}

/** A raw value or a utilization, but not both: Resource and ContainerResource sources. */
function validateResourceTarget(t: MetricTarget | undefined, path: FieldPath): FieldErrors {
  const errs = validateMetricTarget(t, path);
  if (t?.averageUtilization === undefined && t?.averageValue === undefined) {
    errs.push(fieldErrors.required(path.child('averageUtilization'), 'must set either a target raw value or a target utilization'));
  }
  if (t?.averageUtilization !== undefined && t.averageValue !== undefined) {
    errs.push(fieldErrors.forbidden(path.child('averageValue'), 'may not set both a target raw value and a target utilization'));
  }
  return errs;
}

function validateContainerResourceName(name: string, path: FieldPath): FieldErrors {
  const errs = isQualifiedName(name).map((m) => fieldErrors.invalid(path, name, m));
  if (errs.length === 0 && !name.includes('/') && !STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
    errs.push(fieldErrors.invalid(path, name, 'must be a standard resource for containers'));
  }
  return errs;
}

type SourceKey = 'object' | 'external' | 'pods' | 'resource' | 'containerResource';

function validateSource(spec: MetricSpec, key: SourceKey, path: FieldPath): FieldErrors {
  const p = path.child(key);
  switch (key) {
    case 'object': {
      const src = spec.object!;
      const errs = [
        ...validateCrossVersionObjectReference(src.describedObject, p.child('describedObject')),
        ...validateMetricIdentifier(src.metric, p.child('metric')),
        ...validateMetricTarget(src.target, p.child('target')),
      ];
      if (src.target?.value === undefined && src.target?.averageValue === undefined) {
        errs.push(fieldErrors.required(p.child('target').child('averageValue'), 'must set either a target value or averageValue'));
      }
      return errs;
    }
    case 'external': {
      const src = spec.external!;
      const errs = [...validateMetricIdentifier(src.metric, p.child('metric')), ...validateMetricTarget(src.target, p.child('target'))];
      if (src.target?.value === undefined && src.target?.averageValue === undefined) {
        errs.push(fieldErrors.required(p.child('target').child('averageValue'), 'must set either a target value for metric or a per-pod target'));
      }
      if (src.target?.value !== undefined && src.target.averageValue !== undefined) {
        errs.push(fieldErrors.forbidden(p.child('target').child('value'), 'may not set both a target value for metric and a per-pod target'));
      }
      return errs;
    }
    case 'pods': {
      const src = spec.pods!;
      const errs = [...validateMetricIdentifier(src.metric, p.child('metric')), ...validateMetricTarget(src.target, p.child('target'))];
      if (src.target?.averageValue === undefined) {
        errs.push(fieldErrors.required(p.child('target').child('averageValue'), 'must specify a positive target averageValue'));
      }
      return errs;
    }
    case 'resource': {
      const src = spec.resource!;
      const errs: FieldErrors = [];
      if (!src.name) errs.push(fieldErrors.required(p.child('name'), 'must specify a resource name'));
      errs.push(...validateResourceTarget(src.target, p.child('target')));
      return errs;
    }
    case 'containerResource': {
      const src = spec.containerResource!;
      const errs: FieldErrors = [];
      if (!src.name) errs.push(fieldErrors.required(p.child('name'), 'must specify a resource name'));
      else errs.push(...validateContainerResourceName(src.name, p.child('name')));
      if (!src.container) errs.push(fieldErrors.required(p.child('container'), 'must specify a container'));
      else errs.push(...validateDNS1123Label(src.container, p.child('container')));
      errs.push(...validateResourceTarget(src.target, p.child('target')));
      return errs;
    }
  }
}

const SOURCE_FOR_TYPE: Record<string, SourceKey> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  External: 'external',
  ContainerResource: 'containerResource',
};

function validateMetricSpec(spec: MetricSpec, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  const type = spec.type ?? '';
  if (!type) errs.push(fieldErrors.required(path.child('type'), 'must specify a metric source type'));
  if (!METRIC_SOURCE_TYPES.includes(type)) errs.push(fieldErrors.notSupported(path.child('type'), type, METRIC_SOURCE_TYPES));

  // Only the first source present (in this order) is validated in depth.
  const present: SourceKey[] = [];
  for (const key of ['object', 'external', 'pods', 'resource', 'containerResource'] as const) {
    if (spec[key] === undefined) continue;
    present.push(key);
    if (present.length === 1) errs.push(...validateSource(spec, key, path));
  }

  const expected = SOURCE_FOR_TYPE[type];
  if (expected === undefined) {
    errs.push(fieldErrors.notSupported(path.child('type'), type, METRIC_SOURCE_TYPES));
  } else if (spec[expected] === undefined) {
    errs.push(fieldErrors.required(path.child(expected), 'must populate information for the given metric source'));
  }
  if (present.length !== 1) {
    for (const key of present) {
      if (key !== expected) errs.push(fieldErrors.forbidden(path.child(key), 'must populate the given metric source only'));
    }
  }
  return errs;
}

function validateScalingRules(rules: HPAScalingRules | undefined, path: FieldPath): FieldErrors {
  if (!rules) return [];
  const errs: FieldErrors = [];
  const window = rules.stabilizationWindowSeconds;
  if (window !== undefined && window < 0) {
    errs.push(fieldErrors.invalid(path.child('stabilizationWindowSeconds'), window, 'must be greater than or equal to zero'));
  }
  if (window !== undefined && window > MAX_STABILIZATION_WINDOW_SECONDS) {
    errs.push(fieldErrors.invalid(path.child('stabilizationWindowSeconds'), window, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  if (rules.selectPolicy !== undefined && !SELECT_POLICIES.includes(rules.selectPolicy)) {
    errs.push(fieldErrors.notSupported(path.child('selectPolicy'), rules.selectPolicy, SELECT_POLICIES));
  }
  const policiesPath = path.child('policies');
  const policies = rules.policies ?? [];
  if (policies.length === 0) errs.push(fieldErrors.required(policiesPath, 'must specify at least one Policy'));
  policies.forEach((policy, i) => {
    const p = policiesPath.index(i);
    if (policy.type !== 'Pods' && policy.type !== 'Percent') errs.push(fieldErrors.notSupported(p.child('type'), policy.type ?? '', POLICY_TYPES));
    if ((policy.value ?? 0) <= 0) errs.push(fieldErrors.invalid(p.child('value'), policy.value ?? 0, 'must be greater than zero'));
    const period = policy.periodSeconds ?? 0;
    if (period <= 0) errs.push(fieldErrors.invalid(p.child('periodSeconds'), period, 'must be greater than zero'));
    if (period > MAX_PERIOD_SECONDS) {
      errs.push(fieldErrors.invalid(p.child('periodSeconds'), period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
    }
  });
  return errs;
}

function validateSpec(s: HorizontalPodAutoscalerSpec, minReplicasLowerBound: number): FieldErrors {
  const path = FieldPath.root('spec');
  const errs: FieldErrors = [];
  const max = s.maxReplicas ?? 0;
  if (s.minReplicas !== undefined && s.minReplicas < minReplicasLowerBound) {
    errs.push(fieldErrors.invalid(path.child('minReplicas'), s.minReplicas, `must be greater than or equal to ${minReplicasLowerBound}`));
  }
  if (max < 1) errs.push(fieldErrors.invalid(path.child('maxReplicas'), max, 'must be greater than 0'));
  if (s.minReplicas !== undefined && max < s.minReplicas) {
    errs.push(fieldErrors.invalid(path.child('maxReplicas'), max, 'must be greater than or equal to `minReplicas`'));
  }
  errs.push(...validateCrossVersionObjectReference(s.scaleTargetRef, path.child('scaleTargetRef')));
  const metricsPath = path.child('metrics');
  const metrics = s.metrics ?? [];
  metrics.forEach((m, i) => errs.push(...validateMetricSpec(m, metricsPath.index(i))));
  if (s.minReplicas === 0 && !metrics.some((m) => m.type === 'Object' || m.type === 'External')) {
    errs.push(fieldErrors.forbidden(metricsPath, 'must specify at least one Object or External metric to support scaling to zero replicas'));
  }
  if (s.behavior) {
    errs.push(...validateScalingRules(s.behavior.scaleUp, path.child('behavior').child('scaleUp')));
    errs.push(...validateScalingRules(s.behavior.scaleDown, path.child('behavior').child('scaleDown')));
  }
  return errs;
}

export function validateHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler, old?: HorizontalPodAutoscaler): FieldErrors {
  const metaPath = FieldPath.root('metadata');
  if (!old) return [...validateObjectMeta(hpa.metadata, true, nameIsDNSSubdomain, metaPath), ...validateSpec(hpa.spec, 1)];
  // Scale-to-zero is a disabled feature, but an HPA already at 0 may stay there.
  const lowerBound = old.spec.minReplicas === 0 ? 0 : 1;
  return [...validateObjectMetaUpdate(hpa.metadata, old.metadata, metaPath), ...validateSpec(hpa.spec, lowerBound)];
}

/**
 * autoscaling/v1 is validated as the v2 object it is stored as, so errors
 * name v2's fields (spec.metrics[0]...), as Kubernetes reports them.
 */
export function validateHorizontalPodAutoscalerV1(hpa: HorizontalPodAutoscalerV1, old?: HorizontalPodAutoscalerV1): FieldErrors {
  const toV2 = (h: HorizontalPodAutoscalerV1) => hpaV1ToV2(h as unknown as KubeObject) as unknown as HorizontalPodAutoscaler;
  return validateHorizontalPodAutoscaler(toV2(hpa), old && toV2(old));
}
