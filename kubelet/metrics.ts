// The kubelet's Prometheus metrics (prom-client), named as Kubernetes' kubelet
// names them. One registry per kubelet process; simulated nodes sharing a
// process share it (their numbers add up, as one scrape of many nodes would).
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class KubeletMetrics {
  readonly registry = new Registry();
  private readonly counters = new Set<() => { pods: number; containers: number }>();

  readonly podStartDuration = new Histogram({
    name: 'kubelet_pod_start_duration_seconds',
    help: 'Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run',
    buckets: [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600],
    registers: [this.registry],
  });

  readonly runtimeOperationsDuration = new Histogram({
    name: 'kubelet_runtime_operations_duration_seconds',
    help: 'Duration in seconds of runtime operations. Broken down by operation type.',
    labelNames: ['operation_type'] as const,
    buckets: [0.005, 0.0125, 0.03125, 0.078125, 0.1953125, 0.48828125, 1.220703125, 3.0517578125, 7.62939453125, 19.073486328125, 47.6837158203125, 119.20928955078125, 298.0232238769531, 745.0580596923828],
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const counters = this.counters;
    const sum = (pick: 'pods' | 'containers'): number => {
      let n = 0;
      for (const c of counters) n += c()[pick];
      return n;
    };
    new Gauge({
      name: 'kubelet_running_pods',
      help: 'Number of pods that have a running pod sandbox',
      registers: [this.registry],
      collect() {
        this.set(sum('pods'));
      },
    });
    new Gauge({
      name: 'kubelet_running_containers',
      help: 'Number of containers currently running',
      labelNames: ['container_state'] as const,
      registers: [this.registry],
      collect() {
        this.set({ container_state: 'running' }, sum('containers'));
      },
    });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** A kubelet reports its running pods and containers through this; returns an unregister function. */
  track(count: () => { pods: number; containers: number }): () => void {
    this.counters.add(count);
    return () => this.counters.delete(count);
  }
}
