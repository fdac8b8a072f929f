import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StatusError } from '../api/status.js';
import { FakeClock } from './clock.js';
import { isAlreadyExists, isConflict, isNotFound } from './errors.js';
import type { ClientConfig } from './kubeconfig.js';
import { TokenBucket } from './ratelimit.js';
import { parseWarningHeader, RequestTimeoutError, RestClient, type RestClientOptions } from './rest.js';
import { FakeApiServer } from './testing/fake-apiserver.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(handler: Handler): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function client(server: string, opts: RestClientOptions = {}, extra: Partial<ClientConfig> = {}): RestClient {
  const c = new RestClient({ server, namespace: 'default', contextName: 'test', ...extra }, opts);
  cleanups.push(() => c.close());
  return c;
}

const json = (res: ServerResponse, code: number, body: unknown, headers: Record<string, string | string[]> = {}): void => {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('RestClient requests', () => {
  it('sends the bearer token, accept header and query, and parses the JSON answer', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, { kind: 'Pod', metadata: { name: 'a' } }));
    const c = client(url, {}, { token: 'sekret' });
    const out = await c.request<{ kind: string }>('GET', '/api/v1/pods', { query: { limit: 5, labelSelector: 'app=web', skip: undefined } });
    expect(out.kind).toBe('Pod');
    expect(seen[0]!.headers.authorization).toBe('Bearer sekret');
    expect(seen[0]!.headers.accept).toBe('application/json');
    expect(seen[0]!.url).toBe('/api/v1/pods?limit=5&labelSelector=app%3Dweb');
  });

  it('keeps a path prefix from the server URL', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, {}));
    await client(`${url}/proxy/k8s/`).request('GET', '/api/v1/namespaces');
    expect(seen[0]!.url).toBe('/proxy/k8s/api/v1/namespaces');
  });

  it('turns a Status body into a StatusError with its code, reason and details', async () => {
    const { url } = await serve((_req, res) =>
      json(res, 404, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'pods "x" not found',
        reason: 'NotFound',
        details: { name: 'x', kind: 'pods' },
        code: 404,
      }),
    );
    const err = await client(url).request('GET', '/api/v1/namespaces/default/pods/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    const se = err as StatusError;
    expect([se.code, se.reason, se.message, se.details?.name]).toEqual([404, 'NotFound', 'pods "x" not found', 'x']);
    expect(isNotFound(se)).toBe(true);
  });

  it('synthesizes a StatusError when the body is not a Status', async () => {
    const { url } = await serve((req, res) => {
      if (req.method === 'POST') return json(res, 409, { unexpected: true });
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('boom');
    });
    const c = client(url);
    const err = (await c.request('GET', '/api/v1/pods').catch((e: unknown) => e)) as StatusError;
    expect(err).toBeInstanceOf(StatusError);
    expect(err.code).toBe(500);
    expect(err.reason).toBe('InternalError');
    expect(err.details?.causes?.[0]).toEqual({ reason: 'UnexpectedServerResponse', message: 'boom' });
    const post = await c.request('POST', '/api/v1/namespaces/default/pods', { body: {} }).catch((e: unknown) => e);
    expect(isAlreadyExists(post)).toBe(true);
  });

  it('reports Warning headers', async () => {
    const { url } = await serve((_req, res) =>
      json(res, 200, {}, { warning: ['299 - "spec.foo: unknown field"', '299 - "deprecated \\"v1beta1\\" API"'] }),
    );
    const warnings: string[] = [];
    await client(url, { onWarning: (w) => warnings.push(w) }).request('GET', '/api/v1/pods');
    expect(warnings).toEqual(['spec.foo: unknown field', 'deprecated "v1beta1" API']);
  });

  it('retries a 429 that carries Retry-After, and fails one that does not', async () => {
    let calls = 0;
    const { url } = await serve((req, res) => {
      calls++;
      if (req.url === '/once' && calls === 1) return json(res, 429, { kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'slow down' }, { 'retry-after': '0' });
      if (req.url === '/never') return json(res, 429, { kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'slow down' });
      json(res, 200, { ok: true });
    });
    const c = client(url);
    expect(await c.request('GET', '/once')).toEqual({ ok: true });
    expect(calls).toBe(2);
    const err = (await c.request('GET', '/never').catch((e: unknown) => e)) as StatusError;
    expect([err.code, err.reason]).toEqual([429, 'TooManyRequests']);
    expect(calls).toBe(3);
  });

  it('gives up after maxRetries when the server keeps answering 429', async () => {
    let calls = 0;
    const { url } = await serve((_req, res) => {
      calls++;
      json(res, 429, { kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'busy' }, { 'retry-after': '0' });
    });
    const err = await client(url, { maxRetries: 2 }).request('GET', '/x').catch((e: unknown) => e);
    expect((err as StatusError).code).toBe(429);
    expect(calls).toBe(3);
  });

  it('ends a request that outlives timeoutMs', async () => {
    const { url } = await serve(() => {
      // never answers
    });
    const err = await client(url).request('GET', '/slow', { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
  });
});

describe('ResourceClient', () => {
  it('builds core, group, cluster-scoped and subresource paths', () => {
    const c = client('http://127.0.0.1:1');
    const pods = c.resource({ group: '', version: 'v1', plural: 'pods', namespaced: true });
    const deploys = c.resource({ group: 'apps', version: 'v1', plural: 'deployments', namespaced: true });
    const nodes = c.resource({ group: '', version: 'v1', plural: 'nodes', namespaced: false });
    expect(pods.path('ns1', 'p')).toBe('/api/v1/namespaces/ns1/pods/p');
    expect(pods.path()).toBe('/api/v1/pods');
    expect(deploys.path('ns1', 'd', 'scale')).toBe('/apis/apps/v1/namespaces/ns1/deployments/d/scale');
    expect(nodes.path('ignored', 'n1', 'status')).toBe('/api/v1/nodes/n1/status');
  });

  it('creates, patches and deletes with Kubernetes content types, query and DeleteOptions', async () => {
    const { url, seen } = await serve((req, res, body) => json(res, req.method === 'POST' ? 201 : 200, body ? JSON.parse(body) : {}));
    const pods = client(url).resource({ group: '', version: 'v1', plural: 'pods', namespaced: true });
    await pods.create('ns', { metadata: { name: 'p' } }, { dryRun: true, fieldValidation: 'Strict' });
    await pods.patch('ns', 'p', { metadata: { labels: { a: 'b' } } }, 'strategic', { fieldManager: 'skiff' });
    await pods.patch('ns', 'p', { metadata: { name: 'p' } }, 'apply', { fieldManager: 'skiff', force: true });
    await pods.delete('ns', 'p', { propagationPolicy: 'Foreground', gracePeriodSeconds: 0, preconditions: { uid: 'u1' } });
    await pods.createSubresource('ns', 'p', 'binding', { target: { kind: 'Node', name: 'n1' } });

    expect(seen[0]!.url).toBe('/api/v1/namespaces/ns/pods?dryRun=All&fieldValidation=Strict');
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(seen[1]!.method).toBe('PATCH');
    expect(seen[1]!.headers['content-type']).toBe('application/strategic-merge-patch+json');
    expect(seen[1]!.url).toBe('/api/v1/namespaces/ns/pods/p?fieldManager=skiff');
    expect(seen[2]!.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(seen[2]!.url).toBe('/api/v1/namespaces/ns/pods/p?fieldManager=skiff&force=true');
    expect(JSON.parse(seen[3]!.body)).toEqual({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      gracePeriodSeconds: 0,
      propagationPolicy: 'Foreground',
      preconditions: { uid: 'u1' },
    });
    expect(seen[4]!.url).toBe('/api/v1/namespaces/ns/pods/p/binding');
    expect(seen[4]!.method).toBe('POST');
  });

  it('refuses a namespaced single-object call without a namespace', async () => {
    const pods = client('http://127.0.0.1:1').resource({ group: '', version: 'v1', plural: 'pods', namespaced: true });
    await expect(pods.get(undefined, 'p')).rejects.toThrow(/namespace is required/);
  });

  it('follows continue tokens in listAll and keeps the snapshot resourceVersion', async () => {
    const api = new FakeApiServer();
    await api.start();
    cleanups.push(() => api.close());
    for (let i = 0; i < 5; i++) api.put('/api/v1/configmaps', { metadata: { name: `cm${i}`, namespace: 'ns' } });
    const listRV = api.resourceVersion;
    const cms = client(api.url).resource({ group: '', version: 'v1', plural: 'configmaps', namespaced: true });
    const all = await cms.listAll('ns', { limit: 2 });
    expect(all.items.map((o) => o.metadata.name)).toEqual(['cm0', 'cm1', 'cm2', 'cm3', 'cm4']);
    expect(all.metadata.resourceVersion).toBe(listRV);
    expect(all.metadata.continue).toBeUndefined();
    expect(api.requests.filter((r) => r.method === 'GET')).toHaveLength(3);
  });

  it('update carries the resourceVersion so a stale write conflicts', async () => {
    const api = new FakeApiServer();
    await api.start();
    cleanups.push(() => api.close());
    const cms = client(api.url).resource({ group: '', version: 'v1', plural: 'configmaps', namespaced: true });
    const created = await cms.create('ns', { metadata: { name: 'c' }, data: { a: '1' } });
    await cms.update('ns', { ...created, data: { a: '2' } });
    const err = await cms.update('ns', { ...created, data: { a: '3' } }).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect((await cms.get('ns', 'c')).data).toEqual({ a: '2' });
  });
});

describe('client-side rate limit', () => {
  it('lets a burst through, then spaces requests at qps', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 3, clock);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    expect(bucket.reserve()).toBeCloseTo(100);
    expect(bucket.reserve()).toBeCloseTo(200);
    clock.advance(1000);
    expect(bucket.tryAccept()).toBe(true);
  });
});

describe('parseWarningHeader', () => {
  it('reads several comma-separated warnings and ignores codes other than 299', () => {
    expect(parseWarningHeader('299 - "one", 299 kube-apiserver "two, still two" "Mon, 01 Jan 2024 00:00:00 GMT", 199 - "misc"')).toEqual([
      'one',
      'two, still two',
    ]);
  });
});

describe('TLS', () => {
  let cert = '';
  let key = '';
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
          '-subj', '/CN=skiff-test', '-addext', 'subjectAltName=IP:127.0.0.1',
          '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
      key = readFileSync(join(dir, 'key.pem'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  async function serveTLS(): Promise<string> {
    const server = createHttpsServer({ cert, key }, (_req, res) => json(res, 200, { secure: true }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('trusts a server signed by the configured CA and rejects it otherwise', async () => {
    const url = await serveTLS();
    expect(await client(url, {}, { ca: cert }).request('GET', '/')).toEqual({ secure: true });
    await expect(client(url).request('GET', '/')).rejects.toThrow(/certificate/i);
    expect(await client(url, {}, { insecureSkipTLSVerify: true }).request('GET', '/')).toEqual({ secure: true });
  });
});
