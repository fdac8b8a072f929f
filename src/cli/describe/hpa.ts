// kubectl describe horizontalpodautoscaler (autoscaling/v2): target, each
// metric as "current / target", replica bounds, behavior, conditions.
import type { HorizontalPodAutoscaler, HPAScalingRules, MetricSpec, MetricStatus } from '../../api/autoscaling/v2.js';
import type { Event } from '../../api/core/v1.js';
import { quantityString } from '../../printers/cells.js';
import { goQuote } from '../../machinery/goformat.js';
import { describeEvents } from './events.js';
import { printAnnotationsMultiline, printLabelsMultiline, writeNameNamespace } from './multiline.js';
import { rfc1123z } from './time.js';
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, tabbedString, type PrefixWriter } from './writer.js';

function describeMetric(w: PrefixWriter, metric: MetricSpec, current: MetricStatus | undefined): void {
  const unknown = '<unknown>';
  switch (metric.type) {
    case 'External': {
      const ext = metric.external;
      const name = goQuote(ext?.metric?.name ?? '');
      if (ext?.target?.averageValue !== undefined) {
        const measured = current?.external?.current?.averageValue;
        const cur = measured !== undefined ? quantityString(measured) : unknown;
        w.write(LEVEL_1, `${name} (target average value):\t${cur} / ${quantityString(ext.target.averageValue)}\n`);
      } else {
        const cur = current?.external ? quantityString(current.external.current?.value) : unknown;
        w.write(LEVEL_1, `${name} (target value):\t${cur} / ${quantityString(ext?.target?.value)}\n`);
      }
      return;
    }
    case 'Pods': {
      const cur = current?.pods ? quantityString(current.pods.current?.averageValue) : unknown;
      w.write(LEVEL_1, `${goQuote(metric.pods?.metric?.name ?? '')} on pods:\t${cur} / ${quantityString(metric.pods?.target?.averageValue)}\n`);
      return;
    }
    case 'Object': {
      const obj = metric.object;
      w.write(LEVEL_1, `"${obj?.metric?.name ?? ''}" on ${obj?.describedObject?.kind ?? ''}/${obj?.describedObject?.name ?? ''} `);
      if (obj?.target?.type === 'AverageValue') {
        const cur = current?.object ? quantityString(current.object.current?.averageValue) : unknown;
        w.write(LEVEL_0, `(target average value):\t${cur} / ${quantityString(obj.target.averageValue)}\n`);
      } else {
        const cur = current?.object ? quantityString(current.object.current?.value) : unknown;
        w.write(LEVEL_0, `(target value):\t${cur} / ${quantityString(obj?.target?.value)}\n`);
      }
      return;
    }
    case 'Resource':
    case 'ContainerResource': {
      const res = metric.type === 'Resource' ? metric.resource : metric.containerResource;
      const cur = metric.type === 'Resource' ? current?.resource : current?.containerResource;
      if (metric.type === 'Resource') w.write(LEVEL_1, `resource ${res?.name ?? ''} on pods`);
      else w.write(LEVEL_1, `resource ${res?.name ?? ''} of container "${metric.containerResource?.container ?? ''}" on pods`);
      if (res?.target?.averageValue !== undefined) {
        const c = cur ? quantityString(cur.current?.averageValue) : unknown;
        w.write(LEVEL_0, `:\t${c} / ${quantityString(res.target.averageValue)}\n`);
      } else {
        const util = cur?.current?.averageUtilization;
        const c = util !== undefined ? `${util}% (${quantityString(cur?.current?.averageValue)})` : unknown;
        const target = res?.target?.averageUtilization !== undefined ? `${res.target.averageUtilization}%` : '<auto>';
        w.write(LEVEL_1, `(as a percentage of request):\t${c} / ${target}\n`);
      }
      return;
    }
    default:
      w.write(LEVEL_1, `<unknown metric type ${goQuote(metric.type ?? '')}>\n`);
  }
}

function describeBehavior(w: PrefixWriter, direction: string, rules: HPAScalingRules | undefined): void {
  if (!rules) return;
  w.write(LEVEL_1, `${direction}:\n`);
  if (rules.stabilizationWindowSeconds !== undefined) w.write(LEVEL_2, `Stabilization Window: ${rules.stabilizationWindowSeconds} seconds\n`);
  if (rules.policies && rules.policies.length > 0) {
    w.write(LEVEL_2, `Select Policy: ${rules.selectPolicy ?? 'Max'}\n`);
    w.write(LEVEL_2, 'Policies:\n');
    for (const p of rules.policies) w.write(LEVEL_3, `- Type: ${p.type ?? ''}\tValue: ${p.value ?? 0}\tPeriod: ${p.periodSeconds ?? 0} seconds\n`);
  }
}

export function describeHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler, events: Event[] | undefined, now: number): string {
  return tabbedString((w) => {
    const spec = hpa.spec;
    const st = hpa.status ?? {};
    writeNameNamespace(w, hpa.metadata);
    printLabelsMultiline(w, 'Labels', hpa.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', hpa.metadata.annotations);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(hpa.metadata.creationTimestamp)}\n`);
    w.write(LEVEL_0, `Reference:\t${spec.scaleTargetRef.kind}/${spec.scaleTargetRef.name}\n`);
    w.write(LEVEL_0, 'Metrics:\t( current / target )\n');
    (spec.metrics ?? []).forEach((m, i) => describeMetric(w, m, st.currentMetrics?.[i]));
    w.write(LEVEL_0, `Min replicas:\t${spec.minReplicas ?? '<unset>'}\n`);
    w.write(LEVEL_0, `Max replicas:\t${spec.maxReplicas ?? 0}\n`);
    if (spec.behavior) {
      w.write(LEVEL_0, 'Behavior:\n');
      describeBehavior(w, 'Scale Up', spec.behavior.scaleUp);
      describeBehavior(w, 'Scale Down', spec.behavior.scaleDown);
    }
    w.write(LEVEL_0, `${spec.scaleTargetRef.kind} pods:\t`);
    w.write(LEVEL_0, `${st.currentReplicas ?? 0} current / ${st.desiredReplicas ?? 0} desired\n`);
    if (st.conditions && st.conditions.length > 0) {
      w.write(LEVEL_0, 'Conditions:\n');
      w.write(LEVEL_1, 'Type\tStatus\tReason\tMessage\n');
      w.write(LEVEL_1, '----\t------\t------\t-------\n');
      for (const c of st.conditions) w.write(LEVEL_1, `${c.type}\t${c.status}\t${c.reason ?? ''}\t${c.message ?? ''}\n`);
    }
    if (events) describeEvents(w, events, now);
  });
}
