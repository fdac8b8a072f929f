// Kubernetes' protobuf serialization, decoded into the JSON wire object the
// rest of the apiserver handles: the 4-byte magic "k8s\0", a runtime.Unknown
// envelope {typeMeta, raw, contentEncoding, contentType}, and in raw the
// object's message (protobuf-schema.ts). The JSON is what Go's encoding/json
// would write for the same object, so a protobuf request and its JSON twin
// store the same thing. Anything this server cannot read completely is
// refused with a Status (415 for an unknown kind or encoding, 400 for an
// unknown field or malformed bytes), never half decoded.
import { errors, StatusError } from '../../src/api/status.js';
import { MESSAGES, rootMessage } from './protobuf-schema.js';
import { WIRE_BYTES, WIRE_VARINT, WireError, WireReader } from './protobuf-wire.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

type Scalar = 'string' | 'int32' | 'int64' | 'bool' | 'bytes';
type Special = 'Time' | 'Quantity' | 'IntOrString' | 'RawJSON';
type MapValue = 'string' | 'bytes' | 'Quantity';

interface FieldSpec {
  name: string;
  type: Scalar | Special | 'message' | 'map' | 'unsupported' | 'ignored';
  message?: string;
  mapValue?: MapValue;
  repeated: boolean;
  pointer: boolean;
  inline: boolean;
}

const SCALARS = new Set<string>(['string', 'int32', 'int64', 'bool', 'bytes']);
const SPECIALS = new Set<string>(['Time', 'Quantity', 'IntOrString', 'RawJSON']);

function parseField(message: string, line: string): [number, FieldSpec] {
  const parts = line.trim().split(/\s+/);
  const num = Number(parts[0]);
  if (parts.length === 2 && parts[1]!.startsWith('...')) {
    const inner = parts[1]!.slice(3);
    return [num, { name: inner, type: 'message', message: inner, repeated: false, pointer: false, inline: true }];
  }
  if (parts.length !== 3 || !Number.isInteger(num)) throw new Error(`bad protobuf schema line in ${message}: ${line}`);
  const name = parts[1]!;
  let type = parts[2]!;
  const spec: FieldSpec = { name, type: 'message', repeated: false, pointer: false, inline: false };
  if (type === '-') return [num, { ...spec, type: 'unsupported' }];
  if (type === '~') return [num, { ...spec, type: 'ignored' }];
  if (type.startsWith('[]')) {
    spec.repeated = true;
    type = type.slice(2);
  } else if (type.startsWith('*')) {
    spec.pointer = true;
    type = type.slice(1);
  }
  const map = /^map<(string|bytes|Quantity)>$/.exec(type);
  if (map) return [num, { ...spec, type: 'map', mapValue: map[1] as MapValue }];
  if (SCALARS.has(type)) return [num, { ...spec, type: type as Scalar }];
  if (SPECIALS.has(type)) return [num, { ...spec, type: type as Special }];
  if (!(type in MESSAGES)) throw new Error(`protobuf schema: ${message}.${name} refers to unknown message ${type}`);
  return [num, { ...spec, message: type }];
}

const compiled = new Map<string, Map<number, FieldSpec>>();

function fieldsOf(message: string): Map<number, FieldSpec> {
  let table = compiled.get(message);
  if (!table) {
    const text = MESSAGES[message];
    if (text === undefined) throw new Error(`protobuf schema has no message ${message}`);
    table = new Map(
      text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => parseField(message, l)),
    );
    compiled.set(message, table);
  }
  return table;
}

/** Every message of the schema parses and refers only to messages it defines. */
export function checkSchema(): void {
  for (const name of Object.keys(MESSAGES)) fieldsOf(name);
}

type Obj = Record<string, unknown>;

function expectWire(spec: FieldSpec, got: number, want: number, path: string): void {
  if (got !== want) throw new WireError(`${path} (${spec.type}) arrived with wire type ${got}`);
}

function rfc3339(seconds: number, nanos: number): string {
  const d = new Date(seconds * 1000 + Math.floor(nanos / 1e6));
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function decodeTime(bytes: Uint8Array, path: string): string | undefined {
  const r = new WireReader(bytes);
  let seconds = 0;
  let nanos = 0;
  while (!r.done) {
    const { field, wireType } = r.key();
    if (wireType !== WIRE_VARINT || (field !== 1 && field !== 2)) throw unknownField('Time', field, path);
    if (field === 1) seconds = r.int();
    else nanos = r.int();
  }
  // Go writes the zero time as an empty message; its JSON is null.
  return seconds === 0 && nanos === 0 ? undefined : rfc3339(seconds, nanos);
}

function decodeQuantity(bytes: Uint8Array, path: string): string {
  const r = new WireReader(bytes);
  let value = '';
  while (!r.done) {
    const { field, wireType } = r.key();
    if (field !== 1 || wireType !== WIRE_BYTES) throw unknownField('Quantity', field, path);
    value = r.string();
  }
  return value === '' ? '0' : value;
}

function decodeIntOrString(bytes: Uint8Array, path: string): number | string {
  const r = new WireReader(bytes);
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (!r.done) {
    const { field, wireType } = r.key();
    if (field === 1 && wireType === WIRE_VARINT) type = r.int();
    else if (field === 2 && wireType === WIRE_VARINT) intVal = r.int();
    else if (field === 3 && wireType === WIRE_BYTES) strVal = r.string();
    else throw unknownField('IntOrString', field, path);
  }
  return type === 1 ? strVal : intVal;
}

function decodeRawJSON(bytes: Uint8Array, path: string): unknown {
  const r = new WireReader(bytes);
  let raw: Uint8Array = new Uint8Array();
  while (!r.done) {
    const { field, wireType } = r.key();
    if (field !== 1 || wireType !== WIRE_BYTES) throw unknownField('RawJSON', field, path);
    raw = r.bytes();
  }
  if (raw.length === 0) return {};
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    throw errors.badRequest(`the protobuf body holds invalid JSON at ${path}`);
  }
}

function decodeMapEntry(bytes: Uint8Array, value: MapValue, path: string): [string, unknown] {
  const r = new WireReader(bytes);
  let key = '';
  let val: unknown = value === 'Quantity' ? '0' : '';
  while (!r.done) {
    const { field, wireType } = r.key();
    if (wireType !== WIRE_BYTES || (field !== 1 && field !== 2)) throw unknownField('map entry', field, path);
    if (field === 1) key = r.string();
    else if (value === 'string') val = r.string();
    else if (value === 'bytes') val = Buffer.from(r.bytes()).toString('base64');
    else val = decodeQuantity(r.bytes(), `${path}[${key}]`);
  }
  return [key, val];
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

function readScalar(type: Scalar, r: WireReader): unknown {
  switch (type) {
    case 'string':
      return r.string();
    case 'bytes':
      return Buffer.from(r.bytes()).toString('base64');
    case 'bool':
      return r.bool();
    case 'int32':
    case 'int64':
      return r.int();
  }
}

/** One occurrence of a field; undefined when it stands for JSON's absent value. */
function readOne(spec: FieldSpec, wireType: number, r: WireReader, path: string): unknown {
  switch (spec.type) {
    case 'string':
    case 'bytes':
      expectWire(spec, wireType, WIRE_BYTES, path);
      return readScalar(spec.type, r);
    case 'int32':
    case 'int64':
    case 'bool':
      expectWire(spec, wireType, WIRE_VARINT, path);
      return readScalar(spec.type, r);
    case 'Time':
      expectWire(spec, wireType, WIRE_BYTES, path);
      return decodeTime(r.bytes(), path);
    case 'Quantity':
      expectWire(spec, wireType, WIRE_BYTES, path);
      return decodeQuantity(r.bytes(), path);
    case 'IntOrString':
      expectWire(spec, wireType, WIRE_BYTES, path);
      return decodeIntOrString(r.bytes(), path);
    case 'RawJSON':
      expectWire(spec, wireType, WIRE_BYTES, path);
      return decodeRawJSON(r.bytes(), path);
    case 'message':
      expectWire(spec, wireType, WIRE_BYTES, path);
      return decodeMessage(spec.message!, r.bytes(), path);
    default:
      throw new Error(`readOne: ${spec.type}`);
  }
}

function unknownField(message: string, field: number, path: string): StatusError {
  return errors.badRequest(
    `the protobuf body has field ${field} of ${message} at ${path || '<root>'}, which this server does not know; send the object as application/json`,
  );
}

function decodeMessage(message: string, bytes: Uint8Array, path: string): Obj {
  const table = fieldsOf(message);
  const out: Obj = {};
  const r = new WireReader(bytes);
  while (!r.done) {
    const { field, wireType } = r.key();
    const spec = table.get(field);
    if (!spec) throw unknownField(message, field, path);
    const at = spec.inline ? path : path ? `${path}.${spec.name}` : spec.name;
    if (spec.type === 'ignored') {
      r.skip(wireType);
      continue;
    }
    if (spec.type === 'unsupported') {
      throw new StatusError(
        415,
        'UnsupportedMediaType',
        `${at} is not accepted as application/vnd.kubernetes.protobuf by this server; send the object as application/json`,
      );
    }
    if (spec.type === 'map') {
      expectWire(spec, wireType, WIRE_BYTES, at);
      const [k, v] = decodeMapEntry(r.bytes(), spec.mapValue!, at);
      const map = (out[spec.name] ??= {}) as Obj;
      map[k] = v;
      continue;
    }
    if (spec.repeated) {
      const list = (out[spec.name] ??= []) as unknown[];
      const packable = spec.type === 'int32' || spec.type === 'int64' || spec.type === 'bool';
      if (packable && wireType === WIRE_BYTES) {
        const packed = new WireReader(r.bytes());
        while (!packed.done) list.push(readScalar(spec.type as Scalar, packed));
      } else {
        list.push(readOne(spec, wireType, r, `${at}[${list.length}]`));
      }
      continue;
    }
    const value = readOne(spec, wireType, r, at);
    if (spec.inline) {
      Object.assign(out, value as Obj);
      continue;
    }
    // Go's encoding/json leaves out a non-pointer field's zero value
    // (omitempty), except a struct's: the zero Time of a template's
    // creationTimestamp is written as null.
    const dropZero = !spec.pointer && (SCALARS.has(spec.type) || spec.type === 'IntOrString') && isZero(value);
    if (value === undefined && spec.type === 'Time' && !spec.pointer) out[spec.name] = null;
    else if (value === undefined || dropZero) delete out[spec.name];
    else out[spec.name] = value;
  }
  return out;
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

function readEnvelope(bytes: Uint8Array): Envelope {
  const env: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(), contentEncoding: '', contentType: '' };
  const r = new WireReader(bytes);
  while (!r.done) {
    const { field, wireType } = r.key();
    if (wireType !== WIRE_BYTES) throw new WireError(`runtime.Unknown field ${field} has wire type ${wireType}`);
    if (field === 1) {
      const tm = new WireReader(r.bytes());
      while (!tm.done) {
        const k = tm.key();
        if (k.wireType !== WIRE_BYTES) throw new WireError('TypeMeta holds a non-string field');
        if (k.field === 1) env.apiVersion = tm.string();
        else if (k.field === 2) env.kind = tm.string();
        else tm.bytes();
      }
    } else if (field === 2) env.raw = r.bytes();
    else if (field === 3) env.contentEncoding = r.string();
    else if (field === 4) env.contentType = r.string();
    else r.bytes();
  }
  return env;
}

/**
 * The JSON object a Kubernetes protobuf body encodes, with apiVersion and
 * kind from its envelope. Throws a StatusError for anything it cannot read.
 */
export function decodeProtobufObject(body: Uint8Array): Obj {
  if (body.length < MAGIC.length || MAGIC.some((b, i) => body[i] !== b)) {
    throw errors.badRequest('the protobuf body does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  try {
    const env = readEnvelope(body.subarray(MAGIC.length));
    if (env.contentEncoding !== '') {
      throw new StatusError(415, 'UnsupportedMediaType', `the protobuf body's content encoding "${env.contentEncoding}" is not supported`);
    }
    if (env.contentType !== '' && env.contentType !== PROTOBUF_MEDIA_TYPE) {
      throw new StatusError(415, 'UnsupportedMediaType', `the protobuf envelope's content type "${env.contentType}" is not supported`);
    }
    if (!env.kind) throw errors.badRequest("Object 'Kind' is missing in the protobuf body");
    const root = rootMessage(env.apiVersion, env.kind);
    if (!root) {
      throw new StatusError(
        415,
        'UnsupportedMediaType',
        `${env.kind} in version "${env.apiVersion}" cannot be read from application/vnd.kubernetes.protobuf by this server; send it as application/json`,
      );
    }
    return { apiVersion: env.apiVersion, kind: env.kind, ...decodeMessage(root, env.raw, '') };
  } catch (err) {
    if (err instanceof WireError) throw errors.badRequest(`the protobuf body is malformed: ${err.message}`);
    throw err;
  }
}
