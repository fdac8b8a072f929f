import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigMap, Container, Pod, Secret, Volume } from '../../src/api/core/v1.js';
import type { ObjectSource } from '../env.js';
import { VolumeManager, VolumeSetUpError } from './manager.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

let root: string;
let hostDir: string;
let configMaps: Map<string, ConfigMap>;
let secrets: Map<string, Secret>;
let vm: VolumeManager;

const source: ObjectSource = {
  configMap: async (ns, name) => configMaps.get(`${ns}/${name}`),
  secret: async (ns, name) => secrets.get(`${ns}/${name}`),
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'skiff-vol-'));
  hostDir = join(root, 'host');
  mkdirSync(hostDir);
  configMaps = new Map();
  secrets = new Map();
  vm = new VolumeManager({ rootDir: join(root, 'pods'), source, nodeName: 'node-a', allocatable: () => ({ cpu: '4', memory: '8Gi' }) });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function pod(volumes: Volume[], containers: Container[] = [{ name: 'app' }]): Pod {
  return {
    metadata: { name: 'web', namespace: 'shop', uid: 'pod-uid-1', labels: { app: 'web' }, annotations: { build: '7' } },
    spec: { containers, volumes },
  };
}

const volDir = (plugin: string, name: string): string => join(root, 'pods', 'pod-uid-1', 'volumes', plugin, name);
const read = (...p: string[]): string => readFileSync(join(...p), 'utf8');

function putConfigMap(name: string, data: Record<string, string>, binaryData?: Record<string, string>): void {
  configMaps.set(`shop/${name}`, { metadata: { namespace: 'shop', name }, data, binaryData });
}

async function setUpError(p: Pod): Promise<VolumeSetUpError> {
  const err = await vm.setUp(p).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(VolumeSetUpError);
  return err as VolumeSetUpError;
}

describe('emptyDir', () => {
  it('is a world-writable directory under the pod, mounted read-write', async () => {
    const p = pod([{ name: 'scratch', emptyDir: {} }], [{ name: 'app', volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] }]);
    await vm.setUp(p);
    const dir = volDir('kubernetes.io~empty-dir', 'scratch');
    expect(statSync(dir).mode & 0o777).toBe(0o777);
    expect(vm.mountsFor(p, p.spec.containers[0]!)).toEqual([{ hostPath: dir, containerPath: '/scratch', readOnly: false }]);
  });

  it('with medium Memory is a tmpfs sized by sizeLimit, else by the pod memory limit', async () => {
    const containers: Container[] = [
      { name: 'a', resources: { limits: { memory: '64Mi' } }, volumeMounts: [{ name: 'shm', mountPath: '/dev/shm' }, { name: 'cache', mountPath: '/cache' }] },
      { name: 'b', resources: { limits: { memory: '32Mi' } } },
    ];
    const p = pod(
      [
        { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'cache', emptyDir: { medium: 'Memory' } },
      ],
      containers,
    );
    await vm.setUp(p);
    expect(existsSync(volDir('kubernetes.io~empty-dir', 'shm'))).toBe(false);
    expect(vm.mountsFor(p, containers[0]!)).toEqual([
      { hostPath: '', containerPath: '/dev/shm', readOnly: false, tmpfs: { sizeBytes: 16 * 1024 * 1024 } },
      { hostPath: '', containerPath: '/cache', readOnly: false, tmpfs: { sizeBytes: 96 * 1024 * 1024 } },
    ]);
  });
});

describe('hostPath', () => {
  const hp = (path: string, type?: string): Volume => ({ name: 'h', hostPath: { path, type } });

  it('creates what DirectoryOrCreate and FileOrCreate name', async () => {
    await vm.setUp(pod([hp(join(hostDir, 'new/deep'), 'DirectoryOrCreate'), { name: 'f', hostPath: { path: join(hostDir, 'f.log'), type: 'FileOrCreate' } }]));
    expect(statSync(join(hostDir, 'new/deep')).isDirectory()).toBe(true);
    expect(statSync(join(hostDir, 'f.log')).isFile()).toBe(true);
  });

  it.each([
    ['Directory', 'missing', 'is not a directory'],
    ['DirectoryOrCreate', 'file', 'is not a directory'],
    ['File', 'dir', 'is not a file'],
    ['FileOrCreate', 'dir', 'is not a file'],
    ['Socket', 'file', 'is not a socket file'],
  ])('type %s on a %s fails with Kubernetes message', async (type, what, text) => {
    writeFileSync(join(hostDir, 'file'), '');
    mkdirSync(join(hostDir, 'dir'));
    const path = join(hostDir, what);
    const err = await setUpError(pod([hp(path, type)]));
    expect(err.message).toBe(`MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${path} ${text}`);
    expect(err.reason).toBe('ContainerCreating');
    expect(err.eventReason).toBe('FailedMount');
  });

  it('accepts a real socket for type Socket and anything for an empty type', async () => {
    const sock = join(hostDir, 'app.sock');
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      await vm.setUp(pod([hp(sock, 'Socket'), { name: 'any', hostPath: { path: join(hostDir, 'nothing-here') } }]));
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('configMap and secret', () => {
  it('projects every key, including binaryData, read-only and with the default mode', async () => {
    putConfigMap('cfg', { 'app.conf': 'port=80' }, { 'logo.bin': Buffer.from([0, 1, 2]).toString('base64') });
    const p = pod([{ name: 'config', configMap: { name: 'cfg' } }], [{ name: 'app', volumeMounts: [{ name: 'config', mountPath: '/etc/app' }] }]);
    await vm.setUp(p);
    const dir = volDir('kubernetes.io~configmap', 'config');
    expect(read(dir, 'app.conf')).toBe('port=80');
    expect([...readFileSync(join(dir, 'logo.bin'))]).toEqual([0, 1, 2]);
    expect(statSync(join(dir, 'app.conf')).mode & 0o777).toBe(0o644);
    expect(vm.mountsFor(p, p.spec.containers[0]!)).toEqual([{ hostPath: dir, containerPath: '/etc/app', readOnly: true }]);
  });

  it('projects only the listed items at their paths and modes', async () => {
    putConfigMap('cfg', { a: 'A', b: 'B' });
    await vm.setUp(pod([{ name: 'config', configMap: { name: 'cfg', defaultMode: 0o600, items: [{ key: 'a', path: 'sub/a.txt' }, { key: 'b', path: 'b.txt', mode: 0o400 }] } }]));
    const dir = volDir('kubernetes.io~configmap', 'config');
    expect(read(dir, 'sub/a.txt')).toBe('A');
    expect(statSync(join(dir, 'sub/a.txt')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'b.txt')).mode & 0o777).toBe(0o400);
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });

  it('decodes secret values', async () => {
    secrets.set('shop/creds', { metadata: { namespace: 'shop', name: 'creds' }, data: { password: b64('hunter2') } });
    await vm.setUp(pod([{ name: 'creds', secret: { secretName: 'creds' } }]));
    const dir = volDir('kubernetes.io~secret', 'creds');
    expect(read(dir, 'password')).toBe('hunter2');
    expect(statSync(join(dir, 'password')).mode & 0o777).toBe(0o644);
  });

  it('fails with Kubernetes messages for missing objects and keys, and tolerates optional ones', async () => {
    putConfigMap('cfg', { a: 'A' });
    expect((await setUpError(pod([{ name: 'config', configMap: { name: 'nope' } }]))).message).toBe(
      'MountVolume.SetUp failed for volume "config" : configmap "nope" not found',
    );
    expect((await setUpError(pod([{ name: 's', secret: { secretName: 'nope' } }]))).detail).toBe('secret "nope" not found');
    expect((await setUpError(pod([{ name: 'config', configMap: { name: 'cfg', items: [{ key: 'zz', path: 'zz' }] } }]))).detail).toBe(
      'configmap references non-existent config key: zz',
    );

    await vm.setUp(pod([{ name: 'maybe', configMap: { name: 'nope', optional: true } }]));
    expect(existsSync(join(volDir('kubernetes.io~configmap', 'maybe'), '..data'))).toBe(true);
  });

  it('reports every failing volume but still sets up the others', async () => {
    const err = await setUpError(pod([{ name: 'a', configMap: { name: 'x' } }, { name: 'ok', emptyDir: {} }, { name: 'b', secret: { secretName: 'y' } }]));
    expect(err.failures.map((f) => f.volumeName)).toEqual(['a', 'b']);
    expect(existsSync(volDir('kubernetes.io~empty-dir', 'ok'))).toBe(true);
  });
});

describe('refresh', () => {
  it('rewrites configMap contents in place when the object changes', async () => {
    putConfigMap('cfg', { 'app.conf': 'v1' });
    const p = pod([{ name: 'config', configMap: { name: 'cfg' } }]);
    await vm.setUp(p);
    const dir = volDir('kubernetes.io~configmap', 'config');
    expect(await vm.refresh(p)).toBe(false);

    putConfigMap('cfg', { 'app.conf': 'v2' });
    expect(await vm.refresh(p)).toBe(true);
    expect(read(dir, 'app.conf')).toBe('v2');

    // a deleted source keeps the last contents
    configMaps.clear();
    expect(await vm.refresh(p)).toBe(false);
    expect(read(dir, 'app.conf')).toBe('v2');
  });

  it('updates downwardAPI files when labels change and leaves volumes never set up alone', async () => {
    const volumes: Volume[] = [
      {
        name: 'info',
        downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            { path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
          ],
        },
      },
    ];
    const p = pod(volumes);
    expect(await vm.refresh(p)).toBe(false);
    expect(existsSync(volDir('kubernetes.io~downward-api', 'info'))).toBe(false);

    await vm.setUp(p);
    const dir = volDir('kubernetes.io~downward-api', 'info');
    expect(read(dir, 'labels')).toBe('app="web"');
    expect(read(dir, 'name')).toBe('web');
    expect(read(dir, 'mem')).toBe('8192'); // no limit: node allocatable

    p.metadata.labels = { app: 'web', version: 'v2' };
    expect(await vm.refresh(p)).toBe(true);
    expect(read(dir, 'labels')).toBe('app="web"\nversion="v2"');
  });
});

describe('projected', () => {
  it('merges configMap, secret and downwardAPI sources into one directory, skipping token sources', async () => {
    putConfigMap('cfg', { 'app.conf': 'x' });
    secrets.set('shop/creds', { metadata: { namespace: 'shop', name: 'creds' }, data: { token: b64('t0k') } });
    await vm.setUp(
      pod([
        {
          name: 'all',
          projected: {
            defaultMode: 0o440,
            sources: [
              { configMap: { name: 'cfg' } },
              { secret: { name: 'creds', items: [{ key: 'token', path: 'secret/token' }] } },
              { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
              { serviceAccountToken: { path: 'sa-token', expirationSeconds: 3600 } },
              { configMap: { name: 'absent', optional: true } },
            ],
          },
        },
      ]),
    );
    const dir = volDir('kubernetes.io~projected', 'all');
    expect(read(dir, 'app.conf')).toBe('x');
    expect(read(dir, 'secret/token')).toBe('t0k');
    expect(read(dir, 'ns')).toBe('shop');
    expect(existsSync(join(dir, 'sa-token'))).toBe(false);
    expect(statSync(join(dir, 'ns')).mode & 0o777).toBe(0o440);
  });
});

describe('mountsFor', () => {
  it('creates subPath directories on demand and resolves subPath files to the current contents', async () => {
    putConfigMap('cfg', { 'nginx.conf': 'server{}' });
    const container: Container = {
      name: 'app',
      volumeMounts: [
        { name: 'data', mountPath: '/var/lib/mysql', subPath: 'mysql' },
        { name: 'config', mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf' },
        { name: 'data', mountPath: '/logs', subPathExpr: 'logs/$(POD_NAME)' },
      ],
    };
    const p = pod([{ name: 'data', emptyDir: {} }, { name: 'config', configMap: { name: 'cfg' } }], [container]);
    await vm.setUp(p);
    const mounts = vm.mountsFor(p, container, [{ name: 'POD_NAME', value: 'web' }]);
    const dataDir = volDir('kubernetes.io~empty-dir', 'data');
    expect(mounts[0]).toEqual({ hostPath: join(dataDir, 'mysql'), containerPath: '/var/lib/mysql', readOnly: false });
    expect(statSync(join(dataDir, 'mysql')).mode & 0o777).toBe(0o777);
    expect(mounts[1]!.readOnly).toBe(true);
    expect(lstatSync(mounts[1]!.hostPath).isFile()).toBe(true);
    expect(readFileSync(mounts[1]!.hostPath, 'utf8')).toBe('server{}');
    expect(mounts[2]!.hostPath).toBe(join(dataDir, 'logs/web'));
  });

  it('honours readOnly and refuses unknown volumes and subPaths that escape the volume', async () => {
    const outside = join(root, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(hostDir, 'escape'));
    const p = pod([{ name: 'h', hostPath: { path: hostDir } }]);
    await vm.setUp(p);
    expect(vm.mountsFor(p, { name: 'app', volumeMounts: [{ name: 'h', mountPath: '/h', readOnly: true }] })).toEqual([
      { hostPath: hostDir, containerPath: '/h', readOnly: true },
    ]);
    expect(() => vm.mountsFor(p, { name: 'app', volumeMounts: [{ name: 'nope', mountPath: '/x' }] })).toThrow(
      'cannot find volume "nope" to mount into container "app"',
    );
    expect(() => vm.mountsFor(p, { name: 'app', volumeMounts: [{ name: 'h', mountPath: '/x', subPath: 'escape' }] })).toThrow(/not within volume path/);
    expect(() => vm.mountsFor(p, { name: 'app', volumeMounts: [{ name: 'h', mountPath: '/x', subPath: '../x' }] })).toThrow(/unable to provision SubPath/);
  });
});

describe('pod directories', () => {
  it('lists pods with a directory and removes one on tearDown', async () => {
    expect(await vm.listPodDirs()).toEqual([]);
    await vm.setUp(pod([{ name: 'scratch', emptyDir: {} }]));
    expect(await vm.listPodDirs()).toEqual(['pod-uid-1']);
    await vm.tearDown('pod-uid-1');
    expect(await vm.listPodDirs()).toEqual([]);
    await expect(vm.tearDown('../x')).rejects.toThrow(/invalid pod uid/);
  });

  it('refuses volume types it cannot provide', async () => {
    const err = await setUpError(pod([{ name: 'claim', persistentVolumeClaim: { claimName: 'data' } }]));
    expect(err.detail).toBe('volume type persistentVolumeClaim is not supported by this kubelet');
  });
});
