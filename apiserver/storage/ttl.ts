// A storage whose every write expires: what kube-apiserver does for events
// (--event-ttl, one hour by default), so that the stream of events a busy
// cluster writes does not grow etcd without end. Everything else passes
// through unchanged.
import { parseGoDuration } from '../../src/api/batch/cron.js';
import type { Storage } from './interface.js';
import { overrideStorage } from './override.js';

export function withWriteTTL(storage: Storage, ttlSeconds: number): Storage {
  return overrideStorage(storage, {
    create: (key, value) => storage.create(key, value, { ttlSeconds }),
    update: (key, value, rev) => storage.update(key, value, rev, { ttlSeconds }),
  });
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
