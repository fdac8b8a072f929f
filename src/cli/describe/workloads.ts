// kubectl describe for the apps workloads: Deployment (replica counts,
// strategy, conditions, old and new ReplicaSets), ReplicaSet, StatefulSet
// and DaemonSet (pod phase counts of the pods they control).
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../api/apps/v1.js';
import type { Event, PersistentVolumeClaim, Pod } from '../../api/core/v1.js';
import { formatLabelSelector, labelSelectorToString } from '../../machinery/labels.js';
import { formatLabels } from '../../printers/cells.js';
import { describeEvents } from './events.js';
import { controllerString, printAnnotationsMultiline, printLabelsMultiline, writeNameNamespace } from './multiline.js';
import { describePodTemplate } from './podtemplate.js';
import { rfc1123z } from './time.js';
import { LEVEL_0, LEVEL_1, tabbedString, type PrefixWriter } from './writer.js';

/** getPodStatusForController: phases of the pods this controller owns; or why they could not be listed. */
export type PodPhaseCounts = { running: number; waiting: number; succeeded: number; failed: number } | { error: string };

export function countPodPhases(pods: Pod[], controllerUid: string | undefined): PodPhaseCounts {
  const counts = { running: 0, waiting: 0, succeeded: 0, failed: 0 };
  for (const pod of pods) {
    const ref = pod.metadata.ownerReferences?.find((o) => o.controller === true);
    if (!ref || ref.uid !== controllerUid) continue;
    switch (pod.status?.phase) {
      case 'Running':
        counts.running++;
        break;
      case 'Pending':
        counts.waiting++;
        break;
      case 'Succeeded':
        counts.succeeded++;
        break;
      case 'Failed':
        counts.failed++;
        break;
    }
  }
  return counts;
}

function podsStatus(c: PodPhaseCounts): string {
  if ('error' in c) return `error in fetching pods: ${c.error}`;
  return `${c.running} Running / ${c.waiting} Waiting / ${c.succeeded} Succeeded / ${c.failed} Failed`;
}

/** labels.Selector.String() of a LabelSelector. */
function selectorString(sel: Deployment['spec']['selector']): string {
  try {
    return labelSelectorToString(sel);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** IntOrString.String() of an optional pointer. */
const intOrStringPtr = (v: number | string | undefined): string => (v === undefined ? '<nil>' : String(v));

/** printReplicaSetsByLabels. */
function replicaSetList(rss: ReplicaSet[]): string {
  const list = rss.map((rs) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec.replicas ?? 0} replicas created)`).join(', ');
  return list || '<none>';
}

export function describeDeployment(
  d: Deployment,
  oldRSs: ReplicaSet[],
  newRS: ReplicaSet | undefined,
  events: Event[] | undefined,
  now: number,
): string {
  return tabbedString((w) => {
    const st = d.status ?? {};
    writeNameNamespace(w, d.metadata);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(d.metadata.creationTimestamp)}\n`);
    printLabelsMultiline(w, 'Labels', d.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', d.metadata.annotations);
    w.write(LEVEL_0, `Selector:\t${selectorString(d.spec.selector)}\n`);
    w.write(
      LEVEL_0,
      `Replicas:\t${d.spec.replicas ?? 1} desired | ${st.updatedReplicas ?? 0} updated | ${st.replicas ?? 0} total | ${st.availableReplicas ?? 0} available | ${st.unavailableReplicas ?? 0} unavailable\n`,
    );
    w.write(LEVEL_0, `StrategyType:\t${d.spec.strategy?.type ?? ''}\n`);
    w.write(LEVEL_0, `MinReadySeconds:\t${d.spec.minReadySeconds ?? 0}\n`);
    const ru = d.spec.strategy?.rollingUpdate;
    if (ru) {
      w.write(LEVEL_0, `RollingUpdateStrategy:\t${intOrStringPtr(ru.maxUnavailable)} max unavailable, ${intOrStringPtr(ru.maxSurge)} max surge\n`);
    }
    describePodTemplate(d.spec.template, w);
    if (st.conditions && st.conditions.length > 0) {
      w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tReason\n');
      w.write(LEVEL_1, '----\t------\t------\n');
      for (const c of st.conditions) w.write(LEVEL_1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
    }
    if (oldRSs.length > 0 || newRS) {
      w.write(LEVEL_0, `OldReplicaSets:\t${replicaSetList(oldRSs)}\n`);
      w.write(LEVEL_0, `NewReplicaSet:\t${replicaSetList(newRS ? [newRS] : [])}\n`);
    }
    if (events) describeEvents(w, events, now);
  });
}

function writeConditionsTypeStatusReason(w: PrefixWriter, conditions: { type: string; status: string; reason?: string | undefined }[] | undefined): void {
  if (!conditions || conditions.length === 0) return;
  w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tReason\n');
  w.write(LEVEL_1, '----\t------\t------\n');
  for (const c of conditions) w.write(LEVEL_1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
}

export function describeReplicaSet(rs: ReplicaSet, pods: PodPhaseCounts, events: Event[] | undefined, now: number): string {
  return tabbedString((w) => {
    writeNameNamespace(w, rs.metadata);
    w.write(LEVEL_0, `Selector:\t${formatLabelSelector(rs.spec.selector)}\n`);
    printLabelsMultiline(w, 'Labels', rs.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', rs.metadata.annotations);
    const controlledBy = controllerString(rs.metadata);
    if (controlledBy) w.write(LEVEL_0, `Controlled By:\t${controlledBy}\n`);
    w.write(LEVEL_0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${rs.spec.replicas ?? 1} desired\n`);
    w.write(LEVEL_0, `Pods Status:\t${podsStatus(pods)}\n`);
    describePodTemplate(rs.spec.template, w);
    writeConditionsTypeStatusReason(w, rs.status?.conditions);
    if (events) describeEvents(w, events, now);
  });
}

/** GetPersistentVolumeClaimClass: the class field, or the beta annotation older claims use. */
function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? pvc.spec?.storageClassName ?? '';
}

function describeVolumeClaimTemplates(templates: PersistentVolumeClaim[] | undefined, w: PrefixWriter): void {
  if (!templates || templates.length === 0) {
    w.write(LEVEL_0, 'Volume Claims:\t<none>\n');
    return;
  }
  w.write(LEVEL_0, 'Volume Claims:\n');
  for (const pvc of templates) {
    w.write(LEVEL_1, `Name:\t${pvc.metadata.name ?? ''}\n`);
    w.write(LEVEL_1, `StorageClass:\t${claimClass(pvc)}\n`);
    printLabelsMultiline(w, 'Labels', pvc.metadata.labels, '  ');
    // kubectl prints claim template annotations with its label printer: key=value.
    printLabelsMultiline(w, 'Annotations', pvc.metadata.annotations, '  ');
    const capacity = pvc.spec?.resources?.requests?.storage;
    w.write(LEVEL_1, `Capacity:\t${capacity ?? '<default>'}\n`);
    w.write(LEVEL_1, `Access Modes:\t[${(pvc.spec?.accessModes ?? []).join(' ')}]\n`);
  }
}

export function describeStatefulSet(sts: StatefulSet, pods: PodPhaseCounts, events: Event[] | undefined, now: number): string {
  return tabbedString((w) => {
    writeNameNamespace(w, sts.metadata);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(sts.metadata.creationTimestamp)}\n`);
    w.write(LEVEL_0, `Selector:\t${selectorString(sts.spec.selector)}\n`);
    printLabelsMultiline(w, 'Labels', sts.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', sts.metadata.annotations);
    w.write(LEVEL_0, `Replicas:\t${sts.spec.replicas ?? 1} desired | ${sts.status?.replicas ?? 0} total\n`);
    w.write(LEVEL_0, `Update Strategy:\t${sts.spec.updateStrategy?.type ?? ''}\n`);
    const ru = sts.spec.updateStrategy?.rollingUpdate;
    if (ru && ru.partition !== undefined) {
      w.write(LEVEL_1, `Partition:\t${ru.partition}\n`);
      if (ru.maxUnavailable !== undefined) w.write(LEVEL_1, `MaxUnavailable:\t${ru.maxUnavailable}\n`);
    }
    w.write(LEVEL_0, `Pods Status:\t${podsStatus(pods)}\n`);
    describePodTemplate(sts.spec.template, w);
    describeVolumeClaimTemplates(sts.spec.volumeClaimTemplates, w);
    if (events) describeEvents(w, events, now);
  });
}

export function describeDaemonSet(ds: DaemonSet, pods: PodPhaseCounts, events: Event[] | undefined, now: number): string {
  return tabbedString((w) => {
    const st = ds.status ?? {};
    // kubectl names no namespace for a DaemonSet.
    w.write(LEVEL_0, `Name:\t${ds.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Selector:\t${selectorString(ds.spec.selector)}\n`);
    w.write(LEVEL_0, `Node-Selector:\t${formatLabels(ds.spec.template.spec?.nodeSelector)}\n`);
    printLabelsMultiline(w, 'Labels', ds.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', ds.metadata.annotations);
    w.write(LEVEL_0, `Desired Number of Nodes Scheduled: ${st.desiredNumberScheduled ?? 0}\n`);
    w.write(LEVEL_0, `Current Number of Nodes Scheduled: ${st.currentNumberScheduled ?? 0}\n`);
    w.write(LEVEL_0, `Number of Nodes Scheduled with Up-to-date Pods: ${st.updatedNumberScheduled ?? 0}\n`);
    w.write(LEVEL_0, `Number of Nodes Scheduled with Available Pods: ${st.numberAvailable ?? 0}\n`);
    w.write(LEVEL_0, `Number of Nodes Misscheduled: ${st.numberMisscheduled ?? 0}\n`);
    w.write(LEVEL_0, `Pods Status:\t${podsStatus(pods)}\n`);
    describePodTemplate(ds.spec.template, w);
    if (events) describeEvents(w, events, now);
  });
}
