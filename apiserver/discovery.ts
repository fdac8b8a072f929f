// API discovery documents (/api, /apis, /api/v1, /apis/{group}/{version})
// built from the resource table, and /version.
import { apiVersionOf, type ResourceInfo } from '../src/api/resource.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-skiff.0.1.0',
  gitCommit: 'skiff',
  gitTreeState: 'clean',
  buildDate: '2026-11-22T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'node',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export class Discovery {
  private readonly groups = new Map<string, ResourceInfo[]>();
  /** groups another server serves behind this one (the aggregation layer), listed after the built-in ones */
  private readonly aggregated: { group: string; version: string }[] = [];

  constructor(private readonly resources: ResourceInfo[]) {
    for (const r of resources) {
      const gv = apiVersionOf(r);
      const list = this.groups.get(gv) ?? [];
      list.push(r);
      this.groups.set(gv, list);
    }
  }

  /** Lists a group whose one version another server serves (see aggregation.ts). */
  addAggregatedGroup(group: string, version: string): void {
    this.aggregated.push({ group, version });
  }

  legacyVersions(serverAddress: string) {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  private groupNames(): string[] {
    const names: string[] = [];
    for (const r of this.resources) if (r.group && !names.includes(r.group)) names.push(r.group);
    for (const a of this.aggregated) if (!names.includes(a.group)) names.push(a.group);
    return names;
  }

  group(name: string) {
    const versions = [
      ...new Set([...this.resources.filter((r) => r.group === name).map((r) => r.version), ...this.aggregated.filter((a) => a.group === name).map((a) => a.version)]),
    ];
    if (versions.length === 0) return undefined;
    const gvs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
    return { kind: 'APIGroup', apiVersion: 'v1', name, versions: gvs, preferredVersion: gvs[0] };
  }

  groupList() {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: this.groupNames().map((g) => {
        const { kind: _k, apiVersion: _a, ...rest } = this.group(g)!;
        return rest;
      }),
    };
  }

  resourceList(group: string, version: string) {
    const gv = group ? `${group}/${version}` : version;
    const rs = this.groups.get(gv);
    if (!rs) return undefined;
    const resources: Record<string, unknown>[] = [];
    for (const r of rs) {
      const base: Record<string, unknown> = {
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
      };
      if (r.shortNames.length) base.shortNames = r.shortNames;
      if (r.categories.length) base.categories = r.categories;
      resources.push(base);
      if (r.subresources.status) {
        resources.push({ name: `${r.plural}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] });
      }
      if (r.subresources.scale) {
        resources.push({ name: `${r.plural}/scale`, singularName: '', namespaced: r.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
      }
      if (r.subresources.binding) {
        resources.push({ name: `${r.plural}/binding`, singularName: '', namespaced: r.namespaced, kind: 'Binding', verbs: ['create'] });
      }
      if (r.group === '' && r.plural === 'pods') {
        resources.push({ name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
      }
      if (r.group === '' && r.plural === 'namespaces') {
        resources.push({ name: 'namespaces/finalize', singularName: '', namespaced: false, kind: 'Namespace', verbs: ['update'] });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
  }
}
