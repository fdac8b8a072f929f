// `rollout undo`, kubectl's client-side rollback. For a Deployment the pod
// template of the chosen revision's ReplicaSet (without its pod-template-hash
// label) and that ReplicaSet's annotations are written back with one JSON
// patch; for a DaemonSet or StatefulSet the chosen ControllerRevision's data,
// itself a strategic merge patch of the template, is applied. The controller
// then rolls out to it as it would to any new template.
import type { ControllerRevision, Deployment, ReplicaSet } from '../../api/apps/v1.js';
import type { PodTemplateSpec } from '../../api/core/v1.js';
import { templateFromRevision } from '../../../controllers/common/controller-revision.js';
import { canonicalJson } from '../../../controllers/deployment/hash.js';
import {
  annotationsNotCopied as annotationsToSkip,
  equalIgnoreHash,
  podTemplateHashLabel,
  revisionAnnotation,
} from '../../../controllers/deployment/replicasets.js';
import { CliError } from '../action.js';

export type RollbackPlan = { skipped: string } | { patch: { op: 'replace'; path: string; value: unknown }[]; revision: number };

function revisionOf(rs: ReplicaSet): number | undefined {
  const v = rs.metadata.annotations?.[revisionAnnotation];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * deploymentRevision: the ReplicaSet of toRevision, or for 0 the one before
 * the latest. rss are the Deployment's ReplicaSets, old and new.
 */
export function rollbackTarget(d: Deployment, rss: ReplicaSet[], toRevision: number): ReplicaSet {
  if (toRevision < 0) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  let latest: ReplicaSet | undefined;
  let latestRevision = -1;
  let previous: ReplicaSet | undefined;
  let previousRevision = -1;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (v === undefined) continue;
    if (toRevision === 0) {
      if (latestRevision < v) {
        previousRevision = latestRevision;
        previous = latest;
        latestRevision = v;
        latest = rs;
      } else if (previousRevision < v) {
        previousRevision = v;
        previous = rs;
      }
    } else if (toRevision === v) {
      return rs;
    }
  }
  if (toRevision > 0) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  if (!previous) throw new CliError(`no rollout history found for deployment "${d.metadata.name ?? ''}"`);
  return previous;
}

/** DeploymentRollbacker.Rollback without the writes: what to patch, or why nothing is done. */
export function planRollback(d: Deployment, rss: ReplicaSet[], toRevision: number): RollbackPlan {
  const target = rollbackTarget(d, rss, toRevision);
  if (d.spec.paused) {
    throw new CliError("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");
  }
  const revision = revisionOf(target) ?? toRevision;
  if (equalIgnoreHash(target.spec.template, d.spec.template)) {
    return { skipped: `skipped rollback (current template already matches revision ${toRevision})` };
  }
  const template = structuredClone(target.spec.template);
  if (template.metadata?.labels) delete template.metadata.labels[podTemplateHashLabel];
  const annotations: Record<string, string> = {};
  for (const k of annotationsToSkip) {
    const v = d.metadata.annotations?.[k];
    if (v !== undefined) annotations[k] = v;
  }
  for (const [k, v] of Object.entries(target.metadata.annotations ?? {})) {
    if (!annotationsToSkip.has(k)) annotations[k] = v;
  }
  return {
    revision,
    patch: [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ],
  };
}

/** findHistory: the revision asked for, or for 0 the one before the latest. */
export function revisionRollbackTarget(revisions: ControllerRevision[], toRevision: number): ControllerRevision {
  if (toRevision < 0) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  if (toRevision === 0) {
    if (revisions.length <= 1) throw new CliError('no last revision to roll back to');
    const sorted = [...revisions].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
    return sorted[sorted.length - 2]!;
  }
  const found = revisions.find((r) => r.revision === toRevision);
  if (!found) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  return found;
}

/** DaemonSetRollbacker and StatefulSetRollbacker without the write: the revision's data to patch with, or why nothing is done. */
export function planRevisionRollback(current: PodTemplateSpec, revisions: ControllerRevision[], toRevision: number): { skipped: string } | { patch: unknown } {
  const target = revisionRollbackTarget(revisions, toRevision);
  if (canonicalJson(templateFromRevision(target) ?? {}) === canonicalJson(current)) {
    return { skipped: `skipped rollback (current template already matches revision ${toRevision})` };
  }
  return { patch: target.data };
}
