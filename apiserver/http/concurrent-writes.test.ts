// Writes that carry no resourceVersion precondition (a Binding, a scale
// change or a namespace finalize without one) and meet a concurrent write to
// their object (a label added between the apiserver's read and its write) are
// retried on the fresh object, as Kubernetes does, instead of answering 409;
// a resourceVersion the client did send still is a precondition.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RestClient } from '../../src/client/index.js';
import { ApiServer } from '../server.js';
import type { Storage, StoredObject } from '../storage/interface.js';
import { MemoryStorage } from '../storage/memory.js';
import { overrideStorage } from '../storage/override.js';

type Labelled = StoredObject & { metadata: { labels?: Record<string, string>; resourceVersion?: string } };

/** Memory storage whose next `times` updates of `key` (once armed) are each preceded by someone else's write to it. */
function racingStorage(inner: MemoryStorage, key: string): { storage: Storage; arm(times: number): void; raced: () => number } {
  let left = 0;
  let raced = 0;
  const storage = overrideStorage(inner, {
    async update(k, v, rev, opts) {
      if (k === key && left > 0) {
        left--;
        raced++;
        const cur = (await inner.get(k))!;
        const other = structuredClone(cur.value) as Labelled;
        other.metadata.labels = { ...other.metadata.labels, [`touched-${raced}`]: 'yes' };
        await inner.update(k, other, cur.modRevision);
      }
      return inner.update(k, v, rev, opts);
    },
  });
  return { storage, arm: (times) => void (left = times), raced: () => raced };
}

async function startServer(key: string) {
  const memory = new MemoryStorage();
  const race = racingStorage(memory, key);
  const server = new ApiServer({ storage: race.storage, logger: pino({ level: 'silent' }), compactionIntervalMs: 0 });
  const url = (await server.start({ host: '127.0.0.1', port: 0 })).replace('0.0.0.0', '127.0.0.1');
  const client = new RestClient({ server: url, namespace: 'default', contextName: 'test' }, { rateLimit: false });
  const stop = async (): Promise<void> => {
    await client.close();
    await server.stop();
    await memory.close();
  };
  return { client, race, stop };
}

// the first attempt starts from the watch cache's copy and the second from a fresh read: both meet a write
const RACES = 2;
const touched = { 'touched-1': 'yes', 'touched-2': 'yes' };

describe('writes without a resourceVersion precondition', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('binds a pod that another client changed meanwhile, keeping both changes', async () => {
    const env = await startServer('/registry/pods/default/web');
    stop = env.stop;
    await env.client.request('POST', '/api/v1/namespaces/default/pods', {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'skiff/echo:1.0' }] } },
    });
    env.race.arm(RACES);

    await env.client.request('POST', '/api/v1/namespaces/default/pods/web/binding', {
      body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web' }, target: { kind: 'Node', name: 'node-1' } },
    });

    expect(env.race.raced()).toBe(RACES);
    const pod = await env.client.request<Labelled & { spec: { nodeName?: string } }>('GET', '/api/v1/namespaces/default/pods/web');
    expect(pod.spec.nodeName).toBe('node-1');
    expect(pod.metadata.labels).toEqual(touched);
  });

  describe('the scale subresource', () => {
    const path = '/apis/apps/v1/namespaces/default/deployments/web';
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'skiff/echo:1.0' }] } },
      },
    };
    const replicasAndLabels = async (client: RestClient) => {
      const d = await client.request<Labelled & { spec: { replicas: number } }>('GET', path);
      return { replicas: d.spec.replicas, labels: d.metadata.labels };
    };

    it('PUT without a resourceVersion scales a Deployment changed meanwhile', async () => {
      const env = await startServer('/registry/deployments/default/web');
      stop = env.stop;
      await env.client.request('POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment });
      env.race.arm(RACES);
      await env.client.request('PUT', `${path}/scale`, {
        body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 4 } },
      });
      expect(await replicasAndLabels(env.client)).toEqual({ replicas: 4, labels: touched });
    });

    it('PATCH scales a Deployment changed meanwhile', async () => {
      const env = await startServer('/registry/deployments/default/web');
      stop = env.stop;
      await env.client.request('POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment });
      env.race.arm(RACES);
      await env.client.request('PATCH', `${path}/scale`, { body: { spec: { replicas: 3 } }, contentType: 'application/merge-patch+json' });
      expect(await replicasAndLabels(env.client)).toEqual({ replicas: 3, labels: touched });
    });

    it('PUT with a resourceVersion the object has moved past is refused with 409 and changes nothing', async () => {
      const env = await startServer('/registry/deployments/default/web');
      stop = env.stop;
      const created = await env.client.request<Labelled>('POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment });
      env.race.arm(1);
      await expect(
        env.client.request('PUT', `${path}/scale`, {
          body: {
            apiVersion: 'autoscaling/v1',
            kind: 'Scale',
            metadata: { name: 'web', namespace: 'default', resourceVersion: created.metadata.resourceVersion },
            spec: { replicas: 4 },
          },
        }),
      ).rejects.toMatchObject({ code: 409 });
      expect(await replicasAndLabels(env.client)).toEqual({ replicas: 1, labels: { 'touched-1': 'yes' } });
    });
  });

  describe("a namespace's finalize subresource", () => {
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } };
    const nameLabel = { 'kubernetes.io/metadata.name': 'team' };
    const finalize = (client: RestClient, resourceVersion?: string) =>
      client.request('PUT', '/api/v1/namespaces/team/finalize', {
        body: { ...namespace, metadata: { name: 'team', ...(resourceVersion ? { resourceVersion } : {}) }, spec: { finalizers: [] } },
      });
    const finalizersAndLabels = async (client: RestClient) => {
      const ns = await client.request<Labelled & { spec?: { finalizers?: string[] } }>('GET', '/api/v1/namespaces/team');
      return { finalizers: ns.spec?.finalizers, labels: ns.metadata.labels };
    };

    it('PUT without a resourceVersion clears the finalizers of a namespace changed meanwhile', async () => {
      const env = await startServer('/registry/namespaces/team');
      stop = env.stop;
      await env.client.request('POST', '/api/v1/namespaces', { body: namespace });
      env.race.arm(RACES);
      await finalize(env.client);
      expect(await finalizersAndLabels(env.client)).toEqual({ finalizers: undefined, labels: { ...nameLabel, ...touched } });
    });

    it('PUT with a resourceVersion the namespace has moved past is refused with 409 and changes nothing', async () => {
      const env = await startServer('/registry/namespaces/team');
      stop = env.stop;
      const created = await env.client.request<Labelled>('POST', '/api/v1/namespaces', { body: namespace });
      env.race.arm(1);
      await expect(finalize(env.client, created.metadata.resourceVersion)).rejects.toMatchObject({ code: 409 });
      expect(await finalizersAndLabels(env.client)).toEqual({ finalizers: ['kubernetes'], labels: { ...nameLabel, 'touched-1': 'yes' } });
    });
  });
});
