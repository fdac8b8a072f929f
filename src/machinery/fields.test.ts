import { describe, expect, it } from 'vitest';
import {
  convertFieldSelector,
  escapeFieldValue,
  fieldSelectorFromSet,
  FieldSelectorError,
  objectFields,
  parseFieldSelector,
  supportedFieldLabels,
} from './fields.js';

describe('parseFieldSelector', () => {
  it('parses =, == and != and matches field sets', () => {
    const sel = parseFieldSelector('metadata.name=x,spec.nodeName!=y,status.phase==Running');
    expect(sel.toString()).toBe('metadata.name=x,spec.nodeName!=y,status.phase=Running');
    expect(sel.matches({ 'metadata.name': 'x', 'spec.nodeName': 'n1', 'status.phase': 'Running' })).toBe(true);
    expect(sel.matches({ 'metadata.name': 'x', 'spec.nodeName': 'y', 'status.phase': 'Running' })).toBe(false);
    expect(sel.matches({ 'metadata.name': 'z', 'spec.nodeName': 'n1', 'status.phase': 'Running' })).toBe(false);
  });

  it('treats a missing field as empty', () => {
    expect(parseFieldSelector('spec.nodeName=').matches({})).toBe(true);
    expect(parseFieldSelector('spec.nodeName!=').matches({ 'spec.nodeName': 'n1' })).toBe(true);
    expect(parseFieldSelector('spec.nodeName!=').matches({})).toBe(false);
  });

  it('sorts terms and gives exact matches for indexes', () => {
    const sel = parseFieldSelector('spec.nodeName=n1,metadata.name!=a');
    expect(sel.toString()).toBe('metadata.name!=a,spec.nodeName=n1');
    expect(sel.requiresExactMatch('spec.nodeName')).toBe('n1');
    expect(sel.requiresExactMatch('metadata.name')).toBeUndefined();
    expect(sel.requirements).toEqual([
      { field: 'metadata.name', operator: '!=', value: 'a' },
      { field: 'spec.nodeName', operator: '=', value: 'n1' },
    ]);
  });

  it('honours backslash escapes in values', () => {
    const sel = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d,spec.x=y');
    expect(sel.requirements[0]!.value).toBe('a,b=c\\d');
    expect(sel.matches({ 'metadata.name': 'a,b=c\\d', 'spec.x': 'y' })).toBe(true);
    expect(sel.toString()).toBe('metadata.name=a\\,b\\=c\\\\d,spec.x=y');
    expect(escapeFieldValue('a,b=c\\')).toBe('a\\,b\\=c\\\\');
  });

  it('an empty selector matches everything', () => {
    expect(parseFieldSelector('').empty()).toBe(true);
    expect(parseFieldSelector('').matches({ a: 'b' })).toBe(true);
  });

  it('reports malformed selectors with Kubernetes messages', () => {
    expect(() => parseFieldSelector('spec.nodeName')).toThrow(
      new FieldSelectorError("invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'"),
    );
    expect(() => parseFieldSelector('a=b=c')).toThrow('invalid field selector: unescaped character in value: 61');
    expect(() => parseFieldSelector('a=b\\x')).toThrow('invalid field selector: invalid escape sequence: \\x');
    expect(() => parseFieldSelector('a=b\\')).toThrow('invalid field selector: invalid escape sequence: \\');
  });

  it('builds selectors from a set', () => {
    const sel = fieldSelectorFromSet({ 'spec.nodeName': 'n1', 'metadata.name': 'p' });
    expect(sel.toString()).toBe('metadata.name=p,spec.nodeName=n1');
  });
});

describe('supported fields', () => {
  it('rejects fields a resource does not support, with the apiserver message', () => {
    expect(() => convertFieldSelector('pods', parseFieldSelector('spec.foo=x'))).toThrow('field label not supported: spec.foo');
    expect(() => convertFieldSelector('configmaps', parseFieldSelector('data.x=1'))).toThrow('field label not supported: data.x');
    expect(() => convertFieldSelector('nodes', parseFieldSelector('metadata.namespace=x'))).toThrow(
      'field label not supported: metadata.namespace',
    );
  });

  it('accepts supported fields and rewrites the old spec.host alias', () => {
    expect(convertFieldSelector('pods', parseFieldSelector('spec.host=n1')).toString()).toBe('spec.nodeName=n1');
    expect(convertFieldSelector('events', parseFieldSelector('involvedObject.name=p,type=Warning')).toString()).toBe(
      'involvedObject.name=p,type=Warning',
    );
    expect(supportedFieldLabels('configmaps')).toEqual(['metadata.name', 'metadata.namespace']);
    expect(supportedFieldLabels('secrets')).toContain('type');
  });
});

describe('objectFields', () => {
  it('extracts the pod fields kubelets and kubectl select on', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'default' },
      spec: { nodeName: 'n1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default' },
      status: { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }] },
    };
    const f = objectFields('pods', pod);
    expect(f).toMatchObject({
      'metadata.name': 'p',
      'metadata.namespace': 'default',
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.hostNetwork': 'false',
      'status.phase': 'Running',
      'status.podIP': '10.0.0.5',
      'status.nominatedNodeName': '',
    });
    expect(parseFieldSelector('spec.nodeName=n1,status.phase!=Succeeded').matches(f)).toBe(true);
    expect(parseFieldSelector('spec.nodeName=').matches(objectFields('pods', { metadata: { name: 'q' }, spec: {} }))).toBe(true);
  });

  it('extracts event, node, secret and workload fields', () => {
    const ev = objectFields('events', {
      metadata: { name: 'e', namespace: 'ns' },
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'ns', uid: 'u1' },
      reason: 'Scheduled',
      type: 'Normal',
      reportingComponent: 'default-scheduler',
    });
    expect(ev).toMatchObject({
      'involvedObject.kind': 'Pod',
      'involvedObject.uid': 'u1',
      'involvedObject.fieldPath': '',
      reason: 'Scheduled',
      source: 'default-scheduler',
      type: 'Normal',
    });
    expect(objectFields('nodes', { metadata: { name: 'n' }, spec: { unschedulable: true } })['spec.unschedulable']).toBe('true');
    expect(objectFields('secrets', { metadata: { name: 's' }, type: 'Opaque' })['type']).toBe('Opaque');
    expect(objectFields('replicasets', { metadata: { name: 'r' }, status: { replicas: 3 } })['status.replicas']).toBe('3');
    expect(objectFields('jobs', { metadata: { name: 'j' }, status: {} })['status.successful']).toBe('0');
  });
});
