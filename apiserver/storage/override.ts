// A storage that behaves as another one except for the methods given: the
// wrappers that change one or two operations (writes with a TTL, a failing
// key in a test) need not restate the rest.
import type { Storage } from './interface.js';

export function overrideStorage(inner: Storage, overrides: Partial<Storage>): Storage {
  return {
    currentRevision: () => inner.currentRevision(),
    get: (key) => inner.get(key),
    list: (prefix, opts) => inner.list(prefix, opts),
    create: (key, value, opts) => inner.create(key, value, opts),
    update: (key, value, rev, opts) => inner.update(key, value, rev, opts),
    delete: (key, rev) => inner.delete(key, rev),
    watch: (prefix, from, handlers) => inner.watch(prefix, from, handlers),
    compact: (rev) => inner.compact(rev),
    close: () => inner.close(),
    ...overrides,
  };
}
