import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../src/api/core/v1.js';
import { containerResources, securityOptions } from './container-config.js';

const c = (resources: Container['resources'], extra: Partial<Container> = {}): Container => ({ name: 'app', resources, ...extra });

describe('containerResources', () => {
  it('turns limits and requests into bytes, nano CPUs and shares', () => {
    expect(containerResources(c({ limits: { memory: '128Mi', cpu: '1500m' }, requests: { cpu: '250m', memory: '64Mi' } }))).toEqual({
      memoryLimitBytes: 134217728,
      nanoCpus: 1_500_000_000,
      cpuShares: 256,
    });
  });

  it('uses the CPU limit for shares when there is no request', () => {
    expect(containerResources(c({ limits: { cpu: '2' } }))).toEqual({ nanoCpus: 2_000_000_000, cpuShares: 2048 });
  });

  it('gives a best-effort container the minimum shares and no limits', () => {
    expect(containerResources(c(undefined))).toEqual({ cpuShares: 2 });
    expect(containerResources(c({ requests: { cpu: '1m' } }))).toEqual({ cpuShares: 2 });
  });

  it('keeps tiny CPU limits at the smallest quota Kubernetes sets', () => {
    expect(containerResources(c({ limits: { cpu: '1m' } })).nanoCpus).toBe(10_000_000);
  });

  it('reads decimal memory suffixes exactly', () => {
    expect(containerResources(c({ limits: { memory: '1G' } })).memoryLimitBytes).toBe(1_000_000_000);
  });
});

describe('securityOptions', () => {
  const pod = (sc: Pod['spec']['securityContext']): Pod => ({ metadata: {}, spec: { containers: [], securityContext: sc } });

  it('lets the container security context override the pod one', () => {
    expect(securityOptions(pod({ runAsUser: 1000, runAsGroup: 3000 }), c(undefined, { securityContext: { runAsUser: 2000, readOnlyRootFilesystem: true } }))).toEqual({
      runAsUser: 2000,
      runAsGroup: 3000,
      readOnlyRootFilesystem: true,
    });
  });

  it('sets nothing when neither says anything', () => {
    expect(securityOptions(pod(undefined), c(undefined))).toEqual({});
    expect(securityOptions(pod(undefined), c(undefined, { securityContext: { privileged: true, runAsUser: 0 } }))).toEqual({ privileged: true, runAsUser: 0 });
  });
});
