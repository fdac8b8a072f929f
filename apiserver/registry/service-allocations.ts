// What a Service takes from the cluster's ranges: a cluster IP from the
// service CIDR (unless headless or ExternalName) and, for NodePort and
// LoadBalancer services, a node port per service port. Requested values are
// honoured when free; taken or out-of-range ones are 422 Invalid, worded as
// Kubernetes words them.
import type { KubeObject } from '../../src/api/meta.js';
import { errors, StatusError, type StatusCause } from '../../src/api/status.js';
import type { Storage } from '../storage/interface.js';
import { AlreadyAllocatedError, Ipv4Range, RangeAllocator, RangeFullError, parsePortRange, type PortRange } from './allocator.js';

export interface ServiceRanges {
  serviceClusterIPRange: string;
  serviceNodePortRange: string;
}

export const DEFAULT_SERVICE_RANGES: ServiceRanges = {
  serviceClusterIPRange: '10.96.0.0/12',
  serviceNodePortRange: '30000-32767',
};

interface ServicePort {
  name?: string;
  port?: number;
  nodePort?: number;
  [k: string]: unknown;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  ports?: ServicePort[];
  [k: string]: unknown;
}

const specOf = (svc: KubeObject): ServiceSpec => {
  if (typeof svc.spec !== 'object' || svc.spec === null) svc.spec = {};
  return svc.spec as ServiceSpec;
};
const needsClusterIP = (spec: ServiceSpec) => spec.type !== 'ExternalName';
const needsNodePorts = (spec: ServiceSpec) => spec.type === 'NodePort' || spec.type === 'LoadBalancer';

export interface Allocation {
  /** give back what was taken, when the write that needed it failed */
  undo(): Promise<void>;
  /** after a successful update: give back what the old object held and the new one no longer does */
  commit(): Promise<void>;
}

export class ServiceAllocations {
  readonly ips: Ipv4Range;
  readonly ports: PortRange;
  private readonly ipBits: RangeAllocator;
  private readonly portBits: RangeAllocator;

  constructor(storage: Storage, ranges: ServiceRanges = DEFAULT_SERVICE_RANGES) {
    this.ips = new Ipv4Range(ranges.serviceClusterIPRange);
    this.ports = parsePortRange(ranges.serviceNodePortRange);
    this.ipBits = new RangeAllocator(storage, '/registry/ranges/serviceips', this.ips.size, this.ips.cidr);
    this.portBits = new RangeAllocator(storage, '/registry/ranges/servicenodeports', this.ports.size, this.ports.text);
  }

  /** the address of the `kubernetes` service: the first usable one */
  get firstAddress(): string {
    return this.ips.addressAt(1);
  }

  private invalid(svc: KubeObject, field: string, value: unknown, detail: string): StatusError {
    const cause: StatusCause = { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` };
    return errors.invalid('Service', '', svc.metadata.name ?? '', [cause]);
  }

  private async takeIP(svc: KubeObject, spec: ServiceSpec, taken: (() => Promise<void>)[]): Promise<void> {
    if (spec.clusterIP === 'None') {
      spec.clusterIPs = ['None'];
      return;
    }
    let offset: number;
    if (spec.clusterIP) {
      const requested = this.ips.offsetOf(spec.clusterIP);
      if (requested === undefined || this.ips.reserved(requested)) {
        throw this.invalid(svc, 'spec.clusterIPs[0]', spec.clusterIP, `provided IP is not in the valid range. The range of valid IPs is ${this.ips.cidr}`);
      }
      try {
        offset = await this.ipBits.allocate(requested);
      } catch (err) {
        if (err instanceof AlreadyAllocatedError) throw this.invalid(svc, 'spec.clusterIPs[0]', spec.clusterIP, 'provided IP is already allocated');
        throw err;
      }
    } else {
      try {
        offset = await this.ipBits.allocateNext((o) => this.ips.reserved(o));
      } catch (err) {
        if (err instanceof RangeFullError) throw errors.internal(`failed to allocate a serviceIP: range is full`);
        throw err;
      }
    }
    spec.clusterIP = this.ips.addressAt(offset);
    spec.clusterIPs = [spec.clusterIP];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    taken.push(() => this.ipBits.release(offset));
  }

  private async takePorts(svc: KubeObject, spec: ServiceSpec, keep: Set<number>, taken: (() => Promise<void>)[]): Promise<void> {
    const ports = spec.ports ?? [];
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i]!;
      if (p.nodePort && keep.has(p.nodePort)) continue;
      if (p.nodePort) {
        const off = p.nodePort - this.ports.base;
        if (off < 0 || off >= this.ports.size) {
          throw this.invalid(svc, `spec.ports[${i}].nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${this.ports.text}`);
        }
        try {
          await this.portBits.allocate(off);
        } catch (err) {
          if (err instanceof AlreadyAllocatedError) throw this.invalid(svc, `spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated');
          throw err;
        }
        taken.push(() => this.portBits.release(off));
      } else {
        let off: number;
        try {
          off = await this.portBits.allocateNext();
        } catch (err) {
          if (err instanceof RangeFullError) throw errors.internal('failed to allocate a nodePort: range is full');
          throw err;
        }
        p.nodePort = this.ports.base + off;
        taken.push(() => this.portBits.release(off));
      }
    }
  }

  private async undoAll(taken: (() => Promise<void>)[]): Promise<void> {
    for (const release of taken.reverse()) await release().catch(() => undefined);
  }

  /** take what a new service needs; throws 422 for requested values that cannot be had */
  async forCreate(svc: KubeObject): Promise<Allocation> {
    const spec = specOf(svc);
    const taken: (() => Promise<void>)[] = [];
    try {
      if (needsClusterIP(spec)) await this.takeIP(svc, spec, taken);
      if (needsNodePorts(spec)) await this.takePorts(svc, spec, new Set(), taken);
    } catch (err) {
      await this.undoAll(taken);
      throw err;
    }
    return { undo: () => this.undoAll(taken), commit: async () => undefined };
  }

  /** an update may change the type: take what the new form needs, give back what the old one held */
  async forUpdate(next: KubeObject, old: KubeObject): Promise<Allocation> {
    const spec = specOf(next);
    const oldSpec = specOf(old);
    const taken: (() => Promise<void>)[] = [];
    const oldPorts = new Set(needsNodePorts(oldSpec) ? (oldSpec.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n > 0) : []);
    try {
      if (needsClusterIP(spec) && !(needsClusterIP(oldSpec) && oldSpec.clusterIP)) await this.takeIP(next, spec, taken);
      if (needsNodePorts(spec)) await this.takePorts(next, spec, oldPorts, taken);
    } catch (err) {
      await this.undoAll(taken);
      throw err;
    }
    const stillUsed = new Set(needsNodePorts(spec) ? (spec.ports ?? []).map((p) => p.nodePort ?? 0) : []);
    return {
      undo: () => this.undoAll(taken),
      commit: async () => {
        for (const port of oldPorts) if (!stillUsed.has(port)) await this.portBits.release(port - this.ports.base);
        if (!needsClusterIP(spec) && oldSpec.clusterIP) await this.releaseIP(oldSpec.clusterIP);
      },
    };
  }

  private async releaseIP(ip: string): Promise<void> {
    const off = ip === 'None' ? undefined : this.ips.offsetOf(ip);
    if (off !== undefined) await this.ipBits.release(off);
  }

  /** give back everything a deleted service held */
  async forDelete(svc: KubeObject): Promise<void> {
    const spec = specOf(svc);
    if (spec.clusterIP) await this.releaseIP(spec.clusterIP);
    if (needsNodePorts(spec)) {
      for (const p of spec.ports ?? []) if (p.nodePort) await this.portBits.release(p.nodePort - this.ports.base);
    }
  }
}
