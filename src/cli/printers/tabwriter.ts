// Column alignment as kubectl does it (Go's text/tabwriter with minwidth 6,
// padding 3, spaces): every cell but the last of a row is padded to its
// column's width; the last cell is written as it is.

const MIN_WIDTH = 6;
const PADDING = 3;

/** Display width: code points, as tabwriter counts runes. */
const width = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/**
 * Aligns rows of cells. Widths persist across calls (Go's RememberWidths), so
 * rows written later (`get -w`) line up under the rows written first; a later
 * cell wider than its column widens it from then on.
 */
export class TabWriter {
  private widths: number[] = [];

  format(rows: string[][]): string {
    for (const row of rows) {
      for (let i = 0; i < row.length - 1; i++) {
        const w = Math.max(MIN_WIDTH, width(row[i]!) + PADDING);
        if (w > (this.widths[i] ?? 0)) this.widths[i] = w;
      }
    }
    let out = '';
    for (const row of rows) {
      let line = '';
      row.forEach((cell, i) => {
        line += i < row.length - 1 ? cell + ' '.repeat(Math.max(0, this.widths[i]! - width(cell))) : cell;
      });
      out += line + '\n';
    }
    return out;
  }

  /** Forgets the widths: the next table starts its own columns. */
  reset(): void {
    this.widths = [];
  }
}

/** Aligns one block of rows on its own. */
export function alignRows(rows: string[][]): string {
  return new TabWriter().format(rows);
}
