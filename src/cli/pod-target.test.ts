import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import type { Pod } from '../api/core/v1.js';
import { byLogging, defaultContainer } from './pod-target.js';

const pod = (name: string, extra: { node?: string; phase?: string; ready?: boolean; restarts?: number; created?: string } = {}) =>
  ({
    metadata: { name, creationTimestamp: extra.created ?? '2026-01-01T00:00:00Z' },
    spec: { nodeName: extra.node, containers: [{ name: 'app' }] },
    status: {
      phase: extra.phase,
      conditions: extra.ready ? [{ type: 'Ready', status: 'True' }] : [],
      containerStatuses: [{ name: 'app', restartCount: extra.restarts ?? 0 }],
    },
  }) as unknown as Pod;

describe('choosing a pod to read', () => {
  it("orders pods as kubectl's ByLogging: scheduled, running, ready, most restarted, oldest", () => {
    const pods = [
      pod('unscheduled', { phase: 'Pending' }),
      pod('pending', { node: 'n', phase: 'Pending' }),
      pod('running', { node: 'n', phase: 'Running' }),
      pod('ready-new', { node: 'n', phase: 'Running', ready: true, created: '2026-02-01T00:00:00Z' }),
      pod('ready-old', { node: 'n', phase: 'Running', ready: true }),
      pod('ready-restarted', { node: 'n', phase: 'Running', ready: true, restarts: 2, created: '2026-03-01T00:00:00Z' }),
    ];
    expect(pods.sort(byLogging).map((p) => p.metadata.name)).toEqual(['ready-restarted', 'ready-old', 'ready-new', 'running', 'pending', 'unscheduled']);
  });
});

describe('default container', () => {
  const multi = {
    metadata: { name: 'web', annotations: {} as Record<string, string> },
    spec: { containers: [{ name: 'a' }, { name: 'b' }], initContainers: [{ name: 'setup' }] },
  } as unknown as Pod;

  it('is the first container, and kubectl says so when there was a choice', () => {
    const warn = new PassThrough();
    expect(defaultContainer(multi, undefined, warn)).toBe('a');
    expect(warn.read()?.toString()).toBe('Defaulted container "a" out of: a, b (init: setup)\n');
  });

  it('follows the default-container annotation, and a container named by the user', () => {
    const annotated = { ...multi, metadata: { ...multi.metadata, annotations: { 'kubectl.kubernetes.io/default-container': 'b' } } } as Pod;
    expect(defaultContainer(annotated, undefined)).toBe('b');
    expect(defaultContainer(multi, 'b')).toBe('b');
  });
});
