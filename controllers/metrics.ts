// The controller-manager's Prometheus metrics (prom-client), named as
// client-go's work queue and leader election name theirs so existing
// dashboards and alerts carry over. One registry per manager: two managers
// in one process (tests) must not share counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What a controller's queue exposes for its depth gauge. */
export interface QueueDepth {
  len(): number;
}

export class ControllerManagerMetrics {
  readonly registry = new Registry();
  private readonly queues = new Map<string, QueueDepth>();

  readonly leaderStatus = new Gauge({
    name: 'leader_election_master_status',
    help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });

  readonly adds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by workqueue',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });

  readonly retries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Total number of retries handled by workqueue',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });

  readonly workDuration = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long in seconds processing an item from workqueue takes.',
    labelNames: ['name'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    const queues = this.queues;
    new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [name, q] of queues) this.set({ name }, q.len());
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Reports the queue's depth under name until the returned function is called. */
  trackQueue(name: string, queue: QueueDepth): () => void {
    this.queues.set(name, queue);
    return () => {
      if (this.queues.get(name) === queue) this.queues.delete(name);
    };
  }
}
