// skiff set image: changes container images in a pod or a workload's pod
// template, sent as a strategic merge patch so other fields are untouched.
import type { KubeObject } from '../api/meta.js';
import type { ResourceInfo } from '../api/resource.js';
import { createTwoWayStrategicMergePatch } from '../machinery/patch/strategic.js';
import { cliContext, CliError, errorMessage, ReportedError, type GlobalFlags } from './context.js';
import { kindName } from './objects.js';
import { formatObjects, parseOutputFormat } from './printers/output.js';
import { noResourcesFound, resolveTargets, type TargetSelection } from './targets.js';

export interface SetImageOptions extends GlobalFlags, TargetSelection {
  dryRun?: 'none' | 'client' | 'server';
  output?: string;
}

/** Where each kind keeps its pod spec. */
const POD_SPEC_PATH: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
};

/** NAME=IMAGE pairs from the arguments that hold "="; the others name resources. */
export function splitImageArgs(args: string[]): { resources: string[]; images: Record<string, string> } {
  const resources: string[] = [];
  const images: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq < 0) {
      resources.push(a);
      continue;
    }
    const name = a.slice(0, eq);
    const image = a.slice(eq + 1);
    if (!name || !image) throw new CliError(`invalid image update spec: ${a}`);
    images[name] = image;
  }
  if (Object.keys(images).length === 0) throw new CliError('at least one image update is required');
  return { resources, images };
}

interface Container {
  name?: string;
  image?: string;
}

/**
 * The object with the images set. A container name that matches no
 * container (in containers or initContainers) is an error, as in kubectl.
 */
export function setImages(info: ResourceInfo, obj: KubeObject, images: Record<string, string>): KubeObject {
  const path = POD_SPEC_PATH[info.kind];
  if (!path) throw new CliError(`${info.plural}/${obj.metadata.name ?? ''} has no pod template to set images in`);
  const next = structuredClone(obj);
  let spec: Record<string, unknown> = next;
  for (const key of path) {
    const v = spec[key];
    if (typeof v !== 'object' || v === null) throw new CliError(`${info.plural}/${obj.metadata.name ?? ''} has no pod template`);
    spec = v as Record<string, unknown>;
  }
  const lists = ['initContainers', 'containers'].map((k) => (Array.isArray(spec[k]) ? (spec[k] as Container[]) : []));
  for (const [name, image] of Object.entries(images)) {
    let found = false;
    for (const list of lists) {
      for (const c of list) {
        if (name === '*' || c.name === name) {
          c.image = image;
          found = true;
        }
      }
    }
    if (!found && name !== '*') throw new CliError(`unable to find container named "${name}"`);
  }
  return next;
}

export async function runSetImage(args: string[], opts: SetImageOptions): Promise<void> {
  const { resources, images } = splitImageArgs(args);
  const format = opts.output ? parseOutputFormat(opts.output) : undefined;
  const ctx = cliContext(opts);
  const targets = await resolveTargets(ctx, resources, opts);
  if (targets.length === 0) {
    ctx.err.write(noResourcesFound(ctx, [], opts.allNamespaces));
    return;
  }
  const failures: string[] = [];
  for (const t of targets) {
    try {
      const rc = ctx.client.resource(t.info);
      const live = t.object ?? (await rc.get(t.namespace, t.name));
      const next = setImages(t.info, live, images);
      const patch = createTwoWayStrategicMergePatch(live, next);
      let result = next;
      if (Object.keys(patch).length > 0 && opts.dryRun !== 'client') {
        result = await rc.patch(t.namespace, t.name, patch, 'strategic', opts.dryRun === 'server' ? { dryRun: true } : {});
      }
      if (format && format.kind !== 'table') ctx.out.write(formatObjects([result], format, true));
      else if (Object.keys(patch).length > 0) {
        const suffix = opts.dryRun === 'client' ? ' (dry run)' : opts.dryRun === 'server' ? ' (server dry run)' : '';
        ctx.out.write(`${kindName(t.info, t.name)} image updated${suffix}\n`);
      }
    } catch (err) {
      failures.push(errorMessage(err));
    }
  }
  for (const f of failures) ctx.err.write(f.endsWith('\n') ? f : `${f}\n`);
  if (failures.length > 0) throw new ReportedError();
}
