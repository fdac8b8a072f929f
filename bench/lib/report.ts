// How a benchmark talks: progress on stderr, tables on stdout, and an exit
// status of 0 whatever happens, since a benchmark never fails a build.

/** A progress line on stderr, apart from the figures on stdout. */
export function progress(msg: string, tag = 'bench'): void {
  process.stderr.write(`[${tag}] ${msg}\n`);
}

/**
 * Rows (the first one the header) as a table of `| a | b |` lines with a
 * `|---|---|` rule under the header; the first `textColumns` columns are
 * aligned left, the rest (figures) right.
 */
export function pipeTable(rows: string[][], textColumns = 1): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]): string => `| ${row.map((v, c) => (c < textColumns ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)];
}

/** A header and rows as left-aligned columns two spaces apart, with a rule of dashes under the header. */
export function columnTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (row: string[]): string => row.map((v, c) => v.padEnd(widths[c]!)).join('  ');
  return [line(header), widths.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)];
}

/** Runs a benchmark's main and exits 0 either way: a failure is reported on stderr, not as a failed build. */
export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`benchmark could not run: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(0);
    },
  );
}
