import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/api/core/v1.js';
import type { ExecResult } from '../runtime/interface.js';
import { decodeCheckResponse, encodeCheckRequest, grpcProbe } from './grpc.js';
import { httpProbe } from './http.js';
import { resolveContainerPort, runProbe } from './run.js';
import { tcpProbe } from './tcp.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function listen(server: Server | Http2Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('httpProbe', () => {
  let seen: { url: string; headers: IncomingHttpHeaders }[];

  async function app(): Promise<number> {
    seen = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      if (req.url === '/healthz') res.end('ok');
      else if (req.url === '/fail') res.writeHead(500).end('boom with secrets');
      else if (req.url === '/moved') res.writeHead(302, { location: '/healthz' }).end();
      else if (req.url === '/away') res.writeHead(302, { location: 'http://127.0.0.2:1/elsewhere' }).end('see other host');
      else if (req.url === '/loop') res.writeHead(301, { location: '/loop' }).end();
      else if (req.url === '/slow') setTimeout(() => res.end('late'), 2000).unref();
      else res.writeHead(404).end();
    });
    return listen(server);
  }

  const target = (port: number, path: string, headers: { name: string; value: string }[] = []) => ({ scheme: 'http' as const, host: '127.0.0.1', port, path, headers });

  it('succeeds on 2xx and sends kube-probe headers, the user ones winning', async () => {
    const port = await app();
    expect(await httpProbe(target(port, '/healthz', [{ name: 'X-Custom', value: 'a' }, { name: 'Host', value: 'example.com' }]), 1000)).toEqual({ result: 'success', output: 'ok' });
    expect(seen[0]!.headers).toMatchObject({ 'user-agent': 'kube-probe/1.32', accept: '*/*', 'x-custom': 'a', host: 'example.com', connection: 'close' });

    await httpProbe(target(port, '/healthz', [{ name: 'User-Agent', value: 'mine' }, { name: 'Accept', value: '' }]), 1000);
    expect(seen[1]!.headers['user-agent']).toBe('mine');
    expect(seen[1]!.headers.accept).toBeUndefined();
  });

  it('fails on other statuses without echoing the body', async () => {
    const port = await app();
    expect(await httpProbe(target(port, '/fail'), 1000)).toEqual({ result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  });

  it('follows redirects on the same host and warns about others', async () => {
    const port = await app();
    expect(await httpProbe(target(port, '/moved'), 1000)).toEqual({ result: 'success', output: 'ok' });
    expect(seen.map((s) => s.url)).toEqual(['/moved', '/healthz']);
    expect(await httpProbe(target(port, '/away'), 1000)).toEqual({ result: 'warning', output: 'Probe terminated redirects, Response body: see other host' });
    expect(await httpProbe(target(port, '/loop'), 1000)).toEqual({ result: 'failure', output: `Get "http://127.0.0.1:${port}/loop": stopped after 10 redirects` });
  });

  it('reports refused connections and timeouts as Go does', async () => {
    const port = await closedPort();
    expect(await httpProbe(target(port, '/healthz'), 1000)).toEqual({
      result: 'failure',
      output: `Get "http://127.0.0.1:${port}/healthz": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
    const live = await app();
    expect(await httpProbe(target(live, '/slow'), 100)).toEqual({
      result: 'failure',
      output: `Get "http://127.0.0.1:${live}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
  });
});

describe('tcpProbe', () => {
  it('succeeds when something listens and fails with the dial error otherwise', async () => {
    const port = await listen(createTcpServer((s) => s.destroy()));
    expect(await tcpProbe('127.0.0.1', port, 1000)).toEqual({ result: 'success', output: '' });
    const closed = await closedPort();
    expect(await tcpProbe('127.0.0.1', closed, 1000)).toEqual({ result: 'failure', output: `dial tcp 127.0.0.1:${closed}: connect: connection refused` });
  });
});

describe('grpcProbe', () => {
  function frame(status: number): Buffer {
    return Buffer.from([0, 0, 0, 0, 2, 0x08, status]);
  }

  async function healthServer(reply: (service: string) => { status?: number; grpcStatus: number; message?: string }): Promise<number> {
    const server = createH2Server();
    server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const body = Buffer.concat(chunks);
        const service = body.subarray(7).toString();
        const r = headers[':path'] === '/grpc.health.v1.Health/Check' ? reply(service) : { grpcStatus: 12, message: 'unknown service' };
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(r.grpcStatus), 'grpc-message': encodeURIComponent(r.message ?? '') }));
        stream.end(r.status === undefined ? undefined : frame(r.status));
      });
    });
    return listen(server);
  }

  it('is healthy when the service answers SERVING', async () => {
    const port = await healthServer((service) => ({ status: service === 'db' ? 1 : 2, grpcStatus: 0 }));
    expect(await grpcProbe('127.0.0.1', port, 'db', 1000)).toEqual({ result: 'success', output: 'service healthy' });
    expect(await grpcProbe('127.0.0.1', port, 'other', 1000)).toEqual({ result: 'failure', output: 'service unhealthy (responded with "NOT_SERVING")' });
  });

  it('explains servers without the health protocol and unreachable ones', async () => {
    const port = await healthServer(() => ({ grpcStatus: 12, message: 'unknown service grpc.health.v1.Health' }));
    expect(await grpcProbe('127.0.0.1', port, '', 1000)).toEqual({
      result: 'failure',
      output: 'error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health',
    });
    const closed = await closedPort();
    expect(await grpcProbe('127.0.0.1', closed, '', 1000)).toEqual({
      result: 'failure',
      output: `error: failed to connect service at "127.0.0.1:${closed}": dial tcp 127.0.0.1:${closed}: connect: connection refused`,
    });
  });

  it('encodes requests and decodes responses in the protobuf wire format', () => {
    expect([...encodeCheckRequest('db')]).toEqual([0, 0, 0, 0, 4, 0x0a, 2, 0x64, 0x62]);
    expect([...encodeCheckRequest('')]).toEqual([0, 0, 0, 0, 0]);
    expect(decodeCheckResponse(frame(3))).toBe(3);
    expect(decodeCheckResponse(Buffer.from([0, 0, 0, 0, 0]))).toBe(0);
  });
});

describe('runProbe', () => {
  const container: Container = { name: 'app', ports: [{ name: 'http', containerPort: 8080 }], env: [{ name: 'FILE', value: '/tmp/ready' }, { name: 'SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] };

  it('resolves named ports, numeric strings, and refuses the rest', () => {
    expect(resolveContainerPort('http', container)).toBe(8080);
    expect(resolveContainerPort('9090', container)).toBe(9090);
    expect(resolveContainerPort(81, container)).toBe(81);
    expect(() => resolveContainerPort('metrics', container)).toThrow('strconv.Atoi: parsing "metrics": invalid syntax');
    expect(() => resolveContainerPort(0, container)).toThrow('invalid port number: 0');
  });

  it('runs exec probes through the runtime with literal env expanded, and reports output and timeouts', async () => {
    const calls: { id: string; cmd: string[]; timeoutMs: number }[] = [];
    let next: ExecResult = { exitCode: 1, stdout: '', stderr: "cat: can't open '/tmp/ready': No such file or directory\n", timedOut: false };
    const runtime = {
      execSync: async (id: string, cmd: string[], timeoutMs: number) => {
        calls.push({ id, cmd, timeoutMs });
        return next;
      },
    };
    const probe = { exec: { command: ['cat', '$(FILE)', '$(SECRET)'] } };
    const target = { container, containerId: 'c1', podIP: '10.1.0.2' };
    expect(await runProbe(probe, target, runtime, 1000)).toEqual({ result: 'failure', output: "cat: can't open '/tmp/ready': No such file or directory\n" });
    expect(calls[0]).toEqual({ id: 'c1', cmd: ['cat', '/tmp/ready', ''], timeoutMs: 1000 });
    next = { exitCode: 0, stdout: 'fine', stderr: '', timedOut: false };
    expect((await runProbe(probe, target, runtime, 1000)).result).toBe('success');
    next = { exitCode: -1, stdout: '', stderr: '', timedOut: true };
    expect(await runProbe(probe, target, runtime, 1000)).toEqual({ result: 'failure', output: 'command "cat /tmp/ready " timed out' });
  });

  it('probes the pod IP when no host is given, on a named port', async () => {
    const port = await listen(createServer((_req, res) => res.end('up')));
    const c: Container = { name: 'app', ports: [{ name: 'web', containerPort: port }] };
    const out = await runProbe({ httpGet: { port: 'web', path: '/' } }, { container: c, containerId: 'c1', podIP: '127.0.0.1' }, { execSync: async () => Promise.reject(new Error('unused')) }, 1000);
    expect(out).toEqual({ result: 'success', output: 'up' });
  });
});
