// The pod-template hash that names a Deployment's ReplicaSets and labels
// their pods (pod-template-hash). Kubernetes computes FNV-32a over a
// go-spew dump of the PodTemplateSpec struct, then mixes in collisionCount
// and safe-encodes the decimal sum. A spew dump of Go structs cannot be
// reproduced outside Go, so Skiff feeds FNV-32a the template's canonical
// JSON instead (object keys sorted, so the same template always hashes the
// same whatever the key order it arrived in); collisionCount and the
// encoding are exactly Kubernetes'. Hashes are therefore stable across
// Skiff versions and restarts but differ from the ones Kubernetes would
// pick for the same template.
import type { PodTemplateSpec } from '../../src/api/core/v1.js';

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

export function fnv32a(bytes: Uint8Array, seed = FNV32_OFFSET): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV32_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** JSON with object keys in sorted order at every level. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const alphanums = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: each character mapped into an alphabet without vowels (no words) or look-alikes. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += alphanums[s.charCodeAt(i) % alphanums.length];
  return out;
}

/** controller.ComputeHash: the pod-template-hash of template, given the Deployment's status.collisionCount. */
export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    // Kubernetes writes the uint32 little-endian into an 8-byte buffer: four zero bytes follow.
    const buf = new Uint8Array(8);
    new DataView(buf.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(buf, h);
  }
  return safeEncodeString(String(h));
}
