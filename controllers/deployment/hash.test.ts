import { describe, expect, it } from 'vitest';
import { canonicalJson, computeHash, fnv32a, safeEncodeString } from './hash.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('pod-template hash', () => {
  it('is FNV-32a', () => {
    expect(fnv32a(enc(''))).toBe(0x811c9dc5);
    expect(fnv32a(enc('a'))).toBe(0xe40c292c);
    expect(fnv32a(enc('foobar'))).toBe(0xbf9cf968);
  });

  it('safe-encodes the decimal sum as Kubernetes does (no vowels, no look-alikes)', () => {
    // '0' is 48, 48 % 27 = 21 -> '4'; '9' is 57 -> 57 % 27 = 3 -> 'f'
    expect(safeEncodeString('09')).toBe('4f');
    const h = computeHash({ metadata: { labels: { app: 'web' } } });
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it('does not depend on key order, but on every value and the collision count', () => {
    const a = { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
    const b = { spec: { containers: [{ image: 'x', name: 'c' }] }, metadata: { labels: { tier: 'fe', app: 'web' } } };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(computeHash(a)).toBe(computeHash(b));
    expect(computeHash(a)).not.toBe(computeHash({ ...a, spec: { containers: [{ name: 'c', image: 'y' }] } }));
    expect(computeHash(a, 0)).not.toBe(computeHash(a));
    expect(computeHash(a, 1)).not.toBe(computeHash(a, 0));
    expect(computeHash(a, 1)).toBe(computeHash(b, 1));
  });
});
