// Per-key exponential backoff as Kubernetes' flowcontrol.Backoff, which the
// kubelet uses for container restarts (CrashLoopBackOff) and image pulls
// (ImagePullBackOff): the first failure waits the initial period, each
// further one twice the last up to the cap, and a key left alone for twice
// the cap (a container that ran that long) starts over.

export interface BackoffOptions {
  /** first delay; Kubernetes' 10 s */
  initialMs: number;
  /** cap; Kubernetes' 300 s */
  maxMs: number;
  /** quiet time after which a key starts over; default twice the cap (10 min with the defaults) */
  resetAfterMs?: number;
  now?: () => number;
}

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export const DEFAULT_CONTAINER_BACKOFF = { initialMs: 10_000, maxMs: 300_000 } as const;

export class Backoff {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly opts: BackoffOptions) {
    this.now = opts.now ?? Date.now;
  }

  private get resetAfterMs(): number {
    return this.opts.resetAfterMs ?? this.opts.maxMs * 2;
  }

  private expired(eventTime: number, entry: Entry): boolean {
    return eventTime - entry.lastUpdate > this.resetAfterMs;
  }

  /** The current delay of key (0 when it has none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Counts a failure of key that happened at eventTime: the delay grows (or starts over after a quiet period). */
  next(key: string, eventTime: number = this.now()): void {
    const entry = this.entries.get(key);
    if (!entry || this.expired(eventTime, entry)) {
      this.entries.set(key, { backoffMs: this.opts.initialMs, lastUpdate: this.now() });
      return;
    }
    entry.backoffMs = Math.min(entry.backoffMs * 2, this.opts.maxMs);
    entry.lastUpdate = this.now();
  }

  /** True while less than the key's delay has passed since eventTime (e.g. when the container last exited). */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.expired(eventTime, entry)) return false;
    return this.now() - eventTime < entry.backoffMs;
  }

  /** True while less than the key's delay has passed since its last failure (image pulls). */
  isInBackOffSinceUpdate(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    const now = this.now();
    if (this.expired(now, entry)) return false;
    return now - entry.lastUpdate < entry.backoffMs;
  }

  /** When the back-off of key measured from eventTime ends (ms since the epoch), if it is in one. */
  backOffEndsAt(key: string, eventTime: number): number | undefined {
    const entry = this.entries.get(key);
    if (!entry || this.expired(eventTime, entry)) return undefined;
    return eventTime + entry.backoffMs;
  }

  /** When the back-off of key measured from its last failure ends, if it is in one. */
  backOffEndsSinceUpdate(key: string): number | undefined {
    const entry = this.entries.get(key);
    if (!entry || this.expired(this.now(), entry)) return undefined;
    const end = entry.lastUpdate + entry.backoffMs;
    return end > this.now() ? end : undefined;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key whose prefix is given (a pod's keys once the pod is gone). */
  resetPrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  /** Drops keys left alone long enough to start over anyway. */
  gc(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (this.expired(now, entry)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Go's time.Duration.String() for whole milliseconds: "10s", "1m20s", "5m0s", "500ms". */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const totalSeconds = ms / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = +(totalSeconds % 60).toFixed(3);
  let out = '';
  if (hours > 0) out += `${hours}h`;
  if (hours > 0 || minutes > 0) out += `${minutes}m`;
  return `${out}${seconds}s`;
}
