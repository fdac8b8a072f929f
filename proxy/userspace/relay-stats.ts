// The metric children one service port's relays bump, resolved once per
// service port so a relayed chunk costs a counter increment, not a label lookup.
import type { Counter, Gauge } from 'prom-client';
import type { ProxyMetrics } from '../metrics.js';

export class RelayStats {
  readonly connections: Counter.Internal;
  readonly active: Gauge.Internal<'service' | 'protocol'>;
  readonly bytesIn: Counter.Internal;
  readonly bytesOut: Counter.Internal;
  readonly refused: Counter.Internal;

  constructor(
    private readonly metrics: ProxyMetrics,
    readonly service: string,
    readonly protocol: string,
  ) {
    const labels = { service, protocol };
    this.connections = metrics.connections.labels(labels);
    this.active = metrics.activeConnections.labels(labels);
    this.bytesIn = metrics.bytes.labels({ ...labels, direction: 'in' });
    this.bytesOut = metrics.bytes.labels({ ...labels, direction: 'out' });
    this.refused = metrics.refused.labels(labels);
  }

  backendError(backend: string, reason: string): void {
    this.metrics.backendErrors.inc({ service: this.service, backend, reason });
  }

  udpSessions(delta: number): void {
    this.metrics.udpSessions.inc({ service: this.service }, delta);
  }
}
