// Decoding a request body into an API object the way the Kubernetes apiserver
// does: JSON type mismatches are 400s worded like Go's encoding/json, fields
// the schema does not know are dropped and, depending on fieldValidation,
// ignored, reported as warnings, or rejected (the strict decoding error).
import type { z } from 'zod';
import type { KubeObject } from './meta.js';
import { apiVersionOf, type ResourceInfo } from './resource.js';
import { errors, StatusError, type StatusCause } from './status.js';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export interface DecodeOptions {
  fieldValidation: FieldValidation;
}

export interface DecodeResult {
  object: KubeObject;
  /** one per unknown field, as Kubernetes words them: `unknown field "spec.foo"` */
  warnings: string[];
}

// ---- schema introspection ----
//
// zod keeps a schema's structure in `_zod.def`; only the parts needed to walk a
// JSON value alongside its schema are read here.

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  getter?: () => z.ZodType;
  in?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
  values?: unknown[];
  entries?: Record<string, unknown>;
}

const defOf = (s: z.ZodType): SchemaDef => (s as unknown as { _zod: { def: SchemaDef } })._zod.def;

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional', 'success']);

interface Unwrapped {
  schema: z.ZodType;
  def: SchemaDef;
  nullable: boolean;
}

// Schemas are built once and never change, so what unwrap and objectShape
// find is kept per schema: every decoded request walks the same ones.
function perSchema<T>(compute: (schema: z.ZodType) => T): (schema: z.ZodType) => T {
  const known = new WeakMap<z.ZodType, T>();
  return (schema) => {
    if (known.has(schema)) return known.get(schema)!;
    const value = compute(schema);
    known.set(schema, value);
    return value;
  };
}

const unwrap = perSchema(unwrapUncached);

function unwrapUncached(schema: z.ZodType): Unwrapped {
  let s = schema;
  let nullable = false;
  for (let depth = 0; depth < 64; depth++) {
    const def = defOf(s);
    if (def.type === 'nullable') nullable = true;
    if (WRAPPERS.has(def.type) && def.innerType) s = def.innerType;
    else if (def.type === 'lazy' && def.getter) s = def.getter();
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return { schema: s, def, nullable };
  }
  return { schema: s, def: defOf(s), nullable };
}

type JsonKind = 'string' | 'number' | 'bool' | 'object' | 'array' | 'null';

function jsonKind(v: unknown): JsonKind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'object';
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function isIntSchema(s: z.ZodType): boolean {
  const n = s as unknown as { isInt?: boolean; format?: string | null };
  return n.isInt === true || (typeof n.format === 'string' && /int/.test(n.format));
}

/** Whether a JSON value of this kind can be held by the (unwrapped) schema. */
function accepts(u: Unwrapped, kind: JsonKind): boolean {
  const t = u.def.type;
  if (t === 'unknown' || t === 'any') return true;
  if (kind === 'null') return u.nullable || t === 'null';
  switch (t) {
    case 'string':
    case 'template_literal':
      return kind === 'string';
    case 'number':
      return kind === 'number';
    case 'boolean':
      return kind === 'bool';
    case 'object':
    case 'record':
    case 'map':
      return kind === 'object';
    case 'array':
    case 'tuple':
      return kind === 'array';
    case 'enum':
      return Object.values(u.def.entries ?? {}).some((e) => jsonKind(e) === kind);
    case 'literal':
      return (u.def.values ?? []).some((e) => jsonKind(e) === kind);
    case 'union':
      return (u.def.options ?? []).some((o) => accepts(unwrap(o), kind));
    case 'intersection':
      return accepts(unwrap(u.def.left!), kind) && accepts(unwrap(u.def.right!), kind);
    default:
      return true;
  }
}

// ---- Go-style names for type errors ----
//
// encoding/json names the innermost struct type and the Go type of the field;
// schemas carry no Go names, so they are derived from the field names.

const STRUCT_NAMES: Record<string, string> = {
  metadata: 'ObjectMeta',
  template: 'PodTemplateSpec',
  jobTemplate: 'JobTemplateSpec',
  containers: 'Container',
  initContainers: 'Container',
  ephemeralContainers: 'EphemeralContainer',
  env: 'EnvVar',
  envFrom: 'EnvFromSource',
  volumes: 'Volume',
  volumeMounts: 'VolumeMount',
  resources: 'ResourceRequirements',
  selector: 'LabelSelector',
  matchExpressions: 'LabelSelectorRequirement',
  ownerReferences: 'OwnerReference',
  managedFields: 'ManagedFieldsEntry',
  scaleTargetRef: 'CrossVersionObjectReference',
  describedObject: 'CrossVersionObjectReference',
  targetRef: 'ObjectReference',
  volumeClaimTemplates: 'PersistentVolumeClaim',
  rollingUpdate: 'RollingUpdate',
  metrics: 'MetricSpec',
  currentMetrics: 'MetricStatus',
  target: 'MetricTarget',
  policies: 'HPAScalingPolicy',
  scaleUp: 'HPAScalingRules',
  scaleDown: 'HPAScalingRules',
  endpoints: 'Endpoint',
  addresses: 'EndpointAddress',
  subsets: 'EndpointSubset',
};

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function singular(s: string): string {
  if (s.endsWith('ies')) return s.slice(0, -3) + 'y';
  if (s.endsWith('ses')) return s.slice(0, -2);
  if (s.endsWith('s') && !s.endsWith('ss')) return s.slice(0, -1);
  return s;
}

/** The Go struct name of the object found at `keys` (field names, no indexes). */
function structName(kind: string, keys: string[]): string {
  if (keys.length === 0) return kind;
  const key = keys[keys.length - 1]!;
  const parent = keys.length >= 2 ? keys[keys.length - 2] : undefined;
  if (key === 'spec' || key === 'status') {
    if (keys.length === 1) return kind + capitalize(key);
    if (parent === 'template') return 'Pod' + capitalize(key);
    if (parent === 'jobTemplate') return 'Job' + capitalize(key);
    if (parent === 'volumeClaimTemplates') return 'PersistentVolumeClaim' + capitalize(key);
  }
  if (key === 'conditions' && keys.length === 2) return kind + 'Condition';
  if (key === 'ports' && parent === 'containers') return 'ContainerPort';
  if (key === 'ports' && keys.length === 1) return 'EndpointPort';
  return STRUCT_NAMES[key] ?? capitalize(singular(key));
}

const INT64_FIELDS = new Set([
  'generation',
  'observedGeneration',
  'activeDeadlineSeconds',
  'deletionGracePeriodSeconds',
  'terminationGracePeriodSeconds',
  'startingDeadlineSeconds',
  'revision',
  'remainingItemCount',
]);

function goType(schema: z.ZodType, kind: string, keys: string[]): string {
  const u = unwrap(schema);
  const key = keys[keys.length - 1] ?? '';
  switch (u.def.type) {
    case 'string':
    case 'enum':
    case 'literal':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return isIntSchema(u.schema) ? (INT64_FIELDS.has(key) ? 'int64' : 'int32') : 'float64';
    case 'array':
      return '[]' + goType(u.def.element!, kind, keys);
    case 'record':
      return 'map[string]' + goType(u.def.valueType!, kind, keys);
    case 'object':
      return 'v1.' + structName(kind, keys);
    case 'union': {
      const opts = (u.def.options ?? []).map((o) => unwrap(o));
      const hasInt = opts.some((o) => o.def.type === 'number' && isIntSchema(o.schema));
      return hasInt ? 'intstr.IntOrString' : 'resource.Quantity';
    }
    default:
      return 'interface {}';
  }
}

// ---- the walk ----

interface WalkState {
  kind: string;
  unknown: string[];
  typeError?: string;
}

const joinPath = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Walks `value` alongside `schema`, recording unknown fields and the first type
 * mismatch in document order, and returns the value with the nulls Go would
 * ignore removed (a JSON null leaves a Go field at its zero value, i.e. absent).
 */
function walk(schema: z.ZodType, value: unknown, path: string, keys: string[], st: WalkState): unknown {
  const u = unwrap(schema);
  const kind = jsonKind(value);
  if (kind === 'null' && !accepts(u, 'null')) return undefined;
  if (!accepts(u, kind)) {
    recordTypeError(st, schema, value, keys);
    return value;
  }
  const t = u.def.type;
  if (t === 'number' && isIntSchema(u.schema) && typeof value === 'number' && !Number.isInteger(value)) {
    recordTypeError(st, schema, value, keys);
    return value;
  }
  if (t === 'union') {
    const option = (u.def.options ?? []).find((o) => accepts(unwrap(o), kind));
    return option ? walk(option, value, path, keys, st) : value;
  }
  if (t === 'intersection' && isPlainObject(value)) {
    return walkObjectFields([u.def.left!, u.def.right!], value, path, keys, st);
  }
  if (t === 'object' && isPlainObject(value)) {
    return walkObjectFields([u.schema], value, path, keys, st);
  }
  if (t === 'record' && isPlainObject(value)) {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) {
      const w = walk(u.def.valueType!, v, joinPath(path, k), keys, st);
      out[k] = w === undefined ? v : w;
    }
    return out;
  }
  if (t === 'array' && Array.isArray(value)) {
    return value.map((v, i) => {
      const w = walk(u.def.element!, v, `${path}[${i}]`, keys, st);
      return w === undefined ? v : w;
    });
  }
  return value;
}

interface ObjectShape {
  shape: Record<string, z.ZodType>;
  catchall?: z.ZodType;
}

const objectShape = perSchema(objectShapeUncached);

function objectShapeUncached(schema: z.ZodType): ObjectShape {
  const u = unwrap(schema);
  if (u.def.type === 'intersection') {
    const l = objectShape(u.def.left!);
    const r = objectShape(u.def.right!);
    return { shape: { ...l.shape, ...r.shape }, catchall: l.catchall ?? r.catchall };
  }
  const catchall = u.def.catchall && defOf(u.def.catchall).type !== 'never' ? u.def.catchall : undefined;
  return { shape: u.def.shape ?? {}, catchall };
}

function walkObjectFields(
  schemas: z.ZodType[],
  value: Record<string, unknown>,
  path: string,
  keys: string[],
  st: WalkState,
): Record<string, unknown> {
  const parts = schemas.map(objectShape);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const field = parts.find((p) => Object.hasOwn(p.shape, k))?.shape[k] ?? parts.find((p) => p.catchall)?.catchall;
    if (!field) {
      st.unknown.push(joinPath(path, k));
      continue;
    }
    const w = walk(field, v, joinPath(path, k), [...keys, k], st);
    if (w !== undefined) out[k] = w;
  }
  return out;
}

function recordTypeError(st: WalkState, schema: z.ZodType, value: unknown, keys: string[]): void {
  if (st.typeError !== undefined) return;
  const kind = jsonKind(value);
  // Go names the literal only when a number does not fit a numeric field.
  const what = kind === 'number' && unwrap(schema).def.type === 'number' ? `number ${String(value)}` : kind;
  const type = goType(schema, st.kind, keys);
  st.typeError =
    keys.length === 0
      ? `json: cannot unmarshal ${what} into Go value of type ${type}`
      : `json: cannot unmarshal ${what} into Go struct field ${structName(st.kind, keys.slice(0, -1))}.${keys.join('.')} of type ${type}`;
}

/** Paths of the fields in `raw` that `schema` does not know, in document order. */
export function findUnknownFields(schema: z.ZodType, raw: unknown): string[] {
  const st: WalkState = { kind: '', unknown: [] };
  walk(schema, raw, '', [], st);
  return st.unknown;
}

// ---- decodeObject ----

function nameOf(raw: unknown): string {
  const meta = isPlainObject(raw) ? raw.metadata : undefined;
  return isPlainObject(meta) && typeof meta.name === 'string' ? meta.name : '';
}

function cannotBeHandled(info: ResourceInfo, dataKind: string, dataVersion: string, msg: string): StatusError {
  return errors.badRequest(`${dataKind} in version "${dataVersion}" cannot be handled as a ${info.kind}: ${msg}`);
}

function issuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** A schema violation that is not a JSON type mismatch: what Kubernetes reports at validation. */
function schemaViolation(info: ResourceInfo, raw: Record<string, unknown>, issues: z.core.$ZodIssue[]): StatusError {
  const causes: StatusCause[] = issues.map((i) => {
    const field = issuePath(i.path);
    if (i.code === 'invalid_value') {
      const bad = i.path.reduce<unknown>((v, k) => (isPlainObject(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);
      const supported = i.values.map((v) => JSON.stringify(v)).join(', ');
      return {
        reason: 'FieldValueNotSupported',
        field,
        message: `Unsupported value: ${JSON.stringify(bad)}: supported values: ${supported}`,
      };
    }
    if (i.code === 'invalid_type' && i.input === undefined) {
      return { reason: 'FieldValueRequired', field, message: 'Required value' };
    }
    return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${i.message}` };
  });
  const meta = isPlainObject(raw.metadata) ? raw.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  return errors.invalid(info.kind, info.group, name, causes);
}

export function decodeObject(info: ResourceInfo, raw: unknown, opts: DecodeOptions): DecodeResult {
  const expectedVersion = apiVersionOf(info);
  if (!isPlainObject(raw)) {
    throw errors.badRequest(
      `the object provided is unrecognized (must be of type ${info.kind}): couldn't get version/kind; ` +
        `json parse error: json: cannot unmarshal ${jsonKind(raw)} into Go value of type ` +
        `struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
    );
  }

  const dataApiVersion = typeof raw.apiVersion === 'string' && raw.apiVersion ? raw.apiVersion : expectedVersion;
  const dataKind = typeof raw.kind === 'string' && raw.kind ? raw.kind : info.kind;
  const dataVersion = dataApiVersion.includes('/') ? dataApiVersion.slice(dataApiVersion.indexOf('/') + 1) : dataApiVersion;

  const st: WalkState = { kind: info.kind, unknown: [] };
  const cleaned = walk(info.schema, raw, '', [], st);
  if (st.typeError !== undefined) throw cannotBeHandled(info, dataKind, dataVersion, st.typeError);

  if (dataApiVersion !== expectedVersion) {
    throw errors.badRequest(
      `the API version in the data (${dataApiVersion}) does not match the expected API version (${expectedVersion})`,
    );
  }
  if (dataKind !== info.kind) {
    throw errors.badRequest(`the kind in the data (${dataKind}) does not match the expected kind (${info.kind})`);
  }

  const parsed = info.schema.safeParse(cleaned);
  if (!parsed.success) throw schemaViolation(info, raw, parsed.error.issues);

  const unknown = opts.fieldValidation === 'Ignore' ? [] : st.unknown.map((p) => `unknown field "${p}"`);
  if (opts.fieldValidation === 'Strict' && unknown.length > 0) {
    // Kubernetes answers 400 BadRequest here; Skiff answers 422 Invalid, with
    // the same message and one cause per unknown field, so a client can tell
    // which fields were refused.
    throw new StatusError(
      422,
      'Invalid',
      `${dataKind} in version "${dataVersion}" cannot be handled as a ${info.kind}: strict decoding error: ${unknown.join(', ')}`,
      {
        name: nameOf(raw),
        group: info.group,
        kind: info.kind,
        causes: st.unknown.map((p) => ({ reason: 'FieldValueInvalid', message: `unknown field "${p}"`, field: p })),
      },
    );
  }

  const { apiVersion: _v, kind: _k, metadata, ...rest } = parsed.data as Record<string, unknown>;
  return {
    object: { apiVersion: expectedVersion, kind: info.kind, metadata: isPlainObject(metadata) ? metadata : {}, ...rest },
    warnings: opts.fieldValidation === 'Warn' ? unknown : [],
  };
}
