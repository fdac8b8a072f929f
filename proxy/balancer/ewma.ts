// Finagle's peak EWMA of latency: a sample above the current value replaces
// it at once (a backend that slows down is noticed on the first slow answer),
// a lower one is blended in with a weight that grows with the time since the
// last sample, and reading decays the value toward zero, so a backend that
// was slow and then left alone is tried again after a while.

export class PeakEwma {
  private value: number | undefined;
  private stamp = 0;

  constructor(private readonly decayMs = 10_000) {}

  observe(sampleMs: number, now: number): void {
    const sample = Math.max(0, sampleMs);
    if (this.value === undefined || sample > this.value) {
      this.value = sample;
    } else {
      const w = Math.exp(-Math.max(0, now - this.stamp) / this.decayMs);
      this.value = this.value * w + sample * (1 - w);
    }
    this.stamp = now;
  }

  /** undefined until the first sample */
  get(now: number): number | undefined {
    if (this.value === undefined) return undefined;
    return this.value * Math.exp(-Math.max(0, now - this.stamp) / this.decayMs);
  }
}
