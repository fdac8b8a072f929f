// Pod validation after k8s.io/kubernetes/pkg/apis/core/validation: the pod
// spec, pod templates, pod creates and updates, status updates and bindings.
// Field paths and messages are Kubernetes' own, including its quirks (some
// errors name a list rather than the offending element), because clients and
// users match on them.
import { isIP } from 'node:net';
import type { ObjectMeta } from '../meta.js';
import { fieldErrors, FieldPath, type FieldErrors } from '../validation/field.js';
import {
  inclusiveRangeError,
  isDNS1123Subdomain,
  nameIsDNSSubdomain,
  validateAnnotations,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateIP,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateQualifiedName,
} from '../validation/names.js';
import { validateContainers, validateEphemeralContainers, validateInitContainers, validateSeccompProfile } from './container-validation.js';
import { MAX_INT32, messagesAt, validUserID } from './field-checks.js';
import { validateResourceList } from './resources-validation.js';
import { validateAffinity, validateTolerations, validateTopologySpreadConstraints } from './scheduling-validation.js';
import { semanticDiff, semanticEqual } from './semantic.js';
import type { Binding, Container, Pod, PodDNSConfig, PodSecurityContext, PodSpec, Toleration } from './v1.js';
import { validateVolumes } from './volume-validation.js';

export { validateNodeSelector, validateTaintEffect, validateTolerations } from './scheduling-validation.js';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

const MAX_DNS_NAMESERVERS = 3;
const MAX_DNS_SEARCH_PATHS = 32;
const MAX_DNS_SEARCH_LIST_CHARS = 2048;

function validateDNSConfig(cfg: PodDNSConfig | undefined, dnsPolicy: string | undefined, path: FieldPath): FieldErrors {
  if (dnsPolicy === 'None') {
    if (!cfg) return [fieldErrors.required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if ((cfg.nameservers?.length ?? 0) === 0) {
      return [fieldErrors.required(path.child('nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
    }
  }
  if (!cfg) return [];
  const errs: FieldErrors = [];
  const nameservers = cfg.nameservers ?? [];
  if (nameservers.length > MAX_DNS_NAMESERVERS) {
    errs.push(fieldErrors.invalid(path.child('nameservers'), nameservers, `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`));
  }
  nameservers.forEach((ns, i) => errs.push(...validateIP(ns, path.child('nameservers').index(i))));
  const searches = cfg.searches ?? [];
  if (searches.length > MAX_DNS_SEARCH_PATHS) {
    errs.push(fieldErrors.invalid(path.child('searches'), searches, `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`));
  }
  if (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    errs.push(
      fieldErrors.invalid(
        path.child('searches'),
        searches,
        `must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`,
      ),
    );
  }
  searches.forEach((s, i) => errs.push(...validateDNS1123Subdomain(s.replace(/\.$/, ''), path.child('searches').index(i))));
  (cfg.options ?? []).forEach((o, i) => {
    if (!o.name) errs.push(fieldErrors.required(path.child('options').index(i), 'Option.Name must not be empty'));
  });
  return errs;
}

const SYSCTL_RE = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;

function validatePodSecurityContext(spec: PodSpec, path: FieldPath): FieldErrors {
  const sc: PodSecurityContext | undefined = spec.securityContext;
  const errs: FieldErrors = [];
  if (sc) {
    if (sc.fsGroup !== undefined) errs.push(...validUserID(sc.fsGroup, path.child('fsGroup')));
    if (sc.runAsUser !== undefined) errs.push(...validUserID(sc.runAsUser, path.child('runAsUser')));
    if (sc.runAsGroup !== undefined) errs.push(...validUserID(sc.runAsGroup, path.child('runAsGroup')));
    (sc.supplementalGroups ?? []).forEach((g, i) => errs.push(...validUserID(g, path.child('supplementalGroups').index(i))));
    const seen = new Set<string>();
    (sc.sysctls ?? []).forEach((s, i) => {
      const p = path.child('sysctls').index(i).child('name');
      if (!s.name) errs.push(fieldErrors.required(p, ''));
      else if (s.name.length > 253 || !SYSCTL_RE.test(s.name)) {
        errs.push(fieldErrors.invalid(p, s.name, `must have at most 253 characters and match regex ${SYSCTL_RE.source}`));
      }
      if (seen.has(s.name)) errs.push(fieldErrors.duplicate(p, s.name));
      seen.add(s.name);
    });
    if (sc.fsGroupChangePolicy !== undefined && !['OnRootMismatch', 'Always'].includes(sc.fsGroupChangePolicy)) {
      errs.push(fieldErrors.notSupported(path.child('fsGroupChangePolicy'), sc.fsGroupChangePolicy, ['OnRootMismatch', 'Always']));
    }
    errs.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  }
  // Internally Kubernetes keeps these in the pod security context, hence the path.
  if (spec.shareProcessNamespace && spec.hostPID) {
    errs.push(
      fieldErrors.invalid(path.child('shareProcessNamespace'), true, 'ShareProcessNamespace and HostPID cannot both be enabled'),
    );
  }
  return errs;
}

/** Pods get hostPort defaulted to containerPort with hostNetwork; only a different one is wrong. */
function validateHostNetworkPorts(spec: PodSpec, path: FieldPath): FieldErrors {
  if (!spec.hostNetwork) return [];
  const errs: FieldErrors = [];
  spec.containers.forEach((c, i) => {
    (c.ports ?? []).forEach((port, j) => {
      if (port.hostPort && port.hostPort !== port.containerPort) {
        errs.push(
          fieldErrors.invalid(
            path.child('containers').index(i).child('ports').index(j).child('hostPort'),
            port.hostPort,
            'must match `containerPort` when `hostNetwork` is true',
          ),
        );
      }
    });
  });
  return errs;
}

function validateRestartPolicy(policy: string | undefined, path: FieldPath): FieldErrors {
  if (!policy) return [fieldErrors.required(path, '')];
  return RESTART_POLICIES.includes(policy) ? [] : [fieldErrors.notSupported(path, policy, RESTART_POLICIES)];
}

function validateDNSPolicy(policy: string | undefined, path: FieldPath): FieldErrors {
  if (!policy) return [fieldErrors.required(path, '')];
  return DNS_POLICIES.includes(policy) ? [] : [fieldErrors.notSupported(path, policy, DNS_POLICIES)];
}

function validatePodResourceClaims(spec: PodSpec, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  const names = new Set<string>();
  (spec.resourceClaims ?? []).forEach((c, i) => {
    const p = path.index(i);
    if (!c.name) errs.push(fieldErrors.required(p.child('name'), ''));
    else {
      errs.push(...validateDNS1123Label(c.name, p.child('name')));
      if (names.has(c.name)) errs.push(fieldErrors.duplicate(p.child('name'), c.name));
      names.add(c.name);
    }
    const sources = [c.resourceClaimName, c.resourceClaimTemplateName].filter((s) => s !== undefined).length;
    if (sources === 0) {
      errs.push(fieldErrors.invalid(p, c, 'must specify one of: `resourceClaimName`, `resourceClaimTemplateName`'));
    } else if (sources > 1) {
      errs.push(fieldErrors.invalid(p, c, 'at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified'));
    }
  });
  return errs;
}

/** ValidatePodSpec: everything about a pod spec that does not depend on the object around it. */
export function validatePodSpec(spec: PodSpec, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  const gracePeriod = spec.terminationGracePeriodSeconds;
  const volumes = validateVolumes(spec.volumes, path.child('volumes'), errs);
  const claimNames = new Set((spec.resourceClaims ?? []).map((c) => c.name));
  errs.push(...validatePodResourceClaims(spec, path.child('resourceClaims')));
  errs.push(...validateContainers(spec.containers, volumes, claimNames, gracePeriod, path.child('containers')));
  errs.push(...validateInitContainers(spec.initContainers, spec.containers, volumes, claimNames, gracePeriod, path.child('initContainers')));
  errs.push(...validateEphemeralContainers(spec.ephemeralContainers, spec, volumes, claimNames, path.child('ephemeralContainers')));
  errs.push(...validateHostNetworkPorts(spec, path));
  errs.push(...validateRestartPolicy(spec.restartPolicy, path.child('restartPolicy')));
  errs.push(...validateDNSPolicy(spec.dnsPolicy, path.child('dnsPolicy')));
  errs.push(...validateLabels(spec.nodeSelector, path.child('nodeSelector')));
  errs.push(...validatePodSecurityContext(spec, path.child('securityContext')));
  errs.push(...validateAffinity(spec.affinity, path.child('affinity')));
  errs.push(...validateDNSConfig(spec.dnsConfig, spec.dnsPolicy, path.child('dnsConfig')));
  (spec.readinessGates ?? []).forEach((g, i) => {
    errs.push(...validateQualifiedName(g.conditionType, path.child('readinessGates').index(i).child('conditionType')));
  });
  const gates = new Set<string>();
  (spec.schedulingGates ?? []).forEach((g, i) => {
    const p = path.child('schedulingGates').index(i);
    errs.push(...validateQualifiedName(g.name, p));
    if (gates.has(g.name)) errs.push(fieldErrors.duplicate(p, g.name));
    gates.add(g.name);
  });
  errs.push(...validateTopologySpreadConstraints(spec.topologySpreadConstraints, path.child('topologySpreadConstraints')));
  if (spec.serviceAccountName) {
    errs.push(...messagesAt(nameIsDNSSubdomain(spec.serviceAccountName, false), path.child('serviceAccountName'), spec.serviceAccountName));
  }
  if (spec.nodeName) {
    errs.push(...messagesAt(nameIsDNSSubdomain(spec.nodeName, false), path.child('nodeName'), spec.nodeName));
  }
  if (spec.activeDeadlineSeconds !== undefined) {
    const v = spec.activeDeadlineSeconds;
    if (v < 1 || v > MAX_INT32) errs.push(fieldErrors.invalid(path.child('activeDeadlineSeconds'), v, inclusiveRangeError(1, MAX_INT32)));
  }
  if (spec.hostname) errs.push(...validateDNS1123Label(spec.hostname, path.child('hostname')));
  if (spec.subdomain) errs.push(...validateDNS1123Label(spec.subdomain, path.child('subdomain')));
  errs.push(...validateTolerations(spec.tolerations, path.child('tolerations')));
  (spec.hostAliases ?? []).forEach((ha, i) => {
    const p = path.child('hostAliases').index(i);
    errs.push(...validateIP(ha.ip, p.child('ip')));
    (ha.hostnames ?? []).forEach((h, j) => errs.push(...validateDNS1123Subdomain(h, p.child('hostnames').index(j))));
  });
  if (spec.priorityClassName) {
    errs.push(...messagesAt(nameIsDNSSubdomain(spec.priorityClassName, false), path.child('priorityClassName'), spec.priorityClassName));
  }
  if (spec.runtimeClassName !== undefined) {
    errs.push(...messagesAt(nameIsDNSSubdomain(spec.runtimeClassName, false), path.child('runtimeClassName'), spec.runtimeClassName));
  }
  if (spec.preemptionPolicy !== undefined && !['PreemptLowerPriority', 'Never'].includes(spec.preemptionPolicy)) {
    errs.push(fieldErrors.notSupported(path.child('preemptionPolicy'), spec.preemptionPolicy, ['PreemptLowerPriority', 'Never']));
  }
  errs.push(...validateResourceList(spec.overhead, (name) => path.child('overhead').key(name)));
  if (spec.os) {
    const p = path.child('os').child('name');
    if (!spec.os.name) errs.push(fieldErrors.required(p, ''));
    else if (!['linux', 'windows'].includes(spec.os.name)) errs.push(fieldErrors.notSupported(p, spec.os.name, ['linux', 'windows']));
  }
  return errs;
}

/** ValidatePodTemplateSpec: as a pod, but labels and annotations sit at the template's own path. */
export function validatePodTemplateSpec(t: { metadata?: ObjectMeta; spec?: PodSpec }, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  errs.push(...validateLabels(t.metadata?.labels, path.child('labels')));
  errs.push(...validateAnnotations(t.metadata?.annotations, path.child('annotations')));
  const spec = t.spec ?? { containers: [] };
  errs.push(...validatePodSpec(spec, path.child('spec')));
  if ((spec.ephemeralContainers?.length ?? 0) > 0) {
    errs.push(fieldErrors.forbidden(path.child('spec').child('ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

const metadataPath = FieldPath.root('metadata');
const specPath = FieldPath.root('spec');
const statusPath = FieldPath.root('status');

function validatePodMetadataAndSpec(pod: Pod): FieldErrors {
  return [
    ...validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain, metadataPath),
    ...validatePodSpec(pod.spec, specPath),
  ];
}

function validateContainerUpdates(now: Container[], before: Container[], path: FieldPath): { errs: FieldErrors; stop: boolean } {
  if (now.length !== before.length) return { errs: [fieldErrors.forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldErrors = [];
  now.forEach((c, i) => {
    const image = c.image ?? '';
    if (!image) errs.push(fieldErrors.required(path.index(i).child('image'), ''));
    if (image.trim().length !== image.length) {
      errs.push(fieldErrors.invalid(path.index(i).child('image'), image, 'must not have leading or trailing whitespace'));
    }
  });
  return { errs, stop: false };
}

function validateOnlyAddedTolerations(now: Toleration[] | undefined, before: Toleration[] | undefined, path: FieldPath): FieldErrors {
  for (const old of before ?? []) {
    const kept = (now ?? []).some((t) => semanticEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t));
    if (!kept) return [fieldErrors.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(now, path);
}

const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** ValidatePodUpdate: the pod spec is immutable except for images, deadlines, added tolerations and removed gates. */
function validatePodUpdate(pod: Pod, old: Pod): FieldErrors {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata, metadataPath);
  errs.push(...validatePodSpec(pod.spec, specPath));
  const now = pod.spec;
  const before = old.spec;
  for (const kind of ['containers', 'initContainers'] as const) {
    const r = validateContainerUpdates(now[kind] ?? [], before[kind] ?? [], specPath.child(kind));
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const deadlinePath = specPath.child('activeDeadlineSeconds');
  if (now.activeDeadlineSeconds !== undefined) {
    const v = now.activeDeadlineSeconds;
    if (v < 0 || v > MAX_INT32) return [...errs, fieldErrors.invalid(deadlinePath, v, inclusiveRangeError(0, MAX_INT32))];
    if (before.activeDeadlineSeconds !== undefined && before.activeDeadlineSeconds < v) {
      return [...errs, fieldErrors.invalid(deadlinePath, v, 'must be less than or equal to previous value')];
    }
  } else if (before.activeDeadlineSeconds !== undefined) {
    errs.push(fieldErrors.invalid(deadlinePath, null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...validateOnlyAddedTolerations(now.tolerations, before.tolerations, specPath.child('tolerations')));
  const oldGates = new Set((before.schedulingGates ?? []).map((g) => g.name));
  if ((now.schedulingGates ?? []).some((g) => !oldGates.has(g.name))) {
    errs.push(fieldErrors.forbidden(specPath.child('schedulingGates'), 'only deletion is allowed, but found new scheduling gate'));
  }
  if (semanticEqual(now, before)) return errs;

  // What may change is set back to the stored values; any difference left is forbidden.
  const munged: PodSpec = structuredClone(now);
  munged.containers = munged.containers.map((c, i) => ({ ...c, image: before.containers[i]?.image }));
  if (munged.initContainers) {
    munged.initContainers = munged.initContainers.map((c, i) => ({ ...c, image: before.initContainers?.[i]?.image }));
  }
  munged.activeDeadlineSeconds = before.activeDeadlineSeconds;
  munged.schedulingGates = before.schedulingGates;
  munged.tolerations = before.tolerations;
  if ((before.terminationGracePeriodSeconds ?? 0) < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = before.terminationGracePeriodSeconds;
  }
  if (!semanticEqual(munged, before)) {
    const changed = semanticDiff(before, munged, 'spec');
    errs.push(fieldErrors.forbidden(specPath, `${POD_UPDATE_FORBIDDEN}\n${changed.map((p) => `  changed: ${p}`).join('\n')}`));
  }
  return errs;
}

/** Validation of a pod on create (old undefined) or update. */
export function validatePod(pod: Pod, old?: Pod): FieldErrors {
  if (old) return validatePodUpdate(pod, old);
  const errs = validatePodMetadataAndSpec(pod);
  if ((pod.spec.ephemeralContainers?.length ?? 0) > 0) {
    errs.push(fieldErrors.forbidden(specPath.child('ephemeralContainers'), 'cannot be set on create'));
  }
  if (pod.spec.nodeName && (pod.spec.schedulingGates?.length ?? 0) > 0) {
    errs.push(fieldErrors.forbidden(specPath.child('nodeName'), 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

function validateIPList(ips: { ip: string }[] | undefined, path: FieldPath): FieldErrors {
  const list = ips ?? [];
  const errs: FieldErrors = [];
  list.forEach((entry, i) => errs.push(...validateIP(entry.ip, path.index(i))));
  if (errs.length === 0 && list.length > 1) {
    const families = list.map((e) => isIP(e.ip));
    if (list.length > 2 || families[0] === families[1]) {
      errs.push(fieldErrors.invalid(path, list, 'may specify no more than one IP for each IP family'));
    }
  }
  return errs;
}

/** ValidatePodStatusUpdate: what a pods/status write may do. */
export function validatePodStatusUpdate(pod: Pod, old: Pod): FieldErrors {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata, metadataPath);
  const status = pod.status ?? {};
  if ((pod.spec.nodeName ?? '') !== (old.spec.nodeName ?? '')) {
    errs.push(fieldErrors.forbidden(statusPath.child('nodeName'), 'may not be changed directly'));
  }
  const nominated = status.nominatedNodeName ?? '';
  if (nominated && nominated !== (old.status?.nominatedNodeName ?? '')) {
    errs.push(...messagesAt(isDNS1123Subdomain(nominated), statusPath.child('nominatedNodeName'), nominated));
  }
  errs.push(...validateIPList(status.podIPs, statusPath.child('podIPs')));
  errs.push(...validateIPList(status.hostIPs, statusPath.child('hostIPs')));
  return errs;
}

/** ValidatePodBinding: the body of pods/binding. */
export function validatePodBinding(binding: Binding): FieldErrors {
  const errs: FieldErrors = [];
  const kind = binding.target.kind ?? '';
  if (kind && kind !== 'Node') errs.push(fieldErrors.notSupported('target.kind', kind, ['Node', '<empty>']));
  if (!binding.target.name) errs.push(fieldErrors.required('target.name', ''));
  return errs;
}
