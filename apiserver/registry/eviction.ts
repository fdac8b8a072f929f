// pods/{name}/eviction (Kubernetes' EvictionREST): a graceful delete that
// respects PodDisruptionBudgets. A pod that is not running (pending,
// finished, already terminating) is deleted outright. Otherwise the one
// budget selecting it must allow a disruption, which is taken from it
// (disruptionsAllowed decremented, the pod recorded in disruptedPods) before
// the pod is deleted; an unready pod may go without spending the budget when
// the budget is healthy. A budget that does not allow it answers 429, the
// signal for clients such as kubectl drain to retry later. The pod gets the
// DisruptionTarget condition before it is deleted.
import type { KubeObject } from '../../src/api/meta.js';
import type { Pod } from '../../src/api/core/v1.js';
import { errors, StatusError, type Status } from '../../src/api/status.js';
import { Eviction, disruptionAllowedCondition, disruptionBudgetCause, type DeleteOptions as EvictionDeleteOptions, type PodDisruptionBudget } from '../../src/api/policy/v1.js';
import { selectorFromLabelSelector } from '../../src/machinery/labels.js';
import { rfc3339, type DeleteOptions, type ResourceStore } from './store.js';

/** EvictionsRetry: attempts at the read-check-delete cycle when it keeps conflicting. */
const evictionRetries = 5;
/** MaxDisruptedPodSize */
const maxDisruptedPods = 2000;

export interface EvictionDeps {
  pods: ResourceStore;
  /** the PodDisruptionBudget store, when budgets are served */
  pdbs?: ResourceStore;
  now?: () => Date;
}

type PodObject = Pod & KubeObject;
type PdbObject = PodDisruptionBudget & KubeObject;

const success = (): Status => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });

function isConflict(err: unknown): boolean {
  return err instanceof StatusError && err.code === 409;
}

function tooManyRequests(message: string, retryAfterSeconds: number, cause: string): StatusError {
  return new StatusError(429, 'TooManyRequests', message, {
    ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
    causes: [{ reason: disruptionBudgetCause, message: cause }],
  });
}

/** createTooManyRequestsError: the budget has not caught up with its own spec yet. */
function budgetBeingProcessed(name: string): StatusError {
  return tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10, `The disruption budget ${name} is still being processed by the server.`);
}

function isPodReady(pod: PodObject): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** canIgnorePDB: a pod not running disrupts nothing by going. */
function canIgnoreBudget(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || Boolean(pod.metadata.deletionTimestamp);
}

/** shouldEnforceResourceVersion: the delete must not race the pod turning ready, unless it is finished anyway. */
function shouldPinVersion(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp);
}

/** The Eviction body, checked against the URL (kind and apiVersion were checked by the caller). */
export function parseEviction(body: unknown, namespace: string, name: string): Eviction {
  const parsed = Eviction.safeParse(body);
  if (!parsed.success) throw errors.badRequest(`Eviction in version "v1" cannot be handled as a Eviction: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const eviction = parsed.data;
  if (eviction.metadata.namespace && eviction.metadata.namespace !== namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if ((eviction.metadata.name ?? '') !== name) throw errors.badRequest('name in URL does not match name in Eviction object');
  return eviction;
}

/** propagateDryRun: the request's dryRun and the body's must agree; either one makes the eviction a dry run. */
function deleteOptionsOf(eviction: Eviction, dryRunQuery: boolean): DeleteOptions {
  const o: EvictionDeleteOptions = eviction.deleteOptions ?? {};
  const bodyDryRun = (o.dryRun ?? []).length > 0;
  const out: DeleteOptions = { dryRun: dryRunQuery || bodyDryRun };
  if (typeof o.gracePeriodSeconds === 'number') out.gracePeriodSeconds = Math.max(0, o.gracePeriodSeconds);
  if (o.propagationPolicy === 'Foreground' || o.propagationPolicy === 'Background' || o.propagationPolicy === 'Orphan') {
    out.propagationPolicy = o.propagationPolicy;
  } else if (o.propagationPolicy) {
    throw errors.invalid('DeleteOptions', '', '', [
      { reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${o.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"` },
    ]);
  } else if (o.orphanDependents === true) {
    out.propagationPolicy = 'Orphan';
  }
  const pre = o.preconditions;
  if (pre && (pre.uid || pre.resourceVersion)) {
    out.preconditions = { ...(pre.uid ? { uid: pre.uid } : {}), ...(pre.resourceVersion ? { resourceVersion: pre.resourceVersion } : {}) };
  }
  return out;
}

/**
 * Evicts the pod namespace/name as the Eviction body asks; resolves with
 * the Status to answer (201 Success, or 500 when several budgets select the
 * pod), or throws the StatusError to answer (404, 409, 429...).
 */
export async function evictPod(deps: EvictionDeps, namespace: string, name: string, body: unknown, opts: { dryRun: boolean }): Promise<Status> {
  const eviction = parseEviction(body, namespace, name);
  const options = deleteOptionsOf(eviction, opts.dryRun);
  const callerPinned = options.preconditions?.resourceVersion !== undefined;
  const now = deps.now ?? (() => new Date());

  let pod: PodObject | undefined;
  for (let attempt = 0; ; attempt++) {
    pod = (await deps.pods.get(namespace, name)) as PodObject;
    if (!canIgnoreBudget(pod)) break;
    const o: DeleteOptions = structuredClone(options);
    if (shouldPinVersion(pod) && !callerPinned) o.preconditions = { ...o.preconditions, resourceVersion: pod.metadata.resourceVersion };
    try {
      await deleteWithCondition(deps, namespace, name, o, now);
      return success();
    } catch (err) {
      if (!isConflict(err) || callerPinned || attempt + 1 >= evictionRetries) throw err;
    }
  }

  let pinVersion = false;
  let budgetName = '';
  if (deps.pdbs) {
    const labels = pod.metadata.labels ?? {};
    const budgets = ((await deps.pdbs.list(namespace)).items as PdbObject[]).filter((pdb) => {
      try {
        return selectorFromLabelSelector(pdb.spec.selector).matches(labels);
      } catch {
        return false;
      }
    });
    if (budgets.length > 1) {
      return {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        code: 500,
      };
    }
    const budget = budgets[0];
    if (budget) {
      budgetName = budget.metadata.name ?? '';
      const st = budget.status;
      if (!isPodReady(pod) && budget.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') {
        pinVersion = true;
      } else if (!isPodReady(pod) && st && st.currentHealthy >= st.desiredHealthy && st.desiredHealthy > 0) {
        // The application is healthy without this unready pod: it may go without spending the budget.
        pinVersion = true;
      } else {
        await takeDisruption(deps.pdbs, budget, name, options.dryRun === true, now);
      }
    }
  }

  const o: DeleteOptions = structuredClone(options);
  if (pinVersion && !callerPinned) o.preconditions = { ...o.preconditions, resourceVersion: pod.metadata.resourceVersion };
  try {
    await deleteWithCondition(deps, namespace, name, o, now);
  } catch (err) {
    // The pod changed since the budget was judged: let the client try again.
    if (isConflict(err) && pinVersion && !callerPinned) throw budgetBeingProcessed(budgetName);
    throw err;
  }
  return success();
}

/** checkAndDecrement, retried on a fresh copy of the budget when its write conflicts. */
async function takeDisruption(pdbs: ResourceStore, initial: PdbObject, podName: string, dryRun: boolean, now: () => Date): Promise<void> {
  let budget = initial;
  const name = budget.metadata.name ?? '';
  for (let attempt = 0; ; attempt++) {
    const st = budget.status;
    if (!st || (st.observedGeneration ?? 0) < (budget.metadata.generation ?? 0)) throw budgetBeingProcessed(name);
    if (st.disruptionsAllowed < 0) {
      throw errors.forbidden('poddisruptionbudget', 'policy', name, 'pdb disruptions allowed is negative');
    }
    if (Object.keys(st.disruptedPods ?? {}).length > maxDisruptedPods) {
      throw errors.forbidden('poddisruptionbudget', 'policy', name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    }
    if (st.disruptionsAllowed === 0) {
      throw tooManyRequests(
        "Cannot evict pod as it would violate the pod's disruption budget.",
        0,
        `The disruption budget ${name} needs ${st.desiredHealthy} healthy pods and has ${st.currentHealthy} currently`,
      );
    }
    if (dryRun) return;
    const next = structuredClone(budget);
    const ns = next.status!;
    ns.disruptionsAllowed--;
    if (ns.disruptionsAllowed === 0) setDisruptionAllowedCondition(next, now());
    ns.disruptedPods = { ...(ns.disruptedPods ?? {}), [podName]: rfc3339(now()) };
    try {
      await pdbs.update(next.metadata.namespace, name, next, { subresource: 'status' });
      return;
    } catch (err) {
      if (!isConflict(err) || attempt + 1 >= evictionRetries) {
        if (isConflict(err)) throw errors.timeout(`couldn't update PodDisruptionBudget "${name}" due to conflicts`);
        throw err;
      }
      budget = (await pdbs.get(next.metadata.namespace, name)) as PdbObject;
    }
  }
}

/** UpdateDisruptionAllowedCondition: True with SufficientPods while disruptions are allowed, else False with InsufficientPods. */
export function setDisruptionAllowedCondition(pdb: PodDisruptionBudget, now: Date): void {
  const status = (pdb.status ??= { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  const allowed = status.disruptionsAllowed > 0;
  const want = allowed
    ? { status: 'True' as const, reason: 'SufficientPods', message: '' }
    : { status: 'False' as const, reason: 'InsufficientPods', message: '' };
  const conditions = status.conditions ?? [];
  const old = conditions.find((c) => c.type === disruptionAllowedCondition);
  const lastTransitionTime = old && old.status === want.status ? old.lastTransitionTime : rfc3339(now);
  const cond = { type: disruptionAllowedCondition, ...want, observedGeneration: status.observedGeneration ?? 0, lastTransitionTime };
  status.conditions = [...conditions.filter((c) => c.type !== disruptionAllowedCondition), cond];
}

/** addConditionAndDeletePod: DisruptionTarget on the pod's status (checked against the preconditions), then the delete. */
async function deleteWithCondition(deps: EvictionDeps, namespace: string, name: string, options: DeleteOptions, now: () => Date): Promise<void> {
  const o = structuredClone(options);
  if (!o.dryRun) {
    const updated = await deps.pods.guaranteedUpdate(
      namespace,
      name,
      (current) => {
        const pre = o.preconditions;
        if (pre?.uid && pre.uid !== current.metadata.uid) {
          throw errors.conflict('Pod', '', name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${current.metadata.uid}). The object might have been deleted and then recreated`);
        }
        if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
          throw errors.conflict('Pod', '', name, `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${current.metadata.resourceVersion}). The object might have been modified`);
        }
        // Unpinned: a concurrent status write is retried on, with the preconditions checked again.
        delete current.metadata.resourceVersion;
        const pod = current as PodObject;
        const status = (pod.status ??= {});
        const conditions = status.conditions ?? [];
        const old = conditions.find((c) => c.type === 'DisruptionTarget');
        const want = { status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' };
        if (old && old.status === want.status && old.reason === want.reason && old.message === want.message) return current;
        status.conditions = [
          ...conditions.filter((c) => c.type !== 'DisruptionTarget'),
          { type: 'DisruptionTarget', ...want, lastProbeTime: null, lastTransitionTime: old?.status === 'True' ? (old.lastTransitionTime ?? rfc3339(now())) : rfc3339(now()) },
        ];
        return current;
      },
      { subresource: 'status' },
    );
    // The condition was this eviction's own write: a pinned version moves with it.
    if (o.preconditions?.resourceVersion) o.preconditions.resourceVersion = updated.metadata.resourceVersion;
  }
  await deps.pods.delete(namespace, name, o);
}
