import { describe, expect, it } from 'vitest';
import { findUnknownFields } from '../decode.js';
import { fieldErrorMessage, type FieldErrors } from '../validation/field.js';
import { defaultHorizontalPodAutoscaler } from './defaults.js';
import { Scale } from './v1.js';
import { HorizontalPodAutoscaler } from './v2.js';
import { validateHorizontalPodAutoscaler } from './validation.js';

const messages = (errs: FieldErrors) => errs.map((e) => `${e.field}: ${fieldErrorMessage(e)}`);

function hpa(spec: Record<string, unknown> = {}) {
  const h = HorizontalPodAutoscaler.parse({
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, ...spec },
  });
  defaultHorizontalPodAutoscaler(h);
  return h;
}

const cpu = (target: Record<string, unknown>) => ({ type: 'Resource', resource: { name: 'cpu', target } });

describe('HorizontalPodAutoscaler defaults', () => {
  it('defaults minReplicas to 1 and an empty metric list to 80% CPU', () => {
    const h = hpa();
    expect(h.spec.minReplicas).toBe(1);
    expect(h.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    expect(h.spec.behavior).toBeUndefined();
  });

  it('keeps the metrics given', () => {
    const metrics = [cpu({ type: 'AverageValue', averageValue: '500m' })];
    expect(hpa({ metrics }).spec.metrics).toEqual(metrics);
  });

  it('fills a given behavior with the default scaling rules, keeping what was set', () => {
    const h = hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
    expect(h.spec.behavior).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
    expect(hpa({ behavior: {} }).spec.behavior?.scaleDown?.stabilizationWindowSeconds).toBeUndefined();
  });
});

describe('HorizontalPodAutoscaler validation', () => {
  it('accepts a defaulted autoscaler', () => {
    expect(validateHorizontalPodAutoscaler(hpa())).toEqual([]);
  });

  it('requires minReplicas >= 1 and maxReplicas >= minReplicas', () => {
    expect(messages(validateHorizontalPodAutoscaler(hpa({ minReplicas: 0 })))).toEqual([
      'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
      'spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas',
    ]);
    expect(messages(validateHorizontalPodAutoscaler(hpa({ minReplicas: 6 })))).toEqual([
      'spec.maxReplicas: Invalid value: 5: must be greater than or equal to `minReplicas`',
    ]);
    expect(messages(validateHorizontalPodAutoscaler(hpa({ maxReplicas: 0 })))).toEqual([
      'spec.maxReplicas: Invalid value: 0: must be greater than 0',
      'spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`',
    ]);
  });

  it('lets an autoscaler already at minReplicas 0 keep it on update', () => {
    const old = hpa({ minReplicas: 0, metrics: [{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '10' } } }] });
    expect(validateHorizontalPodAutoscaler(old, old)).toEqual([]);
  });

  it('requires a scale target kind and name that are path segments', () => {
    expect(messages(validateHorizontalPodAutoscaler(hpa({ scaleTargetRef: { name: 'a/b' } })))).toEqual([
      'spec.scaleTargetRef.kind: Required value',
      "spec.scaleTargetRef.name: Invalid value: \"a/b\": may not contain '/'",
    ]);
  });

  it('checks metric targets', () => {
    expect(messages(validateHorizontalPodAutoscaler(hpa({ metrics: [cpu({ type: 'Utilization', averageUtilization: 0 })] })))).toEqual([
      'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
    ]);
    expect(messages(validateHorizontalPodAutoscaler(hpa({ metrics: [cpu({ type: 'Percent', averageValue: '-1', averageUtilization: 50 })] })))).toEqual([
      'spec.metrics[0].resource.target.type: Invalid value: "Percent": must be either Utilization, Value, or AverageValue',
      'spec.metrics[0].resource.target.averageValue: Invalid value: "-1": must be positive',
      'spec.metrics[0].resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization',
    ]);
    expect(messages(validateHorizontalPodAutoscaler(hpa({ metrics: [cpu({ type: 'Utilization' })] })))).toEqual([
      'spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization',
    ]);
  });

  it('checks metric source types and that exactly the named source is given', () => {
    expect(messages(validateHorizontalPodAutoscaler(hpa({ metrics: [{ type: 'Pods' }] })))).toEqual([
      'spec.metrics[0].pods: Required value: must populate information for the given metric source',
    ]);
    const both = { ...cpu({ type: 'Utilization', averageUtilization: 50 }), pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1' } } };
    expect(messages(validateHorizontalPodAutoscaler(hpa({ metrics: [both] })))).toEqual([
      'spec.metrics[0].pods: Forbidden: must populate the given metric source only',
    ]);
    // Kubernetes' type check and its switch both fire; the Status message shows it once.
    expect(messages(validateHorizontalPodAutoscaler(hpa({ metrics: [{ type: 'Magic' }] })))).toEqual([
      'spec.metrics[0].type: Unsupported value: "Magic": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
      'spec.metrics[0].type: Unsupported value: "Magic": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
    ]);
  });

  it('checks container resource metrics', () => {
    const metric = { type: 'ContainerResource', containerResource: { name: 'gpu', container: 'App', target: { type: 'Utilization', averageUtilization: 50 } } };
    expect(messages(validateHorizontalPodAutoscaler(hpa({ metrics: [metric] })))).toEqual([
      'spec.metrics[0].containerResource.name: Invalid value: "gpu": must be a standard resource for containers',
      expect.stringMatching(/^spec\.metrics\[0\]\.containerResource\.container: Invalid value: "App": a lowercase RFC 1123 label/),
    ]);
  });

  it('checks scaling behavior', () => {
    const h = hpa({
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 4000, selectPolicy: 'Most', policies: [{ type: 'Nodes', value: 0, periodSeconds: 1801 }] },
        scaleDown: { policies: [] },
      },
    });
    expect(messages(validateHorizontalPodAutoscaler(h))).toEqual([
      'spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600',
      'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Most": supported values: "Disabled", "Max", "Min"',
      'spec.behavior.scaleUp.policies[0].type: Unsupported value: "Nodes": supported values: "Percent", "Pods"',
      'spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero',
      'spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800',
      'spec.behavior.scaleDown.policies: Required value: must specify at least one Policy',
    ]);
  });
});

describe('autoscaling/v1 Scale', () => {
  it('parses a scale subresource body', () => {
    const s = Scale.parse({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 3 }, status: { replicas: 1, selector: 'app=web' } });
    expect(s.spec.replicas).toBe(3);
    expect(s.status?.selector).toBe('app=web');
  });
});

describe('a HorizontalPodAutoscaler as Kubernetes serves it', () => {
  it('keeps every field, metrics and status included', () => {
    const served = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        behavior: {
          scaleDown: { policies: [{ periodSeconds: 15, type: 'Percent', value: 100 }], selectPolicy: 'Max', stabilizationWindowSeconds: 300 },
          scaleUp: { policies: [{ periodSeconds: 15, type: 'Pods', value: 4 }], selectPolicy: 'Max', stabilizationWindowSeconds: 0 },
        },
        maxReplicas: 10,
        metrics: [
          { resource: { name: 'cpu', target: { averageUtilization: 50, type: 'Utilization' } }, type: 'Resource' },
          { containerResource: { container: 'app', name: 'memory', target: { averageValue: '100Mi', type: 'AverageValue' } }, type: 'ContainerResource' },
          { pods: { metric: { name: 'rps', selector: { matchLabels: { a: 'b' } } }, target: { averageValue: '10', type: 'AverageValue' } }, type: 'Pods' },
          {
            object: {
              describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' },
              metric: { name: 'requests' },
              target: { type: 'Value', value: '2k' },
            },
            type: 'Object',
          },
          { external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } }, type: 'External' },
        ],
        minReplicas: 1,
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      },
      status: {
        conditions: [{ lastTransitionTime: '2024-11-19T10:00:00Z', message: 'ok', reason: 'ReadyForNewScale', status: 'True', type: 'AbleToScale' }],
        currentMetrics: [
          { resource: { current: { averageUtilization: 12, averageValue: '6m' }, name: 'cpu' }, type: 'Resource' },
          { object: { current: { value: '1500' }, describedObject: { kind: 'Ingress', name: 'main' }, metric: { name: 'requests' } }, type: 'Object' },
        ],
        currentReplicas: 1,
        desiredReplicas: 1,
        lastScaleTime: '2024-11-19T10:00:00Z',
        observedGeneration: 1,
      },
    };
    expect(findUnknownFields(HorizontalPodAutoscaler, served)).toEqual([]);
    expect(HorizontalPodAutoscaler.parse(served)).toEqual(served);
  });
});
