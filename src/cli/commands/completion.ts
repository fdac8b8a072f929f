// skiff completion: shell completion scripts.
import type { Command } from 'commander';
import { action, cliIO } from '../action.js';
import { examples } from '../command-kit.js';

export function register(program: Command): void {
  const cmd = program
    .command('completion')
    .summary('Output shell completion code for the specified shell (bash or zsh)')
    .description(
      'Output shell completion code for the specified shell (bash or zsh). The shell code must be evaluated to provide interactive completion of skiff commands. ' +
        'This can be done by sourcing it from the .bash_profile.\n\n' +
        'Completion covers commands, flags, resource types, and object names (read from the cluster with `skiff get TYPE -o name`).',
    )
    .argument('<shell>', 'bash or zsh')
    .action(
      action(async (shell: string, _opts: unknown, self: Command) => {
        let root = self;
        while (root.parent) root = root.parent;
        const { completionScript } = await import('../completion.js');
        cliIO.out.write(completionScript(root, shell));
      }),
    );
  examples(
    cmd,
    `
    # Load the skiff completion code for bash into the current shell
    source <(skiff completion bash)

    # Write bash completion code to a file and source it from .bash_profile
    skiff completion bash > ~/.skiff/completion.bash.inc
    printf "source '$HOME/.skiff/completion.bash.inc'\\n" >> $HOME/.bash_profile

    # Load the skiff completion code for zsh into the current shell
    source <(skiff completion zsh)`,
  );
}
