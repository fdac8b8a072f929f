// Container validation (regular, init and ephemeral): names, images, ports,
// environment, mounts, resources, probes, lifecycle hooks and security context.
import { fieldErrors, type FieldErrors, type FieldPath } from '../validation/field.js';
import { isConfigMapKey, isValidPortName, isValidPortNum, nameIsDNSSubdomain, validateDNS1123Label } from '../validation/names.js';
import { ENV_FIELD_PATHS, validateObjectFieldSelector, validateResourceFieldSelector } from './downward-api-validation.js';
import {
  messagesAt,
  nonNegative,
  PULL_POLICIES,
  SUPPORTED_PORT_PROTOCOLS,
  validateLocalDescendingPath,
  validUserID,
} from './field-checks.js';
import { validateContainerResources } from './resources-validation.js';
import type {
  Container,
  EnvFromSource,
  EnvVar,
  EphemeralContainer,
  HTTPGetAction,
  IntOrString,
  Lifecycle,
  LifecycleHandler,
  PodSpec,
  Probe,
  SecurityContext,
  Volume,
  VolumeMount,
} from './v1.js';

const TERMINATION_MESSAGE_POLICY_ERROR = "must be 'File' or 'FallbackToLogsOnError'";

const MOUNT_PROPAGATIONS = ['Bidirectional', 'HostToContainer', 'None'];

function validateVolumeMounts(
  mounts: VolumeMount[] | undefined,
  volumes: Map<string, Volume>,
  container: Container,
  path: FieldPath,
): FieldErrors {
  const errs: FieldErrors = [];
  const mountPoints = new Set<string>();
  (mounts ?? []).forEach((m, i) => {
    const p = path.index(i);
    if (!m.name) errs.push(fieldErrors.required(p.child('name'), ''));
    if (!volumes.has(m.name)) errs.push(fieldErrors.notFound(p.child('name'), m.name));
    if (!m.mountPath) errs.push(fieldErrors.required(p.child('mountPath'), ''));
    if (mountPoints.has(m.mountPath)) errs.push(fieldErrors.invalid(p.child('mountPath'), m.mountPath, 'must be unique'));
    mountPoints.add(m.mountPath);
    // Kubernetes names these on the list path, without the index.
    if (m.subPath) errs.push(...validateLocalDescendingPath(m.subPath, path.child('subPath')));
    if (m.subPathExpr) {
      if (m.subPath) {
        errs.push(fieldErrors.invalid(p.child('subPathExpr'), m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      }
      errs.push(...validateLocalDescendingPath(m.subPathExpr, path.child('subPathExpr')));
    }
    if (m.mountPropagation !== undefined) {
      const mp = path.child('mountPropagation');
      if (!MOUNT_PROPAGATIONS.includes(m.mountPropagation)) {
        errs.push(fieldErrors.notSupported(mp, m.mountPropagation, MOUNT_PROPAGATIONS));
      }
      if (m.mountPropagation === 'Bidirectional' && !container.securityContext?.privileged) {
        errs.push(fieldErrors.forbidden(mp, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
  });
  return errs;
}

function validateContainerPorts(ports: Container['ports'], path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const p = path.index(i);
    if (port.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length > 0) errs.push(...messagesAt(msgs, p.child('name'), port.name));
      else if (names.has(port.name)) errs.push(fieldErrors.duplicate(p.child('name'), port.name));
      else names.add(port.name);
    }
    if (port.containerPort === 0) errs.push(fieldErrors.required(p.child('containerPort'), ''));
    else errs.push(...messagesAt(isValidPortNum(port.containerPort), p.child('containerPort'), port.containerPort));
    if (port.hostPort) errs.push(...messagesAt(isValidPortNum(port.hostPort), p.child('hostPort'), port.hostPort));
    if (!port.protocol) errs.push(fieldErrors.required(p.child('protocol'), ''));
    else if (!SUPPORTED_PORT_PROTOCOLS.includes(port.protocol)) {
      errs.push(fieldErrors.notSupported(p.child('protocol'), port.protocol, SUPPORTED_PORT_PROTOCOLS));
    }
  });
  return errs;
}

const RELAXED_ENV_NAME_ERROR = "a valid environment variable name must consist only of printable ASCII characters other than '='";

/** IsRelaxedEnvVarName: any printable ASCII but '=' (the rule since Kubernetes 1.32). */
function envVarNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length === 0) errs.push('environment variable name must be non-empty');
  if (/[^\x20-\x7e]|=/.test(name)) errs.push(RELAXED_ENV_NAME_ERROR);
  return errs;
}

function validateEnv(env: EnvVar[] | undefined, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  (env ?? []).forEach((ev, i) => {
    const p = path.index(i);
    if (!ev.name) errs.push(fieldErrors.required(p.child('name'), ''));
    errs.push(...messagesAt(envVarNameErrors(ev.name), p.child('name'), ev.name));
    const from = ev.valueFrom;
    if (!from) return;
    const fp = p.child('valueFrom');
    let n = 0;
    if (from.fieldRef) {
      n++;
      errs.push(...validateObjectFieldSelector(from.fieldRef, ENV_FIELD_PATHS, fp.child('fieldRef')));
    }
    if (from.resourceFieldRef) {
      n++;
      errs.push(...validateResourceFieldSelector(from.resourceFieldRef, fp.child('resourceFieldRef'), false));
    }
    for (const kind of ['configMapKeyRef', 'secretKeyRef'] as const) {
      const sel = from[kind];
      if (!sel) continue;
      n++;
      const sp = fp.child(kind);
      errs.push(...messagesAt(nameIsDNSSubdomain(sel.name ?? '', false), sp.child('name'), sel.name ?? ''));
      if (!sel.key) errs.push(fieldErrors.required(sp.child('key'), ''));
      else errs.push(...messagesAt(isConfigMapKey(sel.key), sp.child('key'), sel.key));
    }
    if (n === 0) {
      errs.push(fieldErrors.invalid(fp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    } else if (ev.value) {
      errs.push(fieldErrors.invalid(fp, '', 'may not be specified when `value` is not empty'));
    } else if (n > 1) {
      errs.push(fieldErrors.invalid(fp, '', 'may not have more than one field specified at a time'));
    }
  });
  return errs;
}

function validateEnvFrom(envFrom: EnvFromSource[] | undefined, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  (envFrom ?? []).forEach((ef, i) => {
    const p = path.index(i);
    if (ef.prefix) errs.push(...messagesAt(envVarNameErrors(ef.prefix), p.child('prefix'), ef.prefix));
    let n = 0;
    for (const kind of ['configMapRef', 'secretRef'] as const) {
      const ref = ef[kind];
      if (!ref) continue;
      n++;
      const rp = p.child(kind).child('name');
      if (!ref.name) errs.push(fieldErrors.required(rp, ''));
      else errs.push(...messagesAt(nameIsDNSSubdomain(ref.name, true), rp, ref.name));
    }
    // Kubernetes reports these on the envFrom list itself.
    if (n === 0) errs.push(fieldErrors.invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(fieldErrors.invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validatePortNumOrName(port: IntOrString, path: FieldPath): FieldErrors {
  return typeof port === 'number'
    ? messagesAt(isValidPortNum(port), path, port)
    : messagesAt(isValidPortName(port), path, port);
}

const HTTP_HEADER_NAME_RE = /^[-A-Za-z0-9]+$/;

function validateHTTPGet(h: HTTPGetAction, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  if (!h.path) errs.push(fieldErrors.required(path.child('path'), ''));
  errs.push(...validatePortNumOrName(h.port, path.child('port')));
  if (!['HTTP', 'HTTPS'].includes(h.scheme ?? '')) errs.push(fieldErrors.notSupported(path.child('scheme'), h.scheme ?? '', ['HTTP', 'HTTPS']));
  for (const header of h.httpHeaders ?? []) {
    if (!HTTP_HEADER_NAME_RE.test(header.name)) {
      errs.push(
        fieldErrors.invalid(
          path.child('httpHeaders'),
          header.name,
          "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')",
        ),
      );
    }
  }
  return errs;
}

type Handler = Probe & LifecycleHandler;

function validateHandler(h: Handler, gracePeriod: number | undefined, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  let n = 0;
  const one = (key: string, check: () => FieldErrors) => {
    if (n > 0) errs.push(fieldErrors.forbidden(path.child(key), 'may not specify more than 1 handler type'));
    else {
      n++;
      errs.push(...check());
    }
  };
  if (h.exec) {
    const exec = h.exec;
    one('exec', () => ((exec.command?.length ?? 0) === 0 ? [fieldErrors.required(path.child('exec').child('command'), '')] : []));
  }
  if (h.httpGet) {
    const get = h.httpGet;
    one('httpGet', () => validateHTTPGet(get, path.child('httpGet')));
  }
  if (h.tcpSocket) {
    const tcp = h.tcpSocket;
    one('tcpSocket', () => validatePortNumOrName(tcp.port, path.child('tcpSocket').child('port')));
  }
  if (h.grpc) {
    const grpc = h.grpc;
    one('grpc', () => messagesAt(isValidPortNum(grpc.port), path.child('grpc').child('port'), grpc.port));
  }
  if (h.sleep) {
    const seconds = h.sleep.seconds;
    one('sleep', () =>
      gracePeriod !== undefined && (seconds <= 0 || seconds > gracePeriod)
        ? [
            fieldErrors.invalid(
              path.child('sleep'),
              seconds,
              `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`,
            ),
          ]
        : [],
    );
  }
  if (n === 0) errs.push(fieldErrors.required(path, 'must specify a handler type'));
  return errs;
}

function validateProbe(
  probe: Probe | undefined,
  kind: 'liveness' | 'readiness' | 'startup',
  gracePeriod: number | undefined,
  path: FieldPath,
): FieldErrors {
  if (!probe) return [];
  const errs = validateHandler(probe, gracePeriod, path);
  errs.push(...nonNegative(probe.initialDelaySeconds, path.child('initialDelaySeconds')));
  errs.push(...nonNegative(probe.timeoutSeconds, path.child('timeoutSeconds')));
  errs.push(...nonNegative(probe.periodSeconds, path.child('periodSeconds')));
  errs.push(...nonNegative(probe.successThreshold, path.child('successThreshold')));
  errs.push(...nonNegative(probe.failureThreshold, path.child('failureThreshold')));
  const tgp = probe.terminationGracePeriodSeconds;
  if (tgp !== undefined && tgp <= 0) {
    errs.push(fieldErrors.invalid(path.child('terminationGracePeriodSeconds'), tgp, 'must be greater than 0'));
  }
  if (kind === 'readiness') {
    if (tgp !== undefined) {
      errs.push(fieldErrors.invalid(path.child('terminationGracePeriodSeconds'), tgp, 'must not be set for readinessProbes'));
    }
  } else if (probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.push(fieldErrors.invalid(path.child('successThreshold'), probe.successThreshold, 'must be 1'));
  }
  return errs;
}

function validateLifecycle(l: Lifecycle, gracePeriod: number | undefined, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  if (l.postStart) errs.push(...validateHandler(l.postStart, gracePeriod, path.child('postStart')));
  if (l.preStop) errs.push(...validateHandler(l.preStop, gracePeriod, path.child('preStop')));
  return errs;
}

const SECCOMP_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];

export function validateSeccompProfile(sp: SecurityContext['seccompProfile'], path: FieldPath): FieldErrors {
  if (!sp) return [];
  const errs: FieldErrors = [];
  if (!sp.type) errs.push(fieldErrors.required(path.child('type'), 'type is required when seccompProfile is set'));
  else if (!SECCOMP_TYPES.includes(sp.type)) errs.push(fieldErrors.notSupported(path.child('type'), sp.type, SECCOMP_TYPES));
  if (sp.type === 'Localhost') {
    if (sp.localhostProfile === undefined) {
      errs.push(fieldErrors.required(path.child('localhostProfile'), 'must be set when seccomp type is Localhost'));
    } else {
      errs.push(...validateLocalDescendingPath(sp.localhostProfile, path.child('localhostProfile')));
    }
  } else if (sp.localhostProfile !== undefined) {
    errs.push(fieldErrors.invalid(path.child('localhostProfile'), sp, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

function validateSecurityContext(sc: SecurityContext | undefined, path: FieldPath): FieldErrors {
  if (!sc) return [];
  const errs: FieldErrors = [];
  if (sc.runAsUser !== undefined) errs.push(...validUserID(sc.runAsUser, path.child('runAsUser')));
  if (sc.runAsGroup !== undefined) errs.push(...validUserID(sc.runAsGroup, path.child('runAsGroup')));
  if (sc.procMount !== undefined && !['Default', 'Unmasked'].includes(sc.procMount)) {
    errs.push(fieldErrors.notSupported(path.child('procMount'), sc.procMount, ['Default', 'Unmasked']));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged) {
      errs.push(fieldErrors.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    }
    if ((sc.capabilities?.add ?? []).includes('CAP_SYS_ADMIN')) {
      errs.push(fieldErrors.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
    }
  }
  return errs;
}

/** validateContainerCommon: what regular, init and ephemeral containers share. */
function validateContainerCommon(
  c: Container | EphemeralContainer,
  volumes: Map<string, Volume>,
  podClaimNames: Set<string>,
  path: FieldPath,
): FieldErrors {
  const errs: FieldErrors = [];
  const namePath = path.child('name');
  if (!c.name) errs.push(fieldErrors.required(namePath, ''));
  else errs.push(...validateDNS1123Label(c.name, namePath));
  if (!c.image) errs.push(fieldErrors.required(path.child('image'), ''));
  switch (c.terminationMessagePolicy) {
    case 'File':
    case 'FallbackToLogsOnError':
      break;
    case undefined:
    case '':
      errs.push(fieldErrors.required(path.child('terminationMessagePolicy'), TERMINATION_MESSAGE_POLICY_ERROR));
      break;
    default:
      errs.push(fieldErrors.invalid(path.child('terminationMessagePolicy'), c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICY_ERROR));
  }
  if (!c.imagePullPolicy) errs.push(fieldErrors.required(path.child('imagePullPolicy'), ''));
  else if (!PULL_POLICIES.includes(c.imagePullPolicy)) {
    errs.push(fieldErrors.notSupported(path.child('imagePullPolicy'), c.imagePullPolicy, PULL_POLICIES));
  }
  errs.push(...validateContainerPorts(c.ports, path.child('ports')));
  errs.push(...validateEnv(c.env, path.child('env')));
  errs.push(...validateEnvFrom(c.envFrom, path.child('envFrom')));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, c, path.child('volumeMounts')));
  errs.push(...validateContainerResources(c.resources, podClaimNames, path.child('resources')));
  errs.push(...validateSecurityContext(c.securityContext, path.child('securityContext')));
  return errs;
}

/** AccumulateUniqueHostPorts: one host port per hostIP/protocol. */
function checkHostPortConflicts(containers: Container[], path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    (c.ports ?? []).forEach((port, pi) => {
      if (!port.hostPort) return;
      const key = `${port.hostIP ?? ''}/${port.protocol ?? ''}/${port.hostPort}`;
      if (seen.has(key)) errs.push(fieldErrors.duplicate(path.index(ci).child('ports').index(pi).child('hostPort'), key));
      seen.add(key);
    });
  });
  return errs;
}

export function validateContainers(
  containers: Container[],
  volumes: Map<string, Volume>,
  podClaimNames: Set<string>,
  gracePeriod: number | undefined,
  path: FieldPath,
): FieldErrors {
  if (containers.length === 0) return [fieldErrors.required(path, '')];
  const errs: FieldErrors = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(c, volumes, podClaimNames, p));
    if (names.has(c.name)) errs.push(fieldErrors.duplicate(p.child('name'), c.name));
    else names.add(c.name);
    if (c.lifecycle) errs.push(...validateLifecycle(c.lifecycle, gracePeriod, p.child('lifecycle')));
    errs.push(...validateProbe(c.livenessProbe, 'liveness', gracePeriod, p.child('livenessProbe')));
    errs.push(...validateProbe(c.readinessProbe, 'readiness', gracePeriod, p.child('readinessProbe')));
    errs.push(...validateProbe(c.startupProbe, 'startup', gracePeriod, p.child('startupProbe')));
    if (c.restartPolicy !== undefined) errs.push(fieldErrors.forbidden(p.child('restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...checkHostPortConflicts(containers, path));
  return errs;
}

export function validateInitContainers(
  inits: Container[] | undefined,
  regular: Container[],
  volumes: Map<string, Volume>,
  podClaimNames: Set<string>,
  gracePeriod: number | undefined,
  path: FieldPath,
): FieldErrors {
  const errs: FieldErrors = [];
  const names = new Set(regular.map((c) => c.name));
  (inits ?? []).forEach((c, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(c, volumes, podClaimNames, p));
    let sidecar = false;
    if (c.restartPolicy !== undefined) {
      if (c.restartPolicy !== 'Always') errs.push(fieldErrors.notSupported(p.child('restartPolicy'), c.restartPolicy, ['Always']));
      sidecar = c.restartPolicy === 'Always';
    }
    if (names.has(c.name)) errs.push(fieldErrors.duplicate(p.child('name'), c.name));
    else if (c.name) names.add(c.name);
    // Init containers run one at a time, so only conflicts within one count.
    errs.push(...checkHostPortConflicts([c], path));
    if (sidecar) {
      if (c.lifecycle) errs.push(...validateLifecycle(c.lifecycle, gracePeriod, p.child('lifecycle')));
      errs.push(...validateProbe(c.livenessProbe, 'liveness', gracePeriod, p.child('livenessProbe')));
      errs.push(...validateProbe(c.readinessProbe, 'readiness', gracePeriod, p.child('readinessProbe')));
      errs.push(...validateProbe(c.startupProbe, 'startup', gracePeriod, p.child('startupProbe')));
    } else {
      const forbidden = 'may not be set for init containers without restartPolicy=Always';
      if (c.lifecycle) errs.push(fieldErrors.forbidden(p.child('lifecycle'), forbidden));
      if (c.livenessProbe) errs.push(fieldErrors.forbidden(p.child('livenessProbe'), forbidden));
      if (c.readinessProbe) errs.push(fieldErrors.forbidden(p.child('readinessProbe'), 'may not be set for init containers'));
      if (c.startupProbe) errs.push(fieldErrors.forbidden(p.child('startupProbe'), forbidden));
    }
    if ((c.resizePolicy?.length ?? 0) > 0) {
      errs.push(fieldErrors.invalid(p.child('resizePolicy'), c.resizePolicy, 'must not be set for init containers'));
    }
  });
  return errs;
}

export function validateEphemeralContainers(
  ephemeral: EphemeralContainer[] | undefined,
  spec: PodSpec,
  volumes: Map<string, Volume>,
  podClaimNames: Set<string>,
  path: FieldPath,
): FieldErrors {
  const errs: FieldErrors = [];
  const others = new Set([...spec.containers, ...(spec.initContainers ?? [])].map((c) => c.name));
  const names = new Set<string>();
  (ephemeral ?? []).forEach((c, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(c, volumes, podClaimNames, p));
    if (others.has(c.name) || names.has(c.name)) errs.push(fieldErrors.duplicate(p.child('name'), c.name));
    else names.add(c.name);
    if (c.targetContainerName && !others.has(c.targetContainerName)) {
      errs.push(fieldErrors.notFound(p.child('targetContainerName'), c.targetContainerName));
    }
    for (const field of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe', 'ports', 'resources'] as const) {
      const v = c[field];
      const empty = v === undefined || (Array.isArray(v) ? v.length === 0 : field === 'resources' && Object.keys(v).length === 0);
      if (!empty) errs.push(fieldErrors.forbidden(p.child(field), 'cannot be set for an Ephemeral Container'));
    }
  });
  return errs;
}
