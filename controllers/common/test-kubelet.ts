// A stand-in for kubelet in controller tests, where no node runs pods: it
// watches pods through an informer and, after a delay, marks each new one
// Running and Ready through the pods/status subresource, as a kubelet would
// once the containers started. Pods it is told to hold back stay Pending.
// Optionally it plays one node's kubelet: only that node's pods, each given
// an IP, and terminating pods removed once "stopped".
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
  /**
   * Pods for which this returns an outcome run to completion instead of
   * staying Running: they end Succeeded or Failed, every container
   * terminated with the exit code (0, or 1 for Failed, unless given).
   */
  outcome?: (pod: PodObject) => { phase: 'Succeeded' | 'Failed'; exitCode?: number } | undefined;
  /** only pods bound to this node are started (also when bound after they appear), as that node's kubelet */
  nodeName?: string;
  /** the IP a started pod reports in status.podIP and podIPs; none when absent or undefined */
  podIP?: (pod: PodObject) => string | undefined;
  /** terminating pods are removed (deleted with grace 0) as a kubelet does once their containers stopped (default true) */
  finishDeletions?: boolean;
}

export class TestKubelet {
  private readonly informer: Informer<PodObject>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly started = new Set<string>();
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
      if (this.opts.nodeName !== undefined && pod.spec.nodeName !== this.opts.nodeName) return;
      if (this.started.has(pod.metadata.uid ?? '')) return;
      if (this.opts.shouldStart && !this.opts.shouldStart(pod)) return;
      this.started.add(pod.metadata.uid ?? '');
      const t = setTimeout(() => {
        this.timers.delete(t);
        const p = this.markReady(pod)
          .catch(() => {})
          .finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }, this.opts.readyDelayMs ?? 0);
      this.timers.add(t);
    };
    const finish = (pod: PodObject): void => {
      if (this.opts.finishDeletions === false || !pod.metadata.deletionTimestamp) return;
      if (this.opts.nodeName !== undefined && pod.spec.nodeName !== this.opts.nodeName) return;
      this.track(this.remove(pod));
    };
    this.informer.addEventHandler({
      onAdd: (pod) => {
        consider(pod);
        finish(pod);
      },
      onUpdate: (_old, pod) => {
        if (this.opts.nodeName !== undefined) consider(pod);
        finish(pod);
      },
    });
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch(() => {}).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async remove(pod: PodObject): Promise<void> {
    if (this.stopped) return;
    try {
      await this.client.resource<PodObject>(podsRef).delete(pod.metadata.namespace, pod.metadata.name ?? '', {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid ?? '' },
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** Turns a pod's Ready condition (and ContainersReady) True or False, as a readiness probe would. */
  async setReady(namespace: string, name: string, ready: boolean): Promise<void> {
    const pods = this.client.resource<PodObject>(podsRef);
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await pods.get(namespace, name);
      const now = rfc3339(Date.now());
      const value = ready ? 'True' : 'False';
      const conditions = (cur.status?.conditions ?? []).map((c) =>
        (c.type === 'Ready' || c.type === 'ContainersReady') && c.status !== value ? { ...c, status: value, lastTransitionTime: now } : c,
      );
      const containerStatuses = (cur.status?.containerStatuses ?? []).map((c) => ({ ...c, ready }));
      try {
        await pods.updateStatus(namespace, { ...cur, status: { ...cur.status, conditions, containerStatuses } } as PodObject & KubeObject);
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
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
        const outcome = this.opts.outcome?.(cur);
        if (outcome) {
          await pods.updateStatus(cur.metadata.namespace, { ...cur, status: terminalStatus(cur, outcome.phase, outcome.exitCode, now) } as PodObject & KubeObject);
          return;
        }
        const ready = { type: 'Ready', status: 'True', lastTransitionTime: now };
        const ip = this.opts.podIP?.(cur);
        const status = {
          ...cur.status,
          phase: 'Running',
          startTime: now,
          ...(ip ? { podIP: ip, podIPs: [{ ip }], hostIP: '192.0.2.1', hostIPs: [{ ip: '192.0.2.1' }] } : {}),
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

function terminalStatus(pod: PodObject, phase: 'Succeeded' | 'Failed', exitCode: number | undefined, now: string): PodObject['status'] {
  const code = exitCode ?? (phase === 'Succeeded' ? 0 : 1);
  const notReady = { type: 'Ready', status: 'False', lastTransitionTime: now, reason: 'PodCompleted' };
  return {
    ...pod.status,
    phase,
    startTime: now,
    conditions: [
      { type: 'Initialized', status: 'True', lastTransitionTime: now },
      notReady,
      { type: 'ContainersReady', status: 'False', lastTransitionTime: now, reason: 'PodCompleted' },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
    ],
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: { terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt: now, finishedAt: now } },
    })),
  };
}
