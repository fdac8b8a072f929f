import { describe, expect, it } from 'vitest';
import { parseCronSchedule, parseGoDuration } from './cron.js';

function fields(schedule: string) {
  const s = parseCronSchedule(schedule);
  if (s.kind !== 'fields') throw new Error('expected a field schedule');
  return s;
}

const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);

describe('parseCronSchedule', () => {
  it('parses single values, ranges, lists and steps', () => {
    const s = fields('0,30 9-17 */10 1-12/3 1-5');
    expect(sorted(s.minute)).toEqual([0, 30]);
    expect(sorted(s.hour)).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect(sorted(s.dom)).toEqual([1, 11, 21, 31]);
    expect(sorted(s.month)).toEqual([1, 4, 7, 10]);
    expect(sorted(s.dow)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reads "N/step" as N through the maximum', () => {
    expect(sorted(fields('50/5 * * * *').minute)).toEqual([50, 55]);
  });

  it('accepts month and weekday names in any case, and ? for *', () => {
    const s = fields('0 0 ? JAN-mar Mon,fri');
    expect(sorted(s.month)).toEqual([1, 2, 3]);
    expect(sorted(s.dow)).toEqual([1, 5]);
    expect(s.domStar).toBe(true);
  });

  it('expands the @ descriptors', () => {
    expect(sorted(fields('@hourly').minute)).toEqual([0]);
    expect(fields('@hourly').hour.size).toBe(24);
    expect(sorted(fields('@daily').hour)).toEqual([0]);
    expect(sorted(fields('@weekly').dow)).toEqual([0]);
    expect(sorted(fields('@monthly').dom)).toEqual([1]);
    expect(sorted(fields('@yearly').month)).toEqual([1]);
    expect(parseCronSchedule('@every 1h30m')).toEqual({ kind: 'every', seconds: 5400 });
  });

  it("fails with robfig/cron's messages", () => {
    const cases: [string, string][] = [
      ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
      ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
      ['60 * * * *', 'end of range (60) above maximum (59): 60'],
      ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
      ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
      ['*/0 * * * *', 'step of range should be a positive number: */0'],
      ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
      ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
      ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
      ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
      ['@every soon', 'failed to parse duration @every soon: time: invalid duration "soon"'],
      ['', 'empty spec string'],
    ];
    for (const [schedule, message] of cases) expect(() => parseCronSchedule(schedule), schedule).toThrow(message);
  });
});

describe('parseGoDuration', () => {
  it('parses Go durations into seconds', () => {
    expect(parseGoDuration('90s')).toBe(90);
    expect(parseGoDuration('1.5h')).toBe(5400);
    expect(parseGoDuration('2h45m')).toBe(9900);
    expect(parseGoDuration('500ms')).toBe(0.5);
    expect(parseGoDuration('0')).toBe(0);
  });

  it('rejects what time.ParseDuration rejects', () => {
    expect(() => parseGoDuration('5')).toThrow('time: missing unit in duration "5"');
    expect(() => parseGoDuration('5d')).toThrow('time: unknown unit "d" in duration "5d"');
    expect(() => parseGoDuration('')).toThrow('time: invalid duration ""');
  });
});
