// A binding that meets a concurrent write to its pod (a label added between
// the apiserver's read and its write) is retried on the fresh object, as
// Kubernetes' binding REST does, instead of answering 409 to the scheduler.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RestClient } from '../../src/client/index.js';
import { ApiServer } from '../server.js';
import type { Storage, StoredObject } from '../storage/interface.js';
import { MemoryStorage } from '../storage/memory.js';

const POD_KEY = '/registry/pods/default/web';

/** Memory storage whose first `times` updates of the pod are each preceded by someone else's write to it. */
function racingStorage(inner: MemoryStorage, times: number): { storage: Storage; raced: () => number } {
  let raced = 0;
  const storage: Storage = {
    currentRevision: () => inner.currentRevision(),
    get: (k) => inner.get(k),
    list: (prefix, opts) => inner.list(prefix, opts),
    create: (k, v, opts) => inner.create(k, v, opts),
    async update(k, v, rev, opts) {
      if (k === POD_KEY && raced < times) {
        raced++;
        const cur = (await inner.get(k))!;
        const other = structuredClone(cur.value) as StoredObject & { metadata: { labels?: Record<string, string> } };
        other.metadata.labels = { ...other.metadata.labels, [`touched-${raced}`]: 'yes' };
        await inner.update(k, other, cur.modRevision);
      }
      return inner.update(k, v, rev, opts);
    },
    delete: (k, rev) => inner.delete(k, rev),
    watch: (prefix, from, handlers) => inner.watch(prefix, from, handlers),
    compact: (rev) => inner.compact(rev),
    close: () => inner.close(),
  };
  return { storage, raced: () => raced };
}

describe('pods/binding', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('binds a pod that another client changed meanwhile, keeping both changes', async () => {
    const memory = new MemoryStorage();
    // the first attempt starts from the watch cache's copy and the second from a fresh read: both meet a write
    const { storage, raced } = racingStorage(memory, 2);
    const server = new ApiServer({ storage, logger: pino({ level: 'silent' }), compactionIntervalMs: 0 });
    const url = (await server.start({ host: '127.0.0.1', port: 0 })).replace('0.0.0.0', '127.0.0.1');
    const client = new RestClient({ server: url, namespace: 'default', contextName: 'test' }, { rateLimit: false });
    stop = async () => {
      await client.close();
      await server.stop();
      await memory.close();
    };
    await client.request('POST', '/api/v1/namespaces/default/pods', {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'skiff/echo:1.0' }] } },
    });

    await client.request('POST', '/api/v1/namespaces/default/pods/web/binding', {
      body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web' }, target: { kind: 'Node', name: 'node-1' } },
    });

    expect(raced()).toBe(2);
    const pod = await client.request<{ metadata: { labels?: Record<string, string> }; spec: { nodeName?: string } }>(
      'GET',
      '/api/v1/namespaces/default/pods/web',
    );
    expect(pod.spec.nodeName).toBe('node-1');
    expect(pod.metadata.labels).toEqual({ 'touched-1': 'yes', 'touched-2': 'yes' });
  });
});
