// Bearer-token authentication, the endpoints that answer without a token,
// TLS verified against the cluster CA, and tokens kept out of the server's
// logs.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../apiserver/storage/interface.js';
import { overrideStorage } from '../apiserver/storage/override.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import { CM_PATH, configMap, expectStatus, Http, startExtraServer } from './apiserver-helpers.js';

const run = promisify(execFile);

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

describe('authentication', () => {
  it('answers API requests without a valid bearer token with a 401 Status', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-the-token' },
      { authorization: `Bearer ${s.token}x` },
      { authorization: `Basic ${Buffer.from(`admin:${s.token}`).toString('base64')}` },
      { authorization: s.token },
    ];
    for (const headers of attempts) {
      for (const path of ['/api/v1/pods', '/api/v1/namespaces/default/configmaps', '/apis', '/metrics']) {
        const res = await http.get(path, { token: null, headers });
        expectStatus(res, 401, 'Unauthorized', 'Unauthorized');
      }
    }
    const write = await http.post(CM_PATH('default'), configMap('sneaky'), { token: 'wrong' });
    expectStatus(write, 401, 'Unauthorized');
    expect(await s.storage.get('/registry/configmaps/default/sneaky')).toBeNull();
  });

  it('serves the token it knows', async () => {
    const res = await http.get('/api/v1/namespaces/default/configmaps');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ kind: 'ConfigMapList' });
  });

  it('answers health and version without a token', async () => {
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const res = await http.get(path, { token: null });
      expect(res.status, path).toBe(200);
      expect(res.text).toBe('ok');
    }
    const version = await http.get('/version', { token: null });
    expect(version.status).toBe(200);
    expect(version.json).toMatchObject({ major: '1', gitVersion: expect.stringMatching(/^v1\.\d+\.\d+/) });
  });

  it('lets kubectl in with the kubeconfig token and out without it', async () => {
    const env = { ...process.env, KUBECONFIG: s.kubeconfig };
    const { stdout } = await run('/usr/bin/kubectl', ['get', 'namespace', 'default', '-o', 'name'], { env, timeout: 30_000 });
    expect(stdout.trim()).toBe('namespace/default');
    const denied = await run('/usr/bin/kubectl', ['get', 'namespaces', '--token=wrong'], { env, timeout: 30_000 }).then(
      () => undefined,
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    expect(denied).toContain('Unauthorized');
  });
});

describe('TLS', () => {
  it('serves HTTPS with a certificate the cluster CA verifies, for 127.0.0.1 and localhost', async () => {
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await http.get('/healthz');
    expect(res.status).toBe(200);

    const port = new URL(s.url).port;
    const agent = new Agent({ connect: { ca: s.ca } });
    try {
      const viaName = await request(`https://localhost:${port}/healthz`, { dispatcher: agent });
      expect(viaName.statusCode).toBe(200);
      expect(await viaName.body.text()).toBe('ok');
    } finally {
      await agent.destroy();
    }
  });

  it('is refused by a client that does not trust the cluster CA', async () => {
    const agent = new Agent();
    try {
      const err = await request(`${s.url}/healthz`, { dispatcher: agent }).then(
        () => undefined,
        (e: unknown) => e as { code?: string; cause?: { code?: string } },
      );
      expect(err).toBeDefined();
      expect(String(err?.code ?? err?.cause?.code)).toMatch(/CERT|SIGNATURE|ISSUER/);
    } finally {
      await agent.destroy();
    }
  });

  it('does not answer plain HTTP', async () => {
    const agent = new Agent();
    try {
      const outcome = await request(`${s.url.replace('https:', 'http:')}/healthz`, { dispatcher: agent }).then(
        async (r) => r.statusCode,
        () => 'refused',
      );
      expect(outcome === 'refused' || outcome === 400).toBe(true);
    } finally {
      await agent.destroy();
    }
  });
});

describe('logs', () => {
  it('never writes a bearer token, even at debug level and on failures', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const base = s.storage;
    // a storage that fails one key the way a broken backend would
    const failing: Storage = overrideStorage(base, {
      get: (key) => (key.endsWith('/explode') ? Promise.reject(new Error('disk on fire')) : base.get(key)),
      close: async () => {},
    });
    const logged = await startExtraServer(s, { storage: failing, logger: pino({ level: 'debug' }, sink) });
    const wrongToken = 'a-wrong-token-0123456789abcdef';
    try {
      const boom = await logged.http.get(CM_PATH('default', 'explode'));
      expectStatus(boom, 500, 'InternalError');
      expectStatus(await logged.http.get(CM_PATH('default', 'x'), { token: wrongToken }), 401, 'Unauthorized');
      expectStatus(await logged.http.get(CM_PATH('default', 'explode'), { token: wrongToken }), 401, 'Unauthorized');
      await logged.http.post(CM_PATH('default'), 'not json', { contentType: 'application/json' });
      await logged.http.get(`${CM_PATH('default')}?watch=true&timeoutSeconds=1`);
    } finally {
      await logged.stop();
    }
    const text = lines.join('');
    // the failure was logged, so the check below looks at real output
    expect(text).toContain('request failed');
    expect(text).toContain('disk on fire');
    expect(text).not.toContain(s.token);
    expect(text).not.toContain(wrongToken);
    expect(text.toLowerCase()).not.toContain('bearer');
  });
});
