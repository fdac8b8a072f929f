// What a running local cluster looks like from outside: the supervisor's pid
// and every component's pid, log file and health endpoint, kept in
// <home>/cluster.json and rewritten whenever a component (re)starts. `skiff
// status` and `skiff down` read it; nothing else is needed to find the
// processes of a cluster.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ComponentState {
  name: string;
  pid?: number;
  logFile: string;
  /** http(s) URL answering 200 when healthy */
  health?: string;
  restarts: number;
}

export interface ClusterState {
  /** the supervising `skiff up` process */
  pid: number;
  home: string;
  startedAt: string;
  apiserver: string;
  kubeconfig: string;
  runtime: 'docker' | 'simulated';
  nodes: string[];
  /** false until every node is Ready; `skiff up` waits on this */
  ready: boolean;
  components: ComponentState[];
}

export const stateFile = (home: string) => join(home, 'cluster.json');

export function readState(home: string): ClusterState | undefined {
  const file = stateFile(home);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

export function writeState(state: ClusterState): void {
  const file = stateFile(state.home);
  // a reader never sees half a file
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** the running cluster in this home, if its supervisor is alive */
export function runningCluster(home: string): ClusterState | undefined {
  const s = readState(home);
  return s && isAlive(s.pid) ? s : undefined;
}
