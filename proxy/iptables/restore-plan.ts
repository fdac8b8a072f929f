// What one iptables-restore --noflush must do to take a table from what
// iptables-save shows to what a proxy wants, touching only that proxy's
// chains (those named for its node) and its jumps from the built-in chains:
// declare (and so flush) its chains, write their rules, delete the chains it
// no longer needs and any of its jumps that are not as wanted, insert the
// missing jumps at the top.
import { ownedBy } from './chain-names.js';
import type { TableRules } from './rules.js';
import { builtinChains, type SavedTable } from './saved-tables.js';

export interface TablePlan {
  /** chains to declare: wanted ones and stale ones (declaring flushes) */
  declare: string[];
  rules: string[];
  /** "-D CHAIN ..." lines for jumps to remove */
  deleteJumps: string[];
  /** stale chains to delete after their flush */
  deleteChains: string[];
  /** "-I CHAIN 1 ..." lines for missing jumps */
  insertJumps: string[];
}

/** The jumps in built-in chains toward any of `targets`. */
function jumpsInto(saved: SavedTable, targets: ReadonlySet<string>): string[] {
  return saved.rules.filter((r) => builtinChains.has(r.chain) && r.target !== undefined && targets.has(r.target)).map((r) => r.line);
}

const toDelete = (line: string): string => `-D${line.slice(2)}`;
const toInsert = (line: string): string => {
  const [, chain, ...rest] = line.split(' ');
  return `-I ${chain} 1 ${rest.join(' ')}`;
};

const ownedChains = (saved: SavedTable, node: string): string[] => [...saved.chains].filter((c) => ownedBy(node, c)).sort();

export function planTable(saved: SavedTable, want: TableRules, node: string): TablePlan {
  const owned = ownedChains(saved, node);
  const wanted = new Set(want.chains);
  const stale = owned.filter((c) => !wanted.has(c));
  const present = jumpsInto(saved, new Set(owned));
  const wantedJumps = want.jumps.map((j) => j.rule);
  const deleteJumps: string[] = [];
  const kept = new Set<string>();
  for (const line of present) {
    // a jump not wanted (or a second copy of one) goes
    if (wantedJumps.includes(line) && !kept.has(line)) kept.add(line);
    else deleteJumps.push(toDelete(line));
  }
  const insertJumps = wantedJumps.filter((j) => !kept.has(j)).map(toInsert);
  return { declare: [...want.chains, ...stale], rules: want.rules, deleteJumps, deleteChains: stale, insertJumps };
}

/** The plan that removes every chain of the node's proxy and its jumps. */
export function planRemoval(saved: SavedTable, node: string): TablePlan {
  const owned = ownedChains(saved, node);
  const deleteJumps = jumpsInto(saved, new Set(owned)).map(toDelete);
  return { declare: owned, rules: [], deleteJumps, deleteChains: owned, insertJumps: [] };
}

/** Nothing to do: every wanted chain and jump is there and nothing stale is. */
export function planIsSettled(saved: SavedTable, plan: TablePlan, want: TableRules): boolean {
  return (
    plan.deleteJumps.length === 0 && plan.deleteChains.length === 0 && plan.insertJumps.length === 0 && want.chains.every((c) => saved.chains.has(c))
  );
}

export function isEmptyPlan(plan: TablePlan): boolean {
  return !plan.declare.length && !plan.rules.length && !plan.deleteJumps.length && !plan.insertJumps.length;
}

export function renderRestore(tables: readonly [string, TablePlan][]): string {
  const out: string[] = [];
  for (const [name, p] of tables) {
    if (isEmptyPlan(p)) continue;
    out.push(`*${name}`);
    for (const c of p.declare) out.push(`:${c} - [0:0]`);
    out.push(...p.deleteJumps, ...p.rules);
    for (const c of p.deleteChains) out.push(`-X ${c}`);
    out.push(...p.insertJumps, 'COMMIT');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
