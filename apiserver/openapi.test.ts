import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { allResources } from '../src/api/resources.js';
import { StatusError } from '../src/api/status.js';
import { definitionName, groupVersionPath, type Schema } from './openapi.js';
import { OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_TOKEN } from './openapi-protobuf.js';
import { negotiateDocument, OpenApiDocuments, openApiHandlers } from './openapi-serve.js';

const docs = new OpenApiDocuments(allResources);
const v3 = (path: string): Schema => JSON.parse(docs.v3(path)!.body.toString()) as Schema;
const v2 = JSON.parse(docs.v2.body.toString()) as Schema;

const obj = (v: unknown): Schema => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`not an object: ${JSON.stringify(v)}`);
  return v as Schema;
};
const arr = (v: unknown): unknown[] => {
  if (!Array.isArray(v)) throw new Error(`not an array: ${JSON.stringify(v)}`);
  return v;
};
const schemasOf = (doc: Schema) => obj(obj(doc.components).schemas);
const refTarget = (s: Schema): string => {
  const r = typeof s.$ref === 'string' ? s.$ref : String(obj(arr(s.allOf)[0]).$ref);
  return r.slice(r.lastIndexOf('/') + 1);
};
/** a property's schema, following $ref / allOf as kubectl does */
const prop = (doc: Schema, def: string, ...path: string[]): Schema => {
  let s = obj(schemasOf(doc)[def]);
  for (const p of path) {
    const next = obj(obj(s.properties)[p]);
    s = next.$ref || next.allOf ? obj(schemasOf(doc)[refTarget(next)]) : next;
  }
  return s;
};

describe('OpenAPI v3', () => {
  it('gives every served kind a PATCH operation with its GVK that takes fieldValidation', () => {
    for (const r of allResources) {
      const doc = v3(groupVersionPath(r));
      const patches = Object.values(obj(doc.paths))
        .map((item) => obj(item).patch)
        .filter((op): op is Schema => op !== undefined)
        .filter((op) => JSON.stringify(op['x-kubernetes-group-version-kind']) === JSON.stringify({ group: r.group, kind: r.kind, version: r.version }));
      expect(patches.length, r.kind).toBeGreaterThan(0);
      // kubectl looks at whichever of them it meets first
      for (const op of patches) {
        const names = arr(op.parameters).map((p) => obj(p).name);
        expect(names, r.kind).toContain('fieldValidation');
        expect(Object.keys(obj(obj(op.requestBody).content))).toContain('application/strategic-merge-patch+json');
      }
    }
  });

  it('lists one document per group-version in the root, with the hash of its body', () => {
    const root = JSON.parse(docs.v3Root.body.toString()) as { paths: Record<string, { serverRelativeURL: string }> };
    expect(Object.keys(root.paths).sort()).toEqual([...new Set(allResources.map(groupVersionPath))].sort());
    for (const [path, { serverRelativeURL }] of Object.entries(root.paths)) {
      const body = docs.v3(path)!.body;
      const hash = createHash('sha512').update(body).digest('hex').toUpperCase();
      expect(serverRelativeURL).toBe(`/openapi/v3/${path}?hash=${hash}`);
    }
  });

  it('serves the paths kubectl and clients address, with operations the verbs allow', () => {
    const core = obj(v3('api/v1').paths);
    expect(Object.keys(obj(core['/api/v1/namespaces/{namespace}/pods']))).toEqual(expect.arrayContaining(['get', 'post', 'delete']));
    expect(Object.keys(obj(core['/api/v1/namespaces/{namespace}/pods/{name}']))).toEqual(expect.arrayContaining(['get', 'put', 'patch', 'delete']));
    expect(obj(core['/api/v1/pods']).get).toBeDefined();
    expect(obj(core['/api/v1/namespaces/{namespace}/pods/{name}/status']).patch).toBeDefined();
    expect(obj(obj(core['/api/v1/namespaces/{namespace}/pods/{name}/binding']).post)['x-kubernetes-group-version-kind']).toEqual({ group: '', kind: 'Binding', version: 'v1' });
    // namespaces cannot be deleted as a collection
    expect(obj(core['/api/v1/namespaces']).delete).toBeUndefined();
    expect(obj(core['/api/v1/namespaces/{name}/finalize']).put).toBeDefined();

    const list = obj(obj(core['/api/v1/namespaces/{namespace}/pods']).get);
    expect(arr(list.parameters).map((p) => obj(p).name)).toEqual(expect.arrayContaining(['labelSelector', 'fieldSelector', 'watch', 'resourceVersion', 'limit', 'continue']));
    expect(obj(obj(obj(obj(list.responses)['200']).content)['application/json']).schema).toEqual({ $ref: '#/components/schemas/io.k8s.api.core.v1.PodList' });
    const create = obj(obj(core['/api/v1/namespaces/{namespace}/pods']).post);
    expect(arr(create.parameters).map((p) => obj(p).name)).toEqual(['dryRun', 'fieldManager', 'fieldValidation']);
    expect(create['x-kubernetes-action']).toBe('post');
    const itemParams = arr(obj(core['/api/v1/namespaces/{namespace}/pods/{name}']).parameters).map((p) => obj(p).name);
    expect(itemParams).toEqual(['name', 'namespace', 'pretty']);

    const scale = obj(obj(v3('apis/apps/v1').paths)['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']);
    expect(obj(scale.patch)['x-kubernetes-group-version-kind']).toEqual({ group: 'autoscaling', kind: 'Scale', version: 'v1' });
    expect(schemasOf(v3('apis/apps/v1'))['io.k8s.api.autoscaling.v1.Scale']).toBeDefined();
  });

  it('names definitions as Kubernetes does and marks kinds and lists with their GVK', () => {
    const apps = schemasOf(v3('apis/apps/v1'));
    expect(obj(apps['io.k8s.api.apps.v1.Deployment'])['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    expect(obj(apps['io.k8s.api.apps.v1.DeploymentList'])['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'DeploymentList', version: 'v1' }]);
    expect(apps['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']).toBeDefined();
    expect(apps['io.k8s.api.core.v1.PodSpec']).toBeDefined();
    for (const r of allResources) {
      const s = schemasOf(v3(groupVersionPath(r)));
      expect(obj(s[definitionName(r)])['x-kubernetes-group-version-kind'], r.kind).toEqual([{ group: r.group, kind: r.kind, version: r.version }]);
      expect(typeof obj(s[definitionName(r)]).description, r.kind).toBe('string');
    }
  });

  it('describes a Pod down to its containers and their images', () => {
    const core = v3('api/v1');
    const containers = obj(obj(prop(core, 'io.k8s.api.core.v1.Pod', 'spec').properties).containers);
    expect(containers.type).toBe('array');
    expect(typeof containers.description).toBe('string');
    expect(refTarget(obj(containers.items))).toBe('io.k8s.api.core.v1.Container');
    const container = obj(schemasOf(core)['io.k8s.api.core.v1.Container']);
    expect(obj(obj(container.properties).image)).toMatchObject({ type: 'string' });
    expect(obj(obj(container.properties).image).description).toMatch(/image/i);
    expect(prop(core, 'io.k8s.api.core.v1.Pod', 'metadata').properties).toHaveProperty('labels');
  });

  it('writes int-or-string and quantity fields as the strings Kubernetes declares', () => {
    const core = v3('api/v1');
    const targetPort = obj(obj(obj(schemasOf(core)['io.k8s.api.core.v1.ServicePort']).properties).targetPort);
    expect(targetPort).toMatchObject({ type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true });
    const limits = obj(obj(obj(schemasOf(core)['io.k8s.api.core.v1.ResourceRequirements']).properties).limits);
    expect(limits).toMatchObject({ type: 'object', additionalProperties: { type: 'string' } });
    const json = docs.v3('api/v1')!.body.toString();
    expect(json).not.toContain('anyOf');
    expect(json).not.toContain('9007199254740991');
  });

  it('carries the strategic merge patch tags of the patch machinery on list fields', () => {
    const core = v3('api/v1');
    const podSpec = obj(obj(schemasOf(core)['io.k8s.api.core.v1.PodSpec']).properties);
    expect(obj(podSpec.containers)).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
    expect(obj(podSpec.volumes)).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge,retainKeys' });
    expect(obj(podSpec.tolerations)['x-kubernetes-patch-strategy']).toBeUndefined();
    const container = obj(obj(schemasOf(core)['io.k8s.api.core.v1.Container']).properties);
    expect(obj(container.ports)).toMatchObject({ 'x-kubernetes-patch-merge-key': 'containerPort', 'x-kubernetes-patch-strategy': 'merge' });
    expect(obj(container.env)).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name' });
    const meta = obj(obj(schemasOf(core)['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']).properties);
    expect(obj(meta.finalizers)['x-kubernetes-patch-strategy']).toBe('merge');
    expect(obj(meta.finalizers)['x-kubernetes-patch-merge-key']).toBeUndefined();
    const service = obj(obj(schemasOf(core)['io.k8s.api.core.v1.ServiceSpec']).properties);
    expect(obj(service.ports)['x-kubernetes-patch-merge-key']).toBe('port');
    const strategy = obj(obj(schemasOf(v3('apis/apps/v1'))['io.k8s.api.apps.v1.DeploymentSpec']).properties).strategy;
    expect(obj(strategy)['x-kubernetes-patch-strategy']).toBe('retainKeys');
  });

  it('carries every definition its operations and schemas name', () => {
    for (const path of new Set(allResources.map(groupVersionPath))) {
      const body = docs.v3(path)!.body.toString();
      const schemas = schemasOf(JSON.parse(body) as Schema);
      for (const [, name] of body.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) expect(schemas, `${path}: ${name}`).toHaveProperty([name!]);
    }
  });
});

describe('Swagger 2.0', () => {
  it('has the same definitions, with GVKs and patch tags, in Swagger 2.0 terms', () => {
    expect(v2.swagger).toBe('2.0');
    const defs = obj(v2.definitions);
    expect(obj(defs['io.k8s.api.core.v1.Pod'])['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    expect(obj(obj(obj(defs['io.k8s.api.core.v1.PodSpec']).properties).containers)).toMatchObject({
      items: { $ref: '#/definitions/io.k8s.api.core.v1.Container' },
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    });
    expect(obj(obj(obj(defs['io.k8s.api.core.v1.Pod']).properties).metadata)).toMatchObject({ $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
    const body = docs.v2.body.toString();
    for (const word of ['"anyOf"', '"nullable"', '"allOf"', '#/components/']) expect(body).not.toContain(word);
    for (const [, name] of body.matchAll(/"#\/definitions\/([^"]+)"/g)) expect(defs).toHaveProperty([name!]);
  });

  it('describes operations the way Swagger 2.0 does: body parameters and consumed patch types', () => {
    const item = obj(obj(v2.paths)['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']);
    const patch = obj(item.patch);
    expect(patch.consumes).toContain('application/strategic-merge-patch+json');
    expect(arr(patch.parameters).map((p) => obj(p).name)).toEqual(['body', 'dryRun', 'fieldManager', 'fieldValidation', 'force']);
    expect(obj(arr(patch.parameters)[0])).toMatchObject({ in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } });
    expect(obj(obj(patch.responses)['200']).schema).toEqual({ $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' });
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', kind: 'Deployment', version: 'v1' });
  });
});

/** Just enough of the protobuf wire format to read a message back: field number to its values. */
function readProto(buf: Buffer): Map<number, Array<Buffer | number>> {
  const fields = new Map<number, Array<Buffer | number>>();
  let pos = 0;
  const varint = () => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++]!;
      result += (b & 127) * mul;
      if (b < 128) return result;
      mul *= 128;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: Buffer | number;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = varint();
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else if (wire === 1) {
      value = buf.readDoubleLE(pos);
      pos += 8;
    } else throw new Error(`unexpected wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}
const sub = (m: Map<number, Array<Buffer | number>>, field: number): Array<Map<number, Array<Buffer | number>>> =>
  (m.get(field) ?? []).map((v) => readProto(v as Buffer));
const str = (m: Map<number, Array<Buffer | number>>, field: number) => (m.get(field)?.[0] as Buffer | undefined)?.toString('utf8');
const named = (entries: Array<Map<number, Array<Buffer | number>>>, name: string) => {
  const e = entries.find((x) => str(x, 1) === name);
  if (!e) throw new Error(`no entry ${name}`);
  return sub(e, 2)[0]!;
};

describe('Swagger 2.0 as protocol buffers', () => {
  const doc = readProto(docs.v2Protobuf.body as Buffer);

  it('encodes the document as openapi_v2.Document', () => {
    expect(str(doc, 1)).toBe('2.0');
    expect(str(sub(doc, 2)[0]!, 1)).toBe('Kubernetes');
  });

  it('carries definitions with their GVK extension as YAML, the way kubectl reads them', () => {
    const definitions = sub(sub(doc, 9)[0]!, 1);
    expect(definitions.length).toBe(Object.keys(obj(v2.definitions)).length);
    const pod = named(definitions, 'io.k8s.api.core.v1.Pod');
    const gvk = named(sub(pod, 31), 'x-kubernetes-group-version-kind');
    expect(parseYaml(str(gvk, 2)!)).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    const podProps = sub(sub(pod, 25)[0]!, 1);
    const spec = named(podProps, 'spec');
    expect(str(spec, 1)).toBe('#/definitions/io.k8s.api.core.v1.PodSpec');
    const containers = named(sub(sub(named(definitions, 'io.k8s.api.core.v1.PodSpec'), 25)[0]!, 1), 'containers');
    expect(str(sub(containers, 22)[0]!, 1)).toBe('array');
    expect(str(named(sub(containers, 31), 'x-kubernetes-patch-merge-key'), 2)).toBe('"name"');
  });

  it('keeps the PATCH operation and its fieldValidation query parameter', () => {
    const paths = sub(sub(doc, 8)[0]!, 2);
    const item = named(paths, '/api/v1/namespaces/{namespace}/pods/{name}');
    const patch = sub(item, 8)[0]!;
    const params = sub(patch, 8).map((p) => sub(p, 1)[0]!);
    const queryNames = params.flatMap((p) => sub(p, 2)).flatMap((nonBody) => sub(nonBody, 3)).map((q) => str(q, 4));
    expect(queryNames).toEqual(['dryRun', 'fieldManager', 'fieldValidation', 'force']);
    const body = sub(params[0]!, 1)[0]!;
    expect(str(body, 3)).toBe('body');
    expect(parseYaml(str(named(sub(patch, 13), 'x-kubernetes-group-version-kind'), 2)!)).toEqual({ group: '', kind: 'Pod', version: 'v1' });
  });
});

describe('negotiateDocument', () => {
  it('answers JSON unless the client asks for protobuf first', () => {
    expect(negotiateDocument(undefined, true)).toBe('json');
    expect(negotiateDocument('*/*', true)).toBe('json');
    expect(negotiateDocument(`application/json, ${OPENAPI_V2_PROTOBUF}`, true)).toBe('json');
    expect(negotiateDocument(OPENAPI_V2_PROTOBUF, true)).toBe('protobuf');
    expect(negotiateDocument(`${OPENAPI_V2_PROTOBUF}, application/json`, true)).toBe('protobuf');
  });

  it('refuses forms it does not have with 406', () => {
    expect(() => negotiateDocument('application/com.github.proto-openapi.spec.v3@v1.0+protobuf', false)).toThrow(StatusError);
    expect(() => negotiateDocument(OPENAPI_V2_PROTOBUF, false)).toThrow(/application\/json/);
    expect(() => negotiateDocument('text/html', true)).toThrow(StatusError);
  });
});

describe('openApiHandlers', () => {
  const app = Fastify();
  const h = openApiHandlers(allResources);
  app.get('/openapi/v2', h.v2);
  app.get('/openapi/v3', h.v3Root);
  app.get('/openapi/v3/*', h.v3GroupVersion);
  app.setErrorHandler((err, _req, reply) => {
    const code = err instanceof StatusError ? err.code : 500;
    return reply.code(code).send({ code });
  });

  it('serves a group-version document at its hashed URL for a year, and 304 to a client that has it', async () => {
    const root = (await app.inject({ url: '/openapi/v3' })).json() as { paths: Record<string, { serverRelativeURL: string }> };
    const url = root.paths['apis/apps/v1']!.serverRelativeURL;
    const res = await app.inject({ url, headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('public, immutable');
    expect((res.json() as Schema).openapi).toBe('3.0.0');
    const again = await app.inject({ url, headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('sends a client with a stale hash to the current document', async () => {
    const res = await app.inject({ url: '/openapi/v3/api/v1?hash=0123' });
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe(`/openapi/v3/api/v1?hash=${docs.v3('api/v1')!.hash}`);
  });

  it('answers 404 for a group-version it does not serve and 406 for protobuf-only v3 requests', async () => {
    expect((await app.inject({ url: '/openapi/v3/apis/nope/v1' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/openapi/v3/api/v1', headers: { accept: 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf' } })).statusCode).toBe(406);
  });

  it('serves Swagger 2.0 as JSON or as protobuf, as asked', async () => {
    const json = await app.inject({ url: '/openapi/v2', headers: { accept: 'application/json' } });
    expect((json.json() as Schema).swagger).toBe('2.0');
    const proto = await app.inject({ url: '/openapi/v2', headers: { accept: OPENAPI_V2_PROTOBUF } });
    expect(proto.statusCode).toBe(200);
    expect(proto.headers['content-type']).toBe(OPENAPI_V2_PROTOBUF_TOKEN);
    expect(str(readProto(proto.rawPayload), 1)).toBe('2.0');
  });
});
