// `kubectl get hpa`: the reference, the metric targets against their current
// values, and the replica bounds.
import { age } from './duration.js';
import { ageColumn, arr, col, int, isObj, nameColumn, quantityString, rec, str, type Rec } from './cells.js';
import type { Printer } from './columns.js';
import { hpaV1ToV2 } from '../api/autoscaling/conversion.js';

const UNKNOWN = '<unknown>';

/** A value metric (Object or External): "current/target", or per pod "current/target (avg)". */
function valueMetric(source: Rec, current: Rec | undefined): string {
  const target = rec(source.target);
  const now = current === undefined ? undefined : rec(current.current);
  if (target.averageValue != null) {
    const cur = now !== undefined && now.averageValue != null ? quantityString(now.averageValue) : UNKNOWN;
    return `${cur}/${quantityString(target.averageValue)} (avg)`;
  }
  const cur = now !== undefined ? quantityString(now.value) : UNKNOWN;
  return `${cur}/${quantityString(target.value)}`;
}

/** A resource metric (Resource or ContainerResource): "cpu: 45%/80%", or by average value "memory: 100Mi/200Mi". */
function resourceMetric(source: Rec, current: Rec | undefined): string {
  const name = str(source.name);
  const target = rec(source.target);
  const now = current === undefined ? undefined : rec(current.current);
  if (target.averageValue != null) {
    const cur = now !== undefined ? quantityString(now.averageValue) : UNKNOWN;
    return `${name}: ${cur}/${quantityString(target.averageValue)}`;
  }
  const cur = now !== undefined && typeof now.averageUtilization === 'number' ? `${now.averageUtilization}%` : UNKNOWN;
  const tgt = typeof target.averageUtilization === 'number' ? `${target.averageUtilization}%` : '<auto>';
  return `${name}: ${cur}/${tgt}`;
}

/**
 * formatHPAMetrics. Kubernetes pairs each spec metric with the status metric
 * at the same index, whatever its type, and shows at most two.
 */
export function formatHPAMetrics(specs: unknown, statuses: unknown): string {
  const metrics = arr(specs);
  if (metrics.length === 0) return '<none>';
  const current = arr(statuses);
  const max = 2;
  const list = metrics.map((m, i) => {
    const status = current[i];
    const part = (field: string): Rec | undefined => (status !== undefined && isObj(status[field]) ? rec(status[field]) : undefined);
    switch (m.type) {
      case 'External':
        return valueMetric(rec(m.external), part('external'));
      case 'Object':
        return valueMetric(rec(m.object), part('object'));
      case 'Pods': {
        const pods = part('pods');
        const cur = pods !== undefined ? quantityString(rec(pods.current).averageValue) : UNKNOWN;
        return `${cur}/${quantityString(rec(rec(m.pods).target).averageValue)}`;
      }
      case 'Resource':
        return resourceMetric(rec(m.resource), part('resource'));
      case 'ContainerResource':
        return resourceMetric(rec(m.containerResource), part('containerResource'));
      default:
        return '<unknown type>';
    }
  });
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

export const horizontalpodautoscalers: Printer = {
  columns: [
    nameColumn,
    col(
      'Reference',
      'string',
      'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.',
    ),
    col(
      'Targets',
      'string',
      'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond.',
    ),
    col(
      'MinPods',
      'string',
      'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.',
    ),
    col('MaxPods', 'string', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.'),
    col('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
    ageColumn,
  ],
  row(obj, now) {
    // An autoscaling/v1 object prints as the v2 object it is stored as, as Kubernetes prints its internal object.
    const hpa = obj.apiVersion === 'autoscaling/v1' ? hpaV1ToV2(obj) : obj;
    const spec = rec(hpa.spec);
    const status = rec(hpa.status);
    const ref = rec(spec.scaleTargetRef);
    return [
      hpa.metadata.name,
      `${str(ref.kind)}/${str(ref.name)}`,
      formatHPAMetrics(spec.metrics, status.currentMetrics),
      typeof spec.minReplicas === 'number' ? String(spec.minReplicas) : '<unset>',
      int(spec.maxReplicas),
      int(status.currentReplicas),
      age(hpa.metadata.creationTimestamp, now),
    ];
  },
};
