// The namespace controller against a real apiserver on a real etcd: a deleted
// namespace goes Terminating, refuses new content, is emptied and then
// disappears; of two controller-managers only the lease holder acts, and the
// other takes over when it stops; real kubectl sees the same.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KubeObject, WatchEventType } from '../src/api/meta.js';
import { isForbidden, leaseResource, type Lease, type ResourceClient } from '../src/client/index.js';
import { namespaceController } from '../controllers/namespace/controller.js';
import { controllerTestEnv, fastElection, namespacesRef, ref } from './harness/controllers.js';

const run = promisify(execFile);

const content = {
  configmaps: ref('', 'v1', 'configmaps'),
  secrets: ref('', 'v1', 'secrets'),
  pods: ref('', 'v1', 'pods'),
  deployments: ref('apps', 'v1', 'deployments'),
};

const s = controllerTestEnv();

const startManager = async (identity: string) =>
  (await s.startManager({ controllers: [namespaceController()], leaderElection: { ...fastElection, identity } })).manager;

interface Seen {
  resource: string;
  type: WatchEventType;
  name: string;
  resourceVersion: number;
  object: KubeObject;
}

/** Everything watches report, in arrival order, and a way to wait for one event in it. */
class EventLog {
  readonly events: Seen[] = [];
  private waiters: (() => void)[] = [];

  follow(rc: ResourceClient, namespace: string | undefined, fromRV: string, fieldSelector?: string): void {
    const ctl = new AbortController();
    s.afterTest(() => ctl.abort());
    void (async () => {
      for await (const ev of rc.watch(namespace, {
        resourceVersion: fromRV,
        signal: ctl.signal,
        ...(fieldSelector ? { fieldSelector } : {}),
      })) {
        if (ev.type === 'BOOKMARK') continue;
        this.events.push({
          resource: rc.ref.plural,
          type: ev.type,
          name: ev.object.metadata.name ?? '',
          resourceVersion: Number(ev.object.metadata.resourceVersion),
          object: ev.object,
        });
        for (const w of this.waiters.splice(0)) w();
      }
    })().catch(() => {});
  }

  async waitFor(what: string, pred: (e: Seen) => boolean, timeoutMs: number): Promise<Seen> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; seen: ${this.events.map((e) => `${e.type} ${e.resource}/${e.name}`).join(', ')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

async function createNamespaceWithContent(name: string): Promise<string> {
  const c = s.client;
  await c.resource(namespacesRef).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await c.resource(content.configmaps).create(name, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast' } });
  await c.resource(content.secrets).create(name, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: 'hunter2' } });
  await c.resource(content.pods).create(name, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'unscheduled' },
    spec: { containers: [{ name: 'app', image: 'busybox' }] },
  });
  const dep = await c.resource(content.deployments).create(name, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
    },
  });
  return dep.metadata.resourceVersion!;
}

async function leaseHolder(): Promise<string | undefined> {
  return (await s.client.resource<Lease>(leaseResource).get('kube-system', 'skiff-controller-manager')).spec?.holderIdentity;
}

describe('namespace controller', () => {
  it('empties a deleted namespace, refusing new content meanwhile, and then the namespace disappears', async () => {
    await startManager('solo');
    const rv = await createNamespaceWithContent('doomed');
    const log = new EventLog();
    log.follow(s.client.resource(namespacesRef), undefined, rv, 'metadata.name=doomed');
    for (const r of Object.values(content)) log.follow(s.client.resource(r), 'doomed', rv);

    const deleting = (await s.client.resource(namespacesRef).delete(undefined, 'doomed')) as KubeObject;
    expect(deleting.metadata.deletionTimestamp).toBeTruthy();
    expect(deleting.status).toMatchObject({ phase: 'Terminating' });

    const late = s.client
      .resource(content.configmaps)
      .create('doomed', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } });
    await expect(late).rejects.toSatisfy(isForbidden);
    await expect(late).rejects.toThrow('unable to create new content in namespace doomed because it is being terminated');

    const gone = await log.waitFor('namespace deletion', (e) => e.resource === 'namespaces' && e.type === 'DELETED', 20_000);
    for (const [resource, name] of [
      ['configmaps', 'settings'],
      ['secrets', 'creds'],
      ['pods', 'unscheduled'],
      ['deployments', 'web'],
    ] as const) {
      const deleted = log.events.find((e) => e.resource === resource && e.name === name && e.type === 'DELETED');
      expect(deleted, `${resource}/${name} deleted`).toBeDefined();
      expect(deleted!.resourceVersion).toBeLessThan(gone.resourceVersion);
    }
    for (const r of Object.values(content)) expect((await s.client.resource(r).list('doomed')).items).toEqual([]);
  });

  it('of two controller-managers only the lease holder acts, and the other takes over when it stops', async () => {
    const first = await startManager('first');
    const log = new EventLog();
    const nsWatch = (rv: string) => log.follow(s.client.resource(namespacesRef), undefined, rv);
    await expect.poll(() => first.isLeader(), { timeout: 10_000 }).toBe(true);
    const second = await startManager('second');

    const rv1 = await createNamespaceWithContent('doomed-a');
    nsWatch(rv1);
    await s.client.resource(namespacesRef).delete(undefined, 'doomed-a');
    await log.waitFor('doomed-a to go', (e) => e.name === 'doomed-a' && e.type === 'DELETED', 20_000);

    expect(await leaseHolder()).toBe('first');
    expect(second.isLeader()).toBe(false);
    expect(second.runningControllers()).toEqual([]);
    const firstMetrics = await first.metrics.registry.metrics();
    const secondMetrics = await second.metrics.registry.metrics();
    expect(firstMetrics).toMatch(/workqueue_adds_total\{name="namespace"\} [1-9]/);
    expect(secondMetrics).not.toContain('workqueue_adds_total{name="namespace"}');
    expect(secondMetrics).toContain('leader_election_master_status{name="skiff-controller-manager"} 0');

    await first.stop();
    await expect.poll(() => second.isLeader(), { timeout: 10_000 }).toBe(true);
    expect(await leaseHolder()).toBe('second');

    const rv2 = await createNamespaceWithContent('doomed-b');
    nsWatch(rv2);
    await s.client.resource(namespacesRef).delete(undefined, 'doomed-b');
    await log.waitFor('doomed-b to go', (e) => e.name === 'doomed-b' && e.type === 'DELETED', 20_000);
    expect(await second.metrics.registry.metrics()).toMatch(/workqueue_adds_total\{name="namespace"\} [1-9]/);
  });

  it('kubectl delete namespace waits until the namespace is gone', async () => {
    await startManager('kubectl');
    const env = { ...process.env, KUBECONFIG: s.kubeconfig };
    // Created through the API: `kubectl create namespace` sends protobuf, which the apiserver does not accept yet.
    await createNamespaceWithContent('doomed2');

    const deleted = await run('/usr/bin/kubectl', ['delete', 'namespace', 'doomed2'], { env, timeout: 45_000 });
    expect(deleted.stdout).toContain('namespace "doomed2" deleted');

    const get = await run('/usr/bin/kubectl', ['get', 'ns', 'doomed2'], { env, timeout: 20_000 }).catch((err: { stderr?: string; code?: number }) => err);
    expect('code' in get ? get.code : 0).toBe(1);
    expect('stderr' in get ? get.stderr : '').toContain('Error from server (NotFound): namespaces "doomed2" not found');
  });
});
