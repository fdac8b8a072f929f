// core/v1 validation: one function per kind, on create (old undefined) or
// update, returning Kubernetes' field errors ([] when valid). Pods, Services
// and Endpoints have their own modules; the smaller kinds are here.
import { isIP } from 'node:net';
import { fieldErrors, FieldPath, type FieldErrors } from '../validation/field.js';
import {
  isConfigMapKey,
  isValidCIDR,
  isValidLabelValue,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  pathSegmentName,
  validateLabelName,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateQualifiedName,
} from '../validation/names.js';
import { validateTaintEffect } from './pod-validation.js';
import { validateResourceList } from './resources-validation.js';
import { semanticEqual } from './semantic.js';
import type { ConfigMap, Event, Namespace, Node, Secret, ServiceAccount, Taint } from './v1.js';

export {
  validateNodeSelector,
  validatePod,
  validatePodBinding,
  validatePodSpec,
  validatePodStatusUpdate,
  validatePodTemplateSpec,
  validateTolerations,
} from './pod-validation.js';
export { NODE_PORT_RANGE, validateEndpoints, validateService } from './service-validation.js';
export { validateObjectMeta, validateObjectMetaUpdate } from '../validation/names.js';

const metadataPath = FieldPath.root('metadata');

function validateMeta(
  obj: { metadata: Parameters<typeof validateObjectMeta>[0] },
  old: { metadata: Parameters<typeof validateObjectMeta>[0] } | undefined,
  namespaced: boolean,
  nameValidator: typeof nameIsDNSSubdomain,
): FieldErrors {
  return old
    ? validateObjectMetaUpdate(obj.metadata, old.metadata, metadataPath)
    : validateObjectMeta(obj.metadata, namespaced, nameValidator, metadataPath);
}

// ---- Namespace ----

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** A finalizer is a standard one or a qualified name with a domain. */
function validateFinalizerName(name: string, path: FieldPath): FieldErrors {
  const errs = validateQualifiedName(name, path);
  if (!name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
    errs.push(fieldErrors.invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

export function validateNamespace(ns: Namespace, old?: Namespace): FieldErrors {
  const errs = validateMeta(ns, old, false, nameIsDNSLabel);
  if (!old) {
    for (const f of ns.spec?.finalizers ?? []) errs.push(...validateFinalizerName(f, FieldPath.root('spec').child('finalizers')));
  }
  return errs;
}

/** namespaces/finalize: only spec.finalizers may change, and to valid names. */
export function validateNamespaceFinalizeUpdate(ns: Namespace, old: Namespace): FieldErrors {
  const errs = validateObjectMetaUpdate(ns.metadata, old.metadata, metadataPath);
  (ns.spec?.finalizers ?? []).forEach((f, i) => {
    errs.push(...validateFinalizerName(f, FieldPath.root('spec').child('finalizers').index(i)));
  });
  return errs;
}

/** namespaces/status: Active until deletion starts, Terminating after. */
export function validateNamespaceStatusUpdate(ns: Namespace, old: Namespace): FieldErrors {
  const errs = validateObjectMetaUpdate(ns.metadata, old.metadata, metadataPath);
  const phase = ns.status?.phase ?? '';
  const path = FieldPath.root('status').child('Phase');
  if (!ns.metadata.deletionTimestamp) {
    if (phase !== 'Active') errs.push(fieldErrors.invalid(path, phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    errs.push(fieldErrors.invalid(path, phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return errs;
}

// ---- Node ----

function validateTaints(taints: Taint[] | undefined, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  const seen = new Set<string>();
  (taints ?? []).forEach((t, i) => {
    const p = path.index(i);
    errs.push(...validateLabelName(t.key, p.child('key')));
    const msgs = isValidLabelValue(t.value ?? '');
    if (msgs.length > 0) errs.push(fieldErrors.invalid(p.child('value'), t.value ?? '', msgs.join(';')));
    errs.push(...validateTaintEffect(t.effect, false, p.child('effect')));
    const key = `${t.effect}\u0000${t.key}`;
    if (seen.has(key)) {
      errs.push(fieldErrors.duplicate(p, t, 'taints must be unique by key and effect pair'));
      return;
    }
    seen.add(key);
  });
  return errs;
}

function validateNodeResources(node: Node): FieldErrors {
  const status = FieldPath.root('status');
  // Kubernetes names these status.capacity.cpu, not status.capacity[cpu].
  return [
    ...validateResourceList(node.status?.capacity, (n) => status.child('capacity').child(n)),
    ...validateResourceList(node.status?.allocatable, (n) => status.child('allocatable').child(n)),
  ];
}

const CIDR_ERROR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

/** Validation of a node on create (old undefined) or update. Taint errors carry Kubernetes' metadata.taints path. */
export function validateNode(node: Node, old?: Node): FieldErrors {
  const errs = validateMeta(node, old, false, nameIsDNSSubdomain);
  errs.push(...validateTaints(node.spec.taints, metadataPath.child('taints')));
  errs.push(...validateNodeResources(node));
  const cidrsPath = FieldPath.root('spec').child('podCIDRs');
  if (!old) {
    const cidrs = node.spec.podCIDRs ?? [];
    cidrs.forEach((c, i) => {
      if (!isValidCIDR(c)) errs.push(fieldErrors.invalid(cidrsPath.index(i), c, CIDR_ERROR));
    });
    if (cidrs.length > 1) {
      const families = cidrs.map((c) => isIP(c.split('/')[0]!));
      if (cidrs.length > 2 || families[0] === families[1]) {
        errs.push(fieldErrors.invalid(cidrsPath, cidrs, 'may specify no more than one CIDR for each IP family'));
      }
    }
    return errs;
  }
  const seen = new Set<string>();
  (node.status?.addresses ?? []).forEach((a, i) => {
    const key = `${a.type}\u0000${a.address}`;
    if (seen.has(key)) errs.push(fieldErrors.duplicate(FieldPath.root('status').child('addresses').index(i), a));
    seen.add(key);
  });
  const before = old.spec.podCIDRs ?? [];
  if (before.length > 0 && !semanticEqual(before, node.spec.podCIDRs ?? [])) {
    errs.push(fieldErrors.forbidden(cidrsPath, 'node updates may not change podCIDR except from "" to valid'));
  }
  if (old.spec.providerID && old.spec.providerID !== node.spec.providerID) {
    errs.push(
      fieldErrors.forbidden(FieldPath.root('spec').child('providerID'), 'node updates may not change providerID except from "" to valid'),
    );
  }
  return errs;
}

// ---- ConfigMap and Secret ----

export const MAX_SECRET_SIZE = 1024 * 1024;

/** Bytes of standard, padded base64 (Go's base64.StdEncoding), or the offset of the first bad byte. */
function decodedLength(b64: string): { length: number } | { badByte: number } {
  let count = 0;
  let padding = 0;
  let quantumStart = 0;
  for (let i = 0; i < b64.length; i++) {
    const c = b64[i]!;
    if (c === '\r' || c === '\n') continue;
    if (c === '=') {
      const pos = count % 4;
      if (padding === 0 && pos < 2) return { badByte: i };
      padding++;
      count++;
      if (count % 4 === 0 && padding > 0) {
        for (let j = i + 1; j < b64.length; j++) if (b64[j] !== '\r' && b64[j] !== '\n') return { badByte: j };
        break;
      }
      continue;
    }
    if (padding > 0 || !/[A-Za-z0-9+/]/.test(c)) return { badByte: i };
    if (count % 4 === 0) quantumStart = i;
    count++;
  }
  if (count % 4 !== 0) return { badByte: quantumStart };
  return { length: (count / 4) * 3 - padding };
}

function validateImmutableData(
  now: { immutable?: boolean },
  before: { immutable?: boolean },
  fields: [string, unknown, unknown][],
): FieldErrors {
  if (!before.immutable) return [];
  const errs: FieldErrors = [];
  const msg = 'field is immutable when `immutable` is set';
  if (!now.immutable) errs.push(fieldErrors.forbidden('immutable', msg));
  for (const [name, a, b] of fields) if (!semanticEqual(a, b)) errs.push(fieldErrors.forbidden(name, msg));
  return errs;
}

export function validateConfigMap(cm: ConfigMap, old?: ConfigMap): FieldErrors {
  const errs = validateMeta(cm, old, true, nameIsDNSSubdomain);
  if (old) errs.push(...validateImmutableData(cm, old, [['data', cm.data, old.data], ['binaryData', cm.binaryData, old.binaryData]]));
  let size = 0;
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    const p = FieldPath.root('data').key(k);
    errs.push(...isConfigMapKey(k).map((m) => fieldErrors.invalid(p, k, m)));
    if (cm.binaryData && k in cm.binaryData) errs.push(fieldErrors.invalid(p, k, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(v);
  }
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
    const p = FieldPath.root('binaryData').key(k);
    errs.push(...isConfigMapKey(k).map((m) => fieldErrors.invalid(p, k, m)));
    const decoded = decodedLength(v);
    if ('badByte' in decoded) errs.push(fieldErrors.invalid(p, '<binary data redacted>', `illegal base64 data at input byte ${decoded.badByte}`));
    else size += decoded.length;
  }
  // "" names the whole object, as Kubernetes does for this one.
  if (size > MAX_SECRET_SIZE) errs.push(fieldErrors.tooLong('', '', MAX_SECRET_SIZE));
  return errs;
}

const REDACTED = '<secret contents redacted>';

function requireKeys(data: Record<string, string>, keys: string[], path: FieldPath): FieldErrors {
  return keys.filter((k) => !(k in data)).map((k) => fieldErrors.required(path.key(k), ''));
}

function validateJSONKey(data: Record<string, string>, key: string, path: FieldPath): FieldErrors {
  if (!(key in data)) return [fieldErrors.required(path.key(key), '')];
  try {
    const parsed: unknown = JSON.parse(Buffer.from(data[key]!, 'base64').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return [];
  } catch (e) {
    return [fieldErrors.invalid(path.key(key), REDACTED, e instanceof Error ? e.message : String(e))];
  }
}

export function validateSecret(secret: Secret, old?: Secret): FieldErrors {
  const errs = validateMeta(secret, old, true, nameIsDNSSubdomain);
  const dataPath = FieldPath.root('data');
  if (old) {
    if ((secret.type ?? '') !== (old.type ?? '')) errs.push(fieldErrors.invalid('type', secret.type ?? '', 'field is immutable'));
    errs.push(...validateImmutableData(secret, old, [['data', secret.data, old.data]]));
  }
  const data = secret.data ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    const p = dataPath.key(k);
    errs.push(...isConfigMapKey(k).map((m) => fieldErrors.invalid(p, k, m)));
    const decoded = decodedLength(v);
    if ('badByte' in decoded) errs.push(fieldErrors.invalid(p, REDACTED, `illegal base64 data at input byte ${decoded.badByte}`));
    else size += decoded.length;
  }
  if (size > MAX_SECRET_SIZE) errs.push(fieldErrors.tooLong(dataPath, '', MAX_SECRET_SIZE));
  switch (secret.type) {
    case 'kubernetes.io/service-account-token':
      if (!secret.metadata.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(fieldErrors.required(metadataPath.child('annotations').key('kubernetes.io/service-account.name'), ''));
      }
      break;
    case 'kubernetes.io/dockercfg':
      errs.push(...validateJSONKey(data, '.dockercfg', dataPath));
      break;
    case 'kubernetes.io/dockerconfigjson':
      errs.push(...validateJSONKey(data, '.dockerconfigjson', dataPath));
      break;
    case 'kubernetes.io/basic-auth':
      // Either may be empty, but one of the two must be there.
      if (!('username' in data) && !('password' in data)) errs.push(...requireKeys(data, ['username', 'password'], dataPath));
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data['ssh-privatekey']) errs.push(fieldErrors.required(dataPath.key('ssh-privatekey'), ''));
      break;
    case 'kubernetes.io/tls':
      errs.push(...requireKeys(data, ['tls.crt', 'tls.key'], dataPath));
      break;
  }
  return errs;
}

// ---- Event and ServiceAccount ----

/**
 * legacyValidateEvent, as the core/v1 API applies it: the involved object's
 * namespace must match the event's, and events with an eventTime must say
 * who reported them and why.
 */
export function validateEvent(ev: Event, old?: Event): FieldErrors {
  const errs = old
    ? validateObjectMetaUpdate(ev.metadata, old.metadata, metadataPath)
    : validateObjectMeta(ev.metadata, true, pathSegmentName, metadataPath);
  const ns = ev.metadata.namespace ?? '';
  const involvedNs = ev.involvedObject.namespace ?? '';
  const nsPath = FieldPath.root('involvedObject').child('namespace');
  const mismatch = () => fieldErrors.invalid(nsPath, involvedNs, 'does not match event.namespace');
  if (!ev.eventTime) {
    if (!involvedNs) {
      if (ns !== '' && ns !== 'default') errs.push(mismatch());
    } else if (ns !== involvedNs) {
      errs.push(mismatch());
    }
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system') errs.push(mismatch());
    if (!ev.reportingComponent) errs.push(fieldErrors.required('reportingComponent', ''));
    errs.push(...validateQualifiedName(ev.reportingComponent, FieldPath.root('reportingComponent')));
    if (!ev.reportingInstance) errs.push(fieldErrors.required('reportingInstance', ''));
    if (ev.reportingInstance.length > 128) errs.push(fieldErrors.invalid('reportingInstance', '', 'can have at most 128 characters'));
    if (!ev.action) errs.push(fieldErrors.required('action', ''));
    if ((ev.action ?? '').length > 128) errs.push(fieldErrors.invalid('action', '', 'can have at most 128 characters'));
    if (!ev.reason) errs.push(fieldErrors.required('reason', ''));
    if ((ev.reason ?? '').length > 128) errs.push(fieldErrors.invalid('reason', '', 'can have at most 128 characters'));
    if ((ev.message ?? '').length > 1024) errs.push(fieldErrors.invalid('message', '', 'can have at most 1024 characters'));
  }
  errs.push(...nameIsDNSSubdomain(ns, false).map((m) => fieldErrors.invalid('namespace', ns, m)));
  return errs;
}

export function validateServiceAccount(sa: ServiceAccount, old?: ServiceAccount): FieldErrors {
  return validateMeta(sa, old, true, nameIsDNSSubdomain);
}
