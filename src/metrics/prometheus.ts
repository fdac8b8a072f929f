// The metrics server's own Prometheus metrics, named as metrics-server names
// them: kubelet scrapes by outcome and duration, and how many series the
// store holds.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ScrapeObserver } from './collector.js';

export class MetricsServerMetrics implements ScrapeObserver {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'metrics_server_kubelet_request_total',
    help: 'Number of requests sent to Kubelet API',
    labelNames: ['success'] as const,
    registers: [this.registry],
  });

  private readonly duration = new Histogram({
    name: 'metrics_server_kubelet_request_duration_seconds',
    help: 'Duration of requests to Kubelet API in seconds',
    labelNames: ['node'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly tickDuration = new Histogram({
    name: 'metrics_server_manager_tick_duration_seconds',
    help: 'The total time spent collecting and storing metrics in seconds.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(points?: () => { nodes: number; pods: number }) {
    if (points) {
      new Gauge({
        name: 'metrics_server_storage_points',
        help: 'Number of metrics points stored.',
        labelNames: ['type'] as const,
        registers: [this.registry],
        collect() {
          const p = points();
          this.set({ type: 'node' }, p.nodes);
          this.set({ type: 'pod' }, p.pods);
        },
      });
    }
    collectDefaultMetrics({ register: this.registry });
  }

  scraped(node: string, ok: boolean, seconds: number): void {
    this.requests.inc({ success: String(ok) });
    this.duration.observe({ node }, seconds);
  }

  roundDone(seconds: number): void {
    this.tickDuration.observe(seconds);
  }
}
