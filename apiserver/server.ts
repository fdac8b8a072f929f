// The apiserver: fastify serving Kubernetes' REST API over the generic
// store, one watch cache per resource, bearer-token authentication, request
// limits, discovery, health and metrics.
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { findResource, servedResources } from '../src/api/resources.js';
import type { ResourceInfo } from '../src/api/resource.js';
import { errors, StatusError } from '../src/api/status.js';
import { StorageError, type Storage } from './storage/interface.js';
import { Cacher } from './storage/cacher.js';
import { ResourceStore, type NamespaceState } from './registry/store.js';
import { strategyFor } from './registry/strategy.js';
import { DEFAULT_SERVICE_RANGES, ServiceAllocations } from './registry/service-allocations.js';
import { ResourceHandlers } from './http/handlers.js';
import { parseRequestPath } from './http/request-info.js';
import { PROTOBUF_MEDIA_TYPE, protobufBodyParser } from './http/protobuf-body.js';
import { Discovery, SERVER_VERSION } from './discovery.js';
import { ApiMetrics, instrumentStorage } from './metrics.js';
import { openApiHandlers } from './openapi-serve.js';
import { isPodConnectSubresource, PodProxy, type KubeletClientConfig } from './http/pod-proxy.js';
import type { TokenAuthenticator, UserInfo } from './auth.js';
import { AggregatedApi, type AggregatedApiOptions } from './aggregation.js';
import { withWriteTTL } from './storage/ttl.js';
import { withVersionConversion } from './registry/version-conversion.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface ApiServerOptions {
  storage: Storage;
  logger: Logger;
  /** without one, every request is served as an anonymous user (say so loudly) */
  authenticator?: TokenAuthenticator;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** concurrency limits; beyond them requests get 429 */
  maxRequestsInflight?: number;
  maxMutatingRequestsInflight?: number;
  bookmarkIntervalMs?: number;
  minRequestTimeoutSeconds?: number;
  /** compact etcd history older than this interval, as kube-apiserver does every 5 minutes; 0 disables */
  compactionIntervalMs?: number;
  watchCacheCapacity?: number;
  /** where service cluster IPs and node ports come from (defaults 10.96.0.0/12, 30000-32767) */
  serviceClusterIPRange?: string;
  serviceNodePortRange?: string;
  /** how to reach kubelets for pods/log, exec and attach (client certificate, optional CA) */
  kubeletClient?: KubeletClientConfig;
  /** tolerationSeconds of the not-ready and unreachable tolerations new pods get (DefaultTolerationSeconds; 300) */
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  /** proxy /apis/metrics.k8s.io to this metrics server (the aggregation layer); not served without */
  metricsServer?: AggregatedApiOptions;
  /** events are deleted this long after their last write (--event-ttl); default 3600, 0 keeps them */
  eventTTLSeconds?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: UserInfo;
  }
}

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);
const BOOTSTRAP_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class ApiServer {
  readonly app: FastifyInstance;
  readonly metrics = new ApiMetrics();
  readonly stores = new Map<ResourceInfo, ResourceStore>();
  private readonly storage: Storage;
  private readonly discovery = new Discovery(servedResources);
  private readonly handlers: ResourceHandlers;
  private inflight = 0;
  private inflightMutating = 0;
  private compactionTimer?: NodeJS.Timeout;
  private ready = false;

  constructor(private readonly opts: ApiServerOptions) {
    this.storage = instrumentStorage(opts.storage, this.metrics);
    const namespaces = findResource('', 'v1', 'namespaces')!;
    this.services = new ServiceAllocations(this.storage, {
      serviceClusterIPRange: opts.serviceClusterIPRange ?? DEFAULT_SERVICE_RANGES.serviceClusterIPRange,
      serviceNodePortRange: opts.serviceNodePortRange ?? DEFAULT_SERVICE_RANGES.serviceNodePortRange,
    });
    const eventTTL = opts.eventTTLSeconds ?? 3600;
    for (const info of servedResources) {
      // A version served by conversion reads and watches through its own view of the stored objects.
      const viewed = info.storedAs ? withVersionConversion(this.storage, info.storedAs) : this.storage;
      const cacher = new Cacher(viewed, `/registry/${info.plural}/`, { capacity: opts.watchCacheCapacity });
      const isEvents = info.group === '' && info.plural === 'events';
      this.stores.set(
        info,
        new ResourceStore(info, {
          storage: isEvents && eventTTL > 0 ? withWriteTTL(this.storage, eventTTL) : viewed,
          cacher,
          strategy: strategyFor(info, {
            services: this.services,
            defaultTolerationSeconds: {
              notReadySeconds: opts.defaultNotReadyTolerationSeconds,
              unreachableSeconds: opts.defaultUnreachableTolerationSeconds,
            },
          }),
          namespaceState: (ns) => this.namespaceState(ns),
        }),
      );
    }
    this.namespacesStore = this.stores.get(namespaces)!;
    this.handlers = new ResourceHandlers(this.stores, {
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
      minRequestTimeoutSeconds: opts.minRequestTimeoutSeconds ?? 1800,
      metrics: this.metrics,
    });
    this.app = Fastify({
      loggerInstance: opts.logger,
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: MAX_BODY_BYTES,
      https: opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : null,
      // open watches would otherwise hold a shutdown forever
      forceCloseConnections: true,
    }) as unknown as FastifyInstance;
    this.podProxy = new PodProxy({
      getPod: (ns, name) => this.stores.get(findResource('', 'v1', 'pods')!)!.get(ns, name),
      getNode: (name) => this.stores.get(findResource('', 'v1', 'nodes')!)!.get(undefined, name),
      kubelet: opts.kubeletClient ?? {},
      authenticate: (authorization) => !opts.authenticator || opts.authenticator.authenticate(authorization) !== undefined,
      log: opts.logger,
    });
    if (opts.metricsServer) {
      this.aggregated = new AggregatedApi('metrics.k8s.io', 'v1beta1', opts.metricsServer, opts.logger);
      this.discovery.addAggregatedGroup(this.aggregated.group, this.aggregated.version);
    }
    // Upgrades (exec, attach) leave fastify's request cycle: the socket becomes a tunnel.
    this.app.server.on('upgrade', (req, socket, head) => this.podProxy.handleUpgrade(req, socket, head));
    this.routes();
  }

  private readonly namespacesStore: ResourceStore;
  private readonly podProxy: PodProxy;
  private readonly aggregated?: AggregatedApi;
  readonly services: ServiceAllocations;

  private async namespaceState(ns: string): Promise<NamespaceState> {
    const key = this.namespacesStore.key(undefined, ns);
    const cached = this.namespacesStore.cacher.get(key);
    const obj = cached?.value ?? (await this.storage.get(key))?.value;
    if (!obj) return 'Missing';
    const meta = (obj as { metadata?: { deletionTimestamp?: string } }).metadata;
    const phase = (obj as { status?: { phase?: string } }).status?.phase;
    return meta?.deletionTimestamp || phase === 'Terminating' ? 'Terminating' : 'Active';
  }

  private routes(): void {
    const app = this.app;
    // Bodies are read as text and decoded by the handlers, which know the
    // media type's meaning (object, patch, YAML) and answer with a Status.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));
    app.addContentTypeParser(PROTOBUF_MEDIA_TYPE, { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, protobufBodyParser);

    app.addHook('onRequest', async (req, reply) => {
      (req as FastifyRequest & { startedAt: bigint }).startedAt = process.hrtime.bigint();
      const path = req.url.split('?')[0]!;
      if (PUBLIC_PATHS.has(path)) return;
      const auth = this.opts.authenticator;
      if (auth) {
        const user = auth.authenticate(req.headers.authorization);
        if (!user) {
          reply.header('WWW-Authenticate', 'Bearer realm="skiff"');
          throw errors.unauthorized();
        }
        req.user = user;
      } else {
        req.user = { name: 'system:anonymous', uid: '', groups: ['system:unauthenticated'] };
      }
    });

    app.setErrorHandler((err: unknown, req, reply) => {
      const status = this.toStatusError(err, req);
      if (status.code >= 500) req.log.error({ err, url: req.url, method: req.method }, 'request failed');
      // As Kubernetes: only a positive retryAfterSeconds becomes Retry-After (a PDB refusal has none, so clients see it at once).
      const retryAfter = status.details?.retryAfterSeconds ?? 0;
      if (status.code === 429 && retryAfter > 0) reply.header('Retry-After', String(retryAfter));
      return reply.code(status.code).type('application/json').send(JSON.stringify(status.toStatus()));
    });
    app.setNotFoundHandler((_req, reply) => {
      const s = errors.pathNotFound();
      return reply.code(404).type('application/json').send(JSON.stringify(s.toStatus()));
    });

    app.addHook('onResponse', async (req, reply) => {
      const info = (req as FastifyRequest & { routeInfo?: { verb: string; group: string; resource: string; subresource: string } }).routeInfo;
      if (!info || info.verb === 'WATCH') return;
      const started = (req as FastifyRequest & { startedAt?: bigint }).startedAt;
      this.metrics.requests.inc({ ...info, code: String(reply.statusCode) });
      if (started) this.metrics.latency.observe(info, Number(process.hrtime.bigint() - started) / 1e9);
    });

    const health = async (_req: FastifyRequest, reply: FastifyReply) => {
      if (!this.ready) return reply.code(503).type('text/plain').send('[-]informer-sync failed: not ready yet\nhealthz check failed');
      try {
        await this.storage.currentRevision();
      } catch {
        return reply.code(503).type('text/plain').send('[-]etcd failed: reason withheld\nhealthz check failed');
      }
      return reply.type('text/plain').send('ok');
    };
    app.get('/healthz', health);
    app.get('/readyz', health);
    app.get('/livez', async (_req, reply) => reply.type('text/plain').send('ok'));
    app.get('/version', async () => SERVER_VERSION);
    const openapi = openApiHandlers(servedResources);
    app.get('/openapi/v2', openapi.v2);
    app.get('/openapi/v3', openapi.v3Root);
    app.get('/openapi/v3/*', openapi.v3GroupVersion);
    app.get('/metrics', async (_req, reply) => {
      reply.type(this.metrics.registry.contentType);
      return this.metrics.registry.metrics();
    });

    const serverAddress = () => {
      const addr = this.app.server.address();
      return typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : '';
    };
    const api = async (req: FastifyRequest, reply: FastifyReply) => this.serveApi(req, reply, serverAddress);
    app.all('/api', api);
    app.all('/api/*', api);
    app.all('/apis', api);
    app.all('/apis/*', api);
    const aggregated = this.aggregated;
    if (aggregated) for (const route of aggregated.routes) app.all(route, (req, reply) => aggregated.serve(req, reply));
  }

  private toStatusError(err: unknown, req: FastifyRequest): StatusError {
    if (err instanceof StatusError) return err;
    if (err instanceof StorageError) {
      if (err.kind === 'Unavailable') return errors.unavailable(`storage is unavailable: ${err.message}`);
      if (err.kind === 'Compacted') return errors.gone(err.message);
      return errors.internal(err.message);
    }
    const e = err as { code?: string; statusCode?: number; message?: string };
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413) return errors.tooLarge();
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return errors.unsupportedMediaType(req.headers['content-type'] ?? '');
    if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return errors.badRequest('the body of the request was empty');
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return errors.badRequest(e.message ?? 'bad request');
    return errors.internal(e.message ?? String(err));
  }

  private async serveApi(req: FastifyRequest, reply: FastifyReply, serverAddress: () => string) {
    const path = req.url.split('?')[0]!;
    const target = parseRequestPath(path, findResource);
    if (target.type !== 'resource') {
      if (req.method !== 'GET') throw errors.methodNotAllowed(req.method);
      let doc: unknown;
      if (target.type === 'legacyVersions') doc = this.discovery.legacyVersions(serverAddress());
      else if (target.type === 'groupList') doc = this.discovery.groupList();
      else if (target.type === 'group') doc = this.discovery.group(target.group);
      else doc = this.discovery.resourceList(target.group, target.version);
      if (!doc) throw errors.pathNotFound();
      return reply.type('application/json').send(JSON.stringify(doc));
    }
    const { info, namespace, name, subresource } = target;
    const watching = req.method === 'GET' && ['true', '1'].includes(String((req.query as Record<string, unknown>).watch));
    const verb = watching ? 'WATCH' : name ? req.method : req.method === 'GET' ? 'LIST' : req.method;
    (req as FastifyRequest & { routeInfo?: unknown }).routeInfo = {
      verb,
      group: info.group,
      resource: info.plural,
      subresource: subresource ?? '',
    };
    if (watching && !name) return this.handlers.collection(req, reply, info, namespace);
    // Log streams and exec/attach are long-running: outside the inflight limits, as in Kubernetes.
    if (name && subresource && namespace !== undefined && isPodConnectSubresource(info, subresource)) {
      return this.podProxy.serve(req, reply, namespace, name, subresource);
    }
    const mutating = req.method !== 'GET';
    const limit = mutating ? (this.opts.maxMutatingRequestsInflight ?? 200) : (this.opts.maxRequestsInflight ?? 400);
    const current = mutating ? this.inflightMutating : this.inflight;
    if (limit > 0 && current >= limit) throw errors.tooManyRequests('Too many requests, please try again later.');
    if (mutating) this.inflightMutating++;
    else this.inflight++;
    this.metrics.inflight.set({ request_kind: mutating ? 'mutating' : 'readOnly' }, mutating ? this.inflightMutating : this.inflight);
    try {
      if (!name) return await this.handlers.collection(req, reply, info, namespace);
      if (!subresource) return await this.handlers.item(req, reply, info, namespace, name);
      return await this.handlers.subresource(req, reply, info, namespace, name, subresource);
    } finally {
      if (mutating) this.inflightMutating--;
      else this.inflight--;
    }
  }

  /** start the watch caches, create the built-in namespaces, start compaction; then serve */
  async start(listen: { host: string; port: number }): Promise<string> {
    await Promise.all([...this.stores.values()].map((s) => s.cacher.start()));
    await this.bootstrap();
    const interval = this.opts.compactionIntervalMs ?? 5 * 60_000;
    if (interval > 0) this.scheduleCompaction(interval);
    const address = await this.app.listen(listen);
    await this.ensureKubernetesService();
    this.ready = true;
    return address;
  }

  /** `default/kubernetes`: the apiserver's own service, on the first address of the service range */
  private async ensureKubernetesService(): Promise<void> {
    const info = findResource('', 'v1', 'services')!;
    const addr = this.app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 6443;
    try {
      await this.stores.get(info)!.create('default', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: {
          type: 'ClusterIP',
          clusterIP: this.services.firstAddress,
          ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
          sessionAffinity: 'None',
        },
      });
    } catch (err) {
      if (!(err instanceof StatusError && (err.code === 409 || err.code === 422))) throw err;
    }
  }

  private async bootstrap(): Promise<void> {
    const store = this.namespacesStore;
    for (const name of BOOTSTRAP_NAMESPACES) {
      try {
        await store.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 409)) throw err;
      }
    }
  }

  /** like kube-apiserver: every interval, compact history up to the revision seen one interval ago */
  private scheduleCompaction(interval: number): void {
    let previous = 0;
    const tick = async () => {
      try {
        const rev = await this.storage.currentRevision();
        if (previous > 0) await this.storage.compact(previous);
        previous = rev;
      } catch (err) {
        this.opts.logger.warn({ err }, 'etcd compaction failed');
      }
    };
    this.compactionTimer = setInterval(() => void tick(), interval);
    this.compactionTimer.unref();
    void tick();
  }

  async stop(): Promise<void> {
    if (this.compactionTimer) clearInterval(this.compactionTimer);
    await Promise.all([...this.stores.values()].map((s) => s.cacher.stop()));
    this.handlers.endAllWatches();
    await this.podProxy.close();
    await this.aggregated?.close();
    const closing = this.app.close();
    // Keep-alive connections would otherwise hold the close until they time out.
    this.app.server.closeAllConnections?.();
    await closing;
  }
}
