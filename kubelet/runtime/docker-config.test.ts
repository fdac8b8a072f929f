import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import {
  containerCreateOptions,
  containerStatusFromInspect,
  dockerErrorMessage,
  LABEL_SANDBOX_ID,
  LABEL_TERMINATION_MESSAGE_PATH,
  parseDockerTime,
  sandboxCreateOptions,
  sandboxStatusFromInspect,
  sandboxStatusFromList,
  userSpec,
} from './docker-config.js';
import { LABEL_ATTEMPT, LABEL_CONTAINER_NAME, LABEL_NODE, LABEL_POD_UID, LABEL_TYPE, type ContainerConfig, type PodSandboxConfig } from './interface.js';

const sandbox: PodSandboxConfig = {
  podName: 'web-1',
  namespace: 'shop',
  uid: '1111-2222',
  attempt: 1,
  hostname: 'web-1',
  hostNetwork: false,
  portMappings: [
    { protocol: 'TCP', containerPort: 8080, hostPort: 30080, hostIP: '127.0.0.1' },
    { protocol: 'UDP', containerPort: 53, hostPort: 5353 },
    { protocol: 'TCP', containerPort: 9090, hostPort: 0 },
  ],
  dns: { servers: ['10.96.0.10'], searches: ['shop.svc.cluster.local'], options: ['ndots:5'] },
  hostAliases: [{ ip: '10.0.0.5', hostnames: ['db', 'db.local'] }],
  labels: { app: 'web' },
};

function container(extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return { name: 'app', image: 'skiff/echo:latest', env: [], mounts: [], attempt: 3, ...extra };
}

function inspect(state: Partial<Docker.ContainerInspectInfo['State']>, labels: Record<string, string> = {}): Docker.ContainerInspectInfo {
  return {
    Id: 'c1',
    Created: '2030-01-01T00:00:00.123456789Z',
    Name: '/k8s_app',
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 1,
      ExitCode: 0,
      Error: '',
      StartedAt: '2030-01-01T00:00:01.5Z',
      FinishedAt: '0001-01-01T00:00:00Z',
      ...state,
    },
    Config: { Image: 'skiff/echo:latest', Labels: { [LABEL_CONTAINER_NAME]: 'app', [LABEL_ATTEMPT]: '3', [LABEL_SANDBOX_ID]: 'sb1', ...labels } },
    HostConfig: { NetworkMode: 'container:sb1' },
    NetworkSettings: { Networks: {} },
  } as unknown as Docker.ContainerInspectInfo;
}

describe('sandboxCreateOptions', () => {
  it('publishes only ports with a host port, with DNS and extra hosts on the sandbox', () => {
    const o = sandboxCreateOptions('node-1', sandbox, 'skiff/pause:latest');
    expect(o.Image).toBe('skiff/pause:latest');
    expect(o.Hostname).toBe('web-1');
    expect(o.name).toBe('k8s_POD_web-1_shop_1111-2222_1');
    expect(o.Labels).toMatchObject({ app: 'web', [LABEL_NODE]: 'node-1', [LABEL_TYPE]: 'sandbox', [LABEL_POD_UID]: '1111-2222', [LABEL_ATTEMPT]: '1' });
    expect(o.HostConfig?.NetworkMode).toBe('bridge');
    expect(o.HostConfig?.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '30080' }],
      '53/udp': [{ HostIp: '', HostPort: '5353' }],
    });
    expect(o.HostConfig?.Dns).toEqual(['10.96.0.10']);
    expect(o.HostConfig?.DnsSearch).toEqual(['shop.svc.cluster.local']);
    expect(o.HostConfig?.DnsOptions).toEqual(['ndots:5']);
    expect(o.HostConfig?.ExtraHosts).toEqual(['db:10.0.0.5', 'db.local:10.0.0.5']);
    expect(o.HostConfig?.RestartPolicy).toEqual({ Name: 'no' });
  });

  it('puts a hostNetwork pod on the host network with the node hostname', () => {
    const o = sandboxCreateOptions('node-1', { ...sandbox, hostNetwork: true }, 'p');
    expect(o.HostConfig?.NetworkMode).toBe('host');
    expect(o.Hostname).toBeUndefined();
    expect(o.HostConfig?.PortBindings).toBeUndefined();
  });

  it('keeps the node and type labels even when the pod has labels of the same name', () => {
    const o = sandboxCreateOptions('node-1', { ...sandbox, labels: { [LABEL_NODE]: 'spoofed' } }, 'p');
    expect(o.Labels?.[LABEL_NODE]).toBe('node-1');
  });
});

describe('containerCreateOptions', () => {
  it('maps command to the entrypoint and args to the cmd, as Kubernetes does', () => {
    expect(containerCreateOptions('n', 'sb', container({ command: ['sh', '-c'], args: ['echo hi'] }), sandbox)).toMatchObject({
      Entrypoint: ['sh', '-c'],
      Cmd: ['echo hi'],
    });
    const commandOnly = containerCreateOptions('n', 'sb', container({ command: ['run'] }), sandbox);
    expect(commandOnly.Entrypoint).toEqual(['run']);
    expect(commandOnly.Cmd).toBeUndefined();
    const argsOnly = containerCreateOptions('n', 'sb', container({ args: ['--port', '1'] }), sandbox);
    expect(argsOnly.Entrypoint).toBeUndefined();
    expect(argsOnly.Cmd).toEqual(['--port', '1']);
    const neither = containerCreateOptions('n', 'sb', container({ command: [], args: [] }), sandbox);
    expect(neither.Entrypoint).toBeUndefined();
    expect(neither.Cmd).toBeUndefined();
  });

  it('joins the sandbox namespaces and sets limits, mounts, user and labels', () => {
    const o = containerCreateOptions(
      'node-1',
      'sb1',
      container({
        env: [{ name: 'A', value: 'x=y' }],
        mounts: [
          { hostPath: '/var/lib/skiff/pods/u/volumes/data', containerPath: '/data', readOnly: false },
          { hostPath: '/etc/cfg', containerPath: '/cfg', readOnly: true },
          { hostPath: '', containerPath: '/cache', readOnly: false, tmpfs: { sizeBytes: 1048576 } },
        ],
        memoryLimitBytes: 64 << 20,
        nanoCpus: 500_000_000,
        cpuShares: 102,
        runAsUser: 1000,
        readOnlyRootFilesystem: true,
        terminationMessagePath: '/dev/termination-log',
        tty: true,
        stdin: true,
      }),
      sandbox,
    );
    expect(o.name).toBe('k8s_app_web-1_shop_1111-2222_3');
    expect(o.Env).toEqual(['A=x=y']);
    expect(o.User).toBe('1000');
    expect(o.Tty).toBe(true);
    expect(o.OpenStdin).toBe(true);
    expect(o.Labels).toMatchObject({
      [LABEL_NODE]: 'node-1',
      [LABEL_TYPE]: 'container',
      [LABEL_CONTAINER_NAME]: 'app',
      [LABEL_ATTEMPT]: '3',
      [LABEL_SANDBOX_ID]: 'sb1',
      [LABEL_TERMINATION_MESSAGE_PATH]: '/dev/termination-log',
    });
    expect(o.HostConfig).toMatchObject({
      NetworkMode: 'container:sb1',
      IpcMode: 'container:sb1',
      Binds: ['/var/lib/skiff/pods/u/volumes/data:/data', '/etc/cfg:/cfg:ro'],
      Tmpfs: { '/cache': 'rw,size=1048576' },
      Memory: 64 << 20,
      MemorySwap: 64 << 20,
      NanoCpus: 500_000_000,
      CpuShares: 102,
      ReadonlyRootfs: true,
      Privileged: false,
      RestartPolicy: { Name: 'no' },
    });
  });
});

describe('userSpec', () => {
  it('combines user and group, keeping the image user when only a group is set', () => {
    expect(userSpec(undefined, undefined, 'nginx')).toBeUndefined();
    expect(userSpec(1000, undefined, '')).toBe('1000');
    expect(userSpec(1000, 3000, 'nginx')).toBe('1000:3000');
    expect(userSpec(undefined, 3000, 'nginx:nginx')).toBe('nginx:3000');
    expect(userSpec(undefined, 3000, '')).toBe('0:3000');
  });
});

describe('containerStatusFromInspect', () => {
  it('reads a running container', () => {
    const s = containerStatusFromInspect(inspect({}), 'sha256:abc');
    expect(s).toMatchObject({ id: 'c1', sandboxId: 'sb1', name: 'app', attempt: 3, state: 'running', imageId: 'sha256:abc' });
    expect(s.startedAt?.toISOString()).toBe('2030-01-01T00:00:01.500Z');
    expect(s.finishedAt).toBeUndefined();
    expect(s.exitCode).toBeUndefined();
  });

  it('gives Completed, Error and OOMKilled reasons, with the termination message', () => {
    const exited = { Status: 'exited', Running: false, FinishedAt: '2030-01-01T00:00:09Z' };
    expect(containerStatusFromInspect(inspect({ ...exited, ExitCode: 0 }), 'i')).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' });
    expect(containerStatusFromInspect(inspect({ ...exited, ExitCode: 1 }), 'i', 'bad config')).toMatchObject({
      exitCode: 1,
      reason: 'Error',
      message: 'bad config',
    });
    expect(containerStatusFromInspect(inspect({ ...exited, ExitCode: 137, OOMKilled: true }), 'i').reason).toBe('OOMKilled');
  });

  it('reports a start that failed as a terminated StartError with Docker’s message', () => {
    const s = containerStatusFromInspect(
      inspect({ Status: 'created', Running: false, ExitCode: 127, Error: 'exec: "/nope": no such file', StartedAt: '0001-01-01T00:00:00Z' }),
      'i',
    );
    expect(s).toMatchObject({ state: 'exited', exitCode: 127, reason: 'StartError', message: 'exec: "/nope": no such file' });
    expect(s.startedAt).toBeUndefined();
  });

  it('never reports a start after the finish', () => {
    const s = containerStatusFromInspect(
      inspect({ Status: 'exited', Running: false, StartedAt: '2030-01-01T00:00:02.000900Z', FinishedAt: '2030-01-01T00:00:02.000100Z' }),
      'i',
    );
    expect(s.startedAt!.getTime()).toBeLessThanOrEqual(s.finishedAt!.getTime());
  });
});

describe('sandboxStatusFromInspect', () => {
  it('takes the bridge IP while running, the node IP on the host network, nothing when stopped', () => {
    const base = inspect({}, { 'io.kubernetes.pod.name': 'web-1' });
    const bridge = { ...base, NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.9' } } } } as unknown as Docker.ContainerInspectInfo;
    expect(sandboxStatusFromInspect(bridge, '192.0.2.1')).toMatchObject({ state: 'ready', ip: '172.17.0.9', podName: 'web-1' });
    const host = { ...base, HostConfig: { NetworkMode: 'host' } } as unknown as Docker.ContainerInspectInfo;
    expect(sandboxStatusFromInspect(host, '192.0.2.1').ip).toBe('192.0.2.1');
    const stopped = { ...bridge, State: { ...bridge.State, Running: false, Status: 'exited' } };
    expect(sandboxStatusFromInspect(stopped, '192.0.2.1')).toMatchObject({ state: 'notready', ip: undefined });
  });
});

describe('sandboxStatusFromList', () => {
  const entry = (over: Partial<Docker.ContainerInfo>): Docker.ContainerInfo =>
    ({
      Id: 'abc',
      Created: 1_900_000_000,
      State: 'running',
      Labels: { 'io.kubernetes.pod.name': 'web-1', 'io.kubernetes.pod.namespace': 'shop', [LABEL_POD_UID]: '1111-2222', [LABEL_ATTEMPT]: '2' },
      HostConfig: { NetworkMode: 'bridge' },
      NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.9' } } },
      ...over,
    }) as unknown as Docker.ContainerInfo;

  it('reads what the pod sync needs from the list entry: pod, attempt, creation time, readiness and IP', () => {
    expect(sandboxStatusFromList(entry({}), '192.0.2.1')).toMatchObject({
      id: 'abc',
      podName: 'web-1',
      namespace: 'shop',
      uid: '1111-2222',
      attempt: 2,
      state: 'ready',
      ip: '172.17.0.9',
      createdAt: new Date(1_900_000_000_000),
    });
  });

  it('takes the node IP on the host network, and no IP while not running', () => {
    expect(sandboxStatusFromList(entry({ HostConfig: { NetworkMode: 'host' } }), '192.0.2.1').ip).toBe('192.0.2.1');
    expect(sandboxStatusFromList(entry({ State: 'exited' }), '192.0.2.1')).toMatchObject({ state: 'notready', ip: undefined });
    expect(sandboxStatusFromList(entry({ State: 'created' }), '192.0.2.1')).toMatchObject({ state: 'notready', ip: undefined });
  });
});

describe('helpers', () => {
  it('treats Docker’s zero time as no time', () => {
    expect(parseDockerTime('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(parseDockerTime('')).toBeUndefined();
    expect(parseDockerTime('2030-01-01T00:00:00.5Z')?.getTime()).toBe(Date.parse('2030-01-01T00:00:00.5Z'));
  });

  it('takes the engine’s own message out of a dockerode error', () => {
    const err = Object.assign(new Error('(HTTP code 404) no such container - No such container: x '), {
      statusCode: 404,
      json: { message: 'No such container: x' },
    });
    expect(dockerErrorMessage(err)).toBe('No such container: x');
    expect(dockerErrorMessage(new Error('plain'))).toBe('plain');
  });
});
