// The small HTTP server every long-running component (controller-manager,
// scheduler, and later kubelet and proxy) exposes: /healthz, /livez, /readyz
// and Prometheus /metrics from the component's prom-client registry.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthServer {
  /** http://host:port */
  address: string;
  close(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';
const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz', '/healthz/leaderElection']);

function send(res: ServerResponse, code: number, contentType: string, body: string): void {
  res.writeHead(code, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function handle(registry: Registry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, TEXT, 'method not allowed\n');
  if (HEALTH_PATHS.has(path)) return send(res, 200, TEXT, 'ok');
  if (path === '/metrics') {
    try {
      return send(res, 200, registry.contentType, await registry.metrics());
    } catch (err) {
      return send(res, 500, TEXT, `${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return send(res, 404, TEXT, '404 page not found\n');
}

export async function serveHealth(registry: Registry, port: number, host = '127.0.0.1'): Promise<HealthServer> {
  const server: Server = createServer((req, res) => void handle(registry, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port: bound } = server.address() as AddressInfo;
  return {
    address: `http://${address.includes(':') ? `[${address}]` : address}:${bound}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
