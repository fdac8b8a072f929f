// `skiff status`: the components of the local cluster, their pids, health
// and log files, read from <home>/cluster.json and checked live.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { isAlive, readState, type ComponentState } from './state.js';

export interface StatusOptions {
  home: string;
  output?: 'json';
}

async function probe(url: string, ca: string | undefined): Promise<string> {
  const agent = new Agent({ connect: ca ? { ca } : {} });
  try {
    const res = await request(url, { dispatcher: agent, headersTimeout: 2000, bodyTimeout: 2000 });
    await res.body.text();
    return res.statusCode === 200 ? 'healthy' : `unhealthy (${res.statusCode})`;
  } catch (err) {
    return `unreachable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  } finally {
    await agent.close();
  }
}

export async function status(opts: StatusOptions): Promise<number> {
  const state = readState(opts.home);
  if (!state) {
    process.stdout.write(`No Skiff cluster in ${opts.home}. Start one with: skiff up\n`);
    return 1;
  }
  let ca: string | undefined;
  try {
    ca = readFileSync(join(opts.home, 'pki', 'ca.crt'), 'utf8');
  } catch {
    ca = undefined;
  }
  const running = isAlive(state.pid);
  const rows = await Promise.all(
    state.components.map(async (c: ComponentState) => {
      const alive = isAlive(c.pid);
      const health = !alive ? 'stopped' : c.health ? await probe(c.health, ca) : 'running';
      return { name: c.name, pid: alive ? String(c.pid) : '-', health, restarts: String(c.restarts), log: c.logFile };
    }),
  );
  if (opts.output === 'json') {
    process.stdout.write(JSON.stringify({ ...state, running, components: rows }, null, 2) + '\n');
  } else {
    const head = running
      ? `Cluster in ${state.home}: running (supervisor pid ${state.pid}), ${state.nodes.length} node${state.nodes.length === 1 ? '' : 's'} (${state.runtime}), apiserver ${state.apiserver}${state.ready ? '' : ', still starting'}`
      : `Cluster in ${state.home}: stopped`;
    const table = [['COMPONENT', 'PID', 'HEALTH', 'RESTARTS', 'LOG'], ...rows.map((r) => [r.name, r.pid, r.health, r.restarts, r.log])];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    const lines = table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join(''));
    process.stdout.write(`${head}\n${lines.join('\n')}\nKubeconfig: ${state.kubeconfig}\n`);
  }
  const allHealthy = running && rows.every((r) => r.health === 'healthy' || r.health === 'running');
  return allHealthy ? 0 : 1;
}

/** the log file of one component, for `skiff logs --component NAME` */
export function componentLogFile(home: string, component: string): string {
  const state = readState(home);
  const names = state?.components.map((c) => c.name) ?? [];
  const match = state?.components.find((c) => c.name === component);
  if (!match) {
    throw new Error(
      state ? `no component "${component}" in the cluster at ${home} (one of: ${names.join(', ')})` : `No Skiff cluster in ${home}.`,
    );
  }
  return match.logFile;
}
