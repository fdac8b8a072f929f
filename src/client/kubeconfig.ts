// kubectl's kubeconfig format: loading (with kubectl's file precedence and
// merge rules), resolving a context into what the REST client needs, and
// building, editing and writing files for `skiff up` and `skiff config`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';

/** What a RestClient needs to reach and authenticate to one apiserver. */
export interface ClientConfig {
  /** e.g. "https://127.0.0.1:6443" (a path prefix is kept) */
  server: string;
  token?: string;
  /** PEM bundle of the CA(s) that sign the server certificate */
  ca?: string;
  /** PEM client certificate and key, for certificate authentication */
  clientCert?: string;
  clientKey?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  /** the context's namespace, "default" when it names none */
  namespace: string;
  contextName: string;
  clusterName?: string;
  userName?: string;
}

const Cluster = z.looseObject({
  server: z.string().optional(),
  'certificate-authority': z.string().optional(),
  'certificate-authority-data': z.string().optional(),
  'insecure-skip-tls-verify': z.boolean().optional(),
  'tls-server-name': z.string().optional(),
});
const User = z.looseObject({
  token: z.string().optional(),
  tokenFile: z.string().optional(),
  'client-certificate': z.string().optional(),
  'client-certificate-data': z.string().optional(),
  'client-key': z.string().optional(),
  'client-key-data': z.string().optional(),
});
const Context = z.looseObject({
  cluster: z.string().optional(),
  user: z.string().optional(),
  namespace: z.string().optional(),
});
const orEmpty = <T extends z.ZodType>(t: T) => z.preprocess((v) => v ?? {}, t);
const NamedCluster = z.looseObject({ name: z.string(), cluster: orEmpty(Cluster) });
const NamedUser = z.looseObject({ name: z.string(), user: orEmpty(User) });
const NamedContext = z.looseObject({ name: z.string(), context: orEmpty(Context) });
const list = <T extends z.ZodType>(t: T) => z.preprocess((v) => v ?? [], z.array(t));
const KubeconfigSchema = z.looseObject({
  apiVersion: z.string().nullish().transform((v) => v ?? 'v1'),
  kind: z.string().nullish().transform((v) => v ?? 'Config'),
  preferences: z.record(z.string(), z.unknown()).nullish().transform((v) => v ?? {}),
  clusters: list(NamedCluster),
  users: list(NamedUser),
  contexts: list(NamedContext),
  'current-context': z.string().nullish().transform((v) => v ?? ''),
});

export type KubeconfigCluster = z.infer<typeof Cluster>;
export type KubeconfigUser = z.infer<typeof User>;
export type KubeconfigContext = z.infer<typeof Context>;
export type Kubeconfig = z.infer<typeof KubeconfigSchema>;

/** A kubeconfig problem, worded as kubectl words it (the CLI prefixes "error: "). */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

export function emptyKubeconfig(): Kubeconfig {
  return { apiVersion: 'v1', kind: 'Config', preferences: {}, clusters: [], users: [], contexts: [], 'current-context': '' };
}

/** Parses kubeconfig YAML; `source` names the file in error messages. */
export function parseKubeconfig(text: string, source = '<input>'): Kubeconfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new KubeconfigError(`error loading config file "${source}": ${(err as Error).message}`);
  }
  if (raw === null || raw === undefined) return emptyKubeconfig();
  const parsed = KubeconfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new KubeconfigError(
      `error loading config file "${source}": ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid kubeconfig'}`,
    );
  }
  return parsed.data;
}

/**
 * Reads one kubeconfig file. Relative file references inside it (CA,
 * certificates, token files) are resolved against the file's own folder, as
 * kubectl does, so merged configs keep pointing at the right files.
 */
export function readKubeconfigFile(path: string): Kubeconfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new KubeconfigError(`stat ${path}: no such file or directory`);
    }
    throw new KubeconfigError(`error loading config file "${path}": ${(err as Error).message}`);
  }
  const kc = parseKubeconfig(text, path);
  const base = dirname(resolve(path));
  const abs = (p: string | undefined): string | undefined => (p && !isAbsolute(p) ? join(base, p) : p);
  for (const c of kc.clusters) {
    if (c.cluster['certificate-authority']) c.cluster['certificate-authority'] = abs(c.cluster['certificate-authority']);
  }
  for (const u of kc.users) {
    if (u.user.tokenFile) u.user.tokenFile = abs(u.user.tokenFile);
    if (u.user['client-certificate']) u.user['client-certificate'] = abs(u.user['client-certificate']);
    if (u.user['client-key']) u.user['client-key'] = abs(u.user['client-key']);
  }
  return kc;
}

export interface KubeconfigLocation {
  /** --kubeconfig */
  path?: string;
  /** defaults to process.env */
  env?: NodeJS.ProcessEnv;
  /** defaults to os.homedir() */
  home?: string;
}

/**
 * The files that make up the configuration, in precedence order: the explicit
 * path alone; else every file named in KUBECONFIG; else ~/.skiff/kubeconfig,
 * or ~/.kube/config when only that one exists.
 */
export function kubeconfigPaths(loc: KubeconfigLocation = {}): { paths: string[]; source: 'explicit' | 'env' | 'default' } {
  if (loc.path) return { paths: [loc.path], source: 'explicit' };
  const env = loc.env ?? process.env;
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  if (fromEnv.length > 0) return { paths: fromEnv, source: 'env' };
  return { paths: [defaultKubeconfigPath(loc.home)], source: 'default' };
}

/** ~/.skiff/kubeconfig, unless it is absent and ~/.kube/config exists. */
export function defaultKubeconfigPath(home = homedir()): string {
  const skiff = join(home, '.skiff', 'kubeconfig');
  const kube = join(home, '.kube', 'config');
  return !existsSync(skiff) && existsSync(kube) ? kube : skiff;
}

/**
 * The file kubectl would write a changed setting to: the explicit path; the
 * only KUBECONFIG entry, else the first one that exists, else the last; the
 * default file otherwise.
 */
export function kubeconfigWriteTarget(loc: KubeconfigLocation = {}): string {
  const { paths, source } = kubeconfigPaths(loc);
  if (source !== 'env' || paths.length === 1) return paths[0]!;
  return paths.find((p) => existsSync(p)) ?? paths[paths.length - 1]!;
}

/**
 * Merges configs with kubectl's rule: for clusters, users and contexts the
 * first config that defines a name wins; current-context comes from the
 * first config that sets it.
 */
export function mergeKubeconfigs(configs: Kubeconfig[]): Kubeconfig {
  const out = emptyKubeconfig();
  const seen = { clusters: new Set<string>(), users: new Set<string>(), contexts: new Set<string>() };
  for (const kc of configs) {
    for (const c of kc.clusters) if (!seen.clusters.has(c.name)) (seen.clusters.add(c.name), out.clusters.push(c));
    for (const u of kc.users) if (!seen.users.has(u.name)) (seen.users.add(u.name), out.users.push(u));
    for (const c of kc.contexts) if (!seen.contexts.has(c.name)) (seen.contexts.add(c.name), out.contexts.push(c));
    if (!out['current-context'] && kc['current-context']) out['current-context'] = kc['current-context'];
    for (const [k, v] of Object.entries(kc.preferences)) if (!(k in out.preferences)) out.preferences[k] = v;
  }
  return out;
}

export interface LoadedKubeconfig {
  merged: Kubeconfig;
  /** the files actually read, each with its own content */
  files: { path: string; config: Kubeconfig }[];
}

/**
 * Loads and merges the configuration files. An explicit path must exist;
 * missing KUBECONFIG entries are skipped, as kubectl skips them.
 */
export function loadKubeconfigFiles(loc: KubeconfigLocation = {}): LoadedKubeconfig {
  const { paths, source } = kubeconfigPaths(loc);
  const files: LoadedKubeconfig['files'] = [];
  for (const p of paths) {
    if (source !== 'explicit' && !existsSync(p)) continue;
    files.push({ path: p, config: readKubeconfigFile(p) });
  }
  return { merged: mergeKubeconfigs(files.map((f) => f.config)), files };
}

export interface LoadOptions extends KubeconfigLocation {
  /** --context */
  context?: string;
  /** --namespace: overrides the context's */
  namespace?: string;
  /** --server: overrides the cluster's */
  server?: string;
  /** --token: overrides the user's */
  token?: string;
}

/** Loads the configuration with kubectl's precedence and resolves the chosen context. */
export function loadKubeconfig(opts: LoadOptions = {}): ClientConfig {
  const { merged, files } = loadKubeconfigFiles(opts);
  if (files.length === 0 && !opts.server) {
    throw new KubeconfigError(
      'invalid configuration: no configuration has been provided, try setting KUBECONFIG or creating ~/.skiff/kubeconfig',
    );
  }
  return resolveClientConfig(merged, opts);
}

/** Turns one context of a (merged) config into a ClientConfig, reading referenced files. */
export function resolveClientConfig(
  kc: Kubeconfig,
  opts: Pick<LoadOptions, 'context' | 'namespace' | 'server' | 'token'> = {},
): ClientConfig {
  const contextName = opts.context || kc['current-context'];
  let context: KubeconfigContext = {};
  if (contextName) {
    const found = kc.contexts.find((c) => c.name === contextName);
    if (!found) throw new KubeconfigError(`context "${contextName}" does not exist`);
    context = found.context;
  } else if (!opts.server) {
    throw new KubeconfigError('invalid configuration: current-context is not set');
  }
  const clusterName = context.cluster ?? '';
  const cluster: KubeconfigCluster = kc.clusters.find((c) => c.name === clusterName)?.cluster ?? {};
  const userName = context.user ?? '';
  const user: KubeconfigUser = kc.users.find((u) => u.name === userName)?.user ?? {};

  const server = opts.server || cluster.server;
  if (!server) {
    throw new KubeconfigError(
      clusterName ? `invalid configuration: no server found for cluster "${clusterName}"` : 'invalid configuration: cluster has no server defined',
    );
  }
  const out: ClientConfig = {
    server,
    namespace: opts.namespace || context.namespace || 'default',
    contextName: contextName ?? '',
  };
  if (clusterName) out.clusterName = clusterName;
  if (userName) out.userName = userName;
  if (cluster['insecure-skip-tls-verify']) out.insecureSkipTLSVerify = true;
  if (cluster['tls-server-name']) out.tlsServerName = cluster['tls-server-name'];
  const ca = dataOrFile(cluster['certificate-authority-data'], cluster['certificate-authority'], 'certificate-authority');
  if (ca) out.ca = ca;
  if (opts.token) out.token = opts.token;
  else if (user.token) out.token = user.token;
  else if (user.tokenFile) out.token = readReferenced(user.tokenFile, 'tokenFile').trim();
  const cert = dataOrFile(user['client-certificate-data'], user['client-certificate'], 'client-certificate');
  const key = dataOrFile(user['client-key-data'], user['client-key'], 'client-key');
  if (cert) out.clientCert = cert;
  if (key) out.clientKey = key;
  return out;
}

function dataOrFile(data: string | undefined, file: string | undefined, what: string): string | undefined {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (file) return readReferenced(file, what);
  return undefined;
}

function readReferenced(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KubeconfigError(
      code === 'ENOENT'
        ? `unable to read ${what} ${path}: open ${path}: no such file or directory`
        : `unable to read ${what} ${path}: ${(err as Error).message}`,
    );
  }
}

export interface BuildKubeconfigOptions {
  server: string;
  token?: string;
  /** PEM text, embedded as certificate-authority-data */
  ca?: string;
  /** path, written as certificate-authority (used when ca is not given) */
  caFile?: string;
  clientCert?: string;
  clientKey?: string;
  insecureSkipTLSVerify?: boolean;
  clusterName?: string;
  userName?: string;
  contextName?: string;
  namespace?: string;
}

/** A one-cluster, one-user, one-context config selected as current (names default to "skiff", "admin", "skiff"). */
export function buildKubeconfig(o: BuildKubeconfigOptions): Kubeconfig {
  const clusterName = o.clusterName ?? 'skiff';
  const userName = o.userName ?? 'admin';
  const contextName = o.contextName ?? 'skiff';
  const kc = emptyKubeconfig();
  setCluster(kc, clusterName, {
    server: o.server,
    ...(o.ca ? { 'certificate-authority-data': Buffer.from(o.ca).toString('base64') } : {}),
    ...(!o.ca && o.caFile ? { 'certificate-authority': o.caFile } : {}),
    ...(o.insecureSkipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
  });
  setUser(kc, userName, {
    ...(o.token ? { token: o.token } : {}),
    ...(o.clientCert ? { 'client-certificate-data': Buffer.from(o.clientCert).toString('base64') } : {}),
    ...(o.clientKey ? { 'client-key-data': Buffer.from(o.clientKey).toString('base64') } : {}),
  });
  setContext(kc, contextName, { cluster: clusterName, user: userName, ...(o.namespace ? { namespace: o.namespace } : {}) });
  kc['current-context'] = contextName;
  return kc;
}

/** YAML in the key order kubectl writes. */
export function serializeKubeconfig(kc: Kubeconfig): string {
  const { apiVersion, kind, preferences, clusters, users, contexts, 'current-context': current, ...rest } = kc;
  return stringifyYaml({
    apiVersion,
    kind,
    clusters,
    contexts,
    'current-context': current,
    preferences,
    users,
    ...rest,
  });
}

/**
 * Writes a config file (mode 0600, creating its folder). Accepts a full
 * Kubeconfig or the options for buildKubeconfig.
 */
export function writeKubeconfig(path: string, config: Kubeconfig | BuildKubeconfigOptions): void {
  const kc = 'clusters' in config ? config : buildKubeconfig(config);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, serializeKubeconfig(kc), { mode: 0o600 });
}

function upsert<E extends { name: string }>(entries: E[], name: string, make: () => E): E {
  let e = entries.find((x) => x.name === name);
  if (!e) {
    e = make();
    entries.push(e);
  }
  return e;
}

/** kubectl config set-cluster: creates the entry or sets the given fields on it (in place). */
export function setCluster(kc: Kubeconfig, name: string, fields: KubeconfigCluster): Kubeconfig {
  const e = upsert(kc.clusters, name, () => ({ name, cluster: {} }));
  Object.assign(e.cluster, fields);
  return kc;
}

/** kubectl config set-credentials (in place). */
export function setUser(kc: Kubeconfig, name: string, fields: KubeconfigUser): Kubeconfig {
  const e = upsert(kc.users, name, () => ({ name, user: {} }));
  Object.assign(e.user, fields);
  return kc;
}

/** kubectl config set-context (in place). */
export function setContext(kc: Kubeconfig, name: string, fields: KubeconfigContext): Kubeconfig {
  const e = upsert(kc.contexts, name, () => ({ name, context: {} }));
  Object.assign(e.context, fields);
  return kc;
}

/** kubectl config use-context (in place): the context must exist. */
export function useContext(kc: Kubeconfig, name: string): Kubeconfig {
  if (!kc.contexts.some((c) => c.name === name)) throw new KubeconfigError(`no context exists with the name: "${name}"`);
  kc['current-context'] = name;
  return kc;
}

/** kubectl config delete-context (in place). */
export function deleteContext(kc: Kubeconfig, name: string): Kubeconfig {
  const i = kc.contexts.findIndex((c) => c.name === name);
  if (i < 0) throw new KubeconfigError(`cannot delete context ${name}, not in config`);
  kc.contexts.splice(i, 1);
  return kc;
}

/** kubectl config view --minify: only the chosen context and what it references. */
export function minifyKubeconfig(kc: Kubeconfig, context?: string): Kubeconfig {
  const name = context || kc['current-context'];
  if (!name) throw new KubeconfigError('current-context must exist in order to minify');
  const ctx = kc.contexts.find((c) => c.name === name);
  if (!ctx) throw new KubeconfigError(`cannot locate context ${name}`);
  return {
    ...kc,
    clusters: kc.clusters.filter((c) => c.name === ctx.context.cluster),
    users: kc.users.filter((u) => u.name === ctx.context.user),
    contexts: [ctx],
    'current-context': name,
  };
}

/** kubectl config view without --raw: secret material replaced the way kubectl shows it. */
export function redactKubeconfig(kc: Kubeconfig): Kubeconfig {
  const out = structuredClone(kc);
  for (const c of out.clusters) {
    if (c.cluster['certificate-authority-data']) c.cluster['certificate-authority-data'] = 'DATA+OMITTED';
  }
  for (const u of out.users) {
    if (u.user['client-certificate-data']) u.user['client-certificate-data'] = 'DATA+OMITTED';
    if (u.user['client-key-data']) u.user['client-key-data'] = 'DATA+OMITTED';
    if (u.user.token) u.user.token = 'REDACTED';
    if (typeof u.user.password === 'string') u.user.password = 'REDACTED';
  }
  return out;
}
