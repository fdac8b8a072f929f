// skiff edit: kubectl's edit.
import { type Command } from 'commander';
import { action } from '../action.js';
import { collect, examples } from '../command-kit.js';
import { globalFlags } from '../flags.js';

export function register(program: Command): void {
  const cmd = program
    .command('edit')
    .summary('Edit a resource on the server')
    .description(
      'Edit a resource from the default editor.\n\n' +
        'The edit command allows you to directly edit any API resource you can retrieve via the command-line tools. ' +
        'It will open the editor defined by your KUBE_EDITOR, or EDITOR environment variables, or fall back to \'vi\'. ' +
        'You can edit multiple objects, although changes are applied one at a time.\n\n' +
        'In the event an error occurs while updating, the file is reopened with the errors as comments at the top; ' +
        'saving it again unchanged gives up, and a copy of your changes is kept in a temporary file.',
    )
    .usage('(RESOURCE/NAME | -f FILENAME) [flags]')
    .argument('[args...]')
    .option('-f, --filename <file>', 'filename, directory, or URL to files to use to edit the resource', collect())
    .option('-R, --recursive', 'process the directory used in -f, --filename recursively')
    .option('-l, --selector <selector>', 'selector (label query) to filter on')
    .option('--all', 'select all resources, in the namespace of the specified resource types')
    .option('-o, --output <format>', 'output format used for editing; only yaml')
    .action(
      action(async (args: string[], opts: Record<string, unknown>, self: Command) => {
        const { runEdit } = await import('../edit.js');
        await runEdit(args, { ...globalFlags(self), ...opts });
      }),
    );
  examples(
    cmd,
    `
    # Edit the service named 'registry'
    skiff edit svc/registry

    # Use an alternative editor
    KUBE_EDITOR="nano" skiff edit svc/registry

    # Edit the deployment 'mydeployment' in YAML and save the modified config in its annotation
    skiff edit deployment/mydeployment`,
  );
}
