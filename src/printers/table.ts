// Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` and
// `skiff get` render. Column sets follow kubectl's for each type; columns
// with priority 1 appear only with -o wide. Each resource's printer lives in
// columns.ts; resources without one get Kubernetes' default (NAME, CREATED AT).
import type { KubeObject } from '../api/meta.js';
import { printers, type Printer } from './columns.js';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const defaultPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    { name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
  ],
  row: (obj) => [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? ''],
};

export function printerFor(group: string, plural: string): Printer {
  return printers[`${group}/${plural}`] ?? defaultPrinter;
}

function partial(obj: KubeObject): unknown {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable(
  group: string,
  plural: string,
  objects: KubeObject[],
  opts: { includeObject?: IncludeObject; resourceVersion?: string; continue?: string; remainingItemCount?: number; now?: number; omitHeaders?: boolean } = {},
): Table {
  const p = printerFor(group, plural);
  const now = opts.now ?? Date.now();
  const include = opts.includeObject ?? 'Metadata';
  const metadata: Table['metadata'] = {};
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.omitHeaders ? [] : p.columns,
    rows: objects.map((obj) => {
      const row: TableRow = { cells: p.row(obj, now) };
      if (include === 'Object') row.object = obj;
      else if (include === 'Metadata') row.object = partial(obj);
      return row;
    }),
  };
}
