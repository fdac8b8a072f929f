// skiff scale: sets replicas through the scale subresource, optionally only
// when the current count is what the caller expects (--current-replicas).
import type { ResourceInfo } from '../api/resource.js';
import { cliContext, CliError, errorMessage, ReportedError, type GlobalFlags } from './context.js';
import { kindName } from './objects.js';
import { noResourcesFound, resolveTargets, type TargetSelection } from './targets.js';

export interface ScaleOptions extends GlobalFlags, TargetSelection {
  replicas?: number;
  currentReplicas?: number;
  resourceVersion?: string;
  dryRun?: 'none' | 'client' | 'server';
  output?: string;
}

interface Scale {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: { replicas?: number };
  status?: { replicas?: number };
}

export async function runScale(args: string[], opts: ScaleOptions): Promise<void> {
  if (opts.replicas === undefined || opts.replicas < 0) {
    throw new CliError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  }
  const ctx = cliContext(opts);
  const targets = await resolveTargets(ctx, args, opts);
  if (targets.length === 0) {
    ctx.err.write(noResourcesFound(ctx, [], opts.allNamespaces));
    return;
  }
  if (targets.length > 1 && (opts.currentReplicas !== undefined || opts.resourceVersion)) {
    throw new CliError('cannot use --resource-version or --current-replicas with multiple resources');
  }
  const failures: string[] = [];
  for (const t of targets) {
    try {
      requireScale(t.info, t.name);
      const rc = ctx.client.resource(t.info);
      const dryRun = opts.dryRun === 'server' ? { dryRun: true } : {};
      if (opts.currentReplicas !== undefined || opts.resourceVersion || opts.dryRun === 'client') {
        const scale = await rc.getSubresource<Scale>(t.namespace, t.name, 'scale');
        const current = scale.spec?.replicas ?? 0;
        if (opts.currentReplicas !== undefined && opts.currentReplicas !== current) {
          throw new CliError(`Expected replicas to be ${opts.currentReplicas}, was ${current}`);
        }
        if (opts.resourceVersion && opts.resourceVersion !== scale.metadata.resourceVersion) {
          throw new CliError(`Expected resource version to be ${opts.resourceVersion}, was ${scale.metadata.resourceVersion ?? ''}`);
        }
        if (opts.dryRun !== 'client') {
          await rc.updateSubresource(t.namespace, t.name, 'scale', { ...scale, spec: { ...scale.spec, replicas: opts.replicas } }, dryRun);
        }
      } else {
        await ctx.client.request('PATCH', rc.path(t.namespace, t.name, 'scale'), {
          body: JSON.stringify({ spec: { replicas: opts.replicas } }),
          contentType: 'application/merge-patch+json',
          query: opts.dryRun === 'server' ? { dryRun: 'All' } : {},
        });
      }
      const suffix = opts.dryRun === 'client' ? ' (dry run)' : opts.dryRun === 'server' ? ' (server dry run)' : '';
      ctx.out.write(opts.output === 'name' ? `${kindName(t.info, t.name)}\n` : `${kindName(t.info, t.name)} scaled${suffix}\n`);
    } catch (err) {
      failures.push(errorMessage(err));
    }
  }
  for (const f of failures) ctx.err.write(f.endsWith('\n') ? f : `${f}\n`);
  if (failures.length > 0) throw new ReportedError();
}

function requireScale(info: ResourceInfo, name: string): void {
  if (!info.subresources.scale) {
    throw new CliError(`cannot scale ${info.plural}/${name}: the resource has no scale subresource`);
  }
}
