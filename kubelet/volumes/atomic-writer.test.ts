import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeAtomic, type Payload } from './atomic-writer.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const payload = (files: Record<string, string>, mode = 0o644): Payload =>
  new Map(Object.entries(files).map(([k, v]) => [k, { data: Buffer.from(v), mode }]));

const tsDirs = (): string[] => readdirSync(dir).filter((n) => n.startsWith('..') && n !== '..data');

describe('writeAtomic', () => {
  it('writes files into a timestamped directory behind ..data, visible through stable symlinks', async () => {
    expect(await writeAtomic(dir, payload({ 'app.conf': 'a=1', 'nested/x.txt': 'x' }, 0o640))).toBe(true);
    expect(readFileSync(join(dir, 'app.conf'), 'utf8')).toBe('a=1');
    expect(readFileSync(join(dir, 'nested/x.txt'), 'utf8')).toBe('x');
    expect(readlinkSync(join(dir, 'app.conf'))).toBe('..data/app.conf');
    expect(readlinkSync(join(dir, 'nested'))).toBe('..data/nested');
    expect(readlinkSync(join(dir, '..data'))).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);
    expect(statSync(join(dir, 'app.conf')).mode & 0o777).toBe(0o640);
    expect(tsDirs()).toHaveLength(1);
  });

  it('does nothing when the contents are unchanged', async () => {
    await writeAtomic(dir, payload({ a: '1' }));
    const before = readlinkSync(join(dir, '..data'));
    expect(await writeAtomic(dir, payload({ a: '1' }))).toBe(false);
    expect(readlinkSync(join(dir, '..data'))).toBe(before);
  });

  it('swaps in new contents in place, removing keys that went away and the old directory', async () => {
    await writeAtomic(dir, payload({ a: '1', b: '2' }));
    expect(await writeAtomic(dir, payload({ a: 'one', c: '3' }))).toBe(true);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('one');
    expect(readFileSync(join(dir, 'c'), 'utf8')).toBe('3');
    expect(() => lstatSync(join(dir, 'b'))).toThrow(/ENOENT/);
    expect(tsDirs()).toHaveLength(1);
  });

  it('rewrites when only a mode changed', async () => {
    await writeAtomic(dir, payload({ a: '1' }, 0o644));
    expect(await writeAtomic(dir, payload({ a: '1' }, 0o600))).toBe(true);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o600);
  });

  it('refuses paths that leave the volume or collide with its own names', async () => {
    await expect(writeAtomic(dir, payload({ '../evil': 'x' }))).rejects.toThrow(/must not contain '\.\.'/);
    await expect(writeAtomic(dir, payload({ '/etc/passwd': 'x' }))).rejects.toThrow(/must be relative/);
    await expect(writeAtomic(dir, payload({ '..data2': 'x' }))).rejects.toThrow(/must not start with '\.\.'/);
  });
});
