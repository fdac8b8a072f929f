import { describe, expect, it } from 'vitest';
import { applyChanges, splitChangeArgs } from './label.js';

describe('label and annotate arguments', () => {
  it('separates resources from key=value and key- changes', () => {
    expect(splitChangeArgs(['pods', 'web', 'app=web', 'tier-', 'empty='], 'labels')).toEqual({
      resources: ['pods', 'web'],
      changes: { set: { app: 'web', empty: '' }, remove: ['tier'] },
    });
    expect(splitChangeArgs(['deploy/web', 'note=a=b'], 'annotations').changes.set).toEqual({ note: 'a=b' });
  });

  it('refuses to change an existing label without --overwrite, in kubectl words', () => {
    const changes = { set: { app: 'api' }, remove: [] };
    expect(() => applyChanges({ app: 'web' }, changes, 'labels', false)).toThrow("'app' already has a value (web), and --overwrite is false");
    expect(applyChanges({ app: 'web' }, changes, 'labels', true).next).toEqual({ app: 'api' });
    expect(() => applyChanges({ a: '1' }, { set: { a: '2' }, remove: [] }, 'annotations', false)).toThrow(
      "--overwrite is false but found the following declared annotation(s): 'a' already has a value (1)",
    );
  });

  it('setting the same value needs no --overwrite; removing an absent key is reported', () => {
    expect(applyChanges({ app: 'web' }, { set: { app: 'web' }, remove: ['gone'] }, 'labels', false)).toEqual({ next: { app: 'web' }, missing: ['gone'] });
  });
});
