import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container, Pod } from '../src/api/core/v1.js';
import { resolvePort, runLifecycleHandler } from './pod-lifecycle-hooks.js';
import { SimulatedRuntime } from './runtime/simulated.js';

const pod: Pod = { metadata: { name: 'web', namespace: 'ns', uid: 'u1' }, spec: { containers: [] } };
let server: Server;
let port = 0;
const paths: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.statusCode = req.url === '/fail' ? 500 : 200;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function runningContainer(runtime: SimulatedRuntime): Promise<string> {
  const sb = { podName: 'web', namespace: 'ns', uid: 'u1', attempt: 0, hostname: 'web', hostNetwork: false, portMappings: [] };
  const id = await runtime.createContainer(await runtime.runPodSandbox(sb), { name: 'app', image: 'x', env: [], mounts: [], attempt: 0 }, sb);
  await runtime.startContainer(id);
  return id;
}

describe('lifecycle hooks', () => {
  it('runs exec hooks in the container and reports a failing command with its output', async () => {
    const runtime = new SimulatedRuntime({ nodeName: 'n' });
    const id = await runningContainer(runtime);
    const container: Container = { name: 'app', image: 'x' };
    const ctx = { runtime, pod, container, containerId: id, timeoutMs: 1_000 };
    expect(await runLifecycleHandler({ exec: { command: ['sh', '-c', 'true'] } }, ctx)).toBeUndefined();
    runtime.setExecResult(id, 3, { stdout: 'not yet\n' });
    expect(await runLifecycleHandler({ exec: { command: ['drain'] } }, ctx)).toBe("command 'drain' exited with 3: not yet\n");
  });

  it('sends httpGet hooks to the pod on a named or numbered port, failing on error codes', async () => {
    const runtime = new SimulatedRuntime({ nodeName: 'n' });
    const container: Container = { name: 'app', image: 'x', ports: [{ name: 'admin', containerPort: port }] };
    const ctx = { runtime, pod, container, containerId: 'c', podIP: '127.0.0.1', timeoutMs: 1_000 };
    expect(await runLifecycleHandler({ httpGet: { path: '/shutdown', port: 'admin' } }, ctx)).toBeUndefined();
    expect(paths).toContain('/shutdown');
    expect(await runLifecycleHandler({ httpGet: { path: '/fail', port } }, ctx)).toMatch(/HTTP status code 500/);
    expect(await runLifecycleHandler({ httpGet: { path: '/', port: 'missing' } }, ctx)).toBe("couldn't find port: missing in app");
  });

  it('sleeps no longer than the time it is given', async () => {
    const runtime = new SimulatedRuntime({ nodeName: 'n' });
    const start = Date.now();
    await runLifecycleHandler({ sleep: { seconds: 30 } }, { runtime, pod, container: { name: 'app' }, containerId: 'c', timeoutMs: 50 });
    expect(Date.now() - start).toBeLessThan(1_000);
  });

  it('resolves ports by name or number', () => {
    const c: Container = { name: 'app', ports: [{ name: 'http', containerPort: 8080 }] };
    expect(resolvePort('http', c)).toBe(8080);
    expect(resolvePort(9090, c)).toBe(9090);
    expect(resolvePort('9091', c)).toBe(9091);
    expect(resolvePort('nope', c)).toBeUndefined();
  });
});
