import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { freePorts } from '../src/cluster/etcd.js';
import { EventRecorder, leaseResource, RestClient, type Lease } from '../src/client/index.js';
import { FakeApiServer } from '../src/client/testing/fake-apiserver.js';
import type { Controller, ControllerContext, ControllerDescriptor } from './controller.js';
import { ControllerManager, type ControllerManagerOptions } from './manager.js';
import { namespaceController } from './namespace/controller.js';
import { startMemoryApiServer, type MemoryApiServer } from './testing/apiserver.js';

let api: MemoryApiServer;
const managers: ControllerManager[] = [];

beforeAll(async () => {
  api = await startMemoryApiServer();
});
afterAll(async () => {
  await api?.stop();
});
afterEach(async () => {
  while (managers.length) await managers.pop()!.stop();
});

const fastElection = { leaseDurationSeconds: 2, renewDeadlineSeconds: 1.5, retryPeriodSeconds: 0.25 };

/** A controller that only records when it runs. */
function recorder(log: string[], tag: string): ControllerDescriptor {
  return {
    name: 'recorder',
    init: (): Controller => ({
      name: 'recorder',
      async start(signal) {
        log.push(`${tag} started`);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        log.push(`${tag} stopped`);
      },
    }),
  };
}

function manager(opts: Partial<ControllerManagerOptions>): ControllerManager {
  const m = new ControllerManager({ client: api.client, controllers: [], port: 0, ...opts });
  managers.push(m);
  return m;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function lease(name: string): Promise<Lease> {
  return api.client.resource<Lease>(leaseResource).get('kube-system', name);
}

describe('ControllerManager', () => {
  it('serves health and Prometheus metrics, including the queue of a controller at work', async () => {
    const [port] = await freePorts(1);
    const m = manager({ port: port!, leaderElection: false, controllers: [namespaceController({ deletionDelayMs: 0 })] });
    const address = await m.start();
    expect(address).toBe(`http://127.0.0.1:${port}`);

    const health = await request(`${address}/healthz`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.text()).toBe('ok');

    const ns = api.client.resource({ group: '', version: 'v1', plural: 'namespaces', namespaced: false });
    await ns.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'metered' } });
    await ns.delete(undefined, 'metered');
    await until('the namespace to go', async () => (await ns.list()).items.every((n) => n.metadata.name !== 'metered'));

    const metrics = await request(`${address}/metrics`);
    expect(metrics.statusCode).toBe(200);
    expect(String(metrics.headers['content-type'])).toMatch(/^text\/plain/);
    const text = await metrics.body.text();
    expect(text).toContain('leader_election_master_status{name="skiff-controller-manager"} 1');
    expect(text).toMatch(/workqueue_adds_total\{name="namespace"\} [1-9]/);
    expect(text).toMatch(/workqueue_work_duration_seconds_count\{name="namespace"\} [1-9]/);
    expect(text).toContain('workqueue_depth{name="namespace"} 0');

    expect((await request(`${address}/nothing`)).statusCode).toBe(404);
  });

  it('runs controllers only while holding the lease, and hands over on stop', async () => {
    const log: string[] = [];
    const first = manager({ leaderElection: { ...fastElection, name: 'handover', identity: 'first' }, controllers: [recorder(log, 'first')] });
    await first.start();
    await until('first to lead', () => first.isLeader());
    expect((await lease('handover')).spec?.holderIdentity).toBe('first');

    const second = manager({ leaderElection: { ...fastElection, name: 'handover', identity: 'second' }, controllers: [recorder(log, 'second')] });
    await second.start();
    // Several of the follower's attempts go by without it taking over.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(second.isLeader()).toBe(false);
    expect(second.runningControllers()).toEqual([]);
    expect(first.runningControllers()).toEqual(['recorder']);
    expect(log).toEqual(['first started']);

    await first.stop();
    expect(log).toEqual(['first started', 'first stopped']);
    await until('second to lead', () => second.isLeader());
    expect(log).toEqual(['first started', 'first stopped', 'second started']);
    expect((await lease('handover')).spec?.holderIdentity).toBe('second');
    expect((await lease('handover')).spec?.leaseTransitions).toBe(1);

    await second.stop();
    expect(log.at(-1)).toBe('second stopped');
    // Released: a successor would not have to wait the lease out.
    expect((await lease('handover')).spec?.holderIdentity).toBe('');
  });

  it('keeps the other controllers running when one cannot be built', async () => {
    const log: string[] = [];
    const broken: ControllerDescriptor = {
      name: 'broken',
      init: () => {
        throw new Error('missing configuration');
      },
    };
    const m = manager({ leaderElection: false, controllers: [broken, recorder(log, 'm')] });
    await m.start();
    await until('the recorder to start', () => log.includes('m started'));
    expect(m.runningControllers()).toEqual(['recorder']);
  });

  it("gives every controller a client of its own: one controller's burst does not hold up another", async () => {
    let greedyFirst!: () => void;
    const greedyStarted = new Promise<void>((resolve) => (greedyFirst = resolve));
    const finished: string[] = [];
    const get = (ctx: ControllerContext): Promise<unknown> => ctx.client.request('GET', '/api/v1/namespaces');
    const once = (name: string, work: (ctx: ControllerContext) => Promise<void>): ControllerDescriptor => ({
      name,
      init: (ctx): Controller => ({
        name,
        async start(signal) {
          await work(ctx);
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        },
      }),
    });
    // At 2 requests a second with no burst to speak of, the greedy controller's five requests take two seconds.
    const greedy = once('greedy', async (ctx) => {
      await Promise.all(
        Array.from({ length: 5 }, async (_, i) => {
          await get(ctx);
          if (i === 0) greedyFirst();
        }),
      );
      finished.push('greedy');
    });
    const modest = once('modest', async (ctx) => {
      await greedyStarted;
      await get(ctx);
      finished.push('modest');
    });
    const m = manager({ leaderElection: false, kubeApiQps: 2, kubeApiBurst: 1, controllers: [greedy, modest] });
    await m.start();
    await until('both controllers to finish', () => finished.length === 2, 10_000);
    expect(finished).toEqual(['modest', 'greedy']);
  });

  it("writes controllers' events through the event client, each controller through a client of its own", async () => {
    const eventServer = new FakeApiServer();
    await eventServer.start();
    const built: string[] = [];
    const eventClient = new RestClient({ server: eventServer.url, namespace: 'default', contextName: 'events' }, { rateLimit: false });
    const clientBuilder = (name: string): RestClient => {
      built.push(name);
      return name === 'events' ? eventClient : new RestClient(api.client.config, { rateLimit: false });
    };
    const reporting = (name: string): ControllerDescriptor => ({
      name,
      init: (ctx): Controller => ({
        name,
        async start(signal) {
          const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', uid: name } };
          new EventRecorder(ctx.client, { component: name }).event(obj, 'Normal', 'Synced', `${name} synced`);
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        },
      }),
    });
    try {
      const m = manager({ leaderElection: false, clientBuilder, controllers: [reporting('one'), reporting('two')] });
      await m.start();
      await until('both events', () => eventServer.listObjects('/api/v1/events').length === 2);
      expect(built.sort()).toEqual(['events', 'one', 'two']);
      const events = await api.client.request<{ items: unknown[] }>('GET', '/api/v1/events');
      expect(events.items).toHaveLength(0);
    } finally {
      while (managers.length) await managers.pop()!.stop();
      await eventServer.close();
    }
  });
});
