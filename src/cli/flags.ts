// kubectl's global connection flags on the `skiff` program. Kept free of
// heavy imports: the program builds its command tree from this on every start.
import type { Command } from 'commander';
import { Option } from 'commander';
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
    .addOption(
      new Option(
        '--insecure-skip-tls-verify [bool]',
        "if true, the server's certificate will not be checked for validity (insecure)",
      ).argParser(parseBool('--insecure-skip-tls-verify')),
    );
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
  return cmd;
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

