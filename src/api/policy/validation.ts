// policy/v1 PodDisruptionBudget validation (k8s.io/kubernetes/pkg/apis/policy/validation).
import { validateIntOrPercent } from '../apps/intstr.js';
import { fieldErrors, FieldPath, type FieldErrors } from '../validation/field.js';
import { nameIsDNSSubdomain, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from '../validation/names.js';
import type { IntOrString } from '../core/primitives.js';
import type { PodDisruptionBudget } from './v1.js';

export const UNHEALTHY_POD_EVICTION_POLICIES = ['IfHealthyBudget', 'AlwaysAllow'];

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent. */
function validateBudgetValue(v: IntOrString, path: FieldPath): FieldErrors {
  const errs = validateIntOrPercent(v, path);
  if (errs.length === 0 && typeof v === 'string' && Number.parseInt(v, 10) > 100) {
    errs.push(fieldErrors.invalid(path, v, 'must not be greater than 100%'));
  }
  return errs;
}

export function validatePodDisruptionBudget(pdb: PodDisruptionBudget, old?: PodDisruptionBudget): FieldErrors {
  const metaPath = FieldPath.root('metadata');
  const errs = old
    ? validateObjectMetaUpdate(pdb.metadata, old.metadata, metaPath)
    : validateObjectMeta(pdb.metadata, true, nameIsDNSSubdomain, metaPath);
  const spec = pdb.spec;
  const path = FieldPath.root('spec');
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(fieldErrors.invalid(path, spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  if (spec.minAvailable !== undefined) errs.push(...validateBudgetValue(spec.minAvailable, path.child('minAvailable')));
  if (spec.maxUnavailable !== undefined) errs.push(...validateBudgetValue(spec.maxUnavailable, path.child('maxUnavailable')));
  errs.push(...validateLabelSelector(spec.selector, path.child('selector')));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && !UNHEALTHY_POD_EVICTION_POLICIES.includes(policy)) {
    errs.push(fieldErrors.notSupported(path.child('unhealthyPodEvictionPolicy'), policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  const status = pdb.status;
  if (status) {
    const sp = FieldPath.root('status');
    for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] as const) {
      if (status[f] < 0) errs.push(fieldErrors.invalid(sp.child(f), status[f], 'must be greater than or equal to 0'));
    }
  }
  return errs;
}
