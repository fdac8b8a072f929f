// Watch against a real apiserver on a real etcd: event framing and order,
// resuming, selector transitions, bookmarks, timeouts, 410 Expired from a
// small watch cache and after etcd compaction, and the client's informer
// converging through a relist after a 410.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/api/meta.js';
import type { Status } from '../src/api/status.js';
import { Informer } from '../src/client/informer.js';
import { listerWatcherFor, type ListerWatcher } from '../src/client/reflector.js';
import { RestClient } from '../src/client/rest.js';
import { WatchExpiredError } from '../src/client/watch.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import {
  CM_PATH,
  configMap,
  expectStatus,
  Http,
  makeNamespace,
  pod,
  POD_PATH,
  startExtraServer,
  until,
  type WatchReader,
} from './apiserver-helpers.js';

const BOOKMARK_INTERVAL_MS = 200;
const CONFIGMAPS = { group: '', version: 'v1', plural: 'configmaps', namespaced: true };

let s: TestApiServer;
let http: Http;
const open: WatchReader[] = [];

beforeAll(async () => {
  s = await startApiServer({ bookmarkIntervalMs: BOOKMARK_INTERVAL_MS });
  http = Http.of(s);
});
afterAll(async () => {
  for (const w of open) w.close();
  await http?.close();
  await s?.stop();
});

async function watch(path: string, query: Record<string, string>): Promise<WatchReader> {
  const w = await http.watch(`${path}?${new URLSearchParams({ watch: 'true', ...query }).toString()}`);
  open.push(w);
  return w;
}

const cms = () => s.client.resource(CONFIGMAPS);
const rvOf = (o: KubeObject) => Number(o.metadata.resourceVersion);

describe('watch', () => {
  it('streams newline-delimited ADDED, MODIFIED, DELETED events in order', async () => {
    const ns = await makeNamespace(http);
    const list = await cms().list(ns);
    const w = await watch(CM_PATH(ns), { resourceVersion: list.metadata.resourceVersion! });
    expect(w.status).toBe(200);
    expect(String(w.headers['content-type'])).toMatch(/^application\/json/);

    await cms().create(ns, configMap('a', undefined, { v: '1' }) as KubeObject);
    await cms().patch(ns, 'a', { data: { v: '2' } }, 'merge');
    await cms().delete(ns, 'a');

    const events = [await w.next(), await w.next(), await w.next()];
    expect(events.map((e) => e?.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(events.map((e) => e?.object.metadata.name)).toEqual(['a', 'a', 'a']);
    expect(events.map((e) => (e?.object as { data?: { v: string } }).data?.v)).toEqual(['1', '2', '2']);
    const rvs = events.map((e) => rvOf(e!.object));
    expect(rvs[0]).toBeLessThan(rvs[1]!);
    expect(rvs[1]).toBeLessThan(rvs[2]!);
    for (const e of events) expect(e?.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
    // one complete JSON document per line
    for (const line of w.lines.slice(0, 3)) expect(JSON.parse(line)).toHaveProperty('type');
  });

  it('starts with an ADDED event per existing object when no resourceVersion is given', async () => {
    const ns = await makeNamespace(http);
    await cms().create(ns, configMap('one') as KubeObject);
    await cms().create(ns, configMap('two') as KubeObject);
    const w = await watch(CM_PATH(ns), {});
    const initial = [await w.next(), await w.next()];
    expect(initial.map((e) => `${e?.type} ${e?.object.metadata.name}`).sort()).toEqual(['ADDED one', 'ADDED two']);
    await cms().create(ns, configMap('three') as KubeObject);
    const live = await w.next();
    expect(`${live?.type} ${live?.object.metadata.name}`).toBe('ADDED three');
  });

  it('resumes from a resourceVersion with exactly the later events', async () => {
    const ns = await makeNamespace(http);
    const a = await cms().create(ns, configMap('a') as KubeObject);
    await cms().patch(ns, 'a', { data: { k: 'changed' } }, 'merge');
    await cms().create(ns, configMap('b') as KubeObject);

    const w = await watch(CM_PATH(ns), { resourceVersion: a.metadata.resourceVersion! });
    const first = await w.next();
    const second = await w.next();
    expect(`${first?.type} ${first?.object.metadata.name}`).toBe('MODIFIED a');
    expect(`${second?.type} ${second?.object.metadata.name}`).toBe('ADDED b');
    // nothing was held back or repeated: the next event is the next write
    await cms().create(ns, configMap('marker') as KubeObject);
    const third = await w.next();
    expect(`${third?.type} ${third?.object.metadata.name}`).toBe('ADDED marker');
  });

  it('turns relabelling out of and into a label selector into DELETED and ADDED', async () => {
    const ns = await makeNamespace(http);
    const start = await cms().list(ns);
    const w = await watch(CM_PATH(ns), { resourceVersion: start.metadata.resourceVersion!, labelSelector: 'app=web' });
    const byName = await watch(CM_PATH(ns), { resourceVersion: start.metadata.resourceVersion!, fieldSelector: 'metadata.name=other' });

    await cms().create(ns, configMap('x', { app: 'web' }) as KubeObject);
    await cms().create(ns, configMap('other', { app: 'db' }) as KubeObject);
    await cms().patch(ns, 'x', { metadata: { labels: { app: 'db' } } }, 'merge');
    await cms().patch(ns, 'x', { data: { ignored: 'yes' } }, 'merge');
    await cms().patch(ns, 'x', { metadata: { labels: { app: 'web' } } }, 'merge');
    await cms().patch(ns, 'x', { data: { seen: 'yes' } }, 'merge');
    await cms().delete(ns, 'x');

    const got: string[] = [];
    for (let i = 0; i < 5; i++) {
      const e = await w.next();
      got.push(`${e?.type} ${e?.object.metadata.name} ${e?.object.metadata.labels?.app}`);
    }
    expect(got).toEqual(['ADDED x web', 'DELETED x db', 'ADDED x web', 'MODIFIED x web', 'DELETED x web']);

    const other = await byName.next();
    expect(`${other?.type} ${other?.object.metadata.name}`).toBe('ADDED other');
  });

  it('watches across all namespaces and cluster-scoped resources', async () => {
    const ns1 = await makeNamespace(http);
    const ns2 = await makeNamespace(http);
    const label = `w-${ns1}`;
    const all = await watch('/api/v1/configmaps', { labelSelector: `mark=${label}`, resourceVersion: (await cms().list()).metadata.resourceVersion! });
    await cms().create(ns1, configMap('one', { mark: label }) as KubeObject);
    await cms().create(ns2, configMap('two', { mark: label }) as KubeObject);
    const got = [await all.next(), await all.next()].map((e) => `${e?.type} ${e?.object.metadata.namespace}/${e?.object.metadata.name}`);
    expect(got).toEqual([`ADDED ${ns1}/one`, `ADDED ${ns2}/two`]);

    const nodes = s.client.resource({ group: '', version: 'v1', plural: 'nodes', namespaced: false });
    const nodeWatch = await watch('/api/v1/nodes', { labelSelector: `mark=${label}`, resourceVersion: (await nodes.list()).metadata.resourceVersion! });
    await nodes.create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: label, labels: { mark: label } } } as KubeObject);
    await nodes.delete(undefined, label);
    const nodeEvents = [await nodeWatch.next(), await nodeWatch.next()].map((e) => `${e?.type} ${e?.object.metadata.name}`);
    expect(nodeEvents).toEqual([`ADDED ${label}`, `DELETED ${label}`]);
  });

  it('streams Tables to a client that asks for them, with column definitions only in the first', async () => {
    const ns = await makeNamespace(http);
    const pods = s.client.resource({ group: '', version: 'v1', plural: 'pods', namespaced: true });
    await pods.create(ns, pod('first') as KubeObject);
    const w = await http.watch(`${POD_PATH(ns)}?watch=true`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    open.push(w);
    const first = await w.next();
    expect(first?.type).toBe('ADDED');
    const table = first?.object as unknown as { kind: string; columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c) => c.name).slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(table.rows[0]?.cells.slice(0, 3)).toEqual(['first', '0/1', 'Pending']);
    await pods.patchStatus(ns, 'first', { status: { phase: 'Running' } }, 'merge');
    const second = await w.next();
    expect(second?.type).toBe('MODIFIED');
    const t2 = second?.object as unknown as typeof table;
    expect(t2.kind).toBe('Table');
    expect(t2.columnDefinitions).toEqual([]);
    expect(t2.rows[0]?.cells.slice(0, 3)).toEqual(['first', '0/1', 'Running']);
  });

  it('sends BOOKMARK events only to watches that allow them', async () => {
    const ns = await makeNamespace(http);
    const created = await cms().create(ns, configMap('c') as KubeObject);
    const rv = created.metadata.resourceVersion!;
    const withBookmarks = await watch(CM_PATH(ns), { resourceVersion: rv, allowWatchBookmarks: 'true' });
    const without = await watch(CM_PATH(ns), { resourceVersion: rv });

    const bm = await withBookmarks.next(BOOKMARK_INTERVAL_MS * 20);
    expect(bm?.type).toBe('BOOKMARK');
    expect(bm?.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
    expect(Number(bm?.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
    // a bookmark carries only a resourceVersion, no object
    expect(bm?.object.metadata.name).toBeUndefined();

    // the other watch got nothing in that time: its first event is the next write
    const marker = await cms().create(ns, configMap('marker') as KubeObject);
    const first = await without.next();
    expect(`${first?.type} ${first?.object.metadata.name}`).toBe('ADDED marker');

    // later bookmarks move up to the latest write
    await until(async () => {
      const e = await withBookmarks.next(BOOKMARK_INTERVAL_MS * 20);
      return e?.type === 'BOOKMARK' && rvOf(e.object) >= rvOf(marker);
    }, 'a bookmark at or after the last write');
  });

  it('ends the stream after timeoutSeconds', async () => {
    const ns = await makeNamespace(http);
    const started = Date.now();
    const w = await watch(CM_PATH(ns), { timeoutSeconds: '1' });
    await w.waitEnd(15_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(w.error).toBeUndefined();
    expect(w.lines.filter((l) => l.trim() !== '')).toEqual([]);
  });

  it('answers a resourceVersion older than the watch cache window with an ERROR event carrying 410 Expired', async () => {
    const small = await startExtraServer(s, { watchCacheCapacity: 3 });
    try {
      const ns = await makeNamespace(small.http);
      const rc = small.client.resource(CONFIGMAPS);
      const first = await rc.create(ns, configMap('c0') as KubeObject);
      let last = first;
      for (let i = 1; i <= 6; i++) last = await rc.create(ns, configMap(`c${i}`) as KubeObject);
      // a list at the last write's resourceVersion returns once the cache has seen every write
      expect((await rc.list(ns, { resourceVersion: last.metadata.resourceVersion! })).items).toHaveLength(7);

      const w = await small.http.watch(`${CM_PATH(ns)}?watch=true&resourceVersion=${first.metadata.resourceVersion}`);
      open.push(w);
      expect(w.status).toBe(200);
      const ev = await w.next();
      expect(ev?.type).toBe('ERROR');
      expect(ev?.object).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired' });
      expect((ev?.object as Status).message).toMatch(/too old resource version/);
      await w.waitEnd();

      // the client library turns it into WatchExpiredError
      const iter = rc.watch(ns, { resourceVersion: first.metadata.resourceVersion! });
      await expect(iter.next()).rejects.toBeInstanceOf(WatchExpiredError);

      // a recent resourceVersion still resumes
      const latest = await rc.list(ns);
      const ok = await small.http.watch(`${CM_PATH(ns)}?watch=true&resourceVersion=${latest.metadata.resourceVersion}`);
      open.push(ok);
      await rc.create(ns, configMap('after') as KubeObject);
      expect((await ok.next())?.type).toBe('ADDED');
    } finally {
      await small.stop();
    }
  });
});

describe('after etcd compaction', () => {
  it('answers a watch from a compacted resourceVersion on a freshly started server with 410, and old continue tokens and exact lists too', async () => {
    const ns = await makeNamespace(http);
    const old = await cms().create(ns, configMap('a') as KubeObject);
    await cms().create(ns, configMap('b') as KubeObject);
    const page = await cms().list(ns, { limit: 1 });
    expect(page.metadata.continue).toBeTruthy();
    for (let i = 0; i < 3; i++) await cms().patch(ns, 'a', { data: { n: String(i) } }, 'merge');
    await s.storage.compact(await s.storage.currentRevision());

    const cont = await http.get(`${CM_PATH(ns)}?limit=1&continue=${encodeURIComponent(page.metadata.continue!)}`);
    expectStatus(cont, 410, 'Expired', /continue parameter is too old/);
    const exact = await http.get(`${CM_PATH(ns)}?resourceVersion=${old.metadata.resourceVersion}&resourceVersionMatch=Exact`);
    expectStatus(exact, 410, 'Expired');

    const fresh = await startExtraServer(s);
    try {
      const w = await fresh.http.watch(`${CM_PATH(ns)}?watch=true&resourceVersion=${old.metadata.resourceVersion}`);
      open.push(w);
      expect(w.status).toBe(200);
      const ev = await w.next();
      expect(ev?.type).toBe('ERROR');
      expect(ev?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
      await w.waitEnd();
      // a list and a watch from now on work
      const list = await fresh.client.resource(CONFIGMAPS).list(ns);
      expect(list.items.map((o) => o.metadata.name).sort()).toEqual(['a', 'b']);
    } finally {
      await fresh.stop();
    }
  });

  it("the client's informer relists after a 410 and converges on what changed during the gap", async () => {
    const ns = await makeNamespace(http);
    for (const name of ['keep', 'gone', 'change']) await cms().create(ns, configMap(name, undefined, { v: '1' }) as KubeObject);

    let server = await startExtraServer(s);
    const port = Number(new URL(server.url).port);
    const client = new RestClient({ server: server.url, token: s.token, namespace: ns, contextName: 'gap' }, { rateLimit: false });
    const expired: unknown[] = [];
    const lw = listerWatcherFor<KubeObject>(client, CONFIGMAPS, { namespace: ns });
    const recording: ListerWatcher<KubeObject> = {
      list: (o) => lw.list(o),
      async *watch(o) {
        try {
          yield* lw.watch(o);
        } catch (err) {
          if (err instanceof WatchExpiredError) expired.push(err);
          throw err;
        }
      },
    };
    const informer = new Informer<KubeObject>(client, CONFIGMAPS, {
      namespace: ns,
      listerWatcher: recording,
      backoff: { initialMs: 20, maxMs: 200 },
      onError: () => {},
    });
    const deleted: string[] = [];
    const added: string[] = [];
    informer.addEventHandler({
      onAdd: (o) => void added.push(o.metadata.name!),
      onDelete: (o) => void deleted.push(o.metadata.name!),
    });
    try {
      informer.start();
      expect(await informer.waitForSync()).toBe(true);
      await cms().create(ns, configMap('live') as KubeObject);
      await until(() => informer.get(`${ns}/live`) !== undefined, 'the informer to see a live event');

      await server.stop();
      await cms().delete(ns, 'gone');
      await cms().create(ns, configMap('new') as KubeObject);
      await cms().patch(ns, 'change', { data: { v: '2' } }, 'merge');
      await s.storage.compact(await s.storage.currentRevision());
      server = await startExtraServer(s, { port });

      const want = ['change', 'keep', 'live', 'new'].map((n) => `${ns}/${n}`);
      await until(
        () =>
          JSON.stringify(informer.store.listKeys().sort()) === JSON.stringify(want) &&
          (informer.get(`${ns}/change`)?.data as { v?: string } | undefined)?.v === '2',
        'the informer to converge',
        20_000,
      );
      expect(expired.length).toBeGreaterThan(0);
      expect(deleted).toContain('gone');
      expect(added).toContain('new');
      // and it keeps watching the new server
      await cms().create(ns, configMap('later') as KubeObject);
      await until(() => informer.get(`${ns}/later`) !== undefined, 'the informer to watch again');
    } finally {
      informer.stop();
      await client.close();
      await server.stop();
    }
  });
});
