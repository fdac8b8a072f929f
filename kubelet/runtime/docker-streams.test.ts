import { describe, expect, it } from 'vitest';
import { FrameDemuxer, firstFileInTar } from './docker-streams.js';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function tarOf(entries: { name: string; type: string; data: Buffer }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 'latin1');
    h.write(e.data.length.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
    h.write(e.type, 156, 'latin1');
    blocks.push(h, e.data, Buffer.alloc((512 - (e.data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

describe('FrameDemuxer', () => {
  it('separates stdout from stderr even when frames are split across chunks', () => {
    const out: string[] = [];
    const err: string[] = [];
    const d = new FrameDemuxer(
      (b) => out.push(b.toString()),
      (b) => err.push(b.toString()),
    );
    const all = Buffer.concat([frame(1, 'hello '), frame(2, 'oops\n'), frame(1, 'world\n'), frame(1, '')]);
    // feed byte by byte: the worst case of a slow socket
    for (let i = 0; i < all.length; i++) d.push(all.subarray(i, i + 1));
    expect(out.join('')).toBe('hello world\n');
    expect(err.join('')).toBe('oops\n');
  });

  it('handles several frames in one chunk', () => {
    const out: string[] = [];
    const d = new FrameDemuxer(
      (b) => out.push(b.toString()),
      () => {},
    );
    d.push(Buffer.concat([frame(1, 'a'), frame(1, 'b'), frame(1, 'c').subarray(0, 5)]));
    expect(out).toEqual(['a', 'b']);
    d.push(frame(1, 'c').subarray(5));
    expect(out).toEqual(['a', 'b', 'c']);
  });
});

describe('firstFileInTar', () => {
  it('returns the file content after skipping pax headers', () => {
    const tar = tarOf([
      { name: 'PaxHeader', type: 'x', data: Buffer.from('30 path=some/very/long/name\n') },
      { name: 'termination-log', type: '0', data: Buffer.from('config file missing') },
    ]);
    expect(firstFileInTar(tar)?.toString()).toBe('config file missing');
  });

  it('truncates to the limit and answers undefined for an archive without a file', () => {
    const tar = tarOf([{ name: 'big', type: '0', data: Buffer.alloc(10_000, 'x') }]);
    expect(firstFileInTar(tar, 4096)?.length).toBe(4096);
    expect(firstFileInTar(tarOf([{ name: 'dir/', type: '5', data: Buffer.alloc(0) }]))).toBeUndefined();
    expect(firstFileInTar(Buffer.alloc(0))).toBeUndefined();
  });
});
