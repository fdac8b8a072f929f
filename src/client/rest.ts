// The REST client every component uses to reach the apiserver: one keep-alive
// connection pool, bearer-token or client-certificate auth, client-side rate
// limiting, Retry-After handling, Warning headers, and a typed per-resource
// helper that builds Kubernetes' URL layout.
import { Pool, type Dispatcher } from 'undici';
import type { KubeList, KubeObject, WatchEvent } from '../api/meta.js';
import type { Status } from '../api/status.js';
import { realClock, sleep, type Clock } from './clock.js';
import { errorFromResponse } from './errors.js';
import { loadKubeconfig, type ClientConfig, type LoadOptions } from './kubeconfig.js';
import { encodeQuery, formatSelector, resourcePath, type Query, type ResourceRef, type SelectorInput } from './paths.js';
import { TokenBucket } from './ratelimit.js';
import { watchStream, type WatchOptions } from './watch.js';

export { encodeQuery, formatSelector, type Query, type QueryValue, type ResourceRef, type SelectorInput } from './paths.js';


export interface RequestOptions {
  query?: Query;
  /** an object is sent as JSON; a string or bytes as they are */
  body?: unknown;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** client-side deadline for the whole request, body included */
  timeoutMs?: number;
}

export interface RestClientOptions {
  /** client-side rate limit (token bucket); defaults 50 qps, burst 100 */
  qps?: number;
  burst?: number;
  /** false turns client-side rate limiting off (benchmarks) */
  rateLimit?: boolean;
  /** how many times a 429/5xx carrying Retry-After is retried; default 10 as in client-go */
  maxRetries?: number;
  /** default per-request deadline (ms) for non-streaming requests; none by default */
  timeoutMs?: number;
  userAgent?: string;
  /** called with the text of each `Warning: 299 - "..."` response header */
  onWarning?: (message: string) => void;
  /** maximum connections to the server; unlimited by default (each watch holds one) */
  connections?: number;
  clock?: Clock;
}

export interface StreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array>;
}

export interface RawResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A client-side deadline passed before the server answered. */
export class RequestTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestTimeoutError';
  }
}

const defaultUserAgent = `skiff/0.1.0 (${process.platform}/${process.arch})`;

export class RestClient {
  readonly config: ClientConfig;
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly limiter?: TokenBucket;
  private readonly clock: Clock;
  private readonly opts: RestClientOptions;

  constructor(config: ClientConfig, opts: RestClientOptions = {}) {
    this.config = config;
    this.opts = opts;
    this.clock = opts.clock ?? realClock;
    let url: URL;
    try {
      url = new URL(config.server);
    } catch {
      throw new Error(`invalid server URL "${config.server}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`invalid server URL "${config.server}": scheme must be http or https`);
    }
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: opts.connections ?? null,
      keepAliveTimeout: 30_000,
      connect: {
        ...(config.ca ? { ca: config.ca } : {}),
        ...(config.clientCert ? { cert: config.clientCert } : {}),
        ...(config.clientKey ? { key: config.clientKey } : {}),
        ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
        rejectUnauthorized: !config.insecureSkipTLSVerify,
      },
    });
    if (opts.rateLimit !== false) {
      this.limiter = new TokenBucket(opts.qps ?? 50, opts.burst ?? 100, this.clock);
    }
  }

  /** A client for the kubeconfig context kubectl would pick (see loadKubeconfig). */
  static fromKubeconfig(load: LoadOptions = {}, opts: RestClientOptions = {}): RestClient {
    return new RestClient(loadKubeconfig(load), opts);
  }

  /** The namespace of the kubeconfig context the client was made from. */
  get namespace(): string {
    return this.config.namespace;
  }

  /** Sends a request and returns the parsed JSON body (undefined when empty); non-2xx throws StatusError. */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.requestRaw(method, path, opts);
    if (res.body === '') return undefined as T;
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new Error(`${method} ${path}: the server answered ${res.statusCode} with a body that is not JSON`);
    }
  }

  /** Like request() but hands back the body as text (pod logs, plain-text endpoints). */
  async requestRaw(method: string, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
    const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs;
    const { signal, cleanup, timedOut } = withTimeout(opts.signal, timeoutMs);
    try {
      const res = await this.send(method, path, opts, signal, false);
      return { statusCode: res.statusCode, headers: res.headers, body: await res.body.text() };
    } catch (err) {
      if (timedOut()) throw new RequestTimeoutError(`${method} ${path}: request timed out after ${timeoutMs}ms`);
      throw err;
    } finally {
      cleanup();
    }
  }

  /**
   * Opens a long-lived response (watch, log follow) and hands back its body as
   * a stream of chunks. No read timeout applies: the caller ends it with the
   * signal, or the server ends it (watch timeoutSeconds).
   */
  async stream(method: string, path: string, opts: Omit<RequestOptions, 'timeoutMs'> = {}): Promise<StreamResponse> {
    const res = await this.send(method, path, opts, opts.signal, true);
    return { statusCode: res.statusCode, headers: res.headers, body: res.body };
  }

  /** The typed helper for one resource (ResourceInfo fits). */
  resource<T extends KubeObject = KubeObject>(ref: ResourceRef): ResourceClient<T> {
    return new ResourceClient<T>(this, ref);
  }

  /** Closes every connection, aborting requests still in flight. */
  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private async send(
    method: string,
    path: string,
    opts: RequestOptions,
    signal: AbortSignal | undefined,
    streaming: boolean,
  ): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {
      accept: opts.accept ?? 'application/json',
      'user-agent': this.opts.userAgent ?? defaultUserAgent,
      ...opts.headers,
    };
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
    let body: string | Uint8Array | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' || opts.body instanceof Uint8Array ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    const fullPath = this.basePath + path + encodeQuery(opts.query);
    const maxRetries = this.opts.maxRetries ?? 10;
    for (let attempt = 0; ; attempt++) {
      if (this.limiter) await this.limiter.wait(signal);
      signal?.throwIfAborted();
      const res = await this.pool.request({
        method: method as Dispatcher.HttpMethod,
        path: fullPath,
        headers,
        body: body ?? null,
        signal: signal ?? null,
        ...(streaming ? { bodyTimeout: 0 } : {}),
      });
      this.reportWarnings(res.headers.warning);
      if (res.statusCode >= 200 && res.statusCode < 300) return res;
      const retryAfter = retryAfterSeconds(res.headers['retry-after']);
      const retriable = res.statusCode === 429 || (res.statusCode >= 500 && res.statusCode <= 504);
      if (retriable && retryAfter !== undefined && attempt < maxRetries) {
        await res.body.dump();
        await sleep(retryAfter * 1000, signal, this.clock);
        continue;
      }
      const text = await res.body.text();
      throw errorFromResponse(res.statusCode, text, {
        method,
        ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
      });
    }
  }

  private reportWarnings(header: string | string[] | undefined): void {
    if (!header || !this.opts.onWarning) return;
    for (const value of Array.isArray(header) ? header : [header]) {
      for (const text of parseWarningHeader(value)) this.opts.onWarning(text);
    }
  }
}

function withTimeout(
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
): { signal: AbortSignal | undefined; cleanup: () => void; timedOut: () => boolean } {
  if (!timeoutMs || timeoutMs <= 0) return { signal, cleanup: () => {}, timedOut: () => false };
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new RequestTimeoutError(`request timed out after ${timeoutMs}ms`)), timeoutMs);
  const combined = signal ? AbortSignal.any([signal, ctl.signal]) : ctl.signal;
  return {
    signal: combined,
    cleanup: () => clearTimeout(timer),
    timedOut: () => ctl.signal.aborted && !signal?.aborted,
  };
}

function retryAfterSeconds(header: string | string[] | undefined): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined) return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * The texts of the warnings in one Warning header (RFC 7234: code agent
 * "quoted text" [date], comma-separated). Only code 299, the one Kubernetes
 * uses for API warnings, is reported.
 */
export function parseWarningHeader(value: string): string[] {
  const out: string[] = [];
  const re = /\s*(\d{3})\s+(\S+)\s+"((?:[^"\\]|\\.)*)"(?:\s+"(?:[^"\\]|\\.)*")?\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) {
    if (m[1] === '299') out.push(m[3]!.replace(/\\(.)/g, '$1'));
    if (re.lastIndex >= value.length) break;
  }
  return out;
}

export interface ListOptions {
  labelSelector?: SelectorInput;
  fieldSelector?: SelectorInput;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  fieldManager?: string;
  signal?: AbortSignal;
}

export interface PatchOptions extends WriteOptions {
  /** server-side apply: take ownership of conflicting fields */
  force?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  signal?: AbortSignal;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export const patchContentType: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

function listQuery(o: ListOptions): Query {
  return {
    labelSelector: formatSelector(o.labelSelector),
    fieldSelector: formatSelector(o.fieldSelector),
    limit: o.limit,
    continue: o.continue,
    resourceVersion: o.resourceVersion,
    resourceVersionMatch: o.resourceVersionMatch,
    timeoutSeconds: o.timeoutSeconds,
  };
}

function writeQuery(o: WriteOptions): Query {
  return {
    dryRun: o.dryRun ? 'All' : undefined,
    fieldValidation: o.fieldValidation,
    fieldManager: o.fieldManager,
  };
}

function deleteBody(o: DeleteOptions): Record<string, unknown> {
  return {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    ...(o.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: o.gracePeriodSeconds } : {}),
    ...(o.propagationPolicy ? { propagationPolicy: o.propagationPolicy } : {}),
    ...(o.preconditions ? { preconditions: o.preconditions } : {}),
    ...(o.dryRun ? { dryRun: ['All'] } : {}),
  };
}

/**
 * Calls for one resource. Namespace arguments are ignored for cluster-scoped
 * resources; for namespaced ones an absent namespace on list/watch/
 * deleteCollection means all namespaces, and on single-object calls falls
 * back to the object's own metadata.namespace where there is an object.
 */
export class ResourceClient<T extends KubeObject = KubeObject> {
  constructor(
    readonly client: RestClient,
    readonly ref: ResourceRef,
  ) {}

  /** /api/v1[/namespaces/{ns}]/{plural}[/{name}[/{sub}]] or /apis/{group}/{version}/... */
  path(namespace?: string, name?: string, subresource?: string): string {
    return resourcePath(this.ref, namespace, name, subresource);
  }

  private objectPath(namespace: string | undefined, name: string, subresource?: string): string {
    if (this.ref.namespaced && !namespace) {
      throw new Error(`a namespace is required for ${this.ref.plural} "${name}"`);
    }
    return this.path(namespace, name, subresource);
  }

  async list(namespace?: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.client.request<KubeList<T>>('GET', this.path(namespace), {
      query: listQuery(opts),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /**
   * Lists every page, following continue tokens. The result carries the first
   * page's resourceVersion: all pages of one list are one snapshot.
   */
  async listAll(namespace?: string, opts: Omit<ListOptions, 'continue'> = {}): Promise<KubeList<T>> {
    const first = await this.list(namespace, opts);
    const items = [...first.items];
    let cont = first.metadata?.continue;
    while (cont) {
      const { resourceVersion: _rv, resourceVersionMatch: _m, ...rest } = opts;
      const page = await this.list(namespace, { ...rest, continue: cont });
      items.push(...page.items);
      cont = page.metadata?.continue;
    }
    const metadata = { ...first.metadata };
    delete metadata.continue;
    delete metadata.remainingItemCount;
    return { ...first, metadata, items };
  }

  async get(namespace: string | undefined, name: string, opts: { resourceVersion?: string; signal?: AbortSignal } = {}): Promise<T> {
    return this.client.request<T>('GET', this.objectPath(namespace, name), {
      query: { resourceVersion: opts.resourceVersion },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  async create(namespace: string | undefined, obj: T, opts: WriteOptions = {}): Promise<T> {
    const ns = namespace ?? obj.metadata.namespace;
    if (this.ref.namespaced && !ns) throw new Error(`a namespace is required to create ${this.ref.plural}`);
    return this.client.request<T>('POST', this.path(ns), {
      body: obj,
      query: writeQuery(opts),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  async update(namespace: string | undefined, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.putTo(namespace, obj, undefined, opts);
  }

  async updateStatus(namespace: string | undefined, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.putTo(namespace, obj, 'status', opts);
  }

  private async putTo(namespace: string | undefined, obj: T, subresource: string | undefined, opts: WriteOptions): Promise<T> {
    const name = obj.metadata.name;
    if (!name) throw new Error(`cannot update ${this.ref.plural}: the object has no metadata.name`);
    return this.client.request<T>('PUT', this.objectPath(namespace ?? obj.metadata.namespace, name, subresource), {
      body: obj,
      query: writeQuery(opts),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  async patch(
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType,
    opts: PatchOptions = {},
  ): Promise<T> {
    return this.patchTo(namespace, name, undefined, patch, type, opts);
  }

  async patchStatus(namespace: string | undefined, name: string, patch: unknown, type: PatchType, opts: PatchOptions = {}): Promise<T> {
    return this.patchTo(namespace, name, 'status', patch, type, opts);
  }

  private async patchTo(
    namespace: string | undefined,
    name: string,
    subresource: string | undefined,
    patch: unknown,
    type: PatchType,
    opts: PatchOptions,
  ): Promise<T> {
    if (type === 'apply' && !opts.fieldManager) {
      throw new Error('PatchOptions.fieldManager is required for apply requests');
    }
    return this.client.request<T>('PATCH', this.objectPath(namespace, name, subresource), {
      body: typeof patch === 'string' ? patch : JSON.stringify(patch),
      contentType: patchContentType[type],
      query: { ...writeQuery(opts), force: opts.force === undefined ? undefined : opts.force },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /** Returns what the server returns: the object (being deleted, or as it was) or a Success Status. */
  async delete(namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<T | Status> {
    return this.client.request<T | Status>('DELETE', this.objectPath(namespace, name), {
      body: deleteBody(opts),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  async deleteCollection(namespace: string | undefined, opts: DeleteOptions & Omit<ListOptions, 'signal'> = {}): Promise<KubeList<T> | Status> {
    return this.client.request<KubeList<T> | Status>('DELETE', this.path(namespace), {
      body: deleteBody(opts),
      query: listQuery(opts),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  async getSubresource<R = unknown>(namespace: string | undefined, name: string, subresource: string, opts: RequestOptions = {}): Promise<R> {
    return this.client.request<R>('GET', this.objectPath(namespace, name, subresource), opts);
  }

  async updateSubresource<R = unknown>(
    namespace: string | undefined,
    name: string,
    subresource: string,
    body: unknown,
    opts: WriteOptions = {},
  ): Promise<R> {
    return this.client.request<R>('PUT', this.objectPath(namespace, name, subresource), {
      body,
      query: writeQuery(opts),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /** POST to a subresource, e.g. pods/{name}/binding or pods/{name}/eviction. */
  async createSubresource<R = unknown>(
    namespace: string | undefined,
    name: string,
    subresource: string,
    body: unknown,
    opts: WriteOptions = {},
  ): Promise<R> {
    return this.client.request<R>('POST', this.objectPath(namespace, name, subresource), {
      body,
      query: writeQuery(opts),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /** Watch events as an async iterator; see watchStream. */
  watch(namespace?: string, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>, void, undefined> {
    return watchStream<T>(this.client, this.ref, namespace, opts);
  }
}
