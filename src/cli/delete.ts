// skiff delete: by file, by TYPE NAME, by selector or --all, with kubectl's
// grace period, cascade and --wait (on by default: return once the objects
// are gone, not merely marked for deletion).
import type { KubeObject } from '../api/meta.js';
import type { ResourceInfo } from '../api/resource.js';
import { isStatus } from '../api/status.js';
import { isNotFound } from '../client/errors.js';
import type { DeleteOptions as ApiDeleteOptions } from '../client/rest.js';
import { sleep } from '../client/clock.js';
import { cliContext, cliIO, CliError, errorMessage, parseTypeNameArgs, ReportedError, type CliContext, type GlobalFlags } from './context.js';
import { loadManifests } from './manifests.js';
import { infoForObject, kindName, kindQuoted, namespaceFor, withSource } from './objects.js';
import type { DryRun } from './apply/run.js';

export interface DeleteOptions extends GlobalFlags {
  filename?: string[];
  recursive?: boolean;
  selector?: string;
  fieldSelector?: string;
  all?: boolean;
  allNamespaces?: boolean;
  /** -1: the object's own default */
  gracePeriod?: number;
  now?: boolean;
  force?: boolean;
  cascade?: string;
  wait?: boolean;
  /** seconds; 0 waits as long as it takes */
  timeout?: number;
  ignoreNotFound?: boolean;
  dryRun?: DryRun;
  output?: string;
}

interface Victim {
  info: ResourceInfo;
  namespace: string | undefined;
  name: string;
  source?: string;
}

const FORCE_WARNING =
  'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n';

export async function runDelete(args: string[], opts: DeleteOptions): Promise<void> {
  const fromFiles = (opts.filename?.length ?? 0) > 0;
  if (!fromFiles && args.length === 0) {
    throw new CliError(
      "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'",
    );
  }
  if (fromFiles && args.length > 0) throw new CliError('cannot specify both resources on the command line and -f');
  if (opts.all && opts.selector) throw new CliError('cannot set --all and --selector at the same time');
  if (opts.output && opts.output !== 'name') throw new CliError(`unexpected -o output mode: ${opts.output}. We only support '-o name'`);
  const deleteOpts = deletionOptions(opts);
  const ctx = cliContext(opts);
  const failures: string[] = [];
  const victims: Victim[] = [];

  if (fromFiles) {
    const { manifests, errors } = await loadManifests(opts.filename ?? [], { recursive: opts.recursive ?? false, stdin: cliIO.in });
    failures.push(...errors.map((e) => `error: ${e.message}`));
    for (const m of manifests) {
      try {
        const info = infoForObject(m.object, m.source);
        victims.push({ info, namespace: namespaceFor(info, m.object, ctx), name: m.object.metadata.name ?? '', source: m.source });
      } catch (err) {
        failures.push(errorMessage(err));
      }
    }
  } else {
    const targets = parseTypeNameArgs(args);
    const named = targets.filter((t) => t.name !== undefined);
    const typesOnly = targets.filter((t) => t.name === undefined);
    if (named.length > 0 && (opts.all || opts.selector)) throw new CliError('name cannot be provided when a selector is specified');
    if (typesOnly.length > 0 && !opts.all && !opts.selector && !opts.fieldSelector) {
      throw new CliError('resource(s) were provided, but no name was specified');
    }
    for (const t of named) victims.push({ info: t.info, namespace: t.info.namespaced ? ctx.namespace : undefined, name: t.name! });
    let matched = 0;
    for (const t of typesOnly) {
      const ns = t.info.namespaced && !opts.allNamespaces ? ctx.namespace : undefined;
      const list = await ctx.client.resource(t.info).listAll(ns, {
        ...(opts.selector ? { labelSelector: opts.selector } : {}),
        ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
      });
      for (const o of list.items) {
        victims.push({ info: t.info, namespace: t.info.namespaced ? o.metadata.namespace : undefined, name: o.metadata.name ?? '' });
        matched++;
      }
    }
    // kubectl's delete says this on stdout and without the namespace, unlike get.
    if (typesOnly.length > 0 && matched === 0 && named.length === 0) ctx.out.write('No resources found\n');
  }

  if (deleteOpts.gracePeriodSeconds === 0 && opts.force) ctx.err.write(FORCE_WARNING);
  const suffix = opts.dryRun === 'client' ? ' (dry run)' : opts.dryRun === 'server' ? ' (server dry run)' : '';
  const deleted: { victim: Victim; uid?: string }[] = [];
  for (const v of victims) {
    try {
      let uid: string | undefined;
      if (opts.dryRun === 'client') {
        await ctx.client.resource(v.info).get(v.namespace, v.name);
      } else {
        const res = await ctx.client.resource(v.info).delete(v.namespace, v.name, deleteOpts);
        if (!isStatus(res)) uid = (res as KubeObject).metadata.uid;
        deleted.push({ victim: v, ...(uid ? { uid } : {}) });
      }
      if (opts.output === 'name') ctx.out.write(`${kindName(v.info, v.name)}\n`);
      else ctx.out.write(`${kindQuoted(v.info, v.name)} ${opts.force && deleteOpts.gracePeriodSeconds === 0 ? 'force deleted' : 'deleted'}${suffix}\n`);
    } catch (err) {
      if (isNotFound(err) && opts.ignoreNotFound) continue;
      failures.push(errorMessage(v.source ? withSource(err, 'deleting', v.source) : err));
    }
  }

  if (opts.wait !== false && !opts.dryRun && deleted.length > 0) {
    const timeoutMs = opts.timeout && opts.timeout > 0 ? opts.timeout * 1000 : undefined;
    try {
      await waitForDeletion(ctx, deleted, timeoutMs);
    } catch (err) {
      failures.push(errorMessage(err));
    }
  }
  for (const f of failures) ctx.err.write(f.endsWith('\n') ? f : `${f}\n`);
  if (failures.length > 0) throw new ReportedError();
}

function deletionOptions(opts: DeleteOptions): ApiDeleteOptions {
  let grace = opts.gracePeriod ?? -1;
  if (opts.now) {
    if (grace !== -1) throw new CliError('--now and --grace-period cannot be specified together');
    grace = 1;
  }
  if (opts.force && grace < 0) grace = 0;
  // kubectl turns --grace-period=0 without --force into 1, so nothing is removed before its containers stop.
  if (grace === 0 && !opts.force) grace = 1;
  const policy = cascadePolicy(opts.cascade);
  return {
    ...(grace >= 0 ? { gracePeriodSeconds: grace } : {}),
    propagationPolicy: policy,
    ...(opts.dryRun === 'server' ? { dryRun: true } : {}),
  };
}

function cascadePolicy(cascade: string | undefined): NonNullable<ApiDeleteOptions['propagationPolicy']> {
  switch (cascade ?? 'background') {
    case 'background':
    case 'true':
      return 'Background';
    case 'foreground':
      return 'Foreground';
    case 'orphan':
    case 'false':
      return 'Orphan';
    default:
      throw new CliError(`invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan"`);
  }
}

/**
 * Returns once every deleted object is gone (404, or replaced by another
 * object of the same name with a new uid). Polls with a short, growing
 * interval: deletions usually finish within a moment, and a poll cannot miss
 * the end the way a watch opened too late can.
 */
async function waitForDeletion(ctx: CliContext, deleted: { victim: Victim; uid?: string }[], timeoutMs: number | undefined): Promise<void> {
  const deadline = timeoutMs !== undefined ? Date.now() + timeoutMs : undefined;
  let pending = deleted;
  let interval = 50;
  while (pending.length > 0) {
    const still: typeof pending = [];
    for (const d of pending) {
      try {
        const live = await ctx.client.resource(d.victim.info).get(d.victim.namespace, d.victim.name);
        if (!d.uid || live.metadata.uid === d.uid) still.push(d);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    pending = still;
    if (pending.length === 0) return;
    if (cliIO.signal?.aborted) return;
    if (deadline !== undefined && Date.now() >= deadline) {
      const d = pending[0]!;
      throw new CliError(`timed out waiting for the condition on ${d.victim.info.plural}/${d.victim.name}`);
    }
    await sleep(interval, cliIO.signal);
    interval = Math.min(interval * 2, 1000);
  }
}
