// core/v1 defaulting, as k8s.io/kubernetes/pkg/apis/core/v1/defaults.go does
// it, plus what Kubernetes' v1 conversion normalizes on every decode
// (serviceAccount mirroring serviceAccountName, podIP and podIPs in step,
// stringData folded into data, quantities in canonical form). Everything runs
// in place after decoding and before validation, on creates and updates alike.
import { isIP } from 'node:net';
import { imageTag } from './image.js';
import { podQOSClass } from './qos.js';
import { canonicalizeResourceList, canonicalQuantity } from './quantities.js';
import { VOLUME_SOURCE_FIELDS } from './volume.js';
import type {
  ConfigMap,
  Container,
  Endpoints,
  EphemeralContainer,
  Event,
  HTTPGetAction,
  LifecycleHandler,
  Namespace,
  Node,
  ObjectFieldSelector,
  PersistentVolumeClaim,
  PersistentVolumeClaimSpec,
  Pod,
  PodSpec,
  PodTemplateSpec,
  Probe,
  ResourceFieldSelector,
  Secret,
  Service,
  ServiceAccount,
  Volume,
} from './v1.js';

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const TERMINATION_MESSAGE_PATH_DEFAULT = '/dev/termination-log';
/** 0644: the file mode of projected secret, configmap and downward API files. */
export const DEFAULT_VOLUME_FILE_MODE = 0o644;
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;
export const LABEL_METADATA_NAME = 'kubernetes.io/metadata.name';

// ---- containers ----

function defaultFieldRef(f: ObjectFieldSelector | undefined): void {
  if (f && !f.apiVersion) f.apiVersion = 'v1';
}

function defaultResourceFieldRef(f: ResourceFieldSelector | undefined): void {
  if (!f) return;
  // A zero Quantity is never omitted by Go's encoder: Kubernetes shows divisor "0".
  f.divisor = canonicalQuantity(f.divisor ?? '0');
}

function defaultHTTPGet(h: HTTPGetAction | undefined): void {
  if (!h) return;
  if (!h.path) h.path = '/';
  if (!h.scheme) h.scheme = 'HTTP';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  defaultHTTPGet(p.httpGet);
}

function defaultLifecycleHandler(h: LifecycleHandler | undefined): void {
  defaultHTTPGet(h?.httpGet);
}

/** "Always" for a :latest (or untagged) image, since a tag like that moves; "IfNotPresent" otherwise. */
export function defaultImagePullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  return imageTag(image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
}

export function defaultContainer(c: Container | EphemeralContainer): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultImagePullPolicy(c.image);
  if (!c.terminationMessagePath) c.terminationMessagePath = TERMINATION_MESSAGE_PATH_DEFAULT;
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  for (const p of c.ports ?? []) if (!p.protocol) p.protocol = 'TCP';
  for (const e of c.env ?? []) {
    defaultFieldRef(e.valueFrom?.fieldRef);
    defaultResourceFieldRef(e.valueFrom?.resourceFieldRef);
  }
  // ResourceRequirements is a struct, not a pointer, in Go: always on the wire.
  c.resources ??= {};
  canonicalizeResourceList(c.resources.limits);
  canonicalizeResourceList(c.resources.requests);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultLifecycleHandler(c.lifecycle?.postStart);
  defaultLifecycleHandler(c.lifecycle?.preStop);
}

// ---- volumes ----

export function defaultPersistentVolumeClaimSpec(spec: PersistentVolumeClaimSpec): void {
  if (!spec.volumeMode) spec.volumeMode = 'Filesystem';
  canonicalizeResourceList(spec.resources?.requests);
  canonicalizeResourceList(spec.resources?.limits);
}

/** A PersistentVolumeClaim, also as StatefulSet volumeClaimTemplates embed it. */
export function defaultPersistentVolumeClaim(pvc: PersistentVolumeClaim): void {
  defaultPersistentVolumeClaimSpec((pvc.spec ??= {}));
  const status = (pvc.status ??= {});
  if (!status.phase) status.phase = 'Pending';
}

export function defaultVolume(v: Volume): void {
  if (VOLUME_SOURCE_FIELDS.every((f) => v[f] === undefined)) v.emptyDir = {};
  if (v.emptyDir?.sizeLimit !== undefined) v.emptyDir.sizeLimit = canonicalQuantity(v.emptyDir.sizeLimit);
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.secret) v.secret.defaultMode ??= DEFAULT_VOLUME_FILE_MODE;
  if (v.configMap) v.configMap.defaultMode ??= DEFAULT_VOLUME_FILE_MODE;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= DEFAULT_VOLUME_FILE_MODE;
    for (const item of v.downwardAPI.items ?? []) {
      defaultFieldRef(item.fieldRef);
      defaultResourceFieldRef(item.resourceFieldRef);
    }
  }
  if (v.projected) {
    v.projected.defaultMode ??= DEFAULT_VOLUME_FILE_MODE;
    for (const src of v.projected.sources ?? []) {
      for (const item of src.downwardAPI?.items ?? []) {
        defaultFieldRef(item.fieldRef);
        defaultResourceFieldRef(item.resourceFieldRef);
      }
      if (src.serviceAccountToken) src.serviceAccountToken.expirationSeconds ??= 3600;
    }
  }
  if (v.ephemeral?.volumeClaimTemplate) defaultPersistentVolumeClaimSpec(v.ephemeral.volumeClaimTemplate.spec);
}

// ---- pods ----

/**
 * v1 conversion of a singular field and its plural successor (podIP/podIPs,
 * hostIP/hostIPs, podCIDR/podCIDRs): the singular one wins when they
 * disagree and fills an empty list; the singular is then the list's first.
 * Undefined when both are empty.
 */
function mirrorSingular(single: string | undefined, list: string[] | undefined): [string, ...string[]] | undefined {
  if (single && list?.[0] !== single) return [single];
  return list?.length ? [list[0]!, ...list.slice(1)] : undefined;
}

/**
 * SetDefaults_PodSpec and everything below it. Pod-only defaults (requests
 * from limits, enableServiceLinks, ...) are in defaultPod, so templates in
 * Deployments and Jobs stay as Kubernetes shows them.
 */
export function defaultPodSpec(spec: PodSpec): void {
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  if (!spec.schedulerName) spec.schedulerName = DEFAULT_SCHEDULER_NAME;
  // v1 conversion: the deprecated serviceAccount fills an empty
  // serviceAccountName, and is always written back as its mirror.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  else delete spec.serviceAccount;
  for (const v of spec.volumes ?? []) defaultVolume(v);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c);
  canonicalizeResourceList(spec.overhead);
}

export function defaultPodTemplateSpec(t: PodTemplateSpec): void {
  defaultPodSpec((t.spec ??= { containers: [] }));
}

function copyLimitsToRequests(c: Container): void {
  const limits = c.resources?.limits;
  if (!limits || !c.resources) return;
  const requests = (c.resources.requests ??= {});
  for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
}

function defaultHostNetworkPorts(containers: Container[] | undefined): void {
  for (const c of containers ?? []) {
    for (const p of c.ports ?? []) if (!p.hostPort) p.hostPort = p.containerPort;
  }
}

/**
 * SetDefaults_Pod on top of the pod spec defaults, the service account the
 * ServiceAccount admission plugin assigns, and the status a new pod starts
 * with (Pending, with its QoS class) when none was given.
 */
export function defaultPod(pod: Pod): void {
  const spec = (pod.spec ??= { containers: [] });
  defaultPodSpec(spec);
  for (const c of spec.containers) copyLimitsToRequests(c);
  for (const c of spec.initContainers ?? []) copyLimitsToRequests(c);
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork) {
    defaultHostNetworkPorts(spec.containers);
    defaultHostNetworkPorts(spec.initContainers);
  }
  if (!spec.serviceAccountName) {
    spec.serviceAccountName = 'default';
    spec.serviceAccount = 'default';
  }
  const status = (pod.status ??= {});
  if (!status.phase) status.phase = 'Pending';
  if (!status.qosClass) status.qosClass = podQOSClass(spec);
  const podIPs = mirrorSingular(status.podIP, status.podIPs?.map((p) => p.ip));
  if (podIPs) {
    status.podIP = podIPs[0];
    status.podIPs = podIPs.map((ip) => ({ ip }));
  }
  const hostIPs = mirrorSingular(status.hostIP, status.hostIPs?.map((p) => p.ip));
  if (hostIPs) {
    status.hostIP = hostIPs[0];
    status.hostIPs = hostIPs.map((ip) => ({ ip }));
  }
  for (const cs of [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])]) {
    canonicalizeResourceList(cs.allocatedResources);
  }
}

// ---- services and endpoints ----

/** Whether traffic can reach the service from outside the cluster (ExternallyAccessible). */
export function serviceExternallyAccessible(svc: Service): boolean {
  const t = svc.spec.type;
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && (svc.spec.externalIPs?.length ?? 0) > 0);
}

export function defaultService(svc: Service): void {
  const spec = svc.spec;
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const p of spec.ports ?? []) {
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (serviceExternallyAccessible(svc) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (!spec.internalTrafficPolicy && ['ClusterIP', 'NodePort', 'LoadBalancer'].includes(spec.type)) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.type !== 'ExternalName') {
    // The registry keeps clusterIP and clusterIPs[0] in step whichever one the user set.
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    else if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
    // What the IP allocator records in a single-stack cluster.
    if (!spec.ipFamilyPolicy) spec.ipFamilyPolicy = 'SingleStack';
    if (!spec.ipFamilies?.length) {
      const first = spec.clusterIPs?.[0];
      spec.ipFamilies = [first && isIP(first) === 6 ? 'IPv6' : 'IPv4'];
    }
  }
  // ServiceStatus.LoadBalancer is a struct in Go: Kubernetes always shows it.
  const status = (svc.status ??= {});
  status.loadBalancer ??= {};
}

export function defaultEndpoints(ep: Endpoints): void {
  for (const s of ep.subsets ?? []) for (const p of s.ports ?? []) if (!p.protocol) p.protocol = 'TCP';
}

// ---- cluster-scoped kinds ----

/**
 * SetDefaults_Namespace and SetDefaults_NamespaceStatus. The "kubernetes"
 * finalizer is not a default (it must stay removable): prepareNamespaceForCreate adds it.
 */
export function defaultNamespace(ns: Namespace): void {
  if (ns.metadata.name) (ns.metadata.labels ??= {})[LABEL_METADATA_NAME] = ns.metadata.name;
  const status = (ns.status ??= {});
  if (!status.phase) status.phase = 'Active';
}

/**
 * SetDefaults_NodeStatus (allocatable is capacity until kubelet says
 * otherwise), and v1 conversion's podCIDR mirroring podCIDRs[0].
 */
export function defaultNode(node: Node): void {
  const spec = node.spec;
  const cidrs = mirrorSingular(spec.podCIDR, spec.podCIDRs);
  if (cidrs) {
    spec.podCIDR = cidrs[0];
    spec.podCIDRs = cidrs;
  }
  const status = node.status;
  if (!status) return;
  canonicalizeResourceList(status.capacity);
  canonicalizeResourceList(status.allocatable);
  if (!status.allocatable && status.capacity) status.allocatable = { ...status.capacity };
}

// ---- config ----

/**
 * SetDefaults_Secret, plus the v1 conversion that folds the write-only
 * stringData into data (stringData wins), so it is never stored.
 */
export function defaultSecret(secret: Secret): void {
  if (!secret.type) secret.type = 'Opaque';
  if (secret.stringData) {
    const data = (secret.data ??= {});
    for (const [k, v] of Object.entries(secret.stringData)) data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete secret.stringData;
  }
}

// Kubernetes has no defaults for these kinds; they are here so every core
// kind has a defaulting function with the same shape.
export function defaultConfigMap(_cm: ConfigMap): void {}
export function defaultEvent(_ev: Event): void {}
export function defaultServiceAccount(_sa: ServiceAccount): void {}
