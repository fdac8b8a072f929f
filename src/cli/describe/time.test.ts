import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rfc1123z, rfc3339Local, since } from './time.js';

const tz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'Asia/Kolkata';
});
afterAll(() => {
  process.env.TZ = tz;
});

describe('kubectl time formats', () => {
  it('prints RFC1123Z in the local zone, and Go zero time when unset', () => {
    expect(rfc1123z('2024-03-05T07:08:09Z')).toBe('Tue, 05 Mar 2024 12:38:09 +0530');
    expect(rfc1123z(undefined)).toBe('Mon, 01 Jan 0001 00:00:00 +0000');
  });

  it('prints RFC 3339 with the local offset', () => {
    expect(rfc3339Local(Date.parse('2024-03-05T07:08:09Z'))).toBe('2024-03-05T12:38:09+05:30');
  });

  it('prints ages as HumanDuration, <unknown> without a timestamp', () => {
    const now = Date.parse('2024-03-05T07:10:09Z');
    expect(since('2024-03-05T07:08:09Z', now)).toBe('2m');
    expect(since(null, now)).toBe('<unknown>');
  });
});
