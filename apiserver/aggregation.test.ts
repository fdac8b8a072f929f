import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { selfSignedServingCert } from '../src/cluster/pki.js';
import { TokenAuthenticator } from './auth.js';
import { ApiServer } from './server.js';
import { MemoryStorage } from './storage/memory.js';

let backend: Server;
let seen: { url: string; headers: Record<string, string | string[] | undefined> }[] = [];
let api: ApiServer;
let url: string;
const storage = new MemoryStorage();

beforeAll(async () => {
  const tls = selfSignedServingCert('metrics', { dns: ['localhost'], ips: ['127.0.0.1'] });
  backend = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'NodeMetricsList', items: [] }));
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const port = (backend.address() as AddressInfo).port;
  api = new ApiServer({
    storage,
    logger: pino({ level: 'silent' }),
    compactionIntervalMs: 0,
    authenticator: TokenAuthenticator.fromCsv('secret,jane,jane-uid,"devs,ops"\n', 'tokens.csv'),
    metricsServer: { url: `https://127.0.0.1:${port}`, ca: tls.cert },
  });
  url = (await api.start({ host: '127.0.0.1', port: 0 })).replace('0.0.0.0', '127.0.0.1');
});

afterAll(async () => {
  await api?.stop();
  await storage.close();
  backend?.closeAllConnections();
  await new Promise<void>((r) => (backend ? backend.close(() => r()) : r()));
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { headers: { authorization: 'Bearer secret', ...headers } });

describe('aggregated metrics.k8s.io', () => {
  it("passes the caller's identity on in X-Remote-User and X-Remote-Group, never the caller's own such headers or token", async () => {
    seen = [];
    const res = await get('/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=zone%3Da', { 'x-remote-user': 'system:admin', 'x-remote-group': 'system:masters' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ kind: 'NodeMetricsList', items: [] });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=zone%3Da');
    expect(seen[0]!.headers['x-remote-user']).toBe('jane');
    expect(seen[0]!.headers['x-remote-group']).toBe('devs,ops,system:authenticated');
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it('answers the group document itself and refuses other versions and dot segments', async () => {
    seen = [];
    expect(await (await get('/apis/metrics.k8s.io')).json()).toMatchObject({ kind: 'APIGroup', name: 'metrics.k8s.io', preferredVersion: { version: 'v1beta1' } });
    expect((await get('/apis/metrics.k8s.io/v1/nodes')).status).toBe(404);
    expect((await get('/apis/metrics.k8s.io/v1beta1/%2e%2e/%2e%2e/healthz')).status).toBe(404);
    expect(seen).toEqual([]);
  });

  it('lists the group after the built-in ones', async () => {
    const groups = (await (await get('/apis')).json()) as { groups: { name: string }[] };
    expect(groups.groups.at(-1)?.name).toBe('metrics.k8s.io');
  });

  it('lets no unauthenticated request through', async () => {
    seen = [];
    const res = await fetch(`${url}/apis/metrics.k8s.io/v1beta1/nodes`);
    expect(res.status).toBe(401);
    expect(seen).toEqual([]);
  });
});
