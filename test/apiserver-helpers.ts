// What the apiserver integration tests share: raw HTTP against the test
// server (exact headers and bodies), a line-by-line watch reader, Status
// assertions, polling with a deadline, a second ApiServer on the same etcd,
// and small object builders.
import { Agent, request } from 'undici';
import { pino, type Logger } from 'pino';
import { expect } from 'vitest';
import type { KubeObject } from '../src/api/meta.js';
import type { Status } from '../src/api/status.js';
import { ApiServer, type ApiServerOptions } from '../apiserver/server.js';
import { TokenAuthenticator } from '../apiserver/auth.js';
import type { Storage } from '../apiserver/storage/interface.js';
import { RestClient } from '../src/client/rest.js';
import type { TestApiServer } from './harness/apiserver.js';

export type Headers = Record<string, string | string[] | undefined>;

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** the body parsed as JSON, or undefined when it is not JSON */
  json: unknown;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** an object is sent as JSON; a string as it is */
  body?: unknown;
  contentType?: string;
  /** undefined: the server's token; null: no Authorization header; a string: that token */
  token?: string | null;
}

/** Raw HTTP to one server, with its CA and token. */
export class Http {
  readonly agent: Agent;

  constructor(
    readonly url: string,
    private readonly token: string,
    ca?: string,
  ) {
    this.agent = new Agent({ connect: ca ? { ca } : {} });
  }

  static of(s: Pick<TestApiServer, 'url' | 'token' | 'ca'>): Http {
    return new Http(s.url, s.token, s.ca || undefined);
  }

  private headersFor(opts: CallOptions): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    const token = opts.token === undefined ? this.token : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    return headers;
  }

  async call(method: string, path: string, opts: CallOptions = {}): Promise<HttpResult> {
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const res = await request(this.url + path, {
      method: method as 'GET',
      headers: this.headersFor(opts),
      body,
      dispatcher: this.agent,
    });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, json };
  }

  get = (path: string, opts?: CallOptions) => this.call('GET', path, opts);
  post = (path: string, body: unknown, opts?: CallOptions) => this.call('POST', path, { ...opts, body });
  put = (path: string, body: unknown, opts?: CallOptions) => this.call('PUT', path, { ...opts, body });
  patch = (path: string, body: unknown, contentType: string, opts?: CallOptions) =>
    this.call('PATCH', path, { ...opts, body, contentType });
  delete = (path: string, body?: unknown, opts?: CallOptions) => this.call('DELETE', path, { ...opts, body });

  /** Opens a watch (or any streaming GET) and reads it line by line. */
  async watch(path: string, opts: CallOptions = {}): Promise<WatchReader> {
    const ctl = new AbortController();
    const res = await request(this.url + path, {
      method: 'GET',
      headers: this.headersFor(opts),
      dispatcher: this.agent,
      signal: ctl.signal,
      bodyTimeout: 0,
    });
    return new WatchReader(res.statusCode, res.headers, res.body, ctl);
  }

  /** Drops every connection, open watches included. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

export interface WatchLine {
  type: string;
  object: KubeObject & Partial<Status>;
}

/** The events of one watch response, one JSON document per line. */
export class WatchReader {
  private readonly queue: WatchLine[] = [];
  private waiters: Array<() => void> = [];
  /** every raw line, for asserting the framing */
  readonly lines: string[] = [];
  ended = false;
  error?: unknown;

  constructor(
    readonly status: number,
    readonly headers: Headers,
    body: AsyncIterable<Uint8Array>,
    private readonly ctl: AbortController,
  ) {
    void this.pump(body);
  }

  private async pump(body: AsyncIterable<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of body) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          this.lines.push(line);
          if (line.trim() !== '') this.queue.push(JSON.parse(line) as WatchLine);
          this.wake();
        }
      }
      if (buf.trim() !== '') {
        this.lines.push(buf);
        this.queue.push(JSON.parse(buf) as WatchLine);
      }
    } catch (err) {
      if (!this.ctl.signal.aborted) this.error = err;
    }
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The next event; undefined when the stream ended first. Fails after timeoutMs. */
  async next(timeoutMs = 10_000): Promise<WatchLine | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ev = this.queue.shift();
      if (ev) return ev;
      if (this.ended) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no watch event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The next event that is not a BOOKMARK. */
  async nextChange(timeoutMs = 10_000): Promise<WatchLine | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ev = await this.next(Math.max(1, deadline - Date.now()));
      if (!ev || ev.type !== 'BOOKMARK') return ev;
    }
  }

  /** Resolves once the server has ended the response; fails after timeoutMs. */
  async waitEnd(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`watch still open after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.ctl.abort();
  }
}

/** Asserts a Kubernetes failure Status and returns it. */
export function expectStatus(res: HttpResult, code: number, reason: string, message?: string | RegExp): Status {
  expect(res.status, res.text).toBe(code);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const s = res.json as Status;
  expect(s).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
  expect(typeof s.message).toBe('string');
  if (message !== undefined) {
    if (typeof message === 'string') expect(s.message).toBe(message);
    else expect(s.message).toMatch(message);
  }
  return s;
}

/** Polls cond every few milliseconds until it holds; fails after ms. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let counter = 0;
/** A name no other test in this process uses. */
export function unique(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid.toString(36)}-${counter}`;
}

/** Creates a fresh namespace through raw HTTP and returns its name. */
export async function makeNamespace(http: Http, prefix = 'ns'): Promise<string> {
  const name = unique(prefix);
  const res = await http.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  expect(res.status, res.text).toBe(201);
  return name;
}

export const POD_PATH = (ns: string, name?: string, sub?: string) =>
  `/api/v1/namespaces/${ns}/pods${name ? `/${name}` : ''}${sub ? `/${sub}` : ''}`;
export const CM_PATH = (ns: string, name?: string) => `/api/v1/namespaces/${ns}/configmaps${name ? `/${name}` : ''}`;
export const DEPLOY_PATH = (ns: string, name?: string, sub?: string) =>
  `/apis/apps/v1/namespaces/${ns}/deployments${name ? `/${name}` : ''}${sub ? `/${sub}` : ''}`;

export function pod(name: string, extra: { labels?: Record<string, string>; nodeName?: string; containers?: unknown[] } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: {
      ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
      containers: extra.containers ?? [{ name: 'main', image: 'busybox:1.36' }],
    },
  };
}

export function configMap(name: string, labels?: Record<string, string>, data: Record<string, string> = { k: 'v' }) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data };
}

export function deployment(name: string, opts: { replicas?: number; containers?: unknown[]; labels?: Record<string, string> } = {}) {
  const labels = opts.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: opts.containers ?? [{ name: 'web', image: 'nginx:1.25' }] },
      },
    },
  };
}

export function node(name: string) {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } };
}

export interface ExtraServer {
  url: string;
  server: ApiServer;
  http: Http;
  client: RestClient;
  stop(): Promise<void>;
}

/**
 * Another ApiServer in this process on the same etcd as a test server (plain
 * HTTP, the same token): for options startApiServer cannot take (a logger)
 * and for a restart whose watch cache starts at etcd's current revision.
 */
export async function startExtraServer(
  base: Pick<TestApiServer, 'token' | 'storage'>,
  opts: Partial<ApiServerOptions> & { port?: number; logger?: Logger; storage?: Storage } = {},
): Promise<ExtraServer> {
  const { port, ...rest } = opts;
  const server = new ApiServer({
    storage: base.storage,
    logger: pino({ level: 'silent' }),
    authenticator: TokenAuthenticator.fromCsv(`${base.token},admin,admin-uid,"system:masters"\n`),
    compactionIntervalMs: 0,
    ...rest,
  });
  const address = await server.start({ host: '127.0.0.1', port: port ?? 0 });
  const url = address.replace('0.0.0.0', '127.0.0.1');
  const http = new Http(url, base.token);
  const client = new RestClient({ server: url, token: base.token, namespace: 'default', contextName: 'extra' }, { rateLimit: false });
  return {
    url,
    server,
    http,
    client,
    async stop() {
      await client.close();
      await http.close();
      await server.stop();
    },
  };
}
