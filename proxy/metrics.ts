// The proxy's Prometheus metrics, served on its healthz port at /metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ProxyMetrics {
  readonly registry = new Registry();
  readonly connections: Counter<'service' | 'protocol'>;
  readonly activeConnections: Gauge<'service' | 'protocol'>;
  readonly bytes: Counter<'service' | 'protocol' | 'direction'>;
  readonly backendErrors: Counter<'service' | 'backend' | 'reason'>;
  readonly refused: Counter<'service' | 'protocol'>;
  readonly udpSessions: Gauge<'service'>;
  readonly syncDuration: Histogram<'mode'>;
  readonly syncErrors: Counter<'mode'>;
  readonly servicePorts: Gauge;
  readonly iptablesRules: Gauge<'table'>;
  readonly iptablesRestores: Counter;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    this.connections = new Counter({
      name: 'skiff_proxy_connections_total',
      help: 'Client connections (TCP) or sessions (UDP) accepted by the userspace proxy, per service port',
      labelNames: ['service', 'protocol'],
      registers,
    });
    this.activeConnections = new Gauge({
      name: 'skiff_proxy_active_connections',
      help: 'Client connections the userspace proxy is relaying now',
      labelNames: ['service', 'protocol'],
      registers,
    });
    this.bytes = new Counter({
      name: 'skiff_proxy_bytes_total',
      help: 'Bytes relayed by the userspace proxy; direction "in" is client to backend, "out" backend to client',
      labelNames: ['service', 'protocol', 'direction'],
      registers,
    });
    this.backendErrors = new Counter({
      name: 'skiff_proxy_backend_errors_total',
      help: 'Backends that refused, timed out or failed a connection or datagram',
      labelNames: ['service', 'backend', 'reason'],
      registers,
    });
    this.refused = new Counter({
      name: 'skiff_proxy_refused_connections_total',
      help: 'Client connections reset because no backend could be reached',
      labelNames: ['service', 'protocol'],
      registers,
    });
    this.udpSessions = new Gauge({
      name: 'skiff_proxy_udp_sessions',
      help: 'UDP client sessions open in the userspace proxy',
      labelNames: ['service'],
      registers,
    });
    this.syncDuration = new Histogram({
      name: 'skiff_proxy_sync_proxy_rules_duration_seconds',
      help: 'How long one sync of listeners or iptables rules took',
      labelNames: ['mode'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.syncErrors = new Counter({
      name: 'skiff_proxy_sync_errors_total',
      help: 'Syncs that failed (retried on the next one)',
      labelNames: ['mode'],
      registers,
    });
    this.servicePorts = new Gauge({
      name: 'skiff_proxy_service_ports',
      help: 'Service ports the proxy serves',
      registers,
    });
    this.iptablesRules = new Gauge({
      name: 'skiff_proxy_iptables_rules',
      help: 'Rules in the chains this proxy owns, per table',
      labelNames: ['table'],
      registers,
    });
    this.iptablesRestores = new Counter({
      name: 'skiff_proxy_iptables_restores_total',
      help: 'iptables-restore runs (only when the rules changed or were found missing)',
      registers,
    });
  }
}
