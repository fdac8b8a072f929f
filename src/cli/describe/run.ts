// `skiff describe`: which objects the arguments name (TYPE NAME..., TYPE/NAME,
// TYPE -l SELECTOR, TYPE alone for all of them, a name prefix when no object
// has that exact name), and their descriptions one after another.
import type { KubeObject } from '../../api/meta.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resource.js';
import { isNotFound } from '../../client/errors.js';
import { CliError, cliContext, errorMessage, parseTypeNameArgs, ReportedError, type CliContext, type GlobalFlags } from '../context.js';
import { describeObject } from './describers.js';

export interface DescribeFlags {
  selector?: string;
  allNamespaces?: boolean;
  showEvents: boolean;
}

/** List items carry no apiVersion and kind; the generic describer prints them. */
const withType = (info: ResourceInfo, obj: KubeObject): KubeObject => ({ apiVersion: apiVersionOf(info), kind: info.kind, ...obj });

const sameError = (a: unknown, b: unknown): boolean => errorMessage(a) === errorMessage(b);

export async function runDescribe(args: string[], flags: DescribeFlags, global: GlobalFlags): Promise<void> {
  if (args.length === 0) {
    throw new CliError(
      'You must specify the type of resource to describe. Use "skiff api-resources" for a complete list of supported resources.\n',
    );
  }
  const ctx = cliContext(global);
  const targets = parseTypeNameArgs(args);
  if (flags.selector && targets.some((t) => t.name !== undefined)) {
    throw new CliError('name cannot be provided when a selector is specified');
  }
  const namespace = flags.allNamespaces ? undefined : ctx.namespace;
  const settings = { showEvents: flags.showEvents, now: Date.now() };

  const found: { info: ResourceInfo; obj: KubeObject }[] = [];
  const errors: unknown[] = [];
  for (const t of targets) {
    const rc = ctx.client.resource(t.info);
    try {
      if (t.name !== undefined) {
        found.push({ info: t.info, obj: await rc.get(t.info.namespaced ? ctx.namespace : undefined, t.name) });
      } else {
        const list = await rc.listAll(t.info.namespaced ? namespace : undefined, flags.selector ? { labelSelector: flags.selector } : {});
        for (const obj of list.items) found.push({ info: t.info, obj: withType(t.info, obj) });
      }
    } catch (err) {
      // `describe TYPE PREFIX`: kubectl describes every object whose name starts with it.
      if (isNotFound(err) && args.length === 2 && !args[0]!.includes('/') && t.name !== undefined) {
        const matched = await describeByPrefix(ctx, t.info, t.name, settings);
        if (matched) return;
      }
      errors.push(err);
    }
  }

  let first = true;
  for (const { info, obj } of found) {
    try {
      const text = await describeObject(ctx.client, info, obj, settings);
      ctx.out.write(first ? text : `\n\n${text}`);
      first = false;
    } catch (err) {
      if (!errors.some((e) => sameError(e, err))) errors.push(err);
    }
  }

  if (found.length === 0 && errors.length === 0) {
    ctx.err.write(flags.allNamespaces ? 'No resources found\n' : `No resources found in ${ctx.namespace} namespace.\n`);
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    for (const e of errors) ctx.err.write(`${errorMessage(e)}\n`);
    throw new ReportedError();
  }
}

/** DescribeMatchingResources: true when some object's name starts with prefix (and was described). */
async function describeByPrefix(
  ctx: CliContext,
  info: ResourceInfo,
  prefix: string,
  settings: { showEvents: boolean; now: number },
): Promise<boolean> {
  const list = await ctx.client.resource(info).listAll(info.namespaced ? ctx.namespace : undefined);
  let matched = false;
  for (const item of list.items) {
    const obj = withType(info, item);
    if (!(obj.metadata.name ?? '').startsWith(prefix)) continue;
    matched = true;
    ctx.out.write(`${await describeObject(ctx.client, info, obj, settings)}\n`);
  }
  return matched;
}
