// kubectl's global connection flags on the `skiff` program. Kept free of
// heavy imports: the program builds its command tree from this on every start.
import type { Command } from 'commander';
import { CliError } from './action.js';

export interface GlobalFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
  server?: string;
  token?: string;
  insecureSkipTlsVerify?: boolean;
}

const globalFlagNames = ['kubeconfig', 'context', 'namespace', 'server', 'token', 'insecureSkipTlsVerify'] as const;

/**
 * Adds kubectl's connection flags to the program. Commander recognises a
 * program option anywhere on the line, so `skiff -n x get pods` and `skiff get
 * pods -n x` both work. A subcommand that declares an option of the same name
 * itself (`skiff scheduler --kubeconfig`) still receives the value.
 */
export function addGlobalFlags(cmd: Command): Command {
  cmd
    .option('--kubeconfig <file>', 'path to the kubeconfig file to use for CLI requests')
    .option('--context <name>', 'the name of the kubeconfig context to use')
    .option('-n, --namespace <namespace>', 'if present, the namespace scope for this CLI request')
    .option('-s, --server <address>', 'the address and port of the Kubernetes API server')
    .option('--token <token>', 'bearer token for authentication to the API server')
    .option('--insecure-skip-tls-verify', "if true, the server's certificate will not be checked for validity (insecure)");
  // Every verb's --help lists these too, as kubectl's "Global Options".
  cmd.configureHelp({ ...cmd.configureHelp(), showGlobalOptions: true });
  cmd.hook('preAction', (_root, actionCommand) => {
    if (actionCommand === cmd) return;
    const values = cmd.opts<GlobalFlags>();
    for (const name of globalFlagNames) {
      const own = actionCommand.options.some((o) => o.attributeName() === name);
      if (own && values[name] !== undefined && actionCommand.getOptionValue(name) === undefined) {
        actionCommand.setOptionValue(name, values[name]);
      }
    }
  });
  const parse = cmd.parseAsync.bind(cmd);
  cmd.parseAsync = (argv?: readonly string[], opts?: Parameters<Command['parseAsync']>[1]) =>
    parse(normalizeBoolFlags(argv ?? process.argv, booleanFlags(cmd)), opts);
  return cmd;
}

/** The long flags of the whole tree that take no value (`--all`, `--overwrite`, ...). */
function booleanFlags(root: Command): Set<string> {
  const out = new Set<string>();
  // a verb that declares the flag with an optional value (`rollout status --watch=false`) reads `=false` itself
  const withValue = new Set<string>();
  const walk = (c: Command): void => {
    for (const o of c.options) {
      if (!o.long) continue;
      if (o.optional) withValue.add(o.long);
      else if (!o.required && !o.negate) out.add(o.long);
    }
    c.commands.forEach(walk);
  };
  walk(root);
  for (const long of withValue) out.delete(long);
  return out;
}

/**
 * kubectl accepts `--flag=true` and `--flag=false` for every boolean flag;
 * commander knows only `--flag`. The first becomes `--flag`, the second is
 * dropped (every such flag is off unless given).
 */
export function normalizeBoolFlags(argv: readonly string[], flags: Set<string>): string[] {
  const out: string[] = [];
  const end = argv.indexOf('--');
  for (const [i, a] of argv.entries()) {
    const m = end >= 0 && i > end ? null : /^(--[^=]+)=(.*)$/.exec(a);
    if (m && flags.has(m[1]!)) {
      if (parseBool(m[1]!)(m[2]!)) out.push(m[1]!);
      continue;
    }
    out.push(a);
  }
  return out;
}

/** kubectl's boolean flag values: `--flag`, `--flag=true`, `--flag=false`. */
export function parseBool(flag: string): (value: string | undefined) => boolean {
  return (value) => {
    if (value === undefined || value === null) return true;
    if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
    if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
    throw new CliError(`invalid argument "${value}" for "${flag}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
  };
}

/** The global flags as seen from a verb, wherever they were written on the line. */
export function globalFlags(cmd: Command): GlobalFlags {
  return cmd.optsWithGlobals<GlobalFlags>();
}

