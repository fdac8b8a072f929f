// coordination.k8s.io/v1 Lease validation (k8s.io/kubernetes/pkg/apis/coordination/validation).
import { isQualifiedName } from '../../machinery/names.js';
import { fieldErrors, FieldPath, type FieldErrors } from '../validation/field.js';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../validation/names.js';
import type { Lease, LeaseSpec } from './v1.js';

/** The strategies Kubernetes itself defines; others must be "example.com/name". */
export const LEASE_STRATEGIES = ['OldestEmulationVersion'];

function validateStrategy(strategy: string, path: FieldPath): FieldErrors {
  // Kubernetes reports these one level down, at spec.strategy.strategy.
  const p = path.child('strategy');
  if (!strategy.includes('/')) {
    return LEASE_STRATEGIES.includes(strategy) ? [] : [fieldErrors.notSupported(p, strategy, LEASE_STRATEGIES)];
  }
  return isQualifiedName(strategy).map((m) => fieldErrors.invalid(p, strategy, m));
}

function validateLeaseSpec(s: LeaseSpec): FieldErrors {
  const path = FieldPath.root('spec');
  const errs: FieldErrors = [];
  if (s.leaseDurationSeconds !== undefined && s.leaseDurationSeconds <= 0) {
    errs.push(fieldErrors.invalid(path.child('leaseDurationSeconds'), s.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (s.leaseTransitions !== undefined && s.leaseTransitions < 0) {
    errs.push(fieldErrors.invalid(path.child('leaseTransitions'), s.leaseTransitions, 'must be greater than or equal to 0'));
  }
  if (s.strategy !== undefined) errs.push(...validateStrategy(s.strategy, path.child('strategy')));
  if (s.preferredHolder && !s.strategy) {
    errs.push(fieldErrors.forbidden(path.child('preferredHolder'), 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

export function validateLease(lease: Lease, old?: Lease): FieldErrors {
  const metaPath = FieldPath.root('metadata');
  const meta = old
    ? validateObjectMetaUpdate(lease.metadata, old.metadata, metaPath)
    : validateObjectMeta(lease.metadata, true, nameIsDNSSubdomain, metaPath);
  return [...meta, ...validateLeaseSpec(lease.spec)];
}
