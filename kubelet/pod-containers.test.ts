import { describe, expect, it } from 'vitest';
import type { Pod } from '../src/api/core/v1.js';
import { runtimePod } from './pod-actions.js';
import { containerConfig, containerGracePeriod, nextRestartCount, portMappings, sandboxConfig } from './pod-containers.js';
import type { ContainerStatus } from './runtime/interface.js';

const base = (spec: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'web', namespace: 'shop', uid: 'u1', labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'echo:1' }], ...spec },
});

const ctr = (name: string, attempt: number): ContainerStatus => ({
  id: `${name}${attempt}`,
  sandboxId: 'sb',
  podName: 'web',
  namespace: 'shop',
  podUid: 'u1',
  name,
  attempt,
  image: 'echo:1',
  imageId: '',
  state: 'exited',
  exitCode: 1,
  createdAt: new Date(1000 + attempt),
  labels: {},
});

describe('sandbox config', () => {
  it('publishes host ports of every container once, with their protocol and host IP', () => {
    const pod = base({
      initContainers: [{ name: 'init', image: 'x:1', ports: [{ containerPort: 53, hostPort: 5353, protocol: 'UDP' }] }],
      containers: [
        { name: 'app', image: 'echo:1', ports: [{ containerPort: 8080, hostPort: 30080 }, { containerPort: 9090 }] },
        { name: 'side', image: 'echo:1', ports: [{ containerPort: 8443, hostPort: 30443, hostIP: '127.0.1.1' }] },
      ],
    });
    expect(portMappings(pod)).toEqual([
      { protocol: 'UDP', containerPort: 53, hostPort: 5353 },
      { protocol: 'TCP', containerPort: 8080, hostPort: 30080 },
      { protocol: 'TCP', containerPort: 8443, hostPort: 30443, hostIP: '127.0.1.1' },
    ]);
  });

  it('points ClusterFirst pods at the cluster DNS with the namespace search path', () => {
    const cfg = sandboxConfig(base(), 2, { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' });
    expect(cfg).toMatchObject({ podName: 'web', namespace: 'shop', uid: 'u1', attempt: 2, hostname: 'web', hostNetwork: false, labels: { app: 'web' } });
    expect(cfg.dns?.servers).toEqual(['10.96.0.10']);
    expect(cfg.dns?.searches.slice(0, 3)).toEqual(['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
    expect(cfg.dns?.options).toEqual(['ndots:5']);
  });

  it('passes spec.hostAliases and spec.hostname to the sandbox', () => {
    const cfg = sandboxConfig(base({ hostname: 'front', hostAliases: [{ ip: '10.0.0.9', hostnames: ['db'] }] }), 0, { clusterDNS: [], clusterDomain: 'cluster.local' });
    expect(cfg.hostname).toBe('front');
    expect(cfg.hostAliases).toEqual([{ ip: '10.0.0.9', hostnames: ['db'] }]);
  });
});

describe('nextRestartCount', () => {
  it('is one more than the newest instance the runtime has', () => {
    expect(nextRestartCount(runtimePod([], [ctr('app', 0), ctr('app', 3)]), 'app', undefined, false)).toBe(4);
    expect(nextRestartCount(runtimePod([], []), 'app', undefined, false)).toBe(0);
  });

  it('carries on from the reported status when the runtime lost the containers', () => {
    const status = { containerStatuses: [{ name: 'app', restartCount: 5, ready: false, image: 'echo:1', imageID: '', state: { terminated: { exitCode: 1 } } }] };
    expect(nextRestartCount(runtimePod([], []), 'app', status, false)).toBe(6);
    const never = { containerStatuses: [{ name: 'app', restartCount: 0, ready: false, image: 'echo:1', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } }] };
    expect(nextRestartCount(runtimePod([], []), 'app', never, false)).toBe(0);
  });
});

describe('containerConfig', () => {
  it('carries command, args, resources and security settings into the runtime config', () => {
    const pod = base({ securityContext: { runAsUser: 1000 } });
    const container = {
      name: 'app',
      image: 'echo:1',
      command: ['sh'],
      args: ['-c', 'true'],
      workingDir: '/srv',
      resources: { limits: { memory: '64Mi', cpu: '500m' } },
      securityContext: { readOnlyRootFilesystem: true },
      terminationMessagePath: '/dev/termination-log',
    };
    const cfg = containerConfig(pod, container, [{ name: 'A', value: '1' }], [], 3);
    expect(cfg).toMatchObject({
      name: 'app',
      image: 'echo:1',
      command: ['sh'],
      args: ['-c', 'true'],
      workingDir: '/srv',
      env: [{ name: 'A', value: '1' }],
      memoryLimitBytes: 64 * 1024 * 1024,
      nanoCpus: 500_000_000,
      runAsUser: 1000,
      readOnlyRootFilesystem: true,
      attempt: 3,
      terminationMessagePath: '/dev/termination-log',
    });
  });

  it('gives a container killed by a failed probe the probe’s own grace period', () => {
    const pod = base({ terminationGracePeriodSeconds: 45 });
    const c = { name: 'app', image: 'x:1', livenessProbe: { exec: { command: ['true'] }, terminationGracePeriodSeconds: 5 } };
    expect(containerGracePeriod(pod, c, 'LivenessProbe')).toBe(5);
    expect(containerGracePeriod(pod, c)).toBe(45);
    expect(containerGracePeriod(base(), undefined)).toBe(30);
  });
});
