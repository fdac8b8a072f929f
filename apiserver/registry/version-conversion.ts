// A version served by conversion sees the shared storage through this view:
// every value read (get, list, delete, watch events) is converted from the
// stored version, every value written is converted to it. The store and the
// watch cache above it then work on the served version's objects alone, with
// that version's defaulting and validation, while etcd holds one version.
import type { KubeObject } from '../../src/api/meta.js';
import type { VersionConversion } from '../../src/api/resource.js';
import type { KeyValue, Storage, StoredObject } from '../storage/interface.js';

export function withVersionConversion(storage: Storage, conversion: VersionConversion): Storage {
  const out = (v: StoredObject): StoredObject => conversion.fromStored(v as unknown as KubeObject) as unknown as StoredObject;
  const into = (v: StoredObject): StoredObject => conversion.toStored(v as unknown as KubeObject) as unknown as StoredObject;
  const kv = (e: KeyValue): KeyValue => ({ ...e, value: out(e.value) });
  return {
    currentRevision: () => storage.currentRevision(),
    get: async (key) => {
      const e = await storage.get(key);
      return e && kv(e);
    },
    list: async (prefix, opts) => {
      const res = await storage.list(prefix, opts);
      return { ...res, items: res.items.map(kv) };
    },
    create: (key, value, opts) => storage.create(key, into(value), opts),
    update: (key, value, rev, opts) => storage.update(key, into(value), rev, opts),
    delete: async (key, rev) => {
      const res = await storage.delete(key, rev);
      return { ...res, value: out(res.value) };
    },
    watch: (prefix, from, handlers) =>
      storage.watch(prefix, from, {
        onEvent: (ev) => handlers.onEvent({ ...ev, value: out(ev.value), ...(ev.prevValue ? { prevValue: out(ev.prevValue) } : {}) }),
        onError: (err) => handlers.onError(err),
      }),
    compact: (rev) => storage.compact(rev),
    close: () => storage.close(),
  };
}
