// The garbage collector's view of ownership: every object it has seen, by
// uid, with its owner references, and for every owner uid the uids that name
// it. Fed by informer events; read by the collector's sync.
import type { KubeObject, OwnerReference } from '../../src/api/meta.js';
import type { ResourceInfo } from '../../src/api/resource.js';

export interface GraphNode {
  uid: string;
  info: ResourceInfo;
  namespace?: string;
  name: string;
  owners: OwnerReference[];
  /** the object as last seen */
  object: KubeObject;
}

export class OwnershipGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  dependentsOf(uid: string): GraphNode[] {
    const out: GraphNode[] = [];
    for (const d of this.dependents.get(uid) ?? []) {
      const n = this.nodes.get(d);
      if (n) out.push(n);
    }
    return out;
  }

  /** records the object; returns the owner uids it no longer names (their dependents changed) */
  upsert(info: ResourceInfo, obj: KubeObject): string[] {
    const uid = obj.metadata.uid;
    if (!uid) return [];
    const before = this.nodes.get(uid);
    const owners = obj.metadata.ownerReferences ?? [];
    const node: GraphNode = {
      uid,
      info,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name ?? '',
      owners,
      object: obj,
    };
    this.nodes.set(uid, node);
    const now = new Set(owners.map((o) => o.uid));
    const dropped: string[] = [];
    for (const o of before?.owners ?? []) {
      if (!now.has(o.uid)) {
        this.dependents.get(o.uid)?.delete(uid);
        dropped.push(o.uid);
      }
    }
    for (const o of owners) {
      let set = this.dependents.get(o.uid);
      if (!set) this.dependents.set(o.uid, (set = new Set()));
      set.add(uid);
    }
    return dropped;
  }

  /** forgets the object; returns its owners' uids */
  remove(obj: KubeObject): string[] {
    const uid = obj.metadata.uid;
    if (!uid) return [];
    const node = this.nodes.get(uid);
    this.nodes.delete(uid);
    for (const o of node?.owners ?? []) this.dependents.get(o.uid)?.delete(uid);
    return (node?.owners ?? []).map((o) => o.uid);
  }
}
