// autoscaling/v1 <-> autoscaling/v2 HorizontalPodAutoscaler, as Kubernetes
// converts them (pkg/apis/autoscaling/v1/conversion.go). v2 is what is
// stored. v1's targetCPUUtilizationPercentage is v2's Resource cpu metric
// with a Utilization target, and status.currentCPUUtilizationPercentage its
// current value; everything else v2 holds (other metrics, their current
// values, conditions, behavior) rides in annotations on the v1 object, in
// Kubernetes' formats, so a v1 read-modify-write loses nothing.
import type { KubeObject } from '../meta.js';
import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerStatus,
  HPAScalingRules,
  MetricSpec,
  MetricStatus,
} from './v2.js';
import type { HorizontalPodAutoscalerV1 } from './v1.js';

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP_ANNOTATIONS = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
/** a copy of o without its undefined members, as JSON would write it */
function clean<T extends Rec>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function parseAnnotation(annotations: Record<string, string> | undefined, key: string): unknown {
  const raw = annotations?.[key];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    // Kubernetes ignores an annotation it cannot parse, as does this.
    return undefined;
  }
}

const isCpuUtilization = (m: MetricSpec): boolean =>
  m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target?.averageUtilization !== undefined;

// ---- metric specs: v2 <-> v1 (v2beta1's shape) ----

function metricSpecToV1(m: MetricSpec): Rec {
  const out: Rec = { type: m.type };
  if (m.object) {
    out.object = clean({
      target: m.object.describedObject,
      metricName: m.object.metric?.name ?? '',
      targetValue: m.object.target?.value ?? '0',
      selector: m.object.metric?.selector,
      averageValue: m.object.target?.averageValue,
    });
  }
  if (m.pods) {
    out.pods = clean({
      metricName: m.pods.metric?.name ?? '',
      targetAverageValue: m.pods.target?.averageValue ?? '0',
      selector: m.pods.metric?.selector,
    });
  }
  if (m.resource) {
    out.resource = clean({
      name: m.resource.name ?? '',
      targetAverageUtilization: m.resource.target?.averageUtilization,
      targetAverageValue: m.resource.target?.averageValue,
    });
  }
  if (m.containerResource) {
    out.containerResource = clean({
      name: m.containerResource.name ?? '',
      targetAverageUtilization: m.containerResource.target?.averageUtilization,
      targetAverageValue: m.containerResource.target?.averageValue,
      container: m.containerResource.container ?? '',
    });
  }
  if (m.external) {
    out.external = clean({
      metricName: m.external.metric?.name ?? '',
      metricSelector: m.external.metric?.selector,
      targetValue: m.external.target?.value,
      targetAverageValue: m.external.target?.averageValue,
    });
  }
  return out;
}

function metricSpecFromV1(m: Rec): MetricSpec {
  const out: MetricSpec = { type: str(m.type) };
  if (isRec(m.object)) {
    const o = m.object;
    out.object = {
      describedObject: isRec(o.target) ? (o.target as never) : undefined,
      metric: clean({ name: str(o.metricName) ?? '', selector: isRec(o.selector) ? (o.selector as never) : undefined }),
      target: clean({
        type: o.averageValue === undefined ? 'Value' : 'AverageValue',
        value: str(o.targetValue),
        averageValue: str(o.averageValue),
      }),
    };
  }
  if (isRec(m.pods)) {
    const p = m.pods;
    out.pods = {
      metric: clean({ name: str(p.metricName) ?? '', selector: isRec(p.selector) ? (p.selector as never) : undefined }),
      target: clean({ type: 'AverageValue', averageValue: str(p.targetAverageValue) }),
    };
  }
  for (const key of ['resource', 'containerResource'] as const) {
    const r = m[key];
    if (!isRec(r)) continue;
    const utilization = num(r.targetAverageUtilization);
    const source = {
      name: str(r.name),
      target: clean({
        type: utilization === undefined ? 'AverageValue' : 'Utilization',
        averageUtilization: utilization,
        averageValue: str(r.targetAverageValue),
      }),
    };
    if (key === 'resource') out.resource = source;
    else out.containerResource = { ...source, container: str(r.container) };
  }
  if (isRec(m.external)) {
    const e = m.external;
    out.external = {
      metric: clean({ name: str(e.metricName) ?? '', selector: isRec(e.metricSelector) ? (e.metricSelector as never) : undefined }),
      target: clean({
        type: e.targetValue !== undefined ? 'Value' : 'AverageValue',
        value: str(e.targetValue),
        averageValue: str(e.targetAverageValue),
      }),
    };
  }
  return out;
}

// ---- metric statuses: v2 <-> v1 ----

function metricStatusToV1(m: MetricStatus): Rec {
  const out: Rec = { type: m.type };
  if (m.object) {
    out.object = clean({
      target: m.object.describedObject,
      metricName: m.object.metric?.name ?? '',
      currentValue: m.object.current?.value ?? '0',
      selector: m.object.metric?.selector,
      averageValue: m.object.current?.averageValue,
    });
  }
  if (m.pods) {
    out.pods = clean({
      metricName: m.pods.metric?.name ?? '',
      currentAverageValue: m.pods.current?.averageValue ?? '0',
      selector: m.pods.metric?.selector,
    });
  }
  if (m.resource) {
    out.resource = clean({
      name: m.resource.name ?? '',
      currentAverageUtilization: m.resource.current?.averageUtilization,
      currentAverageValue: m.resource.current?.averageValue ?? '0',
    });
  }
  if (m.containerResource) {
    out.containerResource = clean({
      name: m.containerResource.name ?? '',
      currentAverageUtilization: m.containerResource.current?.averageUtilization,
      currentAverageValue: m.containerResource.current?.averageValue ?? '0',
      container: m.containerResource.container ?? '',
    });
  }
  if (m.external) {
    out.external = clean({
      metricName: m.external.metric?.name ?? '',
      metricSelector: m.external.metric?.selector,
      currentValue: m.external.current?.value ?? '0',
      currentAverageValue: m.external.current?.averageValue,
    });
  }
  return out;
}

function metricStatusFromV1(m: Rec): MetricStatus {
  const out: MetricStatus = { type: str(m.type) };
  const selector = (v: unknown) => (isRec(v) ? (v as never) : undefined);
  if (isRec(m.object)) {
    const o = m.object;
    out.object = {
      describedObject: isRec(o.target) ? (o.target as never) : undefined,
      metric: clean({ name: str(o.metricName) ?? '', selector: selector(o.selector) }),
      current: clean({ value: str(o.currentValue), averageValue: str(o.averageValue) }),
    };
  }
  if (isRec(m.pods)) {
    const p = m.pods;
    out.pods = {
      metric: clean({ name: str(p.metricName) ?? '', selector: selector(p.selector) }),
      current: clean({ averageValue: str(p.currentAverageValue) }),
    };
  }
  if (isRec(m.resource)) {
    const r = m.resource;
    out.resource = {
      name: str(r.name),
      current: clean({ averageUtilization: num(r.currentAverageUtilization), averageValue: str(r.currentAverageValue) }),
    };
  }
  if (isRec(m.containerResource)) {
    const r = m.containerResource;
    out.containerResource = {
      name: str(r.name),
      container: str(r.container),
      current: clean({ averageUtilization: num(r.currentAverageUtilization), averageValue: str(r.currentAverageValue) }),
    };
  }
  if (isRec(m.external)) {
    const e = m.external;
    out.external = {
      metric: clean({ name: str(e.metricName) ?? '', selector: selector(e.metricSelector) }),
      current: clean({ value: str(e.currentValue), averageValue: str(e.currentAverageValue) }),
    };
  }
  return out;
}

// ---- behavior: Kubernetes writes its internal Go struct, field names and all ----

function rulesToGo(r: HPAScalingRules | undefined): Rec | null {
  if (!r) return null;
  return {
    StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null,
    SelectPolicy: r.selectPolicy ?? null,
    Policies: r.policies ? r.policies.map((p) => ({ Type: p.type ?? '', Value: p.value ?? 0, PeriodSeconds: p.periodSeconds ?? 0 })) : null,
    Tolerance: r.tolerance ?? null,
  };
}

function rulesFromGo(v: unknown): HPAScalingRules | undefined {
  if (!isRec(v)) return undefined;
  const policies = Array.isArray(v.Policies)
    ? v.Policies.filter(isRec).map((p) => ({ type: str(p.Type), value: num(p.Value), periodSeconds: num(p.PeriodSeconds) }))
    : undefined;
  return clean({
    stabilizationWindowSeconds: num(v.StabilizationWindowSeconds),
    selectPolicy: str(v.SelectPolicy),
    policies,
    tolerance: str(v.Tolerance),
  });
}

// ---- whole objects ----

/** The stored v2 object as autoscaling/v1 shows it. */
export function hpaV2ToV1(obj: KubeObject): KubeObject {
  const h = obj as unknown as HorizontalPodAutoscaler;
  const metrics = h.spec?.metrics ?? [];
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => !isCpuUtilization(m));
  const status = h.status;
  const annotations: Record<string, string> = { ...(h.metadata.annotations ?? {}) };
  if (others.length > 0) annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(others.map(metricSpecToV1));
  if ((status?.currentMetrics ?? []).length > 0) {
    annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(status!.currentMetrics!.map(metricStatusToV1));
  }
  if (h.spec?.behavior) {
    annotations[BEHAVIOR_ANNOTATION] = JSON.stringify({ ScaleUp: rulesToGo(h.spec.behavior.scaleUp), ScaleDown: rulesToGo(h.spec.behavior.scaleDown) });
  }
  if ((status?.conditions ?? []).length > 0) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status!.conditions);
  const cpuStatus = status?.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  const v1: HorizontalPodAutoscalerV1 = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...h.metadata, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    spec: clean({
      scaleTargetRef: h.spec?.scaleTargetRef ?? { kind: '', name: '' },
      minReplicas: h.spec?.minReplicas,
      maxReplicas: h.spec?.maxReplicas,
      targetCPUUtilizationPercentage: cpu?.resource?.target?.averageUtilization,
    }),
  };
  if (status) {
    v1.status = clean({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: cpuStatus?.resource?.current?.averageUtilization,
    });
  }
  return v1 as unknown as KubeObject;
}

/** An autoscaling/v1 object as the v2 object it is stored as. */
export function hpaV1ToV2(obj: KubeObject): KubeObject {
  const h = obj as unknown as HorizontalPodAutoscalerV1;
  const annotations = h.metadata.annotations;
  const spec = h.spec ?? { scaleTargetRef: { kind: '', name: '' } };
  const metrics: MetricSpec[] = [];
  const others = parseAnnotation(annotations, METRIC_SPECS_ANNOTATION);
  if (Array.isArray(others)) metrics.push(...others.filter(isRec).map(metricSpecFromV1));
  if (spec.targetCPUUtilizationPercentage !== undefined) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  const behavior = parseAnnotation(annotations, BEHAVIOR_ANNOTATION);
  const rest = Object.fromEntries(Object.entries(annotations ?? {}).filter(([k]) => !ROUND_TRIP_ANNOTATIONS.includes(k)));
  const { annotations: _dropped, ...metadata } = h.metadata;
  const v2: HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...metadata, ...(Object.keys(rest).length > 0 ? { annotations: rest } : {}) },
    spec: clean({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      metrics: metrics.length > 0 ? metrics : undefined,
      behavior: isRec(behavior) ? clean({ scaleUp: rulesFromGo(behavior.ScaleUp), scaleDown: rulesFromGo(behavior.ScaleDown) }) : undefined,
    }),
  };
  if (h.status) {
    const s = h.status;
    const current = parseAnnotation(annotations, METRIC_STATUSES_ANNOTATION);
    const conditions = parseAnnotation(annotations, CONDITIONS_ANNOTATION);
    const status: HorizontalPodAutoscalerStatus = clean({
      observedGeneration: s.observedGeneration,
      lastScaleTime: s.lastScaleTime,
      currentReplicas: s.currentReplicas,
      desiredReplicas: s.desiredReplicas,
      currentMetrics: Array.isArray(current)
        ? current.filter(isRec).map(metricStatusFromV1)
        : s.currentCPUUtilizationPercentage !== undefined
          ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: s.currentCPUUtilizationPercentage } } }]
          : undefined,
      conditions: Array.isArray(conditions) ? (conditions.filter(isRec) as unknown as HorizontalPodAutoscalerStatus['conditions']) : undefined,
    });
    v2.status = status;
  }
  return v2 as unknown as KubeObject;
}
