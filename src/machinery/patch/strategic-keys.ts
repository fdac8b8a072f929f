// The patchStrategy / patchMergeKey struct tags of k8s.io/api, keyed by the
// field's path from the object root with list indexes dropped
// ("spec.template.spec.containers.env"). Every path not listed behaves as an
// untagged field does in Kubernetes: objects merge key by key, lists are
// replaced whole.

export interface PatchMeta {
  /** 'merge' on a list merges its items (by mergeKey for objects); 'replace' replaces an object whole. */
  strategy?: 'merge' | 'replace';
  mergeKey?: string;
  /** The retainKeys strategy: a patch made from a diff names every key to keep in $retainKeys. */
  retainKeys?: boolean;
}

const byName: PatchMeta = { strategy: 'merge', mergeKey: 'name' };
const byType: PatchMeta = { strategy: 'merge', mergeKey: 'type' };
const byIP: PatchMeta = { strategy: 'merge', mergeKey: 'ip' };
const primitiveSet: PatchMeta = { strategy: 'merge' };

/** core/v1 Container and EphemeralContainerCommon. */
const CONTAINER: Readonly<Record<string, PatchMeta>> = {
  ports: { strategy: 'merge', mergeKey: 'containerPort' },
  env: byName,
  volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
  volumeDevices: { strategy: 'merge', mergeKey: 'devicePath' },
};

/** core/v1 PodSpec. Tolerations, readinessGates and the like carry no tag and are replaced. */
const POD_SPEC: Readonly<Record<string, PatchMeta>> = {
  volumes: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
  initContainers: byName,
  containers: byName,
  ephemeralContainers: byName,
  imagePullSecrets: byName,
  hostAliases: byIP,
  topologySpreadConstraints: { strategy: 'merge', mergeKey: 'topologyKey' },
  schedulingGates: byName,
  resourceClaims: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
};

/** meta/v1 ObjectMeta. */
const OBJECT_META: Readonly<Record<string, PatchMeta>> = {
  finalizers: primitiveSet,
  ownerReferences: { strategy: 'merge', mergeKey: 'uid' },
};

/** Where a PodSpec sits: pods, podtemplates, the workload controllers, cronjobs. */
const POD_SPEC_PATHS = ['spec', 'template.spec', 'spec.template.spec', 'spec.jobTemplate.spec.template.spec'];
const OBJECT_META_PATHS = [
  'metadata',
  'template.metadata',
  'spec.template.metadata',
  'spec.jobTemplate.metadata',
  'spec.jobTemplate.spec.template.metadata',
];

function buildTable(): Map<string, PatchMeta> {
  const t = new Map<string, PatchMeta>();
  for (const base of POD_SPEC_PATHS) {
    for (const [field, meta] of Object.entries(POD_SPEC)) t.set(`${base}.${field}`, meta);
    for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
      for (const [field, meta] of Object.entries(CONTAINER)) t.set(`${base}.${list}.${field}`, meta);
    }
  }
  for (const base of OBJECT_META_PATHS) {
    for (const [field, meta] of Object.entries(OBJECT_META)) t.set(`${base}.${field}`, meta);
  }
  // Every built-in status with conditions (pods, nodes, namespaces, workloads,
  // jobs, services, PVCs, HPAs, PDBs) merges them by type.
  t.set('status.conditions', byType);
  // Pod status.
  t.set('status.podIPs', byIP);
  t.set('status.hostIPs', byIP);
  t.set('status.resourceClaimStatuses', { strategy: 'merge', mergeKey: 'name', retainKeys: true });
  // Node.
  t.set('status.addresses', byType);
  t.set('spec.podCIDRs', primitiveSet);
  // Service.
  t.set('spec.ports', { strategy: 'merge', mergeKey: 'port' });
  // ServiceAccount.
  t.set('secrets', byName);
  // Deployment: switching to Recreate must drop rollingUpdate.
  t.set('spec.strategy', { retainKeys: true });
  return t;
}

const TABLE = buildTable();

function stripIndexes(path: string): string {
  return path.replace(/\[[^\]]*\]/g, '');
}

/** The tags of the field at a dotted path ("spec.containers" or "spec.containers[0].env"). */
export function lookupPatchMeta(path: string): PatchMeta {
  return TABLE.get(stripIndexes(path)) ?? {};
}

export function joinPath(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}
