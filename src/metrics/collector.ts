// The metrics server's scrape loop: every resolution interval it asks each
// node's kubelet for its Summary (GET /stats/summary over HTTPS with the
// metrics server's client certificate), all nodes at once and each within
// 90% of the interval, and records what came back in the store. A node whose
// kubelet did not answer drops out of the store until it answers again, as
// in metrics-server: stale figures would mislead the autoscaler.
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { Node } from '../api/core/v1.js';
import type { MetricsStore } from './store.js';
import { parseSummary, type Summary } from './summary.js';

/** The port a kubelet serves on when its node does not say. */
export const DEFAULT_KUBELET_PORT = 10250;
/** Address types tried in order: InternalIP first, where Skiff's kubelets listen (node names need not resolve). */
export const DEFAULT_ADDRESS_TYPES = ['InternalIP', 'Hostname', 'InternalDNS', 'ExternalIP', 'ExternalDNS'];

export interface SummaryScraper {
  summary(node: Node, signal: AbortSignal): Promise<Summary>;
}

export interface KubeletClientOptions {
  /** the client certificate and key kubelets accept (--kubelet-client-certificate, --kubelet-client-key) */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** verify kubelets' serving certificates against this CA; unverified without, as metrics-server with --kubelet-insecure-tls */
  ca?: string | Buffer;
  /** address types to dial, first found wins */
  preferredAddressTypes?: string[];
}

/** Where a node's kubelet listens, by the preferred address types and the node's daemon endpoint. */
export function kubeletEndpoint(node: Node, preferred: string[] = DEFAULT_ADDRESS_TYPES): { host: string; port: number } {
  const addresses = node.status?.addresses ?? [];
  const found = preferred.map((t) => addresses.find((a) => a.type === t && a.address)).find(Boolean);
  if (!found) throw new Error(`node ${node.metadata.name ?? ''} has no address of type ${preferred.join(', ')}`);
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  return { host: found.address, port: port && port > 0 ? port : DEFAULT_KUBELET_PORT };
}

export class KubeletSummaryClient implements SummaryScraper {
  private readonly agent: Agent;
  private readonly preferred: string[];

  constructor(opts: KubeletClientOptions) {
    this.preferred = opts.preferredAddressTypes ?? DEFAULT_ADDRESS_TYPES;
    this.agent = new Agent({
      keepAliveTimeout: 60_000,
      connect: {
        ...(opts.cert ? { cert: opts.cert } : {}),
        ...(opts.key ? { key: opts.key } : {}),
        ...(opts.ca ? { ca: opts.ca } : {}),
        rejectUnauthorized: Boolean(opts.ca),
      },
    });
  }

  async summary(node: Node, signal: AbortSignal): Promise<Summary> {
    const { host, port } = kubeletEndpoint(node, this.preferred);
    const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}/stats/summary?only_cpu_and_memory=true`;
    const res = await request(url, { dispatcher: this.agent, signal, headers: { accept: 'application/json' } });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${text.trim().slice(0, 200)}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`GET ${url}: the answer is not JSON`);
    }
    return parseSummary(body);
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

export interface ScrapeObserver {
  /** one kubelet scraped (or not) in seconds */
  scraped(node: string, ok: boolean, seconds: number): void;
  /** a whole round took this many seconds */
  roundDone?(seconds: number): void;
}

export interface CollectorOptions {
  /** the nodes to scrape (the node informer's cache) */
  nodes: () => Node[];
  scraper: SummaryScraper;
  store: MetricsStore;
  resolutionMs: number;
  log?: Logger;
  now?: () => number;
  observer?: ScrapeObserver;
}

export interface RoundResult {
  scraped: string[];
  failed: Record<string, string>;
}

export class MetricsCollector {
  private readonly now: () => number;
  private rounds = 0;

  constructor(private readonly opts: CollectorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** How many rounds have completed. */
  get completedRounds(): number {
    return this.rounds;
  }

  /** One round: every node scraped at once, each given 90% of the resolution. */
  async collect(): Promise<RoundResult> {
    const nodes = this.opts.nodes();
    const names = new Set(nodes.map((n) => n.metadata.name ?? ''));
    for (const gone of this.opts.store.nodeNames()) if (!names.has(gone)) this.opts.store.forget(gone);
    const result: RoundResult = { scraped: [], failed: {} };
    const timeoutMs = Math.max(100, Math.floor(this.opts.resolutionMs * 0.9));
    const roundStarted = process.hrtime.bigint();
    await Promise.all(
      nodes.map(async (node) => {
        const name = node.metadata.name ?? '';
        const started = process.hrtime.bigint();
        try {
          const summary = await this.opts.scraper.summary(node, AbortSignal.timeout(timeoutMs));
          this.opts.store.record(name, summary, this.now());
          result.scraped.push(name);
          this.opts.observer?.scraped(name, true, Number(process.hrtime.bigint() - started) / 1e9);
        } catch (err) {
          this.opts.store.forget(name);
          const message = err instanceof Error ? err.message : String(err);
          result.failed[name] = message;
          this.opts.observer?.scraped(name, false, Number(process.hrtime.bigint() - started) / 1e9);
          this.opts.log?.warn({ node: name, err: message }, 'failed to scrape node');
        }
      }),
    );
    this.rounds++;
    this.opts.observer?.roundDone?.(Number(process.hrtime.bigint() - roundStarted) / 1e9);
    return result;
  }

  /** Scrapes every resolution interval until signal aborts; a slow round delays the next, never overlaps it. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = this.now();
      await this.collect();
      const wait = Math.max(0, this.opts.resolutionMs - (this.now() - started));
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, wait);
        function done() {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}
