// The scheduler: informers feed the cache (nodes, bound pods) and the queue
// (pending pods this scheduler is responsible for); one loop pops a pod,
// decides synchronously where it goes (no API call in between, so the cache
// cannot change under the decision), assumes it there and binds in the
// background while the next pod is already being decided. A pod that fits
// nowhere may preempt, gets a PodScheduled=False condition and a
// FailedScheduling event, and waits for a cluster event that can help it.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { Namespace, Node, Pod } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import {
  isNotFound,
  realClock,
  type Clock,
  type Informer,
  type ResourceRef,
  type RestClient,
  type SharedInformerFactory,
} from '../src/client/index.js';
import { PodScheduler } from './algorithm.js';
import { SchedulerCache } from './cache.js';
import { DEFAULT_SCHEDULER_NAME, schedulerConfigFrom, type SchedulerConfig } from './config.js';
import { EventRecorder } from '../src/client/events.js';
import { fitErrorMessage } from './fiterror.js';
import { CycleState, Framework, type ClusterEvent, type Registry } from './framework.js';
import { SchedulerMetrics } from './metrics.js';
import { PodInfo, podKey } from './nodeinfo.js';
import { podsResource } from './plugins/defaultbinder.js';
import { inTreeRegistry } from './plugins/registry.js';
import { SchedulingQueue, type QueuedPodInfo } from './queue.js';

type PodObject = Pod & KubeObject;
type NodeObject = Node & KubeObject;
type NamespaceObject = Namespace & KubeObject;

const nodesResource: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
const namespacesResource: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };

export interface SchedulerOptions {
  client: RestClient;
  informers: SharedInformerFactory;
  config?: SchedulerConfig;
  log?: Logger;
  metrics?: SchedulerMetrics;
  clock?: Clock;
  registry?: Registry;
  /** written into events as reportingInstance */
  identity?: string;
}

const isAssigned = (pod: Pod): boolean => Boolean(pod.spec.nodeName);
const isTerminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Which of the changes the queue cares about a node update carries. */
export function nodeUpdateEvents(old: Node, next: Node): ClusterEvent[] {
  const out: ClusterEvent[] = [];
  if (!sameJson(old.status?.allocatable, next.status?.allocatable) || !sameJson(old.status?.capacity, next.status?.capacity)) {
    out.push('NodeAllocatable');
  }
  if (!sameJson(old.metadata.labels, next.metadata.labels)) out.push('NodeLabel');
  if (!sameJson(old.spec.taints, next.spec.taints)) out.push('NodeTaint');
  const conds = (n: Node): string =>
    (n.status?.conditions ?? [])
      .map((c) => `${c.type}=${c.status}`)
      .sort()
      .join(',');
  if (conds(old) !== conds(next)) out.push('NodeCondition');
  if (Boolean(old.spec.unschedulable) !== Boolean(next.spec.unschedulable)) out.push('NodeSpecUnschedulable');
  return out;
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class Scheduler {
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly frameworks = new Map<string, Framework>();
  readonly config: SchedulerConfig;
  readonly metrics: SchedulerMetrics;
  private readonly algorithm: PodScheduler;
  private readonly pods: Informer<PodObject>;
  private readonly nodes: Informer<NodeObject>;
  private readonly namespaces: Informer<NamespaceObject>;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly client: RestClient;
  private readonly bindings = new Set<Promise<void>>();
  private readonly statusWrites = new Set<Promise<void>>();

  constructor(private readonly opts: SchedulerOptions) {
    this.config = opts.config ?? schedulerConfigFrom(undefined);
    this.log = opts.log ?? pino({ level: 'silent' });
    this.clock = opts.clock ?? realClock;
    this.client = opts.client;
    this.metrics = opts.metrics ?? new SchedulerMetrics();
    this.cache = new SchedulerCache({
      clock: this.clock,
      onExpired: (pod) => {
        this.log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, node: pod.spec.nodeName }, 'assumed pod expired: its binding was never observed');
        this.queue.moveOnEvent('AssignedPodDelete', pod, undefined);
      },
    });
    this.queue = new SchedulingQueue({
      clock: this.clock,
      initialBackoffMs: this.config.podInitialBackoffMs,
      maxBackoffMs: this.config.podMaxBackoffMs,
      pluginEvents: (pod) => this.frameworkFor(pod)?.eventRegistrations() ?? new Map(),
    });
    this.metrics.trackQueue(() => this.queue.sizes());
    this.algorithm = new PodScheduler(this.cache);

    this.pods = opts.informers.informerFor<PodObject>(podsResource);
    this.nodes = opts.informers.informerFor<NodeObject>(nodesResource);
    this.namespaces = opts.informers.informerFor<NamespaceObject>(namespacesResource);

    const registry = opts.registry ?? inTreeRegistry;
    for (const profile of this.config.profiles) {
      const fwk = new Framework(profile.schedulerName, registry, profile.plugins, {
        snapshot: this.cache,
        namespaceLabels: (ns) => this.namespaces.get(ns)?.metadata.labels,
        nominator: this.queue,
        clock: this.clock,
        log: this.log.child({ profile: profile.schedulerName }),
        client: this.client,
        onPreemptionFailed: (pod, err) => {
          this.log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: err instanceof Error ? err.message : String(err) }, 'preemption failed');
          this.queue.deleteNomination(podKey(pod));
          this.queue.activate(pod);
        },
      });
      this.frameworks.set(profile.schedulerName, fwk);
    }
    this.recorder = new EventRecorder(this.client, {
      component: DEFAULT_SCHEDULER_NAME,
      involvedKind: { apiVersion: 'v1', kind: 'Pod' },
      instance: opts.identity ?? `${hostname()}_${randomUUID()}`,
      log: this.log,
      now: () => this.clock.now(),
    });
    this.registerHandlers();
  }

  /** The framework of the profile the pod names, if this scheduler runs it. */
  frameworkFor(pod: Pod): Framework | undefined {
    return this.frameworks.get(pod.spec.schedulerName || DEFAULT_SCHEDULER_NAME);
  }

  /** Starts the informers, waits for their caches, then schedules until the signal aborts; waits for bindings in flight. */
  async run(signal: AbortSignal): Promise<void> {
    this.opts.informers.start();
    const synced = await this.opts.informers.waitForCacheSync(signal);
    const onAbort = (): void => this.queue.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (!synced || signal.aborted) return;
      this.log.info({ nodes: this.cache.nodeCount(), pending: this.queue.sizes() }, 'scheduler caches synced');
      for (;;) {
        const q = await this.queue.pop();
        if (!q || signal.aborted) break;
        this.scheduleOne(q);
        // Let informer events and binding responses in between pods.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.queue.close();
      await Promise.all([...this.bindings]);
      await Promise.all([...this.statusWrites]);
      await this.recorder.flush();
      this.cache.close();
      this.metrics.trackQueue(undefined);
    }
  }

  /** One pod's scheduling cycle (synchronous); its binding continues in the background. */
  scheduleOne(q: QueuedPodInfo): void {
    const pod = q.podInfo.pod;
    const fwk = this.frameworkFor(pod);
    const current = this.pods.get(`${pod.metadata.namespace}/${pod.metadata.name}`);
    if (!fwk || !current || current.metadata.deletionTimestamp || this.cache.isAssumed(pod) || isAssigned(current)) {
      this.queue.done(pod);
      return;
    }
    const started = performance.now();
    const state = new CycleState();
    const profile = this.config.profiles.find((p) => p.schedulerName === fwk.profileName);
    const pct = profile?.percentageOfNodesToScore ?? this.config.percentageOfNodesToScore;
    let result: ReturnType<PodScheduler['schedule']>;
    try {
      result = this.algorithm.schedule(fwk, state, q.podInfo, pct);
    } catch (err) {
      result = { kind: 'error', message: err instanceof Error ? err.message : String(err) };
    }
    if (result.kind === 'scheduled') {
      this.assumeAndBind(fwk, state, q, result.nodeName, started);
      return;
    }
    if (result.kind === 'error') {
      this.fail(fwk, q, 'SchedulerError', result.message, started);
      return;
    }
    let postFilterMessage: string | undefined;
    let nominated: string | undefined;
    if (fwk.postFilter.length > 0 && result.numAllNodes > 0) {
      this.metrics.preemptionAttempts.inc();
      try {
        const pr = fwk.runPostFilter(state, q.podInfo, result.statuses);
        if (pr.status.isSuccess()) nominated = pr.nominatedNodeName;
        else postFilterMessage = pr.status.message();
      } catch (err) {
        this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'PostFilter failed');
      }
    }
    const message =
      result.message ??
      fitErrorMessage({
        numAllNodes: result.numAllNodes,
        statuses: result.statuses,
        ...(result.preFilterMessage ? { preFilterMessage: result.preFilterMessage } : {}),
        ...(postFilterMessage ? { postFilterMessage } : {}),
      });
    q.unschedulablePlugins = result.unschedulablePlugins;
    this.fail(fwk, q, 'Unschedulable', message, started, nominated);
  }

  private frameworkName(fwk: Framework): string {
    return fwk.profileName;
  }

  private assumeAndBind(fwk: Framework, state: CycleState, q: QueuedPodInfo, nodeName: string, started: number): void {
    const assumedInfo = q.podInfo.boundTo(nodeName);
    const assumed = assumedInfo.pod;
    try {
      this.cache.assumePod(assumed, assumedInfo);
    } catch (err) {
      this.fail(fwk, q, 'SchedulerError', err instanceof Error ? err.message : String(err), started);
      return;
    }
    const reserved = fwk.runReserve(state, q.podInfo, nodeName);
    if (!reserved.isSuccess()) {
      this.cache.forgetPod(assumed);
      this.fail(fwk, q, 'SchedulerError', `running Reserve plugin "${reserved.plugin}": ${reserved.message()}`, started);
      return;
    }
    this.queue.deleteNomination(q.podInfo.key);
    const binding = this.bind(fwk, state, q, assumed, nodeName, started);
    this.bindings.add(binding);
    void binding.finally(() => this.bindings.delete(binding));
  }

  private async bind(fwk: Framework, state: CycleState, q: QueuedPodInfo, assumed: Pod, nodeName: string, started: number): Promise<void> {
    let status;
    try {
      status = await fwk.runBind(state, assumed, nodeName);
    } catch (err) {
      status = undefined;
      this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'bind plugin threw');
    }
    if (status?.isSuccess()) {
      this.cache.finishBinding(assumed);
      const profile = this.frameworkName(fwk);
      this.metrics.scheduleAttempts.inc({ result: 'scheduled', profile });
      this.metrics.e2eSchedulingDuration.observe({ result: 'scheduled', profile }, (performance.now() - started) / 1000);
      this.metrics.podSchedulingDuration.observe(
        { attempts: String(Math.min(q.attempts, 15)) },
        Math.max(0, this.clock.now() - q.initialTimestamp) / 1000,
      );
      const { namespace, name } = assumed.metadata;
      this.log.debug({ pod: `${namespace}/${name}`, node: nodeName }, 'bound pod');
      this.recorder.event(assumed as KubeObject, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`, 'Binding');
      this.queue.done(assumed);
      return;
    }
    this.cache.forgetPod(assumed);
    fwk.runUnreserve(state, q.podInfo, nodeName);
    // The room the assumption held is free again: pods waiting for it may fit.
    this.queue.moveOnEvent('AssignedPodDelete', assumed, undefined);
    this.fail(fwk, q, 'SchedulerError', `binding rejected: ${status?.message() ?? 'bind plugin failed'}`, started);
  }

  /**
   * Records a failed attempt: the pod goes back to the queue (unschedulable
   * set, or backoff for errors) unless it was deleted or bound meanwhile;
   * then, in the background, the event and the PodScheduled condition.
   */
  private fail(
    fwk: Framework,
    q: QueuedPodInfo,
    reason: 'Unschedulable' | 'SchedulerError',
    message: string,
    started: number,
    nominated?: string,
  ): void {
    const profile = this.frameworkName(fwk);
    const result = reason === 'Unschedulable' ? 'unschedulable' : 'error';
    this.metrics.scheduleAttempts.inc({ result, profile });
    this.metrics.e2eSchedulingDuration.observe({ result, profile }, (performance.now() - started) / 1000);
    const pod = q.podInfo.pod;
    const current = this.pods.get(`${pod.metadata.namespace}/${pod.metadata.name}`);
    if (!current || current.metadata.uid !== pod.metadata.uid || isAssigned(current)) {
      this.queue.done(pod);
      return;
    }
    q.podInfo = new PodInfo(current);
    if (reason === 'Unschedulable') this.queue.addUnschedulableIfNotPresent(q);
    else this.queue.addBackoff(q);
    if (nominated) this.queue.nominate(current, nominated);
    this.queue.done(pod);
    this.log.debug({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, reason, message }, 'unable to schedule pod');
    this.recorder.event(current as KubeObject, 'Warning', 'FailedScheduling', message, 'Scheduling');
    const write = this.writeCondition(current, reason, message, nominated);
    this.statusWrites.add(write);
    void write.finally(() => this.statusWrites.delete(write));
  }

  /** PodScheduled=False with the reason and message (and nominatedNodeName), unless the pod already says so. */
  private async writeCondition(pod: Pod, reason: string, message: string, nominated?: string): Promise<void> {
    const cond = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
    const same = cond?.status === 'False' && cond.reason === reason && cond.message === message;
    if (same && (!nominated || pod.status?.nominatedNodeName === nominated)) return;
    const transition = cond?.status === 'False' && cond.lastTransitionTime ? cond.lastTransitionTime : formatTime(this.clock.now());
    const patch = {
      status: {
        conditions: [{ type: 'PodScheduled', status: 'False', reason, message, lastProbeTime: null, lastTransitionTime: transition }],
        ...(nominated ? { nominatedNodeName: nominated } : {}),
      },
    };
    try {
      await this.client.resource<PodObject>(podsResource).patchStatus(pod.metadata.namespace, pod.metadata.name!, patch, 'strategic');
    } catch (err) {
      if (!isNotFound(err)) this.log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: err instanceof Error ? err.message : String(err) }, 'cannot update pod condition');
    }
  }

  // ---- informer events: turned into cache and queue changes, nothing else ----

  private registerHandlers(): void {
    this.nodes.addEventHandler({
      onAdd: (node) => {
        this.cache.addNode(node);
        this.queue.moveOnEvent('NodeAdd', undefined, node);
      },
      onUpdate: (old, node) => {
        this.cache.updateNode(node);
        for (const e of nodeUpdateEvents(old, node)) this.queue.moveOnEvent(e, old, node);
      },
      onDelete: (node) => {
        this.cache.removeNode(node);
        this.queue.moveOnEvent('NodeDelete', node, undefined);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.podAdded(pod),
      onUpdate: (old, pod) => this.podUpdated(old, pod),
      onDelete: (pod) => this.podDeleted(pod),
    });
  }

  private responsible(pod: Pod): boolean {
    return this.frameworkFor(pod) !== undefined;
  }

  private podAdded(pod: Pod): void {
    if (isAssigned(pod)) {
      if (isTerminal(pod)) return;
      this.cache.addPod(pod);
      this.queue.moveOnEvent('AssignedPodAdd', undefined, pod);
      return;
    }
    if (this.responsible(pod) && !pod.metadata.deletionTimestamp && !isTerminal(pod)) this.queue.add(pod);
  }

  private podUpdated(old: Pod, pod: Pod): void {
    if (isAssigned(pod)) {
      if (!isAssigned(old)) this.queue.delete(pod);
      if (isTerminal(pod)) {
        // A finished pod holds nothing any more, as if deleted.
        if (this.cache.getPod(pod)) {
          this.cache.removePod(pod);
          this.queue.moveOnEvent('AssignedPodDelete', old, undefined);
        }
        return;
      }
      const known = this.cache.getPod(pod) !== undefined && !this.cache.isAssumed(pod);
      this.cache.updatePod(pod);
      if (!known) this.queue.moveOnEvent('AssignedPodAdd', undefined, pod);
      else if (!sameJson(old.metadata.labels, pod.metadata.labels)) this.queue.moveOnEvent('AssignedPodLabel', old, pod);
      return;
    }
    if (!this.responsible(pod) || isTerminal(pod)) {
      this.queue.delete(pod);
      return;
    }
    // Our own assumption is ahead of the informer: the update is older news.
    if (this.cache.isAssumed(pod)) return;
    this.queue.update(old, pod);
  }

  private podDeleted(pod: Pod): void {
    if (isAssigned(pod)) {
      this.cache.removePod(pod);
      this.queue.moveOnEvent('AssignedPodDelete', pod, undefined);
      return;
    }
    this.queue.delete(pod);
  }
}
