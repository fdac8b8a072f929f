import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeObject, findUnknownFields } from './decode.js';
import { LabelSelector, ObjectMeta } from './meta.js';
import type { ResourceInfo } from './resource.js';
import { StatusError } from './status.js';

const Container = z.object({
  name: z.string(),
  image: z.string().optional(),
  env: z.array(z.object({ name: z.string(), value: z.string().optional() })).optional(),
});

const Widget = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.optional(),
  spec: z
    .object({
      replicas: z.number().int().optional(),
      maxSurge: z.union([z.number().int(), z.string()]).optional(),
      selector: LabelSelector.optional(),
      containers: z.array(Container).optional(),
      mode: z.enum(['Fast', 'Slow']).optional(),
      data: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
});

const info: ResourceInfo = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  listKind: 'DeploymentList',
  plural: 'deployments',
  singular: 'deployment',
  shortNames: ['deploy'],
  namespaced: true,
  categories: ['all'],
  verbs: [],
  subresources: { status: true },
  schema: Widget,
  defaults: () => {},
  validate: () => [],
};

function decodeError(raw: unknown, fieldValidation: 'Ignore' | 'Warn' | 'Strict' = 'Warn'): StatusError {
  try {
    decodeObject(info, raw, { fieldValidation });
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected decodeObject to throw');
}

const body = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec,
  ...extra,
});

describe('decodeObject', () => {
  it('returns the parsed object with apiVersion, kind and metadata first', () => {
    const { object, warnings } = decodeObject(info, { spec: { replicas: 2 }, metadata: { name: 'web' } }, { fieldValidation: 'Warn' });
    expect(Object.keys(object)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(object).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } });
    expect(warnings).toEqual([]);
  });

  it('gives an object without metadata an empty one', () => {
    expect(decodeObject(info, { spec: {} }, { fieldValidation: 'Warn' }).object.metadata).toEqual({});
  });

  it('warns about unknown fields by their full path and drops them', () => {
    const { object, warnings } = decodeObject(
      info,
      body({ replicas: 1, foo: 1, containers: [{ name: 'a', imagePullPolice: 'x' }] }, { bar: true }),
      { fieldValidation: 'Warn' },
    );
    expect(warnings).toEqual([
      'unknown field "spec.foo"',
      'unknown field "spec.containers[0].imagePullPolice"',
      'unknown field "bar"',
    ]);
    expect(object.spec).toEqual({ replicas: 1, containers: [{ name: 'a' }] });
    expect(object).not.toHaveProperty('bar');
  });

  it('reports nothing for unknown fields under Ignore, but still drops them', () => {
    const { object, warnings } = decodeObject(info, body({ foo: 1 }), { fieldValidation: 'Ignore' });
    expect(warnings).toEqual([]);
    expect(object.spec).toEqual({});
  });

  it('rejects unknown fields under Strict with one 422 naming them all', () => {
    const err = decodeError(body({ foo: 1, bar: 2 }), 'Strict');
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.details?.causes?.map((c) => c.field)).toEqual(['spec.foo', 'spec.bar']);
    expect(err.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"',
    );
  });

  it('accepts a Strict body with no unknown fields', () => {
    expect(decodeObject(info, body({ replicas: 3 }), { fieldValidation: 'Strict' }).object.spec).toEqual({ replicas: 3 });
  });

  it('words a type mismatch like Go, naming the struct and the field path', () => {
    const err = decodeError(body({ containers: 'nginx' }));
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.containers of type []v1.Container',
    );
  });

  it('names nested fields without array indexes, as encoding/json does', () => {
    const err = decodeError(body({ containers: [{ name: 'a', env: [{ name: 'X', value: true }] }] }));
    expect(err.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal bool into Go struct field EnvVar.spec.containers.env.value of type string',
    );
  });

  it('rejects a string where an integer belongs and a fraction in an integer', () => {
    expect(decodeError(body({ replicas: '1' })).message).toContain(
      'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
    expect(decodeError(body({ replicas: 1.5 })).message).toContain(
      'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
  });

  it('takes both forms of an int-or-string field and rejects others', () => {
    expect(decodeObject(info, body({ maxSurge: '25%' }), { fieldValidation: 'Strict' }).object.spec).toEqual({ maxSurge: '25%' });
    expect(decodeObject(info, body({ maxSurge: 2 }), { fieldValidation: 'Strict' }).object.spec).toEqual({ maxSurge: 2 });
    expect(decodeError(body({ maxSurge: true })).message).toContain('cannot unmarshal bool into Go struct field DeploymentSpec.spec.maxSurge');
  });

  it('reports the first type mismatch in document order, before unknown fields', () => {
    const err = decodeError(body({ foo: 1, replicas: 'x', containers: 3 }), 'Strict');
    expect(err.message).toContain('spec.replicas of type int32');
  });

  it('treats null like Go does: the field stays unset', () => {
    const { object } = decodeObject(
      info,
      body({ replicas: null, selector: null }, { metadata: { name: 'web', creationTimestamp: null, labels: null } }),
      { fieldValidation: 'Strict' },
    );
    expect(object.spec).toEqual({});
    expect(object.metadata).toEqual({ name: 'web', creationTimestamp: null });
  });

  it('accepts map values under any key and walks into them', () => {
    const { object } = decodeObject(info, body({ data: { 'a.b/c': 'x' } }), { fieldValidation: 'Strict' });
    expect(object.spec).toEqual({ data: { 'a.b/c': 'x' } });
    expect(decodeError(body({ data: { k: 1 } })).message).toContain('of type string');
  });

  it('rejects a body that is not a JSON object', () => {
    for (const raw of [[1], 'x', 3, null]) {
      const err = decodeError(raw);
      expect(err.code).toBe(400);
      expect(err.message).toMatch(/^the object provided is unrecognized \(must be of type Deployment\)/);
    }
  });

  it('rejects a body of another API version or kind', () => {
    expect(decodeError({ apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'a' } }).message).toBe(
      'the API version in the data (apps/v1beta1) does not match the expected API version (apps/v1)',
    );
    const err = decodeError({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'a' } });
    expect(err.code).toBe(400);
    expect(err.message).toContain('ReplicaSet');
  });

  it('turns an out-of-enum value into a 422 naming the field and the supported values', () => {
    const err = decodeError(body({ mode: 'Medium' }));
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.details?.causes).toEqual([
      { reason: 'FieldValueNotSupported', field: 'spec.mode', message: 'Unsupported value: "Medium": supported values: "Fast", "Slow"' },
    ]);
    expect(err.message).toBe('Deployment.apps "web" is invalid: spec.mode: Unsupported value: "Medium": supported values: "Fast", "Slow"');
  });

  it('turns a missing required field into a 422 Required value with its index path', () => {
    const err = decodeError(body({ containers: [{ image: 'nginx' }] }));
    expect(err.code).toBe(422);
    expect(err.details?.causes).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.containers[0].name', message: 'Required value' },
    ]);
  });
});

describe('decodeObject with keys named like Object.prototype members', () => {
  it('reports them as unknown fields', () => {
    const { warnings } = decodeObject(info, body({ constructor: 1, toString: 'x' }), { fieldValidation: 'Warn' });
    expect(warnings).toEqual(['unknown field "spec.constructor"', 'unknown field "spec.toString"']);
  });
});

describe('findUnknownFields', () => {
  it('finds fields unknown to nested objects, arrays and wrappers', () => {
    expect(
      findUnknownFields(Widget, {
        metadata: { name: 'a', nme: 'b', labels: { any: 'x' } },
        spec: { selector: { matchLabels: { a: 'b' }, matchLabel: {} }, containers: [{ name: 'a' }, { name: 'b', img: 1 }] },
      }),
    ).toEqual(['metadata.nme', 'spec.selector.matchLabel', 'spec.containers[1].img']);
  });

  it('finds nothing in a value the schema fully knows', () => {
    expect(findUnknownFields(Widget, body({ replicas: 1, containers: [{ name: 'a', env: [{ name: 'x' }] }] }))).toEqual([]);
  });

  it('looks through lazy and passthrough schemas', () => {
    const Node: z.ZodType = z.lazy(() => z.object({ name: z.string(), children: z.array(Node).optional() }));
    expect(findUnknownFields(Node, { name: 'a', children: [{ name: 'b', extra: 1 }] })).toEqual(['children[0].extra']);
    expect(findUnknownFields(z.looseObject({ a: z.string() }), { a: 'x', b: 'y' })).toEqual([]);
  });
});
