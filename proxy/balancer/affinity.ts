// ClientIP session affinity: a client keeps going to the backend it last used
// until it has been quiet for the timeout (iptables' `-m recent --rcheck
// --seconds`, which also counts from the last packet seen).

interface Entry {
  backend: string;
  lastUsed: number;
}

export class ClientIPAffinity {
  private readonly entries = new Map<string, Entry>();
  private sets = 0;

  constructor(private timeoutMs: number) {}

  setTimeout(ms: number): void {
    this.timeoutMs = ms;
  }

  /** The backend key this client sticks to, if its entry has not expired. */
  get(clientIP: string, now: number): string | undefined {
    const e = this.entries.get(clientIP);
    if (!e) return undefined;
    if (now - e.lastUsed > this.timeoutMs) {
      this.entries.delete(clientIP);
      return undefined;
    }
    return e.backend;
  }

  set(clientIP: string, backend: string, now: number): void {
    this.entries.set(clientIP, { backend, lastUsed: now });
    // expired entries of clients that never come back are swept now and then
    if (++this.sets % 1024 === 0) this.prune(now);
  }

  forgetBackend(backend: string): void {
    for (const [ip, e] of this.entries) if (e.backend === backend) this.entries.delete(ip);
  }

  prune(now: number): void {
    for (const [ip, e] of this.entries) if (now - e.lastUsed > this.timeoutMs) this.entries.delete(ip);
  }

  get size(): number {
    return this.entries.size;
  }
}
