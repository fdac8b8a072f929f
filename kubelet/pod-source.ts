// Where a kubelet learns of the pods bound to its node: one informer on pods,
// narrowed by spec.nodeName. Simulated kubelets sharing a process share one
// informer over every bound pod, indexed by node name, instead of one watch
// each.
import type { Pod } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { Informer, type RestClient } from '../src/client/index.js';
import { podsRef } from './status-manager.js';

type PodObject = Pod & KubeObject;

export interface PodHandlers {
  add(pod: Pod): void;
  update(pod: Pod): void;
  delete(pod: Pod): void;
}

export interface PodSource {
  /** Tells handlers of every change to pods bound to nodeName (and of the ones known already). */
  subscribe(nodeName: string, handlers: PodHandlers): () => void;
  /** pods bound to nodeName, from the cache */
  list(nodeName: string): Pod[];
  waitForSync(signal?: AbortSignal): Promise<boolean>;
  hasSynced(): boolean;
  start(): void;
  stop(): void;
}

const NODE_INDEX = 'nodeName';

export class InformerPodSource implements PodSource {
  private readonly informer: Informer<PodObject>;
  private readonly subscribers = new Map<string, Set<PodHandlers>>();

  /** With nodeName, watches that node's pods only; without, every bound pod (for many nodes in one process). */
  constructor(client: RestClient, opts: { nodeName?: string; onError?: (err: unknown) => void } = {}) {
    this.informer = new Informer<PodObject>(client, podsRef, {
      fieldSelector: opts.nodeName !== undefined ? `spec.nodeName=${opts.nodeName}` : 'spec.nodeName!=',
      indexers: { [NODE_INDEX]: (p) => [p.spec?.nodeName ?? ''] },
      ...(opts.onError ? { onError: opts.onError } : {}),
    });
    this.informer.addEventHandler({
      onAdd: (p) => this.each(p, (h) => h.add(p)),
      onUpdate: (old, p) => {
        const was = old.spec?.nodeName ?? '';
        if (was && was !== (p.spec?.nodeName ?? '')) this.each(old, (h) => h.delete(old));
        this.each(p, (h) => h.update(p));
      },
      onDelete: (p) => this.each(p, (h) => h.delete(p)),
    });
  }

  private each(p: Pod, fn: (h: PodHandlers) => void): void {
    const subs = this.subscribers.get(p.spec?.nodeName ?? '');
    if (subs) for (const h of subs) fn(h);
  }

  subscribe(nodeName: string, handlers: PodHandlers): () => void {
    let subs = this.subscribers.get(nodeName);
    if (!subs) this.subscribers.set(nodeName, (subs = new Set()));
    subs.add(handlers);
    if (this.informer.hasSynced()) for (const p of this.list(nodeName)) handlers.add(p);
    return () => {
      subs.delete(handlers);
      if (subs.size === 0) this.subscribers.delete(nodeName);
    };
  }

  list(nodeName: string): Pod[] {
    return this.informer.byIndex(NODE_INDEX, nodeName);
  }

  waitForSync(signal?: AbortSignal): Promise<boolean> {
    return this.informer.waitForSync(signal);
  }

  hasSynced(): boolean {
    return this.informer.hasSynced();
  }

  start(): void {
    this.informer.start();
  }

  stop(): void {
    this.informer.stop();
  }
}
