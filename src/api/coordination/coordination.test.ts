import { describe, expect, it } from 'vitest';
import { fieldErrorMessage, type FieldErrors } from '../validation/field.js';
import { Lease } from './v1.js';
import { validateLease } from './validation.js';

const messages = (errs: FieldErrors) => errs.map((e) => `${e.field}: ${fieldErrorMessage(e)}`);

const lease = (spec: Record<string, unknown>) =>
  Lease.parse({ metadata: { name: 'kube-scheduler', namespace: 'kube-system' }, spec });

describe('Lease', () => {
  it('keeps every spec field, including MicroTime timestamps', () => {
    const spec = {
      holderIdentity: 'node-1_3f2a',
      leaseDurationSeconds: 15,
      acquireTime: '2024-05-01T10:00:00.000000Z',
      renewTime: '2024-05-01T10:00:10.123456Z',
      leaseTransitions: 2,
    };
    const l = lease(spec);
    expect(l.spec).toEqual(spec);
    expect(validateLease(l)).toEqual([]);
  });

  it('requires a positive duration and non-negative transitions', () => {
    expect(messages(validateLease(lease({ leaseDurationSeconds: 0, leaseTransitions: -1 })))).toEqual([
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
      'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('accepts the built-in strategy or a qualified custom one, reported at spec.strategy.strategy', () => {
    expect(validateLease(lease({ strategy: 'OldestEmulationVersion' }))).toEqual([]);
    expect(validateLease(lease({ strategy: 'example.com/newest' }))).toEqual([]);
    expect(messages(validateLease(lease({ strategy: 'Newest' })))).toEqual([
      'spec.strategy.strategy: Unsupported value: "Newest": supported values: "OldestEmulationVersion"',
    ]);
  });

  it('allows a preferred holder only with a strategy', () => {
    expect(messages(validateLease(lease({ holderIdentity: 'a', preferredHolder: 'b' })))).toEqual([
      'spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined',
    ]);
    expect(validateLease(lease({ holderIdentity: 'a', preferredHolder: 'b', strategy: 'OldestEmulationVersion' }))).toEqual([]);
  });

  it('validates metadata on create and metadata updates on update', () => {
    const bad = lease({});
    bad.metadata.name = 'Not A Name';
    expect(validateLease(bad).map((e) => e.field)).toEqual(['metadata.name']);
    const renamed = lease({});
    renamed.metadata.name = 'other';
    expect(validateLease(renamed, lease({})).map((e) => e.field)).toEqual(['metadata.name']);
  });
});
