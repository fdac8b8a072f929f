// `skiff top nodes` and `skiff top pods`: kubectl top. Usage comes from the
// resource metrics API (metrics.k8s.io) through the apiserver; node
// percentages are of the node's allocatable (or capacity). Output is kubectl's
// to the character: every cell tab-terminated (so columns, the last included,
// are padded), CPU in millicores rounded up, memory in whole MiB.
import type { Node, Pod } from '../api/core/v1.js';
import type { KubeObject } from '../api/meta.js';
import { Quantity } from '../machinery/quantity.js';
import { MetricsClient, type NodeMetrics, type PodMetrics } from '../client/metrics.js';
import type { ResourceRef } from '../client/paths.js';
import { formatWindow } from '../metrics/api.js';
import { CliError, type CliContext } from './context.js';
import { alignRows } from './printers/tabwriter.js';

const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };

/** kubectl waits this long after a pod's creation before it calls missing metrics a problem. */
const METRICS_CREATION_DELAY_MS = 2 * 60_000;

const NODE_COLUMNS = ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'];
const POD_COLUMNS = ['NAME', 'CPU(cores)', 'MEMORY(bytes)'];
const MEASURED = ['cpu', 'memory'] as const;
const UNKNOWN = '<unknown>';

export interface TopNodeFlags {
  selector?: string;
  sortBy?: string;
  noHeaders?: boolean;
  showCapacity?: boolean;
}

export interface TopPodFlags {
  selector?: string;
  fieldSelector?: string;
  allNamespaces?: boolean;
  containers?: boolean;
  sortBy?: string;
  noHeaders?: boolean;
  sum?: boolean;
}

type Usage = Record<string, string>;
type Available = Record<string, string | number>;

const quantity = (v: string | number | undefined): Quantity => {
  if (v === undefined) return Quantity.fromInt(0);
  try {
    return Quantity.parse(String(v));
  } catch {
    return Quantity.fromInt(0);
  }
};

const cpuMilli = (u: Usage): number => quantity(u.cpu).milliValue();
const memoryBytes = (u: Usage): number => quantity(u.memory).value();

/** One usage cell as kubectl prints it: "250m" for CPU, "64Mi" for memory. */
export function usageCell(resource: string, value: string | undefined): string {
  const q = quantity(value);
  if (resource === 'cpu') return `${q.milliValue()}m`;
  if (resource === 'memory') return `${Math.trunc(q.value() / (1024 * 1024))}Mi`;
  return String(q.value());
}

/** A percentage of what is available, truncated as kubectl's int64 conversion does. */
export function percentCell(used: string | undefined, available: string | number): string {
  const a = quantity(available).milliValue();
  // Go turns the infinite or undefined fraction into int64's smallest value.
  if (a === 0) return '-9223372036854775808%';
  return `${Math.trunc((quantity(used).milliValue() / a) * 100)}%`;
}

/** printAllResourceUsages: each resource, then its percentage where the node's figures are known. */
function usageCells(usage: Usage, available: Available | undefined): string[] {
  const cells: string[] = [];
  for (const r of MEASURED) {
    cells.push(usageCell(r, usage[r]));
    const a = available?.[r];
    if (a !== undefined) cells.push(percentCell(usage[r], a));
  }
  return cells;
}

/** Rows as Go's tabwriter lays out tab-terminated cells: every cell padded, the last one too. */
function table(rows: string[][]): string {
  return alignRows(rows.map((r) => [...r, '']));
}

const stableSort = <T>(list: T[], less: (a: T, b: T) => boolean): T[] =>
  list
    .map((v, i) => ({ v, i }))
    .sort((a, b) => (less(a.v, b.v) ? -1 : less(b.v, a.v) ? 1 : a.i - b.i))
    .map((x) => x.v);

function sortUsages<T>(list: T[], usage: (t: T) => Usage, name: (t: T) => string, sortBy: string | undefined): T[] {
  if (sortBy === 'cpu') return stableSort(list, (a, b) => cpuMilli(usage(a)) > cpuMilli(usage(b)));
  if (sortBy === 'memory') return stableSort(list, (a, b) => memoryBytes(usage(a)) > memoryBytes(usage(b)));
  return stableSort(list, (a, b) => name(a) < name(b));
}

/**
 * kubectl's node table. Nodes with allocatable (or capacity) figures but no
 * metrics come last, "<unknown>" in every column.
 */
export function formatNodeMetrics(metrics: NodeMetrics[], available: Map<string, Available>, opts: { noHeaders?: boolean; sortBy?: string } = {}): string {
  if (metrics.length === 0) return '';
  const rows: string[][] = [];
  if (!opts.noHeaders) rows.push(NODE_COLUMNS);
  const remaining = new Map(available);
  for (const m of sortUsages(metrics, (x) => x.usage, (x) => x.metadata.name, opts.sortBy)) {
    rows.push([m.metadata.name, ...usageCells(m.usage, available.get(m.metadata.name))]);
    remaining.delete(m.metadata.name);
  }
  for (const name of remaining.keys()) rows.push([name, ...MEASURED.flatMap(() => [UNKNOWN, UNKNOWN])]);
  return table(rows);
}

function podTotal(m: PodMetrics): Usage {
  let cpu = Quantity.fromInt(0);
  let memory = Quantity.fromInt(0);
  for (const c of m.containers) {
    cpu = cpu.add(quantity(c.usage.cpu));
    memory = memory.add(quantity(c.usage.memory));
  }
  return { cpu: cpu.toString(), memory: memory.toString() };
}

/** kubectl's pod table: per pod, or per container with --containers; a NAMESPACE column with -A; a total with --sum. */
export function formatPodMetrics(
  metrics: PodMetrics[],
  opts: { withNamespace?: boolean; containers?: boolean; noHeaders?: boolean; sortBy?: string; sum?: boolean } = {},
): string {
  if (metrics.length === 0) return '';
  const rows: string[][] = [];
  let width = POD_COLUMNS.length;
  if (!opts.noHeaders) {
    const header: string[] = [];
    if (opts.withNamespace) {
      header.push('NAMESPACE');
      width++;
    }
    if (opts.containers) {
      header.push('POD');
      width++;
    }
    rows.push([...header, ...POD_COLUMNS]);
  }
  const totals = new Map(metrics.map((m) => [m, podTotal(m)]));
  const sorted = sortUsages(
    metrics,
    (m) => totals.get(m)!,
    (m) => m.metadata.name,
    opts.sortBy,
  );
  const ordered = opts.sortBy || !opts.withNamespace ? sorted : stableSort(sorted, (a, b) => (a.metadata.namespace ?? '') < (b.metadata.namespace ?? ''));
  for (const m of ordered) {
    const ns = opts.withNamespace ? [m.metadata.namespace ?? ''] : [];
    if (opts.containers) {
      for (const c of sortUsages(m.containers, (x) => x.usage, (x) => x.name, opts.sortBy)) {
        rows.push([...ns, m.metadata.name, c.name, ...usageCells(c.usage, undefined)]);
      }
    } else {
      rows.push([...ns, m.metadata.name, ...usageCells(totals.get(m)!, undefined)]);
    }
  }
  if (opts.sum) {
    let cpu = Quantity.fromInt(0);
    let memory = Quantity.fromInt(0);
    for (const t of totals.values()) {
      cpu = cpu.add(quantity(t.cpu));
      memory = memory.add(quantity(t.memory));
    }
    rows.push([...Array<string>(Math.max(0, width - 2)).fill(''), '________', '________']);
    rows.push([...Array<string>(Math.max(0, width - 3)).fill(''), '', ...usageCells({ cpu: cpu.toString(), memory: memory.toString() }, undefined)]);
  }
  return table(rows);
}

function checkSortBy(sortBy: string | undefined): void {
  if (sortBy && sortBy !== 'cpu' && sortBy !== 'memory') throw new CliError('--sort-by accepts only cpu or memory');
}

async function requireMetricsApi(metrics: MetricsClient): Promise<void> {
  if (!(await metrics.available())) throw new CliError('Metrics API not available');
}

type NodeObject = Node & KubeObject;
type PodObject = Pod & KubeObject;

export async function runTopNodes(ctx: CliContext, name: string | undefined, flags: TopNodeFlags): Promise<void> {
  checkSortBy(flags.sortBy);
  if (name && flags.selector) throw new CliError('only one of NAME or --selector can be provided');
  const metrics = new MetricsClient(ctx.client);
  await requireMetricsApi(metrics);
  const items = name ? [await metrics.getNodeMetrics(name)] : await metrics.listNodeMetrics({ ...(flags.selector ? { labelSelector: flags.selector } : {}) });
  if (items.length === 0) throw new CliError('metrics not available yet');
  const nodesApi = ctx.client.resource<NodeObject>(nodesRef);
  const nodes = name ? [await nodesApi.get(undefined, name)] : (await nodesApi.listAll(undefined, { ...(flags.selector ? { labelSelector: flags.selector } : {}) })).items;
  const available = new Map<string, Available>();
  for (const n of nodes) {
    const list = (flags.showCapacity ? n.status?.capacity : n.status?.allocatable) ?? {};
    available.set(n.metadata.name ?? '', list as Available);
  }
  ctx.out.write(formatNodeMetrics(items, available, flags));
}

/** verifyEmptyMetrics: why no pod has metrics. */
async function explainEmpty(ctx: CliContext, namespace: string | undefined, name: string | undefined, flags: TopPodFlags): Promise<void> {
  const podsApi = ctx.client.resource<PodObject>(podsRef);
  const pods = name
    ? [await podsApi.get(namespace, name)]
    : (
        await podsApi.listAll(namespace, {
          ...(flags.selector ? { labelSelector: flags.selector } : {}),
          ...(flags.fieldSelector ? { fieldSelector: flags.fieldSelector } : {}),
        })
      ).items;
  if (pods.length === 0) return;
  for (const pod of pods) {
    const created = Date.parse(pod.metadata.creationTimestamp ?? '');
    const age = Number.isNaN(created) ? 0 : Date.now() - created;
    if (age > METRICS_CREATION_DELAY_MS) {
      throw new CliError(`Metrics not available for pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}, age: ${formatWindow(age)}`);
    }
  }
  throw new CliError('metrics not available yet');
}

export async function runTopPods(ctx: CliContext, name: string | undefined, flags: TopPodFlags): Promise<void> {
  checkSortBy(flags.sortBy);
  if (name && flags.selector) throw new CliError('only one of NAME or --selector can be provided');
  const namespace = flags.allNamespaces ? undefined : ctx.namespace;
  const metrics = new MetricsClient(ctx.client);
  await requireMetricsApi(metrics);
  let items: PodMetrics[];
  if (name) {
    items = [await metrics.getPodMetrics(namespace ?? ctx.namespace, name)];
  } else {
    items = await metrics.listPodMetrics(namespace, {
      ...(flags.selector ? { labelSelector: flags.selector } : {}),
      ...(flags.fieldSelector ? { fieldSelector: flags.fieldSelector } : {}),
    });
  }
  if (items.length === 0) {
    await explainEmpty(ctx, namespace, name, flags);
    ctx.err.write(flags.allNamespaces ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
  }
  ctx.out.write(
    formatPodMetrics(items, {
      withNamespace: Boolean(flags.allNamespaces),
      containers: Boolean(flags.containers),
      noHeaders: Boolean(flags.noHeaders),
      ...(flags.sortBy ? { sortBy: flags.sortBy } : {}),
      sum: Boolean(flags.sum),
    }),
  );
}
