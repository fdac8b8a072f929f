import { describe, expect, it } from 'vitest';
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS, PatchError } from './json.js';

const pod = () => ({
  metadata: { name: 'p', labels: { app: 'web' } },
  spec: { containers: [{ name: 'a', image: 'nginx:1' }] },
});

function failure(doc: unknown, ops: unknown): string {
  try {
    applyJsonPatch(doc, ops);
  } catch (e) {
    expect(e).toBeInstanceOf(PatchError);
    return (e as Error).message;
  }
  throw new Error('patch applied');
}

describe('applyJsonPatch', () => {
  it('applies every RFC 6902 operation', () => {
    const out = applyJsonPatch(pod(), [
      { op: 'test', path: '/metadata/name', value: 'p' },
      { op: 'replace', path: '/spec/containers/0/image', value: 'nginx:2' },
      { op: 'add', path: '/spec/containers/-', value: { name: 'b', image: 'busybox' } },
      { op: 'add', path: '/metadata/labels/tier', value: 'front' },
      { op: 'remove', path: '/metadata/labels/app' },
      { op: 'copy', from: '/metadata/labels/tier', path: '/metadata/labels/copied' },
      { op: 'move', from: '/metadata/labels/copied', path: '/metadata/labels/moved' },
      { op: 'add', path: '/metadata/annotations', value: { 'a~b/c': 'x' } },
      { op: 'replace', path: '/metadata/annotations/a~0b~1c', value: 'y' },
    ]);
    expect(out).toEqual({
      metadata: { name: 'p', labels: { tier: 'front', moved: 'front' }, annotations: { 'a~b/c': 'y' } },
      spec: {
        containers: [
          { name: 'a', image: 'nginx:2' },
          { name: 'b', image: 'busybox' },
        ],
      },
    });
  });

  it('leaves the input document untouched', () => {
    const doc = pod();
    applyJsonPatch(doc, [{ op: 'remove', path: '/metadata/labels' }]);
    expect(doc).toEqual(pod());
  });

  it('inserting the same value twice does not alias it', () => {
    const out = applyJsonPatch({ a: [] }, [
      { op: 'add', path: '/a/-', value: { x: 1 } },
      { op: 'copy', from: '/a/0', path: '/a/-' },
      { op: 'replace', path: '/a/0/x', value: 2 },
    ]);
    expect(out).toEqual({ a: [{ x: 2 }, { x: 1 }] });
  });

  it('reports a failed test operation', () => {
    expect(failure(pod(), [{ op: 'test', path: '/metadata/name', value: 'q' }])).toBe('testing value /metadata/name failed: test failed');
  });

  it('reports paths that do not exist', () => {
    expect(failure(pod(), [{ op: 'remove', path: '/metadata/labels/missing' }])).toBe(
      'remove operation does not apply: doc is missing path: "/metadata/labels/missing": missing value',
    );
    expect(failure(pod(), [{ op: 'replace', path: '/spec/nope', value: 1 }])).toBe(
      'replace operation does not apply: doc is missing path: "/spec/nope": missing value',
    );
    expect(failure(pod(), [{ op: 'add', path: '/spec/a/b', value: 1 }])).toBe(
      'add operation does not apply: doc is missing path: "/spec/a/b": missing value',
    );
    expect(failure(pod(), [{ op: 'move', from: '/spec/x', path: '/spec/y' }])).toBe(
      'move operation does not apply: doc is missing from path: /spec/x: missing value',
    );
    expect(failure(pod(), [{ op: 'add', path: '/spec/containers/5', value: {} }])).toMatch(/invalid index/);
  });

  it('rejects malformed operations before touching the document', () => {
    expect(failure(pod(), { op: 'add' })).toBe('a JSON patch must be a list of operations');
    expect(failure(pod(), [{ op: 'frobnicate', path: '/a' }])).toBe('Unexpected kind: frobnicate');
    expect(failure(pod(), [{ path: '/a' }])).toBe('Unexpected kind: unknown');
    expect(failure(pod(), [{ op: 'add', path: 'spec', value: 1 }])).toMatch(/^add operation failed to decode path/);
    expect(failure(pod(), [{ op: 'replace', path: '/spec' }])).toBe('replace operation for path "/spec" has no value');
    expect(failure(pod(), [{ op: 'copy', path: '/spec' }])).toMatch(/^copy operation failed to decode from/);
    expect(failure(pod(), ['add'])).toBe('operation 0: not an object');
  });

  it('limits the number of operations as the apiserver does', () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '', value: {} }));
    expect(failure({}, ops)).toBe('The allowed number of operations in a JSON patch is 10000, got 10001');
  });

  it('refuses to reach the prototype', () => {
    expect(failure({}, [{ op: 'add', path: '/__proto__/polluted', value: true }])).toMatch(/__proto__/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
