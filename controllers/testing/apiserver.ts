// A real apiserver over in-memory storage, on loopback and without TLS or
// tokens, for controller unit tests: Kubernetes' semantics (graceful pod
// deletion, namespace finalization, 403 in terminating namespaces) without
// an etcd to start.
import { pino } from 'pino';
import { ApiServer } from '../../apiserver/server.js';
import { MemoryStorage } from '../../apiserver/storage/memory.js';
import { RestClient } from '../../src/client/index.js';

export interface MemoryApiServer {
  url: string;
  client: RestClient;
  stop(): Promise<void>;
}

export async function startMemoryApiServer(): Promise<MemoryApiServer> {
  const storage = new MemoryStorage();
  const server = new ApiServer({ storage, logger: pino({ level: 'silent' }), compactionIntervalMs: 0 });
  const url = (await server.start({ host: '127.0.0.1', port: 0 })).replace('0.0.0.0', '127.0.0.1');
  const client = new RestClient({ server: url, namespace: 'default', contextName: 'test' }, { rateLimit: false });
  return {
    url,
    client,
    async stop() {
      await client.close();
      await server.stop();
      await storage.close();
    },
  };
}
