// skiff edit: opens objects as YAML in $KUBE_EDITOR / $EDITOR (vi by
// default) and sends what changed as a strategic merge patch. A file that
// does not parse, or that the server rejects, is reopened with the errors as
// comments at the top, as kubectl does; saving it again unchanged gives up
// and keeps a copy in the temporary folder.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../api/meta.js';
import { StatusError } from '../api/status.js';
import { createTwoWayStrategicMergePatch } from '../machinery/patch/strategic.js';
import { cliContext, CliError, type CliContext, type GlobalFlags } from './context.js';
import { kindName } from './objects.js';
import { asList, toYaml } from './printers/output.js';
import { resolveTargets, type TargetRef, type TargetSelection } from './targets.js';

export interface EditOptions extends GlobalFlags, TargetSelection {
  output?: string;
}

const HEADER = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`;

/** Drops comment lines, as kubectl ignores them before comparing or parsing. */
export function stripComments(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n');
}

/** The editor command kubectl would run: $KUBE_EDITOR, then $EDITOR, then vi. */
export function editorCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBE_EDITOR?.trim() || env.EDITOR?.trim() || 'vi';
}

async function runEditor(file: string): Promise<void> {
  const editor = editorCommand();
  // Through the shell, so EDITOR="code --wait" and quoted arguments work.
  await new Promise<void>((resolve, reject) => {
    const child = spawn('sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new CliError(`there was a problem with the editor "${editor}": ${signal ? `killed by ${signal}` : `exit status ${code}`}`));
    });
  });
}

/** What the user sees: the object without managedFields, which kubectl hides unless asked. */
function forEditing(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  delete copy.metadata.managedFields;
  return copy;
}

function errorComment(lines: string[]): string {
  return lines.map((l) => `# ${l}`.trimEnd()).join('\n') + '\n#\n';
}

function invalidLines(err: unknown, ref: TargetRef): string[] {
  const what = `${ref.info.group ? `${ref.info.plural}.${ref.info.group}` : ref.info.plural} "${ref.name}"`;
  if (err instanceof StatusError && err.reason === 'Invalid') {
    const causes = err.details?.causes ?? [];
    return [`${what} was not valid:`, ...causes.map((c) => `* ${c.field ? `${c.field}: ` : ''}${c.message ?? ''}`)];
  }
  return [err instanceof Error ? err.message : String(err)];
}

export async function runEdit(args: string[], opts: EditOptions): Promise<void> {
  if (opts.output && opts.output !== 'yaml') throw new CliError(`the edit mode "${opts.output}" is not supported; use yaml`);
  const ctx = cliContext(opts);
  const refs = await resolveTargets(ctx, args, opts);
  if (refs.length === 0) throw new CliError('no objects passed to edit');
  const originals = await Promise.all(refs.map(async (r) => forEditing(r.object ?? (await ctx.client.resource(r.info).get(r.namespace, r.name)))));
  const single = originals.length === 1;
  const originalText = toYaml(single ? originals[0] : asList(originals));

  const dir = mkdtempSync(join(tmpdir(), 'skiff-edit-'));
  const file = join(dir, `${refs.map((r) => `${r.info.plural}-${r.name}`).join('-').slice(0, 100)}.yaml`);
  let content = HEADER + originalText;
  let lastFailed: string | undefined;
  try {
    for (;;) {
      writeFileSync(file, content);
      await runEditor(file);
      const edited = readFileSync(file, 'utf8');
      const body = stripComments(edited);
      if (body.trim() === '') {
        ctx.err.write('Edit cancelled, saved file was empty.\n');
        return;
      }
      if (lastFailed === undefined && body === stripComments(originalText)) {
        ctx.err.write('Edit cancelled, no changes made.\n');
        return;
      }
      if (lastFailed !== undefined && body === lastFailed) {
        const copy = join(tmpdir(), `skiff-edit-${process.pid}-${Date.now()}.yaml`);
        writeFileSync(copy, edited);
        ctx.err.write(`A copy of your changes has been stored to "${copy}"\n`);
        throw new CliError('Edit cancelled, no valid changes were saved.');
      }
      const problems = await saveEdits(ctx, refs, originals, body, single);
      if (problems.length === 0) return;
      lastFailed = body;
      content = HEADER + errorComment(problems) + body;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sends each changed object; returns the lines to show at the top of the reopened file (none on success). */
async function saveEdits(ctx: CliContext, refs: TargetRef[], originals: KubeObject[], body: string, single: boolean): Promise<string[]> {
  let parsed: unknown;
  try {
    parsed = parseYaml(body);
  } catch (err) {
    return [`The edited file had a syntax error: ${(err as Error).message.split('\n')[0]}`];
  }
  const edited = single ? [parsed] : Array.isArray((parsed as { items?: unknown })?.items) ? (parsed as { items: unknown[] }).items : undefined;
  if (!edited || edited.some((e) => typeof e !== 'object' || e === null)) {
    return ['The edited file is not a valid object'];
  }
  const problems: string[] = [];
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i]!;
    const original = originals[i]!;
    const next = edited.find(
      (e) => (e as KubeObject).metadata?.name === ref.name && (e as KubeObject).kind === original.kind,
    ) as KubeObject | undefined;
    if (!next) {
      if (single) problems.push('At least one of apiVersion, kind and name was changed');
      continue;
    }
    if (next.apiVersion !== original.apiVersion) {
      problems.push('At least one of apiVersion, kind and name was changed');
      continue;
    }
    const patch = createTwoWayStrategicMergePatch(original, next);
    if (Object.keys(patch).length === 0) continue;
    try {
      await ctx.client.resource(ref.info).patch(ref.namespace, ref.name, patch, 'strategic');
      ctx.out.write(`${kindName(ref.info, ref.name)} edited\n`);
    } catch (err) {
      problems.push(...invalidLines(err, ref));
    }
  }
  return problems;
}
