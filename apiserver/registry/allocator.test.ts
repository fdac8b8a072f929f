import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../storage/memory.js';
import { AlreadyAllocatedError, Ipv4Range, RangeAllocator, RangeFullError, parsePortRange } from './allocator.js';

describe('RangeAllocator', () => {
  it('never hands out one offset twice, even to concurrent callers', async () => {
    const storage = new MemoryStorage();
    const a = new RangeAllocator(storage, '/registry/ranges/test', 64, 'test');
    const got = await Promise.all(Array.from({ length: 64 }, () => a.allocateNext()));
    expect(new Set(got).size).toBe(64);
    await expect(a.allocateNext()).rejects.toBeInstanceOf(RangeFullError);
  });

  it('keeps two allocators on one store (two apiservers) apart through compare-and-swap', async () => {
    const storage = new MemoryStorage();
    const a = new RangeAllocator(storage, '/registry/ranges/test', 32, 'test');
    const b = new RangeAllocator(storage, '/registry/ranges/test', 32, 'test');
    const got = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).allocateNext()));
    expect(new Set(got).size).toBe(16);
  });

  it('allocates a requested offset once, and again after release', async () => {
    const a = new RangeAllocator(new MemoryStorage(), '/registry/ranges/test', 16, 'test');
    expect(await a.allocate(3)).toBe(3);
    await expect(a.allocate(3)).rejects.toBeInstanceOf(AlreadyAllocatedError);
    await a.release(3);
    expect(await a.has(3)).toBe(false);
    expect(await a.allocate(3)).toBe(3);
  });

  it('skips reserved offsets', async () => {
    const a = new RangeAllocator(new MemoryStorage(), '/registry/ranges/test', 4, 'test');
    const got = await Promise.all([a.allocateNext((o) => o === 0 || o === 3), a.allocateNext((o) => o === 0 || o === 3)]);
    expect(got.sort()).toEqual([1, 2]);
  });
});

describe('ranges', () => {
  it('maps addresses of a service CIDR to offsets and back', () => {
    const r = new Ipv4Range('10.96.0.0/12');
    expect(r.size).toBe(2 ** 20);
    expect(r.addressAt(1)).toBe('10.96.0.1');
    expect(r.offsetOf('10.96.0.10')).toBe(10);
    expect(r.offsetOf('10.111.255.255')).toBe(2 ** 20 - 1);
    expect(r.offsetOf('10.112.0.0')).toBeUndefined();
    expect(r.reserved(0)).toBe(true);
    expect(r.reserved(2 ** 20 - 1)).toBe(true);
    expect(() => new Ipv4Range('10.96.0.0')).toThrow(/expected an IPv4 CIDR/);
  });

  it('parses node port ranges', () => {
    expect(parsePortRange('30000-32767')).toEqual({ base: 30000, size: 2768, text: '30000-32767' });
    expect(() => parsePortRange('32767-30000')).toThrow(/invalid node port range/);
  });
});
