// When a CronJob runs (Kubernetes' cronjob/utils.go over robfig/cron). The
// schedule is parsed by the same robfig-compatible parser the apiserver
// validates with (src/api/batch/cron.ts), so both agree on what a schedule
// means; the calendar arithmetic in a time zone, daylight-saving changes
// included, is cron-parser's, fed a normalized expression (explicit value
// lists, "*" kept where robfig saw a star, since a star in day-of-month or
// day-of-week changes how the two combine).
import { CronExpressionParser } from 'cron-parser';
import { isKnownTimeZone, parseCronSchedule, type CronSchedule } from '../../src/api/batch/cron.js';
import type { CronJob } from '../../src/api/batch/v1.js';
import type { KubeObject } from '../../src/api/meta.js';

export type CronJobObject = CronJob & KubeObject;

export interface Schedule {
  /** The first activation strictly after afterMs (whole seconds, as robfig's Schedule.Next). */
  next(afterMs: number): number;
}

function list(values: Set<number>): string {
  return [...values].sort((a, b) => a - b).join(',');
}

/** Splits a legacy TZ=/CRON_TZ= prefix off the schedule. */
export function splitTimeZonePrefix(schedule: string): { tz?: string; spec: string } {
  if (!schedule.startsWith('TZ=') && !schedule.startsWith('CRON_TZ=')) return { spec: schedule };
  const i = schedule.indexOf(' ');
  const tz = schedule.slice(schedule.indexOf('=') + 1, i < 0 ? undefined : i);
  return { tz, spec: i < 0 ? '' : schedule.slice(i).trim() };
}

/**
 * Parses spec.schedule for spec.timeZone (the controller's local zone when
 * absent, as Kubernetes). Throws robfig's message for an invalid schedule
 * and "unknown time zone" for a zone the IANA database lacks.
 */
export function parseSchedule(schedule: string, timeZone?: string): Schedule {
  const parsed: CronSchedule = parseCronSchedule(schedule);
  const prefix = splitTimeZonePrefix(schedule).tz;
  // A zone in the schedule itself wins, as robfig reads it.
  const tz = prefix ?? timeZone;
  if (tz !== undefined && !isKnownTimeZone(tz)) throw new Error(`unknown time zone ${tz}`);
  if (parsed.kind === 'every') {
    // ConstantDelaySchedule: at least a second, whole seconds, counted from the previous activation.
    const delayMs = Math.max(1000, Math.floor(parsed.seconds) * 1000);
    return { next: (afterMs) => Math.floor(afterMs / 1000) * 1000 + delayMs };
  }
  const expr = [
    list(parsed.minute),
    list(parsed.hour),
    parsed.domStar ? '*' : list(parsed.dom),
    list(parsed.month),
    parsed.dowStar ? '*' : list(parsed.dow),
  ].join(' ');
  // No zone: the controller's local time, as Kubernetes' time.Local.
  const zone = tz === '' ? 'UTC' : (tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
  return {
    next(afterMs) {
      // robfig starts from the next whole second; cron-parser's next() is strictly after its start.
      const from = Math.floor(afterMs / 1000) * 1000;
      const it = CronExpressionParser.parse(expr, { currentDate: new Date(from), tz: zone });
      return it.next().getTime();
    },
  };
}

export interface MostRecent {
  /** where the search for missed activations started */
  earliestMs: number;
  /** the latest activation at or before now, if any */
  mostRecentMs?: number;
  /** more than 100 activations were missed (a clock or a controller far behind) */
  tooManyMissed: boolean;
}

/**
 * mostRecentScheduleTime: the latest activation not after now since the last
 * one run (or creation), looking back no further than startingDeadlineSeconds.
 * Counts missed activations by the interval between the first two, so a
 * CronJob missed for years costs no more than one missed for minutes.
 */
export function mostRecentScheduleTime(cj: CronJobObject, nowMs: number, sched: Schedule, includeStartingDeadline = true): MostRecent {
  let earliestMs = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '');
  if (!Number.isFinite(earliestMs)) earliestMs = nowMs;
  const deadline = cj.spec.startingDeadlineSeconds;
  if (includeStartingDeadline && deadline !== undefined && deadline !== null) {
    const schedulingDeadline = nowMs - deadline * 1000;
    if (schedulingDeadline > earliestMs) earliestMs = schedulingDeadline;
  }
  const t1 = sched.next(earliestMs);
  const t2 = sched.next(t1);
  if (nowMs < t1) return { earliestMs, tooManyMissed: false };
  if (nowMs < t2) return { earliestMs, mostRecentMs: t1, tooManyMissed: false };
  const interval = Math.round((t2 - t1) / 1000);
  if (interval < 1) throw new Error('time difference between two schedules is less than 1 second');
  const elapsed = Math.floor((nowMs - t1) / 1000);
  const missed = Math.floor(elapsed / interval) + 1;
  // Start one interval early and let the schedule find the exact activations (irregular schedules such as 30 6-16/4 * * 1-5).
  const potentialEarliest = t1 + (missed - 2) * interval * 1000;
  let mostRecentMs: number | undefined;
  for (let t = sched.next(potentialEarliest); t <= nowMs; t = sched.next(t)) mostRecentMs = t;
  return { earliestMs, ...(mostRecentMs !== undefined ? { mostRecentMs } : {}), tooManyMissed: missed > 100 };
}

/** nextScheduleTimeDuration: how long until the activation after the latest one, plus 100 ms. */
export function nextScheduleDelayMs(cj: CronJobObject, nowMs: number, sched: Schedule): number | undefined {
  let mr: MostRecent;
  try {
    mr = mostRecentScheduleTime(cj, nowMs, sched, false);
  } catch {
    return undefined;
  }
  const from = mr.mostRecentMs ?? mr.earliestMs;
  return sched.next(from) + 100 - nowMs;
}

/** getJobName: <cronjob>-<scheduled time in minutes since the epoch>, the same name for the same activation. */
export function jobNameFor(cj: CronJobObject, scheduledMs: number): string {
  return `${cj.metadata.name ?? ''}-${Math.floor(scheduledMs / 60_000)}`;
}

/** time.Format(RFC3339) in a zone ("" or none: UTC): 2024-03-10T09:00:00-04:00. */
export function rfc3339InZone(ms: number, tz: string | undefined): string {
  if (!tz || tz === 'UTC') return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(ms));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const offset = get('timeZoneName').replace(/^GMT/, '');
  const zone = offset === '' ? 'Z' : offset;
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}${zone}`;
}
