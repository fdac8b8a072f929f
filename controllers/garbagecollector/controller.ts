// The garbage collector (Kubernetes' garbagecollector, simplified): deletes
// objects whose owners are all gone, and carries out the propagation
// policies the apiserver records as finalizers on a deleted owner:
// `orphan` (detach the dependents, then let the owner go) and
// `foregroundDeletion` (delete the dependents first; the owner goes once no
// dependent that blocks it remains). Background deletion needs nothing from
// the owner: its dependents are collected once it is gone.
import type { KubeObject, OwnerReference } from '../../src/api/meta.js';
import { allResources, findByKind } from '../../src/api/resources.js';
import type { ResourceInfo } from '../../src/api/resource.js';
import { StatusError } from '../../src/api/status.js';
import type { Informer, ResourceClient } from '../../src/client/index.js';
import { QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
import { OwnershipGraph, type GraphNode } from './graph.js';

export const garbageCollectorName = 'garbagecollector';

const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';

export interface GarbageCollectorOptions {
  /** Kubernetes' --concurrent-gc-syncs, 20 */
  workers?: number;
  /** which resources to watch; every resource that can be listed, watched and deleted by default */
  resources?: ResourceInfo[];
}

const collectable = (r: ResourceInfo) => ['list', 'watch', 'delete'].every((v) => r.verbs.includes(v));

const isNotFound = (err: unknown) => err instanceof StatusError && err.code === 404;
const isConflict = (err: unknown) => err instanceof StatusError && err.code === 409;

export class GarbageCollector extends QueueController {
  private readonly graph = new OwnershipGraph();
  private readonly clients = new Map<ResourceInfo, ResourceClient<KubeObject>>();
  private readonly informers: Informer<KubeObject>[] = [];

  constructor(
    private readonly ctx: ControllerContext,
    opts: GarbageCollectorOptions = {},
  ) {
    super(ctx, { name: garbageCollectorName, workers: opts.workers ?? 20 });
    for (const info of opts.resources ?? allResources.filter(collectable)) {
      this.clients.set(info, ctx.client.resource<KubeObject>(info));
      const informer = this.waitsFor(ctx.informers.informerFor<KubeObject>(info));
      this.informers.push(informer);
      informer.addEventHandler({
        onAdd: (obj) => this.observe(info, obj),
        onUpdate: (_old, obj) => this.observe(info, obj),
        onDelete: (obj) => this.forget(obj),
      });
    }
  }

  /** event handlers only record ownership and queue uids */
  private observe(info: ResourceInfo, obj: KubeObject): void {
    const dropped = this.graph.upsert(info, obj);
    const uid = obj.metadata.uid;
    if (!uid) return;
    if ((obj.metadata.ownerReferences ?? []).length > 0) this.enqueueKey(uid);
    const f = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp && (f.includes(ORPHAN) || f.includes(FOREGROUND))) this.enqueueKey(uid);
    for (const owner of dropped) this.enqueueKey(owner);
  }

  private forget(obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    // Its dependents may have just lost their last owner.
    for (const d of this.graph.dependentsOf(uid)) this.enqueueKey(d.uid);
    // An owner waiting for its dependents may be free to go.
    for (const owner of this.graph.remove(obj)) this.enqueueKey(owner);
  }

  protected async sync(uid: string): Promise<SyncResult> {
    const node = this.graph.get(uid);
    if (!node) return;
    const meta = node.object.metadata;
    if (meta.deletionTimestamp) {
      const f = meta.finalizers ?? [];
      if (f.includes(ORPHAN)) return this.orphanDependents(node);
      if (f.includes(FOREGROUND)) return this.deleteDependentsFirst(node);
      return;
    }
    if (node.owners.length > 0) return this.collectIfOwnersGone(node);
  }

  /** Owner state as the collector must trust it: present only with the same uid, verified live when not cached. */
  private async ownerState(node: GraphNode, ref: OwnerReference): Promise<'absent' | 'present' | 'waiting'> {
    const cached = this.graph.get(ref.uid);
    let owner = cached?.object;
    if (!owner) {
      const info = findByKind(ref.apiVersion, ref.kind);
      if (!info) return 'absent';
      const client = this.clients.get(info) ?? this.ctx.client.resource<KubeObject>(info);
      try {
        owner = await client.get(info.namespaced ? node.namespace : undefined, ref.name);
      } catch (err) {
        if (isNotFound(err)) return 'absent';
        throw err;
      }
      if (owner.metadata.uid !== ref.uid) return 'absent';
    }
    const m = owner.metadata;
    if (m.deletionTimestamp && (m.finalizers ?? []).includes(FOREGROUND)) return 'waiting';
    return 'present';
  }

  private async collectIfOwnersGone(node: GraphNode): Promise<SyncResult> {
    const states = await Promise.all(node.owners.map((o) => this.ownerState(node, o)));
    const solid = node.owners.filter((_, i) => states[i] === 'present');
    if (solid.length > 0) {
      const dangling = node.owners.filter((_, i) => states[i] === 'absent');
      // Some owner remains: only the references to owners that are gone are dropped.
      if (dangling.length > 0) await this.setOwnerReferences(node, node.owners.filter((o) => !dangling.includes(o)));
      return;
    }
    const waiting = states.includes('waiting');
    await this.deleteObject(node, waiting ? 'Foreground' : 'Background');
  }

  private async orphanDependents(owner: GraphNode): Promise<SyncResult> {
    for (const d of this.graph.dependentsOf(owner.uid)) {
      await this.setOwnerReferences(d, d.owners.filter((o) => o.uid !== owner.uid));
    }
    await this.removeFinalizer(owner, ORPHAN);
  }

  private async deleteDependentsFirst(owner: GraphNode): Promise<SyncResult> {
    const dependents = this.graph.dependentsOf(owner.uid);
    for (const d of dependents) {
      if (!d.object.metadata.deletionTimestamp) await this.deleteObject(d, 'Foreground');
    }
    const blocking = dependents.filter((d) => d.owners.some((o) => o.uid === owner.uid && o.blockOwnerDeletion === true));
    // The owner's sync comes back when its dependents' deletions are observed.
    if (blocking.length === 0) await this.removeFinalizer(owner, FOREGROUND);
  }

  private client(node: GraphNode): ResourceClient<KubeObject> {
    return this.clients.get(node.info) ?? this.ctx.client.resource<KubeObject>(node.info);
  }

  private async deleteObject(node: GraphNode, policy: 'Foreground' | 'Background'): Promise<void> {
    try {
      await this.client(node).delete(node.namespace, node.name, {
        propagationPolicy: policy,
        preconditions: { uid: node.uid },
      });
      this.log.info({ object: `${node.info.plural}/${node.namespace ? node.namespace + '/' : ''}${node.name}`, policy }, 'deleted object whose owners are gone');
    } catch (err) {
      // Gone already, or a new object under the same name: nothing to collect.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }

  /** replaces the owner references, pinned to the version seen so a concurrent change is not lost */
  private async setOwnerReferences(node: GraphNode, owners: OwnerReference[]): Promise<void> {
    try {
      await this.client(node).patch(
        node.namespace,
        node.name,
        { metadata: { ownerReferences: owners.length ? owners : null, resourceVersion: node.object.metadata.resourceVersion } },
        'merge',
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const left = (node.object.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    try {
      await this.client(node).patch(
        node.namespace,
        node.name,
        { metadata: { finalizers: left.length ? left : null, resourceVersion: node.object.metadata.resourceVersion } },
        'merge',
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}

export function garbageCollectorController(opts: GarbageCollectorOptions = {}): ControllerDescriptor {
  return { name: garbageCollectorName, init: (ctx) => new GarbageCollector(ctx, opts) };
}
