// The OpenAPI documents clients read to learn the API's shape: /openapi/v3
// (a root naming one OpenAPI 3.0 document per group-version) and
// /openapi/v2 (one Swagger 2.0 document for everything, in JSON or in the
// protocol buffers older kubectl asks for). kubectl reads them
// to decide whether the server validates fields itself (a PATCH operation
// for the kind that takes `fieldValidation`), to compute strategic merge
// patches for `apply` (x-kubernetes-patch-* on list fields) and for
// `explain`. Everything is generated from the resource table and its zod
// schemas, with Kubernetes' names for operations and definitions. This file
// builds the documents; openapi-serve.ts serves them, openapi-protobuf.ts
// encodes the v2 document for older kubectl, openapi-descriptions.ts holds
// the texts `kubectl explain` prints.
import { z } from 'zod';
import * as metaV1 from '../src/api/meta.js';
import * as coreV1 from '../src/api/core/v1.js';
import * as appsV1 from '../src/api/apps/v1.js';
import * as batchV1 from '../src/api/batch/v1.js';
import * as autoscalingV1 from '../src/api/autoscaling/v1.js';
import * as autoscalingV2 from '../src/api/autoscaling/v2.js';
import * as coordinationV1 from '../src/api/coordination/v1.js';
import * as policyV1 from '../src/api/policy/v1.js';
import * as discoveryV1 from '../src/api/discovery/v1.js';
import type { ResourceInfo } from '../src/api/resource.js';
import { lookupPatchMeta, type PatchMeta } from '../src/machinery/patch/strategic-keys.js';
import { SERVER_VERSION } from './discovery.js';
import { FIELD_DESCRIPTIONS, TOP_LEVEL_FIELDS, TYPE_DESCRIPTIONS } from './openapi-descriptions.js';

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
  ['io.k8s.api.policy.v1', policyV1],
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

export function groupVersionsOf(resources: ResourceInfo[]): Gvk[] {
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
