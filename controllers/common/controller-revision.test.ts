import { describe, expect, it } from 'vitest';
import { hashControllerRevision, revisionsToPrune, templateFromRevision, templatePatch, type ControllerRevisionObject } from './controller-revision.js';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'img:1' }] } };

describe('controller revisions', () => {
  it('store the template as a replacing patch and give it back', () => {
    const data = templatePatch(template);
    expect(data).toEqual({ spec: { template: { ...template, $patch: 'replace' } } });
    expect(templateFromRevision({ metadata: {}, data })).toEqual(template);
    expect(templateFromRevision({ metadata: {}, data: 'nonsense' })).toBeUndefined();
  });

  it('hash the same data the same whatever the key order, and differently per collision count', () => {
    const reordered = { spec: { containers: [{ image: 'img:1', name: 'c' }] }, metadata: { labels: { app: 'web' } } };
    expect(hashControllerRevision(templatePatch(reordered))).toBe(hashControllerRevision(templatePatch(template)));
    expect(hashControllerRevision(templatePatch(template), 1)).not.toBe(hashControllerRevision(templatePatch(template), 0));
    expect(hashControllerRevision(templatePatch(template))).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  it('prune the oldest revisions not in use beyond the limit', () => {
    const rev = (name: string, revision: number): ControllerRevisionObject => ({ metadata: { name }, revision });
    const all = [rev('r3', 3), rev('r1', 1), rev('r4', 4), rev('r2', 2), rev('r5', 5)];
    const live = new Set(['r1', 'r5']);
    expect(revisionsToPrune(all, (r) => live.has(r.metadata.name ?? ''), 1).map((r) => r.metadata.name)).toEqual(['r2', 'r3']);
    expect(revisionsToPrune(all, (r) => live.has(r.metadata.name ?? ''), 3)).toEqual([]);
  });
});
