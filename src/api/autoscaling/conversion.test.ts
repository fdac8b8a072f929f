import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../meta.js';
import { fieldErrorMessage } from '../validation/field.js';
import { BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, hpaV1ToV2, hpaV2ToV1, METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION } from './conversion.js';
import { defaultHorizontalPodAutoscalerV1 } from './defaults.js';
import type { HorizontalPodAutoscalerV1 } from './v1.js';
import { validateHorizontalPodAutoscalerV1 } from './validation.js';

const ref = { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' };
const cpu = (averageUtilization: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } });
const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } } };

const v2 = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject =>
  ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', resourceVersion: '7' },
    spec: { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 10, ...spec },
    ...(status ? { status } : {}),
  }) as KubeObject;

describe('autoscaling/v1 <-> v2', () => {
  it('shows a CPU utilization metric as targetCPUUtilizationPercentage, and back', () => {
    const stored = v2({ metrics: [cpu(80)] }, {
      currentReplicas: 3,
      desiredReplicas: 4,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 55 } } }],
    });
    const v1 = hpaV2ToV1(stored);
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({ scaleTargetRef: ref, minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 80 });
    expect(v1.status).toEqual({ currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 55 });
    expect(v1.metadata.resourceVersion).toBe('7');
    const back = hpaV1ToV2(v1);
    expect(back.spec).toEqual(stored.spec);
    // v1's currentAverageValue is not optional, so a status coming back through v1 carries "0", as in Kubernetes.
    expect(back.status).toEqual({
      ...(stored.status as object),
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 55, averageValue: '0' } } }],
    });
    expect(back.metadata.annotations).toBeUndefined();
  });

  it('carries what v1 cannot say in Kubernetes annotations, and restores it', () => {
    const behavior = { scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] } };
    const conditions = [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', lastTransitionTime: '2024-01-01T00:00:00Z' }];
    const stored = v2({ metrics: [cpu(70), memory], behavior }, { currentReplicas: 2, desiredReplicas: 2, conditions });
    const v1 = hpaV2ToV1(stored);
    const ann = v1.metadata.annotations!;
    expect(JSON.parse(ann[METRIC_SPECS_ANNOTATION]!)).toEqual([{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '200Mi' } }]);
    expect(JSON.parse(ann[BEHAVIOR_ANNOTATION]!)).toEqual({
      ScaleUp: null,
      ScaleDown: { StabilizationWindowSeconds: 60, SelectPolicy: null, Policies: [{ Type: 'Pods', Value: 1, PeriodSeconds: 30 }], Tolerance: null },
    });
    expect(JSON.parse(ann[CONDITIONS_ANNOTATION]!)).toEqual(conditions);
    expect(ann[METRIC_STATUSES_ANNOTATION]).toBeUndefined();
    const back = hpaV1ToV2(v1);
    // As in Kubernetes, the CPU metric comes back after the others.
    expect(back.spec).toEqual({ ...(stored.spec as object), metrics: [memory, cpu(70)] });
    expect((back.status as { conditions: unknown }).conditions).toEqual(conditions);
    expect(back.metadata.annotations).toBeUndefined();
  });

  it('keeps the user annotations on both sides', () => {
    const stored = v2({ metrics: [cpu(80)] });
    stored.metadata.annotations = { team: 'web' };
    expect(hpaV2ToV1(stored).metadata.annotations).toEqual({ team: 'web' });
    expect(hpaV1ToV2(hpaV2ToV1(stored)).metadata.annotations).toEqual({ team: 'web' });
  });
});

describe('autoscaling/v1 defaults and validation', () => {
  const v1 = (spec: Record<string, unknown>): HorizontalPodAutoscalerV1 => ({
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: ref, maxReplicas: 5, ...spec },
  });

  it('defaults minReplicas to 1 and the CPU target to 80%, as v2 defaulting does', () => {
    const h = v1({});
    defaultHorizontalPodAutoscalerV1(h);
    expect(h.spec).toEqual({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 80 });
  });

  it('reports errors at the v2 fields the object is stored as', () => {
    const h = v1({ minReplicas: 1, targetCPUUtilizationPercentage: 0 });
    const errs = validateHorizontalPodAutoscalerV1(h).map((e) => `${e.field}: ${fieldErrorMessage(e)}`);
    expect(errs).toEqual([expect.stringContaining('spec.metrics[0].resource.target.averageUtilization')]);
  });
});
