// What `rollout status` says about a Deployment, DaemonSet or StatefulSet
// (kubectl's status viewers): a line for where the rollout stands, whether it
// is done, or why it cannot finish.
import type { DaemonSet, Deployment, StatefulSet } from '../../api/apps/v1.js';
import type { ResourceInfo } from '../../api/resource.js';
import { CliError } from '../action.js';
import { revisionAnnotation } from '../../../controllers/deployment/replicasets.js';

export interface RolloutStatus {
  message: string;
  done: boolean;
}

/** deploymentutil.Revision: the revision annotation as a number, 0 when absent. */
function deploymentRevision(d: Deployment): number {
  const v = d.metadata.annotations?.[revisionAnnotation];
  if (v === undefined) return 0;
  const n = Number(v);
  if (!/^-?\d+$/.test(v)) throw new CliError(`cannot get the revision of deployment "${d.metadata.name ?? ''}": strconv.ParseInt: parsing "${v}": invalid syntax`);
  return n;
}

export function deploymentStatus(d: Deployment, revision: number): RolloutStatus {
  const name = d.metadata.name ?? '';
  if (revision > 0) {
    const current = deploymentRevision(d);
    if (revision !== current) throw new CliError(`desired revision (${revision}) is different from the running revision (${current})`);
  }
  const st = d.status ?? {};
  if ((d.metadata.generation ?? 0) <= (st.observedGeneration ?? 0)) {
    const progressing = st.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') throw new CliError(`deployment "${name}" exceeded its progress deadline`);
    const updated = st.updatedReplicas ?? 0;
    if (d.spec.replicas !== undefined && updated < d.spec.replicas) {
      return {
        message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${d.spec.replicas} new replicas have been updated...\n`,
        done: false,
      };
    }
    if ((st.replicas ?? 0) > updated) {
      return { message: `Waiting for deployment "${name}" rollout to finish: ${(st.replicas ?? 0) - updated} old replicas are pending termination...\n`, done: false };
    }
    if ((st.availableReplicas ?? 0) < updated) {
      return {
        message: `Waiting for deployment "${name}" rollout to finish: ${st.availableReplicas ?? 0} of ${updated} updated replicas are available...\n`,
        done: false,
      };
    }
    return { message: `deployment "${name}" successfully rolled out\n`, done: true };
  }
  return { message: 'Waiting for deployment spec update to be observed...\n', done: false };
}

export function daemonSetStatus(ds: DaemonSet): RolloutStatus {
  const name = ds.metadata.name ?? '';
  if (ds.spec.updateStrategy?.type !== 'RollingUpdate') {
    throw new CliError('rollout status is only available for RollingUpdate strategy type');
  }
  const st = ds.status ?? {};
  if ((ds.metadata.generation ?? 0) <= (st.observedGeneration ?? 0)) {
    const desired = st.desiredNumberScheduled ?? 0;
    if ((st.updatedNumberScheduled ?? 0) < desired) {
      return {
        message: `Waiting for daemon set "${name}" rollout to finish: ${st.updatedNumberScheduled ?? 0} out of ${desired} new pods have been updated...\n`,
        done: false,
      };
    }
    if ((st.numberAvailable ?? 0) < desired) {
      return { message: `Waiting for daemon set "${name}" rollout to finish: ${st.numberAvailable ?? 0} of ${desired} updated pods are available...\n`, done: false };
    }
    return { message: `daemon set "${name}" successfully rolled out\n`, done: true };
  }
  return { message: 'Waiting for daemon set spec update to be observed...\n', done: false };
}

export function statefulSetStatus(sts: StatefulSet): RolloutStatus {
  const strategy = sts.spec.updateStrategy;
  if (strategy?.type !== 'RollingUpdate') throw new CliError('rollout status is only available for RollingUpdate strategy type');
  const st = sts.status ?? {};
  if (!st.observedGeneration || (sts.metadata.generation ?? 0) > st.observedGeneration) {
    return { message: 'Waiting for statefulset spec update to be observed...\n', done: false };
  }
  const replicas = sts.spec.replicas;
  if (replicas !== undefined && (st.readyReplicas ?? 0) < replicas) {
    return { message: `Waiting for ${replicas - (st.readyReplicas ?? 0)} pods to be ready...\n`, done: false };
  }
  if (strategy.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (replicas !== undefined && partition !== undefined && (st.updatedReplicas ?? 0) < replicas - partition) {
      return {
        message: `Waiting for partitioned roll out to finish: ${st.updatedReplicas ?? 0} out of ${replicas - partition} new pods have been updated...\n`,
        done: false,
      };
    }
    return { message: `partitioned roll out complete: ${st.updatedReplicas ?? 0} new pods have been updated...\n`, done: true };
  }
  if (st.updateRevision !== st.currentRevision) {
    return {
      message: `waiting for statefulset rolling update to complete ${st.updatedReplicas ?? 0} pods at revision ${st.updateRevision ?? ''}...\n`,
      done: false,
    };
  }
  return { message: `statefulset rolling update complete ${st.currentReplicas ?? 0} pods at revision ${st.currentRevision ?? ''}...\n`, done: true };
}

export type StatusViewer = (obj: unknown, revision: number) => RolloutStatus;

/** StatusViewerFor: the viewer for a resource, or kubectl's refusal. */
export function statusViewerFor(info: Pick<ResourceInfo, 'group' | 'kind'>): StatusViewer {
  if (info.group === 'apps') {
    if (info.kind === 'Deployment') return (obj, revision) => deploymentStatus(obj as Deployment, revision);
    if (info.kind === 'DaemonSet') return (obj) => daemonSetStatus(obj as DaemonSet);
    if (info.kind === 'StatefulSet') return (obj) => statefulSetStatus(obj as StatefulSet);
  }
  throw new CliError(`no status viewer has been implemented for ${info.group ? `${info.kind}.${info.group}` : info.kind}`);
}
