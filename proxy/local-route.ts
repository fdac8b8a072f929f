// The service range made local to this machine: `ip route replace local CIDR
// dev lo` (in the local table, where the kernel looks first). With it, a
// listener can bind any cluster IP, iptables DNAT applies from the host and
// from pods, and an address without a listener or rule is refused at once
// instead of being routed off the machine.
//
// Several users share the route (the cluster-IP proxy of each cluster on the
// host, the cluster DNS on 10.96.0.10), so each one that claims it leaves a
// marker file, and the route goes only when the last marker does. A user that
// died without releasing keeps the route in place: the safe side.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCidr } from './cidr.js';

/** Kubernetes' default service range; the apiserver allocates cluster IPs from it */
export const defaultServiceCIDR = '10.96.0.0/12';

/** where the markers of the route's users live */
export const defaultRouteClaimsDir = '/run/skiff/local-routes';

function ip(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, (err, stdout, stderr) => {
      if (err) reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Adds the route, or leaves it as it is (so a process without CAP_NET_ADMIN can run once root has added it). */
export async function ensureLocalRoute(cidr: string): Promise<void> {
  parseCidr(cidr);
  if (await hasLocalRoute(cidr)) return;
  await ip(['route', 'replace', 'local', cidr, 'dev', 'lo', 'table', 'local']);
}

export async function hasLocalRoute(cidr: string): Promise<boolean> {
  parseCidr(cidr);
  const out = await ip(['-4', 'route', 'show', 'table', 'local', 'type', 'local', 'root', cidr]);
  return out.split('\n').some((l) => {
    const words = l.trim().split(/\s+/);
    const dst = words[0] === 'local' ? words[1] : words[0];
    return dst === cidr && words.includes('lo');
  });
}

/** Removes the route when present; returns whether it was. Prefer releaseLocalRoute, which minds the other users. */
export async function removeLocalRoute(cidr: string): Promise<boolean> {
  if (!(await hasLocalRoute(cidr))) return false;
  await ip(['route', 'del', 'local', cidr, 'dev', 'lo', 'table', 'local']);
  return true;
}

const claimsOf = (cidr: string, dir: string): string => join(dir, cidr.replace('/', '_'));
const markerName = (user: string): string => encodeURIComponent(user);

/** The users whose markers are there. */
export function localRouteUsers(cidr: string, dir = defaultRouteClaimsDir): string[] {
  try {
    return readdirSync(claimsOf(cidr, dir)).map((f) => decodeURIComponent(f)).sort();
  } catch {
    return [];
  }
}

/** a route found in place with no user recorded was added by hand (or by something else): never removed */
export const preexistingRouteUser = 'added before any claim';

/** Ensures the route and records `user` as one of its users. */
export async function claimLocalRoute(cidr: string, user: string, dir = defaultRouteClaimsDir): Promise<void> {
  parseCidr(cidr);
  const claims = claimsOf(cidr, dir);
  mkdirSync(claims, { recursive: true });
  if (!localRouteUsers(cidr, dir).length && (await hasLocalRoute(cidr))) writeFileSync(join(claims, markerName(preexistingRouteUser)), '\n');
  writeFileSync(join(claims, markerName(user)), `${process.pid}\n`);
  await ensureLocalRoute(cidr);
}

/** Drops `user`'s marker, and the route when no other user is left; returns the users left. */
export async function releaseLocalRoute(cidr: string, user: string, dir = defaultRouteClaimsDir): Promise<{ removed: boolean; users: string[] }> {
  parseCidr(cidr);
  rmSync(join(claimsOf(cidr, dir), markerName(user)), { force: true });
  const users = localRouteUsers(cidr, dir);
  if (users.length) return { removed: false, users };
  return { removed: await removeLocalRoute(cidr), users };
}
