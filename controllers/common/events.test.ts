import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import { startMemoryApiServer, type MemoryApiServer } from '../testing/apiserver.js';
import { EventRecorder } from '../../src/client/events.js';

let api: MemoryApiServer;
beforeAll(async () => {
  api = await startMemoryApiServer();
});
afterAll(async () => {
  await api?.stop();
});

const eventsRef = { group: '', version: 'v1', plural: 'events', namespaced: true };

describe('event recorder', () => {
  it('writes an Event about the object and bumps its count when the same event happens again', async () => {
    let now = Date.parse('2024-05-01T10:00:00Z');
    const rec = new EventRecorder(api.client, { component: 'deployment-controller', now: () => now });
    const obj: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', uid: 'u1' } };
    rec.event(obj, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set web-abc12 from 0 to 3');
    await rec.flush();
    now += 5000;
    rec.event(obj, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set web-abc12 from 0 to 3');
    rec.event(obj, 'Warning', 'SelectingAll', 'other');
    await rec.flush();
    const items = (await api.client.resource<Event & KubeObject>(eventsRef).list('default')).items;
    const scaling = items.filter((e) => e.reason === 'ScalingReplicaSet');
    expect(scaling).toHaveLength(1);
    expect(scaling[0]).toMatchObject({
      involvedObject: { kind: 'Deployment', name: 'web', namespace: 'default', uid: 'u1', apiVersion: 'apps/v1' },
      source: { component: 'deployment-controller' },
      type: 'Normal',
      count: 2,
      firstTimestamp: '2024-05-01T10:00:00Z',
      lastTimestamp: '2024-05-01T10:00:05Z',
    });
    expect(scaling[0]!.metadata.name).toMatch(/^web\.[0-9a-f]+$/);
    expect(items.filter((e) => e.reason === 'SelectingAll')).toHaveLength(1);
  });
});
