// Go's text/tabwriter, which kubectl's describe output and `rollout history`
// go through: cells end at a tab, and a column is aligned over each block of
// consecutive lines that have a cell in it. The text after a line's last tab
// belongs to no column. Only what kubectl uses is here: left alignment and
// a padding character.

export interface TabWriterOptions {
  /** minimal cell width, padding included */
  minWidth?: number;
  /** added to the widest cell of a column */
  padding?: number;
  padChar?: string;
}

interface Cell {
  text: string;
  width: number;
}

/** Lays out text the way a tabwriter with these settings would after Flush. */
export function formatTabbed(text: string, opts: TabWriterOptions = {}): string {
  const minWidth = opts.minWidth ?? 0;
  const padding = opts.padding ?? 2;
  const padChar = opts.padChar ?? ' ';
  const rawLines = text.split('\n');
  // A trailing newline leaves an empty last segment: the text ended on a line boundary.
  const endsWithNewline = rawLines.length > 1 && rawLines[rawLines.length - 1] === '';
  if (endsWithNewline) rawLines.pop();
  const lines: Cell[][] = rawLines.map((l) => l.split('\t').map((t) => ({ text: t, width: [...t].length })));
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      let s = '';
      const line = lines[i]!;
      for (let j = 0; j < line.length; j++) {
        const c = line[j]!;
        s += c.text;
        if (j < widths.length && j < line.length - 1) s += padChar.repeat(Math.max(0, widths[j]! - c.width));
      }
      out.push(s);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      writeLines(start, i);
      start = i;
      let width = minWidth;
      for (; i < line1; i++) {
        const line = lines[i]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column]!.width + padding);
      }
      widths.push(width);
      format(start, i);
      widths.pop();
      start = i;
      // The loop's own increment would skip the line that ended the block.
      i--;
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}
