// skiff cordon, uncordon and drain: kubectl's node maintenance verbs. Cordon
// marks a node unschedulable; drain cordons it, then evicts every pod on it
// through pods/eviction (so PodDisruptionBudgets are respected; a refusal is
// retried every 5 seconds), except mirror pods and, with --ignore-daemonsets,
// DaemonSet pods, and waits until the evicted pods are gone.
import type { Pod, Node } from '../api/core/v1.js';
import type { KubeObject } from '../api/meta.js';
import { isNamespaceTerminating, isNotFound, isTooManyRequests, type RestClient, type ResourceRef } from '../client/index.js';
import { cliContext, CliError, errorMessage, ReportedError, type CliContext, type GlobalFlags } from './context.js';

type NodeObject = Node & KubeObject;
type PodObject = Pod & KubeObject;

const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const daemonSetsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true };

const mirrorPodAnnotation = 'kubernetes.io/config.mirror';

export interface CordonOptions extends GlobalFlags {
  /** -l: the nodes with these labels instead of named ones */
  selector?: string;
  dryRun?: 'none' | 'client' | 'server';
}

export interface DrainOptions extends CordonOptions {
  force?: boolean;
  ignoreDaemonsets?: boolean;
  deleteEmptydirData?: boolean;
  /** seconds given to each pod; negative uses the pod's own terminationGracePeriodSeconds */
  gracePeriod?: number;
  /** how long to wait before giving up, a Go duration; 0 waits for ever */
  timeout?: string;
  /** only pods with these labels are evicted */
  podSelector?: string;
  /** delete instead of evicting: PodDisruptionBudgets are bypassed */
  disableEviction?: boolean;
  /** pods whose deletion started longer ago than this many seconds are not waited for; 0 waits for all */
  skipWaitForDeleteTimeout?: number;
  /** how often to look whether evicted pods are gone, ms; 1000 as kubectl */
  pollIntervalMs?: number;
  /** how long to wait before retrying an eviction refused with 429, ms; 5000 as kubectl */
  retryAfterMs?: number;
}

// ---- which pods go ----

export const daemonSetFatal = 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)';
export const daemonSetWarning = 'ignoring DaemonSet-managed Pods';
export const localStorageFatal = 'Pods with local storage (use --delete-emptydir-data to override)';
export const localStorageWarning = 'deleting Pods with local storage';
export const unmanagedFatal = 'cannot delete Pods that declare no controller (use --force to override)';
export const unmanagedWarning = 'deleting Pods that declare no controller';

export interface PodDeleteStatus {
  delete: boolean;
  reason: 'Okay' | 'Skip' | 'Warning' | 'Error';
  message: string;
}

export interface PodDelete {
  pod: PodObject;
  status: PodDeleteStatus;
}

const okay = (): PodDeleteStatus => ({ delete: true, reason: 'Okay', message: '' });
const skip = (): PodDeleteStatus => ({ delete: false, reason: 'Skip', message: '' });
const warning = (del: boolean, message: string): PodDeleteStatus => ({ delete: del, reason: 'Warning', message });
const fatal = (message: string): PodDeleteStatus => ({ delete: false, reason: 'Error', message });

const finished = (pod: PodObject): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
const controllerOf = (pod: PodObject) => (pod.metadata.ownerReferences ?? []).find((r) => r.controller === true);

/** shouldSkipPod: a pod deleted more than skipWaitSeconds ago is left alone (its node may be gone). */
function deletedLongAgo(pod: PodObject, skipWaitSeconds: number, now: number): boolean {
  const ts = pod.metadata.deletionTimestamp;
  return skipWaitSeconds > 0 && Boolean(ts) && now - Date.parse(ts!) > skipWaitSeconds * 1000;
}

export interface FilterContext {
  opts: Pick<DrainOptions, 'force' | 'ignoreDaemonsets' | 'deleteEmptydirData' | 'skipWaitForDeleteTimeout'>;
  /** undefined when the DaemonSet exists; the error (NotFound or other) otherwise */
  daemonSetError(namespace: string, name: string): Promise<unknown>;
  now: number;
}

/**
 * kubectl's filters, in its order (deleted, DaemonSet, mirror, local
 * storage, unreplicated): the first that keeps a pod decides, otherwise the
 * last one's status stands.
 */
export async function filterPods(pods: PodObject[], ctx: FilterContext): Promise<PodDelete[]> {
  const filters: ((pod: PodObject) => Promise<PodDeleteStatus> | PodDeleteStatus)[] = [
    (pod) => (deletedLongAgo(pod, ctx.opts.skipWaitForDeleteTimeout ?? 0, ctx.now) ? skip() : okay()),
    async (pod) => {
      const ref = controllerOf(pod);
      if (!ref || ref.kind !== 'DaemonSet') return okay();
      if (finished(pod)) return okay();
      const err = await ctx.daemonSetError(pod.metadata.namespace ?? '', ref.name);
      if (err !== undefined) {
        // An orphan of a deleted DaemonSet goes with --force.
        if (isNotFound(err) && ctx.opts.force) return warning(true, errorText(err));
        return fatal(errorText(err));
      }
      if (!ctx.opts.ignoreDaemonsets) return fatal(daemonSetFatal);
      return warning(false, daemonSetWarning);
    },
    (pod) => (pod.metadata.annotations?.[mirrorPodAnnotation] !== undefined ? skip() : okay()),
    (pod) => {
      if (!(pod.spec.volumes ?? []).some((v) => v.emptyDir !== undefined)) return okay();
      if (finished(pod)) return okay();
      if (!ctx.opts.deleteEmptydirData) return fatal(localStorageFatal);
      return warning(true, localStorageWarning);
    },
    (pod) => {
      if (finished(pod)) return okay();
      if (controllerOf(pod)) return okay();
      if (ctx.opts.force) return warning(true, unmanagedWarning);
      return fatal(unmanagedFatal);
    },
  ];
  const out: PodDelete[] = [];
  for (const pod of pods) {
    let status = okay();
    for (const f of filters) {
      status = await f(pod);
      if (!status.delete) break;
    }
    out.push({ pod, status });
  }
  return out;
}

/** Groups pod names by message, in order of first appearance, as kubectl words its warnings and errors ("msg: ns/a, ns/b"). */
function byMessage(items: PodDelete[], reason: PodDeleteStatus['reason']): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const i of items) {
    if (i.status.reason !== reason) continue;
    const msg = i.status.message || 'unexpected error';
    groups.set(msg, [...(groups.get(msg) ?? []), `${i.pod.metadata.namespace}/${i.pod.metadata.name}`]);
  }
  return [...groups.entries()];
}

export function deleteListWarnings(items: PodDelete[]): string {
  return byMessage(items, 'Warning')
    .map(([msg, pods]) => `${msg}: ${pods.join(', ')}`)
    .join('; ');
}

export function deleteListErrors(items: PodDelete[]): string[] {
  return byMessage(items, 'Error').map(([msg, pods]) => `cannot delete ${msg}: ${pods.join(', ')}`);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A Go duration ("90s", "2m", "1h30m"), in milliseconds; 0 stays 0. */
export function parseDuration(flag: string, value: string): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    if (text === '0') return 0;
    throw new CliError(`invalid argument "${value}" for "${flag}" flag: time: missing unit in duration "${value}"`);
  }
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * units[m[2]!]!;
    end = re.lastIndex;
  }
  if (text === '' || end !== text.length) throw new CliError(`invalid argument "${value}" for "${flag}" flag: time: invalid duration "${value}"`);
  return total;
}

/** How kubectl prints a duration in its timeout messages ("30s", "2m0s"). */
function goDuration(ms: number): string {
  const total = ms / 1000;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = Math.round((total % 60) * 1000) / 1000;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

// ---- cordon ----

async function resolveNodes(ctx: CliContext, names: string[], opts: CordonOptions, verb: string): Promise<NodeObject[]> {
  const nodes = ctx.client.resource<NodeObject>(nodesRef);
  if (names.length > 0 && opts.selector) throw new CliError('cannot specify both a node name and a --selector option');
  if (names.length === 0 && !opts.selector) throw new CliError(`USAGE: ${verb} NODE [flags]\nSee 'skiff ${verb} -h' for help and examples`);
  if (opts.selector) {
    const list = await nodes.list(undefined, { labelSelector: opts.selector });
    if (list.items.length === 0) throw new CliError('No resources found');
    return list.items;
  }
  const out: NodeObject[] = [];
  for (const name of names) out.push(await nodes.get(undefined, name));
  return out;
}

function dryRunSuffix(opts: CordonOptions): string {
  return opts.dryRun === 'client' ? ' (dry run)' : opts.dryRun === 'server' ? ' (server dry run)' : '';
}

/** Marks the nodes (un)schedulable; prints kubectl's "node/NAME cordoned" lines. Resolves with the nodes. */
async function cordonNodes(ctx: CliContext, nodes: NodeObject[], desired: boolean, opts: CordonOptions): Promise<void> {
  const client = ctx.client.resource<NodeObject>(nodesRef);
  const verb = desired ? 'cordoned' : 'uncordoned';
  const failures: string[] = [];
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    if (Boolean(node.spec.unschedulable) === desired) {
      ctx.out.write(`node/${name} already ${verb}${dryRunSuffix(opts)}\n`);
      continue;
    }
    if (opts.dryRun !== 'client') {
      try {
        await client.patch(undefined, name, { spec: { unschedulable: desired ? true : null } }, 'strategic', opts.dryRun === 'server' ? { dryRun: true } : {});
      } catch (err) {
        const msg = `unable to ${desired ? 'cordon' : 'uncordon'} node "${name}": ${errorMessage(err).replace(/^error: /, '')}`;
        ctx.err.write(`error: ${msg}\n`);
        failures.push(msg);
        continue;
      }
    }
    ctx.out.write(`node/${name} ${verb}${dryRunSuffix(opts)}\n`);
  }
  if (failures.length > 0) throw new CliError(failures.length === 1 ? failures[0]! : `[${failures.join(', ')}]`);
}

export async function runCordon(names: string[], opts: CordonOptions, desired: boolean): Promise<void> {
  const ctx = cliContext(opts);
  const nodes = await resolveNodes(ctx, names, opts, desired ? 'cordon' : 'uncordon');
  await cordonNodes(ctx, nodes, desired, opts);
}

// ---- drain ----

async function podsOnNode(client: RestClient, nodeName: string, podSelector: string | undefined): Promise<PodObject[]> {
  const list = await client.resource<PodObject>(podsRef).listAll(undefined, {
    fieldSelector: `spec.nodeName=${nodeName}`,
    ...(podSelector ? { labelSelector: podSelector } : {}),
  });
  return list.items;
}

async function podsForDeletion(ctx: CliContext, nodeName: string, opts: DrainOptions): Promise<PodDelete[]> {
  const pods = await podsOnNode(ctx.client, nodeName, opts.podSelector);
  const daemonSets = ctx.client.resource(daemonSetsRef);
  return filterPods(pods, {
    opts,
    now: Date.now(),
    daemonSetError: async (namespace, name) => {
      try {
        await daemonSets.get(namespace, name);
        return undefined;
      } catch (err) {
        return err;
      }
    },
  });
}

class Deadline {
  readonly at: number;
  constructor(readonly timeoutMs: number) {
    this.at = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  }
  passed(): boolean {
    return Date.now() >= this.at;
  }
  message(): string {
    return `global timeout reached: ${goDuration(this.timeoutMs)}`;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the pod is gone (or replaced by a namesake); prints "pod/NAME evicted" then. */
async function waitForDelete(ctx: CliContext, pod: PodObject, opts: DrainOptions, deadline: Deadline, verb: string): Promise<void> {
  const pods = ctx.client.resource<PodObject>(podsRef);
  for (;;) {
    let current: PodObject | undefined;
    try {
      current = await pods.get(pod.metadata.namespace, pod.metadata.name ?? '');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!current || current.metadata.uid !== pod.metadata.uid) {
      ctx.out.write(`pod/${pod.metadata.name} ${verb}\n`);
      return;
    }
    const skipAfter = opts.skipWaitForDeleteTimeout ?? 0;
    if (deletedLongAgo(current, skipAfter, Date.now())) {
      ctx.out.write(`Pod ${pod.metadata.name} has DeletionTimestamp older than ${skipAfter} seconds, skipping\n`);
      return;
    }
    if (deadline.passed()) throw new Error(deadline.message());
    await sleep(opts.pollIntervalMs ?? 1000);
  }
}

/** One pod's eviction, retried while a budget refuses it, then the wait for it to be gone. */
async function evictOne(ctx: CliContext, pod: PodObject, opts: DrainOptions, deadline: Deadline): Promise<void> {
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const path = ctx.client.resource(podsRef).path(ns, name, 'eviction');
  const grace = opts.gracePeriod ?? -1;
  const body = {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name, namespace: ns },
    deleteOptions: {
      ...(grace >= 0 ? { gracePeriodSeconds: grace } : {}),
      ...(opts.dryRun === 'server' ? { dryRun: ['All'] } : {}),
    },
  };
  for (;;) {
    ctx.out.write(`evicting pod ${ns}/${name}${opts.dryRun === 'server' ? ' (server dry run)' : ''}\n`);
    if (deadline.passed()) throw new Error(`error when evicting pods/"${name}" -n "${ns}": ${deadline.message()}`);
    try {
      await ctx.client.request('POST', path, { body });
      break;
    } catch (err) {
      if (isNotFound(err)) return;
      if (isTooManyRequests(err)) {
        ctx.err.write(`error when evicting pods/"${name}" -n "${ns}" (will retry after 5s): ${errorText(err)}\n`);
        await sleep(opts.retryAfterMs ?? 5000);
        continue;
      }
      if (isNamespaceTerminating(err)) {
        if (pod.metadata.deletionTimestamp) break;
        ctx.err.write(`error when evicting pod "${name}" from terminating namespace "${ns}" (will retry after 5s): ${errorText(err)}\n`);
        await sleep(opts.retryAfterMs ?? 5000);
        continue;
      }
      throw new Error(`error when evicting pods/"${name}" -n "${ns}": ${errorText(err)}`);
    }
  }
  if (opts.dryRun === 'server') return;
  try {
    await waitForDelete(ctx, pod, opts, deadline, 'evicted');
  } catch (err) {
    throw new Error(`error when waiting for pod "${name}" in namespace "${ns}" to terminate: ${errorText(err)}`);
  }
}

/** --disable-eviction: plain deletes, then the wait for every pod. */
async function deleteAll(ctx: CliContext, pods: PodObject[], opts: DrainOptions, deadline: Deadline): Promise<void> {
  const client = ctx.client.resource<PodObject>(podsRef);
  const grace = opts.gracePeriod ?? -1;
  for (const pod of pods) {
    try {
      await client.delete(pod.metadata.namespace, pod.metadata.name ?? '', {
        ...(grace >= 0 ? { gracePeriodSeconds: grace } : {}),
        ...(opts.dryRun === 'server' ? { dryRun: true } : {}),
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  if (opts.dryRun === 'server') return;
  await Promise.all(pods.map((pod) => waitForDelete(ctx, pod, opts, deadline, 'deleted')));
}

/** Evicts (or deletes) what may go from one node and waits for it; throws the aggregated error otherwise. */
async function drainNode(ctx: CliContext, nodeName: string, opts: DrainOptions): Promise<void> {
  const list = await podsForDeletion(ctx, nodeName, opts);
  const errs = deleteListErrors(list);
  if (errs.length > 0) throw new Error(errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`);
  const warnings = deleteListWarnings(list);
  if (warnings) ctx.err.write(`Warning: ${warnings}\n`);
  const pods = list.filter((i) => i.status.delete).map((i) => i.pod);
  if (opts.dryRun === 'client') {
    for (const pod of pods) ctx.out.write(`evicting pod ${pod.metadata.namespace}/${pod.metadata.name} (dry run)\n`);
    return;
  }
  const deadline = new Deadline(opts.timeout ? parseDuration('--timeout', opts.timeout) : 0);
  if (opts.disableEviction) {
    await deleteAll(ctx, pods, opts, deadline);
    return;
  }
  const results = await Promise.allSettled(pods.map((pod) => evictOne(ctx, pod, opts, deadline)));
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => errorText(r.reason));
  if (failures.length > 0) {
    // kubectl lists what is still there before it gives up.
    const pending = (await podsForDeletion(ctx, nodeName, opts)).filter((i) => i.status.delete);
    if (pending.length > 0) {
      const why = failures.length === 1 ? failures[0]! : `[${failures.join(', ')}]`;
      ctx.err.write(`There are pending pods in node "${nodeName}" when an error occurred: ${why}\n`);
      for (const p of pending) ctx.err.write(`pod/${p.pod.metadata.name}\n`);
    }
    throw new Error(failures.length === 1 ? failures[0]! : `[${failures.join(', ')}]`);
  }
}

export async function runDrain(names: string[], opts: DrainOptions): Promise<void> {
  const ctx = cliContext(opts);
  if (opts.timeout) parseDuration('--timeout', opts.timeout);
  const nodes = await resolveNodes(ctx, names, opts, 'drain');
  await cordonNodes(ctx, nodes, true, opts);
  const remaining = nodes.map((n) => n.metadata.name ?? '');
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    try {
      await drainNode(ctx, name, opts);
    } catch (err) {
      ctx.err.write(`error: unable to drain node "${name}" due to error: ${errorText(err)}, continuing command...\n`);
      ctx.err.write('There are pending nodes to be drained:\n');
      for (const n of remaining) ctx.err.write(` ${n}\n`);
      // kubectl ends with the error itself, unprefixed (its aggregate-error form).
      ctx.err.write(`${errorText(err)}\n`);
      throw new ReportedError(1);
    }
    remaining.shift();
    ctx.out.write(`node/${name} drained${dryRunSuffix(opts)}\n`);
  }
}
