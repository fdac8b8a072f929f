// A stand-in for kubelet in controller tests, where no node runs pods: it
// watches pods through an informer and, after a delay, marks each new one
// Running and Ready through the pods/status subresource, as a kubelet would
// once the containers started. Pods it is told to hold back stay Pending.
import type { KubeObject } from '../../src/api/meta.js';
import { Informer, isConflict, isNotFound, type ResourceRef, type RestClient } from '../../src/client/index.js';
import { rfc3339 } from '../../src/client/events.js';
import type { PodObject } from '../replicaset/pods.js';

const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };

export interface TestKubeletOptions {
  namespace?: string;
  /** how long after a pod appears it turns ready; 0 = at once */
  readyDelayMs?: number;
  /** pods for which this returns false are left Pending and not ready */
  shouldStart?: (pod: PodObject) => boolean;
}

export class TestKubelet {
  private readonly informer: Informer<PodObject>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly client: RestClient,
    private readonly opts: TestKubeletOptions = {},
  ) {
    this.informer = new Informer<PodObject>(client, podsRef, {
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      onError: () => {},
    });
    const consider = (pod: PodObject): void => {
      if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Running') return;
      if (this.opts.shouldStart && !this.opts.shouldStart(pod)) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        const p = this.markReady(pod)
          .catch(() => {})
          .finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }, this.opts.readyDelayMs ?? 0);
      this.timers.add(t);
    };
    this.informer.addEventHandler({ onAdd: consider });
  }

  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.informer.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  private async markReady(pod: PodObject): Promise<void> {
    const pods = this.client.resource<PodObject>(podsRef);
    for (let attempt = 0; attempt < 5 && !this.stopped; attempt++) {
      try {
        const cur = await pods.get(pod.metadata.namespace, pod.metadata.name ?? '');
        if (cur.metadata.uid !== pod.metadata.uid || cur.metadata.deletionTimestamp) return;
        const now = rfc3339(Date.now());
        const ready = { type: 'Ready', status: 'True', lastTransitionTime: now };
        const status = {
          ...cur.status,
          phase: 'Running',
          startTime: now,
          conditions: [
            { type: 'Initialized', status: 'True', lastTransitionTime: now },
            ready,
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
          ],
          containerStatuses: (cur.spec?.containers ?? []).map((c) => ({
            name: c.name,
            image: c.image ?? '',
            imageID: '',
            ready: true,
            restartCount: 0,
            started: true,
            state: { running: { startedAt: now } },
          })),
        };
        await pods.updateStatus(cur.metadata.namespace, { ...cur, status } as PodObject & KubeObject);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
  }
}
