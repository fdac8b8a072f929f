// route_localnet, set only where node ports on a loopback node IP need it:
// a connection from the host to 127.0.1.1:NODEPORT is DNATed to a pod, so it
// leaves through the pod's interface (the Docker bridge) with a 127.x source
// until it is masqueraded, and its answers come back to a 127.x address; the
// kernel drops both unless that interface has route_localnet=1. Interfaces
// switched on are written down, so that cleanup can switch them back off
// once no proxy on the host has node-port chains left.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface LocalnetOptions {
  /** default /run/skiff/route-localnet.json */
  stateFile?: string;
  /** default /proc/sys/net/ipv4/conf */
  sysctlRoot?: string;
  /** the interface packets to ip leave through; default `ip -j route get` */
  routeDevice?: (ip: string) => Promise<string | undefined>;
}

export const defaultLocalnetStateFile = '/run/skiff/route-localnet.json';

function ipRouteDevice(ip: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('ip', ['-j', 'route', 'get', ip], (err, stdout) => {
      if (err) return resolve(undefined);
      try {
        const routes = JSON.parse(stdout) as { dev?: string }[];
        resolve(routes[0]?.dev);
      } catch {
        resolve(undefined);
      }
    });
  });
}

export class RouteLocalnet {
  private readonly stateFile: string;
  private readonly sysctlRoot: string;
  private readonly routeDevice: (ip: string) => Promise<string | undefined>;
  private readonly deviceOf = new Map<string, string | undefined>();
  private readonly enabled = new Set<string>();

  constructor(opts: LocalnetOptions = {}) {
    this.stateFile = opts.stateFile ?? defaultLocalnetStateFile;
    this.sysctlRoot = opts.sysctlRoot ?? '/proc/sys/net/ipv4/conf';
    this.routeDevice = opts.routeDevice ?? ipRouteDevice;
  }

  /** Switches route_localnet on for the interfaces toward these endpoint addresses; returns those it switched on now. */
  async ensure(endpointIPs: readonly string[]): Promise<string[]> {
    const devices = new Set<string>();
    for (const ip of endpointIPs) {
      if (!this.deviceOf.has(ip)) this.deviceOf.set(ip, await this.routeDevice(ip));
      const dev = this.deviceOf.get(ip);
      if (dev && dev !== 'lo') devices.add(dev);
    }
    const changed: string[] = [];
    for (const dev of devices) {
      if (this.enabled.has(dev)) continue;
      const file = join(this.sysctlRoot, dev, 'route_localnet');
      const value = (await readFile(file, 'utf8')).trim();
      if (value !== '1') {
        this.record(dev);
        await writeFile(file, '1\n');
        changed.push(dev);
      }
      this.enabled.add(dev);
    }
    return changed;
  }

  /** Switches route_localnet back off on every interface a proxy switched on; returns them. */
  restoreAll(): string[] {
    const devices = this.recorded();
    for (const dev of devices) {
      try {
        writeFileSync(join(this.sysctlRoot, dev, 'route_localnet'), '0\n');
      } catch {
        // the interface is gone, and its setting with it
      }
    }
    rmSync(this.stateFile, { force: true });
    this.enabled.clear();
    return devices;
  }

  private recorded(): string[] {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.stateFile, 'utf8'));
      if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { interfaces?: unknown }).interfaces)) {
        return (parsed as { interfaces: unknown[] }).interfaces.filter((d): d is string => typeof d === 'string');
      }
    } catch {
      // no file: nothing was switched on
    }
    return [];
  }

  private record(dev: string): void {
    const devices = new Set(this.recorded());
    devices.add(dev);
    mkdirSync(dirname(this.stateFile), { recursive: true });
    writeFileSync(this.stateFile, `${JSON.stringify({ interfaces: [...devices].sort() })}\n`);
  }
}
