import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HorizontalPodAutoscaler } from '../../api/autoscaling/v2.js';
import { describeHorizontalPodAutoscaler } from './hpa.js';

const tz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  process.env.TZ = tz;
});

const now = Date.parse('2024-05-01T12:10:00Z');

const hpa: HorizontalPodAutoscaler = {
  metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T12:00:00Z' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 1,
    maxReplicas: 5,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
  },
  status: {
    currentReplicas: 3,
    desiredReplicas: 3,
    conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" }],
  },
};

describe('describeHorizontalPodAutoscaler', () => {
  it('prints metrics as current / target, replica bounds and conditions', () => {
    expect(describeHorizontalPodAutoscaler(hpa, [], now)).toBe(
      [
        "Name:                                                  web",
        "Namespace:                                             default",
        "Labels:                                                <none>",
        "Annotations:                                           <none>",
        "CreationTimestamp:                                     Wed, 01 May 2024 12:00:00 +0000",
        "Reference:                                             Deployment/web",
        "Metrics:                                               ( current / target )",
        "  resource cpu on pods  (as a percentage of request):  <unknown> / 50%",
        "Min replicas:                                          1",
        "Max replicas:                                          5",
        "Deployment pods:                                       3 current / 3 desired",
        "Conditions:",
        "  Type         Status  Reason             Message",
        "  ----         ------  ------             -------",
        "  AbleToScale  True    SucceededGetScale  the HPA controller was able to get the target's current scale",
        "Events:        <none>",
        '',
      ].join('\n'),
    );
  });

  it('shows the measured utilization once there is one, and the behavior when set', () => {
    const measured: HorizontalPodAutoscaler = {
      ...hpa,
      spec: {
        ...hpa.spec,
        metrics: [
          ...(hpa.spec.metrics ?? []),
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } },
      },
      status: { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '6m' } } }] },
    };
    const text = describeHorizontalPodAutoscaler(measured, undefined, now);
    expect(text).toMatch(/^  resource cpu on pods  \(as a percentage of request\):\s+12% \(6m\) \/ 50%$/m);
    expect(text).toMatch(/^  "qps" on pods:\s+<unknown> \/ 10$/m);
    expect(text).toContain('Behavior:\n  Scale Down:\n    Stabilization Window: 300 seconds\n    Select Policy: Max\n    Policies:\n');
    expect(text).toMatch(/^      - Type: Percent\s+Value: 100\s+Period: 15 seconds$/m);
  });
});
