import { describe, expect, it } from 'vitest';
import { applyMergePatch, createMergePatch, createThreeWayMergePatch } from './merge.js';

describe('applyMergePatch (RFC 7386)', () => {
  it('passes the RFC 7386 appendix examples', () => {
    const cases: [unknown, unknown, unknown][] = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [['a', 'b'], ['c', 'd'], ['c', 'd']],
      [{ a: 'b' }, ['c'], ['c']],
      [{ a: 'foo' }, null, null],
      [{ a: 'foo' }, 'bar', 'bar'],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, want] of cases) expect(applyMergePatch(target, patch)).toEqual(want);
  });

  it('does not modify its arguments', () => {
    const target = { metadata: { labels: { a: '1' } } };
    const patch = { metadata: { labels: { a: null, b: '2' } } };
    const out = applyMergePatch(target, patch);
    expect(out).toEqual({ metadata: { labels: { b: '2' } } });
    expect(target).toEqual({ metadata: { labels: { a: '1' } } });
    expect(patch).toEqual({ metadata: { labels: { a: null, b: '2' } } });
  });

  it('adds a "__proto__" key as a field, never as a prototype', () => {
    const out = applyMergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('createMergePatch', () => {
  it('is the diff that turns original into modified', () => {
    const original = { spec: { replicas: 1, template: { image: 'a' } }, metadata: { labels: { x: '1', y: '2' } } };
    const modified = { spec: { replicas: 3, template: { image: 'a' } }, metadata: { labels: { x: '1' } }, extra: [1] };
    const patch = createMergePatch(original, modified);
    expect(patch).toEqual({ spec: { replicas: 3 }, metadata: { labels: { y: null } }, extra: [1] });
    expect(applyMergePatch(original, patch)).toEqual(modified);
  });

  it('replaces arrays whole and is empty for equal documents', () => {
    expect(createMergePatch({ a: [1, 2] }, { a: [1, 2, 3] })).toEqual({ a: [1, 2, 3] });
    expect(createMergePatch({ a: { b: [1] } }, { a: { b: [1] } })).toEqual({});
  });
});

describe('createThreeWayMergePatch (client-side apply without strategic metadata)', () => {
  const lastApplied = { metadata: { labels: { app: 'web', team: 'a' } }, spec: { size: 1, color: 'red' } };
  const current = {
    metadata: { labels: { app: 'web', team: 'a', 'added-by': 'someone' }, uid: 'u1' },
    spec: { size: 1, color: 'red', defaulted: true },
    status: { ready: true },
  };

  it('removes a label deleted from the file but keeps labels added by others', () => {
    const modified = { metadata: { labels: { app: 'web' } }, spec: { size: 1, color: 'red' } };
    const patch = createThreeWayMergePatch(lastApplied, modified, current);
    expect(patch).toEqual({ metadata: { labels: { team: null } } });
    expect(applyMergePatch(current, patch)).toEqual({
      metadata: { labels: { app: 'web', 'added-by': 'someone' }, uid: 'u1' },
      spec: { size: 1, color: 'red', defaulted: true },
      status: { ready: true },
    });
  });

  it('sends changes and additions, and nothing when the file matches', () => {
    const modified = { metadata: { labels: { app: 'web', team: 'a' } }, spec: { size: 3, color: 'red', shape: 'round' } };
    expect(createThreeWayMergePatch(lastApplied, modified, current)).toEqual({ spec: { size: 3, shape: 'round' } });
    expect(createThreeWayMergePatch(lastApplied, lastApplied, current)).toEqual({});
  });

  it('restores a field someone changed live when the file still sets it', () => {
    const drifted = { ...current, spec: { ...current.spec, color: 'blue' } };
    expect(createThreeWayMergePatch(lastApplied, lastApplied, drifted)).toEqual({ spec: { color: 'red' } });
  });

  it('treats a missing last-applied configuration as empty', () => {
    const modified = { spec: { size: 2 } };
    expect(createThreeWayMergePatch(undefined, modified, { spec: { size: 1, other: 1 } })).toEqual({ spec: { size: 2 } });
  });
});
