// `skiff down`: stop the cluster started from a home directory: the
// supervisor (which stops its components in reverse order), any component
// left behind by a supervisor that died, and the containers of the cluster's
// pods. Data stays unless --purge.
import { rmSync } from 'node:fs';
import { isAlive, readState, writeState } from './state.js';

export interface DownOptions {
  home: string;
  purge?: boolean;
  /** how long to wait for the supervisor to stop everything */
  timeoutSeconds?: number;
}

const say = (msg: string) => process.stdout.write(`${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopPid(pid: number, timeoutMs: number): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

export async function down(opts: DownOptions): Promise<void> {
  const state = readState(opts.home);
  if (!state) {
    say(`No Skiff cluster in ${opts.home}.`);
  } else {
    if (isAlive(state.pid)) {
      say(`==> stopping the cluster (supervisor pid ${state.pid})`);
      await stopPid(state.pid, (opts.timeoutSeconds ?? 60) * 1000);
    }
    // components whose supervisor was killed outright keep running: stop them by their recorded pids
    for (const c of [...state.components].reverse()) {
      if (c.pid && isAlive(c.pid)) {
        say(`==> stopping ${c.name} (pid ${c.pid})`);
        await stopPid(c.pid, 10_000);
      }
    }
    await cleanUpProxies(state.nodes);
    if (process.getuid?.() === 0) {
      const { releaseLocalRoute } = await import('../../proxy/local-route.js');
      const { SERVICE_CIDR, routeUser } = await import('./up.js');
      await releaseLocalRoute(SERVICE_CIDR, routeUser(opts.home)).catch((err: Error) => say(`warning: ${err.message}`));
    }
    if (state.runtime === 'docker') {
      const removed = await removeNodeContainers(state.nodes);
      if (removed > 0) say(`==> removed ${removed} container${removed === 1 ? '' : 's'} of the cluster's pods`);
    }
    state.pid = 0;
    state.ready = false;
    state.components = state.components.map((c) => ({ ...c, pid: undefined }));
    if (!opts.purge) writeState(state);
    say('==> stopped');
  }
  if (opts.purge) {
    rmSync(opts.home, { recursive: true, force: true });
    say(`==> removed ${opts.home}`);
  } else if (state) {
    say(`Data kept in ${opts.home}: \`skiff up\` brings the same objects back; \`skiff down --purge\` removes it.`);
  }
}

/** `skiff proxy --cleanup` for each node: its iptables chains, and the first node's claim on the local route */
async function cleanUpProxies(nodes: string[]): Promise<void> {
  const { execFile } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  for (const [i, node] of nodes.entries()) {
    await new Promise<void>((resolve) => {
      execFile(
        process.execPath,
        [cli, 'proxy', '--cleanup', '--node-name', node, `--cluster-ips=${i === 0 ? 'true' : 'false'}`, '--log-level', 'warn'],
        { timeout: 30_000 },
        (err, _out, stderr) => {
          if (err) say(`warning: proxy clean-up of ${node} failed: ${stderr.trim() || err.message}`);
          resolve();
        },
      );
    });
  }
}

async function removeNodeContainers(nodes: string[]): Promise<number> {
  const { default: Docker } = await import('dockerode');
  const { LABEL_NODE } = await import('../../kubelet/runtime/interface.js');
  const docker = new Docker();
  let removed = 0;
  try {
    for (const node of nodes) {
      const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE}=${node}`] } });
      for (const c of list) {
        await docker.getContainer(c.Id).remove({ force: true }).then(
          () => removed++,
          () => undefined,
        );
      }
    }
  } catch (err) {
    say(`warning: could not remove the pods' containers: ${(err as Error).message}`);
  }
  return removed;
}
