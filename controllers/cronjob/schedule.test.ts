import { describe, expect, it } from 'vitest';
import { jobNameFor, mostRecentScheduleTime, nextScheduleDelayMs, parseSchedule, rfc3339InZone, type CronJobObject } from './schedule.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function cronJob(schedule: string, extra: Partial<CronJobObject['spec']> = {}, created = '2024-01-01T00:00:00Z', last?: string): CronJobObject {
  return {
    metadata: { name: 'report', namespace: 'default', creationTimestamp: created },
    spec: { schedule, jobTemplate: { spec: { template: {} } }, ...extra },
    ...(last ? { status: { lastScheduleTime: last } } : {}),
  };
}

describe('cron schedules', () => {
  it('give the next activation strictly after a time', () => {
    const s = parseSchedule('*/15 * * * *', 'UTC');
    expect(iso(s.next(at('2024-01-01T10:00:00Z')))).toBe('2024-01-01T10:15:00.000Z');
    expect(iso(s.next(at('2024-01-01T10:14:59.900Z')))).toBe('2024-01-01T10:15:00.000Z');
    expect(iso(parseSchedule('@hourly', 'UTC').next(at('2024-01-01T10:30:00Z')))).toBe('2024-01-01T11:00:00.000Z');
    expect(iso(parseSchedule('0 0 1 jan *', 'UTC').next(at('2024-03-01T00:00:00Z')))).toBe('2025-01-01T00:00:00.000Z');
  });

  it('run when either day-of-month or day-of-week matches if both are restricted, as cron does', () => {
    const s = parseSchedule('0 0 13 * 5', 'UTC');
    // 2024-09-06 is a Friday, 2024-09-13 the 13th (and a Friday).
    expect(iso(s.next(at('2024-09-01T00:00:00Z')))).toBe('2024-09-06T00:00:00.000Z');
    const weekdaysOnly = parseSchedule('0 0 * * 1-5', 'UTC');
    expect(iso(weekdaysOnly.next(at('2024-09-06T12:00:00Z')))).toBe('2024-09-09T00:00:00.000Z');
  });

  it('keep wall-clock time in spec.timeZone across daylight saving changes', () => {
    const s = parseSchedule('0 9 * * *', 'America/New_York');
    // EST (UTC-5) before 10 March 2024, EDT (UTC-4) after.
    expect(iso(s.next(at('2024-03-09T00:00:00Z')))).toBe('2024-03-09T14:00:00.000Z');
    expect(iso(s.next(at('2024-03-10T00:00:00Z')))).toBe('2024-03-10T13:00:00.000Z');
    expect(iso(parseSchedule('30 8 * * *', 'Asia/Kolkata').next(at('2024-01-01T00:00:00Z')))).toBe('2024-01-01T03:00:00.000Z');
  });

  it('accept @every as a constant delay and refuse unknown zones', () => {
    expect(iso(parseSchedule('@every 90s', 'UTC').next(at('2024-01-01T00:00:00.500Z')))).toBe('2024-01-01T00:01:30.000Z');
    expect(() => parseSchedule('* * * * *', 'Mars/Olympus')).toThrow('unknown time zone Mars/Olympus');
    expect(() => parseSchedule('61 * * * *', 'UTC')).toThrow('end of range (61) above maximum (59): 61');
  });
});

describe('missed activations', () => {
  const hourly = parseSchedule('0 * * * *', 'UTC');

  it('find none before the first activation after creation, and the latest one after', () => {
    const cj = cronJob('0 * * * *', {}, '2024-01-01T10:20:00Z');
    expect(mostRecentScheduleTime(cj, at('2024-01-01T10:59:00Z'), hourly).mostRecentMs).toBeUndefined();
    expect(iso(mostRecentScheduleTime(cj, at('2024-01-01T11:00:30Z'), hourly).mostRecentMs)).toBe('2024-01-01T11:00:00.000Z');
    const later = mostRecentScheduleTime(cj, at('2024-01-01T15:30:00Z'), hourly);
    expect(iso(later.mostRecentMs)).toBe('2024-01-01T15:00:00.000Z');
    expect(later.tooManyMissed).toBe(false);
  });

  it('count from the last scheduled time, not creation', () => {
    const cj = cronJob('0 * * * *', {}, '2024-01-01T00:00:00Z', '2024-01-01T14:00:00Z');
    expect(mostRecentScheduleTime(cj, at('2024-01-01T14:30:00Z'), hourly).mostRecentMs).toBeUndefined();
  });

  it('report more than 100 missed activations, and startingDeadlineSeconds limits the look-back', () => {
    const cj = cronJob('0 * * * *', {}, '2024-01-01T00:00:00Z');
    const r = mostRecentScheduleTime(cj, at('2024-01-10T05:10:00Z'), hourly);
    expect(r.tooManyMissed).toBe(true);
    expect(iso(r.mostRecentMs)).toBe('2024-01-10T05:00:00.000Z');
    const withDeadline = cronJob('0 * * * *', { startingDeadlineSeconds: 300 }, '2024-01-01T00:00:00Z');
    const d = mostRecentScheduleTime(withDeadline, at('2024-01-10T05:10:00Z'), hourly);
    expect(d.tooManyMissed).toBe(false);
    expect(d.mostRecentMs).toBeUndefined();
    expect(iso(mostRecentScheduleTime(withDeadline, at('2024-01-10T05:04:00Z'), hourly).mostRecentMs)).toBe('2024-01-10T05:00:00.000Z');
  });

  it('finds the right activation for irregular schedules', () => {
    const s = parseSchedule('30 6-16/4 * * 1-5', 'UTC');
    const cj = cronJob('30 6-16/4 * * 1-5', {}, '2024-09-02T00:00:00Z');
    // Monday 2 Sept 2024: 06:30, 10:30, 14:30; then Tuesday.
    expect(iso(mostRecentScheduleTime(cj, at('2024-09-03T08:00:00Z'), s).mostRecentMs)).toBe('2024-09-03T06:30:00.000Z');
  });

  it('wakes the controller just after the next activation', () => {
    const cj = cronJob('0 * * * *', {}, '2024-01-01T10:20:00Z', '2024-01-01T11:00:00Z');
    expect(nextScheduleDelayMs(cj, at('2024-01-01T11:00:01Z'), hourly)).toBe(60 * 60_000 - 1000 + 100);
  });
});

describe('job naming', () => {
  it('names a Job after the scheduled minute and stamps the time in the CronJob zone', () => {
    const cj = cronJob('* * * * *');
    expect(jobNameFor(cj, at('2024-01-01T00:01:00Z'))).toBe(`report-${at('2024-01-01T00:01:00Z') / 60_000}`);
    expect(rfc3339InZone(at('2024-07-01T13:00:00Z'), 'America/New_York')).toBe('2024-07-01T09:00:00-04:00');
    expect(rfc3339InZone(at('2024-07-01T13:00:00Z'), undefined)).toBe('2024-07-01T13:00:00Z');
  });
});
