// `rollout history`: the revisions a workload went through (a Deployment's
// ReplicaSets, a DaemonSet's or StatefulSet's ControllerRevisions) with
// their change causes, or the pod template of one revision.
import type { ControllerRevision, ReplicaSet } from '../../api/apps/v1.js';
import type { PodTemplateSpec } from '../../api/core/v1.js';
import { templateFromRevision } from '../../../controllers/common/controller-revision.js';
import { revisionAnnotation } from '../../../controllers/deployment/replicasets.js';
import { CliError } from '../action.js';
import { describePodTemplate } from '../describe/podtemplate.js';
import { formatTabbed } from '../describe/tabwriter.js';
import { PrefixWriter } from '../describe/writer.js';

export const changeCauseAnnotation = 'kubernetes.io/change-cause';

/** One revision: its number, pod template and change cause. */
export interface Revision {
  revision: number;
  template: PodTemplateSpec;
  changeCause: string;
}

/** A Deployment's revisions from its ReplicaSets; a later ReplicaSet with the same revision wins, as in kubectl. */
export function deploymentRevisions(rss: ReplicaSet[]): Map<number, Revision> {
  const out = new Map<number, Revision>();
  for (const rs of rss) {
    const v = rs.metadata.annotations?.[revisionAnnotation];
    if (v === undefined || !/^-?\d+$/.test(v)) continue;
    out.set(Number(v), {
      revision: Number(v),
      template: rs.spec.template,
      changeCause: rs.metadata.annotations?.[changeCauseAnnotation] ?? '',
    });
  }
  return out;
}

export function controllerRevisions(crs: ControllerRevision[]): Map<number, Revision> {
  const out = new Map<number, Revision>();
  for (const cr of crs) {
    const revision = cr.revision ?? 0;
    out.set(revision, { revision, template: templateFromRevision(cr) ?? {}, changeCause: cr.metadata.annotations?.[changeCauseAnnotation] ?? '' });
  }
  return out;
}

/** ViewHistory: the REVISION / CHANGE-CAUSE table, or one revision's pod template. */
export function viewHistory(revisions: Map<number, Revision>, revision: number): string {
  if (revisions.size === 0) return 'No rollout history found.';
  if (revision > 0) {
    const r = revisions.get(revision);
    if (!r) throw new CliError('unable to find the specified revision');
    return printTemplate(r.template);
  }
  const rows = [...revisions.values()].sort((a, b) => a.revision - b.revision);
  let text = 'REVISION\tCHANGE-CAUSE\n';
  for (const r of rows) text += `${r.revision}\t${r.changeCause || '<none>'}\n`;
  return formatTabbed(text, { minWidth: 0, padding: 2, padChar: ' ' });
}

/** printTemplate: kubectl writes it through a PrefixWriter without a tabwriter, so its tabs stay tabs. */
export function printTemplate(template: PodTemplateSpec): string {
  const w = new PrefixWriter(true);
  describePodTemplate(template, w);
  return w.toString();
}

/** What `rollout history` prints for one object: its name, the revision asked for, then the history. */
export function historyOutput(typeAndName: string, revision: number, history: string): string {
  return `${typeAndName} ${revision > 0 ? `with revision #${revision}` : ''}\n${history}\n`;
}
