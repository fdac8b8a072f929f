// Scheduling constraints in a pod spec: node selectors and affinity, pod
// (anti-)affinity, tolerations and topology spread constraints.
import { fieldErrors, type FieldErrors, type FieldPath } from '../validation/field.js';
import { isValidLabelValue, nameIsDNSLabel, nameIsDNSSubdomain, validateLabelName, validateLabelSelector } from '../validation/names.js';
import { messagesAt } from './field-checks.js';
import type {
  Affinity,
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PodAffinityTerm,
  Toleration,
  TopologySpreadConstraint,
} from './v1.js';

const IS_NOT_POSITIVE_ERROR = 'must be greater than zero';

const NODE_SELECTOR_OPERATORS_MSG = 'not a valid selector operator';

function validateNodeSelectorRequirement(req: NodeSelectorRequirement, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(fieldErrors.required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        errs.push(fieldErrors.forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      }
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) {
        errs.push(fieldErrors.required(path.child('values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      }
      break;
    default:
      errs.push(fieldErrors.invalid(path.child('operator'), req.operator, NODE_SELECTOR_OPERATORS_MSG));
  }
  errs.push(...validateLabelName(req.key, path.child('key')));
  values.forEach((v, i) => errs.push(...messagesAt(isValidLabelValue(v), path.child('values').index(i), v)));
  return errs;
}

function validateNodeFieldSelectorRequirement(req: NodeSelectorRequirement, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  const values = req.values ?? [];
  if (req.operator === 'In' || req.operator === 'NotIn') {
    if (values.length !== 1) {
      errs.push(
        fieldErrors.required(path.child('values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"),
      );
    }
  } else {
    errs.push(fieldErrors.invalid(path.child('operator'), req.operator, NODE_SELECTOR_OPERATORS_MSG));
  }
  if (req.key !== 'metadata.name') {
    errs.push(fieldErrors.invalid(path.child('key'), req.key, 'not a valid field selector key'));
  } else {
    values.forEach((v, i) => errs.push(...messagesAt(nameIsDNSSubdomain(v, false), path.child('values').index(i), v)));
  }
  return errs;
}

function validateNodeSelectorTerm(term: NodeSelectorTerm, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  (term.matchExpressions ?? []).forEach((r, j) => errs.push(...validateNodeSelectorRequirement(r, path.child('matchExpressions').index(j))));
  (term.matchFields ?? []).forEach((r, j) => errs.push(...validateNodeFieldSelectorRequirement(r, path.child('matchFields').index(j))));
  return errs;
}

export function validateNodeSelector(sel: NodeSelector, path: FieldPath): FieldErrors {
  const termsPath = path.child('nodeSelectorTerms');
  if (sel.nodeSelectorTerms.length === 0) return [fieldErrors.required(termsPath, 'must have at least one node selector term')];
  return sel.nodeSelectorTerms.flatMap((t, i) => validateNodeSelectorTerm(t, termsPath.index(i)));
}

const weightError = (weight: number, path: FieldPath): FieldErrors =>
  weight <= 0 || weight > 100 ? [fieldErrors.invalid(path, weight, 'must be in the range 1-100')] : [];

function validatePodAffinityTerm(term: PodAffinityTerm, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  errs.push(...validateLabelSelector(term.labelSelector, path.child('labelSelector')));
  errs.push(...validateLabelSelector(term.namespaceSelector, path.child('namespaceSelector')));
  for (const ns of term.namespaces ?? []) {
    errs.push(...messagesAt(nameIsDNSLabel(ns, false), path.child('namespace'), ns));
  }
  if (!term.topologyKey) errs.push(fieldErrors.required(path.child('topologyKey'), 'can not be empty'));
  errs.push(...validateLabelName(term.topologyKey, path.child('topologyKey')));
  return errs;
}

export function validateAffinity(a: Affinity | undefined, path: FieldPath): FieldErrors {
  if (!a) return [];
  const errs: FieldErrors = [];
  const na = a.nodeAffinity;
  if (na) {
    const np = path.child('nodeAffinity');
    if (na.requiredDuringSchedulingIgnoredDuringExecution) {
      errs.push(...validateNodeSelector(na.requiredDuringSchedulingIgnoredDuringExecution, np.child('requiredDuringSchedulingIgnoredDuringExecution')));
    }
    (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => {
      const p = np.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
      errs.push(...weightError(t.weight, p.child('weight')));
      errs.push(...validateNodeSelectorTerm(t.preference, p.child('preference')));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = a[kind];
    if (!pa) continue;
    const pp = path.child(kind);
    (pa.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => {
      errs.push(...validatePodAffinityTerm(t, pp.child('requiredDuringSchedulingIgnoredDuringExecution').index(i)));
    });
    (pa.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => {
      const p = pp.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
      errs.push(...weightError(t.weight, p.child('weight')));
      errs.push(...validatePodAffinityTerm(t.podAffinityTerm, p.child('podAffinityTerm')));
    });
  }
  return errs;
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTaintEffect(effect: string, allowEmpty: boolean, path: FieldPath): FieldErrors {
  if (!allowEmpty && !effect) return [fieldErrors.required(path, '')];
  return TAINT_EFFECTS.includes(effect) ? [] : [fieldErrors.notSupported(path, effect, TAINT_EFFECTS)];
}

export function validateTolerations(tolerations: Toleration[] | undefined, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = path.index(i);
    const key = t.key ?? '';
    const op = t.operator ?? '';
    if (key) errs.push(...validateLabelName(key, p.child('key')));
    if (!key && op !== 'Exists') {
      errs.push(
        fieldErrors.invalid(p.child('operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'),
      );
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errs.push(fieldErrors.invalid(p.child('effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (op) {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(t.value ?? '');
        if (msgs.length > 0) errs.push(fieldErrors.invalid(p.child('operator'), t.value ?? '', msgs.join(';')));
        break;
      }
      case 'Exists':
        if (t.value) errs.push(fieldErrors.invalid(p.child('operator'), t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(fieldErrors.notSupported(p.child('operator'), op, ['Equal', 'Exists']));
    }
    if (t.effect) errs.push(...validateTaintEffect(t.effect, true, p.child('effect')));
  });
  return errs;
}

export function validateTopologySpreadConstraints(cs: TopologySpreadConstraint[] | undefined, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  const list = cs ?? [];
  list.forEach((c, i) => {
    const p = path.index(i);
    if (c.maxSkew <= 0) errs.push(fieldErrors.invalid(p.child('maxSkew'), c.maxSkew, IS_NOT_POSITIVE_ERROR));
    if (!c.topologyKey) errs.push(fieldErrors.required(p.child('topologyKey'), 'can not be empty'));
    if (!['DoNotSchedule', 'ScheduleAnyway'].includes(c.whenUnsatisfiable)) {
      errs.push(fieldErrors.notSupported(p.child('whenUnsatisfiable'), c.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway']));
    }
    if (list.slice(i + 1).some((o) => o.topologyKey === c.topologyKey && o.whenUnsatisfiable === c.whenUnsatisfiable)) {
      errs.push(fieldErrors.duplicate(p.child('{topologyKey, whenUnsatisfiable}'), `{${c.topologyKey}, ${c.whenUnsatisfiable}}`));
    }
    if (c.minDomains !== undefined) {
      if (c.minDomains <= 0) errs.push(fieldErrors.invalid(p.child('minDomains'), c.minDomains, IS_NOT_POSITIVE_ERROR));
      if (c.whenUnsatisfiable !== 'DoNotSchedule') {
        errs.push(
          fieldErrors.invalid(
            p.child('minDomains'),
            c.minDomains,
            `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${c.whenUnsatisfiable}`,
          ),
        );
      }
    }
    for (const [field, value] of [
      ['nodeAffinityPolicy', c.nodeAffinityPolicy],
      ['nodeTaintsPolicy', c.nodeTaintsPolicy],
    ] as const) {
      if (value !== undefined && !['Honor', 'Ignore'].includes(value)) {
        errs.push(fieldErrors.notSupported(p.child(field), value, ['Honor', 'Ignore']));
      }
    }
    errs.push(...validateLabelSelector(c.labelSelector, p.child('labelSelector')));
  });
  return errs;
}
