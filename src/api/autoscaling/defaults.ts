// autoscaling/v2 defaulting (k8s.io/kubernetes/pkg/apis/autoscaling/v2/defaults.go).
import type { KubeObject } from '../meta.js';
import { hpaV1ToV2, hpaV2ToV1 } from './conversion.js';
import type { HorizontalPodAutoscalerV1 } from './v1.js';
import type { HorizontalPodAutoscaler, HPAScalingRules } from './v2.js';

/** The CPU utilization an HPA without metrics targets. */
export const DEFAULT_CPU_UTILIZATION = 80;

const defaultScaleUpRules = (): HPAScalingRules => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
});

// No stabilization window: the controller's --horizontal-pod-autoscaler-downscale-stabilization
// flag supplies it, so the API must not fix one.
const defaultScaleDownRules = (): HPAScalingRules => ({
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
});

/** copyHPAScalingRules: the user's fields over the defaults. */
function withDefaults(rules: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  if (!rules) return defaults;
  return {
    ...defaults,
    ...(rules.stabilizationWindowSeconds !== undefined && { stabilizationWindowSeconds: rules.stabilizationWindowSeconds }),
    ...(rules.selectPolicy !== undefined && { selectPolicy: rules.selectPolicy }),
    ...(rules.policies !== undefined && { policies: rules.policies }),
    ...(rules.tolerance !== undefined && { tolerance: rules.tolerance }),
  };
}

export function defaultHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): void {
  const spec = hpa.spec;
  spec.minReplicas ??= 1;
  if (!spec.metrics || spec.metrics.length === 0) {
    spec.metrics = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } },
    ];
  }
  if (spec.behavior) {
    spec.behavior.scaleUp = withDefaults(spec.behavior.scaleUp, defaultScaleUpRules());
    spec.behavior.scaleDown = withDefaults(spec.behavior.scaleDown, defaultScaleDownRules());
  }
}

/** autoscaling/v1 defaulting is v2's seen through the conversion: minReplicas 1, 80% CPU when no metric is given. */
export function defaultHorizontalPodAutoscalerV1(hpa: HorizontalPodAutoscalerV1): void {
  const v2 = hpaV1ToV2(hpa as unknown as KubeObject);
  defaultHorizontalPodAutoscaler(v2 as unknown as HorizontalPodAutoscaler);
  const back = hpaV2ToV1(v2) as unknown as HorizontalPodAutoscalerV1;
  // The store holds on to the metadata object it was given: change it in place.
  if (back.metadata.annotations) hpa.metadata.annotations = back.metadata.annotations;
  else delete hpa.metadata.annotations;
  hpa.spec = back.spec;
}
