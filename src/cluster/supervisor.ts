// One component process of a local cluster: started with its own log file,
// restarted with growing delays when it dies (saying so in the cluster's log
// and its own), and stopped by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, createWriteStream } from 'node:fs';
import { terminate } from './etcd.js';

export interface SupervisorOptions {
  name: string;
  logFile: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** told when the component (re)starts, with its new pid, and when it exits */
  onChange?: () => void;
  /** a line for the cluster's own log */
  say?: (line: string) => void;
  /** grace before SIGKILL on stop */
  stopTimeoutMs?: number;
}

const MAX_BACKOFF_MS = 60_000;
/** a process that ran this long before dying starts over at the shortest delay */
const STABLE_MS = 60_000;

export class Supervisor {
  private child?: ChildProcess;
  private stopping = false;
  private backoffMs = 1000;
  private restartTimer?: NodeJS.Timeout;
  restarts = 0;

  constructor(readonly opts: SupervisorOptions) {}

  get name(): string {
    return this.opts.name;
  }

  get logFile(): string {
    return this.opts.logFile;
  }

  /** the running process' pid, if it runs */
  get pid(): number | undefined {
    const c = this.child;
    return c && c.exitCode === null && c.signalCode === null ? c.pid : undefined;
  }

  /** true once the process died without being asked to */
  get crashed(): boolean {
    return this.restarts > 0 || (this.child !== undefined && this.pid === undefined && !this.stopping);
  }

  start(): void {
    const log = createWriteStream(this.opts.logFile, { flags: 'a' });
    const child = spawn(this.opts.command, this.opts.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.opts.env ?? process.env,
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('error', (err) => this.opts.say?.(`${this.name}: ${err.message}`));
    const started = Date.now();
    child.once('exit', (code, signal) => {
      log.end();
      this.opts.onChange?.();
      if (this.stopping) return;
      if (Date.now() - started > STABLE_MS) this.backoffMs = 1000;
      const line = `${this.name} exited (code ${code}, signal ${signal}); restarting in ${this.backoffMs / 1000}s (log: ${this.logFile})`;
      this.opts.say?.(line);
      try {
        appendFileSync(this.logFile, `supervisor: ${line}\n`);
      } catch {
        // the log directory went away (purge); the restart still happens
      }
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (!this.stopping) {
          this.restarts++;
          this.start();
        }
      }, this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    });
    this.child = child;
    this.opts.onChange?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.child) await terminate(this.child, this.opts.stopTimeoutMs);
  }
}
