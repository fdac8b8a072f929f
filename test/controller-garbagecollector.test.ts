// The garbage collector against a real apiserver on real etcd: dependents of
// a deleted owner are collected (background), a foreground delete keeps the
// owner until its blocking dependents are gone, an orphan delete detaches
// them, and references to owners that never existed are dropped.
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/api/meta.js';
import type { ResourceClient } from '../src/client/index.js';
import { garbageCollectorController } from '../controllers/garbagecollector/controller.js';
import { deploymentController } from '../controllers/deployment/controller.js';
import { replicaSetController } from '../controllers/replicaset/controller.js';
import { controllerTestEnv } from './harness/controllers.js';
import { until as poll } from './harness/until.js';

const s = controllerTestEnv({ controllers: [garbageCollectorController(), deploymentController(), replicaSetController()] });
let cms: ResourceClient<KubeObject>;
beforeAll(() => {
  cms = s.client.resource<KubeObject>({ group: '', version: 'v1', plural: 'configmaps', namespaced: true });
});

const cm = (name: string, owners: KubeObject[] = [], block = false) =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      ownerReferences: owners.map((o) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: o.metadata.name!,
        uid: o.metadata.uid!,
        ...(block ? { blockOwnerDeletion: true } : {}),
      })),
    },
    data: { k: 'v' },
  }) as KubeObject;

const until = (what: string, cond: () => Promise<boolean>, ms = 15_000) => poll(what, async () => ((await cond()) ? true : undefined), ms);

const exists = async (name: string) =>
  cms.get('default', name).then(
    () => true,
    (err: { code?: number }) => {
      if (err.code === 404) return false;
      throw err;
    },
  );

describe('garbage collector', () => {
  it('collects the dependents of a deleted owner, through two generations', async () => {
    const owner = await cms.create('default', cm('bg-owner'));
    const child = await cms.create('default', cm('bg-child', [owner]));
    await cms.create('default', cm('bg-grandchild', [child]));
    await cms.delete('default', 'bg-owner');
    await until('child and grandchild are collected', async () => !(await exists('bg-child')) && !(await exists('bg-grandchild')));
  });

  it('keeps a foreground-deleted owner until its blocking dependents are gone', async () => {
    const owner = await cms.create('default', cm('fg-owner'));
    await cms.create('default', cm('fg-child', [owner], true));
    await cms.delete('default', 'fg-owner', { propagationPolicy: 'Foreground' });
    const during = await cms.get('default', 'fg-owner').catch(() => undefined);
    // Either still waiting (finalizer present) or already through: never gone before its child.
    if (during) expect(during.metadata.finalizers).toContain('foregroundDeletion');
    await until('child and owner are gone', async () => !(await exists('fg-child')) && !(await exists('fg-owner')));
  });

  it('detaches the dependents of an orphan-deleted owner and keeps them', async () => {
    const owner = await cms.create('default', cm('or-owner'));
    await cms.create('default', cm('or-child', [owner]));
    await cms.delete('default', 'or-owner', { propagationPolicy: 'Orphan' });
    await until('the owner is gone', async () => !(await exists('or-owner')));
    const child = await cms.get('default', 'or-child');
    expect(child.metadata.ownerReferences ?? []).toEqual([]);
  });

  it('collects an object whose only owner never existed, and keeps one with a live owner', async () => {
    const ghost = { metadata: { name: 'ghost', uid: '00000000-0000-0000-0000-000000000000' } } as KubeObject;
    await cms.create('default', cm('dangling', [ghost]));
    const alive = await cms.create('default', cm('alive-owner'));
    await cms.create('default', cm('half', [alive, ghost]));
    await until('the dangling object is collected', async () => !(await exists('dangling')));
    await until('the reference to the ghost is dropped', async () => {
      const half = await cms.get('default', 'half');
      return (half.metadata.ownerReferences ?? []).length === 1;
    });
    expect((await cms.get('default', 'half')).metadata.ownerReferences?.[0]?.name).toBe('alive-owner');
  });

  it('removes a deleted Deployment\'s ReplicaSets and pods', async () => {
    const deploys = s.client.resource<KubeObject>({ group: 'apps', version: 'v1', plural: 'deployments', namespaced: true });
    const rss = s.client.resource<KubeObject>({ group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true });
    const pods = s.client.resource<KubeObject>({ group: '', version: 'v1', plural: 'pods', namespaced: true });
    await deploys.create('default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'cascade' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'cascade' } },
        template: { metadata: { labels: { app: 'cascade' } }, spec: { containers: [{ name: 'app', image: 'skiff/echo:1.0' }] } },
      },
    } as KubeObject);
    const count = async () => ({
      rs: (await rss.list('default', { labelSelector: 'app=cascade' })).items.length,
      pods: (await pods.list('default', { labelSelector: 'app=cascade' })).items.length,
    });
    await until('the deployment has a replica set and two pods', async () => {
      const c = await count();
      return c.rs === 1 && c.pods === 2;
    });
    await deploys.delete('default', 'cascade');
    await until('replica sets and pods are gone', async () => {
      const c = await count();
      return c.rs === 0 && c.pods === 0;
    });
  });
});
