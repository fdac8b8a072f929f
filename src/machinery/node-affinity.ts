// Node selectors and required node affinity (Kubernetes'
// component-helpers/scheduling/corev1/nodeaffinity, shared by the scheduler
// and the DaemonSet controller): whether a node's labels and name satisfy a
// node selector requirement, a term, and a pod's nodeSelector together with
// its required node affinity.
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from '../api/core/v1.js';

const INT_RE = /^[+-]?\d+$/;

/** One node selector requirement against a map of values (labels, or fields). */
export function nodeSelectorRequirementMatches(r: NodeSelectorRequirement, values: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(values, r.key);
  const v = has ? values[r.key]! : undefined;
  const list = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return v !== undefined && list.includes(v);
    case 'NotIn':
      return v === undefined || !list.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (v === undefined || list.length !== 1 || !INT_RE.test(v) || !INT_RE.test(list[0]!)) return false;
      const have = BigInt(v);
      const want = BigInt(list[0]!);
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** A term matches when all its expressions (on labels) and fields (metadata.name) match; an empty term matches nothing. */
export function termMatchesNode(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of exprs) if (!nodeSelectorRequirementMatches(r, labels)) return false;
  if (fields.length) {
    const fieldValues = { 'metadata.name': node.metadata.name ?? '' };
    for (const r of fields) {
      if (r.key !== 'metadata.name' || (r.operator !== 'In' && r.operator !== 'NotIn')) return false;
      if (!nodeSelectorRequirementMatches(r, fieldValues)) return false;
    }
  }
  return true;
}

/** The pod's nodeSelector and required node affinity (terms ORed), as NodeAffinity's filter applies them. */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return required.nodeSelectorTerms.some((t) => termMatchesNode(t, node));
}
