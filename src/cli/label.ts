// skiff label and skiff annotate: add, change (--overwrite) and remove (key-)
// labels or annotations, sent as a JSON merge patch of metadata only.
import type { KubeObject } from '../api/meta.js';
import { cliContext, CliError, errorMessage, ReportedError, type GlobalFlags } from './context.js';
import { kindName } from './objects.js';
import { formatObjects, parseOutputFormat } from './printers/output.js';
import { noResourcesFound, resolveTargets, type TargetSelection } from './targets.js';

export type MetadataField = 'labels' | 'annotations';

export interface LabelOptions extends GlobalFlags, TargetSelection {
  overwrite?: boolean;
  list?: boolean;
  resourceVersion?: string;
  dryRun?: 'none' | 'client' | 'server';
  output?: string;
}

export interface MapChanges {
  set: Record<string, string>;
  remove: string[];
}

/** Splits arguments into resources and changes (key=value, key-), as kubectl reads them. */
export function splitChangeArgs(args: string[], field: MetadataField): { resources: string[]; changes: MapChanges } {
  const resources: string[] = [];
  const changes: MapChanges = { set: {}, remove: [] };
  const what = field === 'labels' ? 'label' : 'annotation';
  for (const a of args) {
    if (a.includes('=')) {
      const eq = a.indexOf('=');
      const key = a.slice(0, eq);
      if (!key) throw new CliError(`invalid ${what} spec: ${a}`);
      if (key in changes.set) throw new CliError(`can not both modify and remove ${what}s in the same command`);
      changes.set[key] = a.slice(eq + 1);
    } else if (a.endsWith('-') && resources.length > 0) {
      changes.remove.push(a.slice(0, -1));
    } else {
      resources.push(a);
    }
  }
  for (const k of changes.remove) {
    if (k in changes.set) throw new CliError(`can not both modify and remove ${what}s in the same command`);
  }
  return { resources, changes };
}

/**
 * The new map and whether it differs; refuses to change an existing key
 * without overwrite, with kubectl's message.
 */
export function applyChanges(
  current: Record<string, string>,
  changes: MapChanges,
  field: MetadataField,
  overwrite: boolean,
): { next: Record<string, string>; missing: string[] } {
  const next = { ...current };
  if (!overwrite) {
    const clashes = Object.entries(changes.set).filter(([k, v]) => k in current && current[k] !== v);
    if (clashes.length > 0) {
      if (field === 'labels') {
        const [k] = clashes[0]!;
        throw new CliError(`'${k}' already has a value (${current[k]}), and --overwrite is false`);
      }
      throw new CliError(
        `--overwrite is false but found the following declared annotation(s): ${clashes.map(([k]) => `'${k}' already has a value (${current[k]})`).join('; ')}`,
      );
    }
  }
  Object.assign(next, changes.set);
  const missing: string[] = [];
  for (const k of changes.remove) {
    if (k in next) delete next[k];
    else missing.push(k);
  }
  return { next, missing };
}

function changeMessage(field: MetadataField, before: Record<string, string>, after: Record<string, string>, overwrite: boolean): string {
  const same = JSON.stringify(Object.entries(before).sort()) === JSON.stringify(Object.entries(after).sort());
  if (field === 'annotations') return 'annotated';
  if (same) return 'not labeled';
  return !overwrite && Object.keys(after).length < Object.keys(before).length ? 'unlabeled' : 'labeled';
}

export async function runLabelOrAnnotate(field: MetadataField, args: string[], opts: LabelOptions): Promise<void> {
  const { resources, changes } = splitChangeArgs(args, field);
  const what = field === 'labels' ? 'label' : 'annotation';
  if (!opts.list && Object.keys(changes.set).length === 0 && changes.remove.length === 0) {
    throw new CliError(`at least one ${what} update is required`);
  }
  const format = opts.output ? parseOutputFormat(opts.output) : undefined;
  const ctx = cliContext(opts);
  const targets = await resolveTargets(ctx, resources, opts);
  if (targets.length === 0) {
    ctx.err.write(noResourcesFound(ctx, [], opts.allNamespaces));
    return;
  }
  if (targets.length > 1 && opts.resourceVersion) {
    throw new CliError(`--resource-version may only be used with a single resource`);
  }
  const failures: string[] = [];
  for (const t of targets) {
    try {
      const rc = ctx.client.resource(t.info);
      const live: KubeObject = t.object ?? (await rc.get(t.namespace, t.name));
      const current = (live.metadata[field] ?? {}) as Record<string, string>;
      if (opts.list) {
        ctx.out.write(`Listing ${what}s for ${kindName(t.info, t.name)}:\n`);
        for (const k of Object.keys(current).sort()) ctx.out.write(` ${k}=${current[k]}\n`);
        continue;
      }
      const { next, missing } = applyChanges(current, changes, field, opts.overwrite ?? false);
      for (const k of missing) ctx.out.write(`${what} "${k}" not found.\n`);
      const patchMap: Record<string, string | null> = {};
      for (const [k, v] of Object.entries(next)) if (current[k] !== v) patchMap[k] = v;
      for (const k of Object.keys(current)) if (!(k in next)) patchMap[k] = null;
      let result = live;
      const changed = Object.keys(patchMap).length > 0;
      if ((changed || opts.resourceVersion) && opts.dryRun !== 'client') {
        const patch = { metadata: { [field]: patchMap, ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}) } };
        result = await rc.patch(t.namespace, t.name, patch, 'merge', opts.dryRun === 'server' ? { dryRun: true } : {});
      } else if (changed) {
        result = { ...live, metadata: { ...live.metadata, [field]: next } };
      }
      if (format && format.kind !== 'table') {
        ctx.out.write(formatObjects([result], format, true));
      } else {
        const suffix = opts.dryRun === 'client' ? ' (dry run)' : opts.dryRun === 'server' ? ' (server dry run)' : '';
        ctx.out.write(`${kindName(t.info, t.name)} ${changeMessage(field, current, next, opts.overwrite ?? false)}${suffix}\n`);
      }
    } catch (err) {
      failures.push(errorMessage(err));
    }
  }
  for (const f of failures) ctx.err.write(f.endsWith('\n') ? f : `${f}\n`);
  if (failures.length > 0) throw new ReportedError();
}
