import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../src/api/core/v1.js';
import { StatusError } from '../../src/api/status.js';
import { kubeletAddress, resolveContainer } from './pod-proxy.js';

const pod = (containers: string[], init: string[] = []) =>
  ({
    metadata: { name: 'web', namespace: 'default' },
    spec: { containers: containers.map((name) => ({ name })), initContainers: init.map((name) => ({ name })) },
  }) as unknown as Pod;

function failure(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    return err as StatusError;
  }
  throw new Error('expected a failure');
}

describe('container of a pods/log, exec or attach request', () => {
  it('is the only container when none is named', () => {
    expect(resolveContainer(pod(['app']), undefined)).toBe('app');
  });

  it('must be named when there are several, listing every container as Kubernetes does', () => {
    const err = failure(() => resolveContainer(pod(['a', 'b'], ['setup']), undefined));
    expect([err.code, err.reason, err.message]).toEqual([400, 'BadRequest', 'a container name must be specified for pod web, choose one of: [setup a b]']);
  });

  it('must exist in the pod (init containers count)', () => {
    expect(resolveContainer(pod(['a'], ['setup']), 'setup')).toBe('setup');
    expect(failure(() => resolveContainer(pod(['a']), 'nope')).message).toBe('container nope is not valid for pod web');
  });
});

describe('kubelet address of a node', () => {
  const node = (addresses: { type: string; address: string }[], port?: number) =>
    ({ metadata: { name: 'n' }, status: { addresses, ...(port ? { daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {}) } }) as unknown as Node;

  it('prefers the InternalIP and the port the node reports', () => {
    expect(kubeletAddress(node([{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.1.2.3' }], 12345))).toEqual({
      host: '10.1.2.3',
      port: 12345,
    });
  });

  it("falls back to Kubernetes' kubelet port", () => {
    expect(kubeletAddress(node([{ type: 'Hostname', address: 'n1' }]))).toEqual({ host: 'n1', port: 10250 });
  });

  it('refuses a node without addresses', () => {
    expect(failure(() => kubeletAddress(node([]))).code).toBe(400);
  });
});
