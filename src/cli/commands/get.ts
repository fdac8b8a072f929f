// skiff get: kubectl's get.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { collect, examples, intFlag } from '../command-kit.js';
import { globalFlags } from '../flags.js';

export function register(program: Command): void {
  const cmd = program
    .command('get')
    .summary('Display one or many resources')
    .description(
      'Display one or many resources.\n\nPrints a table of the most important information about the specified resources. ' +
        'You can filter the list using a label selector and the --selector flag. If the desired resource type is namespaced ' +
        'you will only see results in the current namespace unless you pass --all-namespaces.\n\n' +
        "Use \"skiff api-resources\" for a complete list of supported resources.",
    )
    .usage('[(-o|--output=)json|yaml|name|wide|jsonpath=...|custom-columns=...] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags]')
    .argument('[args...]')
    .option('-A, --all-namespaces', 'list the requested object(s) across all namespaces')
    .option('-l, --selector <selector>', 'selector (label query) to filter on, supports =, ==, != and in/notin sets')
    .option('--field-selector <selector>', 'selector (field query) to filter on, e.g. --field-selector metadata.name=web')
    .option('-o, --output <format>', 'output format: json, yaml, name, wide, jsonpath=..., jsonpath-file=..., custom-columns=..., custom-columns-file=...')
    .option('-w, --watch', 'after listing/getting the requested object, watch for changes')
    .option('--watch-only', 'watch for changes to the requested object(s), without listing/getting first')
    .option('--show-labels', 'when printing, show all labels as the last column')
    .option('-L, --label-columns <keys>', 'labels to present as columns (comma-separated, repeatable)', collect(true))
    .option('--no-headers', "don't print headers (default print headers)")
    .option('--sort-by <jsonpath>', "sort list by the field given as a JSONPath expression, e.g. '{.metadata.name}'")
    .option('--show-kind', 'list the resource type for the requested object(s)')
    .option('--ignore-not-found', 'if the requested object does not exist the command will return exit code 0')
    .addOption(new Option('--chunk-size <n>', 'return large lists in chunks rather than all at once').argParser(intFlag('--chunk-size', 0)).default(500))
    .option('-f, --filename <file>', 'filename, directory, or URL to files identifying the resource to get', collect())
    .option('-R, --recursive', 'process the directory used in -f, --filename recursively')
    .action(
      action(async (args: string[], opts: Record<string, unknown>, self: Command) => {
        const { runGet } = await import('../get.js');
        await runGet(args, { ...globalFlags(self), ...opts, noHeaders: opts.headers === false });
      }),
    );
  examples(
    cmd,
    `
    # List all pods in ps output format
    skiff get pods

    # List all pods in ps output format with more information (such as node name)
    skiff get pods -o wide

    # List a single deployment with specified NAME in ps output format
    skiff get deployment web

    # List deployments in JSON output format, in the "v1" version of the "apps" API group
    skiff get deployments.v1.apps -o json

    # List a single pod in JSON output format
    skiff get -o json pod web-pod-13je7

    # Return only the phase value of the specified pod
    skiff get -o jsonpath='{.status.phase}' pod web-pod-13je7

    # List resource information in custom columns
    skiff get pod test-pod -o custom-columns=CONTAINER:.spec.containers[0].name,IMAGE:.spec.containers[0].image

    # List all replica sets and services together
    skiff get rs,services

    # List one or more resources by their type and names
    skiff get deploy/web service/frontend pods/web-pod-13je7

    # List everything in the namespace, and watch pods change
    skiff get all
    skiff get pods -w`,
  );
}
