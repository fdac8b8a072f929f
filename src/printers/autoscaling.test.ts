import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/meta.js';
import { formatHPAMetrics, horizontalpodautoscalers } from './autoscaling.js';

const NOW = Date.parse('2025-01-10T12:00:00Z');

const cpu = (target: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } } });
const cpuNow = (current: number) => ({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current, averageValue: '225m' } } });

function hpa(spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2025-01-05T12:00:00Z' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 10, ...spec },
    status,
  };
}

describe('horizontalpodautoscalers', () => {
  it('prints reference, cpu target against current utilization and the replica bounds', () => {
    const h = hpa({ minReplicas: 2, metrics: [cpu(80)] }, { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [cpuNow(45)] });
    expect(horizontalpodautoscalers.row(h, NOW)).toEqual(['web', 'Deployment/web', 'cpu: 45%/80%', '2', 10, 3, '5d']);
    expect(horizontalpodautoscalers.columns.map((c) => c.name)).toEqual(['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
  });

  it('prints <unknown> before metrics arrive and <unset> without a minimum', () => {
    const h = hpa({ metrics: [cpu(80)] }, { currentReplicas: 0, desiredReplicas: 0 });
    expect(horizontalpodautoscalers.row(h, NOW).slice(2, 6)).toEqual(['cpu: <unknown>/80%', '<unset>', 10, 0]);
    expect(horizontalpodautoscalers.row(hpa({}, {}), NOW)[2]).toBe('<none>');
  });
});

describe('formatHPAMetrics', () => {
  it('formats each metric type as kubectl does', () => {
    const specs = [
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'packets-per-second' }, target: { type: 'AverageValue', averageValue: '1k' } } },
    ];
    const statuses = [
      { type: 'Resource', resource: { name: 'memory', current: { averageValue: '200Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'packets-per-second' }, current: { averageValue: '1500m' } } },
    ];
    expect(formatHPAMetrics(specs, statuses)).toBe('memory: 200Mi/500Mi, 1500m/1k');

    const object = { type: 'Object', object: { describedObject: { kind: 'Ingress', name: 'main' }, metric: { name: 'rps' }, target: { type: 'Value', value: '10k' } } };
    const external = { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } };
    expect(formatHPAMetrics([object, external], [])).toBe('<unknown>/10k, <unknown>/30 (avg)');
    expect(formatHPAMetrics([object, external], [{ type: 'Object', object: { current: { value: '2k' } } }, { type: 'External', external: { current: { averageValue: '12' } } }])).toBe(
      '2k/10k, 12/30 (avg)',
    );
    const container = { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization' } } };
    expect(formatHPAMetrics([container], [])).toBe('cpu: <unknown>/<auto>');
  });

  it('shows two metrics and how many more', () => {
    expect(formatHPAMetrics([cpu(80), cpu(70), cpu(60)], [cpuNow(10), cpuNow(20), cpuNow(30)])).toBe('cpu: 10%/80%, cpu: 20%/70% + 1 more...');
  });
});
