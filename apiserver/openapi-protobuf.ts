import type { Schema } from './openapi.js';

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

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
