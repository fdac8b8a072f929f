// The HorizontalPodAutoscaler controller (Kubernetes' pkg/controller/podautoscaler)
// for autoscaling/v2 HPAs on resource metrics. Every sync period (15 s) each
// HPA is reconciled: the target's scale subresource gives the current
// replica count and the pod selector; each CPU or memory metric (a target
// utilization of the pods' requests, or an average value per pod) is read
// from the resource metrics API through the apiserver (metrics.k8s.io, as
// Kubernetes' HPA reads it) and turned into a proposal by the replica
// calculator; the largest proposal is stabilized and bounded (normalize.ts)
// and written to the scale subresource. Status carries the current and
// desired replicas, the current metric values, lastScaleTime and the
// AbleToScale, ScalingActive and ScalingLimited conditions; Events say what
// was done (SuccessfulRescale) or what failed, in Kubernetes' words.
// Object, Pods and External metrics need a custom or external metrics API,
// which this cluster does not serve: such metrics fail as they would there.
import type { Pod } from '../../src/api/core/v1.js';
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from '../../src/api/autoscaling/v2.js';
import type { KubeObject } from '../../src/api/meta.js';
import { allResources } from '../../src/api/resources.js';
import { parseGoDuration } from '../../src/api/batch/cron.js';
import { EventRecorder, rfc3339 } from '../../src/client/events.js';
import { MetricsClient } from '../../src/client/metrics.js';
import { isConflict, isNotFound, type Informer, type RateLimiter, type ResourceRef } from '../../src/client/index.js';
import { parseSelector, type Selector } from '../../src/machinery/labels.js';
import { Quantity } from '../../src/machinery/quantity.js';
import { QueueController, errorMessage, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
import { setCondition, type HPACondition } from './conditions.js';
import { ScalingHistory, type ConditionUpdate } from './normalize.js';
import {
  DEFAULT_CPU_INITIALIZATION_PERIOD_MS,
  DEFAULT_INITIAL_READINESS_DELAY_MS,
  DEFAULT_TOLERANCE,
  rawResourceReplicas,
  resourceReplicas,
  type CalculatorOptions,
  type PodMetricsInfo,
} from './replica-calculator.js';

export const horizontalPodAutoscalerControllerName = 'horizontalpodautoscaling';
export const DEFAULT_SYNC_PERIOD_MS = 15_000;
export const DEFAULT_DOWNSCALE_STABILIZATION_MS = 5 * 60_000;

const hpaRef: ResourceRef = { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers', namespaced: true };
const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const hpaKind = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' };

export type HPAObject = HorizontalPodAutoscaler & KubeObject;
type PodObject = Pod & KubeObject;

interface ScaleObject extends KubeObject {
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

export interface HorizontalPodAutoscalerOptions {
  /** --horizontal-pod-autoscaler-sync-period */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization */
  downscaleStabilizationMs?: number;
  /** --horizontal-pod-autoscaler-tolerance */
  tolerance?: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period */
  cpuInitializationPeriodMs?: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay */
  initialReadinessDelayMs?: number;
  /** --concurrent-horizontal-pod-autoscaler-syncs, 5 */
  workers?: number;
  now?: () => number;
}

/** Kubernetes' HPA queue: every retry, failed or not, comes one sync period later. */
class FixedIntervalRateLimiter implements RateLimiter<string> {
  constructor(private readonly ms: number) {}
  when(): number {
    return this.ms;
  }
  forget(): void {}
  numRequeues(): number {
    return 0;
  }
}

/** A metric that could not be computed: the ScalingActive condition it sets, and the error. */
class MetricError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    readonly conditionMessage: string,
  ) {
    super(message);
    this.name = 'MetricError';
  }
}

interface ScaleClient {
  get(): Promise<ScaleObject>;
  update(scale: ScaleObject): Promise<ScaleObject>;
}

interface Proposal {
  replicas: number;
  metricName: string;
  status: MetricStatus;
}

const milli = (q: unknown): number => Quantity.parse(String(q)).milliValue();

/** JSON with object keys sorted, so that two values equal in meaning compare equal as text. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

function windowMs(text: string): number {
  try {
    return Math.round(parseGoDuration(text) * 1000);
  } catch {
    return 0;
  }
}

export class HorizontalPodAutoscalerController extends QueueController {
  readonly recorder: EventRecorder;
  private readonly hpas: Informer<HPAObject>;
  private readonly pods: Informer<PodObject>;
  private readonly metricsClient: MetricsClient;
  private readonly history: ScalingHistory;
  private readonly syncPeriodMs: number;
  private readonly calc: CalculatorOptions;
  private readonly now: () => number;

  constructor(
    private readonly ctx: ControllerContext,
    opts: HorizontalPodAutoscalerOptions = {},
  ) {
    const syncPeriodMs = opts.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS;
    super(ctx, { name: horizontalPodAutoscalerControllerName, workers: opts.workers ?? 5, rateLimiter: new FixedIntervalRateLimiter(syncPeriodMs) });
    this.syncPeriodMs = syncPeriodMs;
    this.now = opts.now ?? Date.now;
    const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
    this.calc = {
      tolerances: { scaleDown: tolerance, scaleUp: tolerance },
      cpuInitializationPeriodMs: opts.cpuInitializationPeriodMs ?? DEFAULT_CPU_INITIALIZATION_PERIOD_MS,
      delayOfInitialReadinessStatusMs: opts.initialReadinessDelayMs ?? DEFAULT_INITIAL_READINESS_DELAY_MS,
      now: this.now,
    };
    this.history = new ScalingHistory(this.now, opts.downscaleStabilizationMs ?? DEFAULT_DOWNSCALE_STABILIZATION_MS);
    this.recorder = new EventRecorder(ctx.client, { component: 'horizontal-pod-autoscaler', involvedKind: hpaKind, log: ctx.log, now: this.now });
    this.metricsClient = new MetricsClient(ctx.client);
    this.hpas = this.waitsFor(ctx.informers.informerFor<HPAObject>(hpaRef));
    this.pods = this.waitsFor(ctx.informers.informerFor<PodObject>(podsRef));
    // As in Kubernetes every request waits a sync period in the queue, and one already waiting absorbs the rest.
    this.hpas.addEventHandler({
      onAdd: (hpa) => this.enqueueAfter(hpa, this.syncPeriodMs),
      onUpdate: (_old, hpa) => this.enqueueAfter(hpa, this.syncPeriodMs),
      onDelete: (hpa) => this.history.forget(`${hpa.metadata.namespace ?? ''}/${hpa.metadata.name ?? ''}`),
    });
  }

  protected async sync(key: string): Promise<SyncResult> {
    const cached = this.hpas.get(key);
    if (!cached) {
      this.history.forget(key);
      return;
    }
    await this.reconcile(structuredClone(cached), key);
    return { requeueAfterMs: this.syncPeriodMs };
  }

  /** The resource behind a scale target reference: its group and kind, in whatever version serves a scale subresource. */
  private targetResource(ref: HorizontalPodAutoscaler['spec']['scaleTargetRef']) {
    const apiVersion = ref.apiVersion ?? '';
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    if (apiVersion.split('/').length > 2) throw new Error(`unexpected GroupVersion string: ${apiVersion}`);
    const candidates = allResources.filter((r) => r.group === group && r.kind === ref.kind);
    if (candidates.length === 0) throw new Error(`no matches for kind "${ref.kind}" in group "${group}"`);
    const scalable = candidates.find((r) => r.subresources.scale);
    if (!scalable) throw new Error(`the server could not find the requested resource (get ${candidates[0]!.plural}.${group || 'core'} ${ref.name})`);
    return scalable;
  }

  private async reconcile(hpa: HPAObject, key: string): Promise<void> {
    const original = canonicalJson(hpa.status ?? {});
    const namespace = hpa.metadata.namespace ?? '';
    const ref = hpa.spec.scaleTargetRef;
    const reference = `${ref.kind}/${namespace}/${ref.name}`;
    const now = rfc3339(this.now());
    let conditions: HPACondition[] = hpa.status?.conditions ?? [];
    const set = (type: string, status: 'True' | 'False', reason: string, message: string): void => {
      conditions = setCondition(conditions, type, status, reason, message, now);
    };
    const apply = (updates: ConditionUpdate[]): void => {
      for (const u of updates) set(u.type, u.status, u.reason, u.message);
    };
    const finish = async (current: number, desired: number, statuses: MetricStatus[], rescaled: boolean): Promise<void> => {
      const status: NonNullable<HPAObject['status']> = {
        ...(rescaled ? { lastScaleTime: now } : hpa.status?.lastScaleTime ? { lastScaleTime: hpa.status.lastScaleTime } : {}),
        currentReplicas: current,
        desiredReplicas: desired,
        ...(statuses.length > 0 ? { currentMetrics: statuses } : {}),
        ...(conditions.length > 0 ? { conditions } : {}),
      };
      // updateStatusIfNeeded: no write when nothing changed (field order aside)
      if (canonicalJson(status) === original) return;
      await this.writeStatus(hpa, status);
    };

    let scaleClient: ScaleClient;
    let scale: ScaleObject;
    try {
      scaleClient = this.scaleTarget(ref, namespace);
      scale = await scaleClient.get();
    } catch (err) {
      const message = errorMessage(err);
      this.recorder.event(hpa, 'Warning', 'FailedGetScale', message);
      set('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${message}`);
      await finish(hpa.status?.currentReplicas ?? 0, hpa.status?.desiredReplicas ?? 0, hpa.status?.currentMetrics ?? [], false).catch(() => {});
      throw new Error(`failed to query scale subresource for ${reference}: ${message}`);
    }
    set('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const current = scale.spec?.replicas ?? 0;
    this.history.recordInitial(key, current);
    const minReplicas = hpa.spec.minReplicas ?? 1;
    const maxReplicas = hpa.spec.maxReplicas ?? 0;

    let desired = 0;
    let rescaleReason = '';
    let rescale = true;
    let statuses: MetricStatus[] = [];
    let partialError: Error | undefined;
    if (current === 0 && minReplicas !== 0) {
      rescale = false;
      set('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else if (current > maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desired = maxReplicas;
    } else if (current < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desired = minReplicas;
    } else {
      const computed = await this.computeReplicasForMetrics(hpa, scale, set);
      statuses = computed.statuses;
      if (computed.replicas === -1) {
        await finish(current, hpa.status?.desiredReplicas ?? 0, statuses, false);
        this.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', computed.error!.message);
        throw new Error(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${computed.error!.message}`);
      }
      partialError = computed.error;
      let rescaleMetric = '';
      if (computed.replicas > desired) {
        desired = computed.replicas;
        rescaleMetric = computed.metricName;
      }
      if (desired > current) rescaleReason = `${rescaleMetric} above target`;
      if (desired < current) rescaleReason = 'All metrics below target';
      const normalized = hpa.spec.behavior
        ? this.history.normalizeWithBehavior(key, hpa.spec.behavior, current, desired, minReplicas, maxReplicas)
        : this.history.normalize(key, current, desired, minReplicas, maxReplicas);
      apply(normalized.conditions);
      desired = normalized.replicas;
      rescale = desired !== current;
    }

    if (rescale) {
      try {
        await scaleClient.update({ ...scale, spec: { ...scale.spec, replicas: desired } });
      } catch (err) {
        const message = errorMessage(err);
        this.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${message}`);
        set('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${message}`);
        await finish(current, hpa.status?.desiredReplicas ?? 0, statuses, false).catch(() => {});
        throw new Error(`failed to rescale ${reference}: ${message}`);
      }
      set('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
      this.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
      this.history.recordScale(key, hpa.spec.behavior, current, desired);
      this.log.info({ hpa: key, from: current, to: desired, reason: rescaleReason }, 'successfully rescaled');
    } else {
      desired = current;
    }
    await finish(current, desired, statuses, rescale);
    if (partialError) throw partialError;
  }

  /** GET and PUT on the target's scale subresource. */
  private scaleTarget(ref: HorizontalPodAutoscaler['spec']['scaleTargetRef'], namespace: string): ScaleClient {
    const info = this.targetResource(ref);
    const path = this.ctx.client.resource(info).path(namespace, ref.name, 'scale');
    return {
      get: () => this.ctx.client.request<ScaleObject>('GET', path),
      update: (scale: ScaleObject) => this.ctx.client.request<ScaleObject>('PUT', path, { body: scale }),
    };
  }

  private async writeStatus(hpa: HPAObject, status: NonNullable<HPAObject['status']>): Promise<void> {
    const api = this.ctx.client.resource<HPAObject>(hpaRef);
    let base = hpa;
    for (let attempt = 0; ; attempt++) {
      try {
        await api.updateStatus(hpa.metadata.namespace, { ...base, status });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 2) throw err;
        base = await api.get(hpa.metadata.namespace, hpa.metadata.name ?? '');
      }
    }
  }

  /** computeReplicasForMetrics: the largest proposal; failing metrics only block scaling down (or everything, when all fail). */
  private async computeReplicasForMetrics(
    hpa: HPAObject,
    scale: ScaleObject,
    set: (type: string, status: 'True' | 'False', reason: string, message: string) => void,
  ): Promise<{ replicas: number; metricName: string; statuses: MetricStatus[]; error?: Error }> {
    const selectorText = scale.status?.selector ?? '';
    if (!selectorText) {
      this.recorder.event(hpa, 'Warning', 'SelectorRequired', 'selector is required');
      set('ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector");
      return { replicas: -1, metricName: '', statuses: [], error: new Error('selector is required') };
    }
    let selector: Selector;
    try {
      selector = parseSelector(selectorText);
    } catch (err) {
      const message = `couldn't convert selector into a corresponding internal selector object: ${errorMessage(err)}`;
      this.recorder.event(hpa, 'Warning', 'InvalidSelector', message);
      set('ScalingActive', 'False', 'InvalidSelector', message);
      return { replicas: -1, metricName: '', statuses: [], error: new Error(message) };
    }
    const specs = hpa.spec.metrics ?? [];
    const specReplicas = scale.spec?.replicas ?? 0;
    const statuses: MetricStatus[] = specs.map(() => ({ type: '' }));
    let replicas = 0;
    let metricName = '';
    let invalid = 0;
    let first: MetricError | undefined;
    for (const [i, spec] of specs.entries()) {
      try {
        const proposal = await this.computeReplicasForMetric(hpa, spec, specReplicas, selector);
        statuses[i] = proposal.status;
        if (replicas === 0 || proposal.replicas > replicas) {
          replicas = proposal.replicas;
          metricName = proposal.metricName;
        }
      } catch (err) {
        const e = err instanceof MetricError ? err : new MetricError(errorMessage(err), 'FailedGetResourceMetric', errorMessage(err));
        if (invalid === 0) first = e;
        invalid++;
      }
    }
    const error = first ? new Error(`invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${first.message}`) : undefined;
    if (invalid >= specs.length || (invalid > 0 && replicas < specReplicas)) {
      if (first) set('ScalingActive', 'False', first.reason, first.conditionMessage);
      return { replicas: -1, metricName: '', statuses, error: error ?? new Error('no metrics to compute a replica count from') };
    }
    set('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metricName}`);
    return { replicas, metricName, statuses, ...(error ? { error } : {}) };
  }

  private async computeReplicasForMetric(hpa: HPAObject, spec: MetricSpec, specReplicas: number, selector: Selector): Promise<Proposal> {
    const unsupported = (reason: string, api: string, name: string): never => {
      const message = `unable to get metric ${name}: unable to fetch metrics from ${api} API: the server could not find the requested resource`;
      this.recorder.event(hpa, 'Warning', reason, message);
      throw new MetricError(message, reason, `the HPA was unable to compute the replica count: ${message}`);
    };
    switch (spec.type) {
      case 'Resource': {
        const name = spec.resource?.name ?? '';
        try {
          const p = await this.resourceProposal(hpa, name, '', spec.resource?.target ?? {}, specReplicas, selector);
          return { ...p, status: { type: 'Resource', resource: { name, current: p.current } } };
        } catch (err) {
          throw this.metricFailure(hpa, err, 'FailedGetResourceMetric', `failed to get ${name} resource metric value`);
        }
      }
      case 'ContainerResource': {
        const name = spec.containerResource?.name ?? '';
        const container = spec.containerResource?.container ?? '';
        try {
          const p = await this.resourceProposal(hpa, name, container, spec.containerResource?.target ?? {}, specReplicas, selector);
          return { ...p, status: { type: 'ContainerResource', containerResource: { name, container, current: p.current } } };
        } catch (err) {
          throw this.metricFailure(hpa, err, 'FailedGetContainerResourceMetric', `failed to get ${name} container metric value`);
        }
      }
      case 'Pods':
        return unsupported('FailedGetPodsMetric', 'custom metrics', spec.pods?.metric?.name ?? '');
      case 'Object':
        return unsupported('FailedGetObjectMetric', 'custom metrics', spec.object?.metric?.name ?? '');
      case 'External':
        return unsupported('FailedGetExternalMetric', 'external metrics', spec.external?.metric?.name ?? '');
      default: {
        const message = `unknown metric source type "${spec.type ?? ''}"`;
        this.recorder.event(hpa, 'Warning', 'InvalidMetricSourceType', 'invalid metric source type');
        throw new MetricError(message, 'InvalidMetricSourceType', `the HPA was unable to compute the replica count: ${message}`);
      }
    }
  }

  /** The Warning event and ScalingActive condition of a failed resource metric, and the error the caller wraps. */
  private metricFailure(hpa: HPAObject, err: unknown, reason: string, wrap: string): MetricError {
    const message = errorMessage(err);
    this.recorder.event(hpa, 'Warning', reason, message);
    return new MetricError(`${wrap}: ${message}`, reason, `the HPA was unable to compute the replica count: ${message}`);
  }

  /** computeStatusForResourceMetricGeneric */
  private async resourceProposal(
    hpa: HPAObject,
    resource: string,
    container: string,
    target: NonNullable<NonNullable<MetricSpec['resource']>['target']>,
    specReplicas: number,
    selector: Selector,
  ): Promise<{ replicas: number; metricName: string; current: NonNullable<NonNullable<MetricStatus['resource']>['current']> }> {
    const namespace = hpa.metadata.namespace ?? '';
    const pods = () => this.pods.list(namespace).filter((p) => selector.matches(p.metadata.labels ?? {}));
    if (target.averageValue !== undefined && target.averageValue !== null) {
      let metrics: PodMetricsInfo;
      try {
        metrics = await this.podMetrics(namespace, selector, resource, container);
      } catch (err) {
        throw new Error(`failed to get ${resource} usage: unable to get metrics for resource ${resource}: ${errorMessage(err)}`);
      }
      let result;
      try {
        result = rawResourceReplicas(specReplicas, milli(target.averageValue), resource, pods(), metrics, this.calc);
      } catch (err) {
        throw new Error(`failed to get ${resource} usage: ${errorMessage(err)}`);
      }
      return {
        replicas: result.replicas,
        metricName: `${resource} resource`,
        current: { averageValue: Quantity.fromMilli(result.usage).toString() },
      };
    }
    if (target.averageUtilization === undefined) {
      throw new Error('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
    }
    let metrics: PodMetricsInfo;
    try {
      metrics = await this.podMetrics(namespace, selector, resource, container);
    } catch (err) {
      throw new Error(`failed to get ${resource} utilization: unable to get metrics for resource ${resource}: ${errorMessage(err)}`);
    }
    let result;
    try {
      result = resourceReplicas(specReplicas, target.averageUtilization, resource, container, pods(), metrics, this.calc);
    } catch (err) {
      throw new Error(`failed to get ${resource} utilization: ${errorMessage(err)}`);
    }
    return {
      replicas: result.replicas,
      metricName: container
        ? `${resource} container resource utilization (percentage of request)`
        : `${resource} resource utilization (percentage of request)`,
      current: { averageUtilization: result.utilization, averageValue: Quantity.fromMilli(result.rawAverage).toString() },
    };
  }

  /** GetResourceMetric: each pod's usage of the resource (summed over its containers, or of one container). */
  private async podMetrics(namespace: string, selector: Selector, resource: string, container: string): Promise<PodMetricsInfo> {
    let items;
    try {
      items = await this.metricsClient.listPodMetrics(namespace, { labelSelector: selector.toString() });
    } catch (err) {
      throw new Error(`unable to fetch metrics from resource metrics API: ${errorMessage(err)}`);
    }
    if (items.length === 0) throw new Error('no metrics returned from resource metrics API');
    const out: PodMetricsInfo = new Map();
    for (const m of items) {
      const sample = { timestampMs: Date.parse(m.timestamp) || 0, windowMs: windowMs(m.window) };
      if (container) {
        const c = m.containers.find((x) => x.name === container);
        const v = c?.usage[resource];
        if (v === undefined) throw new Error(`failed to get container metrics: container ${container} not present in metrics for pod ${m.metadata.namespace ?? namespace}/${m.metadata.name}`);
        out.set(m.metadata.name, { value: milli(v), ...sample });
        continue;
      }
      if (m.containers.length === 0) continue;
      let sum = 0;
      let missing = false;
      for (const c of m.containers) {
        const v = c.usage[resource];
        if (v === undefined) {
          missing = true;
          break;
        }
        sum += milli(v);
      }
      if (!missing) out.set(m.metadata.name, { value: sum, ...sample });
    }
    return out;
  }
}

export function horizontalPodAutoscalerController(opts: HorizontalPodAutoscalerOptions = {}): ControllerDescriptor {
  return { name: horizontalPodAutoscalerControllerName, init: (ctx) => new HorizontalPodAutoscalerController(ctx, opts) };
}
