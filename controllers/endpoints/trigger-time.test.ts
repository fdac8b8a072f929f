import { describe, expect, it } from 'vitest';
import type { PodObject } from '../replicaset/pods.js';
import type { ServiceObject } from './pod-endpoints.js';
import { rfc3339Nano, TriggerTimeTracker } from './trigger-time.js';

const svc: ServiceObject = { metadata: { name: 'web', namespace: 'ns', creationTimestamp: '2024-01-01T00:00:00Z' }, spec: {} };
const pod = (name: string, readySince: string): PodObject =>
  ({ metadata: { name, namespace: 'ns' }, spec: { containers: [] }, status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }] } }) as PodObject;

describe('last-change trigger time', () => {
  it('is the service creation first, then the earliest pod change since the previous sync, and nothing when nothing changed', () => {
    const t = new TriggerTimeTracker();
    const sync = (pods: PodObject[]) => {
      const r = t.compute(svc, pods);
      r.commit();
      return r.time;
    };
    expect(sync([pod('a', '2024-01-01T00:00:05Z')])).toBe(Date.parse('2024-01-01T00:00:00Z'));
    expect(sync([pod('a', '2024-01-01T00:00:05Z')])).toBeUndefined();
    const next = [pod('a', '2024-01-01T00:01:00Z'), pod('b', '2024-01-01T00:00:30Z')];
    // A sync whose write failed does not commit: the retry still sees the change.
    expect(t.compute(svc, next).time).toBe(Date.parse('2024-01-01T00:00:30Z'));
    expect(sync(next)).toBe(Date.parse('2024-01-01T00:00:30Z'));
    expect(sync(next)).toBeUndefined();
    t.forget('ns', 'web');
    expect(sync(next)).toBe(Date.parse('2024-01-01T00:00:00Z'));
  });

  it('formats as Go RFC 3339 with nanoseconds', () => {
    expect(rfc3339Nano(Date.parse('2024-01-01T00:00:05Z'))).toBe('2024-01-01T00:00:05Z');
    expect(rfc3339Nano(Date.parse('2024-01-01T00:00:05.120Z'))).toBe('2024-01-01T00:00:05.12Z');
  });
});
