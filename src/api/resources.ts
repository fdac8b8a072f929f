// Every resource the apiserver serves, as discovery lists it, with the schema,
// defaulting and validation the generic registry runs for it; and the name
// resolution kubectl does ("deploy", "deployment.apps", "Deployment"...).
import type { z } from 'zod';
import { HorizontalPodAutoscaler } from './autoscaling/v2.js';
import { HorizontalPodAutoscalerV1 } from './autoscaling/v1.js';
import { hpaV1ToV2, hpaV2ToV1 } from './autoscaling/conversion.js';
import { defaultHorizontalPodAutoscaler, defaultHorizontalPodAutoscalerV1 } from './autoscaling/defaults.js';
import { validateHorizontalPodAutoscaler, validateHorizontalPodAutoscalerV1 } from './autoscaling/validation.js';
import { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from './apps/v1.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from './apps/defaults.js';
import {
  validateControllerRevision,
  validateDaemonSet,
  validateDeployment,
  validateReplicaSet,
  validateStatefulSet,
} from './apps/validation.js';
import { CronJob, Job } from './batch/v1.js';
import { defaultCronJob, defaultJob } from './batch/defaults.js';
import { validateCronJob, validateJob } from './batch/validation.js';
import { Lease } from './coordination/v1.js';
import { validateLease } from './coordination/validation.js';
import { ConfigMap, Endpoints, Event, Namespace, Node, Pod, Secret, Service, ServiceAccount } from './core/v1.js';
import {
  defaultConfigMap,
  defaultEndpoints,
  defaultEvent,
  defaultNamespace,
  defaultNode,
  defaultPod,
  defaultSecret,
  defaultService,
  defaultServiceAccount,
} from './core/defaults.js';
import {
  validateConfigMap,
  validateEndpoints,
  validateEvent,
  validateNamespace,
  validateNode,
  validatePod,
  validateSecret,
  validateService,
  validateServiceAccount,
} from './core/validation.js';
import { EndpointSlice } from './discovery/v1.js';
import { PodDisruptionBudget } from './policy/v1.js';
import { validatePodDisruptionBudget } from './policy/validation.js';
import { defaultEndpointSlice } from './discovery/defaults.js';
import { validateEndpointSlice } from './discovery/validation.js';
import type { KubeObject } from './meta.js';
import type { ResourceInfo, ScaleSubresource } from './resource.js';
import type { FieldErrors } from './validation/field.js';

/** What discovery lists for every ordinary resource. */
export const STANDARD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** Namespaces cannot be deleted as a collection. */
const NAMESPACE_VERBS = STANDARD_VERBS.filter((v) => v !== 'deletecollection');

const REPLICAS_SCALE: ScaleSubresource = {
  specReplicasPath: 'spec.replicas',
  statusReplicasPath: 'status.replicas',
  labelSelectorPath: 'spec.selector',
};

interface Definition<T> {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular?: string;
  shortNames?: string[];
  namespaced: boolean;
  categories?: string[];
  verbs?: string[];
  subresources?: ResourceInfo['subresources'];
  schema: z.ZodType<T>;
  defaults?: (obj: T) => void;
  validate: (obj: T, old?: T) => FieldErrors;
}

/**
 * Builds a ResourceInfo. The generic machinery hands defaults and validate
 * objects that `schema` produced, which is what makes the narrowing sound.
 */
function define<T>(d: Definition<T>): ResourceInfo {
  const defaults = d.defaults;
  return {
    group: d.group,
    version: d.version,
    kind: d.kind,
    listKind: `${d.kind}List`,
    plural: d.plural,
    singular: d.singular ?? d.kind.toLowerCase(),
    shortNames: d.shortNames ?? [],
    namespaced: d.namespaced,
    categories: d.categories ?? [],
    verbs: d.verbs ?? STANDARD_VERBS,
    subresources: d.subresources ?? { status: false },
    schema: d.schema,
    defaults: defaults ? (obj: KubeObject) => defaults(obj as unknown as T) : () => {},
    validate: (obj: KubeObject, old?: KubeObject) => d.validate(obj as unknown as T, old as unknown as T | undefined),
  };
}

export const allResources: ResourceInfo[] = [
  // ---- core/v1 ----
  define({
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    shortNames: ['ns'],
    namespaced: false,
    verbs: NAMESPACE_VERBS,
    subresources: { status: true },
    schema: Namespace,
    defaults: defaultNamespace,
    validate: validateNamespace,
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    shortNames: ['po'],
    namespaced: true,
    categories: ['all'],
    subresources: { status: true, binding: true },
    schema: Pod,
    defaults: defaultPod,
    validate: validatePod,
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    shortNames: ['svc'],
    namespaced: true,
    categories: ['all'],
    subresources: { status: true },
    schema: Service,
    defaults: defaultService,
    validate: validateService,
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'Endpoints',
    plural: 'endpoints',
    // Kubernetes' singular for Endpoints is the plural.
    singular: 'endpoints',
    shortNames: ['ep'],
    namespaced: true,
    schema: Endpoints,
    defaults: defaultEndpoints,
    validate: validateEndpoints,
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'Node',
    plural: 'nodes',
    shortNames: ['no'],
    namespaced: false,
    subresources: { status: true },
    schema: Node,
    defaults: defaultNode,
    validate: validateNode,
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    shortNames: ['cm'],
    namespaced: true,
    schema: ConfigMap,
    defaults: defaultConfigMap,
    validate: validateConfigMap,
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    namespaced: true,
    schema: Secret,
    defaults: defaultSecret,
    validate: validateSecret,
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    shortNames: ['ev'],
    namespaced: true,
    schema: Event,
    defaults: defaultEvent,
    validate: validateEvent,
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    shortNames: ['sa'],
    namespaced: true,
    schema: ServiceAccount,
    defaults: defaultServiceAccount,
    validate: validateServiceAccount,
  }),

  // ---- apps/v1 ----
  define({
    group: 'apps',
    version: 'v1',
    kind: 'ControllerRevision',
    plural: 'controllerrevisions',
    namespaced: true,
    schema: ControllerRevision,
    validate: validateControllerRevision,
  }),
  define({
    group: 'apps',
    version: 'v1',
    kind: 'DaemonSet',
    plural: 'daemonsets',
    shortNames: ['ds'],
    namespaced: true,
    categories: ['all'],
    subresources: { status: true },
    schema: DaemonSet,
    defaults: defaultDaemonSet,
    validate: validateDaemonSet,
  }),
  define({
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    shortNames: ['deploy'],
    namespaced: true,
    categories: ['all'],
    subresources: { status: true, scale: REPLICAS_SCALE },
    schema: Deployment,
    defaults: defaultDeployment,
    validate: validateDeployment,
  }),
  define({
    group: 'apps',
    version: 'v1',
    kind: 'ReplicaSet',
    plural: 'replicasets',
    shortNames: ['rs'],
    namespaced: true,
    categories: ['all'],
    subresources: { status: true, scale: REPLICAS_SCALE },
    schema: ReplicaSet,
    defaults: defaultReplicaSet,
    validate: validateReplicaSet,
  }),
  define({
    group: 'apps',
    version: 'v1',
    kind: 'StatefulSet',
    plural: 'statefulsets',
    shortNames: ['sts'],
    namespaced: true,
    categories: ['all'],
    subresources: { status: true, scale: REPLICAS_SCALE },
    schema: StatefulSet,
    defaults: defaultStatefulSet,
    validate: validateStatefulSet,
  }),

  // ---- batch/v1 ----
  define({
    group: 'batch',
    version: 'v1',
    kind: 'CronJob',
    plural: 'cronjobs',
    shortNames: ['cj'],
    namespaced: true,
    categories: ['all'],
    subresources: { status: true },
    schema: CronJob,
    defaults: defaultCronJob,
    validate: validateCronJob,
  }),
  define({
    group: 'batch',
    version: 'v1',
    kind: 'Job',
    plural: 'jobs',
    namespaced: true,
    categories: ['all'],
    subresources: { status: true },
    schema: Job,
    defaults: defaultJob,
    validate: validateJob,
  }),

  // ---- autoscaling/v2 ----
  define({
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    shortNames: ['hpa'],
    namespaced: true,
    categories: ['all'],
    subresources: { status: true },
    schema: HorizontalPodAutoscaler,
    defaults: defaultHorizontalPodAutoscaler,
    validate: validateHorizontalPodAutoscaler,
  }),

  // ---- coordination.k8s.io/v1 ----
  define({
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    namespaced: true,
    schema: Lease,
    validate: validateLease,
  }),

  // ---- discovery.k8s.io/v1 ----
  define({
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    namespaced: true,
    schema: EndpointSlice,
    defaults: defaultEndpointSlice,
    validate: validateEndpointSlice,
  }),

  // ---- policy/v1 ----
  define({
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    shortNames: ['pdb'],
    namespaced: true,
    subresources: { status: true },
    schema: PodDisruptionBudget,
    validate: validatePodDisruptionBudget,
  }),
];

/**
 * Versions served by converting to and from another version's stored
 * objects. Discovery lists them after the stored version, which stays the
 * preferred one; allResources keeps one version per resource for everything
 * that walks resources (garbage collection, namespace deletion, the CLI).
 */
export const convertedVersions: ResourceInfo[] = [
  // kubectl autoscale (up to 1.33) creates autoscaling/v1 objects.
  {
    ...define({
      group: 'autoscaling',
      version: 'v1',
      kind: 'HorizontalPodAutoscaler',
      plural: 'horizontalpodautoscalers',
      shortNames: ['hpa'],
      namespaced: true,
      categories: ['all'],
      subresources: { status: true },
      schema: HorizontalPodAutoscalerV1,
      defaults: defaultHorizontalPodAutoscalerV1,
      validate: validateHorizontalPodAutoscalerV1,
    }),
    storedAs: { version: 'v2', toStored: hpaV1ToV2, fromStored: hpaV2ToV1 },
  },
];

/** Every resource version the apiserver serves: allResources, then the converted versions. */
export const servedResources: ResourceInfo[] = [...allResources, ...convertedVersions];

export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return servedResources.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** The resource whose objects carry this apiVersion and kind ("apps/v1", "Deployment"). */
export function findByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return servedResources.find((r) => r.group === group && r.version === version && r.kind === kind);
}

const matchesName = (r: ResourceInfo, name: string): boolean =>
  r.plural === name || r.singular === name || r.shortNames.includes(name) || r.kind.toLowerCase() === name;

/**
 * What kubectl accepts for a resource: plural, singular, short name or kind
 * (any case), each optionally qualified by group ("deployments.apps") or by
 * version and group ("deployments.v1.apps"). Core resources come first when
 * a bare name could mean several.
 */
export function resolveResourceName(name: string): ResourceInfo | undefined {
  const lower = name.trim().toLowerCase();
  if (!lower) return undefined;
  const bare = allResources.find((r) => matchesName(r, lower));
  if (bare) return bare;
  const dot = lower.indexOf('.');
  if (dot <= 0) return undefined;
  const resource = lower.slice(0, dot);
  const qualifier = lower.slice(dot + 1);
  const byGroup = allResources.find((r) => r.group === qualifier && matchesName(r, resource));
  if (byGroup) return byGroup;
  const vdot = qualifier.indexOf('.');
  if (vdot <= 0) return undefined;
  const version = qualifier.slice(0, vdot);
  const group = qualifier.slice(vdot + 1);
  return allResources.find((r) => r.group === group && r.version === version && matchesName(r, resource));
}
