// One bearer token per cluster component (admin, controller-manager,
// scheduler, and one per kubelet and proxy), kept in Kubernetes' static token
// CSV so that the apiserver authenticates each as its own user and a later
// authorization layer can tell them apart.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TokenUser {
  user: string;
  groups: string[];
}

/** who each component is, as Kubernetes names them */
export function componentUser(component: string): TokenUser {
  if (component === 'admin') return { user: 'admin', groups: ['system:masters'] };
  if (component === 'controller-manager') return { user: 'system:kube-controller-manager', groups: [] };
  if (component === 'scheduler') return { user: 'system:kube-scheduler', groups: [] };
  if (component === 'dns') return { user: 'system:kube-dns', groups: [] };
  if (component === 'metrics-server') return { user: 'system:metrics-server', groups: [] };
  const kubelet = /^kubelet-(.+)$/.exec(component);
  if (kubelet) return { user: `system:node:${kubelet[1]}`, groups: ['system:nodes'] };
  const proxy = /^proxy-(.+)$/.exec(component);
  if (proxy) return { user: 'system:kube-proxy', groups: [] };
  throw new Error(`unknown cluster component "${component}"`);
}

function isComponent(name: string): boolean {
  try {
    componentUser(name);
    return true;
  } catch {
    return false;
  }
}

const quote = (groups: string[]) => `"${groups.join(',')}"`;

/**
 * The token of every named component, made on first use and kept: a cluster
 * started again keeps its tokens (and so its kubeconfigs).
 */
export function ensureTokens(home: string, components: string[]): Record<string, string> {
  const file = join(home, 'tokens.csv');
  const tokens: Record<string, string> = {};
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  for (const line of lines) {
    // token,user,uid,"groups": the component is the uid column
    const [token, , uid] = line.split(',').map((f) => f.trim());
    if (token && uid && isComponent(uid)) tokens[uid] = token;
  }
  let changed = false;
  for (const c of components) {
    if (!tokens[c]) {
      tokens[c] = randomBytes(24).toString('hex');
      changed = true;
    }
  }
  if (changed) {
    const out = Object.entries(tokens).map(([c, t]) => {
      const u = componentUser(c);
      return `${t},${u.user},${c},${quote(u.groups)}`;
    });
    writeFileSync(file, out.join('\n') + '\n', { mode: 0o600 });
  }
  return tokens;
}
