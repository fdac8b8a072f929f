import { describe, expect, it } from 'vitest';
import type { ConfigMap, Container, Pod, Secret } from '../src/api/core/v1.js';
import { ContainerConfigError, expandVariables, formatMap, resolveEnv, type ObjectSource } from './env.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function source(configMaps: ConfigMap[] = [], secrets: Secret[] = []): ObjectSource & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    lookups,
    async configMap(ns, name) {
      lookups.push(`cm ${ns}/${name}`);
      return configMaps.find((c) => c.metadata.namespace === ns && c.metadata.name === name);
    },
    async secret(ns, name) {
      lookups.push(`secret ${ns}/${name}`);
      return secrets.find((s) => s.metadata.namespace === ns && s.metadata.name === name);
    },
  };
}

function pod(container: Container, extra: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: {
      name: 'web-1',
      namespace: 'shop',
      uid: 'uid-123',
      labels: { app: 'web', tier: 'front' },
      annotations: { note: 'say "hi"' },
    },
    spec: { containers: [container], nodeName: 'node-a', serviceAccountName: 'builder', ...extra },
  };
}

const ctx = (src: ObjectSource, extra: object = {}) => ({ podIP: '10.1.0.5', hostIP: '192.168.1.2', nodeName: 'node-a', source: src, ...extra });

const cfg: ConfigMap = { metadata: { namespace: 'shop', name: 'cfg' }, data: { MODE: 'prod', LEVEL: 'debug' } };
const creds: Secret = { metadata: { namespace: 'shop', name: 'creds' }, data: { PASSWORD: b64('s3cr3t'), USER: b64('admin') } };

describe('resolveEnv', () => {
  it('puts envFrom first, with prefixes, and lets env override and refer to them', async () => {
    const c: Container = {
      name: 'app',
      envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'DB_', secretRef: { name: 'creds' } }],
      env: [
        { name: 'MODE', value: 'staging' },
        { name: 'URL', value: 'postgres://$(DB_USER):$(DB_PASSWORD)@db/$(MODE)' },
      ],
    };
    const env = await resolveEnv(pod(c), c, ctx(source([cfg], [creds])));
    expect(env).toEqual([
      { name: 'MODE', value: 'staging' },
      { name: 'LEVEL', value: 'debug' },
      { name: 'DB_PASSWORD', value: 's3cr3t' },
      { name: 'DB_USER', value: 'admin' },
      { name: 'URL', value: 'postgres://admin:s3cr3t@db/staging' },
    ]);
  });

  it('expands only variables defined earlier, keeps unknown references and honours $$', async () => {
    const c: Container = {
      name: 'app',
      env: [
        { name: 'LATER_REF', value: '$(B)-x' },
        { name: 'B', value: 'bee' },
        { name: 'REF', value: '$(B)/$(NOPE)/$$(B)/$$$(B)/cost $5/$(' },
      ],
    };
    const env = await resolveEnv(pod(c), c, ctx(source()));
    expect(Object.fromEntries(env.map((e) => [e.name, e.value]))).toEqual({
      LATER_REF: '$(B)-x',
      B: 'bee',
      REF: 'bee/$(NOPE)/$(B)/$bee/cost $5/$(',
    });
  });

  it('resolves configMapKeyRef and secretKeyRef, skipping optional ones that are missing', async () => {
    const c: Container = {
      name: 'app',
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
        { name: 'GONE', valueFrom: { configMapKeyRef: { name: 'absent', key: 'x', optional: true } } },
        { name: 'NOKEY', valueFrom: { secretKeyRef: { name: 'creds', key: 'nokey', optional: true } } },
      ],
      envFrom: [{ configMapRef: { name: 'absent', optional: true } }],
    };
    const src = source([cfg], [creds]);
    const env = await resolveEnv(pod(c), c, ctx(src));
    expect(env).toEqual([
      { name: 'MODE', value: 'prod' },
      { name: 'PW', value: 's3cr3t' },
    ]);
    // one lookup per referenced object
    expect(src.lookups.filter((l) => l === 'secret shop/creds')).toHaveLength(1);
  });

  it.each([
    [{ envFrom: [{ configMapRef: { name: 'cfg2' } }] }, 'configmap "cfg2" not found'],
    [{ envFrom: [{ secretRef: { name: 'nope' } }] }, 'secret "nope" not found'],
    [{ env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'missing', key: 'k' } } }] }, 'configmap "missing" not found'],
    [{ env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] }, "couldn't find key k in ConfigMap shop/cfg"],
    [{ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] }, "couldn't find key k in Secret shop/creds"],
  ] satisfies [Partial<Container>, string][])('fails with Kubernetes message for %j', async (spec, message) => {
    const c: Container = { name: 'app', ...spec };
    const err = await resolveEnv(pod(c), c, ctx(source([cfg], [creds]))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerConfigError);
    expect((err as ContainerConfigError).message).toBe(message);
    expect((err as ContainerConfigError).reason).toBe('CreateContainerConfigError');
  });

  it('resolves fieldRef paths from the pod and the node', async () => {
    const f = (fieldPath: string) => ({ fieldRef: { apiVersion: 'v1', fieldPath } });
    const c: Container = {
      name: 'app',
      env: [
        { name: 'NAME', valueFrom: f('metadata.name') },
        { name: 'NS', valueFrom: f('metadata.namespace') },
        { name: 'UID', valueFrom: f('metadata.uid') },
        { name: 'APP', valueFrom: f("metadata.labels['app']") },
        { name: 'NONE', valueFrom: f("metadata.labels['none']") },
        { name: 'NOTE', valueFrom: f("metadata.annotations['note']") },
        { name: 'NODE', valueFrom: f('spec.nodeName') },
        { name: 'SA', valueFrom: f('spec.serviceAccountName') },
        { name: 'POD_IP', valueFrom: f('status.podIP') },
        { name: 'POD_IPS', valueFrom: f('status.podIPs') },
        { name: 'HOST_IP', valueFrom: f('status.hostIP') },
      ],
    };
    const env = await resolveEnv(pod(c), c, ctx(source(), { podIPs: ['10.1.0.5', 'fd00::5'] }));
    expect(Object.fromEntries(env.map((e) => [e.name, e.value]))).toEqual({
      NAME: 'web-1',
      NS: 'shop',
      UID: 'uid-123',
      APP: 'web',
      NONE: '',
      NOTE: 'say "hi"',
      NODE: 'node-a',
      SA: 'builder',
      POD_IP: '10.1.0.5',
      POD_IPS: '10.1.0.5,fd00::5',
      HOST_IP: '192.168.1.2',
    });
  });

  it('resolves resourceFieldRef with divisors, falling back to node allocatable without a limit', async () => {
    const r = (resource: string, divisor?: string, containerName?: string) => ({ resourceFieldRef: { resource, divisor, containerName } });
    const c: Container = {
      name: 'app',
      resources: { limits: { memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } },
      env: [
        { name: 'MEM_LIMIT', valueFrom: r('limits.memory') },
        { name: 'MEM_LIMIT_MI', valueFrom: r('limits.memory', '1Mi') },
        { name: 'CPU_REQ', valueFrom: r('requests.cpu') },
        { name: 'CPU_REQ_M', valueFrom: r('requests.cpu', '1m') },
        { name: 'CPU_LIMIT', valueFrom: r('limits.cpu') },
        { name: 'SIDE_MEM', valueFrom: r('requests.memory', '1Mi', 'side') },
      ],
    };
    const side: Container = { name: 'side', resources: { requests: { memory: '100M' } } };
    const p = pod(c);
    p.spec.containers.push(side);
    const env = await resolveEnv(p, c, ctx(source(), { allocatable: { cpu: '2', memory: '4Gi' } }));
    expect(Object.fromEntries(env.map((e) => [e.name, e.value]))).toEqual({
      MEM_LIMIT: String(128 * 1024 * 1024),
      MEM_LIMIT_MI: '128',
      CPU_REQ: '1', // 250m rounds up to one core
      CPU_REQ_M: '250',
      CPU_LIMIT: '2', // no limit: the node's allocatable
      SIDE_MEM: '96', // 100M / 1Mi = 95.4, rounded up
    });
  });

  it('appends service variables the container does not define and expands references to them', async () => {
    const c: Container = { name: 'app', env: [{ name: 'DB', value: '$(DB_SERVICE_HOST):5432' }, { name: 'X_PORT', value: 'mine' }] };
    const env = await resolveEnv(pod(c), c, ctx(source(), { serviceEnv: { DB_SERVICE_HOST: '10.96.0.9', X_PORT: 'svc' } }));
    expect(env).toEqual([
      { name: 'DB', value: '10.96.0.9:5432' },
      { name: 'X_PORT', value: 'mine' },
      { name: 'DB_SERVICE_HOST', value: '10.96.0.9' },
    ]);
  });
});

describe('expandVariables', () => {
  it('leaves a trailing $ and unterminated references alone', () => {
    const vars: Record<string, string> = { A: 'a' };
    expect(expandVariables('x$', (n) => vars[n])).toBe('x$');
    expect(expandVariables('$(A', (n) => vars[n])).toBe('$(A');
    expect(expandVariables('$(A)$(A)', (n) => vars[n])).toBe('aa');
  });
});

describe('formatMap', () => {
  it('sorts keys and quotes values as Go does', () => {
    expect(formatMap({ b: 'two\nlines', a: 'x' })).toBe('a="x"\nb="two\\nlines"');
  });
});
