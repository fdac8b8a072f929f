// Reading iptables-save output: the chains of a table and their rules.

export interface SavedRule {
  chain: string;
  /** the whole "-A CHAIN ..." line */
  line: string;
  /** -j or -g target, if any */
  target: string | undefined;
}

export interface SavedTable {
  chains: Set<string>;
  rules: SavedRule[];
}

export const builtinChains = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

export function parseSave(text: string): Map<string, SavedTable> {
  const tables = new Map<string, SavedTable>();
  let current: SavedTable | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith('*')) {
      current = { chains: new Set(), rules: [] };
      tables.set(line.slice(1), current);
    } else if (!current || line.startsWith('#') || line === 'COMMIT' || line === '') {
      continue;
    } else if (line.startsWith(':')) {
      current.chains.add(line.slice(1).split(' ')[0]!);
    } else if (line.startsWith('-A ')) {
      const chain = line.split(' ')[1]!;
      const target = / -[jg] (\S+)/.exec(line)?.[1];
      current.rules.push({ chain, line, target });
    }
  }
  return tables;
}

export function emptyTable(): SavedTable {
  return { chains: new Set(), rules: [] };
}
