// The cron schedule syntax CronJobs accept: robfig/cron's standard parser
// (5 fields, ranges, steps, month and weekday names, @descriptors, @every),
// with its error messages, which Kubernetes returns verbatim.

export interface CronField {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};
const WEEKDAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

export const CRON_FIELDS: readonly CronField[] = [
  { min: 0, max: 59 }, // minute
  { min: 0, max: 23 }, // hour
  { min: 1, max: 31 }, // day of month
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: WEEKDAYS },
];

/** A parsed schedule: for each field the set of allowed values, or an interval. */
export type CronSchedule =
  | { kind: 'fields'; minute: Set<number>; hour: Set<number>; dom: Set<number>; month: Set<number>; dow: Set<number>; domStar: boolean; dowStar: boolean }
  | { kind: 'every'; seconds: number };

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

class CronError extends Error {}

/** Go's strconv.Atoi plus robfig's non-negative check. */
function mustParseInt(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr)) {
    throw new CronError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  }
  const n = Number(expr);
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names?: Record<string, number>): number {
  const named = names?.[expr.toLowerCase()];
  return named ?? mustParseInt(expr);
}

function parseRange(expr: string, f: CronField, into: Set<number>): boolean {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = f.min;
    end = f.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0]!, f.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1]!, f.names);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]!);
    if (single) end = f.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < f.min) throw new CronError(`beginning of range (${start}) below minimum (${f.min}): ${expr}`);
  if (end > f.max) throw new CronError(`end of range (${end}) above maximum (${f.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.add(v);
  return star;
}

function parseField(field: string, f: CronField): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const expr of field.split(',').filter((e) => e !== '')) {
    if (parseRange(expr, f, values)) star = true;
  }
  return { values, star };
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600,
};

/** Go's time.ParseDuration, in seconds. */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new CronError(`time: invalid duration ${quoted}`);
  let total = 0;
  while (s !== '') {
    const num = /^(\d*)(\.\d*)?/.exec(s)!;
    if (num[0] === '' || num[0] === '.') throw new CronError(`time: invalid duration ${quoted}`);
    s = s.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (unit === '') throw new CronError(`time: missing unit in duration ${quoted}`);
    const mult = DURATION_UNITS[unit];
    if (mult === undefined) throw new CronError(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    total += Number(num[0]) * mult;
    s = s.slice(unit.length);
  }
  return sign * total;
}

function parseFields(spec: string): CronSchedule {
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) {
    throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  }
  const [minute, hour, dom, month, dow] = fields.map((f, i) => parseField(f, CRON_FIELDS[i]!));
  return {
    kind: 'fields',
    minute: minute!.values,
    hour: hour!.values,
    dom: dom!.values,
    month: month!.values,
    dow: dow!.values,
    domStar: dom!.star,
    dowStar: dow!.star,
  };
}

/**
 * Parses a schedule; throws an Error whose message is robfig/cron's. A leading
 * TZ=/CRON_TZ= is accepted here; CronJob validation rejects it separately.
 */
export function parseCronSchedule(schedule: string): CronSchedule {
  let spec = schedule;
  if (spec.length === 0) throw new CronError('empty spec string');
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ');
    const tz = spec.slice(spec.indexOf('=') + 1, i < 0 ? undefined : i);
    if (!isKnownTimeZone(tz)) throw new CronError(`provided bad location ${tz}: unknown time zone ${tz}`);
    spec = i < 0 ? '' : spec.slice(i).trim();
  }
  if (spec.startsWith('@')) {
    const fixed = DESCRIPTORS[spec];
    if (fixed) return parseFields(fixed);
    if (spec.startsWith('@every ')) {
      try {
        return { kind: 'every', seconds: parseGoDuration(spec.slice('@every '.length)) };
      } catch (e) {
        throw new CronError(`failed to parse duration ${spec}: ${(e as Error).message}`);
      }
    }
    throw new CronError(`unrecognized descriptor: ${spec}`);
  }
  return parseFields(spec);
}

/** Whether the IANA time zone database (as Node's Intl knows it) has this zone. */
export function isKnownTimeZone(tz: string): boolean {
  if (tz === '' || tz === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
