// The objects a mutating verb (scale, label, annotate, patch, set image,
// edit) works on, chosen as kubectl chooses them: TYPE NAME..., TYPE/NAME...,
// -f files, or TYPE with -l or --all.
import type { KubeObject } from '../api/meta.js';
import type { ResourceInfo } from '../api/resource.js';
import { cliIO, CliError, parseTypeNameArgs, type CliContext } from './context.js';
import { loadManifests } from './manifests.js';
import { infoForObject, namespaceFor } from './objects.js';

export interface TargetRef {
  info: ResourceInfo;
  namespace: string | undefined;
  name: string;
  /** the live object when the selection had to list to find it */
  object?: KubeObject;
}

export interface TargetSelection {
  filename?: string[];
  recursive?: boolean;
  selector?: string;
  all?: boolean;
  allNamespaces?: boolean;
}

/**
 * The objects named by the arguments and flags. Errors read like kubectl's
 * when the selection is missing or ambiguous; a selection that matches
 * nothing returns an empty list (the caller reports "No resources found").
 */
export async function resolveTargets(ctx: CliContext, args: string[], sel: TargetSelection): Promise<TargetRef[]> {
  if (sel.filename?.length) {
    if (args.length > 0) throw new CliError('cannot specify both resources on the command line and -f');
    const { manifests, errors } = await loadManifests(sel.filename, { recursive: sel.recursive ?? false, stdin: cliIO.in });
    if (errors.length > 0) throw new CliError(errors[0]!.message);
    return manifests.map((m) => {
      const info = infoForObject(m.object, m.source);
      return { info, namespace: namespaceFor(info, m.object, ctx), name: m.object.metadata.name ?? '' };
    });
  }
  if (args.length === 0) {
    throw new CliError(
      "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'",
    );
  }
  const parsed = parseTypeNameArgs(args);
  const out: TargetRef[] = [];
  for (const t of parsed) {
    if (t.name !== undefined) {
      if (sel.selector || sel.all) throw new CliError('name cannot be provided when a selector is specified');
      out.push({ info: t.info, namespace: t.info.namespaced ? ctx.namespace : undefined, name: t.name });
      continue;
    }
    if (!sel.selector && !sel.all) throw new CliError('resource(s) were provided, but no name was specified');
    const ns = t.info.namespaced && !sel.allNamespaces ? ctx.namespace : undefined;
    const list = await ctx.client.resource(t.info).listAll(ns, sel.selector ? { labelSelector: sel.selector } : {});
    for (const o of list.items) {
      out.push({ info: t.info, namespace: t.info.namespaced ? o.metadata.namespace : undefined, name: o.metadata.name ?? '', object: o });
    }
  }
  return out;
}

/** kubectl's message when a selection matched nothing. */
export function noResourcesFound(ctx: CliContext, refsInfo: ResourceInfo[], allNamespaces?: boolean): string {
  const anyNamespaced = refsInfo.some((i) => i.namespaced);
  return allNamespaces || !anyNamespaced ? 'No resources found\n' : `No resources found in ${ctx.namespace} namespace.\n`;
}
