// kubectl's PrefixWriter over a tabwriter (tabbedString in its describe
// package): text written at an indentation level of two spaces each, laid
// out in aligned columns when flushed. A flush ends every column block, which
// is why the Events table never aligns with what comes before it.
import { formatTabbed } from './tabwriter.js';

export const LEVEL_0 = 0;
export const LEVEL_1 = 1;
export const LEVEL_2 = 2;
export const LEVEL_3 = 3;

export class PrefixWriter {
  private pending = '';
  private done = '';

  /** raw: no tabwriter behind it, tabs stay tabs (kubectl's PrefixWriter over a plain buffer). */
  constructor(private readonly raw = false) {}

  /** Writes text at an indentation level (two spaces per level). */
  write(level: number, text: string): void {
    this.pending += '  '.repeat(level) + text;
  }

  /** Go's fmt.Sprintln of one value: the text and a newline, no indentation. */
  writeLine(text: string): void {
    this.pending += `${text}\n`;
  }

  flush(): void {
    this.done += this.raw ? this.pending : formatTabbed(this.pending, { minWidth: 0, padding: 2, padChar: ' ' });
    this.pending = '';
  }

  /** Everything written, laid out. */
  toString(): string {
    this.flush();
    return this.done;
  }
}

/** Runs a describer body against a fresh writer and returns the laid-out text. */
export function tabbedString(body: (w: PrefixWriter) => void): string {
  const w = new PrefixWriter();
  body(w);
  return w.toString();
}
