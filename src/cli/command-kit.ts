// The small pieces every command module uses while the command tree is built:
// repeatable options, integer flags and kubectl's example blocks. Kept light
// (commander only) because every start of `skiff` loads it.
import { InvalidArgumentError, type Command } from 'commander';

/** A repeatable option (`-f a -f b`); comma-separated values are split too when `split` is set. */
export const collect =
  (split = false) =>
  (value: string, previous: string[] | undefined): string[] => [
    ...(previous ?? []),
    ...(split ? value.split(',').filter((v) => v !== '') : [value]),
  ];

/** An integer flag, refused in kubectl's words when it is not one. */
export const intFlag =
  (flag: string, min = Number.MIN_SAFE_INTEGER) =>
  (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) {
      throw new InvalidArgumentError(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
    }
    const n = Number(value);
    if (n < min) throw new InvalidArgumentError(`${flag} must be at least ${min}`);
    return n;
  };

/** kubectl's "Examples:" block after the description in --help. */
export function examples(cmd: Command, text: string): Command {
  const body = text
    .trim()
    .split('\n')
    .map((l) => (l.trim() ? `  ${l.trim()}` : ''))
    .join('\n');
  return cmd.addHelpText('after', `\nExamples:\n${body}\n`);
}
