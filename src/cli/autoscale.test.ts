import { describe, expect, it } from 'vitest';
import { findResource } from '../api/resources.js';
import { buildHorizontalPodAutoscaler, checkScalable, validateAutoscale } from './autoscale.js';

const deployments = findResource('apps', 'v1', 'deployments')!;

describe('autoscale', () => {
  it('builds an autoscaling/v2 HPA targeting the workload, with a CPU utilization metric', () => {
    expect(buildHorizontalPodAutoscaler({ info: deployments, name: 'web' }, { min: 2, max: 5, cpuPercent: 60 })).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        maxReplicas: 5,
        minReplicas: 2,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
      },
    });
  });

  it('leaves min replicas and metrics to the server when not given, and takes --name', () => {
    const hpa = buildHorizontalPodAutoscaler({ info: deployments, name: 'web' }, { min: -1, max: 3, cpuPercent: -1, name: 'web-hpa' });
    expect(hpa.metadata.name).toBe('web-hpa');
    expect(hpa.spec.minReplicas).toBeUndefined();
    expect(hpa.spec.metrics).toBeUndefined();
  });

  it("refuses what kubectl refuses, in kubectl's words", () => {
    expect(() => validateAutoscale({ min: -1, max: -1 })).toThrow('--max=MAXPODS is required and must be at least 1, max: -1');
    expect(() => validateAutoscale({ min: 5, max: 3 })).toThrow('--max=MAXPODS must be larger or equal to --min=MINPODS, max: 3, min: 5');
    expect(() => checkScalable(findResource('apps', 'v1', 'daemonsets')!)).toThrow(
      'cannot autoscale a DaemonSet: could not find scale subresource for apps/v1, Resource=daemonsets in discovery information',
    );
    expect(() => checkScalable(findResource('apps', 'v1', 'statefulsets')!)).not.toThrow();
  });
});
