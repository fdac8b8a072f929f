// Verbs that read the server's discovery documents: api-resources,
// api-versions and cluster-info.
import { cliContext, CliError, type CliContext, type GlobalFlags } from './context.js';
import { alignRows } from './printers/tabwriter.js';

interface ApiResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
}

interface ApiResourceList {
  groupVersion: string;
  resources: ApiResource[];
}

interface ApiGroupList {
  groups: { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion?: { groupVersion: string } }[];
}

export interface DiscoveredResource extends ApiResource {
  group: string;
  groupVersion: string;
}

/** Every group version the server serves, core first: what api-versions prints (sorted). */
async function groupVersions(ctx: CliContext): Promise<{ all: string[]; preferred: string[] }> {
  const core = await ctx.client.request<{ versions: string[] }>('GET', '/api');
  const groups = await ctx.client.request<ApiGroupList>('GET', '/apis');
  const all = [...core.versions];
  const preferred = [...core.versions.slice(0, 1)];
  for (const g of groups.groups) {
    all.push(...g.versions.map((v) => v.groupVersion));
    preferred.push(g.preferredVersion?.groupVersion ?? g.versions[0]!.groupVersion);
  }
  return { all, preferred };
}

/** The resources of every preferred group version, subresources left out. */
export async function discoverResources(ctx: CliContext): Promise<DiscoveredResource[]> {
  const { preferred } = await groupVersions(ctx);
  const lists = await Promise.all(
    preferred.map((gv) => ctx.client.request<ApiResourceList>('GET', gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`)),
  );
  const out: DiscoveredResource[] = [];
  for (const list of lists) {
    const slash = list.groupVersion.indexOf('/');
    const group = slash < 0 ? '' : list.groupVersion.slice(0, slash);
    for (const r of list.resources) {
      if (r.name.includes('/')) continue;
      out.push({ ...r, group, groupVersion: list.groupVersion });
    }
  }
  return out;
}

export interface ApiResourcesOptions extends GlobalFlags {
  namespaced?: boolean;
  apiGroup?: string;
  verbs?: string[];
  output?: string;
  sortBy?: string;
  noHeaders?: boolean;
}

export async function runApiResources(opts: ApiResourcesOptions): Promise<void> {
  if (opts.output && !['wide', 'name'].includes(opts.output)) {
    throw new CliError(`--output ${opts.output} is not available`);
  }
  if (opts.sortBy && !['name', 'kind'].includes(opts.sortBy)) {
    throw new CliError(`--sort-by accepts only name or kind`);
  }
  const ctx = cliContext(opts);
  let resources = await discoverResources(ctx);
  if (opts.namespaced !== undefined) resources = resources.filter((r) => r.namespaced === opts.namespaced);
  if (opts.apiGroup !== undefined) resources = resources.filter((r) => r.group === opts.apiGroup);
  if (opts.verbs?.length) resources = resources.filter((r) => opts.verbs!.every((v) => r.verbs?.includes(v)));
  const key = (r: DiscoveredResource): string => (opts.sortBy === 'kind' ? r.kind : r.name);
  resources.sort((a, b) =>
    opts.sortBy ? key(a).localeCompare(key(b)) : a.group.localeCompare(b.group) || a.name.localeCompare(b.name),
  );
  if (opts.output === 'name') {
    ctx.out.write(resources.map((r) => `${r.group ? `${r.name}.${r.group}` : r.name}\n`).join(''));
    return;
  }
  const wide = opts.output === 'wide';
  const rows: string[][] = [];
  if (!opts.noHeaders) rows.push(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', ...(wide ? ['VERBS', 'CATEGORIES'] : [])]);
  for (const r of resources) {
    rows.push([
      r.name,
      (r.shortNames ?? []).join(','),
      r.groupVersion,
      String(r.namespaced),
      r.kind,
      ...(wide ? [(r.verbs ?? []).join(','), (r.categories ?? []).join(',')] : []),
    ]);
  }
  ctx.out.write(alignRows(rows));
}

export async function runApiVersions(opts: GlobalFlags): Promise<void> {
  const ctx = cliContext(opts);
  const { all } = await groupVersions(ctx);
  ctx.out.write([...new Set(all)].sort().map((v) => `${v}\n`).join(''));
}

interface ServiceList {
  items: { metadata: { name?: string; labels?: Record<string, string> }; spec?: { ports?: { port?: number; name?: string }[] } }[];
}

export async function runClusterInfo(opts: GlobalFlags): Promise<void> {
  const ctx = cliContext(opts);
  const server = ctx.client.config.server;
  // Reaching the server is what the first line claims; a failure here is kubectl's connection error.
  await ctx.client.request('GET', '/version');
  ctx.out.write(`Kubernetes control plane is running at ${server}\n`);
  const services = await ctx.client.request<ServiceList>('GET', '/api/v1/namespaces/kube-system/services', {
    query: { labelSelector: 'kubernetes.io/cluster-service=true' },
  });
  for (const s of services.items) {
    const name = s.metadata.labels?.['kubernetes.io/name'] ?? s.metadata.name ?? '';
    const port = s.spec?.ports?.[0];
    const portPart = port?.name ? `${port.name}` : port?.port ? `${port.port}` : '';
    const link = `${server}/api/v1/namespaces/kube-system/services/${portPart ? `${s.metadata.name}:${portPart}` : s.metadata.name}/proxy`;
    ctx.out.write(`${name} is running at ${link}\n`);
  }
  ctx.out.write(`\nTo further debug and diagnose cluster problems, use 'skiff get events -A' and 'skiff describe'.\n`);
}
