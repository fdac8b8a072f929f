import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Event, Toleration } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import { FakeClock, isNotFound, SharedInformerFactory, type ResourceRef } from '../../src/client/index.js';
import { startMemoryApiServer, type MemoryApiServer } from '../testing/apiserver.js';
import type { PodObject } from '../replicaset/pods.js';
import { TaintEvictionController } from './taint-eviction.js';

const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const eventsRef: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true };

let api: MemoryApiServer;
let informers: SharedInformerFactory;
let controller: TaintEvictionController;
const clock = new FakeClock(Date.parse('2024-05-01T10:00:00Z'));
const ctl = new AbortController();
let running: Promise<void>;

beforeAll(async () => {
  api = await startMemoryApiServer();
  informers = new SharedInformerFactory(api.client, { onError: () => {} });
  controller = new TaintEvictionController({ client: api.client, informers, log: pino({ level: 'silent' }), clock });
  informers.start();
  running = controller.start(ctl.signal);
});
afterAll(async () => {
  ctl.abort();
  await running;
  informers.shutdown();
  await api?.stop();
});

const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };

async function node(name: string, taints: { key: string; effect: string }[]): Promise<void> {
  await api.client.resource(nodesRef).create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { taints } });
}

async function pod(name: string, nodeName: string, tolerations: Toleration[] = []): Promise<void> {
  await api.client.resource(podsRef).create('default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { nodeName, terminationGracePeriodSeconds: 0, tolerations, containers: [{ name: 'c', image: 'busybox' }] },
  });
}

async function exists(name: string): Promise<boolean> {
  try {
    await api.client.resource<PodObject>(podsRef).get('default', name);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

async function eventually(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Lets the informers and workers act on what just happened, without moving the fake clock. */
const settle = () => new Promise((r) => setTimeout(r, 300));

const tolerate = (seconds?: number): Toleration => ({ key: unreachable.key, operator: 'Exists', effect: 'NoExecute', ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}) });

describe('taint eviction', () => {
  it('deletes at once a pod that does not tolerate a taint, after tolerationSeconds one that does for a while, and never one that does for ever', async () => {
    await node('dead', [unreachable]);
    await node('maintained', [{ key: 'example.com/maintenance', effect: 'NoExecute' }]);
    await node('fine', []);
    const start = clock.now();
    await pod('intolerant', 'maintained');
    await pod('patient', 'dead', [tolerate(30)]);
    // Admission gives this one the default 300 s toleration of unreachable nodes.
    await pod('defaulted', 'dead');
    await pod('forever', 'dead', [tolerate()]);
    await pod('elsewhere', 'fine');
    await eventually('the intolerant pod deleted', async () => !(await exists('intolerant')));
    await eventually('the patient pods scheduled', () => controller.scheduledAt('default/patient') !== undefined && controller.scheduledAt('default/defaulted') !== undefined);
    expect(controller.scheduledAt('default/patient')).toBe(start + 30_000);
    expect(controller.scheduledAt('default/defaulted')).toBe(start + 300_000);

    clock.advance(29_000);
    await settle();
    expect(await exists('patient')).toBe(true);
    clock.advance(1_500);
    await eventually('the patient pod deleted', async () => !(await exists('patient')));
    expect(await exists('defaulted')).toBe(true);
    clock.advance(270_000);
    await eventually('the defaulted pod deleted', async () => !(await exists('defaulted')));

    clock.advance(3_600_000);
    await settle();
    expect(await exists('forever')).toBe(true);
    expect(await exists('elsewhere')).toBe(true);
    const events = (await api.client.resource<Event & KubeObject>(eventsRef).list('default')).items;
    const marks = events.filter((e) => e.reason === 'TaintManagerEviction').map((e) => e.message);
    expect(marks).toEqual(expect.arrayContaining(['Marking for deletion Pod default/intolerant', 'Marking for deletion Pod default/patient']));
  }, 30_000);

  it('cancels a scheduled deletion when the taint goes away, and says so', async () => {
    await node('flaky', [unreachable]);
    await pod('waiting', 'flaky', [tolerate(60)]);
    await eventually('the pod scheduled', () => controller.scheduledAt('default/waiting') !== undefined);
    await api.client.resource(nodesRef).patch(undefined, 'flaky', { spec: { taints: null } }, 'merge');
    await eventually('the deletion cancelled', () => controller.scheduledAt('default/waiting') === undefined);
    clock.advance(120_000);
    await settle();
    expect(await exists('waiting')).toBe(true);
    await eventually('the cancel event', async () => {
      const events = (await api.client.resource<Event & KubeObject>(eventsRef).list('default')).items;
      return events.some((e) => e.reason === 'TaintManagerEviction' && e.message === 'Cancelling deletion of Pod default/waiting');
    });
  }, 30_000);
});
