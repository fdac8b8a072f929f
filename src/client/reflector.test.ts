import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/meta.js';
import { Reflector, listerWatcherFor } from './reflector.js';
import { RestClient } from './rest.js';
import { Store } from './store.js';
import { FakeApiServer } from './testing/fake-apiserver.js';

const cms = { group: '', version: 'v1', plural: 'configmaps', namespaced: true };
const coll = '/api/v1/configmaps';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function setup(opts: { pageSize?: number } = {}): Promise<{ api: FakeApiServer; store: Store<KubeObject>; reflector: Reflector<KubeObject>; errors: unknown[] }> {
  const api = new FakeApiServer();
  await api.start();
  const client = new RestClient({ server: api.url, namespace: 'default', contextName: 't' }, { rateLimit: false });
  const store = new Store<KubeObject>();
  const errors: unknown[] = [];
  const reflector = new Reflector(listerWatcherFor<KubeObject>(client, cms), store, {
    backoff: { initialMs: 5, maxMs: 20 },
    onError: (e) => errors.push(e),
    ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
  });
  cleanups.push(
    () => api.close(),
    () => client.close(),
    () => reflector.stop(),
  );
  return { api, store, reflector, errors };
}

const cm = (name: string, ns = 'ns'): KubeObject => ({ metadata: { name, namespace: ns }, data: { v: name } });
const names = (s: Store<KubeObject>): string[] => s.listKeys().sort();
const lists = (api: FakeApiServer) => api.requests.filter((r) => r.method === 'GET' && r.query.get('watch') === null);
const watches = (api: FakeApiServer) => api.requests.filter((r) => r.query.get('watch') === 'true');

describe('Reflector', () => {
  it('lists at resourceVersion 0, then watches from the list resourceVersion with bookmarks', async () => {
    const { api, store, reflector } = await setup();
    api.put(coll, cm('a'));
    api.put(coll, cm('b'));
    const listRV = api.resourceVersion;
    void reflector.run();
    await until(() => watches(api).length === 1, 'first watch');
    const list = lists(api)[0]!;
    expect(list.query.get('resourceVersion')).toBe('0');
    expect(list.query.get('limit')).toBe('500');
    const w = watches(api)[0]!;
    expect(w.query.get('resourceVersion')).toBe(listRV);
    expect(w.query.get('allowWatchBookmarks')).toBe('true');
    const timeout = Number(w.query.get('timeoutSeconds'));
    expect(timeout).toBeGreaterThanOrEqual(300);
    expect(timeout).toBeLessThan(600);
    expect(names(store)).toEqual(['ns/a', 'ns/b']);

    api.put(coll, { ...cm('a'), data: { v: 'changed' } });
    api.remove(coll, 'ns', 'b');
    api.put(coll, cm('c'));
    await until(() => names(store).join() === 'ns/a,ns/c' && store.get('ns/a')?.data !== undefined && (store.get('ns/a')!.data as { v: string }).v === 'changed', 'events applied');
    expect(reflector.lastSyncResourceVersion()).toBe(api.resourceVersion);
  });

  it('re-watches from the last bookmark when a watch ends normally, without listing again', async () => {
    const { api, reflector } = await setup();
    api.put(coll, cm('a'));
    void reflector.run();
    await until(() => api.openWatches === 1, 'watch open');
    api.put('/api/v1/secrets', { metadata: { name: 's', namespace: 'ns' } });
    api.bookmark();
    const bookmarkRV = api.resourceVersion;
    // the bookmark also keeps this from counting as a broken watch (under a second and no events)
    await until(() => reflector.lastSyncResourceVersion() === bookmarkRV, 'bookmark applied');
    api.closeWatches();
    await until(() => watches(api).length === 2, 'second watch');
    expect(watches(api)[1]!.query.get('resourceVersion')).toBe(bookmarkRV);
    expect(lists(api)).toHaveLength(1);
  });

  it('relists after 410 and replaces the store, dropping objects deleted during the gap', async () => {
    const { api, store, reflector, errors } = await setup();
    api.put(coll, cm('a'));
    api.put(coll, cm('b'));
    void reflector.run();
    await until(() => api.openWatches === 1 && store.size === 2, 'synced');
    // b's deletion goes unseen, c's creation is seen; then history is compacted past it and the watch is told so.
    api.removeSilently(coll, 'ns', 'b');
    api.put(coll, cm('c'));
    const lastRV = api.resourceVersion;
    api.compact();
    api.expireWatches();
    await until(() => names(store).join() === 'ns/a,ns/c', 'store replaced after relist');
    const relist = lists(api)[1]!;
    // the relist asks for data at least as new as what it had, unpaged, so the watch cache can serve it
    expect(relist.query.get('resourceVersion')).toBe(lastRV);
    expect(relist.query.get('limit')).toBeNull();
    expect(reflector.lastSyncResourceVersion()).toBe(api.resourceVersion);
    expect(errors).toEqual([]);
  });

  it('relists when a re-watch is refused with 410', async () => {
    const { api, store, reflector } = await setup();
    api.put(coll, cm('a'));
    api.put(coll, cm('b'));
    void reflector.run();
    await until(() => api.openWatches === 1, 'watching');
    api.put(coll, cm('c'));
    await until(() => store.size === 3, 'event seen');
    api.closeWatches();
    api.removeSilently(coll, 'ns', 'a');
    api.compact();
    await until(() => names(store).join() === 'ns/b,ns/c', 'store replaced after relist');
    // watch, re-watch (refused with 410), relist, watch
    await until(() => watches(api).length === 3, 'watching again');
    expect(lists(api)).toHaveLength(2);
  });

  it('falls back to a consistent list when the relist resourceVersion is itself expired', async () => {
    const { api, store, reflector } = await setup();
    api.put(coll, cm('a'));
    let rejected = 0;
    api.hooks.push((req, res) => {
      const rv = req.query.get('resourceVersion');
      if (req.query.get('watch') === null && rv && rv !== '0' && req.method === 'GET') {
        rejected++;
        res.writeHead(410, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 410, reason: 'Expired', message: 'too old' }));
        return true;
      }
      return false;
    });
    void reflector.run();
    await until(() => api.openWatches === 1, 'watching');
    api.compact();
    api.expireWatches();
    api.put(coll, cm('late'));
    await until(() => store.has('ns/late'), 'relisted');
    expect(rejected).toBe(1);
    const ls = lists(api);
    expect(ls[ls.length - 1]!.query.get('resourceVersion')).toBeNull();
  });

  it('pages through a large first list and keeps paging on relists', async () => {
    const { api, store, reflector } = await setup({ pageSize: 2 });
    for (const n of ['a', 'b', 'c', 'd', 'e']) api.put(coll, cm(n));
    void reflector.run();
    await until(() => api.openWatches === 1, 'watching');
    expect(store.size).toBe(5);
    expect(lists(api).map((r) => r.query.get('limit'))).toEqual(['2', '2', '2']);
    api.closeWatches();
    api.compact();
    await until(() => lists(api).length >= 6, 'paged relist');
    expect(lists(api)[3]!.query.get('limit')).toBe('2');
  });

  it('backs off and re-watches from where it was when the connection drops, without relisting', async () => {
    const { api, store, reflector, errors } = await setup();
    api.put(coll, cm('a'));
    let drops = 0;
    api.hooks.push((req, res) => {
      if (req.query.get('watch') === 'true' && watches(api).length > 1 && drops < 2) {
        drops++;
        res.socket?.destroy();
        return true;
      }
      return false;
    });
    void reflector.run();
    await until(() => api.openWatches === 1, 'watching');
    api.put(coll, cm('b'));
    await until(() => store.size === 2, 'event seen');
    const rv = reflector.lastSyncResourceVersion();
    api.closeWatches();
    await until(() => drops === 2 && api.openWatches === 1, 'watch back after drops');
    expect(watches(api).slice(1).map((w) => w.query.get('resourceVersion'))).toEqual([rv, rv, rv]);
    expect(lists(api)).toHaveLength(1);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(store.size).toBe(2);
  });

  it('stop() ends run()', async () => {
    const { api, reflector } = await setup();
    const done = reflector.run();
    await until(() => api.openWatches === 1, 'watching');
    reflector.stop();
    await done;
    await until(() => api.openWatches === 0, 'watch closed');
  });
});
