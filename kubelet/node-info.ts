// Facts about the machine the kubelet reports in node status (nodeInfo,
// capacity): read once per process, since hundreds of simulated nodes in one
// process share one machine.
import { readFileSync, statfsSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem } from 'node:os';

export interface HostFacts {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  /** GOOS spelling: linux, darwin, windows */
  operatingSystem: string;
  /** GOARCH spelling: amd64, arm64, ... */
  architecture: string;
  cpus: number;
  memoryBytes: number;
}

function readTrimmed(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** PRETTY_NAME from os-release, as the kubelet's cadvisor reports osImage. */
export function osImageFrom(osRelease: string): string {
  const m = /^PRETTY_NAME=(.*)$/m.exec(osRelease);
  if (!m) return 'Unknown';
  return m[1]!.trim().replace(/^(["'])(.*)\1$/, '$2');
}

const GOARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
const GOOS: Record<string, string> = { win32: 'windows' };

export function goArch(nodeArch: string = arch()): string {
  return GOARCH[nodeArch] ?? nodeArch;
}

export function goOs(nodePlatform: string = platform()): string {
  return GOOS[nodePlatform] ?? nodePlatform;
}

let cached: HostFacts | undefined;

export function hostFacts(): HostFacts {
  if (cached) return cached;
  const osRelease = readTrimmed('/etc/os-release') || readTrimmed('/usr/lib/os-release');
  cached = {
    machineID: readTrimmed('/etc/machine-id'),
    systemUUID: readTrimmed('/sys/class/dmi/id/product_uuid').toLowerCase(),
    bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
    kernelVersion: release(),
    osImage: osImageFrom(osRelease),
    operatingSystem: goOs(),
    architecture: goArch(),
    cpus: cpus().length,
    memoryBytes: totalmem(),
  };
  return cached;
}

const fsCapacity = new Map<string, number>();

/** The size in bytes of the filesystem holding dir (nodefs: ephemeral-storage capacity). */
export function filesystemCapacity(dir: string): number {
  const known = fsCapacity.get(dir);
  if (known !== undefined) return known;
  let bytes = 0;
  for (let d = dir; ; d = d.slice(0, d.lastIndexOf('/')) || '/') {
    try {
      const s = statfsSync(d);
      bytes = s.blocks * s.bsize;
      break;
    } catch {
      if (d === '/') break;
    }
  }
  fsCapacity.set(dir, bytes);
  return bytes;
}

let version: string | undefined;

/** The kubelet version nodes report: v<package version>, whether run from source or from dist/. */
export function kubeletVersion(): string {
  if (version) return version;
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'skiff' && pkg.version) return (version = `v${pkg.version}`);
    } catch {
      // not at this level
    }
  }
  return (version = 'v0.0.0');
}
