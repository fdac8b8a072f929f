import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, Secret } from '../../api/core/v1.js';
import { describeConfigMap, describeSecret } from './configs.js';
import { describeNamespace } from './namespaces.js';

const tz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  process.env.TZ = tz;
});

const now = Date.parse('2024-05-01T12:10:00Z');

describe('describeNamespace', () => {
  it('prints the status and, when there are any, the conditions', () => {
    expect(describeNamespace({ metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } }, status: { phase: 'Active' } })).toBe(
      [
        "Name:         default",
        "Labels:       kubernetes.io/metadata.name=default",
        "Annotations:  <none>",
        "Status:       Active",
        '',
      ].join('\n'),
    );
    const terminating = describeNamespace({
      metadata: { name: 'old' },
      status: {
        phase: 'Terminating',
        conditions: [{ type: 'NamespaceContentRemaining', status: 'True', lastTransitionTime: '2024-05-01T12:00:00Z', reason: 'SomeResourcesRemain', message: 'pods: 1' }],
      },
    });
    expect(terminating).toMatch(/^  NamespaceContentRemaining\s+True\s+Wed, 01 May 2024 12:00:00 \+0000\s+SomeResourcesRemain\s+pods: 1$/m);
  });
});

describe('describeConfigMap and describeSecret', () => {
  it('prints every config value in full, and the size of binary ones', () => {
    const cm: ConfigMap = { metadata: { name: 'cfg', namespace: 'default' }, data: { mode: 'prod', 'app.conf': 'a=1\nb=2' }, binaryData: { blob: 'AAEC' } };
    expect(describeConfigMap(cm, [], now)).toBe(
      [
        "Name:         cfg",
        "Namespace:    default",
        "Labels:       <none>",
        "Annotations:  <none>",
        "",
        "Data",
        "====",
        "app.conf:",
        "----",
        "a=1",
        "b=2",
        "",
        "mode:",
        "----",
        "prod",
        "",
        "",
        "BinaryData",
        "====",
        "blob: 3 bytes",
        "",
        "Events:  <none>",
        '',
      ].join('\n'),
    );
  });

  it('prints the size of secret values, never the values', () => {
    const secret: Secret = { metadata: { name: 's', namespace: 'default' }, type: 'Opaque', data: { user: 'YWRtaW4=', password: 'c2VjcmV0' } };
    const text = describeSecret(secret);
    expect(text).toBe(
      [
        "Name:         s",
        "Namespace:    default",
        "Labels:       <none>",
        "Annotations:  <none>",
        "",
        "Type:  Opaque",
        "",
        "Data",
        "====",
        "password:  6 bytes",
        "user:      5 bytes",
        '',
      ].join('\n'),
    );
    expect(text).not.toContain('secret\n');
    expect(text).not.toContain('admin');
  });
});
