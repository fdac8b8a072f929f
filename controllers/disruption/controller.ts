// The disruption controller (Kubernetes' pkg/controller/disruption): keeps
// every PodDisruptionBudget's status (expected, desired and current healthy
// pods, disruptionsAllowed, the DisruptionAllowed condition) in step with
// the pods it selects, which is what the eviction API decides by. When the
// status cannot be computed it is set to allow no disruption (fail safe).
import type { KubeObject } from '../../src/api/meta.js';
import type { PodDisruptionBudget } from '../../src/api/policy/v1.js';
import { EventRecorder, isConflict, rfc3339, type Informer, type ResourceClient, type ResourceRef } from '../../src/client/index.js';
import { selectorFromLabelSelector } from '../../src/machinery/labels.js';
import { errorMessage, QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
import { getControllerOf } from '../common/controller-ref.js';
import type { PodObject } from '../replicaset/pods.js';
import { budgetStatus, countHealthy, expectedPods, liveDisruptedPods, statusUpToDate, withAllowedCondition } from './budget.js';

export const disruptionControllerName = 'disruption';

export type PdbObject = PodDisruptionBudget & KubeObject;
type ScaledObject = KubeObject & { spec?: { replicas?: number } };

export const pdbsRef: ResourceRef = { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', namespaced: true };
const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const replicaSetsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true };
const deploymentsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true };
const statefulSetsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'statefulsets', namespaced: true };

export interface DisruptionControllerOptions {
  workers?: number;
  now?: () => number;
}

export class DisruptionController extends QueueController {
  readonly recorder: EventRecorder;
  private readonly pdbs: Informer<PdbObject>;
  private readonly pods: Informer<PodObject>;
  private readonly replicaSets: Informer<ScaledObject>;
  private readonly deployments: Informer<ScaledObject>;
  private readonly statefulSets: Informer<ScaledObject>;
  private readonly client: ResourceClient<PdbObject>;
  private readonly now: () => number;

  constructor(ctx: ControllerContext, opts: DisruptionControllerOptions = {}) {
    super(ctx, { name: disruptionControllerName, workers: opts.workers ?? 1 });
    const clock = ctx.clock;
    this.now = opts.now ?? (clock ? () => clock.now() : Date.now);
    this.recorder = new EventRecorder(ctx.client, { component: 'controllermanager', involvedKind: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' }, log: ctx.log, now: this.now });
    this.client = ctx.client.resource<PdbObject>(pdbsRef);
    this.pdbs = this.waitsFor(ctx.informers.informerFor<PdbObject>(pdbsRef));
    this.pods = this.waitsFor(ctx.informers.informerFor<PodObject>(podsRef));
    this.replicaSets = this.waitsFor(ctx.informers.informerFor<ScaledObject>(replicaSetsRef));
    this.deployments = this.waitsFor(ctx.informers.informerFor<ScaledObject>(deploymentsRef));
    this.statefulSets = this.waitsFor(ctx.informers.informerFor<ScaledObject>(statefulSetsRef));
    this.pdbs.addEventHandler(this.enqueueHandlers());
    this.pods.addEventHandler({
      onAdd: (pod) => this.enqueueBudgetsOf(pod),
      onUpdate: (old, pod) => {
        this.enqueueBudgetsOf(pod);
        if (JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {})) this.enqueueBudgetsOf(old);
      },
      onDelete: (pod) => this.enqueueBudgetsOf(pod),
    });
  }

  private enqueueBudgetsOf(pod: PodObject): void {
    for (const pdb of this.budgetsSelecting(pod)) this.enqueue(pdb);
  }

  private budgetsSelecting(pod: PodObject): PdbObject[] {
    return this.pdbs.list(pod.metadata.namespace ?? '').filter((pdb) => {
      try {
        return selectorFromLabelSelector(pdb.spec.selector).matches(pod.metadata.labels ?? {});
      } catch {
        return false;
      }
    });
  }

  /** The finders: the controller whose replica count the pod is one of (a Deployment for its ReplicaSets' pods). */
  private scaleOf(pod: PodObject): { uid: string; scale: number } | undefined {
    const ref = getControllerOf(pod);
    if (!ref) return undefined;
    const ns = pod.metadata.namespace ?? '';
    const lookup = (informer: Informer<ScaledObject>, name: string, uid: string): ScaledObject | undefined => {
      const obj = informer.get(`${ns}/${name}`);
      return obj && obj.metadata.uid === uid ? obj : undefined;
    };
    if (ref.kind === 'ReplicaSet' && ref.apiVersion.startsWith('apps/')) {
      const rs = lookup(this.replicaSets, ref.name, ref.uid);
      if (rs) {
        const owner = getControllerOf(rs);
        if (owner?.kind === 'Deployment') {
          const dep = lookup(this.deployments, owner.name, owner.uid);
          if (dep) return { uid: dep.metadata.uid ?? '', scale: dep.spec?.replicas ?? 1 };
        } else {
          return { uid: rs.metadata.uid ?? '', scale: rs.spec?.replicas ?? 1 };
        }
      }
    }
    if (ref.kind === 'StatefulSet' && ref.apiVersion.startsWith('apps/')) {
      const sts = lookup(this.statefulSets, ref.name, ref.uid);
      if (sts) return { uid: sts.metadata.uid ?? '', scale: sts.spec?.replicas ?? 1 };
    }
    throw new Error(`found no controllers for pod "${pod.metadata.name ?? ''}"`);
  }

  protected async sync(key: string): Promise<SyncResult> {
    const cached = this.pdbs.get(key);
    if (!cached) return;
    const pdb = structuredClone(cached);
    try {
      return await this.trySync(pdb);
    } catch (err) {
      if (isConflict(err)) throw err;
      this.log.warn({ pdb: key, err: errorMessage(err) }, 'could not compute the budget; allowing no disruption');
      await this.failSafe(pdb, err);
      throw err;
    }
  }

  private async trySync(pdb: PdbObject): Promise<SyncResult> {
    let selector;
    try {
      selector = selectorFromLabelSelector(pdb.spec.selector);
    } catch (err) {
      throw new Error(`invalid selector: ${errorMessage(err)}`);
    }
    const pods = this.pods.list(pdb.metadata.namespace ?? '').filter((p) => selector.matches(p.metadata.labels ?? {}));
    if (pods.length === 0) this.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    let expected;
    try {
      expected = expectedPods(pdb, pods, (pod) => this.scaleOf(pod));
    } catch (err) {
      this.recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${errorMessage(err)}`);
      throw err;
    }
    if (expected.unmanaged.length > 0) {
      this.recorder.event(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec.selector ?? null)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    const now = this.now();
    const { disrupted, overdue, recheckAt } = liveDisruptedPods(pdb, pods, now);
    for (const name of overdue) {
      const pod = pods.find((p) => p.metadata.name === name);
      if (pod) this.recorder.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.name} to be deleted but it wasn't`);
    }
    const currentHealthy = countHealthy(pods, disrupted, now);
    const status = budgetStatus(pdb, { currentHealthy, desiredHealthy: expected.desiredHealthy, expectedCount: expected.expectedCount, disrupted }, rfc3339(now));
    if (!statusUpToDate(pdb.status, status)) {
      await this.client.updateStatus(pdb.metadata.namespace, { ...pdb, status });
    }
    if (recheckAt !== undefined) return { requeueAfterMs: Math.max(1, recheckAt - now) };
  }

  private async failSafe(pdb: PdbObject, cause: unknown): Promise<void> {
    const status = { ...(pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 }), disruptionsAllowed: 0 };
    status.conditions = withAllowedCondition(status, ['False', 'SyncFailed', errorMessage(cause)], rfc3339(this.now()));
    try {
      await this.client.updateStatus(pdb.metadata.namespace, { ...pdb, status });
    } catch (err) {
      this.log.warn({ pdb: pdb.metadata.name, err: errorMessage(err) }, 'could not write the fail-safe status');
    }
  }
}

export function disruptionController(opts: DisruptionControllerOptions = {}): ControllerDescriptor {
  return { name: disruptionControllerName, init: (ctx) => new DisruptionController(ctx, opts) };
}
