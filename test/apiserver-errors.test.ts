// Every way a request can fail, each answered with a Kubernetes Status of
// the right code and reason, and none of them leaving anything in storage:
// bad bodies, mismatched kinds, names and namespaces, unknown fields,
// validation, conflicts, sizes, media types, methods, paths, overload and a
// stopped etcd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/api/meta.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import {
  CM_PATH,
  configMap,
  DEPLOY_PATH,
  deployment,
  expectStatus,
  Http,
  type HttpResult,
  makeNamespace,
  pod,
  POD_PATH,
  startExtraServer,
} from './apiserver-helpers.js';

let s: TestApiServer;
let http: Http;

beforeAll(async () => {
  s = await startApiServer();
  http = Http.of(s);
});
afterAll(async () => {
  await http?.close();
  await s?.stop();
});

/** what a namespace holds of a resource, read straight from etcd */
async function stored(resource: string, ns: string): Promise<string[]> {
  const res = await s.storage.list(`/registry/${resource}/${ns}/`);
  return res.items.map((kv) => kv.key.slice(`/registry/${resource}/${ns}/`.length)).sort();
}

const causeFields = (res: HttpResult) =>
  ((res.json as { details?: { causes?: { field?: string }[] } }).details?.causes ?? []).map((c) => c.field);

describe('bodies the server cannot use', () => {
  it('answers malformed JSON with 400', async () => {
    const ns = await makeNamespace(http);
    const res = await http.post(CM_PATH(ns), '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"', {
      contentType: 'application/json',
    });
    expectStatus(res, 400, 'BadRequest');
    expect(await stored('configmaps', ns)).toEqual([]);
  });

  it('reads YAML bodies, and answers malformed YAML with 400', async () => {
    const ns = await makeNamespace(http);
    const good = await http.post(CM_PATH(ns), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n', {
      contentType: 'application/yaml',
    });
    expect(good.status, good.text).toBe(201);
    expect(good.json).toMatchObject({ metadata: { name: 'from-yaml' }, data: { k: 'v' } });

    const bad = await http.post(CM_PATH(ns), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n  : :\n', {
      contentType: 'application/yaml',
    });
    expectStatus(bad, 400, 'BadRequest');
    expect(await stored('configmaps', ns)).toEqual(['from-yaml']);
  });

  it('answers a body of another kind than the path with 400', async () => {
    const ns = await makeNamespace(http);
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 80 }] } };
    const res = await http.post(POD_PATH(ns), svc);
    const st = expectStatus(res, 400, 'BadRequest');
    expect(st.message).toContain('Service');
    expect(await stored('pods', ns)).toEqual([]);
    expect(await stored('services', ns)).toEqual([]);
  });

  it('answers an apiVersion that does not match the path with 400', async () => {
    const ns = await makeNamespace(http);
    const res = await http.post(POD_PATH(ns), { ...pod('p'), apiVersion: 'apps/v1' });
    expectStatus(res, 400, 'BadRequest', /apps\/v1/);
    const d = await http.post(DEPLOY_PATH(ns), { ...deployment('d'), apiVersion: 'apps/v1beta1' });
    expectStatus(d, 400, 'BadRequest');
    expect(await stored('pods', ns)).toEqual([]);
    expect(await stored('deployments', ns)).toEqual([]);
  });

  it('answers a namespace in the body that differs from the URL with 400', async () => {
    const ns = await makeNamespace(http);
    const other = await makeNamespace(http);
    const cm = configMap('cfg');
    const res = await http.post(CM_PATH(ns), { ...cm, metadata: { ...cm.metadata, namespace: other } });
    expectStatus(res, 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    expect(await stored('configmaps', ns)).toEqual([]);
    expect(await stored('configmaps', other)).toEqual([]);
  });

  it('answers a PUT whose body names another object with 400 and changes nothing', async () => {
    const ns = await makeNamespace(http);
    const created = (await http.post(CM_PATH(ns), configMap('a', undefined, { k: '1' }))).json as KubeObject;
    const res = await http.put(CM_PATH(ns, 'a'), { ...created, metadata: { ...created.metadata, name: 'b' }, data: { k: '2' } });
    expectStatus(res, 400, 'BadRequest', 'the name of the object (b) does not match the name on the URL (a)');
    const after = (await http.get(CM_PATH(ns, 'a'))).json as KubeObject;
    expect(after.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(await stored('configmaps', ns)).toEqual(['a']);
  });

  it('warns about unknown fields, and refuses them with fieldValidation=Strict', async () => {
    const ns = await makeNamespace(http);
    const p = pod('warned');
    const res = await http.post(POD_PATH(ns), { ...p, spec: { ...p.spec, foo: 1 } });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.warning).toBe('299 - "unknown field \\"spec.foo\\""');
    expect((res.json as { spec: Record<string, unknown> }).spec).not.toHaveProperty('foo');

    const strict = await http.post(`${POD_PATH(ns)}?fieldValidation=Strict`, { ...pod('strict'), spec: { ...p.spec, foo: 1 } });
    expectStatus(strict, 422, 'Invalid', 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"');
    const ignored = await http.post(`${POD_PATH(ns)}?fieldValidation=Ignore`, { ...pod('ignored'), spec: { ...p.spec, foo: 1 } });
    expect(ignored.status).toBe(201);
    expect(ignored.headers.warning).toBeUndefined();
    expect(await stored('pods', ns)).toEqual(['ignored', 'warned']);
  });
});

describe('validation', () => {
  it('answers invalid objects with 422 naming every bad field, and stores none of them', async () => {
    const ns = await makeNamespace(http);

    const badName = await http.post(CM_PATH(ns), configMap('Bad_Name'));
    const st = expectStatus(badName, 422, 'Invalid');
    expect(st.message).toMatch(/^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/);
    expect(st.details).toMatchObject({ name: 'Bad_Name', kind: 'ConfigMap' });
    expect(causeFields(badName)).toEqual(['metadata.name']);

    const noImage = await http.post(POD_PATH(ns), pod('no-image', { containers: [{ name: 'c' }] }));
    expectStatus(noImage, 422, 'Invalid');
    expect(causeFields(noImage)).toEqual(['spec.containers[0].image']);

    const both = await http.post(POD_PATH(ns), pod('Both_Bad', { containers: [{ name: 'ok', image: 'busybox' }, { name: 'c' }] }));
    expectStatus(both, 422, 'Invalid');
    expect(causeFields(both)).toEqual(expect.arrayContaining(['metadata.name', 'spec.containers[1].image']));

    const negative = await http.post(DEPLOY_PATH(ns), deployment('negative', { replicas: -1 }));
    expectStatus(negative, 422, 'Invalid', /^Deployment.apps "negative" is invalid: spec.replicas: Invalid value: -1/);
    expect(causeFields(negative)).toEqual(['spec.replicas']);

    const d = deployment('mismatch');
    const mismatch = await http.post(DEPLOY_PATH(ns), {
      ...d,
      spec: { ...d.spec, template: { ...d.spec.template, metadata: { labels: { app: 'other' } } } },
    });
    expectStatus(mismatch, 422, 'Invalid', /selector. does not match template .labels/);
    expect(causeFields(mismatch)).toEqual(['spec.template.metadata.labels']);

    expect(await stored('configmaps', ns)).toEqual([]);
    expect(await stored('pods', ns)).toEqual([]);
    expect(await stored('deployments', ns)).toEqual([]);
  });

  it('answers an update that makes an object invalid with 422 and keeps the stored one', async () => {
    const ns = await makeNamespace(http);
    const created = (await http.post(DEPLOY_PATH(ns), deployment('web'))).json as KubeObject & { spec: Record<string, unknown> };
    const res = await http.put(DEPLOY_PATH(ns, 'web'), { ...created, spec: { ...created.spec, replicas: -3 } });
    expectStatus(res, 422, 'Invalid');
    expect(causeFields(res)).toEqual(['spec.replicas']);
    const after = (await http.get(DEPLOY_PATH(ns, 'web'))).json as KubeObject;
    expect(after.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it('answers a second create of the same name with 409 AlreadyExists', async () => {
    const ns = await makeNamespace(http);
    const first = (await http.post(CM_PATH(ns), configMap('dup', undefined, { v: 'first' }))).json as KubeObject;
    const res = await http.post(CM_PATH(ns), configMap('dup', undefined, { v: 'second' }));
    const st = expectStatus(res, 409, 'AlreadyExists', 'configmaps "dup" already exists');
    expect(st.details).toMatchObject({ name: 'dup', kind: 'configmaps' });
    const after = (await http.get(CM_PATH(ns, 'dup'))).json as KubeObject & { data: Record<string, string> };
    expect(after.data).toEqual({ v: 'first' });
    expect(after.metadata.uid).toBe(first.metadata.uid);
  });
});

describe('requests the server will not take', () => {
  it('answers a body over 3 MiB with 413', async () => {
    const ns = await makeNamespace(http);
    const res = await http.post(CM_PATH(ns), configMap('huge', undefined, { blob: 'x'.repeat(3 * 1024 * 1024 + 1) }));
    expectStatus(res, 413, 'RequestEntityTooLarge');
    expect(await stored('configmaps', ns)).toEqual([]);
  });

  it('answers an unsupported Content-Type with 415, for objects and for patches', async () => {
    const ns = await makeNamespace(http);
    const res = await http.post(CM_PATH(ns), JSON.stringify(configMap('plain')), { contentType: 'text/plain' });
    expectStatus(res, 415, 'UnsupportedMediaType');
    expect(await stored('configmaps', ns)).toEqual([]);

    const created = (await http.post(CM_PATH(ns), configMap('cfg'))).json as KubeObject;
    const patch = await http.patch(CM_PATH(ns, 'cfg'), { data: { k: 'changed' } }, 'application/json');
    expectStatus(patch, 415, 'UnsupportedMediaType');
    const after = (await http.get(CM_PATH(ns, 'cfg'))).json as KubeObject;
    expect(after.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it('answers a response type it cannot produce with 406', async () => {
    const ns = await makeNamespace(http);
    const res = await http.get(CM_PATH(ns), { headers: { accept: 'text/html' } });
    expectStatus(res, 406, 'NotAcceptable');
  });

  it('answers a method the path does not take with 405', async () => {
    const ns = await makeNamespace(http);
    await http.post(CM_PATH(ns), configMap('cfg'));
    expectStatus(await http.post(CM_PATH(ns, 'cfg'), configMap('cfg')), 405, 'MethodNotAllowed');
    expectStatus(await http.put(CM_PATH(ns), configMap('cfg')), 405, 'MethodNotAllowed');
    expectStatus(await http.patch(CM_PATH(ns), { data: {} }, 'application/merge-patch+json'), 405, 'MethodNotAllowed');
    expectStatus(await http.post(POD_PATH(ns, 'p', 'status'), { ...pod('p') }), 405, 'MethodNotAllowed');
    expect(await stored('configmaps', ns)).toEqual(['cfg']);
  });

  it('answers unknown paths and resources with 404', async () => {
    for (const path of [
      '/api/v1/frobnicators',
      '/api/v1/namespaces/default/frobnicators',
      '/apis/nope.example.com/v1/things',
      '/apis/apps/v9/deployments',
      '/api/v2/pods',
      '/nothing/here',
      '/api/v1/namespaces/default/pods/p/frobnicate',
    ]) {
      const res = await http.get(path);
      expectStatus(res, 404, 'NotFound');
    }
    expectStatus(await http.get(POD_PATH('default', 'does-not-exist')), 404, 'NotFound', 'pods "does-not-exist" not found');
  });

  it('answers writes beyond the in-flight limit with 429 and Retry-After, storing only what it accepted', async () => {
    const limited = await startExtraServer(s, { maxMutatingRequestsInflight: 1 });
    try {
      const ns = await makeNamespace(limited.http);
      const accepted: string[] = [];
      const rejected: HttpResult[] = [];
      for (let round = 0; round < 5 && rejected.length === 0; round++) {
        const results = await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const name = `r${round}-${i}`;
            return { name, res: await limited.http.post(CM_PATH(ns), configMap(name)) };
          }),
        );
        for (const { name, res } of results) {
          if (res.status === 201) accepted.push(name);
          else rejected.push(res);
        }
      }
      expect(rejected.length).toBeGreaterThan(0);
      for (const res of rejected) {
        expectStatus(res, 429, 'TooManyRequests');
        expect(res.headers['retry-after']).toBe('1');
      }
      expect(accepted.length).toBeGreaterThan(0);
      expect(await stored('configmaps', ns)).toEqual(accepted.sort());
      // reads have their own budget
      expect((await limited.http.get(CM_PATH(ns))).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe('a stopped etcd', () => {
  it('turns /readyz and writes into 503 while /livez still answers', async () => {
    const own = await startApiServer();
    const ownHttp = Http.of(own);
    try {
      const ns = await makeNamespace(ownHttp);
      expect((await ownHttp.get('/readyz', { token: null })).status).toBe(200);
      await own.etcd.stop();

      const ready = await ownHttp.get('/readyz', { token: null });
      expect(ready.status).toBe(503);
      expect(ready.text).toContain('etcd');
      expect((await ownHttp.get('/livez', { token: null })).status).toBe(200);

      const write = await ownHttp.post(CM_PATH(ns), configMap('cfg'));
      expectStatus(write, 503, 'ServiceUnavailable');
      const read = await ownHttp.get(CM_PATH(ns, 'cfg'));
      expectStatus(read, 503, 'ServiceUnavailable');
      expectStatus(await ownHttp.get(CM_PATH(ns)), 503, 'ServiceUnavailable');
    } finally {
      await ownHttp.close();
      await own.stop();
    }
  });
});
