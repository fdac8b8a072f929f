// Validation of resource names and quantities (container requests and
// limits, pod overhead, node capacity), after pkg/apis/core/validation.
import type { Quantity } from '../../machinery/quantity.js';
import { fieldErrors, type FieldErrors, type FieldPath } from '../validation/field.js';
import { isQualifiedName } from '../validation/names.js';
import { parseQuantityResult, ZERO_QUANTITY } from './quantities.js';
import type { ResourceRequirements } from './v1.js';

export const IS_NEGATIVE_ERROR = 'must be greater than or equal to 0';
export const IS_NOT_INTEGER_ERROR = 'must be an integer';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const HUGEPAGES_PREFIX = 'hugepages-';
const REQUESTS_PREFIX = 'requests.';
const DEFAULT_NAMESPACE_PREFIX = 'kubernetes.io/';

const isHugePages = (name: string): boolean => name.startsWith(HUGEPAGES_PREFIX);

/** Native resources have no domain or the kubernetes.io one. */
const isNativeResource = (name: string): boolean => !name.includes('/') || name.includes(DEFAULT_NAMESPACE_PREFIX);

const isExtendedResource = (name: string): boolean => {
  if (isNativeResource(name) || name.startsWith(REQUESTS_PREFIX)) return false;
  return isQualifiedName(REQUESTS_PREFIX + name).length === 0;
};

/** Extended resources (and hugepages) cannot be overcommitted: requests must equal limits. */
const isOvercommitAllowed = (name: string): boolean => isNativeResource(name) && !isHugePages(name);

/** Extended resources are counted in whole units. */
const isIntegerResource = (name: string): boolean => isExtendedResource(name);

/** Parses a quantity for validation; an unparsable one is an error at `path`. */
export function quantityAt(raw: string, path: FieldPath, errs: FieldErrors): Quantity | undefined {
  const r = parseQuantityResult(raw);
  if (r.ok) return r.quantity;
  errs.push(fieldErrors.invalid(path, raw, r.message));
  return undefined;
}

export function validateResourceName(name: string, path: FieldPath): FieldErrors {
  return isQualifiedName(name).map((m) => fieldErrors.invalid(path, name, m));
}

function validateContainerResourceName(name: string, path: FieldPath): FieldErrors {
  const errs = validateResourceName(name, path);
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) {
      errs.push(fieldErrors.invalid(path, name, 'must be a standard resource for containers'));
    }
  } else if (!isNativeResource(name) && !isExtendedResource(name)) {
    errs.push(fieldErrors.invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** ValidateResourceQuantityValue: never negative, and whole for extended resources. */
export function validateResourceQuantityValue(name: string, q: Quantity, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  if (q.cmp(ZERO_QUANTITY) < 0) errs.push(fieldErrors.invalid(path, q.toString(), IS_NEGATIVE_ERROR));
  if (isIntegerResource(name) && q.milliValueBig() % 1000n !== 0n) {
    errs.push(fieldErrors.invalid(path, q.toString(), IS_NOT_INTEGER_ERROR));
  }
  return errs;
}

/** A ResourceList of any kind (overhead, capacity): names qualified, values valid. */
export function validateResourceList(
  list: Record<string, string> | undefined,
  pathOf: (name: string) => FieldPath,
): FieldErrors {
  const errs: FieldErrors = [];
  for (const [name, raw] of Object.entries(list ?? {})) {
    const path = pathOf(name);
    errs.push(...validateResourceName(name, path));
    const q = quantityAt(raw, path, errs);
    if (q) errs.push(...validateResourceQuantityValue(name, q, path));
  }
  return errs;
}

/**
 * ValidateResourceRequirements for a container: standard or extended names,
 * valid quantities, and each request at most its limit (equal to it for
 * resources that cannot be overcommitted).
 */
export function validateContainerResources(
  res: ResourceRequirements | undefined,
  podClaimNames: Set<string>,
  path: FieldPath,
): FieldErrors {
  const errs: FieldErrors = [];
  if (!res) return errs;
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  const limits = new Map<string, Quantity>();
  for (const [name, raw] of Object.entries(res.limits ?? {})) {
    const p = limPath.key(name);
    errs.push(...validateContainerResourceName(name, p));
    const q = quantityAt(raw, p, errs);
    if (!q) continue;
    limits.set(name, q);
    errs.push(...validateResourceQuantityValue(name, q, p));
  }
  for (const [name, raw] of Object.entries(res.requests ?? {})) {
    const p = reqPath.key(name);
    errs.push(...validateContainerResourceName(name, p));
    const q = quantityAt(raw, p, errs);
    if (!q) continue;
    errs.push(...validateResourceQuantityValue(name, q, p));
    const limit = limits.get(name);
    if (limit) {
      if (q.cmp(limit) !== 0 && !isOvercommitAllowed(name)) {
        errs.push(fieldErrors.invalid(reqPath, q.toString(), `must be equal to ${name} limit of ${limit.toString()}`));
      } else if (q.cmp(limit) > 0) {
        errs.push(fieldErrors.invalid(reqPath, q.toString(), `must be less than or equal to ${name} limit of ${limit.toString()}`));
      }
    } else if (!isOvercommitAllowed(name) && !(name in (res.limits ?? {}))) {
      errs.push(fieldErrors.required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  const claimNames = new Set<string>();
  (res.claims ?? []).forEach((claim, i) => {
    const p = path.child('claims').index(i);
    if (!claim.name) {
      errs.push(fieldErrors.required(p.child('name'), ''));
    } else if (claimNames.has(claim.name)) {
      errs.push(fieldErrors.duplicate(p.child('name'), claim.name));
    } else {
      claimNames.add(claim.name);
      if (!podClaimNames.has(claim.name)) {
        const known = [...podClaimNames].sort();
        errs.push(
          fieldErrors.invalid(
            p.child('name'),
            claim.name,
            known.length === 0
              ? 'must be one of the names in pod.spec.resourceClaims which is empty'
              : `must be one of the names in pod.spec.resourceClaims: ${known.join(', ')}`,
          ),
        );
      }
    }
  });
  return errs;
}
