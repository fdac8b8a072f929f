// skiff get: lists or fetches objects and prints them as kubectl does. Tables
// come from the server (meta.k8s.io/v1 Table), so `skiff get` and `kubectl
// get` show the same columns from one implementation; -w streams table rows
// from a watch.
import type { KubeList, KubeObject } from '../api/meta.js';
import type { ResourceInfo } from '../api/resource.js';
import { isNotFound } from '../client/errors.js';
import { resourcePath } from '../client/paths.js';
import { splitLines, watchErrorFrom } from '../client/watch.js';
import type { Table } from '../printers/table.js';
import { cliContext, cliIO, CliError, errorMessage, parseTypeNameArgs, ReportedError, type CliContext, type GlobalFlags } from './context.js';
import { loadManifests } from './manifests.js';
import { infoForObject, namespaceFor, TABLE_ACCEPT, withTypeMeta } from './objects.js';
import { JsonPath } from './printers/jsonpath.js';
import { customColumnRows, formatObjects, massageJsonPath, parseOutputFormat, tableRows, toYaml, type OutputFormat } from './printers/output.js';
import { TabWriter } from './printers/tabwriter.js';

export interface GetOptions extends GlobalFlags {
  allNamespaces?: boolean;
  selector?: string;
  fieldSelector?: string;
  output?: string;
  watch?: boolean;
  watchOnly?: boolean;
  showLabels?: boolean;
  labelColumns?: string[];
  noHeaders?: boolean;
  sortBy?: string;
  showKind?: boolean;
  ignoreNotFound?: boolean;
  chunkSize?: number;
  filename?: string[];
  recursive?: boolean;
}

interface Target {
  info: ResourceInfo;
  /** undefined: list */
  names?: { name: string; namespace: string | undefined }[];
}

export async function runGet(args: string[], opts: GetOptions): Promise<void> {
  const ctx = cliContext(opts);
  const format = parseOutputFormat(opts.output);
  const targets = opts.filename?.length ? await targetsFromFiles(ctx, opts) : targetsFromArgs(ctx, args, opts);
  const singleItem = targets.length === 1 && targets[0]!.names?.length === 1;
  if (opts.allNamespaces && targets.some((t) => t.names)) {
    throw new CliError('a resource cannot be retrieved by name across all namespaces');
  }
  if (opts.watch || opts.watchOnly) {
    if (targets.length !== 1) throw new CliError('you may only specify a single resource type');
    await watchTarget(ctx, targets[0]!, format, opts);
    return;
  }
  const multipleTypes = opts.showKind || new Set(targets.map((t) => t.info)).size > 1;
  const errors: unknown[] = [];
  let printedAny = false;

  if (format.kind === 'table') {
    const tw = new TabWriter();
    let groups = 0;
    for (const t of targets) {
      const table = await fetchTable(ctx, t, opts, errors);
      if (!table || table.rows.length === 0) continue;
      if (opts.sortBy) sortTableRows(table, opts.sortBy);
      if (groups > 0 && !opts.noHeaders) ctx.out.write('\n');
      tw.reset();
      const kindPrefix = multipleTypes ? (t.info.group ? `${t.info.kind.toLowerCase()}.${t.info.group}` : t.info.kind.toLowerCase()) : undefined;
      ctx.out.write(
        tw.format(
          tableRows(table, {
            wide: format.wide,
            noHeaders: opts.noHeaders ?? false,
            withNamespace: Boolean(opts.allNamespaces) && t.info.namespaced,
            showLabels: opts.showLabels ?? false,
            labelColumns: opts.labelColumns ?? [],
            ...(kindPrefix ? { kindPrefix } : {}),
          }),
        ),
      );
      groups++;
      printedAny = true;
    }
  } else {
    const objects: KubeObject[] = [];
    for (const t of targets) objects.push(...(await fetchObjects(ctx, t, opts, errors)));
    if (opts.sortBy) sortObjects(objects, opts.sortBy);
    if (format.kind === 'custom-columns') {
      if (objects.length > 0) ctx.out.write(new TabWriter().format(customColumnRows(objects, format.columns, opts.noHeaders ?? false)));
    } else if (objects.length > 0 || (!singleItem && format.kind !== 'name')) {
      // As kubectl does, an empty List is still printed for yaml, json and jsonpath.
      ctx.out.write(formatObjects(objects, format, singleItem));
    }
    printedAny = objects.length > 0;
  }

  for (const e of errors) ctx.err.write(ensureNewline(errorMessage(e)));
  if (!printedAny && errors.length === 0 && (format.kind === 'table' || format.kind === 'custom-columns' || format.kind === 'name')) {
    const anyNamespaced = targets.some((t) => t.info.namespaced);
    ctx.err.write(opts.allNamespaces || !anyNamespaced ? 'No resources found\n' : `No resources found in ${ctx.namespace} namespace.\n`);
  }
  if (errors.length > 0) throw new ReportedError();
}

const ensureNewline = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);

function targetsFromArgs(ctx: CliContext, args: string[], opts: GetOptions): Target[] {
  if (args.length === 0) {
    throw new CliError(
      `You must specify the type of resource to get. Use "skiff api-resources" for a complete list of supported resources.`,
    );
  }
  const parsed = parseTypeNameArgs(args);
  const out: Target[] = [];
  // Consecutive names of one type share a table, as in kubectl.
  for (const { info, name } of parsed) {
    if (name === undefined) {
      out.push({ info });
      continue;
    }
    const ref = { name, namespace: info.namespaced ? ctx.namespace : undefined };
    const last = out[out.length - 1];
    if (last && last.info === info && last.names) last.names.push(ref);
    else out.push({ info, names: [ref] });
  }
  if (opts.selector && out.some((t) => t.names)) {
    throw new CliError('name cannot be provided when a selector is specified');
  }
  return out;
}

async function targetsFromFiles(ctx: CliContext, opts: GetOptions): Promise<Target[]> {
  const { manifests, errors } = await loadManifests(opts.filename ?? [], { recursive: opts.recursive ?? false, stdin: cliIO.in });
  if (errors.length > 0) throw new CliError(errors[0]!.message);
  const out: Target[] = [];
  for (const m of manifests) {
    const info = infoForObject(m.object, m.source);
    const namespace = namespaceFor(info, m.object, ctx);
    let t = out[out.length - 1];
    if (!t || t.info !== info) {
      t = { info, names: [] };
      out.push(t);
    }
    t.names!.push({ name: m.object.metadata.name ?? '', namespace });
  }
  return out;
}

function listNamespace(ctx: CliContext, info: ResourceInfo, opts: GetOptions): string | undefined {
  return info.namespaced && !opts.allNamespaces ? ctx.namespace : undefined;
}

async function fetchTable(ctx: CliContext, t: Target, opts: GetOptions, errors: unknown[]): Promise<Table | undefined> {
  const includeObject = opts.sortBy ? 'Object' : undefined;
  if (!t.names) {
    const path = resourcePath(t.info, listNamespace(ctx, t.info, opts));
    let table: Table | undefined;
    let cont: string | undefined;
    do {
      const page = await ctx.client.request<Table>('GET', path, {
        accept: TABLE_ACCEPT,
        query: {
          labelSelector: opts.selector || undefined,
          fieldSelector: opts.fieldSelector || undefined,
          limit: opts.chunkSize ?? 500,
          continue: cont,
          includeObject,
        },
      });
      if (!table) table = page;
      else table.rows.push(...page.rows);
      cont = page.metadata?.continue;
    } while (cont);
    return table;
  }
  let table: Table | undefined;
  for (const { name, namespace } of t.names) {
    try {
      const one = await ctx.client.request<Table>('GET', resourcePath(t.info, namespace, name), {
        accept: TABLE_ACCEPT,
        query: { includeObject },
      });
      if (!table) table = one;
      else table.rows.push(...one.rows);
    } catch (err) {
      if (opts.ignoreNotFound && isNotFound(err)) continue;
      errors.push(err);
    }
  }
  return table;
}

async function fetchObjects(ctx: CliContext, t: Target, opts: GetOptions, errors: unknown[]): Promise<KubeObject[]> {
  const rc = ctx.client.resource(t.info);
  if (!t.names) {
    const list: KubeList = await rc.listAll(listNamespace(ctx, t.info, opts), {
      ...(opts.selector ? { labelSelector: opts.selector } : {}),
      ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
      limit: opts.chunkSize ?? 500,
    });
    return list.items.map((o) => withTypeMeta(t.info, o));
  }
  const out: KubeObject[] = [];
  for (const { name, namespace } of t.names) {
    try {
      out.push(withTypeMeta(t.info, await rc.get(namespace, name)));
    } catch (err) {
      if (opts.ignoreNotFound && isNotFound(err)) continue;
      errors.push(err);
    }
  }
  return out;
}

// ---- --sort-by ----

function sortKeyOf(path: JsonPath, obj: unknown): unknown {
  const values = path.values(obj);
  return values[0];
}

function compareSortValues(a: unknown, b: unknown): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') {
    const qa = quantityValue(a);
    const qb = quantityValue(b);
    if (qa !== undefined && qb !== undefined) return qa - qb;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

const QUANTITY_SUFFIX: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};

/** kubectl sorts resource quantities ("100Mi", "2") by value. */
function quantityValue(s: string): number | undefined {
  const m = /^([+-]?\d+(?:\.\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(s);
  if (!m) return undefined;
  return Number(m[1]) * QUANTITY_SUFFIX[m[2] ?? '']!;
}

function sortTableRows(table: Table, sortBy: string): void {
  const path = new JsonPath(massageJsonPath(sortBy));
  const keyed = table.rows.map((row, i) => ({ row, i, key: sortKeyOf(path, row.object) }));
  keyed.sort((x, y) => compareSortValues(x.key, y.key) || x.i - y.i);
  table.rows = keyed.map((k) => k.row);
}

function sortObjects(objects: KubeObject[], sortBy: string): void {
  const path = new JsonPath(massageJsonPath(sortBy));
  const keyed = objects.map((o, i) => ({ o, i, key: sortKeyOf(path, o) }));
  keyed.sort((x, y) => compareSortValues(x.key, y.key) || x.i - y.i);
  objects.splice(0, objects.length, ...keyed.map((k) => k.o));
}

// ---- -w ----

async function watchTarget(ctx: CliContext, t: Target, format: OutputFormat, opts: GetOptions): Promise<void> {
  const namespace = t.names ? t.names[0]!.namespace : listNamespace(ctx, t.info, opts);
  const fieldSelector = [opts.fieldSelector, t.names?.length === 1 ? `metadata.name=${t.names[0]!.name}` : undefined]
    .filter(Boolean)
    .join(',');
  const tw = new TabWriter();
  const renderOpts = {
    wide: format.kind === 'table' && format.wide,
    withNamespace: Boolean(opts.allNamespaces) && t.info.namespaced,
    showLabels: opts.showLabels ?? false,
    labelColumns: opts.labelColumns ?? [],
  };
  let columns: Table['columnDefinitions'] | undefined;
  let headerPrinted = Boolean(opts.noHeaders);
  let resourceVersion: string | undefined;
  const path = resourcePath(t.info, namespace);
  const query = { labelSelector: opts.selector || undefined, fieldSelector: fieldSelector || undefined };

  if (format.kind === 'table') {
    const table = await ctx.client.request<Table>('GET', path, { accept: TABLE_ACCEPT, query });
    resourceVersion = table.metadata.resourceVersion;
    columns = table.columnDefinitions;
    if (!opts.watchOnly) {
      if (table.rows.length > 0) {
        ctx.out.write(tw.format(tableRows(table, { ...renderOpts, noHeaders: headerPrinted })));
        headerPrinted = true;
      } else {
        ctx.err.write(
          t.info.namespaced && !opts.allNamespaces ? `No resources found in ${ctx.namespace} namespace.\n` : 'No resources found\n',
        );
      }
    }
  } else {
    const list = await ctx.client.resource(t.info).list(namespace, {
      ...(query.labelSelector ? { labelSelector: query.labelSelector } : {}),
      ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}),
    });
    resourceVersion = list.metadata.resourceVersion;
    if (!opts.watchOnly) {
      for (const o of list.items) ctx.out.write(watchObjectText(withTypeMeta(t.info, o), format));
    }
  }

  const ctl = new AbortController();
  const stop = (): void => ctl.abort();
  cliIO.signal?.addEventListener('abort', stop, { once: true });
  if (cliIO.signal?.aborted) return;
  try {
    const res = await ctx.client.stream('GET', path, {
      accept: format.kind === 'table' ? TABLE_ACCEPT : 'application/json',
      query: { ...query, watch: 'true', resourceVersion, allowWatchBookmarks: 'true' },
      signal: ctl.signal,
    });
    for await (const line of splitLines(res.body)) {
      if (line.trim() === '') continue;
      const ev = JSON.parse(line) as { type: string; object: unknown };
      if (ev.type === 'BOOKMARK') continue;
      if (ev.type === 'ERROR') throw watchErrorFrom(ev.object);
      if (format.kind === 'table') {
        const table = ev.object as Table;
        if (table.columnDefinitions?.length) columns = table.columnDefinitions;
        const rows = tableRows({ ...table, columnDefinitions: columns ?? [] }, { ...renderOpts, noHeaders: headerPrinted });
        headerPrinted = true;
        ctx.out.write(tw.format(rows));
      } else {
        ctx.out.write(watchObjectText(withTypeMeta(t.info, ev.object as KubeObject), format));
      }
    }
  } catch (err) {
    if (ctl.signal.aborted) return;
    throw err;
  } finally {
    cliIO.signal?.removeEventListener('abort', stop);
  }
}

function watchObjectText(obj: KubeObject, format: Exclude<OutputFormat, { kind: 'table' }> | OutputFormat): string {
  if (format.kind === 'yaml') return `---\n${toYaml(obj)}`;
  if (format.kind === 'table') return '';
  if (format.kind === 'custom-columns') return new TabWriter().format(customColumnRows([obj], format.columns, true));
  return formatObjects([obj], format, true);
}
