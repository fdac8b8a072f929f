// kubectl describe for batch: Job (parallelism, completions, timing, pod
// counts) and CronJob (schedule, history limits, job template, active jobs).
import type { CronJob, Job, JobTemplateSpec } from '../../api/batch/v1.js';
import type { Event } from '../../api/core/v1.js';
import { labelSelectorToString } from '../../machinery/labels.js';
import { humanDuration } from '../../printers/duration.js';
import { describeEvents } from './events.js';
import { controllerString, printAnnotationsMultiline, printBoolPtr, printLabelsMultiline, writeNameNamespace } from './multiline.js';
import { describePodTemplate } from './podtemplate.js';
import { rfc1123z } from './time.js';
import { LEVEL_0, tabbedString, type PrefixWriter } from './writer.js';

function selectorLine(sel: Job['spec']['selector']): string {
  try {
    return `Selector:\t${labelSelectorToString(sel)}\n`;
  } catch (e) {
    return `Selector:\tFailed to get selector: ${e instanceof Error ? e.message : String(e)}\n`;
  }
}

/** capIndexesListOrNone: a list of indexes cut after about softLimit characters. */
export function capIndexes(indexes: string | undefined, softLimit: number): string {
  if (!indexes) return '<none>';
  let ix = softLimit;
  for (; ix < indexes.length; ix++) if (indexes[ix] === ',') break;
  if (ix >= indexes.length) return indexes;
  return `${indexes.slice(0, ix + 1)}...`;
}

export function describeJob(job: Job, events: Event[] | undefined, now: number): string {
  return tabbedString((w) => {
    const spec = job.spec;
    const st = job.status ?? {};
    writeNameNamespace(w, job.metadata);
    w.write(LEVEL_0, selectorLine(spec.selector));
    printLabelsMultiline(w, 'Labels', job.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', job.metadata.annotations);
    const controlledBy = controllerString(job.metadata);
    if (controlledBy) w.write(LEVEL_0, `Controlled By:\t${controlledBy}\n`);
    if (spec.parallelism !== undefined) w.write(LEVEL_0, `Parallelism:\t${spec.parallelism}\n`);
    w.write(LEVEL_0, `Completions:\t${spec.completions ?? '<unset>'}\n`);
    if (spec.completionMode) w.write(LEVEL_0, `Completion Mode:\t${spec.completionMode}\n`);
    if (spec.suspend !== undefined) w.write(LEVEL_0, `Suspend:\t${spec.suspend}\n`);
    if (spec.backoffLimit !== undefined) w.write(LEVEL_0, `Backoff Limit:\t${spec.backoffLimit}\n`);
    if (spec.ttlSecondsAfterFinished !== undefined) w.write(LEVEL_0, `TTL Seconds After Finished:\t${spec.ttlSecondsAfterFinished}\n`);
    if (st.startTime) w.write(LEVEL_0, `Start Time:\t${rfc1123z(st.startTime)}\n`);
    if (st.completionTime) w.write(LEVEL_0, `Completed At:\t${rfc1123z(st.completionTime)}\n`);
    if (st.startTime && st.completionTime) {
      w.write(LEVEL_0, `Duration:\t${humanDuration(Date.parse(st.completionTime) - Date.parse(st.startTime))}\n`);
    }
    if (spec.activeDeadlineSeconds !== undefined) w.write(LEVEL_0, `Active Deadline Seconds:\t${spec.activeDeadlineSeconds}s\n`);
    const counts = `${st.succeeded ?? 0} Succeeded / ${st.failed ?? 0} Failed`;
    if (st.ready === undefined) w.write(LEVEL_0, `Pods Statuses:\t${st.active ?? 0} Active / ${counts}\n`);
    else w.write(LEVEL_0, `Pods Statuses:\t${st.active ?? 0} Active (${st.ready} Ready) / ${counts}\n`);
    if (spec.completionMode === 'Indexed') w.write(LEVEL_0, `Completed Indexes:\t${capIndexes(st.completedIndexes, 50)}\n`);
    describePodTemplate(spec.template, w);
    if (events) describeEvents(w, events, now);
  });
}

function describeJobTemplate(t: JobTemplateSpec, w: PrefixWriter): void {
  if (t.spec.selector) w.write(LEVEL_0, selectorLine(t.spec.selector));
  else w.write(LEVEL_0, 'Selector:\t<unset>\n');
  w.write(LEVEL_0, `Parallelism:\t${t.spec.parallelism ?? '<unset>'}\n`);
  w.write(LEVEL_0, `Completions:\t${t.spec.completions ?? '<unset>'}\n`);
  if (t.spec.activeDeadlineSeconds !== undefined) w.write(LEVEL_0, `Active Deadline Seconds:\t${t.spec.activeDeadlineSeconds}s\n`);
  describePodTemplate(t.spec.template, w);
}

export function describeCronJob(cj: CronJob, events: Event[] | undefined, now: number): string {
  return tabbedString((w) => {
    const spec = cj.spec;
    writeNameNamespace(w, cj.metadata);
    printLabelsMultiline(w, 'Labels', cj.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', cj.metadata.annotations);
    w.write(LEVEL_0, `Schedule:\t${spec.schedule ?? ''}\n`);
    w.write(LEVEL_0, `Concurrency Policy:\t${spec.concurrencyPolicy ?? ''}\n`);
    w.write(LEVEL_0, `Suspend:\t${printBoolPtr(spec.suspend)}\n`);
    w.write(LEVEL_0, `Successful Job History Limit:\t${spec.successfulJobsHistoryLimit ?? '<unset>'}\n`);
    w.write(LEVEL_0, `Failed Job History Limit:\t${spec.failedJobsHistoryLimit ?? '<unset>'}\n`);
    w.write(
      LEVEL_0,
      `Starting Deadline Seconds:\t${spec.startingDeadlineSeconds === undefined ? '<unset>' : `${spec.startingDeadlineSeconds}s`}\n`,
    );
    describeJobTemplate(spec.jobTemplate, w);
    const last = cj.status?.lastScheduleTime;
    w.write(LEVEL_0, `Last Schedule Time:\t${last ? rfc1123z(last) : '<unset>'}\n`);
    const active = cj.status?.active ?? [];
    w.write(LEVEL_0, 'Active Jobs:\t');
    if (active.length === 0) w.writeLine('<none>');
    else w.writeLine(active.map((j) => j.name ?? '').join(', '));
    if (events) describeEvents(w, events, now);
  });
}
