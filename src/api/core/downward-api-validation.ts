// Downward API field and resource selectors (env valueFrom and downwardAPI
// volume items), after k8s.io/kubernetes/pkg/apis/core/validation.
import { fieldErrors, type FieldErrors, type FieldPath } from '../validation/field.js';
import { validateQualifiedName } from '../validation/names.js';
import { quantityAt } from './resources-validation.js';
import type { ObjectFieldSelector, ResourceFieldSelector } from './v1.js';

export const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
export const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
const RESOURCE_FIELD_PATHS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];
const RESOURCE_FIELD_PREFIXES = ['limits.hugepages-', 'requests.hugepages-'];
const CPU_DIVISORS = new Set(['1m', '1']);
const MEMORY_DIVISORS = new Set(['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei']);

/** metadata.labels['key'] style paths: the base path and the subscript. */
function splitSubscript(fieldPath: string): { path: string; subscript?: string } {
  const m = /^(.*)\['(.*)'\]$/.exec(fieldPath);
  return m ? { path: m[1]!, subscript: m[2]! } : { path: fieldPath };
}

/** The field paths the downward API can convert at all (ConvertDownwardAPIFieldLabel). */
const CONVERTIBLE_FIELD_PATHS = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

function convertFieldPath(apiVersion: string, fieldPath: string): string | undefined {
  if (apiVersion !== 'v1') return `unsupported pod version: ${apiVersion}`;
  const { path, subscript } = splitSubscript(fieldPath);
  if (subscript !== undefined) {
    return path === 'metadata.annotations' || path === 'metadata.labels'
      ? undefined
      : `field label does not support subscript: ${fieldPath}`;
  }
  return CONVERTIBLE_FIELD_PATHS.has(path) ? undefined : `field label not supported: ${fieldPath}`;
}

export function validateObjectFieldSelector(fs: ObjectFieldSelector, valid: string[], path: FieldPath): FieldErrors {
  if (!fs.apiVersion) return [fieldErrors.required(path.child('apiVersion'), '')];
  if (!fs.fieldPath) return [fieldErrors.required(path.child('fieldPath'), '')];
  const conversionError = convertFieldPath(fs.apiVersion, fs.fieldPath);
  if (conversionError) {
    return [fieldErrors.invalid(path.child('fieldPath'), fs.fieldPath, `error converting fieldPath: ${conversionError}`)];
  }
  const { path: base, subscript } = splitSubscript(fs.fieldPath);
  if (subscript !== undefined) {
    if (base === 'metadata.annotations') return validateQualifiedName(subscript.toLowerCase(), path);
    return validateQualifiedName(subscript, path);
  }
  if (!valid.includes(base)) return [fieldErrors.notSupported(path.child('fieldPath'), base, valid)];
  return [];
}

export function validateResourceFieldSelector(fs: ResourceFieldSelector, path: FieldPath, volume: boolean): FieldErrors {
  const errs: FieldErrors = [];
  if (volume && !fs.containerName) {
    errs.push(fieldErrors.required(path.child('containerName'), ''));
  } else if (!fs.resource) {
    errs.push(fieldErrors.required(path.child('resource'), ''));
  } else if (!RESOURCE_FIELD_PATHS.includes(fs.resource) && !RESOURCE_FIELD_PREFIXES.some((p) => fs.resource.startsWith(p))) {
    errs.push(fieldErrors.notSupported(path.child('resource'), fs.resource, RESOURCE_FIELD_PATHS));
  }
  if (fs.divisor !== undefined && fs.divisor !== '0') {
    const q = quantityAt(fs.divisor, path.child('divisor'), errs);
    const d = q?.toString();
    if (d !== undefined && d !== '0') {
      if ((fs.resource === 'limits.cpu' || fs.resource === 'requests.cpu') && !CPU_DIVISORS.has(d)) {
        errs.push(fieldErrors.invalid(path.child('divisor'), fs.resource, "only divisor's values 1m and 1 are supported with the cpu resource"));
      }
      if ((fs.resource === 'limits.memory' || fs.resource === 'requests.memory') && !MEMORY_DIVISORS.has(d)) {
        errs.push(
          fieldErrors.invalid(
            path.child('divisor'),
            fs.resource,
            "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource",
          ),
        );
      }
    }
  }
  return errs;
}
