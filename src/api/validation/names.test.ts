import { describe, expect, it } from 'vitest';
import { FieldPath, fieldErrorMessage, type FieldErrors } from './field.js';
import {
  isConfigMapKey,
  isValidPortName,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  pathSegmentName,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './names.js';

const show = (errs: FieldErrors) => errs.map((e) => `${e.field}: ${fieldErrorMessage(e)}`);
const meta = FieldPath.root('metadata');

describe('object names', () => {
  it('rejects names that are not DNS subdomains, with Kubernetes message', () => {
    expect(show(validateObjectMeta({ name: 'My_Pod', namespace: 'default' }, true, nameIsDNSSubdomain, meta))).toEqual([
      `metadata.name: Invalid value: "My_Pod": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ]);
  });

  it('requires a name unless generateName is given, whose trailing dash is fine', () => {
    expect(show(validateObjectMeta({ namespace: 'default' }, true, nameIsDNSSubdomain, meta))).toEqual([
      'metadata.name: Required value: name or generateName is required',
    ]);
    expect(validateObjectMeta({ generateName: 'web-', namespace: 'default' }, true, nameIsDNSSubdomain, meta)).toEqual([]);
    expect(show(validateObjectMeta({ generateName: 'Web-', namespace: 'd' }, true, nameIsDNSSubdomain, meta))[0]).toMatch(
      /^metadata\.generateName: Invalid value: "Web-": a lowercase RFC 1123 subdomain/,
    );
  });

  it('requires a namespace on namespaced kinds and forbids it on cluster-scoped ones', () => {
    expect(show(validateObjectMeta({ name: 'a' }, true, nameIsDNSSubdomain, meta))).toEqual(['metadata.namespace: Required value']);
    expect(show(validateObjectMeta({ name: 'a', namespace: 'x' }, false, nameIsDNSSubdomain, meta))).toEqual([
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
  });

  it('tells labels from subdomains and DNS-1035 labels apart', () => {
    expect(nameIsDNSLabel('a.b', false)).toEqual(['must not contain dots']);
    expect(nameIsDNSSubdomain('a.b', false)).toEqual([]);
    expect(nameIsDNS1035Label('1abc', false)[0]).toMatch(/^a DNS-1035 label must consist of/);
    expect(nameIsDNSLabel('x'.repeat(64), false)).toEqual(['must be no more than 63 characters']);
    expect(pathSegmentName('..', false)).toEqual(["may not be '..'"]);
    expect(pathSegmentName('a/b%', false)).toEqual(["may not contain '/'", "may not contain '%'"]);
  });

  it('checks port names and config keys', () => {
    expect(isValidPortName('HTTP')).toEqual([
      'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'must contain at least one letter (a-z)',
    ]);
    expect(isValidPortName('a-very-long-port-name')).toEqual(['must be no more than 15 characters']);
    expect(isConfigMapKey('..a')).toEqual(["must not start with '..'"]);
    expect(isConfigMapKey('a b')[0]).toMatch(/^a valid config key must consist of alphanumeric characters/);
  });
});

describe('labels, annotations and selectors', () => {
  it('reports bad label keys and values on the labels path', () => {
    expect(show(validateLabels({ 'a/b/c': 'x', ok: 'bad value' }, meta.child('labels')))).toEqual([
      `metadata.labels: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      `metadata.labels: Invalid value: "bad value": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ]);
  });

  it('limits annotations to 256 KiB in total and accepts upper-case keys', () => {
    expect(validateAnnotations({ 'Example.COM/Key': 'v' }, meta.child('annotations'))).toEqual([]);
    expect(show(validateAnnotations({ big: 'x'.repeat(256 * 1024) }, meta.child('annotations')))).toEqual([
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ]);
  });

  it('validates selector operators and values', () => {
    expect(
      show(
        validateLabelSelector(
          { matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['x'] }] },
          FieldPath.root('spec').child('selector'),
        ),
      ),
    ).toEqual([
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ]);
  });

  it('validates owner references and finalizers', () => {
    expect(
      show(
        validateObjectMeta(
          {
            name: 'a',
            namespace: 'n',
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r1', uid: '1', controller: true },
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: '', uid: '2', controller: true },
            ],
            finalizers: ['orphan', 'foregroundDeletion'],
          },
          true,
          nameIsDNSSubdomain,
          meta,
        ),
      ),
    ).toEqual([
      'metadata.ownerReferences.name: Invalid value: "": must not be empty',
      expect.stringContaining(
        'metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"r1"',
      ) as unknown as string,
      'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
    ]);
  });
});

describe('metadata updates', () => {
  const old = { name: 'a', namespace: 'n', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z' };
  it('keeps name, namespace and uid immutable', () => {
    expect(show(validateObjectMetaUpdate({ ...old, name: 'b', uid: 'u2' }, old, meta))).toEqual([
      'metadata.name: Invalid value: "b": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
    ]);
  });
  it('treats omitted system fields as unchanged', () => {
    expect(validateObjectMetaUpdate({ name: 'a', namespace: 'n' }, old, meta)).toEqual([]);
  });
  it('refuses new finalizers once deletion started', () => {
    expect(
      show(validateObjectMetaUpdate({ ...old, finalizers: ['example.com/x'] }, { ...old, deletionTimestamp: '2024-01-02T00:00:00Z' }, meta)),
    ).toEqual([
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/x"}',
    ]);
  });
});
