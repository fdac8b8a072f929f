import { describe, expect, it } from 'vitest';
import { goFloatString, goQuote, goStringCompare, goValueString } from './goformat.js';

describe('Go formatting', () => {
  it('prints floats as %v does', () => {
    expect(goFloatString(8080)).toBe('8080');
    expect(goFloatString(123456)).toBe('123456');
    expect(goFloatString(1e6)).toBe('1e+06');
    expect(goFloatString(1234567)).toBe('1.234567e+06');
    expect(goFloatString(0.5)).toBe('0.5');
    expect(goFloatString(0.0001)).toBe('0.0001');
    expect(goFloatString(0.00001)).toBe('1e-05');
    expect(goFloatString(-2.5e21)).toBe('-2.5e+21');
  });

  it('prints decoded JSON as %v does', () => {
    expect(goValueString({ b: 1, a: ['x', true, null] })).toBe('map[a:[x true <nil>] b:1]');
    expect(goValueString('s')).toBe('s');
  });

  it('quotes as %q does', () => {
    expect(goQuote('a"b\\c\n\t\x01é')).toBe('"a\\"b\\\\c\\n\\t\\x01é"');
  });

  it('orders strings by bytes', () => {
    expect(goStringCompare('B', 'a')).toBeLessThan(0);
    expect(goStringCompare('a', 'a')).toBe(0);
    expect(goStringCompare('\uffff', '\u{1F600}')).toBeLessThan(0);
  });
});
