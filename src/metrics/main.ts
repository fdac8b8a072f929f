// `skiff metrics-server`: Kubernetes' resource metrics pipeline in one process.
//
//   kubelets --(HTTPS GET /stats/summary, client certificate)--> metrics server
//   metrics server --(metrics.k8s.io/v1beta1 over HTTPS)--> apiserver (aggregation)
//   apiserver --(/apis/metrics.k8s.io/..., authenticated users only)--> kubectl top,
//                                                    skiff top, the HPA controller
//
// The metrics server watches Nodes and Pods through the apiserver (informers),
// scrapes every node's kubelet once per resolution interval (15 s by default),
// and keeps only the last two samples of every node and container in memory:
// CPU usage is the rate between their cumulative CPU times, memory the latest
// working set, each stamped with the later sample's time and the window
// between them. It serves NodeMetrics and PodMetrics over HTTPS; the
// apiserver started with --metrics-server-url proxies /apis/metrics.k8s.io to
// it (as the aggregation layer proxies to an APIService), presenting its
// front-proxy client certificate, which this server can require
// (--requestheader-client-ca-file, --requestheader-allowed-names). Nothing is
// persisted: after a restart usage is back after two scrapes.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Node, Pod } from '../api/core/v1.js';
import { SharedInformerFactory, type Informer, type RestClient, type ResourceRef } from '../client/index.js';
import { selfSignedServingCert } from '../cluster/pki.js';
import { parseGoDuration } from '../api/batch/cron.js';
import { KubeletSummaryClient, MetricsCollector, type KubeletClientOptions } from './collector.js';
import { MetricsServerMetrics } from './prometheus.js';
import { MetricsResources } from './resources.js';
import { MetricsHttpServer } from './server.js';
import { MetricsStore } from './store.js';

/** metrics-server's --metric-resolution default. */
export const DEFAULT_RESOLUTION_MS = 15_000;
/** metrics-server's usual secure port in its manifests. */
export const DEFAULT_SECURE_PORT = 4443;

const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };

type NodeObject = Node & { metadata: { name?: string } };
type PodObject = Pod & { metadata: { name?: string; namespace?: string } };

export interface MetricsServerOptions {
  /** reaches the apiserver for the Node and Pod informers */
  client: RestClient;
  kubelet: KubeletClientOptions;
  resolutionMs?: number;
  listen: { host: string; port: number };
  /** serving certificate; a self-signed one is made in memory without */
  tls?: { cert: string | Buffer; key: string | Buffer };
  clientCA?: string | Buffer;
  allowedNames?: string[];
  log: Logger;
}

export class MetricsServer {
  readonly store = new MetricsStore();
  readonly collector: MetricsCollector;
  private readonly informers: SharedInformerFactory;
  private readonly nodes: Informer<NodeObject>;
  private readonly pods: Informer<PodObject>;
  private readonly kubelets: KubeletSummaryClient;
  private readonly http: MetricsHttpServer;
  private readonly ctl = new AbortController();
  private running?: Promise<void>;

  constructor(private readonly opts: MetricsServerOptions) {
    const log = opts.log;
    this.informers = new SharedInformerFactory(opts.client, { onError: (err) => log.warn({ err: String(err) }, 'informer') });
    this.nodes = this.informers.informerFor<NodeObject>(nodesRef);
    this.pods = this.informers.informerFor<PodObject>(podsRef);
    this.kubelets = new KubeletSummaryClient(opts.kubelet);
    const metrics = new MetricsServerMetrics(() => this.store.counts());
    this.collector = new MetricsCollector({
      nodes: () => this.nodes.list(),
      scraper: this.kubelets,
      store: this.store,
      resolutionMs: opts.resolutionMs ?? DEFAULT_RESOLUTION_MS,
      log,
      observer: metrics,
    });
    const resources = new MetricsResources({
      nodes: () => this.nodes.list(),
      node: (name) => this.nodes.get(name),
      pods: (namespace) => this.pods.list(namespace),
      pod: (namespace, name) => this.pods.get(`${namespace}/${name}`),
      store: this.store,
    });
    const tls = opts.tls ?? selfSignedServingCert('metrics-server', { dns: ['localhost', hostname()], ips: ['127.0.0.1'] });
    this.http = new MetricsHttpServer({
      resources,
      tls,
      ...(opts.clientCA ? { clientCA: opts.clientCA } : {}),
      ...(opts.allowedNames ? { allowedNames: opts.allowedNames } : {}),
      registry: metrics.registry,
      ready: () => this.collector.completedRounds > 0,
      logger: log,
    });
  }

  /** Serves at once (not ready until the first round), then scrapes every resolution interval until stop(). */
  async start(): Promise<string> {
    const address = await this.http.start(this.opts.listen);
    this.informers.start();
    const signal = this.ctl.signal;
    this.running = (async () => {
      if (!(await this.informers.waitForCacheSync(signal))) return;
      await this.collector.run(signal);
    })().catch((err: unknown) => this.opts.log.error({ err: String(err) }, 'metrics collection stopped'));
    return address;
  }

  get port(): number {
    return this.http.port;
  }

  async stop(): Promise<void> {
    this.ctl.abort();
    await this.running;
    this.informers.shutdown();
    await this.http.stop();
    await this.kubelets.close();
  }
}

export interface MetricsServerFlags {
  kubeconfig?: string;
  kubeletClientCertificate?: string;
  kubeletClientKey?: string;
  kubeletCertificateAuthority?: string;
  kubeletPreferredAddressTypes?: string;
  metricResolution: string;
  bindAddress: string;
  securePort: number;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  requestheaderClientCaFile?: string;
  requestheaderAllowedNames?: string;
  logLevel: string;
}

/** A Go duration flag ("15s", "1m"), in milliseconds. */
export function durationFlagMs(flag: string, value: string): number {
  let seconds: number;
  try {
    seconds = parseGoDuration(value.trim());
  } catch {
    throw new Error(`invalid argument "${value}" for "${flag}" flag: time: invalid duration "${value}"`);
  }
  return Math.round(seconds * 1000);
}

/** Runs `skiff metrics-server` until SIGTERM or SIGINT. */
export async function runMetricsServer(flags: MetricsServerFlags, opts: { signal?: AbortSignal } = {}): Promise<void> {
  const { createLogger } = await import('../log.js');
  const { RestClient } = await import('../client/index.js');
  const { untilShutdown } = await import('../component/shutdown.js');
  const log = createLogger('metrics-server', flags.logLevel);
  if (Boolean(flags.kubeletClientCertificate) !== Boolean(flags.kubeletClientKey)) {
    throw new Error('--kubelet-client-certificate and --kubelet-client-key must be given together');
  }
  if (Boolean(flags.tlsCertFile) !== Boolean(flags.tlsPrivateKeyFile)) {
    throw new Error('--tls-cert-file and --tls-private-key-file must be given together');
  }
  const resolutionMs = durationFlagMs('--metric-resolution', flags.metricResolution);
  if (resolutionMs < 1000) throw new Error('--metric-resolution must be at least 1s');
  if (!flags.requestheaderClientCaFile) {
    log.warn('no --requestheader-client-ca-file: anyone who reaches the port can read metrics');
  }
  const client = RestClient.fromKubeconfig(flags.kubeconfig ? { path: flags.kubeconfig } : {}, { userAgent: 'skiff-metrics-server' });
  const server = new MetricsServer({
    client,
    kubelet: {
      ...(flags.kubeletClientCertificate ? { cert: readFileSync(flags.kubeletClientCertificate), key: readFileSync(flags.kubeletClientKey!) } : {}),
      ...(flags.kubeletCertificateAuthority ? { ca: readFileSync(flags.kubeletCertificateAuthority) } : {}),
      ...(flags.kubeletPreferredAddressTypes
        ? { preferredAddressTypes: flags.kubeletPreferredAddressTypes.split(',').map((s) => s.trim()).filter(Boolean) }
        : {}),
    },
    resolutionMs,
    listen: { host: flags.bindAddress, port: flags.securePort },
    ...(flags.tlsCertFile ? { tls: { cert: readFileSync(flags.tlsCertFile), key: readFileSync(flags.tlsPrivateKeyFile!) } } : {}),
    ...(flags.requestheaderClientCaFile ? { clientCA: readFileSync(flags.requestheaderClientCaFile) } : {}),
    ...(flags.requestheaderAllowedNames
      ? { allowedNames: flags.requestheaderAllowedNames.split(',').map((s) => s.trim()).filter(Boolean) }
      : {}),
    log,
  });
  const address = await server.start();
  log.info({ address, apiserver: client.config.server, resolution: flags.metricResolution }, 'metrics server serving');
  await untilShutdown(log, opts.signal);
  await server.stop();
  await client.close();
  log.info('metrics server stopped');
}
