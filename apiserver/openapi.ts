// The OpenAPI documents clients read to learn the API's shape: /openapi/v3
// (a root naming one OpenAPI 3.0 document per group-version) and
// /openapi/v2 (one Swagger 2.0 document for everything, in JSON or in the
// protocol buffers older kubectl asks for). kubectl reads them
// to decide whether the server validates fields itself (a PATCH operation
// for the kind that takes `fieldValidation`), to compute strategic merge
// patches for `apply` (x-kubernetes-patch-* on list fields) and for
// `explain`. Everything is generated from the resource table and its zod
// schemas, with Kubernetes' names for operations and definitions.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import * as metaV1 from '../src/api/meta.js';
import * as coreV1 from '../src/api/core/v1.js';
import * as appsV1 from '../src/api/apps/v1.js';
import * as batchV1 from '../src/api/batch/v1.js';
import * as autoscalingV1 from '../src/api/autoscaling/v1.js';
import * as autoscalingV2 from '../src/api/autoscaling/v2.js';
import * as coordinationV1 from '../src/api/coordination/v1.js';
import * as discoveryV1 from '../src/api/discovery/v1.js';
import type { ResourceInfo } from '../src/api/resource.js';
import { errors, StatusError } from '../src/api/status.js';
import { lookupPatchMeta, type PatchMeta } from '../src/machinery/patch/strategic-keys.js';
import { SERVER_VERSION } from './discovery.js';

export type Schema = Record<string, unknown>;

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const STATUS = `${META}.Status`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;
const PATCH = `${META}.Patch`;
const SCALE = 'io.k8s.api.autoscaling.v1.Scale';
const BINDING = 'io.k8s.api.core.v1.Binding';
const SCALE_GVK: Gvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
const BINDING_GVK: Gvk = { group: '', version: 'v1', kind: 'Binding' };

/**
 * Modules whose exported schemas become named definitions (so that
 * `kubectl explain` says `<[]Container>`), with Kubernetes' package names.
 * The first module to export a schema names it.
 */
const NAMED_TYPE_MODULES: ReadonlyArray<readonly [string, Readonly<Record<string, unknown>>]> = [
  [META, metaV1],
  ['io.k8s.api.core.v1', coreV1],
  ['io.k8s.api.apps.v1', appsV1],
  ['io.k8s.api.batch.v1', batchV1],
  ['io.k8s.api.autoscaling.v1', autoscalingV1],
  ['io.k8s.api.autoscaling.v2', autoscalingV2],
  ['io.k8s.api.coordination.v1', coordinationV1],
  ['io.k8s.api.discovery.v1', discoveryV1],
];
/** Value types that stay inline: their zod unions are rewritten into the string forms Kubernetes declares. */
const INLINE_TYPES = new Set(['Quantity', 'IntOrString', 'ResourceList', 'Time']);

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** "io.k8s.api.apps.v1.Deployment": Kubernetes' definition name for a kind of a group-version. */
export function definitionName(gvk: Gvk): string {
  const pkg = gvk.group === '' ? 'core' : gvk.group.split('.')[0]!;
  return `io.k8s.api.${pkg}.${gvk.version}.${gvk.kind}`;
}

const listDefinitionName = (r: ResourceInfo) => definitionName({ group: r.group, version: r.version, kind: r.listKind });
const ref = (name: string) => `#/components/schemas/${name}`;
const refName = (s: string) => s.slice(s.lastIndexOf('/') + 1);
const gvkValue = (g: Gvk) => ({ group: g.group, kind: g.kind, version: g.version });

// ---------------------------------------------------------------------------
// Descriptions: what `kubectl explain` prints. Schemas that carry a zod
// description keep theirs; these fill in the types and fields people ask about.

const TOP_LEVEL_FIELDS: Record<string, string> = {
  apiVersion:
    'APIVersion defines the versioned schema of this representation of an object. Servers convert recognized schemas to the latest internal value and may reject unrecognized values.',
  kind: 'Kind is a string value representing the REST resource this object represents, inferred from the endpoint the client submits requests to. In CamelCase; cannot be updated.',
  metadata: "Standard object's metadata: name, namespace, labels, annotations and the fields the system sets.",
  spec: 'Specification of the desired behavior of the object.',
  status: 'Most recently observed status of the object, populated by the system. Read-only.',
};

const TYPE_DESCRIPTIONS: Record<string, string> = {
  Namespace: 'Namespace provides a scope for names. Most objects live in one namespace; names are unique within it.',
  Pod: 'Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.',
  Service:
    'Service is a named abstraction of software service (for example, mysql) consisting of a local port that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.',
  Endpoints: 'Endpoints is a collection of endpoints that implement the actual service.',
  Node: 'Node is a worker in the cluster. Each node runs a kubelet and has a unique name.',
  ConfigMap: 'ConfigMap holds configuration data for pods to consume.',
  Secret: 'Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than 1 MiB.',
  Event: 'Event is a report of an event somewhere in the cluster.',
  ServiceAccount: 'ServiceAccount binds together a name understood by users and systems, a principal that can be authenticated, and a set of secrets.',
  ControllerRevision: 'ControllerRevision implements an immutable snapshot of state data, used by controllers to roll back and forward.',
  DaemonSet: 'DaemonSet represents the configuration of a daemon set: a copy of a pod on every matching node.',
  Deployment: 'Deployment enables declarative updates for Pods and ReplicaSets.',
  ReplicaSet: 'ReplicaSet ensures that a specified number of pod replicas are running at any given time.',
  StatefulSet: 'StatefulSet represents a set of pods with consistent identities: stable network names and stable storage.',
  CronJob: 'CronJob represents the configuration of a single cron job.',
  Job: 'Job represents the configuration of a single job.',
  HorizontalPodAutoscaler:
    'HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, which automatically manages the replica count of any resource implementing the scale subresource based on the metrics specified.',
  Lease: 'Lease defines a lease concept, used among other things for leader election and node heartbeats.',
  EndpointSlice: 'EndpointSlice represents a subset of the endpoints that implement a service.',
  Binding: 'Binding ties one object to another; for example, a pod is bound to a node by a scheduler.',
  Scale: 'Scale represents a scaling request for a resource.',
  ObjectMeta: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
  ListMeta: 'ListMeta describes metadata that synthetic resources must have, including lists.',
  LabelSelector:
    'A label selector is a label query over a set of resources. The result of matchLabels and matchExpressions are ANDed. An empty label selector matches all objects. A null label selector matches no objects.',
  OwnerReference: 'OwnerReference contains enough information to let you identify an owning object.',
  PodSpec: 'PodSpec is a description of a pod.',
  PodStatus: 'PodStatus represents information about the status of a pod. Status may trail the actual state of a system.',
  PodTemplateSpec: 'PodTemplateSpec describes the data a pod should have when created from a template.',
  Container: 'A single application container that you want to run within a pod.',
  ContainerPort: 'ContainerPort represents a network port in a single container.',
  EnvVar: 'EnvVar represents an environment variable present in a Container.',
  ResourceRequirements: 'ResourceRequirements describes the compute resource requirements.',
  VolumeMount: 'VolumeMount describes a mounting of a Volume within a container.',
  Volume: 'Volume represents a named volume in a pod that may be accessed by any container in the pod.',
  Probe: 'Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.',
  DeploymentSpec: 'DeploymentSpec is the specification of the desired behavior of the Deployment.',
  DeploymentStrategy: 'DeploymentStrategy describes how to replace existing pods with new ones.',
  ServiceSpec: 'ServiceSpec describes the attributes that a user creates on a service.',
  ServicePort: "ServicePort contains information on service's port.",
  JobSpec: 'JobSpec describes how the job execution will look like.',
};

const FIELD_DESCRIPTIONS: Record<string, string> = {
  'ObjectMeta.name': 'Name must be unique within a namespace. Required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Cannot be updated.',
  'ObjectMeta.generateName': 'GenerateName is an optional prefix, used by the server, to generate a unique name only if the Name field has not been provided.',
  'ObjectMeta.namespace': 'Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the "default" namespace. Cannot be updated.',
  'ObjectMeta.labels': 'Map of string keys and values that can be used to organize and categorize (scope and select) objects.',
  'ObjectMeta.annotations': 'Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata. They are not queryable.',
  'ObjectMeta.uid': 'UID is the unique in time and space value for this object, generated by the server on successful creation. Read-only.',
  'ObjectMeta.resourceVersion': 'An opaque value that represents the internal version of this object, used for optimistic concurrency, change detection and watches. Read-only.',
  'ObjectMeta.generation': 'A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.',
  'ObjectMeta.creationTimestamp': 'CreationTimestamp is a timestamp representing the server time when this object was created. Populated by the system. Read-only.',
  'ObjectMeta.deletionTimestamp': 'DeletionTimestamp is the time after which this resource will be deleted, set by the server when a graceful deletion is requested. Read-only.',
  'ObjectMeta.ownerReferences': 'List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected.',
  'ObjectMeta.finalizers': 'Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list.',
  'PodSpec.containers': 'List of containers belonging to the pod. Containers cannot currently be added or removed. There must be at least one container in a Pod. Cannot be updated.',
  'PodSpec.initContainers': 'List of initialization containers belonging to the pod. Init containers are executed in order prior to containers being started.',
  'PodSpec.volumes': 'List of volumes that can be mounted by containers belonging to the pod.',
  'PodSpec.restartPolicy': 'Restart policy for all containers within the pod. One of Always, OnFailure, Never. Default to Always.',
  'PodSpec.nodeName': 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler.',
  'PodSpec.nodeSelector': "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node.",
  'PodSpec.serviceAccountName': 'ServiceAccountName is the name of the ServiceAccount to use to run this pod.',
  'PodSpec.terminationGracePeriodSeconds': 'Optional duration in seconds the pod needs to terminate gracefully. Defaults to 30 seconds.',
  'PodSpec.tolerations': "If specified, the pod's tolerations.",
  'PodSpec.affinity': "If specified, the pod's scheduling constraints.",
  'Container.name': 'Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name. Cannot be updated.',
  'Container.image': 'Container image name. This field is optional to allow higher level config management to default or override container images in workload controllers like Deployments and StatefulSets.',
  'Container.command': "Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is used if this is not provided.",
  'Container.args': "Arguments to the entrypoint. The container image's CMD is used if this is not provided.",
  'Container.env': 'List of environment variables to set in the container. Cannot be updated.',
  'Container.envFrom': 'List of sources to populate environment variables in the container.',
  'Container.ports': 'List of ports to expose from the container.',
  'Container.resources': 'Compute Resources required by this container. Cannot be updated.',
  'Container.imagePullPolicy': 'Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise. Cannot be updated.',
  'Container.volumeMounts': "Pod volumes to mount into the container's filesystem. Cannot be updated.",
  'Container.livenessProbe': 'Periodic probe of container liveness. Container will be restarted if the probe fails. Cannot be updated.',
  'Container.readinessProbe': 'Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails. Cannot be updated.',
  'Container.workingDir': "Container's working directory. If not specified, the container runtime's default will be used. Cannot be updated.",
  'ContainerPort.containerPort': "Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536.",
  'ContainerPort.protocol': 'Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".',
  'EnvVar.name': 'Name of the environment variable.',
  'EnvVar.value': 'Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables.',
  'ResourceRequirements.limits': 'Limits describes the maximum amount of compute resources allowed.',
  'ResourceRequirements.requests': 'Requests describes the minimum amount of compute resources required. Defaults to Limits when omitted.',
  'DeploymentSpec.replicas': 'Number of desired pods. Defaults to 1.',
  'DeploymentSpec.selector': "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.",
  'DeploymentSpec.template': 'Template describes the pods that will be created.',
  'DeploymentSpec.strategy': 'The deployment strategy to use to replace existing pods with new ones.',
  'ServiceSpec.ports': 'The list of ports that are exposed by this service.',
  'ServiceSpec.selector': 'Route service traffic to pods with label keys and values matching this selector.',
  'ServiceSpec.type': 'Type determines how the Service is exposed. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. Defaults to ClusterIP.',
  'ServiceSpec.clusterIP': 'ClusterIP is the IP address of the service, usually assigned randomly.',
  'ServicePort.port': 'The port that will be exposed by this service.',
  'ServicePort.targetPort': 'Number or name of the port to access on the pods targeted by the service.',
};

// ---------------------------------------------------------------------------
// Definitions

/**
 * Rewrites zod's JSON Schema into the forms Kubernetes publishes: no
 * $id, no safe-integer bounds, int-or-string and quantity unions as strings,
 * objects left open.
 */
function normalize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalize);
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$id' || k === '$schema') continue;
    if (k === 'properties' && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, normalize(s)]));
    else if (k === 'items' || k === 'additionalProperties' || k === 'not' || k === 'allOf' || k === 'anyOf' || k === 'oneOf') out[k] = normalize(v);
    else out[k] = v;
  }
  if (out.type === 'integer') {
    if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
    if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  }
  if (out.additionalProperties === false) delete out.additionalProperties;
  const alternatives = Array.isArray(out.anyOf) ? out.anyOf.map((s) => (isObject(s) ? s.type : undefined)).sort() : [];
  if (alternatives.length === 2 && alternatives[0] === 'integer' && alternatives[1] === 'string') {
    delete out.anyOf;
    return { ...out, type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true };
  }
  if (alternatives.length === 2 && alternatives[0] === 'number' && alternatives[1] === 'string') {
    // resource.Quantity: numbers are accepted, strings are what the server answers with.
    delete out.anyOf;
    return { ...out, type: 'string' };
  }
  return out;
}

function zodDefinitions(resources: ResourceInfo[]): Record<string, Schema> {
  const registry = z.registry<{ id: string }>();
  const ids = new Set<string>();
  const name = (schema: unknown, id: string) => {
    if (!(schema instanceof z.ZodType) || registry.has(schema) || ids.has(id)) return;
    registry.add(schema, { id });
    ids.add(id);
  };
  for (const r of resources) name(r.schema, definitionName(r));
  for (const [pkg, mod] of NAMED_TYPE_MODULES) {
    for (const [exported, value] of Object.entries(mod)) if (!INLINE_TYPES.has(exported)) name(value, `${pkg}.${exported}`);
  }
  const { schemas } = z.toJSONSchema(registry, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => ref(id),
  });
  const out: Record<string, Schema> = {};
  for (const [id, s] of Object.entries(schemas)) {
    const n = normalize(s);
    if (isObject(n)) out[id] = n;
  }
  return out;
}

const typeMeta = (): Schema => ({
  apiVersion: { description: TOP_LEVEL_FIELDS.apiVersion, type: 'string' },
  kind: { description: TOP_LEVEL_FIELDS.kind, type: 'string' },
});

/** meta/v1 types the server speaks but keeps no zod schema for. */
function metaDefinitions(groupVersions: Gvk[]): Record<string, Schema> {
  const gvkList = (kind: string) => groupVersions.map((gv) => gvkValue({ ...gv, kind }));
  return {
    [PATCH]: { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' },
    [`${META}.Preconditions`]: {
      description: 'Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.',
      type: 'object',
      properties: {
        resourceVersion: { description: 'Specifies the target ResourceVersion', type: 'string' },
        uid: { description: 'Specifies the target UID.', type: 'string' },
      },
    },
    [DELETE_OPTIONS]: {
      description: 'DeleteOptions may be provided when deleting an API object.',
      type: 'object',
      properties: {
        ...typeMeta(),
        dryRun: { description: 'When present, indicates that modifications should not be persisted. The only valid value is "All".', type: 'array', items: { type: 'string', default: '' } },
        gracePeriodSeconds: { description: 'The duration in seconds before the object should be deleted. Zero means delete immediately.', type: 'integer', format: 'int64' },
        orphanDependents: { description: 'Deprecated: use propagationPolicy. Whether the dependent objects should be orphaned.', type: 'boolean' },
        preconditions: { description: 'Must be fulfilled before a deletion is carried out.', allOf: [{ $ref: ref(`${META}.Preconditions`) }] },
        propagationPolicy: { description: "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'.", type: 'string' },
      },
      'x-kubernetes-group-version-kind': gvkList('DeleteOptions'),
    },
    [`${META}.StatusCause`]: {
      description: 'StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.',
      type: 'object',
      properties: {
        field: { description: 'The field of the resource that has caused this error, as named by its JSON serialization.', type: 'string' },
        message: { description: 'A human-readable description of the cause of the error.', type: 'string' },
        reason: { description: 'A machine-readable description of the cause of the error.', type: 'string' },
      },
    },
    [`${META}.StatusDetails`]: {
      description: 'StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.',
      type: 'object',
      properties: {
        causes: { description: 'The Causes array includes more details associated with the StatusReason failure.', type: 'array', items: { allOf: [{ $ref: ref(`${META}.StatusCause`) }], default: {} } },
        group: { description: 'The group attribute of the resource associated with the status StatusReason.', type: 'string' },
        kind: { description: 'The kind attribute of the resource associated with the status StatusReason.', type: 'string' },
        name: { description: 'The name attribute of the resource associated with the status StatusReason.', type: 'string' },
        retryAfterSeconds: { description: 'If specified, the time in seconds before the operation should be retried.', type: 'integer', format: 'int32' },
        uid: { description: 'UID of the resource.', type: 'string' },
      },
    },
    [STATUS]: {
      description: 'Status is a return value for calls that do not return other objects.',
      type: 'object',
      properties: {
        ...typeMeta(),
        code: { description: 'Suggested HTTP return code for this status, 0 if not set.', type: 'integer', format: 'int32' },
        details: { description: 'Extended data associated with the reason.', allOf: [{ $ref: ref(`${META}.StatusDetails`) }] },
        message: { description: 'A human-readable description of the status of this operation.', type: 'string' },
        metadata: { description: 'Standard list metadata.', allOf: [{ $ref: ref(`${META}.ListMeta`) }], default: {} },
        reason: { description: 'A machine-readable description of why this operation is in the "Failure" status.', type: 'string' },
        status: { description: 'Status of the operation. One of: "Success" or "Failure".', type: 'string' },
      },
      'x-kubernetes-group-version-kind': [gvkValue({ group: '', version: 'v1', kind: 'Status' })],
    },
  };
}

function listDefinition(r: ResourceInfo): Schema {
  return {
    description: `${r.listKind} is a list of ${r.kind} objects.`,
    type: 'object',
    required: ['items'],
    properties: {
      ...typeMeta(),
      items: { description: `List of ${r.plural}.`, type: 'array', items: { allOf: [{ $ref: ref(definitionName(r)) }], default: {} } },
      metadata: { description: 'Standard list metadata.', allOf: [{ $ref: ref(`${META}.ListMeta`) }], default: {} },
    },
    'x-kubernetes-group-version-kind': [gvkValue({ group: r.group, version: r.version, kind: r.listKind })],
  };
}

/** The definition a property's schema points at ($ref, or allOf with one $ref as Kubernetes writes it), or the schema itself. */
function resolve(defs: Record<string, Schema>, s: Schema): Schema | undefined {
  if (typeof s.$ref === 'string') return defs[refName(s.$ref)];
  if (Array.isArray(s.allOf) && s.allOf.length === 1 && isObject(s.allOf[0]) && typeof s.allOf[0].$ref === 'string') {
    return defs[refName(s.allOf[0].$ref)];
  }
  return s;
}

function patchStrategy(meta: PatchMeta): string | undefined {
  const parts = [meta.strategy, meta.retainKeys ? 'retainKeys' : undefined].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join(',') : undefined;
}

/**
 * Marks list fields with the strategic merge patch tags the patch machinery
 * uses, found by walking each kind from its root the way the tag table is
 * keyed ("spec.template.spec.containers"). Shared definitions (PodSpec) are
 * reached from several roots; every root agrees on their tags.
 */
function annotatePatchStrategies(defs: Record<string, Schema>, roots: string[]): void {
  const visit = (schema: Schema, path: string, depth: number) => {
    const target = resolve(defs, schema);
    if (!target || depth > 32) return;
    if (isObject(target.items)) visit(target.items, path, depth + 1);
    if (!isObject(target.properties)) return;
    for (const [key, prop] of Object.entries(target.properties)) {
      if (!isObject(prop)) continue;
      const full = path === '' ? key : `${path}.${key}`;
      const meta = lookupPatchMeta(full);
      const strategy = patchStrategy(meta);
      if (strategy && prop['x-kubernetes-patch-strategy'] === undefined) {
        if (meta.mergeKey) prop['x-kubernetes-patch-merge-key'] = meta.mergeKey;
        prop['x-kubernetes-patch-strategy'] = strategy;
      }
      visit(prop, full, depth + 1);
    }
  };
  for (const root of roots) {
    const def = defs[root];
    if (def) visit(def, '', 0);
  }
}

function addDescriptions(defs: Record<string, Schema>, kinds: Set<string>): void {
  for (const [id, def] of Object.entries(defs)) {
    const short = id.slice(id.lastIndexOf('.') + 1);
    if (def.description === undefined && TYPE_DESCRIPTIONS[short]) def.description = TYPE_DESCRIPTIONS[short];
    if (!isObject(def.properties)) continue;
    for (const [field, prop] of Object.entries(def.properties)) {
      if (!isObject(prop) || prop.description !== undefined) continue;
      const text = FIELD_DESCRIPTIONS[`${short}.${field}`] ?? (kinds.has(id) ? TOP_LEVEL_FIELDS[field] : undefined);
      if (text) prop.description = text;
    }
  }
}

function addGvk(def: Schema | undefined, gvk: Gvk): void {
  if (!def) return;
  const list = Array.isArray(def['x-kubernetes-group-version-kind']) ? (def['x-kubernetes-group-version-kind'] as unknown[]) : [];
  list.push(gvkValue(gvk));
  def['x-kubernetes-group-version-kind'] = list;
}

function groupVersionsOf(resources: ResourceInfo[]): Gvk[] {
  const seen = new Map<string, Gvk>();
  for (const r of resources) seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version, kind: '' });
  return [...seen.values()];
}

/** Every definition the documents can name: kinds, their lists, the types inside them and meta/v1's. */
export function buildDefinitions(resources: ResourceInfo[]): Record<string, Schema> {
  const defs = { ...zodDefinitions(resources), ...metaDefinitions(groupVersionsOf(resources)) };
  const kinds = new Set<string>();
  for (const r of resources) {
    const name = definitionName(r);
    kinds.add(name);
    addGvk(defs[name], r);
    defs[listDefinitionName(r)] = listDefinition(r);
  }
  if (resources.some((r) => r.subresources.scale)) {
    addGvk(defs[SCALE], SCALE_GVK);
    kinds.add(SCALE);
  }
  if (resources.some((r) => r.subresources.binding)) {
    addGvk(defs[BINDING], BINDING_GVK);
    kinds.add(BINDING);
  }
  addDescriptions(defs, kinds);
  annotatePatchStrategies(defs, [...kinds]);
  return defs;
}

// ---------------------------------------------------------------------------
// Operations

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
type BodyKind = 'object' | 'patch' | 'delete';

interface QueryParam {
  type: 'string' | 'boolean' | 'integer';
  description: string;
}

const QUERY_PARAMS: Record<string, QueryParam> = {
  allowWatchBookmarks: { type: 'boolean', description: 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers may ignore it.' },
  continue: { type: 'string', description: 'The continue option should be set when retrieving more results from the server, with the value the previous page returned.' },
  dryRun: { type: 'string', description: 'When present, indicates that modifications should not be persisted. The only valid value is "All".' },
  fieldManager: { type: 'string', description: 'fieldManager is a name associated with the actor or entity that is making these changes.' },
  fieldSelector: { type: 'string', description: 'A selector to restrict the list of returned objects by their fields. Defaults to everything.' },
  fieldValidation: {
    type: 'string',
    description:
      'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore (drop them silently), Warn (drop them and answer with a warning for each; the default) and Strict (fail the request with a BadRequest error).',
  },
  force: { type: 'boolean', description: 'Force is going to "force" Apply requests. It must be unset for non-apply patch requests.' },
  gracePeriodSeconds: { type: 'integer', description: 'The duration in seconds before the object should be deleted. Zero means delete immediately.' },
  labelSelector: { type: 'string', description: 'A selector to restrict the list of returned objects by their labels. Defaults to everything.' },
  limit: { type: 'integer', description: 'limit is a maximum number of responses to return for a list call. If more items exist, the server sets the continue field on the list metadata.' },
  orphanDependents: { type: 'boolean', description: 'Deprecated: use propagationPolicy. Should the dependent objects be orphaned.' },
  pretty: { type: 'string', description: "If 'true', then the output is pretty printed." },
  propagationPolicy: { type: 'string', description: "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'." },
  resourceVersion: { type: 'string', description: 'resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset.' },
  resourceVersionMatch: { type: 'string', description: 'resourceVersionMatch determines how resourceVersion is applied to list calls.' },
  sendInitialEvents: { type: 'boolean', description: 'sendInitialEvents=true may be set together with watch=true to begin the watch stream with synthetic events for the current state.' },
  timeoutSeconds: { type: 'integer', description: 'Timeout for the list/watch call, regardless of any activity or inactivity.' },
  watch: { type: 'boolean', description: 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.' },
};

const LIST_QUERY = ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch'];
const WRITE_QUERY = ['dryRun', 'fieldManager', 'fieldValidation'];
const PATCH_QUERY = [...WRITE_QUERY, 'force'];
const DELETE_QUERY = ['dryRun', 'gracePeriodSeconds', 'orphanDependents', 'propagationPolicy'];
const DELETECOLLECTION_QUERY = [
  'continue',
  'dryRun',
  'fieldSelector',
  'gracePeriodSeconds',
  'labelSelector',
  'limit',
  'orphanDependents',
  'propagationPolicy',
  'resourceVersion',
  'resourceVersionMatch',
  'sendInitialEvents',
  'timeoutSeconds',
];

const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
const RESPONSE_TYPES = ['application/json', 'application/yaml'];
const STATUS_TEXT: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted', '401': 'Unauthorized' };

interface Operation {
  method: Method;
  operationId: string;
  description: string;
  action: string;
  gvk: Gvk;
  query: readonly string[];
  body?: { schema: string; kind: BodyKind };
  /** status code to the definition of the answer's body */
  responses: ReadonlyArray<readonly [string, string | undefined]>;
  /** a list that also answers ?watch=true with a stream */
  watchable?: boolean;
}

interface PathEntry {
  path: string;
  namespaced: boolean;
  /** the kind named by a {name} segment, when there is one */
  named?: string;
  operations: Operation[];
}

/** "CoreV1", "AppsV1", "CoordinationV1": the group-version part of Kubernetes' operation ids. */
function operationGroup(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  const g = r.group === '' ? 'core' : r.group.split('.')[0]!;
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return cap(g) + cap(r.version);
}

const tagOf = (r: Pick<ResourceInfo, 'group' | 'version'>) => `${r.group === '' ? 'core' : r.group.split('.')[0]!}_${r.version}`;

function resourcePaths(r: ResourceInfo): PathEntry[] {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind };
  const kindDef = definitionName(r);
  const listDef = listDefinitionName(r);
  const id = operationGroup(r);
  const scope = r.namespaced ? 'Namespaced' : '';
  const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const item = `${collection}/{name}`;
  const can = (verb: string) => r.verbs.includes(verb);
  const written = (def: string) => [['200', def], ['201', def], ['401', undefined]] as const;
  const entries: PathEntry[] = [];

  const collectionOps: Operation[] = [];
  if (can('list')) {
    collectionOps.push({
      method: 'get',
      operationId: `list${id}${scope}${r.kind}`,
      description: `list or watch objects of kind ${r.kind}`,
      action: 'list',
      gvk,
      query: LIST_QUERY,
      responses: [['200', listDef], ['401', undefined]],
      watchable: true,
    });
  }
  if (can('create')) {
    collectionOps.push({
      method: 'post',
      operationId: `create${id}${scope}${r.kind}`,
      description: `create a ${r.kind}`,
      action: 'post',
      gvk,
      query: WRITE_QUERY,
      body: { schema: kindDef, kind: 'object' },
      responses: [['200', kindDef], ['201', kindDef], ['202', kindDef], ['401', undefined]],
    });
  }
  if (can('deletecollection')) {
    collectionOps.push({
      method: 'delete',
      operationId: `delete${id}Collection${scope}${r.kind}`,
      description: `delete collection of ${r.kind}`,
      action: 'deletecollection',
      gvk,
      query: DELETECOLLECTION_QUERY,
      body: { schema: DELETE_OPTIONS, kind: 'delete' },
      responses: [['200', STATUS], ['401', undefined]],
    });
  }
  if (collectionOps.length) entries.push({ path: collection, namespaced: r.namespaced, operations: collectionOps });

  const itemOps: Operation[] = [];
  if (can('get')) {
    itemOps.push({ method: 'get', operationId: `read${id}${scope}${r.kind}`, description: `read the specified ${r.kind}`, action: 'get', gvk, query: [], responses: [['200', kindDef], ['401', undefined]] });
  }
  if (can('update')) {
    itemOps.push({
      method: 'put',
      operationId: `replace${id}${scope}${r.kind}`,
      description: `replace the specified ${r.kind}`,
      action: 'put',
      gvk,
      query: WRITE_QUERY,
      body: { schema: kindDef, kind: 'object' },
      responses: written(kindDef),
    });
  }
  if (can('delete')) {
    itemOps.push({
      method: 'delete',
      operationId: `delete${id}${scope}${r.kind}`,
      description: `delete a ${r.kind}`,
      action: 'delete',
      gvk,
      query: DELETE_QUERY,
      body: { schema: DELETE_OPTIONS, kind: 'delete' },
      responses: [['200', STATUS], ['202', STATUS], ['401', undefined]],
    });
  }
  if (can('patch')) {
    itemOps.push({
      method: 'patch',
      operationId: `patch${id}${scope}${r.kind}`,
      description: `partially update the specified ${r.kind}`,
      action: 'patch',
      gvk,
      query: PATCH_QUERY,
      body: { schema: PATCH, kind: 'patch' },
      responses: written(kindDef),
    });
  }
  if (itemOps.length) entries.push({ path: item, namespaced: r.namespaced, named: r.kind, operations: itemOps });

  if (r.namespaced && can('list')) {
    entries.push({
      path: `${base}/${r.plural}`,
      namespaced: false,
      operations: [
        {
          method: 'get',
          operationId: `list${id}${r.kind}ForAllNamespaces`,
          description: `list or watch objects of kind ${r.kind}`,
          action: 'list',
          gvk,
          query: LIST_QUERY,
          responses: [['200', listDef], ['401', undefined]],
          watchable: true,
        },
      ],
    });
  }

  /** get, put and patch of a subresource whose body is `def` */
  const readWrite = (suffix: string, what: string, def: string, subGvk: Gvk): PathEntry => ({
    path: `${item}/${suffix}`,
    namespaced: r.namespaced,
    named: r.kind,
    operations: [
      { method: 'get', operationId: `read${id}${scope}${r.kind}${what}`, description: `read ${suffix} of the specified ${r.kind}`, action: 'get', gvk: subGvk, query: [], responses: [['200', def], ['401', undefined]] },
      {
        method: 'put',
        operationId: `replace${id}${scope}${r.kind}${what}`,
        description: `replace ${suffix} of the specified ${r.kind}`,
        action: 'put',
        gvk: subGvk,
        query: WRITE_QUERY,
        body: { schema: def, kind: 'object' },
        responses: written(def),
      },
      {
        method: 'patch',
        operationId: `patch${id}${scope}${r.kind}${what}`,
        description: `partially update ${suffix} of the specified ${r.kind}`,
        action: 'patch',
        gvk: subGvk,
        query: PATCH_QUERY,
        body: { schema: PATCH, kind: 'patch' },
        responses: written(def),
      },
    ],
  });
  if (r.subresources.status) entries.push(readWrite('status', 'Status', kindDef, gvk));
  if (r.subresources.scale) entries.push(readWrite('scale', 'Scale', SCALE, SCALE_GVK));
  if (r.subresources.binding) {
    entries.push({
      path: `${item}/binding`,
      namespaced: r.namespaced,
      named: 'Binding',
      operations: [
        {
          method: 'post',
          operationId: `create${id}${scope}${r.kind}Binding`,
          description: `create binding of a ${r.kind}`,
          action: 'post',
          gvk: BINDING_GVK,
          query: WRITE_QUERY,
          body: { schema: BINDING, kind: 'object' },
          responses: [['200', BINDING], ['201', BINDING], ['202', BINDING], ['401', undefined]],
        },
      ],
    });
  }
  if (r.group === '' && r.plural === 'namespaces') {
    entries.push({
      path: `${item}/finalize`,
      namespaced: false,
      named: r.kind,
      operations: [
        {
          method: 'put',
          operationId: `replace${id}${r.kind}Finalize`,
          description: `replace finalize of the specified ${r.kind}`,
          action: 'put',
          gvk,
          query: WRITE_QUERY,
          body: { schema: kindDef, kind: 'object' },
          responses: written(kindDef),
        },
      ],
    });
  }
  return entries;
}

function pathParams(entry: PathEntry): Array<{ name: string; description: string }> {
  const out: Array<{ name: string; description: string }> = [];
  if (entry.named) out.push({ name: 'name', description: `name of the ${entry.named}` });
  if (entry.namespaced) out.push({ name: 'namespace', description: 'object name and auth scope, such as for teams and projects' });
  return out;
}

/** Every definition a schema names, followed through the definitions it names. */
function closure(defs: Record<string, Schema>, roots: Iterable<string>): string[] {
  const found = new Set<string>();
  const pending = [...roots];
  const scan = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(scan);
    else if (isObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string') pending.push(refName(v));
        else scan(v);
      }
    }
  };
  while (pending.length) {
    const name = pending.pop()!;
    if (found.has(name) || !defs[name]) continue;
    found.add(name);
    scan(defs[name]);
  }
  return [...found].sort();
}

function operationRoots(entries: PathEntry[]): Set<string> {
  const roots = new Set<string>();
  for (const e of entries) {
    for (const op of e.operations) {
      if (op.body) roots.add(op.body.schema);
      for (const [, def] of op.responses) if (def) roots.add(def);
    }
  }
  return roots;
}

// ---------------------------------------------------------------------------
// OpenAPI 3.0

function v3Operation(op: Operation, tag: string): Schema {
  const out: Schema = { description: op.description, operationId: op.operationId };
  if (op.query.length) {
    out.parameters = op.query.map((name) => {
      const p = QUERY_PARAMS[name]!;
      return { description: p.description, in: 'query', name, schema: { type: p.type, uniqueItems: true } };
    });
  }
  if (op.body) {
    const types = op.body.kind === 'patch' ? PATCH_TYPES : ['*/*'];
    const schema = { $ref: ref(op.body.schema) };
    out.requestBody = { content: Object.fromEntries(types.map((t) => [t, { schema }])), ...(op.body.kind === 'delete' ? {} : { required: true }) };
  }
  const produced = op.watchable ? [...RESPONSE_TYPES, 'application/json;stream=watch'] : RESPONSE_TYPES;
  out.responses = Object.fromEntries(
    op.responses.map(([code, def]) => [
      code,
      def ? { description: STATUS_TEXT[code], content: Object.fromEntries(produced.map((t) => [t, { schema: { $ref: ref(def) } }])) } : { description: STATUS_TEXT[code] },
    ]),
  );
  out.tags = [tag];
  out['x-kubernetes-action'] = op.action;
  out['x-kubernetes-group-version-kind'] = gvkValue(op.gvk);
  return out;
}

function v3PathItem(entry: PathEntry, tag: string): Schema {
  const item: Schema = {};
  for (const op of entry.operations) item[op.method] = v3Operation(op, tag);
  item.parameters = [
    ...pathParams(entry).map((p) => ({ description: p.description, in: 'path', name: p.name, required: true, schema: { type: 'string', uniqueItems: true } })),
    { description: QUERY_PARAMS.pretty!.description, in: 'query', name: 'pretty', schema: { type: 'string', uniqueItems: true } },
  ];
  return item;
}

const SECURITY_SCHEME = { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } };

/** "api/v1", "apis/apps/v1": where a group-version's document sits under /openapi/v3. */
export const groupVersionPath = (gv: Pick<ResourceInfo, 'group' | 'version'>) => (gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`);

/** The OpenAPI 3.0 document of one group-version. */
export function buildV3Document(resources: ResourceInfo[], defs: Record<string, Schema>, gv: Pick<ResourceInfo, 'group' | 'version'>): Schema {
  const served = resources.filter((r) => r.group === gv.group && r.version === gv.version);
  const entries = served.flatMap(resourcePaths);
  const tag = tagOf(gv);
  const paths: Schema = {};
  for (const e of entries) paths[e.path] = v3PathItem(e, tag);
  const roots = operationRoots(entries);
  for (const r of served) roots.add(definitionName(r));
  const schemas: Schema = {};
  for (const name of closure(defs, roots)) schemas[name] = defs[name];
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEME },
    security: [{ BearerToken: [] }],
  };
}

// ---------------------------------------------------------------------------
// Swagger 2.0

/** A definition in Swagger 2.0 terms: refs into #/definitions, no nullable, no anyOf. */
function toSwaggerSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toSwaggerSchema);
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'nullable' || k === 'anyOf' || k === 'oneOf') continue;
    if (k === '$ref' && typeof v === 'string') out[k] = `#/definitions/${refName(v)}`;
    else if (k === 'properties' && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toSwaggerSchema(s)]));
    else if (k === 'items' || k === 'additionalProperties' || k === 'allOf') out[k] = toSwaggerSchema(v);
    else out[k] = v;
  }
  // Kubernetes' Swagger names a referenced type with $ref beside the field's description.
  if (Array.isArray(out.allOf) && out.allOf.length === 1 && isObject(out.allOf[0]) && typeof out.allOf[0].$ref === 'string') {
    const { allOf, default: _default, ...rest } = out;
    return { ...rest, $ref: (allOf as Schema[])[0]!.$ref };
  }
  return out;
}

function v2Operation(op: Operation, tag: string): Schema {
  const consumes = op.body?.kind === 'patch' ? PATCH_TYPES : ['*/*'];
  const produces = op.watchable ? [...RESPONSE_TYPES, 'application/json;stream=watch'] : RESPONSE_TYPES;
  const parameters: Schema[] = [];
  if (op.body) parameters.push({ name: 'body', in: 'body', ...(op.body.kind === 'delete' ? {} : { required: true }), schema: { $ref: `#/definitions/${op.body.schema}` } });
  for (const name of op.query) {
    const p = QUERY_PARAMS[name]!;
    parameters.push({ uniqueItems: true, type: p.type, description: p.description, name, in: 'query' });
  }
  const out: Schema = { description: op.description, consumes, produces, schemes: ['https'], tags: [tag], operationId: op.operationId };
  if (parameters.length) out.parameters = parameters;
  out.responses = Object.fromEntries(
    op.responses.map(([code, def]) => [code, def ? { description: STATUS_TEXT[code], schema: { $ref: `#/definitions/${def}` } } : { description: STATUS_TEXT[code] }]),
  );
  out['x-kubernetes-action'] = op.action;
  out['x-kubernetes-group-version-kind'] = gvkValue(op.gvk);
  return out;
}

/** The Swagger 2.0 document of the whole API. */
export function buildV2Document(resources: ResourceInfo[], defs: Record<string, Schema>): Schema {
  const paths: Schema = {};
  const roots = new Set<string>();
  for (const r of resources) {
    const entries = resourcePaths(r);
    const tag = tagOf(r);
    for (const e of entries) {
      const item: Schema = {};
      for (const op of e.operations) item[op.method] = v2Operation(op, tag);
      item.parameters = [
        ...pathParams(e).map((p) => ({ uniqueItems: true, type: 'string', description: p.description, name: p.name, in: 'path', required: true })),
        { uniqueItems: true, type: 'string', description: QUERY_PARAMS.pretty!.description, name: 'pretty', in: 'query' },
      ];
      paths[e.path] = item;
    }
    for (const name of operationRoots(entries)) roots.add(name);
    roots.add(definitionName(r));
  }
  const definitions: Schema = {};
  for (const name of closure(defs, roots)) definitions[name] = toSwaggerSchema(defs[name]);
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
    paths,
    definitions,
    securityDefinitions: SECURITY_SCHEME,
    security: [{ BearerToken: [] }],
  };
}

// ---------------------------------------------------------------------------
// Swagger 2.0 as protocol buffers: the openapi_v2.Document message
// (gnostic's OpenAPIv2.proto) that client-go's discovery client asks for
// with Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf and
// nothing else; kubectl up to 1.28 cannot create, apply or explain without it.
// Only the messages and fields the Swagger document above uses are written.

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/**
 * The same media type under the name Kubernetes also accepts; answers carry
 * this one because an "@" is not allowed in a media type token, and fastify
 * replaces such a Content-Type with application/octet-stream.
 */
export const OPENAPI_V2_PROTOBUF_TOKEN = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** Protocol buffer wire format, field by field. */
class ProtoMessage {
  private readonly parts: Buffer[] = [];

  private varint(n: number): void {
    const bytes: number[] = [];
    let v = n;
    while (v > 127) {
      bytes.push((v % 128) | 128);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
  }

  private key(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  string(field: number, value: unknown): this {
    if (typeof value !== 'string' || value === '') return this;
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  strings(field: number, values: unknown): this {
    if (Array.isArray(values)) for (const v of values) this.string(field, v);
    return this;
  }

  bool(field: number, value: unknown): this {
    if (value !== true) return this;
    this.key(field, 0);
    this.varint(1);
    return this;
  }

  int64(field: number, value: unknown): this {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) return this;
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  double(field: number, value: unknown): this {
    if (typeof value !== 'number') return this;
    this.key(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.parts.push(b);
    return this;
  }

  message(field: number, m: ProtoMessage | undefined): this {
    return m ? this.bytes(field, m.toBuffer()) : this;
  }

  messages(field: number, ms: Iterable<ProtoMessage>): this {
    for (const m of ms) this.message(field, m);
    return this;
  }

  private bytes(field: number, b: Buffer): this {
    this.key(field, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const entries = (v: unknown): Array<[string, unknown]> => (isObject(v) ? Object.entries(v) : []);

/** gnostic's Any keeps a value as YAML text; JSON is YAML. */
const anyValue = (v: unknown) => new ProtoMessage().string(2, JSON.stringify(v));

const vendorExtensions = (s: Schema) =>
  entries(s)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, value]) => new ProtoMessage().string(1, name).message(2, anyValue(value)));

function protoSchema(s: Schema): ProtoMessage {
  const m = new ProtoMessage()
    .string(1, s.$ref)
    .string(2, s.format)
    .string(3, s.title)
    .string(4, s.description)
    .message(5, s.default === undefined ? undefined : anyValue(s.default))
    .double(7, s.maximum)
    .bool(8, s.exclusiveMaximum)
    .double(9, s.minimum)
    .bool(10, s.exclusiveMinimum)
    .int64(11, s.maxLength)
    .int64(12, s.minLength)
    .string(13, s.pattern)
    .int64(14, s.maxItems)
    .int64(15, s.minItems)
    .bool(16, s.uniqueItems)
    .strings(19, s.required);
  if (Array.isArray(s.enum)) m.messages(20, s.enum.map(anyValue));
  if (isObject(s.additionalProperties)) m.message(21, new ProtoMessage().message(1, protoSchema(s.additionalProperties)));
  else if (typeof s.additionalProperties === 'boolean') m.message(21, new ProtoMessage().bool(2, s.additionalProperties));
  if (s.type !== undefined) m.message(22, new ProtoMessage().strings(1, Array.isArray(s.type) ? s.type : [s.type]));
  if (isObject(s.items)) m.message(23, new ProtoMessage().message(1, protoSchema(s.items)));
  if (Array.isArray(s.allOf)) m.messages(24, s.allOf.filter(isObject).map(protoSchema));
  if (isObject(s.properties)) {
    m.message(25, new ProtoMessage().messages(1, entries(s.properties).filter((e): e is [string, Schema] => isObject(e[1])).map(([name, p]) => new ProtoMessage().string(1, name).message(2, protoSchema(p)))));
  }
  return m.bool(27, s.readOnly).messages(31, vendorExtensions(s));
}

function protoParameter(p: Schema): ProtoMessage {
  if (typeof p.$ref === 'string') return new ProtoMessage().message(2, new ProtoMessage().string(1, p.$ref));
  if (p.in === 'body') {
    const body = new ProtoMessage().string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required);
    if (isObject(p.schema)) body.message(5, protoSchema(p.schema));
    return new ProtoMessage().message(1, new ProtoMessage().message(1, body));
  }
  // Query, path and header parameters share their first fields; type and uniqueItems sit one field later for query ones (allowEmptyValue comes first).
  const query = p.in === 'query';
  const sub = new ProtoMessage()
    .bool(1, p.required)
    .string(2, p.in)
    .string(3, p.description)
    .string(4, p.name)
    .string(query ? 6 : 5, p.type)
    .bool(query ? 20 : 19, p.uniqueItems);
  const oneof = query ? 3 : p.in === 'path' ? 4 : 1;
  return new ProtoMessage().message(1, new ProtoMessage().message(2, new ProtoMessage().message(oneof, sub)));
}

function protoOperation(op: Schema): ProtoMessage {
  const responses = new ProtoMessage().messages(
    1,
    entries(op.responses).map(([code, r]) => {
      const response = new ProtoMessage().string(1, isObject(r) ? r.description : undefined);
      if (isObject(r) && isObject(r.schema)) response.message(2, new ProtoMessage().message(1, protoSchema(r.schema)));
      return new ProtoMessage().string(1, code).message(2, new ProtoMessage().message(1, response));
    }),
  );
  return new ProtoMessage()
    .strings(1, op.tags)
    .string(3, op.description)
    .string(5, op.operationId)
    .strings(6, op.produces)
    .strings(7, op.consumes)
    .messages(8, (Array.isArray(op.parameters) ? op.parameters : []).filter(isObject).map(protoParameter))
    .message(9, responses)
    .strings(10, op.schemes)
    .messages(13, vendorExtensions(op));
}

const PATH_ITEM_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

/** The openapi_v2.Document message for a Swagger 2.0 document built by buildV2Document. */
export function encodeV2Protobuf(doc: Schema): Buffer {
  const info = isObject(doc.info) ? doc.info : {};
  const paths = new ProtoMessage().messages(
    2,
    entries(doc.paths).map(([path, item]) => {
      const m = new ProtoMessage();
      for (const [method, field] of Object.entries(PATH_ITEM_FIELDS)) {
        if (isObject(item) && isObject(item[method])) m.message(field, protoOperation(item[method]));
      }
      if (isObject(item) && Array.isArray(item.parameters)) m.messages(9, item.parameters.filter(isObject).map(protoParameter));
      return new ProtoMessage().string(1, path).message(2, m);
    }),
  );
  const definitions = new ProtoMessage().messages(
    1,
    entries(doc.definitions).filter((e): e is [string, Schema] => isObject(e[1])).map(([name, s]) => new ProtoMessage().string(1, name).message(2, protoSchema(s))),
  );
  const securityDefinitions = new ProtoMessage().messages(
    1,
    entries(doc.securityDefinitions).map(([name, d]) => {
      const apiKey = isObject(d) ? new ProtoMessage().string(1, d.type).string(2, d.name).string(3, d.in).string(4, d.description) : new ProtoMessage();
      return new ProtoMessage().string(1, name).message(2, new ProtoMessage().message(2, apiKey));
    }),
  );
  const security = (Array.isArray(doc.security) ? doc.security : []).map((req) =>
    new ProtoMessage().messages(1, entries(req).map(([name, scopes]) => new ProtoMessage().string(1, name).message(2, new ProtoMessage().strings(1, scopes)))),
  );
  return new ProtoMessage()
    .string(1, doc.swagger)
    .message(2, new ProtoMessage().string(1, info.title).string(2, info.version))
    .message(8, paths)
    .message(9, definitions)
    .messages(12, security)
    .message(13, securityDefinitions)
    .toBuffer();
}

// ---------------------------------------------------------------------------
// Serving

export interface ServedDocument {
  body: string | Buffer;
  contentType: string;
  /** sha512 of the body, upper-case hex as Kubernetes writes it */
  hash: string;
}

const hashOf = (body: string | Buffer) => createHash('sha512').update(body).digest('hex').toUpperCase();

const serveJson = (doc: unknown): ServedDocument => {
  const body = JSON.stringify(doc);
  return { body, contentType: 'application/json', hash: hashOf(body) };
};

/** The documents of one resource table, each rendered once and kept. */
export class OpenApiDocuments {
  readonly definitions: Record<string, Schema>;
  readonly v2: ServedDocument;
  readonly v2Protobuf: ServedDocument;
  readonly v3Root: ServedDocument;
  private readonly v3Docs = new Map<string, ServedDocument>();

  constructor(resources: ResourceInfo[]) {
    this.definitions = buildDefinitions(resources);
    const v2 = buildV2Document(resources, this.definitions);
    this.v2 = serveJson(v2);
    const proto = encodeV2Protobuf(v2);
    this.v2Protobuf = { body: proto, contentType: OPENAPI_V2_PROTOBUF_TOKEN, hash: hashOf(proto) };
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const gv of groupVersionsOf(resources)) {
      const path = groupVersionPath(gv);
      const doc = serveJson(buildV3Document(resources, this.definitions, gv));
      this.v3Docs.set(path, doc);
      paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` };
    }
    this.v3Root = serveJson({ paths });
  }

  /** the document at /openapi/v3/{path}, path being "api/v1" or "apis/{group}/{version}" */
  v3(path: string): ServedDocument | undefined {
    return this.v3Docs.get(path);
  }
}

type DocumentForm = 'json' | 'protobuf';

/**
 * The first form in the client's Accept list that the server has, JSON for
 * a wildcard; like Kubernetes, 406 when there is none. Protocol buffers are
 * offered for Swagger 2.0 only.
 */
export function negotiateDocument(accept: string | undefined, protobuf: boolean): DocumentForm {
  if (!accept || accept.trim() === '') return 'json';
  for (const clause of accept.split(',')) {
    const type = clause.split(';')[0]!.trim().toLowerCase();
    if (type === 'application/json' || type === 'application/*' || type === '*/*') return 'json';
    if (protobuf && (type === OPENAPI_V2_PROTOBUF || type === OPENAPI_V2_PROTOBUF_TOKEN)) return 'protobuf';
  }
  const offered = protobuf ? `application/json, ${OPENAPI_V2_PROTOBUF}` : 'application/json';
  throw new StatusError(406, 'NotAcceptable', `only the following media types are accepted: ${offered}`);
}

function sendDocument(req: FastifyRequest, reply: FastifyReply, doc: ServedDocument): FastifyReply {
  const etag = `"${doc.hash}"`;
  reply.header('ETag', etag).header('Vary', 'Accept');
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.type(doc.contentType).send(doc.body);
}

export interface OpenApiHandlers {
  v2(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
  v3Root(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
  v3GroupVersion(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
}

/** Route handlers for /openapi/v2, /openapi/v3 and /openapi/v3/*; documents are built on first use. */
export function openApiHandlers(resources: ResourceInfo[]): OpenApiHandlers {
  let docs: OpenApiDocuments | undefined;
  const get = () => (docs ??= new OpenApiDocuments(resources));
  return {
    async v2(req, reply) {
      const form = negotiateDocument(req.headers.accept, true);
      return sendDocument(req, reply, form === 'protobuf' ? get().v2Protobuf : get().v2);
    },
    async v3Root(req, reply) {
      return sendDocument(req, reply, get().v3Root);
    },
    async v3GroupVersion(req, reply) {
      const path = (req.params as { '*'?: string })['*'] ?? '';
      const doc = get().v3(path);
      if (!doc) throw errors.pathNotFound();
      negotiateDocument(req.headers.accept, false);
      const hash = (req.query as Record<string, unknown>).hash;
      if (typeof hash === 'string' && hash !== '') {
        // A client holding an old root is sent to the current document.
        if (hash !== doc.hash) return reply.redirect(`/openapi/v3/${path}?hash=${doc.hash}`, 301);
        reply.header('Cache-Control', 'public, immutable');
        reply.header('Expires', new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString());
      }
      return sendDocument(req, reply, doc);
    },
  };
}
