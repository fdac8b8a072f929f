import { describe, expect, it } from 'vitest';
import { storageConformance } from './conformance.js';
import { StorageError } from './interface.js';
import { MemoryStorage } from './memory.js';

storageConformance('memory', async () => {
  const storage = new MemoryStorage();
  return { storage, cleanup: () => storage.close() };
});

describe('MemoryStorage', () => {
  it('stores a copy: changing a value after writing or reading it does not change the store', async () => {
    const s = new MemoryStorage();
    const value = { metadata: { name: 'a', labels: { v: '1' } } };
    await s.create('/k/a', value);
    value.metadata.labels.v = 'changed';
    const read = await s.get('/k/a');
    (read!.value.metadata as { labels: { v: string } }).labels.v = 'mutated';
    expect((await s.get('/k/a'))!.value).toEqual({ metadata: { name: 'a', labels: { v: '1' }, resourceVersion: String(read!.modRevision) } });
  });

  it('fails every call after close with Unavailable', async () => {
    const s = new MemoryStorage();
    await s.close();
    await expect(s.get('/k/a')).rejects.toMatchObject({ kind: 'Unavailable' });
    const errors: StorageError[] = [];
    s.watch('/k/', 0, { onEvent: () => undefined, onError: (e) => errors.push(e) });
    await new Promise((r) => setTimeout(r, 0));
    expect(errors.map((e) => e.kind)).toEqual(['Unavailable']);
  });

  it('keeps a key readable at the compacted revision after later deletes of other versions', async () => {
    const s = new MemoryStorage();
    const r1 = await s.create('/k/a', { v: 1 });
    const r2 = await s.update('/k/a', { v: 2 }, r1);
    await s.create('/k/b', { v: 1 });
    const gone = await s.delete('/k/b');
    await s.compact(gone.revision);
    expect((await s.list('/k/', { revision: gone.revision })).items).toEqual([{ key: '/k/a', value: { v: 2 }, modRevision: r2 }]);
    await expect(s.list('/k/', { revision: r2 })).rejects.toMatchObject({ kind: 'Compacted' });
  });
});
