import { afterEach, describe, expect, it } from 'vitest';
import type { Node, Pod } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { Informer, RestClient, type ResourceRef } from '../src/client/index.js';
import { FakeApiServer } from '../src/client/testing/fake-apiserver.js';
import { freePorts } from '../src/cluster/etcd.js';
import { startMemoryApiServer, type MemoryApiServer } from '../controllers/testing/apiserver.js';
import { schedulerConfigFrom } from './config.js';
import { SchedulerServer } from './server.js';
import { makeNode, makePod } from './testing/fixtures.js';

const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };

let api: MemoryApiServer | undefined;
let server: SchedulerServer | undefined;

afterEach(async () => {
  await server?.stop();
  await api?.stop();
  server = undefined;
  api = undefined;
});

async function addNode(a: MemoryApiServer, node: Node): Promise<void> {
  const nodes = a.client.resource<Node & KubeObject>(nodesRef);
  const created = await nodes.create(undefined, { ...node, status: undefined } as Node & KubeObject);
  await nodes.updateStatus(undefined, { ...created, status: node.status });
}

function boundPod(a: MemoryApiServer, name: string): Promise<Pod> {
  const inf = new Informer<Pod & KubeObject>(a.client, podsRef, { namespace: 'default' });
  return new Promise((resolve) => {
    const check = (p: Pod): void => {
      if (p.metadata.name === name && p.spec.nodeName) {
        inf.stop();
        resolve(p);
      }
    };
    inf.addEventHandler({ onAdd: check, onUpdate: (_o, p) => check(p) });
    inf.start();
  });
}

describe('SchedulerServer', () => {
  it('binds pods through pods/binding and reports it on /metrics; /healthz answers ok', async () => {
    api = await startMemoryApiServer();
    const [port] = await freePorts(1);
    server = new SchedulerServer({ client: api.client, config: schedulerConfigFrom({ leaderElection: { leaderElect: false } }), port: port! });
    const address = await server.start();
    await addNode(api, makeNode('n1'));
    const { status: _s, ...spec } = makePod('web', { cpu: '100m' });
    const bound = boundPod(api, 'web');
    await api.client.resource<Pod & KubeObject>(podsRef).create('default', { ...spec, metadata: { name: 'web', namespace: 'default' } } as Pod & KubeObject);
    const pod = await bound;
    expect(pod.spec.nodeName).toBe('n1');
    expect(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');

    const health = await fetch(`${address}/healthz`);
    expect(await health.text()).toBe('ok');
    const metrics = await (await fetch(`${address}/metrics`)).text();
    expect(metrics).toContain('scheduler_schedule_attempts_total{result="scheduled",profile="default-scheduler"} 1');
    expect(metrics).toContain('scheduler_pending_pods{queue="active"} 0');
    expect(metrics).toMatch(/scheduler_e2e_scheduling_duration_seconds_count\{result="scheduled",profile="default-scheduler"\} 1/);
    expect((await fetch(`${address}/nope`)).status).toBe(404);
  });

  it('leaves pods for other schedulers and pods that name their node alone', async () => {
    api = await startMemoryApiServer();
    server = new SchedulerServer({ client: api.client, config: schedulerConfigFrom({ leaderElection: { leaderElect: false } }), port: 0 });
    await server.start();
    await addNode(api, makeNode('n1'));
    const pods = api.client.resource<Pod & KubeObject>(podsRef);
    const { status: _s, ...other } = makePod('other', { schedulerName: 'someone-else' });
    await pods.create('default', { ...other, metadata: { name: 'other', namespace: 'default' } } as Pod & KubeObject);
    const { status: _p, ...pinned } = makePod('pinned', { nodeName: 'n1' });
    await pods.create('default', { ...pinned, metadata: { name: 'pinned', namespace: 'default' } } as Pod & KubeObject);
    const { status: _t, ...mine } = makePod('mine');
    const bound = boundPod(api, 'mine');
    await pods.create('default', { ...mine, metadata: { name: 'mine', namespace: 'default' } } as Pod & KubeObject);
    await bound;
    const got = await pods.get('default', 'other');
    expect(got.spec.nodeName).toBeUndefined();
    expect(got.status?.conditions ?? []).toEqual([]);
    expect((await pods.get('default', 'pinned')).status?.conditions ?? []).toEqual([]);
    expect(server.scheduler?.cache.getNode('n1')?.pods.size).toBe(2);
    expect(server.scheduler?.queue.sizes()).toEqual({ active: 0, backoff: 0, unschedulable: 0, gated: 0 });
  });

  it('writes its events through the event client, not the client that binds', async () => {
    api = await startMemoryApiServer();
    const eventServer = new FakeApiServer();
    await eventServer.start();
    const client = new RestClient(api.client.config, { rateLimit: false });
    const eventClient = new RestClient({ server: eventServer.url, namespace: 'default', contextName: 'events' }, { rateLimit: false });
    try {
      server = new SchedulerServer({ client, eventClient, config: schedulerConfigFrom({ leaderElection: { leaderElect: false } }), port: 0 });
      await server.start();
      await addNode(api, makeNode('n1'));
      const { status: _s, ...spec } = makePod('web');
      const bound = boundPod(api, 'web');
      await api.client.resource<Pod & KubeObject>(podsRef).create('default', { ...spec, metadata: { name: 'web', namespace: 'default' } } as Pod & KubeObject);
      await bound;
      const deadline = Date.now() + 5_000;
      while (eventServer.listObjects('/api/v1/events').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(eventServer.listObjects('/api/v1/events')).toMatchObject([{ reason: 'Scheduled', involvedObject: { name: 'web' } }]);
      expect((await api.client.request<{ items: unknown[] }>('GET', '/api/v1/events')).items).toHaveLength(0);
    } finally {
      await server?.stop();
      server = undefined;
      await Promise.all([client.close(), eventClient.close()]);
      await eventServer.close();
    }
  });
});
