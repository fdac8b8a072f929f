// The taint eviction controller (Kubernetes' pkg/controller/tainteviction):
// a pod bound to a node with NoExecute taints is deleted at once when it
// does not tolerate them all, after the shortest tolerationSeconds of the
// tolerations it uses when those are limited, and never when they are not.
// A scheduled deletion keeps its start time while the taints stay, and is
// cancelled (with an event) when they go or the pod starts tolerating them.
import type { Taint } from '../../src/api/core/v1.js';
import { EventRecorder, isConflict, isNotFound, type Informer, type ResourceClient } from '../../src/client/index.js';
import { matchingTolerations } from '../../src/machinery/taints.js';
import { QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
import type { PodObject } from '../replicaset/pods.js';
import { nodesRef, podNodeNameIndex, podNodeNameIndexFunc, podsRef, type NodeObject } from './controller.js';
import { minTolerationMs } from './taints.js';

export const taintEvictionControllerName = 'taint-eviction-controller';

interface Scheduled {
  uid: string;
  createdAt: number;
  fireAt: number;
  /** the deletion was sent; nothing more to do until the pod is gone or cancelled */
  fired: boolean;
}

export const noExecuteTaints = (node: NodeObject | undefined): Taint[] => (node?.spec.taints ?? []).filter((t) => t.effect === 'NoExecute');

const taintsKey = (taints: Taint[]): string =>
  JSON.stringify(taints.map((t) => [t.key, t.value ?? '', t.effect]).sort());

export interface TaintEvictionOptions {
  workers?: number;
}

export class TaintEvictionController extends QueueController {
  readonly recorder: EventRecorder;
  private readonly pods: Informer<PodObject>;
  private readonly nodes: Informer<NodeObject>;
  private readonly podClient: ResourceClient<PodObject>;
  private readonly scheduled = new Map<string, Scheduled>();
  private readonly now: () => number;

  constructor(ctx: ControllerContext, opts: TaintEvictionOptions = {}) {
    super(ctx, { name: taintEvictionControllerName, workers: opts.workers ?? 8 });
    const clock = ctx.clock;
    this.now = clock ? () => clock.now() : Date.now;
    this.recorder = new EventRecorder(ctx.client, {
      component: taintEvictionControllerName,
      involvedKind: { apiVersion: 'v1', kind: 'Pod' },
      log: ctx.log,
      now: this.now,
    });
    this.podClient = ctx.client.resource<PodObject>(podsRef);
    this.pods = this.waitsFor(ctx.informers.informerFor<PodObject>(podsRef, { indexers: { [podNodeNameIndex]: podNodeNameIndexFunc } }));
    this.nodes = this.waitsFor(ctx.informers.informerFor<NodeObject>(nodesRef));
    this.pods.addEventHandler({
      onAdd: (pod) => this.podChanged(pod),
      onUpdate: (_old, pod) => this.podChanged(pod),
      onDelete: (pod) => this.podChanged(pod),
    });
    this.nodes.addEventHandler({
      onAdd: (node) => this.nodeChanged(undefined, node),
      onUpdate: (old, node) => this.nodeChanged(old, node),
      onDelete: (node) => this.nodeChanged(node, undefined),
    });
  }

  /** Pods on tainted nodes, and pods with a deletion scheduled, are looked at. */
  private podChanged(pod: PodObject): void {
    const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
    const tainted = noExecuteTaints(this.nodes.get(pod.spec.nodeName ?? '')).length > 0;
    if (tainted || this.scheduled.has(key)) this.enqueueKey(key);
  }

  private nodeChanged(old: NodeObject | undefined, cur: NodeObject | undefined): void {
    const before = noExecuteTaints(old);
    const after = noExecuteTaints(cur);
    if (taintsKey(before) === taintsKey(after)) return;
    const name = cur?.metadata.name ?? old?.metadata.name ?? '';
    for (const pod of this.pods.byIndex(podNodeNameIndex, name)) {
      this.enqueueKey(`${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`);
    }
  }

  /** Whether a deletion of this pod is scheduled and not yet sent; for tests and logs. */
  scheduledAt(key: string): number | undefined {
    const s = this.scheduled.get(key);
    return s && !s.fired ? s.fireAt : undefined;
  }

  private cancel(key: string, pod: PodObject | undefined): void {
    const s = this.scheduled.get(key);
    if (!s) return;
    this.scheduled.delete(key);
    if (!s.fired && pod) this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
  }

  protected async sync(key: string): Promise<SyncResult> {
    const pod = this.pods.get(key);
    const existing = this.scheduled.get(key);
    if (!pod || (existing && existing.uid !== pod.metadata.uid)) {
      // Gone, or a new pod of the same name: whatever was scheduled was for the old one.
      this.scheduled.delete(key);
      if (!pod) return;
    }
    const taints = noExecuteTaints(this.nodes.get(pod.spec.nodeName ?? ''));
    if (!pod.spec.nodeName || taints.length === 0) {
      this.cancel(key, pod);
      return;
    }
    const { all, used } = matchingTolerations(taints, pod.spec.tolerations);
    const now = this.now();
    let entry = this.scheduled.get(key);
    if (!all) {
      if (entry?.fired) return;
      entry = { uid: pod.metadata.uid ?? '', createdAt: now, fireAt: now, fired: false };
    } else {
      const min = minTolerationMs(used);
      if (min < 0) {
        this.cancel(key, pod);
        return;
      }
      if (entry?.fired) return;
      entry ??= { uid: pod.metadata.uid ?? '', createdAt: now, fireAt: now + min, fired: false };
    }
    this.scheduled.set(key, entry);
    if (now < entry.fireAt) return { requeueAfterMs: entry.fireAt - now };
    await this.evict(pod);
    entry.fired = true;
  }

  /** addConditionAndDeletePod: DisruptionTarget on the pod's status, then an ordinary (graceful) delete. */
  private async evict(pod: PodObject): Promise<void> {
    const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
    this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    const namespace = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    try {
      await this.addDisruptionCondition(namespace, name, pod.metadata.uid ?? '');
      await this.podClient.delete(namespace, name, { preconditions: { uid: pod.metadata.uid ?? '' } });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /** Tells the pod's watchers why it goes; read fresh so no concurrent status change is lost. */
  private async addDisruptionCondition(namespace: string, name: string, uid: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const fresh = await this.podClient.get(namespace, name);
      if (fresh.metadata.uid !== uid) return;
      const conditions = fresh.status?.conditions ?? [];
      if (conditions.some((c) => c.type === 'DisruptionTarget' && c.status === 'True')) return;
      const next: PodObject = {
        ...fresh,
        status: {
          ...fresh.status,
          conditions: [
            ...conditions.filter((c) => c.type !== 'DisruptionTarget'),
            {
              type: 'DisruptionTarget',
              status: 'True',
              lastTransitionTime: new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
              reason: 'DeletionByTaintManager',
              message: 'Taint manager: deleting due to NoExecute taint',
            },
          ],
        },
      };
      try {
        await this.podClient.updateStatus(namespace, next);
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err;
      }
    }
  }
}

export function taintEvictionController(opts: TaintEvictionOptions = {}): ControllerDescriptor {
  return { name: taintEvictionControllerName, init: (ctx) => new TaintEvictionController(ctx, opts) };
}
