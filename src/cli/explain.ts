// skiff explain: documentation of a resource or one of its fields, read from
// the server's OpenAPI v3 document and laid out as kubectl's plaintext
// template lays it out (GROUP/KIND/VERSION, FIELD, DESCRIPTION, FIELDS).
import type { ResourceInfo } from '../api/resource.js';
import { cliContext, CliError, resolveType, type GlobalFlags } from './context.js';

export interface ExplainOptions extends GlobalFlags {
  recursive?: boolean;
  apiVersion?: string;
}

export type Schema = {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  $ref?: string;
  required?: string[];
  enum?: unknown[];
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
};

export interface OpenApiDocument {
  components?: { schemas?: Record<string, Schema> };
}

/** mitchellh/go-wordwrap: break at spaces so lines stay within the limit; longer words stand alone. */
export function wordWrap(text: string, limit: number): string {
  return text
    .split('\n')
    .map((line) => {
      const words = line.split(' ');
      const out: string[] = [];
      let cur = '';
      for (const w of words) {
        if (cur === '') cur = w;
        else if (cur.length + 1 + w.length <= limit) cur += ` ${w}`;
        else {
          out.push(cur);
          cur = w;
        }
      }
      out.push(cur);
      return out.join('\n');
    })
    .join('\n');
}

const indent = (text: string, n: number): string =>
  text
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

/** The schema a $ref (direct or through allOf) points at. */
function referenced(doc: OpenApiDocument, s: Schema): Schema | undefined {
  const ref = s.$ref ?? s.allOf?.find((a) => a.$ref)?.$ref;
  return ref ? doc.components?.schemas?.[refName(ref)] : undefined;
}

/** A schema with its reference followed: the referenced type's fields, the field's own description first. */
function resolved(doc: OpenApiDocument, s: Schema): Schema {
  const target = referenced(doc, s);
  return target ? { ...target, description: s.description ?? target.description } : s;
}

/** kubectl's type words: <string>, <[]Container>, <map[string]string>, <Object>. */
export function typeGuess(doc: OpenApiDocument, s: Schema): string {
  const ref = s.$ref ?? s.allOf?.find((a) => a.$ref)?.$ref;
  if (ref) {
    const name = refName(ref);
    return name.slice(name.lastIndexOf('.') + 1);
  }
  if (s.type === 'array' && s.items) return `[]${typeGuess(doc, s.items)}`;
  if (s.type === 'object' || (!s.type && s.additionalProperties)) {
    const ap = s.additionalProperties;
    if (typeof ap === 'object' && (ap.type || ap.$ref || ap.allOf)) return `map[string]${typeGuess(doc, ap)}`;
    return 'Object';
  }
  return s.type ?? 'Object';
}

/** The schema at a field path (["spec", "replicas"]), looking through references and array items. */
function fieldAt(doc: OpenApiDocument, root: Schema, path: string[]): { schema: Schema; parent?: Schema } {
  let cur = root;
  let parent: Schema | undefined;
  for (const field of path) {
    const container = resolved(doc, cur.type === 'array' && cur.items ? cur.items : cur);
    const next = container.properties?.[field];
    if (!next) throw new CliError(`field "${field}" does not exist`);
    parent = container;
    cur = next;
  }
  return { schema: cur, ...(parent ? { parent } : {}) };
}

function fieldsOf(doc: OpenApiDocument, s: Schema): Schema | undefined {
  const target = s.type === 'array' && s.items ? resolved(doc, s.items) : resolved(doc, s);
  return target.properties && Object.keys(target.properties).length > 0 ? target : undefined;
}

function descriptionOf(doc: OpenApiDocument, s: Schema): string {
  const own = s.description ?? '';
  const inner = s.type === 'array' && s.items ? referenced(doc, s.items) : referenced(doc, s);
  const typeDesc = inner?.description ?? '';
  return [own, typeDesc !== own ? typeDesc : ''].filter((d) => d !== '').join('\n');
}

function fieldList(doc: OpenApiDocument, s: Schema, level: number, recursive: boolean, seen: Set<Schema>): string {
  const target = fieldsOf(doc, s);
  if (!target?.properties) return '';
  let out = '';
  const pad = level * 2;
  for (const name of Object.keys(target.properties).sort()) {
    const field = target.properties[name]!;
    const required = target.required?.includes(name) ? ' -required-' : '';
    out += `${' '.repeat(pad)}${name}\t<${typeGuess(doc, field)}>${required}\n`;
    if (field.enum?.length) out += `${' '.repeat(pad)}enum: ${field.enum.map(String).join(', ')}\n`;
    if (recursive) {
      const sub = fieldsOf(doc, field);
      if (sub && !seen.has(sub)) {
        seen.add(sub);
        out += fieldList(doc, field, level + 1, true, seen);
        seen.delete(sub);
      }
      continue;
    }
    const desc = field.description ?? '';
    out += `${indent(wordWrap(desc || '<no description>', 80 - pad - 2), pad + 2)}\n\n`;
  }
  return out;
}

/** The explain text for a resource's schema and a field path inside it. */
export function renderExplain(doc: OpenApiDocument, info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>, root: Schema, path: string[], recursive: boolean): string {
  let out = '';
  if (info.group) out += `GROUP:      ${info.group}\n`;
  out += `KIND:       ${info.kind}\nVERSION:    ${info.version}\n\n`;
  const { schema } = path.length > 0 ? fieldAt(doc, root, path) : { schema: root };
  if (path.length > 0) {
    out += `FIELD: ${path[path.length - 1]} <${typeGuess(doc, schema)}>\n`;
    if (schema.enum?.length) out += `\nENUM:\n${schema.enum.map((e) => `    ${String(e)}`).join('\n')}\n`;
    out += '\n\n';
  }
  const desc = descriptionOf(doc, schema);
  out += desc ? `DESCRIPTION:\n${indent(wordWrap(desc, 76) + '\n', 4)}\n` : 'DESCRIPTION:\n    <empty>\n';
  const fields = fieldList(doc, schema, 1, recursive, new Set());
  out += fields ? `FIELDS:\n${fields}\n` : '\n';
  return out;
}

/** The definition of a kind in a document, found by its x-kubernetes-group-version-kind. */
export function schemaForKind(doc: OpenApiDocument, info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>): Schema | undefined {
  for (const s of Object.values(doc.components?.schemas ?? {})) {
    if (s['x-kubernetes-group-version-kind']?.some((g) => g.group === info.group && g.version === info.version && g.kind === info.kind)) {
      return s;
    }
  }
  return undefined;
}

export async function runExplain(args: string[], opts: ExplainOptions): Promise<void> {
  if (args.length === 0) {
    throw new CliError(
      'You must specify the type of resource to explain. Use "skiff api-resources" for a complete list of supported resources.',
    );
  }
  if (args.length > 1) throw new CliError(`We accept only this format: explain RESOURCE`);
  const [typeName, ...path] = args[0]!.split('.');
  // "deployments.apps.spec" style names are rare; kubectl reads the first segment as the type.
  const info = resolveType(typeName!);
  if (opts.apiVersion && opts.apiVersion !== (info.group ? `${info.group}/${info.version}` : info.version)) {
    throw new CliError(`couldn't find resource for "${opts.apiVersion}, Kind=${info.kind}"`);
  }
  const ctx = cliContext(opts);
  const gvPath = info.group ? `apis/${info.group}/${info.version}` : `api/${info.version}`;
  const doc = await ctx.client.request<OpenApiDocument>('GET', `/openapi/v3/${gvPath}`);
  const root = schemaForKind(doc, info);
  if (!root) throw new CliError(`couldn't find resource for "${gvPath}, Kind=${info.kind}"`);
  ctx.out.write(renderExplain(doc, info, root, path, opts.recursive ?? false));
}
