// `skiff autoscale`: an autoscaling/v2 HorizontalPodAutoscaler for a
// Deployment, ReplicaSet or StatefulSet, built as kubectl builds it.
import type { HorizontalPodAutoscaler } from '../api/autoscaling/v2.js';
import type { KubeObject } from '../api/meta.js';
import { apiVersionOf, type ResourceInfo } from '../api/resource.js';
import { findResource } from '../api/resources.js';
import { CliError, cliContext, parseTypeNameArgs, type GlobalFlags } from './context.js';
import { formatObjects, parseOutputFormat } from './printers/output.js';

export interface AutoscaleFlags {
  min: number;
  max: number;
  cpuPercent: number;
  name?: string;
  dryRun: string;
  output?: string;
}

/** Validate(): --max is required and bounds --min. */
export function validateAutoscale(flags: Pick<AutoscaleFlags, 'min' | 'max'>): void {
  if (flags.max < 1) throw new CliError(`--max=MAXPODS is required and must be at least 1, max: ${flags.max}`);
  if (flags.max < flags.min) {
    throw new CliError(`--max=MAXPODS must be larger or equal to --min=MINPODS, max: ${flags.max}, min: ${flags.min}`);
  }
}

/** ScaleForResource: only resources with a scale subresource can be autoscaled. */
export function checkScalable(info: ResourceInfo): void {
  if (info.subresources.scale) return;
  const gvr = `${info.group}/${info.version}, Resource=${info.plural}`;
  throw new CliError(`cannot autoscale a ${info.kind}: could not find scale subresource for ${gvr} in discovery information`);
}

/** createHorizontalPodAutoscaler: negative --min and --cpu-percent mean "leave it to the server's defaults". */
export function buildHorizontalPodAutoscaler(
  target: { info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>; name: string },
  flags: Pick<AutoscaleFlags, 'min' | 'max' | 'cpuPercent' | 'name'>,
): HorizontalPodAutoscaler & KubeObject {
  const hpa: HorizontalPodAutoscaler & KubeObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: flags.name || target.name },
    spec: {
      scaleTargetRef: { apiVersion: apiVersionOf(target.info), kind: target.info.kind, name: target.name },
      maxReplicas: flags.max,
    },
  };
  if (flags.min > 0) hpa.spec.minReplicas = flags.min;
  if (flags.cpuPercent >= 0) {
    hpa.spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: flags.cpuPercent } } }];
  }
  return hpa;
}

export async function runAutoscale(args: string[], flags: AutoscaleFlags, global: GlobalFlags): Promise<void> {
  validateAutoscale(flags);
  const format = flags.output ? parseOutputFormat(flags.output, ['json', 'yaml', 'name']) : undefined;
  const ctx = cliContext(global);
  const hpaInfo = findResource('autoscaling', 'v2', 'horizontalpodautoscalers');
  if (!hpaInfo) throw new CliError('the server could not find the requested resource (autoscaling/v2 horizontalpodautoscalers)');
  let count = 0;
  for (const t of parseTypeNameArgs(args)) {
    if (t.name === undefined) throw new CliError('resource(s) were provided, but no name was specified');
    const namespace = t.info.namespaced ? ctx.namespace : undefined;
    // kubectl reads the object first: a missing one is reported as not found.
    await ctx.client.resource(t.info).get(namespace, t.name);
    checkScalable(t.info);
    const hpa = buildHorizontalPodAutoscaler({ info: t.info, name: t.name }, flags);
    count++;
    if (flags.dryRun === 'client') {
      ctx.out.write(format ? formatObjects([hpa], format.kind === 'table' ? { kind: 'name' } : format, true) : `horizontalpodautoscaler.autoscaling/${hpa.metadata.name} created (dry run)\n`);
      continue;
    }
    const created = await ctx.client.resource<HorizontalPodAutoscaler & KubeObject>(hpaInfo).create(ctx.namespace, hpa, {
      fieldManager: 'kubectl-autoscale',
      ...(flags.dryRun === 'server' ? { dryRun: true } : {}),
    });
    if (format && format.kind !== 'table') {
      ctx.out.write(formatObjects([created], format, true));
    } else {
      ctx.out.write(`horizontalpodautoscaler.autoscaling/${created.metadata.name} autoscaled${flags.dryRun === 'server' ? ' (server dry run)' : ''}\n`);
    }
  }
  if (count === 0) throw new CliError('no objects passed to autoscale');
}
