// skiff apply: kubectl's client-side apply. Every object from -f is created
// with the last-applied-configuration annotation, or patched with the
// three-way patch computed from that annotation, the file and the live
// object. Each document is applied even when another fails; failures are
// printed after the successes and the exit code is 1.
import type { KubeObject } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resource.js';
import { isConflict, isNotFound } from '../../client/errors.js';
import { applyStrategicMergePatch } from '../../machinery/patch/strategic.js';
import { cliContext, cliIO, CliError, errorMessage, ReportedError, type CliContext, type GlobalFlags } from '../context.js';
import { loadManifests } from '../manifests.js';
import { infoForObject, kindName, namespaceFor, withSource } from '../objects.js';
import { formatObjects, parseOutputFormat, toJson, toYaml, type OutputFormat } from '../printers/output.js';
import { applyPatchFor, withLastApplied } from './patch.js';

export type DryRun = 'none' | 'client' | 'server';

export interface ApplyOptions extends GlobalFlags {
  filename?: string[];
  recursive?: boolean;
  dryRun?: DryRun;
  output?: string;
  fieldManager?: string;
}

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  outcome: ApplyOutcome;
  object: KubeObject;
}

const MAX_CONFLICT_RETRIES = 5;

/**
 * Applies one object (namespace already decided): creates it when absent,
 * otherwise patches it. What kubectl prints is the outcome and the object the
 * server answered with (or, for a client dry run, the object as it would be).
 */
export async function applyObject(
  ctx: Pick<CliContext, 'client'>,
  info: ResourceInfo,
  namespace: string | undefined,
  obj: KubeObject,
  opts: { dryRun?: DryRun; fieldManager?: string; source?: string } = {},
): Promise<ApplyResult> {
  const source = opts.source ?? '';
  const name = obj.metadata.name;
  if (!name) throw new CliError('resource name may not be empty');
  const rc = ctx.client.resource(info);
  const modified = withLastApplied(info.namespaced && namespace ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj);
  const write = {
    ...(opts.dryRun === 'server' ? { dryRun: true } : {}),
    fieldManager: opts.fieldManager ?? 'kubectl-client-side-apply',
  };
  for (let attempt = 0; ; attempt++) {
    let current: KubeObject | undefined;
    try {
      current = await rc.get(namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw withSource(err, 'retrieving current configuration of', source);
    }
    if (!current) {
      if (opts.dryRun === 'client') return { outcome: 'created', object: modified };
      try {
        return { outcome: 'created', object: await rc.create(namespace, modified, write) };
      } catch (err) {
        throw withSource(err, 'creating', source);
      }
    }
    const patch = applyPatchFor(modified, current, true);
    if (Object.keys(patch).length === 0) return { outcome: 'unchanged', object: current };
    if (opts.dryRun === 'client') {
      return { outcome: 'configured', object: applyStrategicMergePatch(current, patch) as KubeObject };
    }
    try {
      return { outcome: 'configured', object: await rc.patch(namespace, name, patch, 'strategic', write) };
    } catch (err) {
      if (isConflict(err) && attempt < MAX_CONFLICT_RETRIES) continue;
      throw withSource(err, 'patching', source);
    }
  }
}

export async function runApply(opts: ApplyOptions): Promise<void> {
  if (!opts.filename || opts.filename.length === 0) {
    throw new CliError('must specify one of -f and -k');
  }
  const format = opts.output ? parseOutputFormat(opts.output, ['json', 'yaml', 'name']) : undefined;
  const ctx = cliContext(opts);
  const { manifests, errors: loadErrors } = await loadManifests(opts.filename, { recursive: opts.recursive ?? false, stdin: cliIO.in });
  const failures: string[] = loadErrors.map((e) => `error: ${e.message}`);
  const dryRun = opts.dryRun ?? 'none';
  const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
  const printed: KubeObject[] = [];
  if (manifests.length === 0 && loadErrors.length === 0) throw new CliError('no objects passed to apply');

  for (const m of manifests) {
    try {
      const info = infoForObject(m.object, m.source);
      const namespace = namespaceFor(info, m.object, ctx);
      const result = await applyObject(ctx, info, namespace, m.object, {
        dryRun,
        source: m.source,
        ...(opts.fieldManager ? { fieldManager: opts.fieldManager } : {}),
      });
      if (format) {
        printed.push(result.object);
        if (format.kind === 'name') ctx.out.write(`${kindName(info, m.object.metadata.name ?? '')}\n`);
        else writeObject(ctx, format, result.object, printed.length);
      } else {
        ctx.out.write(`${kindName(info, m.object.metadata.name ?? '')} ${result.outcome}${suffix}\n`);
      }
    } catch (err) {
      failures.push(errorMessage(err));
    }
  }
  for (const f of failures) ctx.err.write(f.endsWith('\n') ? f : `${f}\n`);
  if (failures.length > 0) throw new ReportedError();
}

function writeObject(ctx: CliContext, format: OutputFormat, obj: KubeObject, n: number): void {
  if (format.kind === 'yaml') ctx.out.write(`${n > 1 ? '---\n' : ''}${toYaml(obj)}`);
  else if (format.kind === 'json') ctx.out.write(toJson(obj));
  else if (format.kind !== 'table') ctx.out.write(formatObjects([obj], format, true));
}
