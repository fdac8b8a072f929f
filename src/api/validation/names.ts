// The generic checks every kind uses (k8s.io/apimachinery's util/validation
// and api/validation): object names, ports, IPs, environment variable and
// config key names, and the label, annotation and label-selector checks that
// turn them into field errors. String checks return Kubernetes' messages,
// [] when valid; the DNS and qualified-name ones live in machinery/names.ts.
import { isIP } from 'node:net';
import type { LabelSelector, ObjectMeta, OwnerReference } from '../meta.js';
import {
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  maxLenError,
  regexError,
} from '../../machinery/names.js';
import { fieldErrors, type FieldErrors, type FieldPath } from './field.js';

export {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  maxLenError,
  regexError,
} from '../../machinery/names.js';

export const inclusiveRangeError = (lo: number, hi: number): string => `must be between ${lo} and ${hi}, inclusive`;

export function isValidPortNum(port: number): string[] {
  return port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

/** An IANA_SVC_NAME: what a named port may be called. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

const IP_ERROR = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

export function validateIP(value: string, path: FieldPath): FieldErrors {
  return isIP(value) === 0 ? [fieldErrors.invalid(path, value, IP_ERROR)] : [];
}

export function isValidCIDR(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const ip = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  const family = isIP(ip);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

const ENV_VAR_NAME_FMT = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const ENV_VAR_NAME_ERR =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
const envVarNameRe = new RegExp(`^${ENV_VAR_NAME_FMT}$`);

function hasChDirPrefix(v: string): string[] {
  if (v === '.') return ["must not be '.'"];
  if (v === '..') return ["must not be '..'"];
  if (v.startsWith('..')) return ["must not start with '..'"];
  return [];
}

export function isEnvVarName(v: string): string[] {
  const errs: string[] = [];
  if (!envVarNameRe.test(v)) errs.push(regexError(ENV_VAR_NAME_ERR, ENV_VAR_NAME_FMT, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1'));
  errs.push(...hasChDirPrefix(v));
  return errs;
}

const CONFIG_MAP_KEY_FMT = '[-._a-zA-Z0-9]+';
const CONFIG_MAP_KEY_ERR = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
const configMapKeyRe = new RegExp(`^${CONFIG_MAP_KEY_FMT}$`);

/** A key of ConfigMap or Secret data: it becomes a file name when mounted. */
export function isConfigMapKey(v: string): string[] {
  const errs: string[] = [];
  if (v.length > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!configMapKeyRe.test(v)) errs.push(regexError(CONFIG_MAP_KEY_ERR, CONFIG_MAP_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  errs.push(...hasChDirPrefix(v));
  return errs;
}

// ---- object names ----

/**
 * Validates an object's name; with prefix=true the value is a generateName,
 * whose trailing dash is fine because random characters follow it.
 */
export type NameValidator = (name: string, prefix: boolean) => string[];

const maskTrailingDash = (name: string): string => (name.length > 1 && name.endsWith('-') ? name.slice(0, -2) + 'a' : name);

export const nameIsDNSSubdomain: NameValidator = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: NameValidator = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);

/** What any name must satisfy to be a URL path segment (the check every kind gets). */
export const pathSegmentName: NameValidator = (name, prefix) => {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
};

// ---- labels, annotations, selectors ----

export function validateLabelName(key: string, path: FieldPath): FieldErrors {
  return isQualifiedName(key).map((m) => fieldErrors.invalid(path, key, m));
}

export function validateQualifiedName(value: string, path: FieldPath): FieldErrors {
  return isQualifiedName(value).map((m) => fieldErrors.invalid(path, value, m));
}

export function validateDNS1123Label(value: string, path: FieldPath): FieldErrors {
  return isDNS1123Label(value).map((m) => fieldErrors.invalid(path, value, m));
}

export function validateDNS1123Subdomain(value: string, path: FieldPath): FieldErrors {
  return isDNS1123Subdomain(value).map((m) => fieldErrors.invalid(path, value, m));
}

/** Errors carry the labels path itself (not the key), as Kubernetes reports them. */
export function validateLabels(labels: Record<string, string> | undefined, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(k, path));
    errs.push(...isValidLabelValue(v).map((m) => fieldErrors.invalid(path, v, m)));
  }
  return errs;
}

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateAnnotations(annotations: Record<string, string> | undefined, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    // Annotation keys are qualified names whose case does not matter.
    errs.push(...isQualifiedName(k.toLowerCase()).map((m) => fieldErrors.invalid(path, k, m)));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fieldErrors.tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

export interface LabelSelectorValidationOptions {
  allowInvalidLabelValueInSelector?: boolean;
}

export function validateLabelSelectorRequirement(
  req: { key: string; operator: string; values?: string[] },
  path: FieldPath,
  opts: LabelSelectorValidationOptions = {},
): FieldErrors {
  const errs: FieldErrors = [];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) {
        errs.push(fieldErrors.required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      }
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        errs.push(
          fieldErrors.forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
        );
      }
      break;
    default:
      errs.push(fieldErrors.invalid(path.child('operator'), req.operator, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(req.key, path.child('key')));
  if (!opts.allowInvalidLabelValueInSelector) {
    values.forEach((v, i) => {
      errs.push(...isValidLabelValue(v).map((m) => fieldErrors.invalid(path.child('values').index(i), v, m)));
    });
  }
  return errs;
}

export function validateLabelSelector(
  sel: LabelSelector | undefined,
  path: FieldPath,
  opts: LabelSelectorValidationOptions = {},
): FieldErrors {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, path.child('matchLabels'));
  (sel.matchExpressions ?? []).forEach((req, i) => {
    errs.push(...validateLabelSelectorRequirement(req, path.child('matchExpressions').index(i), opts));
  });
  return errs;
}

// ---- metadata ----

function validateOwnerReferences(refs: OwnerReference[] | undefined, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    // Kubernetes reports these on the list path itself, not per index.
    const slash = ref.apiVersion.lastIndexOf('/');
    const version = slash < 0 ? ref.apiVersion : ref.apiVersion.slice(slash + 1);
    if (!version) errs.push(fieldErrors.invalid(path.child('apiVersion'), ref.apiVersion, 'version must not be empty'));
    if (!ref.kind) errs.push(fieldErrors.invalid(path.child('kind'), ref.kind, 'must not be empty'));
    if (!ref.name) errs.push(fieldErrors.invalid(path.child('name'), ref.name, 'must not be empty'));
    if (!ref.uid) errs.push(fieldErrors.invalid(path.child('uid'), ref.uid, 'must not be empty'));
    if (ref.controller) {
      const current = `${ref.kind}/${ref.name}`;
      if (firstController) {
        errs.push(
          fieldErrors.invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

export function validateFinalizers(finalizers: string[] | undefined, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  for (const f of finalizers ?? []) errs.push(...validateQualifiedName(f, path));
  const list = finalizers ?? [];
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(fieldErrors.invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

function validateNonnegative(value: number | undefined, path: FieldPath): FieldErrors {
  return value !== undefined && value < 0 ? [fieldErrors.invalid(path, value, 'must be greater than or equal to 0')] : [];
}

/**
 * ValidateObjectMeta: name (or generateName, since the name is generated
 * from it on create), namespace presence, labels, annotations, owner
 * references and finalizers.
 */
export function validateObjectMeta(
  meta: ObjectMeta,
  namespaced: boolean,
  nameValidator: NameValidator,
  path: FieldPath,
): FieldErrors {
  const errs: FieldErrors = [];
  if (meta.generateName) {
    for (const m of nameValidator(meta.generateName, true)) {
      errs.push(fieldErrors.invalid(path.child('generateName'), meta.generateName, m));
    }
  }
  if (!meta.name) {
    if (!meta.generateName) errs.push(fieldErrors.required(path.child('name'), 'name or generateName is required'));
  } else {
    for (const m of nameValidator(meta.name, false)) errs.push(fieldErrors.invalid(path.child('name'), meta.name, m));
  }
  if (namespaced) {
    if (!meta.namespace) errs.push(fieldErrors.required(path.child('namespace'), ''));
    else for (const m of nameIsDNSLabel(meta.namespace, false)) errs.push(fieldErrors.invalid(path.child('namespace'), meta.namespace, m));
  } else if (meta.namespace) {
    errs.push(fieldErrors.forbidden(path.child('namespace'), 'not allowed on this type'));
  }
  errs.push(...validateNonnegative(meta.generation, path.child('generation')));
  errs.push(...validateLabels(meta.labels, path.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateFinalizers(meta.finalizers, path.child('finalizers')));
  return errs;
}

export const FIELD_IMMUTABLE = 'field is immutable';

function immutable(newValue: unknown, oldValue: unknown, path: FieldPath): FieldErrors {
  return JSON.stringify(newValue) === JSON.stringify(oldValue) ? [] : [fieldErrors.invalid(path, newValue, FIELD_IMMUTABLE)];
}

/**
 * ValidateObjectMetaUpdate. System fields a client left out (uid,
 * creationTimestamp, deletion fields) count as unchanged: Kubernetes copies
 * them from the stored object before validating, so only an explicit
 * different value is an error.
 */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  if (old.deletionTimestamp) {
    const before = new Set(old.finalizers ?? []);
    const added = [...new Set((meta.finalizers ?? []).filter((f) => !before.has(f)))].sort();
    if (added.length > 0) {
      errs.push(
        fieldErrors.forbidden(
          path.child('finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
    }
  }
  errs.push(...immutable(meta.name ?? '', old.name ?? '', path.child('name')));
  errs.push(...immutable(meta.namespace ?? '', old.namespace ?? '', path.child('namespace')));
  if (meta.uid) errs.push(...immutable(meta.uid, old.uid ?? '', path.child('uid')));
  if (meta.creationTimestamp) {
    errs.push(...immutable(meta.creationTimestamp, old.creationTimestamp ?? null, path.child('creationTimestamp')));
  }
  if (meta.deletionTimestamp && meta.deletionTimestamp !== old.deletionTimestamp) {
    errs.push(fieldErrors.invalid(path.child('deletionTimestamp'), meta.deletionTimestamp, FIELD_IMMUTABLE));
  }
  if (meta.deletionGracePeriodSeconds !== undefined && meta.deletionGracePeriodSeconds !== old.deletionGracePeriodSeconds) {
    errs.push(fieldErrors.invalid(path.child('deletionGracePeriodSeconds'), meta.deletionGracePeriodSeconds, FIELD_IMMUTABLE));
  }
  errs.push(...validateLabels(meta.labels, path.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, path.child('ownerReferences')));
  return errs;
}
