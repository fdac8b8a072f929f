// `skiff describe`: kubectl's detailed, human-readable view of objects.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { examples } from '../command-kit.js';
import { globalFlags, parseBool } from '../flags.js';

interface DescribeOpts {
  selector?: string;
  allNamespaces?: boolean;
  showEvents: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('describe')
    .description('Show details of a specific resource or group of resources')
    .usage('(TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [options]')
    .argument('[args...]', 'TYPE NAME..., TYPE/NAME..., or TYPE alone for every object of it')
    .option('-l, --selector <selector>', "selector (label query) to filter on, supports '=', '==', and '!=' (e.g. -l key1=value1,key2=value2)")
    .option('-A, --all-namespaces', 'list the requested object(s) across all namespaces')
    .addOption(
      new Option('--show-events [bool]', 'if true, display events related to the described object')
        .argParser(parseBool('--show-events'))
        .default(true),
    )
    .action(
      action(async (args: string[], opts: DescribeOpts, self: Command) => {
        const { runDescribe } = await import('../describe/run.js');
        await runDescribe(args, opts, globalFlags(self));
      }),
    );
  examples(
    cmd,
    `
    # Describe a deployment, its ReplicaSets and events
    skiff describe deployment web
    # Describe every pod whose name starts with "web-"
    skiff describe pods web-
    # Describe the pods with label app=web
    skiff describe pods -l app=web
    `,
  );
}
