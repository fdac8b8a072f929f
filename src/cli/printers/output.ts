// kubectl's -o formats: the server-printed table (default and wide), yaml,
// json, name, jsonpath and custom-columns, each writing objects the way
// kubectl writes them (keys in Go's order, List wrappers, `kind.group/name`).
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { KubeObject } from '../../api/meta.js';
import type { Table } from '../../printers/table.js';
import { CliError } from '../action.js';
import { goJsonIndent, goPrint, sortKeys } from './gojson.js';
import { JsonPath, JsonPathError } from './jsonpath.js';
import { alignRows } from './tabwriter.js';

export type OutputFormat =
  | { kind: 'table'; wide: boolean }
  | { kind: 'yaml' }
  | { kind: 'json' }
  | { kind: 'name' }
  | { kind: 'jsonpath'; path: JsonPath }
  | { kind: 'custom-columns'; columns: CustomColumn[] };

export interface CustomColumn {
  header: string;
  path: JsonPath;
}

const ALLOWED =
  'custom-columns,custom-columns-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,wide,yaml';

/** Reads -o. `allowed` narrows the formats a verb accepts (apply takes yaml, json and name only). */
export function parseOutputFormat(value: string | undefined, allowed?: string[]): OutputFormat {
  const v = value ?? '';
  const eq = v.indexOf('=');
  const name = eq < 0 ? v : v.slice(0, eq);
  const arg = eq < 0 ? '' : v.slice(eq + 1);
  if (allowed && name !== '' && !allowed.includes(name)) {
    throw new CliError(`unable to match a printer suitable for the output format "${v}", allowed formats are: ${allowed.join(',')}`);
  }
  try {
    switch (name) {
      case '':
        return { kind: 'table', wide: false };
      case 'wide':
        return { kind: 'table', wide: true };
      case 'yaml':
        return { kind: 'yaml' };
      case 'json':
        return { kind: 'json' };
      case 'name':
        return { kind: 'name' };
      case 'jsonpath':
      case 'jsonpath-as-json':
      case 'jsonpath-file': {
        const template = name === 'jsonpath-file' ? readTemplateFile(arg) : arg;
        if (!template) throw new CliError('template format specified but no template given');
        return { kind: 'jsonpath', path: new JsonPath(template, { outputJson: name === 'jsonpath-as-json' }) };
      }
      case 'custom-columns':
      case 'custom-columns-file': {
        const spec = name === 'custom-columns-file' ? customColumnsFromFile(arg) : arg;
        return { kind: 'custom-columns', columns: parseCustomColumns(spec) };
      }
      default:
        throw new CliError(`unable to match a printer suitable for the output format "${v}", allowed formats are: ${ALLOWED}`);
    }
  } catch (err) {
    if (err instanceof JsonPathError) throw new CliError(`error parsing jsonpath ${arg}, ${err.message}`);
    throw err;
  }
}

function readTemplateFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`error reading template ${path}, ${(err as Error).message}`);
  }
}

/** A custom-columns file: a header line and a line of paths, whitespace-separated. */
function customColumnsFromFile(path: string): string {
  const [headers = '', paths = ''] = readTemplateFile(path).split('\n');
  const h = headers.trim().split(/\s+/);
  const p = paths.trim().split(/\s+/);
  if (h.length !== p.length) throw new CliError(`expected ${h.length} columns, got ${p.length}`);
  return h.map((x, i) => `${x}:${p[i]}`).join(',');
}

export function parseCustomColumns(spec: string): CustomColumn[] {
  if (!spec) throw new CliError('custom-columns format specified but no custom columns given');
  return spec.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) throw new CliError(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    const header = part.slice(0, colon);
    return { header, path: new JsonPath(massageJsonPath(part.slice(colon + 1))) };
  });
}

/** kubectl accepts `.a.b`, `a.b` and `{.a.b}` alike in custom-columns. */
export function massageJsonPath(expr: string): string {
  if (expr.startsWith('{')) return expr;
  return expr.startsWith('.') ? `{${expr}}` : `{.${expr}}`;
}

/** kubectl's YAML: keys in Go's order, sequences flush with their key, no line folding. */
export function toYaml(v: unknown): string {
  return stringify(sortKeys(v), { version: '1.1', indentSeq: false, lineWidth: 0, minContentWidth: 0 });
}

export function toJson(v: unknown): string {
  return goJsonIndent(v) + '\n';
}

/** `deployment.apps/web`, `pod/web`: kubectl's -o name. */
export function objectName(obj: KubeObject): string {
  const apiVersion = obj.apiVersion ?? '';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const kind = (obj.kind ?? '').toLowerCase();
  return `${group ? `${kind}.${group}` : kind}/${obj.metadata.name ?? ''}`;
}

/** The List kubectl wraps several objects in for -o yaml/json. */
export function asList(items: KubeObject[]): Record<string, unknown> {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

/**
 * Writes objects in a non-table format. `single` says the user named exactly
 * one object, so yaml and json print it bare rather than in a List.
 */
export function formatObjects(objects: KubeObject[], format: Exclude<OutputFormat, { kind: 'table' }>, single: boolean): string {
  switch (format.kind) {
    case 'yaml':
      return toYaml(single && objects.length === 1 ? objects[0] : asList(objects));
    case 'json':
      return toJson(single && objects.length === 1 ? objects[0] : asList(objects));
    case 'name':
      return objects.map((o) => objectName(o) + '\n').join('');
    case 'jsonpath':
      return format.path.execute(single && objects.length === 1 ? objects[0] : asList(objects));
    case 'custom-columns':
      return alignRows(customColumnRows(objects, format.columns, false));
  }
}

/** One row per object (and the header row unless noHeaders); cells not yet aligned. */
export function customColumnRows(objects: KubeObject[], columns: CustomColumn[], noHeaders: boolean): string[][] {
  const rows: string[][] = noHeaders ? [] : [columns.map((c) => c.header)];
  for (const obj of objects) {
    rows.push(
      columns.map((c) => {
        const values = c.path.values(obj);
        return values.length === 0 ? '<none>' : values.map(goPrint).join(',');
      }),
    );
  }
  return rows;
}

export interface TableRenderOptions {
  wide?: boolean;
  noHeaders?: boolean;
  /** -A: a NAMESPACE column first, read from each row's object */
  withNamespace?: boolean;
  showLabels?: boolean;
  /** -L: a column per label key */
  labelColumns?: string[];
  /** names written as `kind.group/name` (several types in one get) */
  kindPrefix?: string;
}

const rowObject = (row: Table['rows'][number]): { metadata?: { namespace?: string; labels?: Record<string, string> } } =>
  (typeof row.object === 'object' && row.object !== null ? row.object : {}) as { metadata?: { namespace?: string; labels?: Record<string, string> } };

/** The header (unless noHeaders) and rows of a server-printed Table, as kubectl's printer lays them out. */
export function tableRows(table: Table, opts: TableRenderOptions = {}): string[][] {
  const cols = table.columnDefinitions;
  const shown = cols.map((c) => opts.wide || c.priority === 0);
  const rows: string[][] = [];
  if (!opts.noHeaders) {
    const header: string[] = [];
    if (opts.withNamespace) header.push('NAMESPACE');
    cols.forEach((c, i) => shown[i] && header.push(c.name.toUpperCase()));
    for (const l of opts.labelColumns ?? []) header.push(labelColumnHeader(l));
    if (opts.showLabels) header.push('LABELS');
    rows.push(header);
  }
  for (const row of table.rows) {
    const obj = rowObject(row);
    const out: string[] = [];
    if (opts.withNamespace) out.push(obj.metadata?.namespace ?? '');
    row.cells.forEach((cell, i) => {
      if (i >= cols.length || !shown[i]) return;
      let text = cellText(cell);
      if (i === 0 && opts.kindPrefix) text = `${opts.kindPrefix}/${text}`;
      out.push(text);
    });
    const labels = obj.metadata?.labels ?? {};
    for (const l of opts.labelColumns ?? []) out.push(labels[l] ?? '');
    if (opts.showLabels) out.push(formatLabelMap(labels));
    rows.push(out);
  }
  return rows;
}

/** -L app.kubernetes.io/name shows as NAME: the part after the last slash, upper-cased. */
function labelColumnHeader(key: string): string {
  const slash = key.lastIndexOf('/');
  return (slash < 0 ? key : key.slice(slash + 1)).toUpperCase();
}

/** A cell as kubectl prints it: strings cut at the first line break (with "..."), others with %v. */
function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') {
    const brk = cell.search(/[\f\n\r]/);
    return brk >= 0 ? `${cell.slice(0, brk)}...` : cell;
  }
  return goPrint(cell);
}

/** labels.FormatLabels: sorted k=v pairs, or <none>. */
export function formatLabelMap(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels[k]}`).join(',');
}
