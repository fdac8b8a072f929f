// Every command module registers its verbs here. A module imported by this
// list must stay light (commander definitions only): each action imports its
// implementation lazily, so that `skiff version` and `skiff --help` start fast.
import type { Command } from 'commander';
import { register as cluster } from './cluster.js';

export type CommandRegistrar = (program: Command) => void;

export const commandRegistrars: CommandRegistrar[] = [cluster];
