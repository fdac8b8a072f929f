// skiff create: objects from files (-f), and the kinds kubectl builds from
// flags (namespace, deployment, configmap, secret generic, service).
import type { KubeObject } from '../../api/meta.js';
import { StatusError } from '../../api/status.js';
import { LAST_APPLIED_ANNOTATION, withLastApplied } from '../apply/patch.js';
import { cliContext, cliIO, CliError, errorMessage, ReportedError, type CliContext, type GlobalFlags } from '../context.js';
import { loadManifests } from '../manifests.js';
import { infoForObject, kindName, namespaceFor, withSource } from '../objects.js';
import { formatObjects, parseOutputFormat, toJson, toYaml, type OutputFormat } from '../printers/output.js';
import type { DryRun } from '../apply/run.js';
import {
  configMapObject,
  deploymentObject,
  namespaceObject,
  secretObject,
  serviceObject,
  type DataSources,
  type ServiceArgs,
} from './generators.js';

export interface CreateOptions extends GlobalFlags {
  filename?: string[];
  recursive?: boolean;
  dryRun?: DryRun;
  output?: string;
  saveConfig?: boolean;
}

function outputFormat(opts: CreateOptions): OutputFormat | undefined {
  return opts.output ? parseOutputFormat(opts.output) : undefined;
}

const dryRunSuffix = (d: DryRun | undefined): string => (d === 'client' ? ' (dry run)' : d === 'server' ? ' (server dry run)' : '');

function printResult(ctx: CliContext, format: OutputFormat | undefined, obj: KubeObject, count: number, dryRun: DryRun | undefined): void {
  if (!format) {
    const info = infoForObject(obj);
    ctx.out.write(`${kindName(info, obj.metadata.name ?? '')} created${dryRunSuffix(dryRun)}\n`);
    return;
  }
  if (format.kind === 'yaml') ctx.out.write(`${count > 1 ? '---\n' : ''}${toYaml(obj)}`);
  else if (format.kind === 'json') ctx.out.write(toJson(obj));
  else if (format.kind === 'table') ctx.out.write(`${kindName(infoForObject(obj), obj.metadata.name ?? '')}\n`);
  else ctx.out.write(formatObjects([obj], format, true));
}

async function createOne(ctx: CliContext, obj: KubeObject, opts: CreateOptions): Promise<KubeObject> {
  const info = infoForObject(obj);
  const namespace = namespaceFor(info, obj, ctx);
  const body = opts.saveConfig ? withLastApplied(obj) : obj;
  if (opts.dryRun === 'client') return body;
  return ctx.client.resource(info).create(namespace, body, opts.dryRun === 'server' ? { dryRun: true } : {});
}

export async function runCreateFromFiles(opts: CreateOptions): Promise<void> {
  if (!opts.filename?.length) throw new CliError('must specify one of -f and -k');
  const format = outputFormat(opts);
  const ctx = cliContext(opts);
  const { manifests, errors } = await loadManifests(opts.filename, { recursive: opts.recursive ?? false, stdin: cliIO.in });
  const failures = errors.map((e) => `error: ${e.message}`);
  let n = 0;
  for (const m of manifests) {
    try {
      const created = await createOne(ctx, m.object, opts).catch((err: unknown) => {
        throw withSource(err, 'creating', m.source);
      });
      printResult(ctx, format, created, ++n, opts.dryRun);
    } catch (err) {
      failures.push(errorMessage(err));
    }
  }
  for (const f of failures) ctx.err.write(f.endsWith('\n') ? f : `${f}\n`);
  if (failures.length > 0) throw new ReportedError();
}

/** Creates (or prints, for --dry-run=client) one built object; `failure` is kubectl's prefix for server errors. */
async function createBuilt(obj: KubeObject, opts: CreateOptions, failure?: string): Promise<void> {
  const format = outputFormat(opts);
  const ctx = cliContext(opts);
  if (obj.metadata.annotations?.[LAST_APPLIED_ANNOTATION] === undefined && opts.saveConfig) obj = withLastApplied(obj);
  let created: KubeObject;
  try {
    created = await createOne(ctx, obj, { ...opts, saveConfig: false });
  } catch (err) {
    if (failure && err instanceof StatusError) throw new CliError(`${failure}${err.message}`);
    throw err;
  }
  printResult(ctx, format, created, 1, opts.dryRun);
}

export async function runCreateNamespace(name: string, opts: CreateOptions): Promise<void> {
  await createBuilt(namespaceObject(name), opts);
}

export async function runCreateDeployment(
  name: string,
  opts: CreateOptions & { image?: string[]; replicas?: number; port?: number },
  command: string[],
): Promise<void> {
  const obj = deploymentObject({
    name,
    images: opts.image ?? [],
    ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    command,
  });
  await createBuilt(obj, opts, 'failed to create deployment: ');
}

export async function runCreateConfigMap(name: string, opts: CreateOptions & DataSources): Promise<void> {
  await createBuilt(configMapObject(name, opts), opts, 'failed to create configmap: ');
}

export async function runCreateSecretGeneric(name: string, opts: CreateOptions & DataSources & { type?: string }): Promise<void> {
  await createBuilt(secretObject(name, opts, opts.type), opts, 'failed to create secret ');
}

export async function runCreateService(
  name: string,
  type: ServiceArgs['type'],
  opts: CreateOptions & { tcp?: string[]; clusterIp?: string; nodePort?: number },
): Promise<void> {
  const obj = serviceObject({
    name,
    type,
    tcp: opts.tcp ?? [],
    ...(opts.clusterIp !== undefined ? { clusterIP: opts.clusterIp } : {}),
    ...(opts.nodePort !== undefined ? { nodePort: opts.nodePort } : {}),
  });
  await createBuilt(obj, opts, `failed to create ${type} service: `);
}
