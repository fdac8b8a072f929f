// A small in-memory stand-in for the apiserver, for unit tests of anything
// built on src/client: generic get/list/create/update/delete/merge-patch and
// watch for any resource path, with Kubernetes' resourceVersion semantics
// (409 on stale writes, paged lists with continue tokens, 410 for watches and
// continues older than the compacted history) and hooks to inject failures.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { KubeObject, WatchEventType } from '../../api/meta.js';
import { errors, StatusError } from '../../api/status.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

interface Parsed {
  /** e.g. "/api/v1/pods" or "/apis/coordination.k8s.io/v1/leases" */
  collection: string;
  group: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

interface HistoryEvent {
  rv: number;
  collection: string;
  type: WatchEventType;
  object: KubeObject;
}

interface OpenWatch {
  res: ServerResponse;
  matches: (ev: HistoryEvent) => boolean;
  bookmarks: boolean;
}

/** Return true when the hook has answered the request itself. */
export type RequestHook = (req: RecordedRequest, res: ServerResponse) => boolean | Promise<boolean>;

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  /** consulted before normal handling, in order */
  readonly hooks: RequestHook[] = [];
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: HistoryEvent[] = [];
  private rv = 100;
  /** watches and continues from a resourceVersion below this get 410 */
  private oldestRV = 0;
  private readonly watches = new Set<OpenWatch>();
  private server?: Server;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.closeWatches();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The current resourceVersion. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Stores an object directly (as a create or update through the API would), emitting the watch event. */
  put(collection: string, obj: KubeObject): KubeObject {
    const items = this.collection(collection);
    const key = objKey(obj.metadata.namespace, obj.metadata.name ?? '');
    const existed = items.has(key);
    const stored: KubeObject = structuredClone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    stored.metadata.uid ??= items.get(key)?.metadata.uid ?? randomUUID();
    stored.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    items.set(key, stored);
    this.emit(collection, existed ? 'MODIFIED' : 'ADDED', stored);
    return structuredClone(stored);
  }

  /** Removes an object directly, emitting DELETED. */
  remove(collection: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const items = this.collection(collection);
    const key = objKey(namespace, name);
    const old = items.get(key);
    if (!old) return undefined;
    items.delete(key);
    const gone = structuredClone(old);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit(collection, 'DELETED', gone);
    return gone;
  }

  /** Removes an object without any watch event: what a watcher misses while disconnected. */
  removeSilently(collection: string, namespace: string | undefined, name: string): void {
    this.collection(collection).delete(objKey(namespace, name));
    this.rv++;
  }

  getObject(collection: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.collection(collection).get(objKey(namespace, name));
    return o ? structuredClone(o) : undefined;
  }

  listObjects(collection: string): KubeObject[] {
    return [...this.collection(collection).values()].map((o) => structuredClone(o));
  }

  /** Forgets all history: watches or continues from any earlier resourceVersion get 410 Expired. */
  compact(): void {
    this.oldestRV = this.rv + 1;
    this.history = [];
  }

  /** Ends every open watch as a server timeout would. */
  closeWatches(): void {
    for (const w of this.watches) w.res.end();
    this.watches.clear();
  }

  /** Ends every open watch with an ERROR event carrying 410 Expired, as a server whose history moved on does. */
  expireWatches(): void {
    const status = errors.gone(`too old resource version: the watch fell behind (${this.oldestRV})`).toStatus();
    for (const w of this.watches) w.res.end(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
    this.watches.clear();
  }

  /** Sends a BOOKMARK at the current resourceVersion to watches that allow them. */
  bookmark(): void {
    for (const w of this.watches) {
      if (!w.bookmarks) continue;
      w.res.write(JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.rv) } } }) + '\n');
    }
  }

  get openWatches(): number {
    return this.watches.size;
  }

  private collection(c: string): Map<string, KubeObject> {
    let m = this.objects.get(c);
    if (!m) this.objects.set(c, (m = new Map()));
    return m;
  }

  private emit(collection: string, type: WatchEventType, object: KubeObject): void {
    const ev: HistoryEvent = { rv: this.rv, collection, type, object: structuredClone(object) };
    this.history.push(ev);
    for (const w of this.watches) if (w.matches(ev)) w.res.write(JSON.stringify({ type, object: ev.object }) + '\n');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(rec);
    try {
      for (const hook of this.hooks) if (await hook(rec, res)) return;
      this.route(rec, res);
    } catch (err) {
      const se = err instanceof StatusError ? err : errors.internal(String(err));
      if (!res.headersSent) sendJSON(res, se.code, se.toStatus());
      else res.end();
    }
  }

  private route(req: RecordedRequest, res: ServerResponse): void {
    const p = parsePath(req.path);
    if (!p) throw errors.pathNotFound();
    const items = this.collection(p.collection);
    const { namespace, name } = p;
    switch (req.method) {
      case 'GET': {
        if (name === undefined) {
          if (req.query.get('watch') === 'true' || req.query.get('watch') === '1') return this.watch(p, req, res);
          return sendJSON(res, 200, this.list(p, req.query));
        }
        const o = items.get(objKey(namespace, name));
        if (!o) throw errors.notFound(p.plural, p.group, name);
        return sendJSON(res, 200, o);
      }
      case 'POST': {
        const obj = JSON.parse(req.body) as KubeObject;
        obj.metadata ??= {};
        if (namespace) obj.metadata.namespace = namespace;
        if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + randomUUID().slice(0, 5);
        if (!obj.metadata.name) throw errors.invalid(p.plural, p.group, '', [{ field: 'metadata.name', message: 'Required value' }]);
        if (items.has(objKey(namespace, obj.metadata.name))) throw errors.alreadyExists(p.plural, p.group, obj.metadata.name);
        delete obj.metadata.resourceVersion;
        return sendJSON(res, 201, this.put(p.collection, obj));
      }
      case 'PUT': {
        if (name === undefined) throw errors.methodNotAllowed('PUT');
        const obj = JSON.parse(req.body) as KubeObject;
        const old = items.get(objKey(namespace, name));
        if (!old) throw errors.notFound(p.plural, p.group, name);
        const rv = obj.metadata?.resourceVersion;
        if (rv && rv !== old.metadata.resourceVersion) {
          throw errors.conflict(p.plural, p.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
        }
        const next: KubeObject =
          p.subresource === 'status' ? { ...structuredClone(old), status: obj.status } : { ...obj, status: old.status };
        next.metadata = { ...old.metadata, ...(p.subresource === 'status' ? {} : obj.metadata), namespace: old.metadata.namespace, name };
        if (next.status === undefined) delete next.status;
        return sendJSON(res, 200, this.put(p.collection, next));
      }
      case 'PATCH': {
        if (name === undefined) throw errors.methodNotAllowed('PATCH');
        const old = items.get(objKey(namespace, name));
        if (!old) throw errors.notFound(p.plural, p.group, name);
        const ct = String(req.headers['content-type'] ?? '');
        if (!ct.startsWith('application/merge-patch+json') && !ct.startsWith('application/strategic-merge-patch+json')) {
          throw errors.unsupportedMediaType(ct);
        }
        const patched = mergePatch(structuredClone(old), JSON.parse(req.body)) as KubeObject;
        return sendJSON(res, 200, this.put(p.collection, patched));
      }
      case 'DELETE': {
        if (name === undefined) {
          for (const o of [...items.values()]) this.remove(p.collection, o.metadata.namespace, o.metadata.name ?? '');
          return sendJSON(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
        }
        const gone = this.remove(p.collection, namespace, name);
        if (!gone) throw errors.notFound(p.plural, p.group, name);
        return sendJSON(res, 200, gone);
      }
      default:
        throw errors.methodNotAllowed(req.method);
    }
  }

  private selected(p: Parsed, query: URLSearchParams): (o: KubeObject) => boolean {
    const label = parseEqualitySelector(query.get('labelSelector'));
    return (o) =>
      (!p.namespace || o.metadata.namespace === p.namespace) &&
      Object.entries(label).every(([k, v]) => o.metadata.labels?.[k] === v);
  }

  private list(p: Parsed, query: URLSearchParams): unknown {
    const all = [...this.collection(p.collection).values()]
      .filter(this.selected(p, query))
      .sort((a, b) => objKey(a.metadata.namespace, a.metadata.name ?? '').localeCompare(objKey(b.metadata.namespace, b.metadata.name ?? '')));
    let offset = 0;
    let listRV = this.rv;
    const cont = query.get('continue');
    if (cont) {
      const token = JSON.parse(Buffer.from(cont, 'base64').toString('utf8')) as { rv: number; offset: number };
      if (token.rv < this.oldestRV) {
        throw errors.gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      offset = token.offset;
      listRV = token.rv;
    }
    const limit = Number(query.get('limit') ?? 0);
    const page = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
    const next = limit > 0 && offset + limit < all.length ? offset + limit : undefined;
    return {
      kind: 'List',
      apiVersion: 'v1',
      metadata: {
        resourceVersion: String(listRV),
        ...(next !== undefined
          ? { continue: Buffer.from(JSON.stringify({ rv: listRV, offset: next })).toString('base64'), remainingItemCount: all.length - next }
          : {}),
      },
      items: page,
    };
  }

  private watch(p: Parsed, req: RecordedRequest, res: ServerResponse): void {
    const from = req.query.get('resourceVersion') ?? '';
    const fromRV = Number(from || 0);
    const selected = this.selected(p, req.query);
    const matches = (ev: HistoryEvent): boolean => ev.collection === p.collection && selected(ev.object);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    if (from !== '' && from !== '0' && fromRV < this.oldestRV - 1) {
      const status = errors.gone(`too old resource version: ${fromRV} (${this.oldestRV - 1})`).toStatus();
      res.end(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
      return;
    }
    if (from === '' || from === '0') {
      for (const o of this.collection(p.collection).values()) if (selected(o)) res.write(JSON.stringify({ type: 'ADDED', object: o }) + '\n');
    } else {
      for (const ev of this.history) if (ev.rv > fromRV && matches(ev)) res.write(JSON.stringify({ type: ev.type, object: ev.object }) + '\n');
    }
    const w: OpenWatch = { res, matches, bookmarks: req.query.get('allowWatchBookmarks') === 'true' };
    this.watches.add(w);
    const timeout = Number(req.query.get('timeoutSeconds') ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      this.watches.delete(w);
    });
  }
}

function objKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function parsePath(path: string): Parsed | undefined {
  const s = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group = '';
  let rest: string[];
  let prefix: string;
  if (s[0] === 'api' && s.length >= 3) {
    prefix = `/api/${s[1]}`;
    rest = s.slice(2);
  } else if (s[0] === 'apis' && s.length >= 4) {
    group = s[1]!;
    prefix = `/apis/${s[1]}/${s[2]}`;
    rest = s.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource] = rest;
  if (!plural) return undefined;
  return {
    collection: `${prefix}/${plural}`,
    group,
    plural,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

function parseEqualitySelector(s: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (s ?? '').split(',')) {
    const [k, v] = part.split('=');
    if (k && v !== undefined) out[k.trim()] = v.trim();
  }
  return out;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function sendJSON(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
