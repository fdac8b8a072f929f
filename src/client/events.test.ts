import { afterEach, describe, expect, it } from 'vitest';
import type { Event } from '../api/core/v1.js';
import type { KubeObject } from '../api/meta.js';
import { EventRecorder } from './events.js';
import { RestClient } from './rest.js';
import { FakeApiServer } from './testing/fake-apiserver.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fixture() {
  const api = new FakeApiServer();
  await api.start();
  const client = new RestClient({ server: api.url, namespace: 'default', contextName: 't' }, { rateLimit: false });
  cleanups.push(
    () => api.close(),
    () => client.close(),
  );
  return { api, client };
}

const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default', uid: 'u1' } };
const events = (api: FakeApiServer) => api.listObjects('/api/v1/events') as (Event & KubeObject)[];

describe('event recorder aggregation', () => {
  it('writes the same event again as count and lastTimestamp on the first one', async () => {
    const { api, client } = await fixture();
    let now = Date.parse('2024-05-01T10:00:00Z');
    const rec = new EventRecorder(client, { component: 'kubelet', now: () => now });
    rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    await rec.flush();
    now += 30_000;
    rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    await rec.flush();
    expect(events(api)).toHaveLength(1);
    expect(events(api)[0]).toMatchObject({ count: 2, firstTimestamp: '2024-05-01T10:00:00Z', lastTimestamp: '2024-05-01T10:00:30Z' });
  });

  it('combines similar events with different messages after 10 within 10 minutes into one counted event', async () => {
    const { api, client } = await fixture();
    let now = Date.parse('2024-05-01T10:00:00Z');
    const rec = new EventRecorder(client, { component: 'horizontal-pod-autoscaler', now: () => now });
    for (let i = 1; i <= 14; i++) {
      rec.event(pod, 'Warning', 'FailedGetResourceMetric', `missing request for cpu in container c${i}`);
      await rec.flush();
      now += 1000;
    }
    const all = events(api);
    const separate = all.filter((e) => !e.message?.startsWith('(combined'));
    const combined = all.filter((e) => e.message?.startsWith('(combined'));
    expect(separate).toHaveLength(9);
    expect(combined).toHaveLength(1);
    expect(combined[0]).toMatchObject({
      reason: 'FailedGetResourceMetric',
      count: 5,
      message: '(combined from similar events): missing request for cpu in container c14',
    });
  });

  it('starts counting anew when the similar events are more than 10 minutes apart', async () => {
    const { api, client } = await fixture();
    let now = Date.parse('2024-05-01T10:00:00Z');
    const rec = new EventRecorder(client, { component: 'c', now: () => now });
    for (let i = 1; i <= 12; i++) {
      rec.event(pod, 'Normal', 'Pulled', `image ${i}`);
      await rec.flush();
      now += 11 * 60_000;
    }
    expect(events(api).filter((e) => e.message?.startsWith('(combined'))).toHaveLength(0);
    expect(events(api)).toHaveLength(12);
  });
});
