// skiff config: kubectl's kubeconfig verbs. Reads follow kubectl's file
// precedence and merge (--kubeconfig, else every KUBECONFIG file, else the
// default file); writes go to the file that already defines the entry, or to
// the file kubectl would pick for a new one.
import { existsSync, readFileSync } from 'node:fs';
import {
  deleteContext,
  emptyKubeconfig,
  KubeconfigError,
  kubeconfigWriteTarget,
  loadKubeconfigFiles,
  minifyKubeconfig,
  parseKubeconfig,
  redactKubeconfig,
  setCluster,
  setContext,
  setUser,
  useContext,
  writeKubeconfig,
  type Kubeconfig,
  type KubeconfigCluster,
  type KubeconfigUser,
  type LoadedKubeconfig,
} from '../client/kubeconfig.js';
import { cliIO, CliError, type GlobalFlags } from './context.js';
import { toJson, toYaml } from './printers/output.js';
import { alignRows } from './printers/tabwriter.js';

function load(flags: GlobalFlags): LoadedKubeconfig {
  try {
    if (flags.kubeconfig && !existsSync(flags.kubeconfig)) return { merged: emptyKubeconfig(), files: [] };
    return loadKubeconfigFiles(flags.kubeconfig ? { path: flags.kubeconfig } : {});
  } catch (err) {
    if (err instanceof KubeconfigError) throw new CliError(err.message);
    throw err;
  }
}

/** The file's own content, relative paths untouched (readKubeconfigFile would make them absolute). */
function readRaw(path: string): Kubeconfig {
  if (!existsSync(path)) return emptyKubeconfig();
  try {
    return parseKubeconfig(readFileSync(path, 'utf8'), path);
  } catch (err) {
    if (err instanceof KubeconfigError) throw new CliError(err.message);
    throw err;
  }
}

type Section = 'clusters' | 'users' | 'contexts';

/** The file an entry lives in, else where a new one goes. */
function fileFor(flags: GlobalFlags, loaded: LoadedKubeconfig, section: Section, name: string): string {
  const owner = loaded.files.find((f) => f.config[section].some((e) => e.name === name));
  return owner?.path ?? kubeconfigWriteTarget(flags.kubeconfig ? { path: flags.kubeconfig } : {});
}

function currentContextFile(flags: GlobalFlags, loaded: LoadedKubeconfig): string {
  const owner = loaded.files.find((f) => f.config['current-context']);
  return owner?.path ?? kubeconfigWriteTarget(flags.kubeconfig ? { path: flags.kubeconfig } : {});
}

function modify(path: string, change: (kc: Kubeconfig) => void): void {
  const kc = readRaw(path);
  change(kc);
  writeKubeconfig(path, kc);
}

const out = (s: string): void => void cliIO.out.write(s);

export interface ViewOptions extends GlobalFlags {
  minify?: boolean;
  raw?: boolean;
  flatten?: boolean;
  output?: string;
}

export function configView(opts: ViewOptions): void {
  const { merged } = load(opts);
  let kc: Kubeconfig = merged;
  if (opts.minify) {
    try {
      kc = minifyKubeconfig(kc, opts.context);
    } catch (err) {
      if (err instanceof KubeconfigError) throw new CliError(err.message);
      throw err;
    }
  }
  if (opts.flatten) kc = flatten(kc);
  if (!opts.raw) kc = redactKubeconfig(kc);
  const format = opts.output ?? 'yaml';
  if (format === 'json') out(toJson(kc));
  else if (format === 'yaml') out(toYaml(kc));
  else throw new CliError(`unable to match a printer suitable for the output format "${format}", allowed formats are: json,yaml`);
}

/** --flatten: referenced files embedded as data, so the output stands alone. */
function flatten(kc: Kubeconfig): Kubeconfig {
  const copy = structuredClone(kc);
  const embed = (o: Record<string, unknown>, file: string, data: string): void => {
    const path = o[file];
    if (typeof path === 'string' && path) {
      o[data] = readFileSync(path).toString('base64');
      delete o[file];
    }
  };
  for (const c of copy.clusters) embed(c.cluster, 'certificate-authority', 'certificate-authority-data');
  for (const u of copy.users) {
    embed(u.user, 'client-certificate', 'client-certificate-data');
    embed(u.user, 'client-key', 'client-key-data');
  }
  return copy;
}

export function configGetContexts(names: string[], opts: GlobalFlags & { output?: string; noHeaders?: boolean }): void {
  const { merged } = load(opts);
  const contexts = names.length > 0 ? merged.contexts.filter((c) => names.includes(c.name)) : merged.contexts;
  const missing = names.filter((n) => !merged.contexts.some((c) => c.name === n));
  if (opts.output === 'name') {
    out(contexts.map((c) => `${c.name}\n`).join(''));
  } else if (opts.output !== undefined && opts.output !== '') {
    throw new CliError(`output must be one of '' or 'name': ${opts.output}`);
  } else {
    const rows: string[][] = opts.noHeaders ? [] : [['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE']];
    const sorted = [...contexts].sort((a, b) => a.name.localeCompare(b.name));
    for (const c of sorted) {
      rows.push([c.name === merged['current-context'] ? '*' : '', c.name, c.context.cluster ?? '', c.context.user ?? '', c.context.namespace ?? '']);
    }
    out(alignRows(rows));
  }
  if (missing.length > 0) throw new CliError(`context ${missing[0]} not found`);
}

export function configGetClusters(opts: GlobalFlags): void {
  const { merged } = load(opts);
  out(['NAME', ...merged.clusters.map((c) => c.name)].map((l) => `${l}\n`).join(''));
}

export function configGetUsers(opts: GlobalFlags): void {
  const { merged } = load(opts);
  out(['NAME', ...merged.users.map((c) => c.name)].map((l) => `${l}\n`).join(''));
}

export function configCurrentContext(opts: GlobalFlags): void {
  const { merged } = load(opts);
  if (!merged['current-context']) throw new CliError('current-context is not set');
  out(`${merged['current-context']}\n`);
}

export function configUseContext(name: string, opts: GlobalFlags): void {
  const loaded = load(opts);
  try {
    useContext(structuredClone(loaded.merged), name);
  } catch (err) {
    if (err instanceof KubeconfigError) throw new CliError(err.message);
    throw err;
  }
  modify(currentContextFile(opts, loaded), (kc) => {
    kc['current-context'] = name;
  });
  out(`Switched to context "${name}".\n`);
}

export interface SetContextOptions extends GlobalFlags {
  current?: boolean;
  cluster?: string;
  user?: string;
}

export function configSetContext(name: string | undefined, opts: SetContextOptions): void {
  const loaded = load(opts);
  let target = name;
  if (opts.current) {
    if (name) throw new CliError('you cannot specify both a context name and --current');
    target = loaded.merged['current-context'];
    if (!target) throw new CliError('no current context is set');
  }
  if (!target) throw new CliError('you must specify a non-empty context name or --current');
  const exists = loaded.merged.contexts.some((c) => c.name === target);
  const fields = {
    ...(opts.cluster !== undefined ? { cluster: opts.cluster } : {}),
    ...(opts.user !== undefined ? { user: opts.user } : {}),
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
  };
  modify(fileFor(opts, loaded, 'contexts', target), (kc) => {
    setContext(kc, target, fields);
  });
  out(`Context "${target}" ${exists ? 'modified' : 'created'}.\n`);
}

export interface SetClusterOptions extends GlobalFlags {
  certificateAuthority?: string;
  embedCerts?: boolean;
  tlsServerName?: string;
}

export function configSetCluster(name: string, opts: SetClusterOptions): void {
  const loaded = load(opts);
  const fields: KubeconfigCluster = {};
  if (opts.server !== undefined) fields.server = opts.server;
  if (opts.insecureSkipTlsVerify !== undefined) fields['insecure-skip-tls-verify'] = opts.insecureSkipTlsVerify;
  if (opts.tlsServerName !== undefined) fields['tls-server-name'] = opts.tlsServerName;
  if (opts.certificateAuthority !== undefined) {
    if (opts.embedCerts) {
      fields['certificate-authority-data'] = readForEmbed(opts.certificateAuthority);
    } else fields['certificate-authority'] = opts.certificateAuthority;
  }
  modify(fileFor(opts, loaded, 'clusters', name), (kc) => {
    setCluster(kc, name, fields);
    const entry = kc.clusters.find((c) => c.name === name)!;
    if (fields['certificate-authority-data']) delete entry.cluster['certificate-authority'];
    if (fields['certificate-authority']) delete entry.cluster['certificate-authority-data'];
  });
  out(`Cluster "${name}" set.\n`);
}

export interface SetCredentialsOptions extends GlobalFlags {
  clientCertificate?: string;
  clientKey?: string;
  embedCerts?: boolean;
}

export function configSetCredentials(name: string, opts: SetCredentialsOptions): void {
  const loaded = load(opts);
  const fields: KubeconfigUser = {};
  if (opts.token !== undefined) fields.token = opts.token;
  if (opts.clientCertificate !== undefined) {
    if (opts.embedCerts) fields['client-certificate-data'] = readForEmbed(opts.clientCertificate);
    else fields['client-certificate'] = opts.clientCertificate;
  }
  if (opts.clientKey !== undefined) {
    if (opts.embedCerts) fields['client-key-data'] = readForEmbed(opts.clientKey);
    else fields['client-key'] = opts.clientKey;
  }
  modify(fileFor(opts, loaded, 'users', name), (kc) => {
    setUser(kc, name, fields);
  });
  out(`User "${name}" set.\n`);
}

function readForEmbed(path: string): string {
  try {
    return readFileSync(path).toString('base64');
  } catch (err) {
    throw new CliError(`could not read ${path}: ${(err as Error).message}`);
  }
}

export function configDeleteContext(name: string, opts: GlobalFlags): void {
  const loaded = load(opts);
  const owner = loaded.files.find((f) => f.config.contexts.some((c) => c.name === name));
  if (!owner) throw new CliError(`cannot delete context ${name}, not in ${kubeconfigWriteTarget(opts.kubeconfig ? { path: opts.kubeconfig } : {})}`);
  if (loaded.merged['current-context'] === name) cliIO.err.write(`warning: this removed your active context, use "skiff config use-context" to select a different one\n`);
  modify(owner.path, (kc) => {
    deleteContext(kc, name);
  });
  out(`deleted context ${name} from ${owner.path}\n`);
}
