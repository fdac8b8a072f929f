// The scheduler's Prometheus metrics (prom-client), named as
// kube-scheduler names them. One registry per scheduler: two schedulers in
// one process (tests) must not share counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueName } from './queue.js';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

export class SchedulerMetrics {
  readonly registry = new Registry();
  private pendingSource: (() => Record<QueueName, number>) | undefined;

  readonly scheduleAttempts = new Counter({
    name: 'scheduler_schedule_attempts_total',
    help: 'Number of attempts to schedule pods, by the result. \'unschedulable\' means a pod could not be scheduled, while \'error\' means an internal scheduler problem.',
    labelNames: ['result', 'profile'] as const,
    registers: [this.registry],
  });

  readonly e2eSchedulingDuration = new Histogram({
    name: 'scheduler_e2e_scheduling_duration_seconds',
    help: 'E2e scheduling latency in seconds (scheduling algorithm + binding)',
    labelNames: ['result', 'profile'] as const,
    buckets: [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384],
    registers: [this.registry],
  });

  readonly podSchedulingDuration = new Histogram({
    name: 'scheduler_pod_scheduling_sli_duration_seconds',
    help: 'E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue until it is bound.',
    labelNames: ['attempts'] as const,
    buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84],
    registers: [this.registry],
  });

  readonly preemptionAttempts = new Counter({
    name: 'scheduler_preemption_attempts_total',
    help: 'Total preemption attempts in the cluster till now',
    registers: [this.registry],
  });

  readonly leaderStatus = new Gauge({
    name: 'leader_election_master_status',
    help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });

  constructor() {
    const source = (): Record<QueueName, number> | undefined => this.pendingSource?.();
    new Gauge({
      name: 'scheduler_pending_pods',
      help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods; 'gated' means number of pods waiting for their scheduling gates to be removed.",
      labelNames: ['queue'] as const,
      registers: [this.registry],
      collect() {
        const sizes = source() ?? { active: 0, backoff: 0, unschedulable: 0, gated: 0 };
        for (const [queue, n] of Object.entries(sizes)) this.set({ queue }, n);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Reports the pending pods of this queue (the current leadership term's). */
  trackQueue(sizes: (() => Record<QueueName, number>) | undefined): void {
    this.pendingSource = sizes;
  }
}
