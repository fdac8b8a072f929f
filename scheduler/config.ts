// The scheduler's configuration file, shaped as Kubernetes'
// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1): profiles,
// each a schedulerName with plugins enabled or disabled per extension point
// (or for all of them with multiPoint), score weights and plugin args; plus
// percentageOfNodesToScore, pod backoff, leader election and the client's
// rate limits. Everything has a default, so no file is needed.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ExtensionPoint, ResolvedPlugins } from './framework.js';
import { defaultPlugins, inTreeRegistry } from './plugins/registry.js';
import { NODE_RESOURCES_FIT } from './plugins/noderesourcesfit.js';
import { NODE_RESOURCES_BALANCED_ALLOCATION } from './plugins/balancedallocation.js';
import { INTER_POD_AFFINITY } from './plugins/interpodaffinity.js';
import { DEFAULT_PREEMPTION } from './plugins/defaultpreemption.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

const PluginRef = z.object({ name: z.string().min(1), weight: z.number().int().min(0).max(100).optional() }).strict();
const PluginSet = z
  .object({
    enabled: z.array(PluginRef).optional(),
    disabled: z.array(z.object({ name: z.string().min(1) }).strict()).optional(),
  })
  .strict();

const extensionPoints: ExtensionPoint[] = ['preFilter', 'filter', 'postFilter', 'preScore', 'score', 'reserve', 'bind'];

const Plugins = z
  .object({
    multiPoint: PluginSet.optional(),
    queueSort: PluginSet.optional(),
    preFilter: PluginSet.optional(),
    filter: PluginSet.optional(),
    postFilter: PluginSet.optional(),
    preScore: PluginSet.optional(),
    score: PluginSet.optional(),
    reserve: PluginSet.optional(),
    bind: PluginSet.optional(),
  })
  .strict();

const ResourceSpec = z.object({ name: z.string().min(1), weight: z.number().int().min(1).max(100).default(1) }).strict();

/** Args the in-tree plugins accept; other plugins take none. */
const pluginArgs: Record<string, z.ZodType> = {
  [NODE_RESOURCES_FIT]: z
    .object({
      kind: z.string().optional(),
      apiVersion: z.string().optional(),
      scoringStrategy: z
        .object({
          type: z.enum(['LeastAllocated', 'MostAllocated']).default('LeastAllocated'),
          resources: z.array(ResourceSpec).optional(),
        })
        .strict()
        .optional(),
      ignoredResources: z.array(z.string()).optional(),
      ignoredResourceGroups: z.array(z.string()).optional(),
    })
    .strict(),
  [NODE_RESOURCES_BALANCED_ALLOCATION]: z
    .object({ kind: z.string().optional(), apiVersion: z.string().optional(), resources: z.array(ResourceSpec).optional() })
    .strict(),
  [INTER_POD_AFFINITY]: z
    .object({ kind: z.string().optional(), apiVersion: z.string().optional(), hardPodAffinityWeight: z.number().int().min(0).max(100).optional() })
    .strict(),
  [DEFAULT_PREEMPTION]: z
    .object({
      kind: z.string().optional(),
      apiVersion: z.string().optional(),
      minCandidateNodesPercentage: z.number().int().min(0).max(100).optional(),
      minCandidateNodesAbsolute: z.number().int().min(0).optional(),
    })
    .strict(),
};

const Percentage = z.number().int().min(0).max(100);

const Profile = z
  .object({
    schedulerName: z.string().min(1).default(DEFAULT_SCHEDULER_NAME),
    percentageOfNodesToScore: Percentage.optional(),
    plugins: Plugins.optional(),
    pluginConfig: z.array(z.object({ name: z.string().min(1), args: z.unknown().optional() }).strict()).optional(),
  })
  .strict();

const Duration = z.string().regex(/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/, 'a duration such as "15s" or "1m30s"');

const FileSchema = z
  .object({
    apiVersion: z.string().optional(),
    kind: z.string().optional(),
    percentageOfNodesToScore: Percentage.optional(),
    podInitialBackoffSeconds: z.number().positive().optional(),
    podMaxBackoffSeconds: z.number().positive().optional(),
    parallelism: z.number().int().positive().optional(),
    leaderElection: z
      .object({
        leaderElect: z.boolean().optional(),
        leaseDuration: Duration.optional(),
        renewDeadline: Duration.optional(),
        retryPeriod: Duration.optional(),
        resourceLock: z.string().optional(),
        resourceName: z.string().optional(),
        resourceNamespace: z.string().optional(),
      })
      .strict()
      .optional(),
    clientConnection: z
      .object({
        kubeconfig: z.string().optional(),
        qps: z.number().positive().optional(),
        burst: z.number().int().positive().optional(),
        contentType: z.string().optional(),
        acceptContentTypes: z.string().optional(),
      })
      .strict()
      .optional(),
    profiles: z.array(Profile).optional(),
  })
  .strict();

export interface ResolvedProfile {
  schedulerName: string;
  percentageOfNodesToScore?: number;
  plugins: ResolvedPlugins;
}

export interface SchedulerConfig {
  /** 0 = adaptive (50% - nodes/125, at least 5%) */
  percentageOfNodesToScore: number;
  podInitialBackoffMs: number;
  podMaxBackoffMs: number;
  leaderElection: {
    leaderElect: boolean;
    leaseDurationSeconds: number;
    renewDeadlineSeconds: number;
    retryPeriodSeconds: number;
    resourceName: string;
    resourceNamespace: string;
  };
  clientConnection: { kubeconfig?: string; qps: number; burst: number };
  profiles: ResolvedProfile[];
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const unitSeconds: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A Go duration ("1m30s") in seconds. */
export function parseDurationSeconds(s: string): number {
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * unitSeconds[m[2]!]!;
  return total;
}

function resolvePlugins(profile: z.infer<typeof Profile>, where: string): ResolvedPlugins {
  const plugins = profile.plugins ?? {};
  const known = (name: string, at: string): void => {
    if (!inTreeRegistry[name]) throw new ConfigError(`${where}.plugins.${at}: unknown plugin "${name}"`);
  };
  const weights: Record<string, number> = {};
  for (const d of defaultPlugins) if (d.weight !== undefined) weights[d.name] = d.weight;

  // multiPoint: the defaults, minus what it disables ("*" = all), plus what it enables.
  const mp = plugins.multiPoint ?? {};
  const mpDisabled = new Set((mp.disabled ?? []).map((d) => d.name));
  let base = mpDisabled.has('*') ? [] : defaultPlugins.map((d) => d.name).filter((n) => !mpDisabled.has(n));
  for (const e of mp.enabled ?? []) {
    known(e.name, 'multiPoint.enabled');
    if (!base.includes(e.name)) base = [...base, e.name];
    if (e.weight !== undefined) weights[e.name] = e.weight;
  }

  const points = {} as Record<ExtensionPoint, string[]>;
  for (const point of extensionPoints) {
    const set = plugins[point] ?? {};
    const disabled = new Set((set.disabled ?? []).map((d) => d.name));
    let list = disabled.has('*') ? [] : base.filter((n) => !disabled.has(n));
    // Only plugins that implement the point land there from multiPoint.
    list = list.filter((n) => implementsPoint(n, point));
    for (const e of set.enabled ?? []) {
      known(e.name, `${point}.enabled`);
      if (!implementsPoint(e.name, point)) throw new ConfigError(`${where}.plugins.${point}: plugin "${e.name}" does not extend ${point}`);
      if (!list.includes(e.name)) list.push(e.name);
      if (point === 'score' && e.weight !== undefined) weights[e.name] = e.weight;
    }
    points[point] = list;
  }
  if (points.bind.length === 0) throw new ConfigError(`${where}: at least one bind plugin is needed`);

  const args: Record<string, unknown> = {};
  for (const [i, pc] of (profile.pluginConfig ?? []).entries()) {
    known(pc.name, `pluginConfig[${i}]`);
    const schema = pluginArgs[pc.name];
    if (!schema) {
      if (pc.args !== undefined && pc.args !== null && Object.keys(pc.args as object).length > 0) {
        throw new ConfigError(`${where}.pluginConfig[${i}]: plugin "${pc.name}" takes no args`);
      }
      continue;
    }
    const parsed = schema.safeParse(pc.args ?? {});
    if (!parsed.success) throw new ConfigError(`${where}.pluginConfig[${i}].args: ${formatIssues(parsed.error)}`);
    args[pc.name] = parsed.data;
  }
  return { points, weights, args };
}

const pointProbe = new Map<string, Set<ExtensionPoint>>();

/** Which extension points a plugin implements, found from an instance built with no handle use. */
function implementsPoint(name: string, point: ExtensionPoint): boolean {
  let set = pointProbe.get(name);
  if (!set) {
    const factory = inTreeRegistry[name];
    if (!factory) return false;
    const probeHandle = new Proxy({}, { get: () => undefined }) as Parameters<typeof factory>[1];
    const p = factory(undefined, probeHandle) as unknown as Record<string, unknown>;
    set = new Set(extensionPoints.filter((pt) => typeof p[pt] === 'function'));
    pointProbe.set(name, set);
  }
  return set.has(point);
}

function formatIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`).join('; ');
}

/** Checks and defaults a configuration object (the parsed YAML); undefined gives the defaults. */
export function schedulerConfigFrom(raw: unknown): SchedulerConfig {
  const parsed = FileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(`invalid scheduler configuration: ${formatIssues(parsed.error)}`);
  const c = parsed.data;
  if (c.kind !== undefined && c.kind !== 'KubeSchedulerConfiguration') {
    throw new ConfigError(`invalid scheduler configuration: kind must be KubeSchedulerConfiguration, not "${c.kind}"`);
  }
  const profilesIn = c.profiles?.length ? c.profiles : [Profile.parse({})];
  const names = new Set<string>();
  const profiles = profilesIn.map((p, i) => {
    if (names.has(p.schedulerName)) throw new ConfigError(`profiles[${i}]: duplicate schedulerName "${p.schedulerName}"`);
    names.add(p.schedulerName);
    return {
      schedulerName: p.schedulerName,
      ...(p.percentageOfNodesToScore !== undefined ? { percentageOfNodesToScore: p.percentageOfNodesToScore } : {}),
      plugins: resolvePlugins(p, `profiles[${i}]`),
    };
  });
  const initial = c.podInitialBackoffSeconds ?? 1;
  const max = c.podMaxBackoffSeconds ?? 10;
  if (max < initial) throw new ConfigError('podMaxBackoffSeconds must be at least podInitialBackoffSeconds');
  const le = c.leaderElection ?? {};
  return {
    percentageOfNodesToScore: c.percentageOfNodesToScore ?? 0,
    podInitialBackoffMs: initial * 1000,
    podMaxBackoffMs: max * 1000,
    leaderElection: {
      leaderElect: le.leaderElect ?? true,
      leaseDurationSeconds: le.leaseDuration ? parseDurationSeconds(le.leaseDuration) : 15,
      renewDeadlineSeconds: le.renewDeadline ? parseDurationSeconds(le.renewDeadline) : 10,
      retryPeriodSeconds: le.retryPeriod ? parseDurationSeconds(le.retryPeriod) : 2,
      resourceName: le.resourceName ?? 'skiff-scheduler',
      resourceNamespace: le.resourceNamespace ?? 'kube-system',
    },
    clientConnection: {
      ...(c.clientConnection?.kubeconfig ? { kubeconfig: c.clientConnection.kubeconfig } : {}),
      // kube-scheduler ships 50 and 100, on which a 1,000-pod rollout waits 18 s for its bindings alone; the
      // apiserver's own in-flight limits (429 with Retry-After, which the client honours) protect it instead
      qps: c.clientConnection?.qps ?? 500,
      burst: c.clientConnection?.burst ?? 1000,
    },
    profiles,
  };
}

/** Reads a YAML (or JSON) configuration file; no path gives the defaults. */
export function loadSchedulerConfig(path?: string): SchedulerConfig {
  if (!path) return schedulerConfigFrom(undefined);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read scheduler configuration ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return schedulerConfigFrom(raw);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${path}: ${err.message}`);
    throw err;
  }
}
