// What a process costs, read from outside it: memory and CPU from /proc, the
// V8 heap from its own Node.js metrics. A process that is gone reads as NaN,
// so a late reading never turns into a failed run.
import { readFileSync } from 'node:fs';

/** A memory field of /proc/<pid>/status in MB: VmRSS now, VmHWM its peak. */
export function procStatusMB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return NaN;
  }
}

/** User plus system CPU seconds the process has used. */
export function cpuSeconds(pid: number): number {
  try {
    // the command name in parentheses may hold spaces: count fields after it
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

export interface HeapMB {
  used: number;
  total: number;
  /** memory held outside the V8 heap (buffers) */
  external: number;
}

/** A Skiff component's V8 heap in MB, from the default Node.js metrics on its /metrics URL. */
export async function v8HeapMB(metricsUrl: string): Promise<HeapMB> {
  try {
    const text = await (await fetch(metricsUrl)).text();
    const read = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 1024 / 1024;
    return { used: read('nodejs_heap_size_used_bytes'), total: read('nodejs_heap_size_total_bytes'), external: read('nodejs_external_memory_bytes') };
  } catch {
    return { used: NaN, total: NaN, external: NaN };
  }
}
