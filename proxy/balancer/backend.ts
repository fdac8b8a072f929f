// One backend (endpoint) of a service port as the userspace balancer tracks
// it: connections in flight, its latency, and whether it is cooling down
// after refusing a connection.
import { PeakEwma } from './ewma.js';

export class Backend {
  readonly key: string;
  /** connections open or being opened to it */
  active = 0;
  readonly latency: PeakEwma;
  /** until when (clock ms) it is skipped after a refused connection */
  cooldownUntil = 0;

  constructor(
    readonly ip: string,
    readonly port: number,
    decayMs?: number,
  ) {
    this.key = `${ip}:${port}`;
    this.latency = new PeakEwma(decayMs);
  }

  coolingAt(now: number): boolean {
    return this.cooldownUntil > now;
  }
}
