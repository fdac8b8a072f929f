// What every kubectl-like verb shares: the client and namespace the global
// flags resolve to, and resource type names as kubectl reads them. The light
// pieces (flags, action(), errors) live in flags.ts and action.ts so that
// command modules can use them at start-up; they are re-exported here.
import type { ResourceInfo } from '../api/resource.js';
import { allResources, resolveResourceName } from '../api/resources.js';
import { KubeconfigError, loadKubeconfig } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest.js';
import { CliError, cliIO, lastServer, openClients } from './action.js';
import type { GlobalFlags } from './flags.js';

export * from './action.js';
export * from './flags.js';

export interface CliContext {
  client: RestClient;
  /** from -n, else the kubeconfig context's, else "default" */
  namespace: string;
  /** -n was given */
  explicitNamespace: boolean;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** The client and namespace kubectl would use for these flags. Throws CliError for kubeconfig problems. */
export function cliContext(flags: GlobalFlags): CliContext {
  let client: RestClient;
  try {
    const config = loadKubeconfig({
      ...(flags.kubeconfig ? { path: flags.kubeconfig } : {}),
      ...(flags.context ? { context: flags.context } : {}),
      ...(flags.namespace ? { namespace: flags.namespace } : {}),
      ...(flags.server ? { server: flags.server } : {}),
      ...(flags.token ? { token: flags.token } : {}),
    });
    if (flags.insecureSkipTlsVerify) config.insecureSkipTLSVerify = true;
    const { err } = cliIO;
    client = new RestClient(config, {
      qps: 50,
      burst: 300,
      onWarning: (message) => err.write(`Warning: ${message}\n`),
    });
  } catch (e) {
    if (e instanceof KubeconfigError) throw new CliError(e.message);
    if (e instanceof Error && /invalid server URL/.test(e.message)) throw new CliError(e.message);
    throw e;
  }
  openClients.add(client);
  lastServer.url = client.config.server;
  return {
    client,
    namespace: client.config.namespace,
    explicitNamespace: Boolean(flags.namespace),
    out: cliIO.out,
    err: cliIO.err,
  };
}

/** kubectl's reading of a resource type name; unknown names are refused in kubectl's words. */
export function resolveType(name: string): ResourceInfo {
  const info = resolveResourceName(name);
  if (!info) throw new CliError(`the server doesn't have a resource type "${name}"`);
  return info;
}

const categoryGroupOrder = ['', 'apps', 'autoscaling', 'batch'];

/** The resources of a category ("all") in the order kubectl lists them. */
export function categoryMembers(category: string): ResourceInfo[] {
  const rank = (r: ResourceInfo): number => {
    const i = categoryGroupOrder.indexOf(r.group);
    return i < 0 ? categoryGroupOrder.length : i;
  };
  return allResources
    .filter((r) => r.categories.includes(category))
    .sort((a, b) => rank(a) - rank(b) || a.group.localeCompare(b.group) || a.plural.localeCompare(b.plural));
}

/** One type name, or a category ("all") expanded to its members. */
function resolveTypeOrCategory(name: string): ResourceInfo[] {
  const lower = name.toLowerCase();
  if (!resolveResourceName(lower)) {
    const members = categoryMembers(lower);
    if (members.length > 0) return members;
  }
  return [resolveType(name)];
}

/**
 * kubectl's resource arguments: `TYPE [NAME...]`, `TYPE1,TYPE2 [NAME...]`
 * (every name for every type) or `TYPE/NAME...`. Categories ("all") expand to
 * their members.
 */
export function parseTypeNameArgs(args: string[]): { info: ResourceInfo; name?: string }[] {
  if (args.length === 0) {
    throw new CliError('You must provide one or more resources by argument or filename.');
  }
  const slashed = args.filter((a) => a.includes('/'));
  if (slashed.length > 0) {
    if (slashed.length !== args.length) {
      throw new CliError(
        `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'skiff get resource/<resource_name>' instead of 'skiff get resource resource/<resource_name>'`,
      );
    }
    return args.map((a) => {
      const slash = a.indexOf('/');
      const type = a.slice(0, slash);
      const name = a.slice(slash + 1);
      if (!type || !name) throw new CliError(`arguments in resource/name form must have a single resource and name`);
      return { info: resolveType(type), name };
    });
  }
  const [typeArg, ...names] = args as [string, ...string[]];
  const types = typeArg.split(',').filter((t) => t !== '');
  if (types.length === 0) throw new CliError(`resource(s) were provided, but no name was specified`);
  const infos = types.flatMap(resolveTypeOrCategory);
  if (names.length === 0) return infos.map((info) => ({ info }));
  return infos.flatMap((info) => names.map((name) => ({ info, name })));
}

/** kubectl's `deployment.apps/web` form. */
export function typeName(info: Pick<ResourceInfo, 'singular' | 'group'>, name: string): string {
  return `${info.group ? `${info.singular}.${info.group}` : info.singular}/${name}`;
}

/** kubectl's `deployments.apps "web"` form, as in server messages. */
export function qualifiedName(info: Pick<ResourceInfo, 'plural' | 'group'>, name: string): string {
  return `${info.group ? `${info.plural}.${info.group}` : info.plural} "${name}"`;
}
