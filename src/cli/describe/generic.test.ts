import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/meta.js';
import { camelCaseSplit, describeGeneric, smartLabel } from './generic.js';

const tz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  process.env.TZ = tz;
});

const now = Date.parse('2024-05-01T12:10:00Z');

describe('describeGeneric', () => {
  it('prints every field but the metadata already shown, keys sorted, in Title Case', () => {
    const lease: KubeObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', namespace: 'default', uid: 'u1', resourceVersion: '5', creationTimestamp: '2024-05-01T12:00:00Z', managedFields: [{}] },
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, ownerList: ['a', 'b'] },
    };
    expect(describeGeneric(lease, [], now)).toBe(
      [
        "Name:         l",
        "Namespace:    default",
        "Labels:       <none>",
        "Annotations:  <none>",
        "API Version:  coordination.k8s.io/v1",
        "Kind:         Lease",
        "Metadata:",
        "  Creation Timestamp:  2024-05-01T12:00:00Z",
        "  Resource Version:    5",
        "  UID:                 u1",
        "Spec:",
        "  Holder Identity:         me",
        "  Lease Duration Seconds:  15",
        "  Owner List:",
        "    a",
        "    b",
        "Events:  <none>",
        '',
      ].join('\n'),
    );
  });

  it('turns field names into labels as kubectl does', () => {
    expect(camelCaseSplit('PDFLoader')).toEqual(['PDF', 'Loader']);
    expect(smartLabel('apiVersion')).toBe('API Version');
    expect(smartLabel('uid')).toBe('UID');
    expect(smartLabel('hostIPs')).toBe('Host I Ps');
    expect(smartLabel('ipv4')).toBe('ipv4');
    expect(smartLabel('kubernetes.io/name')).toBe('kubernetes.io/name');
  });
});
