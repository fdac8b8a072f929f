// A storage whose every write expires: what kube-apiserver does for events
// (--event-ttl, one hour by default), so that the stream of events a busy
// cluster writes does not grow etcd without end. Everything else passes
// through unchanged.
import { parseGoDuration } from '../../src/api/batch/cron.js';
import type { Storage } from './interface.js';

export function withWriteTTL(storage: Storage, ttlSeconds: number): Storage {
  return {
    currentRevision: () => storage.currentRevision(),
    get: (key) => storage.get(key),
    list: (prefix, opts) => storage.list(prefix, opts),
    create: (key, value) => storage.create(key, value, { ttlSeconds }),
    update: (key, value, rev) => storage.update(key, value, rev, { ttlSeconds }),
    delete: (key, rev) => storage.delete(key, rev),
    watch: (prefix, from, handlers) => storage.watch(prefix, from, handlers),
    compact: (rev) => storage.compact(rev),
    close: () => storage.close(),
  };
}

/** --event-ttl: a Go duration ("1h0m0s", "30m") in whole seconds. */
export function parseEventTTL(value: string): number {
  let seconds: number;
  try {
    seconds = parseGoDuration(value.trim());
  } catch {
    throw new Error(`invalid argument "${value}" for "--event-ttl" flag: time: invalid duration "${value}"`);
  }
  if (seconds < 0) throw new Error('--event-ttl must not be negative');
  return Math.ceil(seconds);
}
