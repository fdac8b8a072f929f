import { afterEach, describe, expect, it } from 'vitest';
import type { Event } from '../api/core/v1.js';
import type { KubeObject } from '../api/meta.js';
import { EventRecorder, EventSink, routeEvents, type EventDropReason } from './events.js';
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
const otherPod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-2', namespace: 'default', uid: 'u2' } };
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

describe('event spam filter', () => {
  it('lets a source write 25 events about one object, then one every 5 minutes; other objects are not held back', async () => {
    const { api, client } = await fixture();
    let now = Date.parse('2024-05-01T10:00:00Z');
    const rec = new EventRecorder(client, { component: 'c', now: () => now });
    for (let i = 1; i <= 30; i++) rec.event(pod, 'Normal', `Reason${i}`, 'something happened');
    rec.event(otherPod, 'Normal', 'Reason1', 'something happened');
    await rec.flush();
    const about = (name: string) => events(api).filter((e) => e.involvedObject?.name === name);
    expect(about('web-1')).toHaveLength(25);
    expect(about('web-1').map((e) => e.reason)).not.toContain('Reason26');
    expect(about('web-2')).toHaveLength(1);

    now += 60_000;
    rec.event(pod, 'Normal', 'Reason31', 'something happened');
    await rec.flush();
    expect(about('web-1')).toHaveLength(25);

    now += 240_000;
    rec.event(pod, 'Normal', 'Reason32', 'something happened');
    await rec.flush();
    expect(about('web-1').map((e) => e.reason)).toContain('Reason32');
  });

  it('counts the occurrences it held back in the next write of that event', async () => {
    const { api, client } = await fixture();
    let now = Date.parse('2024-05-01T10:00:00Z');
    const rec = new EventRecorder(client, { component: 'kubelet', now: () => now });
    for (let i = 0; i < 30; i++) {
      rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
      await rec.flush();
      now += 1000;
    }
    expect(events(api)).toHaveLength(1);
    expect(events(api)[0]!.count).toBe(25);

    now += 300_000;
    rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    await rec.flush();
    expect(events(api)[0]).toMatchObject({ count: 31, lastTimestamp: rfc(now) });
  });
});

const rfc = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

describe('event sink', () => {
  /** Holds every event write until release() is called. */
  function stallEvents(api: FakeApiServer): { release: () => void; writes: () => number } {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let writes = 0;
    api.hooks.push(async (req) => {
      if (req.path.includes('/events')) {
        writes++;
        await gate;
      }
      return false;
    });
    return { release, writes: () => writes };
  }

  it('drops events past its capacity without making the caller wait, and counts them', async () => {
    const { api, client } = await fixture();
    const dropped: EventDropReason[] = [];
    const sink = new EventSink(client, { capacity: 2, concurrency: 1, onDropped: (r) => dropped.push(r) });
    routeEvents(client, sink);
    const stall = stallEvents(api);
    const rec = new EventRecorder(client, { component: 'c' });
    for (let i = 1; i <= 5; i++) {
      rec.event({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'default', uid: `u${i}` } }, 'Normal', 'Scheduled', 'assigned');
    }
    // p1 is being written, p2 and p3 wait, p4 and p5 found the queue full
    expect(dropped).toEqual(['queue_full', 'queue_full']);
    stall.release();
    await rec.flush();
    expect(events(api).map((e) => e.involvedObject?.name).sort()).toEqual(['p1', 'p2', 'p3']);
  });

  it('writes repeats that came while the event was queued or being written as one update', async () => {
    const { api, client } = await fixture();
    const stall = stallEvents(api);
    const rec = new EventRecorder(client, { component: 'c' });
    for (let i = 0; i < 10; i++) rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    stall.release();
    await rec.flush();
    expect(events(api)).toHaveLength(1);
    expect(events(api)[0]!.count).toBe(10);
    expect(stall.writes()).toBe(2);
  });

  it('writes the events recorded on a client through the client routed to it', async () => {
    const { api } = await fixture();
    const eventClient = new RestClient({ server: api.url, namespace: 'default', contextName: 't' }, { rateLimit: false, userAgent: 'component/events' });
    cleanups.push(() => eventClient.close());
    const main = new RestClient({ server: api.url, namespace: 'default', contextName: 't' }, { rateLimit: false, userAgent: 'component' });
    cleanups.push(() => main.close());
    const sink = new EventSink(eventClient);
    const unroute = routeEvents(main, sink);
    new EventRecorder(main, { component: 'c' }).event(pod, 'Normal', 'Scheduled', 'assigned');
    await sink.flush();
    unroute();
    const rec = new EventRecorder(main, { component: 'c' });
    rec.event(pod, 'Normal', 'Pulled', 'pulled');
    await rec.flush();
    const agents = api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/events')).map((r) => r.headers['user-agent']);
    expect(agents).toEqual(['component/events', 'component']);
  });
});
