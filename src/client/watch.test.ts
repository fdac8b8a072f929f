import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusError } from '../api/status.js';
import { RestClient } from './rest.js';
import { splitLines, watchStream, WatchExpiredError } from './watch.js';

const pods = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<RestClient> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new RestClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, namespace: 'default', contextName: 't' });
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
    () => client.close(),
  );
  return client;
}

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function writeInPieces(res: ServerResponse, text: string, cuts: number[]): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    res.write(bytes.subarray(at, cut));
    at = cut;
    await tick();
  }
}

describe('splitLines', () => {
  it('reassembles lines and multi-byte characters cut across chunks', async () => {
    const text = 'héllo\r\nwörld\n\nlast';
    const bytes = Buffer.from(text, 'utf8');
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
    }
    const lines: string[] = [];
    for await (const l of splitLines(chunks())) lines.push(l);
    expect(lines).toEqual(['héllo', 'wörld', '', 'last']);
  });
});

describe('watchStream', () => {
  it('yields events whose JSON is split across chunks, and sends the watch query', async () => {
    let url = '';
    const events = [
      { type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '11' }, spec: { note: 'ünïcode' } } },
      { type: 'MODIFIED', object: { metadata: { name: 'a', resourceVersion: '12' } } },
      { type: 'BOOKMARK', object: { metadata: { resourceVersion: '15' } } },
      { type: 'DELETED', object: { metadata: { name: 'a', resourceVersion: '16' } } },
    ];
    const client = await serve((req, res) => {
      url = req.url ?? '';
      res.writeHead(200, { 'content-type': 'application/json' });
      const text = events.map((e) => JSON.stringify(e) + '\n').join('');
      // cuts fall inside a JSON value, inside a multi-byte character and right after a newline
      const inside = text.indexOf('ünïcode') + 1;
      void writeInPieces(res, text, [7, inside, text.indexOf('\n') + 1, text.length - 3]).then(() => res.end());
    });
    const got: unknown[] = [];
    for await (const ev of watchStream(client, pods, 'ns1', {
      resourceVersion: '10',
      labelSelector: { app: 'web' },
      allowWatchBookmarks: true,
      timeoutSeconds: 30,
    })) {
      got.push(ev);
    }
    expect(got).toEqual(events);
    const q = new URL(url, 'http://x');
    expect(q.pathname).toBe('/api/v1/namespaces/ns1/pods');
    expect(Object.fromEntries(q.searchParams)).toEqual({
      watch: 'true',
      resourceVersion: '10',
      labelSelector: 'app=web',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '30',
    });
  });

  it('surfaces a 410 ERROR event as WatchExpiredError and other ERROR events as StatusError', async () => {
    const client = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const code = req.url?.includes('resourceVersion=1&') ? 410 : 500;
      const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason: code === 410 ? 'Expired' : 'InternalError', message: 'too old resource version: 1 (50)' };
      res.end(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
    });
    const drain = async (rv: string): Promise<unknown> => {
      try {
        for await (const _ of watchStream(client, pods, undefined, { resourceVersion: rv, timeoutSeconds: 1 })) {
          // no events expected
        }
      } catch (err) {
        return err;
      }
      return undefined;
    };
    const expired = await drain('1');
    expect(expired).toBeInstanceOf(WatchExpiredError);
    expect(expired).toBeInstanceOf(StatusError);
    expect((expired as StatusError).code).toBe(410);
    const other = await drain('2');
    expect(other).toBeInstanceOf(StatusError);
    expect(other).not.toBeInstanceOf(WatchExpiredError);
    expect((other as StatusError).code).toBe(500);
  });

  it('turns an HTTP 410 answer into WatchExpiredError too', async () => {
    const client = await serve((_req, res) => {
      res.writeHead(410, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 410, reason: 'Expired', message: 'gone' }));
    });
    await expect(watchStream(client, pods, 'x', {}).next()).rejects.toBeInstanceOf(WatchExpiredError);
  });

  it('ends quietly on abort and closes the connection when the consumer stops early', async () => {
    let closed = 0;
    const client = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } }) + '\n');
      res.on('close', () => closed++);
    });
    for await (const ev of watchStream(client, pods, 'ns', {})) {
      expect(ev.type).toBe('ADDED');
      break;
    }
    const ctl = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of watchStream(client, pods, 'ns', { signal: ctl.signal })) seen.push(ev.type);
    })();
    await tick(30);
    ctl.abort();
    await done;
    expect(seen).toEqual(['ADDED']);
    for (let i = 0; i < 50 && closed < 2; i++) await tick(10);
    expect(closed).toBe(2);
  });
});
