// The iptables proxier: turns the services and endpoints into this proxy's
// rules (rules.ts), and writes them with one iptables-restore --noflush of its
// own chains only when the rule text changed, or when a periodic check of
// iptables-save finds a chain or jump of its own missing. Stale chains go in
// the same restore; Docker's and everyone else's rules are never touched.
import type { Logger } from 'pino';
import type { ProxyMetrics } from '../metrics.js';
import type { ServiceState } from '../sources.js';
import { readyEndpoints } from '../endpoints.js';
import { servicePortKey } from '../service-ports.js';
import type { IptablesRunner } from './iptables-exec.js';
import type { RouteLocalnet } from './localnet.js';
import { planIsSettled, planRemoval, planTable, renderRestore, type TablePlan } from './restore-plan.js';
import { buildRules, type ProxyRules } from './rules.js';
import { emptyTable, parseSave, type SavedTable } from './saved-tables.js';

export interface IptablesProxierOptions {
  node: string;
  nodeIP: string;
  clusterIPs: boolean;
  runner: IptablesRunner;
  metrics: ProxyMetrics;
  log: Logger;
  localnet?: RouteLocalnet;
  /** how often iptables-save is checked for missing chains even without changes; default 30 s */
  verifyPeriodMs?: number;
  now?: () => number;
}

const tables = ['filter', 'nat'] as const;

export class IptablesProxier {
  private lastText: string | undefined;
  private lastVerified = -Infinity;
  private readonly now: () => number;

  constructor(private readonly opts: IptablesProxierOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The restore input last written (or found already in place). */
  get appliedRules(): string | undefined {
    return this.lastText;
  }

  async sync(state: ServiceState): Promise<void> {
    const started = process.hrtime.bigint();
    const { node, nodeIP, clusterIPs } = this.opts;
    const rules = buildRules({ node, nodeIP, clusterIPs, ports: state.ports, endpoints: state.endpoints });
    const text = rulesText(rules);
    const due = this.now() - this.lastVerified >= (this.opts.verifyPeriodMs ?? 30_000);
    if (text === this.lastText && !due) return;

    if (rules.localnet && this.opts.localnet) {
      const ips = state.ports
        .filter((sp) => sp.nodePort !== undefined)
        .flatMap((sp) => readyEndpoints(state.endpoints.get(servicePortKey(sp)) ?? []).map((e) => e.ip));
      const changed = await this.opts.localnet.ensure(ips);
      if (changed.length) this.opts.log.info({ interfaces: changed }, 'route_localnet switched on for node ports on a loopback node IP');
    }

    const saved = await this.saved();
    const plans: [(typeof tables)[number], TablePlan][] = tables.map((t) => [t, planTable(saved.get(t)!, rules[t], node)]);
    const settled = plans.every(([t, p]) => planIsSettled(saved.get(t)!, p, rules[t]));
    if (text === this.lastText && settled) {
      this.lastVerified = this.now();
      return;
    }
    const input = renderRestore(plans);
    try {
      await this.opts.runner.restore(input);
    } catch (err) {
      this.opts.metrics.syncErrors.inc({ mode: 'iptables' });
      this.lastText = undefined;
      throw err;
    }
    this.opts.metrics.iptablesRestores.inc();
    this.lastText = text;
    this.lastVerified = this.now();
    this.opts.metrics.iptablesRules.set({ table: 'nat' }, rules.nat.rules.length);
    this.opts.metrics.iptablesRules.set({ table: 'filter' }, rules.filter.rules.length);
    this.opts.metrics.servicePorts.set(state.ports.length);
    this.opts.metrics.syncDuration.observe({ mode: 'iptables' }, Number(process.hrtime.bigint() - started) / 1e9);
    this.opts.log.debug({ natRules: rules.nat.rules.length, filterRules: rules.filter.rules.length }, 'iptables rules written');
  }

  private async saved(): Promise<Map<string, SavedTable>> {
    const out = new Map<string, SavedTable>();
    for (const t of tables) out.set(t, parseSave(await this.opts.runner.save(t)).get(t) ?? emptyTable());
    return out;
  }
}

/** The rule text compared between syncs: what the proxy wants, independent of what is on the host. */
export function rulesText(rules: ProxyRules): string {
  return tables
    .map((t) => [`*${t}`, ...rules[t].chains.map((c) => `:${c}`), ...rules[t].rules, ...rules[t].jumps.map((j) => j.rule)].join('\n'))
    .join('\n');
}

export interface IptablesCleanupOptions {
  node: string;
  runner: IptablesRunner;
}

export interface CleanupResult {
  /** chains removed, per table */
  removed: Record<string, string[]>;
  /** whether any proxy still has node-port chains on this host */
  nodePortChainsLeft: boolean;
}

/** Removes every chain of this node's proxy and its jumps from the built-in chains, in one restore. */
export async function cleanupIptables(opts: IptablesCleanupOptions): Promise<CleanupResult> {
  const removed: Record<string, string[]> = {};
  const plans: [string, TablePlan][] = [];
  for (const t of tables) {
    const saved = parseSave(await opts.runner.save(t)).get(t) ?? emptyTable();
    const plan = planRemoval(saved, opts.node);
    removed[t] = plan.deleteChains;
    plans.push([t, plan]);
  }
  const input = renderRestore(plans);
  if (input) await opts.runner.restore(input);
  const nat = parseSave(await opts.runner.save('nat')).get('nat') ?? emptyTable();
  return { removed, nodePortChainsLeft: [...nat.chains].some((c) => c.startsWith('SKIFF-NODEPORTS-')) };
}
