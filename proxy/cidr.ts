// IPv4 addresses and CIDR ranges as the proxy and DNS need them: is an
// address inside the service range, is it loopback, and reverse-zone names.

/** The address as a 32-bit unsigned number; undefined when it is not dotted-quad IPv4. */
export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function isIPv4(ip: string): boolean {
  return ipv4ToNumber(ip) !== undefined;
}

export interface Cidr {
  base: number;
  bits: number;
  text: string;
}

export function parseCidr(text: string): Cidr {
  const [addr, len, extra] = text.split('/');
  const base = addr === undefined ? undefined : ipv4ToNumber(addr);
  const bits = Number(len);
  if (base === undefined || extra !== undefined || len === undefined || !/^\d{1,2}$/.test(len) || bits > 32) {
    throw new Error(`invalid IPv4 CIDR "${text}"`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  if ((base & mask) >>> 0 !== base) throw new Error(`invalid CIDR "${text}": host bits are set`);
  return { base, bits, text };
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const n = ipv4ToNumber(ip);
  if (n === undefined) return false;
  const mask = cidr.bits === 0 ? 0 : (0xffffffff << (32 - cidr.bits)) >>> 0;
  return (n & mask) >>> 0 === cidr.base;
}

export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') && isIPv4(ip);
}

/** Node reports IPv4 peers on dual-stack sockets as ::ffff:a.b.c.d. */
export function plainIPv4(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** 10.96.0.1 -> 1.0.96.10.in-addr.arpa */
export function reverseName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** 1.0.96.10.in-addr.arpa -> 10.96.0.1; undefined for anything else */
export function ipFromReverseName(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(name);
  if (!m) return undefined;
  const ip = `${m[4]}.${m[3]}.${m[2]}.${m[1]}`;
  return isIPv4(ip) ? ip : undefined;
}
