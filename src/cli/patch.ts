// skiff patch: sends a strategic merge, JSON merge or JSON patch written on
// the command line (JSON or YAML) or in a file.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../api/meta.js';
import type { PatchType } from '../client/rest.js';
import { cliContext, CliError, errorMessage, ReportedError, type GlobalFlags } from './context.js';
import { kindName } from './objects.js';
import { formatObjects, parseOutputFormat } from './printers/output.js';
import { resolveTargets, type TargetSelection } from './targets.js';

export interface PatchCliOptions extends GlobalFlags, TargetSelection {
  type?: string;
  patch?: string;
  patchFile?: string;
  subresource?: string;
  dryRun?: 'none' | 'client' | 'server';
  output?: string;
}

/** The patch text as JSON: kubectl accepts YAML too and sends it as JSON. */
export function patchBody(text: string, type: PatchType): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    try {
      value = parseYaml(text);
    } catch (err) {
      throw new CliError(`unable to parse "${text}": ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (type === 'json' && !Array.isArray(value)) {
    throw new CliError(`unable to parse "${text}": json: cannot unmarshal object into Go value of type jsonpatch.Patch`);
  }
  if (type !== 'json' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new CliError(`unable to parse "${text}": the patch must be a JSON object`);
  }
  return value;
}

export async function runPatch(args: string[], opts: PatchCliOptions): Promise<void> {
  const type = (opts.type ?? 'strategic') as PatchType;
  if (!['strategic', 'merge', 'json'].includes(type)) {
    throw new CliError(`--type must be one of [json merge strategic], not "${opts.type}"`);
  }
  if (opts.patch === undefined && opts.patchFile === undefined) throw new CliError('must specify -p to patch');
  if (opts.patch !== undefined && opts.patchFile !== undefined) throw new CliError('cannot specify --patch and --patch-file together');
  let text = opts.patch ?? '';
  if (opts.patchFile !== undefined) {
    try {
      text = readFileSync(opts.patchFile, 'utf8');
    } catch (err) {
      throw new CliError(`unable to read patch file: ${(err as Error).message}`);
    }
  }
  const body = patchBody(text, type);
  const format = opts.output ? parseOutputFormat(opts.output) : undefined;
  const ctx = cliContext(opts);
  const targets = await resolveTargets(ctx, args, opts);
  const failures: string[] = [];
  for (const t of targets) {
    try {
      const rc = ctx.client.resource(t.info);
      const sub = opts.subresource;
      const before = sub ? await rc.getSubresource<KubeObject>(t.namespace, t.name, sub) : await rc.get(t.namespace, t.name);
      const patched = await ctx.client.request<KubeObject>('PATCH', rc.path(t.namespace, t.name, sub), {
        body: JSON.stringify(body),
        contentType:
          type === 'json' ? 'application/json-patch+json' : type === 'merge' ? 'application/merge-patch+json' : 'application/strategic-merge-patch+json',
        query: opts.dryRun && opts.dryRun !== 'none' ? { dryRun: 'All' } : {},
      });
      if (format && format.kind !== 'table') {
        ctx.out.write(formatObjects([patched], format, true));
        continue;
      }
      const unchanged = patched.metadata.resourceVersion === before.metadata.resourceVersion;
      const suffix = opts.dryRun === 'client' || opts.dryRun === 'server' ? ' (dry run)' : '';
      ctx.out.write(`${kindName(t.info, t.name)} patched${unchanged ? ' (no change)' : ''}${suffix}\n`);
    } catch (err) {
      failures.push(errorMessage(err));
    }
  }
  for (const f of failures) ctx.err.write(f.endsWith('\n') ? f : `${f}\n`);
  if (failures.length > 0) throw new ReportedError();
}
