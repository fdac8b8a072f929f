import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { KubeObject } from '../../src/api/meta.js';
import { StatusError } from '../../src/api/status.js';
import { isForbidden, isNotFound, RestClient, SharedInformerFactory, type Clock, type RequestOptions, type ResourceRef } from '../../src/client/index.js';
import { startMemoryApiServer, type MemoryApiServer } from '../testing/apiserver.js';
import { NamespaceController } from './controller.js';
import { NamespacedResourcesDeleter, ResourcesRemainingError, tableDiscovery } from './deleter.js';
import type { NamespaceCondition } from './conditions.js';

const ref = (group: string, version: string, plural: string, namespaced = true): ResourceRef => ({ group, version, plural, namespaced });
const namespaces = ref('', 'v1', 'namespaces', false);
const pods = ref('', 'v1', 'pods');
const configmaps = ref('', 'v1', 'configmaps');
const deployments = ref('apps', 'v1', 'deployments');

let api: MemoryApiServer;
let client: RestClient;
let n = 0;

beforeAll(async () => {
  api = await startMemoryApiServer();
  client = api.client;
});
afterAll(async () => {
  await api?.stop();
});

async function createNamespace(): Promise<string> {
  const name = `ns-${++n}`;
  await client.resource(namespaces).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

function pod(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}

async function fill(ns: string): Promise<void> {
  await client.resource(configmaps).create(ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' } });
  await client.resource(pods).create(ns, pod('unscheduled'));
  await client.resource(deployments).create(ns, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  });
}

async function getNamespace(name: string): Promise<KubeObject | undefined> {
  try {
    return await client.resource(namespaces).get(undefined, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function conditionsOf(ns: KubeObject | undefined): Record<string, NamespaceCondition> {
  const list = ((ns?.status as { conditions?: NamespaceCondition[] } | undefined)?.conditions ?? []);
  return Object.fromEntries(list.map((c) => [c.type, c]));
}

/** The same server, but chosen requests fail as a struggling apiserver's would. */
class FailingClient extends RestClient {
  constructor(
    base: RestClient,
    private readonly fails: (method: string, path: string) => boolean,
  ) {
    super(base.config, { rateLimit: false });
  }

  override async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    if (this.fails(method, path)) throw new StatusError(500, 'InternalError', 'etcdserver: request timed out');
    return super.request<T>(method, path, opts);
  }
}

/** A clock running ahead of the real one: the namespace was deleted that long ago as far as the deleter knows. */
const aheadBy = (ms: number): Clock => ({
  now: () => Date.now() + ms,
  setTimeout: () => {
    throw new Error('not used');
  },
  clearTimeout: () => {},
});

describe('NamespacedResourcesDeleter', () => {
  it('leaves a namespace that is not being deleted alone', async () => {
    const ns = await createNamespace();
    await fill(ns);
    await new NamespacedResourcesDeleter({ client }).delete(ns);
    expect((await client.resource(configmaps).list(ns)).items).toHaveLength(1);
    expect((await getNamespace(ns))?.spec).toEqual({ finalizers: ['kubernetes'] });
  });

  it('empties a terminating namespace, then releases it so the apiserver removes it', async () => {
    const ns = await createNamespace();
    await fill(ns);
    await client.resource(namespaces).delete(undefined, ns);
    await expect(client.resource(configmaps).create(ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } })).rejects.toSatisfy(isForbidden);

    await new NamespacedResourcesDeleter({ client }).delete(ns);

    expect(await getNamespace(ns)).toBeUndefined();
    for (const r of [configmaps, pods, deployments]) expect((await client.resource(r).list(ns)).items).toEqual([]);
  });

  it('waits for pods bound to a node, reports them, and reports a failure once their grace period is over', async () => {
    const ns = await createNamespace();
    const rc = client.resource(pods);
    await rc.create(ns, pod('a', { nodeName: 'gone' }));
    await rc.create(ns, pod('b', { nodeName: 'gone' }));
    await rc.create(ns, pod('unscheduled'));
    await client.resource(namespaces).delete(undefined, ns);

    const err = await new NamespacedResourcesDeleter({ client }).delete(ns).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourcesRemainingError);
    expect((err as ResourcesRemainingError).estimateSeconds).toBe(30);
    let conds = conditionsOf(await getNamespace(ns));
    expect(conds.NamespaceContentRemaining).toMatchObject({
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: 'Some resources are remaining: pods. has 2 resource instances',
    });
    expect(conds.NamespaceDeletionContentFailure).toMatchObject({ status: 'False', reason: 'ContentDeleted' });
    expect(Object.keys(conds).sort()).toEqual([
      'NamespaceContentRemaining',
      'NamespaceDeletionContentFailure',
      'NamespaceDeletionDiscoveryFailure',
      'NamespaceDeletionGroupVersionParsingFailure',
      'NamespaceFinalizersRemaining',
    ]);
    // The unscheduled pod had nothing to stop and is gone; the bound ones wait for a kubelet.
    expect((await rc.list(ns)).items.map((p) => [p.metadata.name, Boolean(p.metadata.deletionTimestamp)])).toEqual([
      ['a', true],
      ['b', true],
    ]);

    const later = new NamespacedResourcesDeleter({ client, clock: aheadBy(60_000) });
    await expect(later.delete(ns)).rejects.toThrow(`unexpected items still remain in namespace: ${ns} for gvr: /v1, Resource=pods`);
    const stuck = await getNamespace(ns);
    conds = conditionsOf(stuck);
    expect(conds.NamespaceDeletionContentFailure).toMatchObject({
      status: 'True',
      reason: 'ContentDeletionFailed',
      message: `Failed to delete all resource types, 1 remaining: unexpected items still remain in namespace: ${ns} for gvr: /v1, Resource=pods`,
    });
    expect(conds.NamespaceContentRemaining?.message).toBe('Some resources are remaining: pods. has 2 resource instances');
    expect(stuck?.spec).toEqual({ finalizers: ['kubernetes'] });

    // What a kubelet (or an administrator) confirming the pods' end does.
    await rc.delete(ns, 'a', { gracePeriodSeconds: 0 });
    await rc.delete(ns, 'b', { gracePeriodSeconds: 0 });
    await later.delete(ns);
    expect(await getNamespace(ns)).toBeUndefined();
  });

  it('waits on content held by finalizers and says which', async () => {
    const ns = await createNamespace();
    const cms = client.resource(configmaps);
    await cms.create(ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    await client.resource(namespaces).delete(undefined, ns);

    const err = await new NamespacedResourcesDeleter({ client }).delete(ns).catch((e: unknown) => e);
    expect((err as ResourcesRemainingError).estimateSeconds).toBe(15);
    const conds = conditionsOf(await getNamespace(ns));
    expect(conds.NamespaceFinalizersRemaining).toMatchObject({
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message: 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    });
    expect(conds.NamespaceContentRemaining?.message).toBe('Some resources are remaining: configmaps. has 1 resource instances');

    const held = await cms.get(ns, 'held');
    await cms.update(ns, { ...held, metadata: { ...held.metadata, finalizers: [] } });
    await new NamespacedResourcesDeleter({ client }).delete(ns);
    expect(await getNamespace(ns)).toBeUndefined();
  });

  it('does not release the namespace while discovery or group version parsing fails, and says so', async () => {
    const ns = await createNamespace();
    await fill(ns);
    await client.resource(namespaces).delete(undefined, ns);
    const failing = new NamespacedResourcesDeleter({
      client,
      discoverResources: async () => {
        const { lists } = await tableDiscovery();
        return {
          lists: [...lists, { groupVersion: 'example.com/v1/extra', resources: [{ name: 'widgets', namespaced: true, verbs: ['delete'] }] }],
          error: new Error('unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request'),
        };
      },
    });
    await expect(failing.delete(ns)).rejects.toThrow(/unable to retrieve the complete list/);

    const stuck = await getNamespace(ns);
    const conds = conditionsOf(stuck);
    expect(conds.NamespaceDeletionDiscoveryFailure).toMatchObject({ status: 'True', reason: 'DiscoveryFailed' });
    expect(conds.NamespaceDeletionGroupVersionParsingFailure).toMatchObject({
      status: 'True',
      reason: 'GroupVersionParsingFailed',
      message: 'unexpected GroupVersion string: example.com/v1/extra',
    });
    expect(stuck?.spec).toEqual({ finalizers: ['kubernetes'] });
    // What could be found was deleted all the same.
    expect((await client.resource(configmaps).list(ns)).items).toEqual([]);

    await new NamespacedResourcesDeleter({ client }).delete(ns);
    expect(await getNamespace(ns)).toBeUndefined();
  });

  it('reports a resource whose deletion fails, keeps deleting the others, and holds the namespace', async () => {
    const ns = await createNamespace();
    await fill(ns);
    await client.resource(namespaces).delete(undefined, ns);
    const failing = new FailingClient(client, (method, path) => method === 'DELETE' && path.endsWith(`/namespaces/${ns}/configmaps`));
    await expect(new NamespacedResourcesDeleter({ client: failing }).delete(ns)).rejects.toThrow('etcdserver: request timed out');

    const stuck = await getNamespace(ns);
    expect(conditionsOf(stuck).NamespaceDeletionContentFailure).toMatchObject({
      status: 'True',
      reason: 'ContentDeletionFailed',
      message: 'Failed to delete all resource types, 1 remaining: etcdserver: request timed out',
    });
    expect(stuck?.spec).toEqual({ finalizers: ['kubernetes'] });
    expect((await client.resource(deployments).list(ns)).items).toEqual([]);
    expect((await client.resource(configmaps).list(ns)).items).toHaveLength(1);

    await new NamespacedResourcesDeleter({ client }).delete(ns);
    expect(await getNamespace(ns)).toBeUndefined();
    await failing.close();
  });
});

describe('NamespaceController', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (stops.length) await stops.pop()!();
  });

  function run(): NamespaceController {
    const informers = new SharedInformerFactory(client);
    const controller = new NamespaceController({ client, informers, log: pino({ level: 'silent' }) }, { deletionDelayMs: 0 });
    const ctl = new AbortController();
    informers.start();
    const done = controller.start(ctl.signal);
    stops.push(async () => {
      ctl.abort();
      await done;
      informers.shutdown();
    });
    return controller;
  }

  async function waitGone(name: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!(await getNamespace(name))) return;
      if (Date.now() > deadline) throw new Error(`namespace ${name} still exists after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('removes a deleted namespace and everything in it', async () => {
    run();
    const ns = await createNamespace();
    await fill(ns);
    await client.resource(namespaces).delete(undefined, ns);
    await waitGone(ns, 5_000);
    expect((await client.resource(configmaps).list(ns)).items).toEqual([]);
  });

  it('comes back to a namespace whose pods are still terminating, and releases it once they are gone', async () => {
    run();
    const ns = await createNamespace();
    await client.resource(pods).create(ns, pod('bound', { nodeName: 'gone', terminationGracePeriodSeconds: 2 }));
    await client.resource(namespaces).delete(undefined, ns);
    await new Promise((r) => setTimeout(r, 300));
    expect(conditionsOf(await getNamespace(ns)).NamespaceContentRemaining?.status).toBe('True');

    await client.resource(pods).delete(ns, 'bound', { gracePeriodSeconds: 0 });
    // No event about the namespace follows the pod's end: only the controller's own requeue brings it back.
    await waitGone(ns, 5_000);
  });
});
