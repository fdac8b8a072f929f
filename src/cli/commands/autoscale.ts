// `skiff autoscale`: create a HorizontalPodAutoscaler for a workload.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { examples, intFlag } from '../command-kit.js';
import { globalFlags } from '../flags.js';

export function register(program: Command): void {
  const cmd = program
    .command('autoscale')
    .description('Auto-scale a deployment, replica set or stateful set: create a HorizontalPodAutoscaler for it')
    .usage('(TYPE NAME | TYPE/NAME) [--min=MINPODS] --max=MAXPODS [--cpu-percent=CPU] [options]')
    .argument('[args...]', 'TYPE NAME or TYPE/NAME')
    .option('--min <n>', "lower limit for the number of pods; unset or negative lets the server apply its default", intFlag('--min'), -1)
    .option('--max <n>', 'upper limit for the number of pods (required)', intFlag('--max'), -1)
    .option('--cpu-percent <n>', 'target average CPU utilization, as a percent of requested CPU; unset or negative uses the default policy', intFlag('--cpu-percent'), -1)
    .option('--name <name>', 'name of the HorizontalPodAutoscaler (default: the name of the workload)')
    .option('-o, --output <format>', 'json, yaml or name')
    .addOption(new Option('--dry-run [strategy]', 'none, client or server').choices(['none', 'client', 'server']).preset('client').default('none'))
    .action(
      action(async (args: string[], opts: { min: number; max: number; cpuPercent: number; name?: string; output?: string; dryRun: string }, cmd: Command) => {
        const { runAutoscale } = await import('../autoscale.js');
        await runAutoscale(args, opts, globalFlags(cmd));
      }),
    );
  examples(
    cmd,
    `
    # Keep deployment "web" between 2 and 10 pods, at 80% of the CPU its pods request
    skiff autoscale deployment web --min=2 --max=10 --cpu-percent=80
    `,
  );
}
