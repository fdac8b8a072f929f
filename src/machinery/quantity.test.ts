import { describe, expect, it } from 'vitest';
import {
  canonicalQuantity,
  parseQuantity,
  parseQuantityValue,
  Quantity,
  QUANTITY_FORMAT_MESSAGE,
  quantityFromMilli,
  QuantityParseError,
} from './quantity.js';

const q = parseQuantity;

describe('parseQuantity and toString', () => {
  it('stores the canonical form Kubernetes prints', () => {
    const cases: [string, string][] = [
      ['1.5', '1500m'],
      ['1024Mi', '1Gi'],
      ['1000M', '1G'],
      ['0.5Gi', '512Mi'],
      ['1.5Gi', '1536Mi'],
      ['0.1', '100m'],
      ['2000m', '2'],
      ['1000000', '1M'],
      ['1.5Ki', '1536'],
      ['0.5Ki', '512'],
      ['1.2345', '1234500u'],
      ['0.0000000001', '1n'],
      ['0.9n', '1n'],
      ['.5', '500m'],
      // Kubernetes 1.32 printed "1" here, losing the exponent; later releases print "1e21".
      ['1000E', '1e21'],
      ['18446744073709551616', '18446744073709551616'],
      ['0Mi', '0'],
      ['-0', '0'],
      ['-1.5', '-1500m'],
      ['10e3', '10e3'],
      ['100000e-2', '1e3'],
    ];
    for (const [input, want] of cases) expect(q(input).toString(), input).toBe(want);
  });

  it('keeps the text of inputs its int64 fast path deems canonical, as Kubernetes does (even "1." and "+1")', () => {
    for (const s of ['250m', '128Mi', '1G', '100k', '1e3', '1E3', '1', '-1', '+1', '0', '3Ki', '12e6', '1.', '1.G', '1.500']) {
      expect(q(s).toString(), s).toBe(s);
    }
  });

  it('remembers the format of the suffix', () => {
    expect(q('1Gi').format).toBe('BinarySI');
    expect(q('1G').format).toBe('DecimalSI');
    expect(q('1e9').format).toBe('DecimalExponent');
    // A binary quantity below 1 becomes decimal.
    expect(q('0.0001Ki').format).toBe('DecimalSI');
  });

  it('caps binary quantities at the largest int64', () => {
    expect(q('8Ei').toString()).toBe('9223372036854775807');
    expect(q('8Ei').valueBig()).toBe(2n ** 63n - 1n);
  });

  it('rejects malformed quantities with Kubernetes messages', () => {
    expect(QUANTITY_FORMAT_MESSAGE).toBe(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
    for (const bad of ['', '1.1.M', '1+1.0M', '0.1am', 'aoeu', ' 1', '1 ', '1,5', '1Mx', '1KiB']) {
      expect(() => q(bad), bad).toThrow(new QuantityParseError(QUANTITY_FORMAT_MESSAGE));
    }
    for (const bad of ['1i', '0.1mi', '.5i', '-3.01i', '-3.01e-', '1e', '1MM', '1e99999999999']) {
      expect(() => q(bad), bad).toThrow("unable to parse quantity's suffix");
    }
  });

  it('accepts JSON numbers and padded strings', () => {
    expect(parseQuantityValue(2).toString()).toBe('2');
    expect(parseQuantityValue(0.5).toString()).toBe('500m');
    expect(parseQuantityValue(' 1Gi ').toString()).toBe('1Gi');
    expect(() => parseQuantityValue(true)).toThrow(QuantityParseError);
    expect(canonicalQuantity('1024Ki')).toBe('1Mi');
  });

  it('serialises as its string in JSON', () => {
    expect(JSON.stringify({ cpu: q('0.5') })).toBe('{"cpu":"500m"}');
  });
});

describe('comparison and arithmetic', () => {
  it('compares exactly across suffixes', () => {
    expect(q('1').cmp(q('1000m'))).toBe(0);
    expect(q('0.1').equals(q('100m'))).toBe(true);
    expect(q('1Gi').cmp(q('1G'))).toBe(1);
    expect(q('1G').cmp(q('1Gi'))).toBe(-1);
    expect(q('1Ki').equals(q('1024'))).toBe(true);
    expect(q('1e3').equals(q('1k'))).toBe(true);
    expect(q('-1').cmp(q('0'))).toBe(-1);
    expect(q('1n').cmp(q('0'))).toBe(1);
    // Past 2^53 a float would call these equal.
    expect(q('9007199254740993').cmp(q('9007199254740992'))).toBe(1);
  });

  it('adds and subtracts without floating-point error', () => {
    expect(q('0.1').add(q('0.2')).toString()).toBe('300m');
    expect(q('1').add(q('500m')).toString()).toBe('1500m');
    expect(q('1Gi').sub(q('512Mi')).toString()).toBe('512Mi');
    expect(q('100m').sub(q('250m')).toString()).toBe('-150m');
    // A zero takes the other operand's format, so summing requests from 0 keeps Gi.
    expect(q('0').add(q('1Gi')).toString()).toBe('1Gi');
    expect(Quantity.fromInt(0).add(q('1.5Gi')).toString()).toBe('1536Mi');
    expect(q('1Gi').mul(3).toString()).toBe('3Gi');
    expect(q('1').neg().toString()).toBe('-1');
  });

  it('rounds Value() and MilliValue() away from zero', () => {
    expect(q('100m').value()).toBe(1);
    expect(q('1.5').value()).toBe(2);
    expect(q('-1.5').value()).toBe(-2);
    expect(q('2').value()).toBe(2);
    expect(q('1.5').milliValue()).toBe(1500);
    expect(q('1n').milliValue()).toBe(1);
    expect(q('128Mi').value()).toBe(134217728);
    expect(q('1E').valueBig()).toBe(10n ** 18n);
    expect(q('250m').milliValueBig()).toBe(250n);
  });

  it('builds quantities from milli-units', () => {
    expect(quantityFromMilli(1500).toString()).toBe('1500m');
    expect(quantityFromMilli(2000).toString()).toBe('2');
    expect(quantityFromMilli(0).toString()).toBe('0');
    expect(quantityFromMilli(500n).isZero()).toBe(false);
  });
});
