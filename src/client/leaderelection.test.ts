import { afterEach, describe, expect, it } from 'vitest';
import { formatMicroTime, LeaderElector, type Lease, type LeaderElectionConfig } from './leaderelection.js';
import { RestClient } from './rest.js';
import { FakeApiServer } from './testing/fake-apiserver.js';

const coll = '/apis/coordination.k8s.io/v1/leases';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Candidate {
  elector: LeaderElector;
  leading: boolean;
  started: number;
  stopped: number;
  leaders: string[];
  signal?: AbortSignal;
  done: Promise<void>;
}

async function fixture(): Promise<{ api: FakeApiServer; candidate: (id: string, extra?: Partial<LeaderElectionConfig>) => Candidate }> {
  const api = new FakeApiServer();
  await api.start();
  cleanups.push(() => api.close());
  const candidate = (identity: string, extra: Partial<LeaderElectionConfig> = {}): Candidate => {
    const client = new RestClient({ server: api.url, namespace: 'default', contextName: 't' }, { rateLimit: false });
    const c: Partial<Candidate> & { leading: boolean; started: number; stopped: number; leaders: string[] } = {
      leading: false,
      started: 0,
      stopped: 0,
      leaders: [],
    };
    c.elector = new LeaderElector({
      client,
      namespace: 'kube-system',
      name: 'skiff-controller-manager',
      identity,
      leaseDurationSeconds: 1,
      renewDeadlineSeconds: 0.5,
      retryPeriodSeconds: 0.1,
      releaseOnCancel: true,
      onStartedLeading: (signal) => {
        c.leading = true;
        c.started++;
        c.signal = signal;
      },
      onStoppedLeading: () => {
        c.leading = false;
        c.stopped++;
      },
      onNewLeader: (id) => void c.leaders.push(id),
      ...extra,
    });
    c.done = c.elector.run();
    cleanups.push(
      () => client.close(),
      () => c.elector!.stop(),
    );
    return c as Candidate;
  };
  return { api, candidate };
}

const lease = (api: FakeApiServer): Lease => api.getObject(coll, 'kube-system', 'skiff-controller-manager') as Lease;

describe('LeaderElector', () => {
  it('lets exactly one of two candidates lead, and hands over at once when the leader releases', async () => {
    const { api, candidate } = await fixture();
    const a = candidate('a');
    const b = candidate('b');
    await until(() => a.leading || b.leading, 'a leader');
    // several renew periods: the follower must stay a follower while the leader renews
    for (let i = 0; i < 10; i++) {
      await sleep(50);
      expect(a.leading && b.leading).toBe(false);
      expect(a.leading || b.leading).toBe(true);
    }
    const [leader, follower] = a.leading ? [a, b] : [b, a];
    const leaderId = a.leading ? 'a' : 'b';
    const followerId = a.leading ? 'b' : 'a';
    const held = lease(api);
    expect(held.spec?.holderIdentity).toBe(leaderId);
    expect(held.spec?.leaseDurationSeconds).toBe(1);
    expect(held.spec?.leaseTransitions).toBe(0);
    expect(held.spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // both raced to create the lease: exactly one POST won
    expect(api.requests.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(1);
    expect(follower.leaders).toEqual([leaderId]);
    expect(leader.elector.isLeader()).toBe(true);

    const renewedBefore = lease(api).spec?.renewTime;
    await sleep(250);
    expect(lease(api).spec?.renewTime).not.toBe(renewedBefore);

    await leader.elector.stop();
    expect(leader.stopped).toBe(1);
    expect(leader.signal?.aborted).toBe(true);
    expect(lease(api).spec?.holderIdentity).toBe('');
    // released: the follower takes over on its next retry instead of waiting out the 1 s lease
    const releasedAt = Date.now();
    await until(() => follower.leading, 'takeover');
    expect(Date.now() - releasedAt).toBeLessThan(900);
    expect(lease(api).spec?.holderIdentity).toBe(followerId);
    expect(lease(api).spec?.leaseTransitions).toBe(1);
    expect(follower.leaders).toEqual([leaderId, followerId]);
  });

  it('takes over from a leader that vanished once the lease has run out by its own clock', async () => {
    const { api, candidate } = await fixture();
    const a = candidate('a', { releaseOnCancel: false });
    await until(() => a.leading, 'a leads');
    const b = candidate('b');
    await until(() => b.leaders.includes('a'), 'b sees a');
    const lastRenew = Date.now();
    await a.elector.stop();
    expect(lease(api).spec?.holderIdentity).toBe('a');
    await until(() => b.leading, 'b takes over');
    // b waited for the record to stay unchanged for the lease duration (1 s; a renewed at most ~0.1 s before lastRenew)
    expect(Date.now() - lastRenew).toBeGreaterThanOrEqual(800);
    expect(lease(api).spec?.holderIdentity).toBe('b');
    expect(lease(api).spec?.leaseTransitions).toBe(1);
  });

  it('keeps leading through a conflicting write by re-reading the lease', async () => {
    const { api, candidate } = await fixture();
    const errors: unknown[] = [];
    const a = candidate('a', { onError: (e) => errors.push(e) });
    await until(() => a.leading, 'a leads');
    let staleWrites = 0;
    api.hooks.push((req) => {
      if (req.method === 'PUT') {
        const sent = (JSON.parse(req.body) as Lease).metadata.resourceVersion;
        if (sent !== lease(api).metadata.resourceVersion) staleWrites++;
      }
      return false;
    });
    // someone else touches the lease (its resourceVersion moves): a's next optimistic update gets 409
    const current = lease(api);
    api.put(coll, { ...current, metadata: { ...current.metadata, annotations: { touched: 'yes' } } });
    const puts = (): number => api.requests.filter((r) => r.method === 'PUT').length;
    const before = puts();
    await until(() => puts() >= before + 3, 'more renewals');
    expect(staleWrites).toBe(1);
    expect(a.leading).toBe(true);
    expect(a.stopped).toBe(0);
    expect(lease(api).spec?.holderIdentity).toBe('a');
    expect(lease(api).metadata.annotations).toEqual({ touched: 'yes' });
    expect(errors).toEqual([]);
  });

  it('stops leading when it cannot renew within the renew deadline', async () => {
    const { api, candidate } = await fixture();
    const a = candidate('a');
    await until(() => a.leading, 'a leads');
    api.hooks.push((req, res) => {
      if (!req.path.includes('/leases/')) return false;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 503, reason: 'ServiceUnavailable', message: 'etcd down' }));
      return true;
    });
    await until(() => a.stopped === 1, 'leadership lost', 3000);
    expect(a.signal?.aborted).toBe(true);
    await a.done;
  });

  it('rejects timings client-go would reject', () => {
    const base = { client: new RestClient({ server: 'http://127.0.0.1:1', namespace: 'd', contextName: 't' }), namespace: 'n', name: 'l', identity: 'x', onStartedLeading: () => {} };
    cleanups.push(() => base.client.close());
    expect(() => new LeaderElector({ ...base, leaseDurationSeconds: 5, renewDeadlineSeconds: 5 })).toThrow(/leaseDuration must be greater than renewDeadline/);
    expect(() => new LeaderElector({ ...base, renewDeadlineSeconds: 2, retryPeriodSeconds: 2 })).toThrow(/renewDeadline must be greater/);
    expect(formatMicroTime(Date.UTC(2024, 0, 2, 3, 4, 5, 678))).toBe('2024-01-02T03:04:05.678000Z');
  });
});
