// Allocation of service cluster IPs and node ports, as kube-apiserver's
// RangeAllocation does: one bitmap per range kept in etcd and changed only by
// compare-and-swap, so concurrent creates (on one apiserver or several) never
// hand out the same value twice.
import { StorageError, type Storage, type StoredObject } from '../storage/interface.js';

export class RangeFullError extends Error {}
export class AlreadyAllocatedError extends Error {}

const MAX_CAS_RETRIES = 16;

/** A bitmap of `size` offsets stored under one key. */
export class RangeAllocator {
  constructor(
    private readonly storage: Storage,
    private readonly key: string,
    private readonly size: number,
    /** written into the stored object so an operator can read what it covers */
    private readonly rangeText: string,
  ) {}

  private decode(value: StoredObject | undefined): Uint8Array {
    const bits = new Uint8Array(Math.ceil(this.size / 8));
    const data = value && typeof value.data === 'string' ? Buffer.from(value.data, 'base64') : undefined;
    if (data && value?.range === this.rangeText) bits.set(data.subarray(0, bits.length));
    return bits;
  }

  private encode(bits: Uint8Array): StoredObject {
    return { apiVersion: 'v1', kind: 'RangeAllocation', metadata: {}, range: this.rangeText, data: Buffer.from(bits).toString('base64') };
  }

  /** changes from this process wait for each other; compare-and-swap guards against other apiservers */
  private queue: Promise<unknown> = Promise.resolve();

  private change<T>(fn: (bits: Uint8Array) => T): Promise<T> {
    const run = this.queue.then(() => this.casLoop(fn));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Read-modify-write of the bitmap with compare-and-swap, retried on conflict. */
  private async casLoop<T>(fn: (bits: Uint8Array) => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const kv = await this.storage.get(this.key);
      const bits = this.decode(kv?.value);
      const result = fn(bits);
      try {
        if (kv) await this.storage.update(this.key, this.encode(bits), kv.modRevision);
        else await this.storage.create(this.key, this.encode(bits));
        return result;
      } catch (err) {
        const raced = err instanceof StorageError && (err.kind === 'Conflict' || err.kind === 'AlreadyExists');
        if (!raced || attempt >= MAX_CAS_RETRIES) throw err;
      }
    }
  }

  /** Allocate this offset; AlreadyAllocatedError when it is taken. */
  allocate(offset: number): Promise<number> {
    return this.change((bits) => {
      if (bits[offset >> 3]! & (1 << (offset & 7))) throw new AlreadyAllocatedError(String(offset));
      bits[offset >> 3]! |= 1 << (offset & 7);
      return offset;
    });
  }

  /** Allocate a free offset, searching from a random start (as Kubernetes does), skipping `reserved`. */
  allocateNext(reserved: (offset: number) => boolean = () => false): Promise<number> {
    return this.change((bits) => {
      const start = Math.floor(Math.random() * this.size);
      for (let i = 0; i < this.size; i++) {
        const o = (start + i) % this.size;
        if (reserved(o)) continue;
        if (!(bits[o >> 3]! & (1 << (o & 7)))) {
          bits[o >> 3]! |= 1 << (o & 7);
          return o;
        }
      }
      throw new RangeFullError('range is full');
    });
  }

  release(offset: number): Promise<void> {
    return this.change((bits) => {
      bits[offset >> 3]! &= ~(1 << (offset & 7));
    });
  }

  async has(offset: number): Promise<boolean> {
    const kv = await this.storage.get(this.key);
    const bits = this.decode(kv?.value);
    return Boolean(bits[offset >> 3]! & (1 << (offset & 7)));
  }
}

/** An IPv4 CIDR such as 10.96.0.0/12. */
export class Ipv4Range {
  readonly base: number;
  readonly size: number;

  constructor(readonly cidr: string) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!m) throw new Error(`invalid service CIDR ${JSON.stringify(cidr)}: expected an IPv4 CIDR like 10.96.0.0/12`);
    const octets = m.slice(1, 5).map(Number);
    const bits = Number(m[5]);
    if (octets.some((o) => o > 255) || bits < 8 || bits > 30) {
      throw new Error(`invalid service CIDR ${JSON.stringify(cidr)}: prefix must be /8 to /30`);
    }
    const ip = octets.reduce((a, o) => a * 256 + o, 0);
    this.size = 2 ** (32 - bits);
    this.base = ip - (ip % this.size);
  }

  /** offset of an address in the range, or undefined when outside it */
  offsetOf(ip: string): number | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
    if (!m) return undefined;
    const n = m.slice(1, 5).map(Number).reduce((a, o) => a * 256 + o, 0);
    const off = n - this.base;
    return off >= 0 && off < this.size ? off : undefined;
  }

  addressAt(offset: number): string {
    const n = this.base + offset;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }

  /** the network and broadcast addresses are never handed out */
  reserved(offset: number): boolean {
    return offset === 0 || offset === this.size - 1;
  }
}

export interface PortRange {
  base: number;
  size: number;
  text: string;
}

export function parsePortRange(text: string): PortRange {
  const m = /^(\d+)-(\d+)$/.exec(text);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (!m || lo < 1 || hi > 65535 || lo > hi) throw new Error(`invalid node port range ${JSON.stringify(text)}: expected e.g. 30000-32767`);
  return { base: lo, size: hi - lo + 1, text: `${lo}-${hi}` };
}
