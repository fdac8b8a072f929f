// One probe of one container, run on its period as Kubernetes' prober worker
// does: results only count once failureThreshold (or successThreshold) of
// them in a row agree, and after a liveness or startup verdict of failure the
// worker holds until the container is replaced.
import type { Probe } from '../../src/api/core/v1.js';
import type { ContainerRuntime } from '../runtime/interface.js';
import type { ProbeOutcome } from './outcome.js';
import { runProbe, type ProbeTarget } from './run.js';

export type ProbeType = 'liveness' | 'readiness' | 'startup';

/** API defaults for a probe's timing fields. */
const DEFAULTS = { initialDelaySeconds: 0, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };

const TYPE_TITLE: Record<ProbeType, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

export interface WorkerContext {
  runtime: Pick<ContainerRuntime, 'execSync'>;
  target: ProbeTarget;
  msPerSecond: number;
  now: () => number;
  /** startup gates the other probes: only the startup probe runs until the container has started */
  isStarted: () => boolean;
  /** a verdict: the threshold of agreeing results was reached */
  setResult: (type: ProbeType, result: 'success' | 'failure', message: string) => void;
  /** every failed (or redirected, or errored) attempt, as Kubernetes' Unhealthy and ProbeWarning events */
  event: (reason: 'Unhealthy' | 'ProbeWarning', message: string) => void;
}

export class ProbeWorker {
  readonly periodMs: number;
  private readonly timeoutMs: number;
  private readonly successThreshold: number;
  private readonly failureThreshold: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private stopped = false;
  private onHold = false;
  private lastResult: 'success' | 'failure' | undefined;
  private resultRun = 0;

  constructor(
    readonly type: ProbeType,
    private readonly probe: Probe,
    private readonly ctx: WorkerContext,
  ) {
    const secs = (v: number | undefined, d: number): number => (v !== undefined && v > 0 ? v : d);
    this.periodMs = secs(probe.periodSeconds, DEFAULTS.periodSeconds) * ctx.msPerSecond;
    this.timeoutMs = secs(probe.timeoutSeconds, DEFAULTS.timeoutSeconds) * ctx.msPerSecond;
    this.successThreshold = secs(probe.successThreshold, DEFAULTS.successThreshold);
    this.failureThreshold = secs(probe.failureThreshold, DEFAULTS.failureThreshold);
  }

  /** When the first attempt may run: initialDelaySeconds after the container started. */
  initialDelayMs(startedAt: Date): number {
    const delay = (this.probe.initialDelaySeconds ?? DEFAULTS.initialDelaySeconds) * this.ctx.msPerSecond;
    return Math.max(0, startedAt.getTime() + delay - this.ctx.now());
  }

  start(firstDelayMs: number): void {
    this.schedule(firstDelayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
  }

  /** Probe now rather than at the next tick (unless an attempt is under way). */
  trigger(): void {
    if (this.stopped || this.inFlight) return;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    const begun = this.ctx.now();
    const started = this.ctx.isStarted();
    const gated = this.type === 'startup' ? started : !started;
    if (!this.onHold && !gated) await this.attempt();
    if (this.stopped || this.timer) return;
    this.schedule(Math.max(0, this.periodMs - (this.ctx.now() - begun)));
  }

  private async attempt(): Promise<void> {
    const title = TYPE_TITLE[this.type];
    const controller = new AbortController();
    this.inFlight = controller;
    let outcome: ProbeOutcome;
    try {
      outcome = await runProbe(this.probe, this.ctx.target, this.ctx.runtime, this.timeoutMs, controller.signal);
    } catch (e) {
      // A probe that could not run says nothing about the container: not counted.
      if (!this.stopped) this.ctx.event('Unhealthy', `${title} probe errored and resulted in unknown state: ${(e as Error).message}`);
      return;
    } finally {
      this.inFlight = undefined;
    }
    if (this.stopped) return;

    if (outcome.result === 'failure') this.ctx.event('Unhealthy', `${title} probe failed: ${outcome.output}`);
    if (outcome.result === 'warning') this.ctx.event('ProbeWarning', `${title} probe warning: ${outcome.output}`);
    const result = outcome.result === 'failure' ? 'failure' : 'success';
    if (this.lastResult === result) {
      this.resultRun++;
    } else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    if ((result === 'failure' && this.resultRun < this.failureThreshold) || (result === 'success' && this.resultRun < this.successThreshold)) return;

    if ((this.type === 'liveness' || this.type === 'startup') && result === 'failure') {
      // The container is about to be restarted; probing it while it stops helps nobody.
      this.onHold = true;
      this.resultRun = 0;
    }
    this.ctx.setResult(this.type, result, `${title} probe failed: ${outcome.output}`);
  }
}
