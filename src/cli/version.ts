// skiff version: the client's version, and the server's when it answers.
// An unreachable server costs one failed connection, not a retry loop: the
// client version is printed first and the error after it, as kubectl does.
import type { RestClient } from '../client/rest.js';
import { CliError, errorMessage, lastServer, ReportedError } from './action.js';
import type { GlobalFlags } from './flags.js';

export interface VersionOptions extends GlobalFlags {
  output?: 'json' | 'yaml';
  client?: boolean;
}

export interface ClientVersionInfo {
  gitVersion: string;
  platform: string;
  nodeVersion: string;
}

const SERVER_TIMEOUT_MS = 5000;

export async function runVersion(clientVersion: ClientVersionInfo, opts: VersionOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  let serverVersion: Record<string, unknown> | undefined;
  let failure: unknown;
  if (!opts.client) {
    // The client is made here rather than through cliContext so that this
    // verb does not load the resource table, and --client loads no client at
    // all: `skiff version` stays quick.
    let client: RestClient | undefined;
    const { KubeconfigError, loadKubeconfig } = await import('../client/kubeconfig.js');
    try {
      const config = loadKubeconfig({
        ...(opts.kubeconfig ? { path: opts.kubeconfig } : {}),
        ...(opts.context ? { context: opts.context } : {}),
        ...(opts.server ? { server: opts.server } : {}),
        ...(opts.token ? { token: opts.token } : {}),
      });
      if (opts.insecureSkipTlsVerify) config.insecureSkipTLSVerify = true;
      lastServer.url = config.server;
      const { RestClient } = await import('../client/rest.js');
      client = new RestClient(config, { rateLimit: false, maxRetries: 0 });
      serverVersion = await client.request<Record<string, unknown>>('GET', '/version', { timeoutMs: SERVER_TIMEOUT_MS });
    } catch (e) {
      failure = e instanceof KubeconfigError ? new CliError(e.message) : e;
    } finally {
      await client?.close();
    }
  }
  const info = { clientVersion, ...(serverVersion ? { serverVersion } : {}) };
  if (opts.output === 'json') out.write(JSON.stringify(info, null, 2) + '\n');
  else if (opts.output === 'yaml') out.write((await import('yaml')).stringify(info));
  else {
    out.write(`Client Version: ${clientVersion.gitVersion}\n`);
    if (serverVersion) out.write(`Server Version: ${String(serverVersion.gitVersion ?? '')}\n`);
  }
  if (failure !== undefined) {
    err.write(`${errorMessage(failure)}\n`);
    throw new ReportedError();
  }
}
