// Running iptables-save and iptables-restore: the variant (nf_tables or legacy)
// that `iptables --version` reports decides which binaries are used, so the
// proxy writes into the same tables as Docker and everything else on the host.
import { execFile, spawn } from 'node:child_process';

export type IptablesVariant = 'nf_tables' | 'legacy';

export interface IptablesTools {
  variant: IptablesVariant;
  version: string;
  save: string;
  restore: string;
}

export interface IptablesRunner {
  readonly tools: IptablesTools;
  save(table: string): Promise<string>;
  /** iptables-restore --noflush with this input */
  restore(input: string): Promise<void>;
}

function run(file: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new Error(`${[file, ...args].join(' ')} exited ${code}: ${Buffer.concat(err).toString().trim()}`));
    });
    if (child.stdin) {
      // a binary that exits before reading its input is reported by its exit code, not by EPIPE
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
  });
}

function which(cmd: string): Promise<boolean> {
  return new Promise((resolve) => execFile('sh', ['-c', `command -v ${cmd}`], (err) => resolve(!err)));
}

/** What iptables is on this machine; undefined when there is none. */
export async function detectIptables(): Promise<IptablesTools | undefined> {
  let version: string;
  try {
    version = (await run('iptables', ['--version'])).trim();
  } catch {
    return undefined;
  }
  const variant: IptablesVariant = version.includes('nf_tables') ? 'nf_tables' : 'legacy';
  const prefix = variant === 'nf_tables' ? 'iptables-nft' : 'iptables-legacy';
  const specific = (await which(`${prefix}-restore`)) && (await which(`${prefix}-save`));
  const save = specific ? `${prefix}-save` : 'iptables-save';
  const restore = specific ? `${prefix}-restore` : 'iptables-restore';
  if (!(await which(restore))) return undefined;
  return { variant, version, save, restore };
}

/**
 * @param prefix a command the binaries run under, e.g. ["ip", "netns", "exec", NAME]
 *   for a network namespace of one's own
 */
export function iptablesRunner(tools: IptablesTools, prefix: readonly string[] = []): IptablesRunner {
  const exec = (bin: string, args: string[], input?: string): Promise<string> =>
    prefix.length ? run(prefix[0]!, [...prefix.slice(1), bin, ...args], input) : run(bin, args, input);
  // the legacy binaries share one lock with every other iptables user; wait for it rather than fail
  const wait = tools.variant === 'legacy' ? ['-w', '5'] : [];
  return {
    tools,
    save: (table) => exec(tools.save, ['-t', table]),
    restore: async (input) => {
      await exec(tools.restore, ['--noflush', ...wait], input);
    },
  };
}
