// The load loop and the order statistics every benchmark reports.

/** The value below which p% of a sorted sample falls (nearest rank, no interpolation); NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** The middle of a sorted sample, the mean of the two middle values when its length is even; NaN when empty. */
export function median(sorted: number[]): number {
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
}

export interface ConcurrentRun {
  /** wall time from the first operation's start to the last one's end */
  seconds: number;
  /** each operation's time in ms, sorted */
  latencies: number[];
}

/** Runs op(0) .. op(total - 1), `concurrency` at a time, each loop taking the next index as soon as it is free. */
export async function runConcurrent(total: number, concurrency: number, op: (i: number) => Promise<void>): Promise<ConcurrentRun> {
  let next = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { seconds: (performance.now() - start) / 1000, latencies: latencies.sort((a, b) => a - b) };
}
