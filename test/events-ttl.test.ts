// Events expire as kube-apiserver's --event-ttl makes them: stored with an
// etcd lease, they are gone from etcd (and from lists and watches) once the
// TTL has passed since their last write; other objects stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { isNotFound, type ResourceRef } from '../src/client/index.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';

const eventsRef: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true };
const configMapsRef: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', namespaced: true };

let s: TestApiServer;
beforeAll(async () => {
  s = await startApiServer({ eventTTLSeconds: 2 });
});
afterAll(async () => {
  await s?.stop();
});

const event = (name: string): Event & KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', apiVersion: 'v1' },
    reason: 'Started',
    message: 'Started container app',
    type: 'Normal',
    count: 1,
    firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    source: { component: 'kubelet' },
  }) as Event & KubeObject;

async function goneWithin(name: string, ms: number): Promise<number> {
  const events = s.client.resource<Event & KubeObject>(eventsRef);
  const started = Date.now();
  for (;;) {
    try {
      await events.get('default', name);
    } catch (err) {
      if (isNotFound(err)) return Date.now() - started;
      throw err;
    }
    if (Date.now() - started > ms) throw new Error(`event ${name} still there after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('event TTL', () => {
  it('deletes an event from etcd once its TTL has passed, and leaves other objects alone', async () => {
    const events = s.client.resource<Event & KubeObject>(eventsRef);
    await events.create('default', event('web-1.a'));
    await s.client.resource(configMapsRef).create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep' } } as KubeObject);
    expect((await events.get('default', 'web-1.a')).reason).toBe('Started');
    await goneWithin('web-1.a', 10_000);
    // gone from etcd itself, not just hidden by the apiserver
    expect(await s.storage.get('/registry/events/default/web-1.a')).toBeNull();
    expect((await events.list('default')).items.map((e) => e.metadata.name)).not.toContain('web-1.a');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await s.client.resource(configMapsRef).get('default', 'keep')).metadata.name).toBe('keep');
  }, 20_000);

  it('counts the TTL from the last write: an event bumped again lives on', async () => {
    const events = s.client.resource<Event & KubeObject>(eventsRef);
    await events.create('default', event('web-1.b'));
    await new Promise((r) => setTimeout(r, 1500));
    await events.patch('default', 'web-1.b', { count: 2 }, 'merge');
    await new Promise((r) => setTimeout(r, 1000));
    // 2.5 s after creation, 1 s after the bump: still there
    expect((await events.get('default', 'web-1.b')).count).toBe(2);
    await goneWithin('web-1.b', 10_000);
  }, 20_000);
});
