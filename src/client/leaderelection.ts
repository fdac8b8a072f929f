// Leader election on a coordination.k8s.io/v1 Lease, as client-go's
// leaderelection package does it:
// - a candidate takes the lease when it has no holder, or when the record it
//   last saw has not changed for leaseDuration by the candidate's own clock
//   (clocks of different machines are never compared);
// - the leader renews every retryPeriod; if it cannot renew within
//   renewDeadline it stops leading;
// - every write is an update carrying the resourceVersion it read, so two
//   candidates racing for one lease cannot both win: the loser gets 409;
// - with releaseOnCancel, stopping clears the holder so another candidate
//   takes over at once instead of waiting for the lease to run out.
import type { KubeObject } from '../api/meta.js';
import { realClock, sleep, type Clock } from './clock.js';
import { isConflict, isNotFound, isAlreadyExists } from './errors.js';
import type { ResourceRef, RestClient } from './rest.js';

export const leaseResource: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespaced: true };

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** ms since the epoch */
  acquireTime: number;
  renewTime: number;
  leaseTransitions: number;
}

/** metav1.MicroTime: RFC 3339 with six fractional digits. */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function parseTime(s: string | undefined): number {
  const t = s ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? t : 0;
}

export function recordFromLease(spec: LeaseSpec | undefined): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: parseTime(spec?.acquireTime),
    renewTime: parseTime(spec?.renewTime),
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

export function leaseSpecFromRecord(r: LeaderElectionRecord): LeaseSpec {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: formatMicroTime(r.acquireTime),
    renewTime: formatMicroTime(r.renewTime),
    leaseTransitions: r.leaseTransitions,
  };
}

export interface LeaderElectionConfig {
  client: RestClient;
  namespace: string;
  name: string;
  /** unique per candidate, e.g. hostname plus a random suffix */
  identity: string;
  /** how long a holder's claim stands without renewal; 15 s. Fractions are allowed (tests); the Lease records whole seconds, at least 1. */
  leaseDurationSeconds?: number;
  /** how long the leader keeps retrying a failed renewal before giving up; 10 s */
  renewDeadlineSeconds?: number;
  /** pause between attempts; 2 s */
  retryPeriodSeconds?: number;
  /** clear the holder on stop so a successor need not wait out the lease */
  releaseOnCancel?: boolean;
  /** started when leadership is gained; the signal aborts when it is lost or the elector stops */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** called once leadership has ended (only if it was gained) */
  onStoppedLeading?: () => void;
  /** called whenever a different (non-empty) holder is observed, this candidate included */
  onNewLeader?: (identity: string) => void;
  /** told of failed attempts and handler failures */
  onError?: (err: unknown) => void;
  clock?: Clock;
}

const jitterFactor = 1.2;

export class LeaderElector {
  private observed?: LeaderElectionRecord;
  private observedRaw = '';
  /** when, by our clock, the record last changed */
  private observedTime = 0;
  private lease?: Lease;
  private reportedLeader = '';
  private readonly ctl = new AbortController();
  private running?: Promise<void>;
  private readonly clock: Clock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;

  constructor(private readonly cfg: LeaderElectionConfig) {
    this.clock = cfg.clock ?? realClock;
    this.leaseDurationMs = (cfg.leaseDurationSeconds ?? 15) * 1000;
    this.renewDeadlineMs = (cfg.renewDeadlineSeconds ?? 10) * 1000;
    this.retryPeriodMs = (cfg.retryPeriodSeconds ?? 2) * 1000;
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) throw new Error('leaseDuration must be greater than renewDeadline');
    if (!(this.renewDeadlineMs > this.retryPeriodMs * jitterFactor)) {
      throw new Error(`renewDeadline must be greater than retryPeriod*${jitterFactor}`);
    }
    if (!(this.retryPeriodMs > 0)) throw new Error('retryPeriod must be greater than zero');
    if (!cfg.identity) throw new Error('leader election requires a non-empty identity');
  }

  /** True while this candidate holds the lease as far as it knows. */
  isLeader(): boolean {
    return this.observed !== undefined && this.observed.holderIdentity === this.cfg.identity;
  }

  /** The holder last observed ('' when none). */
  getLeader(): string {
    return this.observed?.holderIdentity ?? '';
  }

  /**
   * Campaigns until leadership is gained, leads until it is lost or the
   * elector is stopped, then returns. Runs once per elector.
   */
  run(signal?: AbortSignal): Promise<void> {
    if (signal) {
      if (signal.aborted) this.ctl.abort();
      else signal.addEventListener('abort', () => this.ctl.abort(), { once: true });
    }
    this.running ??= this.campaign();
    return this.running;
  }

  /** Stops campaigning or leading; resolves when run() has returned. */
  async stop(): Promise<void> {
    this.ctl.abort();
    await this.running;
  }

  private get stopped(): boolean {
    return this.ctl.signal.aborted;
  }

  private async campaign(): Promise<void> {
    if (!(await this.acquire())) return;
    const leading = new AbortController();
    this.call(() => this.cfg.onStartedLeading(leading.signal));
    try {
      await this.renew();
    } finally {
      leading.abort();
      if (this.cfg.releaseOnCancel) await this.release();
      this.call(() => this.cfg.onStoppedLeading?.());
    }
  }

  private async acquire(): Promise<boolean> {
    while (!this.stopped) {
      const ok = await this.tryAcquireOrRenew(this.renewDeadlineMs);
      this.maybeReportTransition();
      if (ok) return true;
      await sleep(this.retryPeriodMs * (1 + Math.random() * jitterFactor), this.ctl.signal, this.clock);
    }
    return false;
  }

  private async renew(): Promise<void> {
    while (!this.stopped) {
      const deadline = this.clock.now() + this.renewDeadlineMs;
      let renewed = false;
      for (;;) {
        const remaining = deadline - this.clock.now();
        if (remaining <= 0 || this.stopped) break;
        renewed = await this.tryAcquireOrRenew(remaining);
        if (renewed || this.stopped) break;
        await sleep(Math.min(this.retryPeriodMs, Math.max(0, deadline - this.clock.now())), this.ctl.signal, this.clock);
      }
      this.maybeReportTransition();
      if (!renewed) return;
      await sleep(this.retryPeriodMs, this.ctl.signal, this.clock);
    }
  }

  /** One attempt to take or keep the lease; true when this candidate holds it afterwards. */
  private async tryAcquireOrRenew(timeoutMs: number): Promise<boolean> {
    const now = this.clock.now();
    const desired: LeaderElectionRecord = {
      holderIdentity: this.cfg.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.leaseDurationMs / 1000)),
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    const opts = { signal: this.ctl.signal, timeoutMs };

    // Fast path: the leader updates against the lease it last wrote.
    if (this.isLeader() && this.isLeaseValid(now) && this.lease) {
      const prev = this.observed!;
      const rec = { ...desired, acquireTime: prev.acquireTime, leaseTransitions: prev.leaseTransitions };
      try {
        await this.write(rec, opts);
        return true;
      } catch (err) {
        if (this.stopped) return false;
        if (!isConflict(err)) this.report(err);
      }
    }

    let current: Lease;
    try {
      current = await this.cfg.client.resource<Lease>(leaseResource).get(this.cfg.namespace, this.cfg.name, opts);
    } catch (err) {
      if (this.stopped) return false;
      if (!isNotFound(err)) {
        this.report(err);
        return false;
      }
      try {
        const created = await this.cfg.client.resource<Lease>(leaseResource).create(
          this.cfg.namespace,
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.cfg.name, namespace: this.cfg.namespace },
            spec: leaseSpecFromRecord(desired),
          },
          opts,
        );
        this.lease = created;
        this.setObserved(desired);
        return true;
      } catch (createErr) {
        if (!this.stopped && !isAlreadyExists(createErr)) this.report(createErr);
        return false;
      }
    }

    this.lease = current;
    const record = recordFromLease(current.spec);
    const raw = JSON.stringify(current.spec ?? {});
    if (raw !== this.observedRaw) {
      this.setObserved(record);
      this.observedRaw = raw;
    }
    if (record.holderIdentity !== '' && this.isLeaseValid(now) && !this.isLeader()) return false;

    const rec = this.isLeader()
      ? { ...desired, acquireTime: record.acquireTime, leaseTransitions: record.leaseTransitions }
      : { ...desired, leaseTransitions: record.leaseTransitions + 1 };
    try {
      await this.write(rec, opts);
      return true;
    } catch (err) {
      if (!this.stopped && !isConflict(err)) this.report(err);
      return false;
    }
  }

  /** Updates the lease last read or written: its resourceVersion makes a concurrent write fail with 409. */
  private async write(rec: LeaderElectionRecord, opts: { signal: AbortSignal; timeoutMs: number }): Promise<void> {
    const base = this.lease!;
    const updated = await this.cfg.client
      .resource<Lease>(leaseResource)
      .update(this.cfg.namespace, { ...base, spec: leaseSpecFromRecord(rec) }, opts);
    this.lease = updated;
    this.setObserved(rec);
  }

  private async release(): Promise<void> {
    if (!this.isLeader() || !this.lease) return;
    const now = this.clock.now();
    const rec: LeaderElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: this.observed!.leaseTransitions,
    };
    try {
      await this.write(rec, { signal: new AbortController().signal, timeoutMs: this.renewDeadlineMs });
    } catch (err) {
      this.report(err);
    }
  }

  private setObserved(rec: LeaderElectionRecord): void {
    this.observed = rec;
    this.observedRaw = JSON.stringify(leaseSpecFromRecord(rec));
    this.observedTime = this.clock.now();
  }

  private isLeaseValid(now: number): boolean {
    return this.observedTime + (this.observed?.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  private maybeReportTransition(): void {
    const holder = this.observed?.holderIdentity ?? '';
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    if (holder) this.call(() => this.cfg.onNewLeader?.(holder));
  }

  private call(fn: () => void | Promise<void>): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((err: unknown) => this.report(err));
    } catch (err) {
      this.report(err);
    }
  }

  private report(err: unknown): void {
    try {
      this.cfg.onError?.(err);
    } catch {
      // a failing error reporter must not break the election
    }
  }
}

/** Runs a leader elector until the signal aborts or leadership is lost. */
export function runLeaderElection(cfg: LeaderElectionConfig, signal?: AbortSignal): Promise<void> {
  return new LeaderElector(cfg).run(signal);
}
