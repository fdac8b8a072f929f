// Skiff components started as their own processes, the way a cluster runs
// them, so that the load generator never shares their event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built `skiff` entry point (dist/src/cli/main.js beside dist/bench/). */
export const skiffCli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Flags for node itself (--cpu-prof, --max-old-space-size, ...) from a space-separated environment variable. */
export function nodeArgsFrom(variable: string): string[] {
  return (process.env[variable] ?? '').split(' ').filter(Boolean);
}

export interface SpawnSkiffOptions {
  /** flags for node, before the script */
  nodeArgs?: string[];
  /** the process's output goes to <dir>/<name>.log (see logTail) instead of this terminal */
  log?: { dir: string; name: string };
}

/** Starts `skiff <args>`. */
export function spawnSkiff(args: string[], opts: SpawnSkiffOptions = {}): ChildProcess {
  const argv = [...(opts.nodeArgs ?? []), skiffCli, ...args];
  if (!opts.log) return spawn(process.execPath, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
  const fd = openSync(join(opts.log.dir, `${opts.log.name}.log`), 'a');
  try {
    return spawn(process.execPath, argv, { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
}

/** The last lines of <dir>/<name>.log, to show why a component failed. */
export function logTail(dir: string, name: string, lines = 20): string {
  try {
    return readFileSync(join(dir, `${name}.log`), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
