// `skiff rollout status|history|undo|pause|resume|restart`: kubectl's rollout
// verbs against the objects named on the command line.
import type { ControllerRevision } from '../../api/apps/v1.js';
import type { PodTemplateSpec } from '../../api/core/v1.js';
import type { KubeObject, LabelSelector } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resource.js';
import { parseGoDuration } from '../../api/batch/cron.js';
import { Informer, type RestClient } from '../../client/index.js';
import { labelSelectorToString } from '../../machinery/labels.js';
import { controllerRevisionsRef, templateFromRevision } from '../../../controllers/common/controller-revision.js';
import type { DeploymentObject } from '../../../controllers/deployment/replicasets.js';
import { CliError, cliContext, errorMessage, parseTypeNameArgs, ReportedError, typeName, type CliContext, type GlobalFlags } from '../context.js';
import { rfc3339Local } from '../describe/time.js';
import { controllerRevisions, deploymentRevisions, historyOutput, printTemplate, viewHistory, type Revision } from './history.js';
import { pauseMutation, restartMutation, resumeMutation, type Mutation } from './mutations.js';
import { deploymentReplicaSets } from './replicasets.js';
import { statusViewerFor } from './status.js';
import { planRevisionRollback, planRollback, revisionRollbackTarget, rollbackTarget } from './undo.js';

interface Target {
  info: ResourceInfo;
  name: string;
}

/** ResourceTypeOrNameArgs(true, ...): every argument must come to a named object. */
function namedTargets(args: string[]): Target[] {
  if (args.length === 0) throw new CliError('required resource not specified');
  return parseTypeNameArgs(args).map((t) => {
    if (t.name === undefined) throw new CliError('resource(s) were provided, but no name was specified');
    return { info: t.info, name: t.name };
  });
}

const namespaceFor = (ctx: CliContext, info: ResourceInfo): string | undefined => (info.namespaced ? ctx.namespace : undefined);

async function getObject(ctx: CliContext, t: Target): Promise<KubeObject> {
  return ctx.client.resource(t.info).get(namespaceFor(ctx, t.info), t.name);
}

// ---- status ----

export interface StatusFlags {
  watch: boolean;
  revision: number;
  timeout: string;
}

function timeoutMs(text: string): number {
  try {
    return parseGoDuration(text) * 1000;
  } catch (e) {
    throw new CliError(`invalid argument "${text}" for "--timeout" flag: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function runStatus(args: string[], flags: StatusFlags, global: GlobalFlags): Promise<void> {
  if (args.length === 0) throw new CliError('required resource not specified');
  if (flags.revision < 0) throw new CliError(`revision must be a positive integer: ${flags.revision}`);
  const timeout = timeoutMs(flags.timeout);
  const ctx = cliContext(global);
  const targets = namedTargets(args);
  if (targets.length !== 1) {
    throw new CliError(`rollout status is only supported on individual resources and resource collections - ${targets.length} resources were found`);
  }
  const target = targets[0]!;
  await getObject(ctx, target);
  const viewer = statusViewerFor(target.info);
  await watchUntil(ctx.client, target, namespaceFor(ctx, target.info), timeout, (obj) => {
    const { message, done } = viewer(obj, flags.revision);
    ctx.out.write(message);
    return done || !flags.watch;
  });
}

/**
 * watchtools.UntilWithSync: lists and watches the one object (by name), hands
 * every version of it to check until check says done, the object is deleted,
 * or the timeout (0 = none) passes.
 */
async function watchUntil(client: RestClient, t: Target, namespace: string | undefined, timeout: number, check: (obj: KubeObject) => boolean): Promise<void> {
  const informer = new Informer<KubeObject>(client, t.info, {
    ...(namespace !== undefined ? { namespace } : {}),
    fieldSelector: { 'metadata.name': t.name },
    onError: () => {},
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = false;
      const finish = (err?: unknown): void => {
        if (finished) return;
        finished = true;
        if (err === undefined) resolve();
        else reject(err);
      };
      const consider = (obj: KubeObject): void => {
        if (finished) return;
        try {
          if (check(obj)) finish();
        } catch (err) {
          finish(err);
        }
      };
      informer.addEventHandler({
        onAdd: consider,
        onUpdate: (_old, obj) => consider(obj),
        onDelete: () => finish(new CliError('object has been deleted')),
      });
      if (timeout > 0) timer = setTimeout(() => finish(new CliError('timed out waiting for the condition')), timeout);
      informer.start();
    });
  } finally {
    if (timer) clearTimeout(timer);
    informer.stop();
  }
}

// ---- history ----

const isDeployment = (info: ResourceInfo): boolean => info.group === 'apps' && info.kind === 'Deployment';
const keepsControllerRevisions = (info: ResourceInfo): boolean => info.group === 'apps' && (info.kind === 'DaemonSet' || info.kind === 'StatefulSet');
const groupKind = (info: ResourceInfo): string => (info.group ? `${info.kind}.${info.group}` : info.kind);

/** The ControllerRevisions a DaemonSet or StatefulSet controls. */
async function ownedControllerRevisions(client: RestClient, obj: KubeObject): Promise<ControllerRevision[]> {
  const spec = obj.spec as { selector?: LabelSelector } | undefined;
  const list = await client.resource<ControllerRevision & KubeObject>(controllerRevisionsRef).listAll(obj.metadata.namespace, {
    labelSelector: labelSelectorToString(spec?.selector),
  });
  return list.items.filter((cr) => cr.metadata.ownerReferences?.some((o) => o.controller === true && o.uid === obj.metadata.uid));
}

async function revisionsOf(client: RestClient, info: ResourceInfo, obj: KubeObject): Promise<Map<number, Revision>> {
  if (isDeployment(info)) {
    const { newRS, oldRSs } = await deploymentReplicaSets(client, obj as DeploymentObject);
    return deploymentRevisions(newRS ? [...oldRSs, newRS] : oldRSs);
  }
  if (keepsControllerRevisions(info)) return controllerRevisions(await ownedControllerRevisions(client, obj));
  throw new CliError(`no history viewer has been implemented for ${groupKind(info)}`);
}

export async function runHistory(args: string[], flags: { revision: number }, global: GlobalFlags): Promise<void> {
  if (args.length === 0) throw new CliError('required resource not specified');
  if (flags.revision < 0) throw new CliError(`revision must be a positive integer: ${flags.revision}`);
  const ctx = cliContext(global);
  for (const t of namedTargets(args)) {
    const obj = await getObject(ctx, t);
    const history = viewHistory(await revisionsOf(ctx.client, t.info, obj), flags.revision);
    ctx.out.write(historyOutput(typeName(t.info, t.name), flags.revision, history));
  }
}

// ---- undo ----

type UndoPlan = { skipped: string } | { patch: unknown; type: 'json' | 'strategic' };

/** What undo does to one object, or (dry run) the pod template it would go back to. */
async function undoPlan(ctx: CliContext, t: Target, toRevision: number, dryRun: boolean): Promise<UndoPlan | { template: PodTemplateSpec }> {
  const obj = await getObject(ctx, t);
  if (isDeployment(t.info)) {
    const d = obj as DeploymentObject;
    const { newRS, oldRSs } = await deploymentReplicaSets(ctx.client, d);
    const all = newRS ? [...oldRSs, newRS] : oldRSs;
    if (dryRun) return { template: rollbackTarget(d, all, toRevision).spec.template };
    const plan = planRollback(d, all, toRevision);
    return 'skipped' in plan ? plan : { patch: plan.patch, type: 'json' };
  }
  if (keepsControllerRevisions(t.info)) {
    const revisions = await ownedControllerRevisions(ctx.client, obj);
    if (dryRun) return { template: templateFromRevision(revisionRollbackTarget(revisions, toRevision)) ?? {} };
    const template = (obj.spec as { template?: PodTemplateSpec } | undefined)?.template ?? {};
    const plan = planRevisionRollback(template, revisions, toRevision);
    return 'skipped' in plan ? plan : { patch: plan.patch, type: 'strategic' };
  }
  throw new CliError(`no rollbacker has been implemented for "${groupKind(t.info)}"`);
}

export async function runUndo(args: string[], flags: { toRevision: number; dryRun: string }, global: GlobalFlags): Promise<void> {
  if (args.length === 0) throw new CliError('required resource not specified');
  const ctx = cliContext(global);
  const errors: unknown[] = [];
  for (const t of namedTargets(args)) {
    try {
      const plan = await undoPlan(ctx, t, flags.toRevision, flags.dryRun === 'client');
      if ('template' in plan) {
        ctx.out.write(`${typeName(t.info, t.name)} ${printTemplate(plan.template)} (dry run)\n`);
        continue;
      }
      if ('skipped' in plan) {
        ctx.out.write(`${typeName(t.info, t.name)} ${plan.skipped}\n`);
        continue;
      }
      try {
        await ctx.client.resource(t.info).patch(namespaceFor(ctx, t.info), t.name, plan.patch, plan.type, {
          fieldManager: 'kubectl-rollout',
          ...(flags.dryRun === 'server' ? { dryRun: true } : {}),
        });
      } catch (e) {
        throw new CliError(`failed restoring revision ${flags.toRevision}: ${errorMessage(e).replace(/^error: /, '')}`);
      }
      ctx.out.write(`${typeName(t.info, t.name)} rolled back${flags.dryRun === 'server' ? ' (server dry run)' : ''}\n`);
    } catch (err) {
      errors.push(err);
    }
  }
  reportErrors(ctx, errors);
}

function reportErrors(ctx: CliContext, errors: unknown[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    for (const e of errors) ctx.err.write(`${errorMessage(e)}\n`);
    throw new ReportedError();
  }
}

// ---- pause, resume, restart ----

type MutationFn = (info: ResourceInfo, obj: KubeObject) => Mutation;

/** kubectl's `deployments.apps "web"` as its patch errors name an object. */
const resourceString = (info: ResourceInfo): string => (info.group ? `${info.plural}.${info.group}` : info.plural);

async function runMutation(args: string[], global: GlobalFlags, mutate: MutationFn, done: string): Promise<void> {
  if (args.length === 0) throw new CliError('required resource not specified');
  const ctx = cliContext(global);
  const errors: unknown[] = [];
  for (const t of namedTargets(args)) {
    try {
      const obj = await getObject(ctx, t);
      const m = mutate(t.info, obj);
      if ('error' in m) throw new CliError(`${resourceString(t.info)} "${t.name}" ${m.error}`);
      try {
        await ctx.client.resource(t.info).patch(namespaceFor(ctx, t.info), t.name, m.patch, 'strategic', { fieldManager: 'kubectl-rollout' });
      } catch (e) {
        throw new CliError(`failed to patch: ${errorMessage(e).replace(/^error: /, '')}`);
      }
      ctx.out.write(`${typeName(t.info, t.name)} ${done}\n`);
    } catch (err) {
      errors.push(err);
    }
  }
  reportErrors(ctx, errors);
}

export const runPause = (args: string[], global: GlobalFlags): Promise<void> => runMutation(args, global, pauseMutation, 'paused');
export const runResume = (args: string[], global: GlobalFlags): Promise<void> => runMutation(args, global, resumeMutation, 'resumed');
export const runRestart = (args: string[], global: GlobalFlags): Promise<void> =>
  runMutation(args, global, (info, obj) => restartMutation(info, obj, rfc3339Local(Date.now())), 'restarted');
