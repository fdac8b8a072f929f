// The resource metrics pipeline for integration tests: fake kubelets serving
// /stats/summary over HTTPS (client certificates checked against the test
// CA) with usage the test sets, the metrics server in this process scraping
// them, and a real apiserver on etcd aggregating metrics.k8s.io from it.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { pino } from 'pino';
import type { Node } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { ensureCA, ensureClientCert, ensureServingCert } from '../src/cluster/pki.js';
import { RestClient, type ResourceRef } from '../src/client/index.js';
import { MetricsServer } from '../src/metrics/main.js';
import type { ApiServerOptions } from '../apiserver/server.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import { freePorts } from './harness/etcd.js';
import { until } from './harness/until.js';

const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };

export interface ContainerLoad {
  /** CPU in use, in nanocores */
  nanoCores: number;
  memoryBytes: number;
}

export interface PodRef {
  name: string;
  namespace: string;
  uid: string;
}

interface Counter {
  cumulative: number;
  lastMs: number;
}

/**
 * A kubelet's HTTPS server answering /stats/summary only, for the pods the
 * test says run on it with the load it sets. CPU counters accumulate at the
 * set rate in real time, so two scrapes give exactly that rate back.
 */
export class FakeKubelet {
  readonly server: Server;
  /** requests that presented no valid client certificate */
  refused = 0;
  served = 0;
  nodeLoad: ContainerLoad = { nanoCores: 0, memoryBytes: 0 };
  private readonly counters = new Map<string, Counter>();

  constructor(
    tls: { cert: Buffer; key: Buffer; ca: Buffer },
    /** the pods on this node and each container's load, asked at every scrape */
    readonly pods: () => { pod: PodRef; containers: Record<string, ContainerLoad> }[],
  ) {
    this.server = createServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      if (!(req.socket as TLSSocket).authorized) {
        this.refused++;
        res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized');
        return;
      }
      if (!req.url?.startsWith('/stats/summary')) {
        res.writeHead(404).end('404 page not found');
        return;
      }
      this.served++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.summary()));
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private cpu(key: string, nanoCores: number, now: number): number {
    const c = this.counters.get(key) ?? { cumulative: 1e9, lastMs: now };
    c.cumulative += (nanoCores * (now - c.lastMs)) / 1000;
    c.lastMs = now;
    this.counters.set(key, c);
    return Math.round(c.cumulative);
  }

  private summary() {
    const now = Date.now();
    const time = new Date(now).toISOString();
    return {
      node: {
        nodeName: 'fake',
        startTime: '2024-01-01T00:00:00Z',
        cpu: { time, usageCoreNanoSeconds: this.cpu('node', this.nodeLoad.nanoCores, now) },
        memory: { time, usageBytes: this.nodeLoad.memoryBytes, workingSetBytes: this.nodeLoad.memoryBytes },
      },
      pods: this.pods().map(({ pod, containers }) => ({
        podRef: pod,
        containers: Object.entries(containers).map(([name, load]) => ({
          name,
          startTime: '2024-01-01T00:00:00Z',
          cpu: { time, usageCoreNanoSeconds: this.cpu(`${pod.uid}/${name}`, load.nanoCores, now) },
          memory: { time, usageBytes: load.memoryBytes, workingSetBytes: load.memoryBytes },
        })),
      })),
    };
  }
}

export interface MetricsPipeline {
  api: TestApiServer;
  metrics: MetricsServer;
  metricsPort: number;
  pki: string;
  /** a TLS identity the fake kubelets use, and the CA that signed every certificate here */
  kubeletTls: { cert: Buffer; key: Buffer; ca: Buffer };
  /** the front-proxy client certificate the apiserver presents to the metrics server */
  proxyClient: { cert: Buffer; key: Buffer };
  /** starts the metrics server again after stopMetrics() */
  startMetrics(): Promise<void>;
  stopMetrics(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real apiserver (etcd, TLS, token) aggregating a metrics server that
 * scrapes every resolutionMs, all certificates from one test CA.
 */
export async function startMetricsPipeline(opts: { resolutionMs: number; apiserver?: Partial<Omit<ApiServerOptions, 'storage' | 'logger' | 'tls'>> }): Promise<MetricsPipeline> {
  const pki = mkdtempSync(join(tmpdir(), 'skiff-metrics-pki-'));
  const ca = ensureCA(pki);
  const kubeletServing = ensureServingCert(pki, 'kubelet', { dns: ['localhost'], ips: ['127.0.0.1'] });
  const scraperClient = ensureClientCert(pki, 'metrics-server-kubelet-client', { commonName: 'system:metrics-server' });
  const proxyClient = ensureClientCert(pki, 'front-proxy-client', { commonName: 'front-proxy-client' });
  const serving = ensureServingCert(pki, 'metrics-server', { dns: ['localhost'], ips: ['127.0.0.1'] });
  const caPem = readFileSync(ca.certFile);
  const [metricsPort] = await freePorts(1);
  const api = await startApiServer({
    metricsServer: {
      url: `https://127.0.0.1:${metricsPort}`,
      ca: caPem,
      clientCert: readFileSync(proxyClient.certFile),
      clientKey: readFileSync(proxyClient.keyFile),
    },
    ...opts.apiserver,
  });
  const log = pino({ level: process.env.SKIFF_TEST_LOG ?? 'silent' });
  let client: RestClient | undefined;
  let metrics: MetricsServer | undefined;
  const pipeline: MetricsPipeline = {
    api,
    get metrics() {
      return metrics!;
    },
    metricsPort: metricsPort!,
    pki,
    kubeletTls: { cert: readFileSync(kubeletServing.certFile), key: readFileSync(kubeletServing.keyFile), ca: caPem },
    proxyClient: { cert: readFileSync(proxyClient.certFile), key: readFileSync(proxyClient.keyFile) },
    async startMetrics() {
      client = new RestClient({ server: api.url, token: api.token, ca: api.ca, namespace: 'default', contextName: 'metrics' }, { rateLimit: false });
      metrics = new MetricsServer({
        client,
        kubelet: { cert: readFileSync(scraperClient.certFile), key: readFileSync(scraperClient.keyFile), ca: caPem },
        resolutionMs: opts.resolutionMs,
        listen: { host: '127.0.0.1', port: metricsPort! },
        tls: { cert: readFileSync(serving.certFile), key: readFileSync(serving.keyFile) },
        clientCA: caPem,
        allowedNames: ['front-proxy-client'],
        log,
      });
      await metrics.start();
    },
    async stopMetrics() {
      await metrics?.stop();
      await client?.close();
    },
    async stop() {
      await pipeline.stopMetrics();
      await api.stop();
      rmSync(pki, { recursive: true, force: true });
    },
  };
  await pipeline.startMetrics();
  return pipeline;
}

/** Registers a node whose kubelet listens on 127.0.0.1:port, with the given allocatable resources. */
export async function createNode(
  client: RestClient,
  name: string,
  port: number,
  allocatable: Record<string, string>,
  labels: Record<string, string> = {},
): Promise<void> {
  const api = client.resource<Node & KubeObject>(nodesRef);
  const created = await api.create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } } as Node & KubeObject);
  await api.updateStatus(undefined, {
    ...created,
    status: {
      capacity: allocatable,
      allocatable,
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: port } },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  } as Node & KubeObject);
}

/** Polls until check returns a value (not undefined), taking errors for "not yet", or fails after ms. */
export function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  return until(what, check, { timeoutMs: ms, intervalMs: 200, retryOn: () => true });
}
