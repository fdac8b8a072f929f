// Byte formats Docker speaks on its API besides JSON: the multiplexed stream
// of a container without a terminal (8-byte frame headers saying stdout or
// stderr), and the tar archive that carries a file copied out of a container.

/** Splits Docker's multiplexed stdout/stderr stream; feed chunks as they come, frames may span chunks. */
export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onStdout: (chunk: Buffer) => void,
    private readonly onStderr: (chunk: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      const payload = buf.subarray(8, 8 + size);
      // 0 is stdin (never sent back), 1 stdout, 2 stderr; 3 is the daemon's own error text
      if (buf[0] === 2 || buf[0] === 3) this.onStderr(payload);
      else this.onStdout(payload);
      buf = buf.subarray(8 + size);
    }
    this.pending = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
  }
}

/**
 * The content of the first regular file in a tar archive (what Docker's
 * archive endpoint returns for a file path), at most `limit` bytes.
 */
export function firstFileInTar(tar: Buffer, limit = Number.MAX_SAFE_INTEGER): Buffer | undefined {
  let off = 0;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) return undefined;
    const size = tarSize(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = off + 512;
    if (type === '0' || type === '\0') {
      return Buffer.from(tar.subarray(dataStart, Math.min(dataStart + size, dataStart + limit, tar.length)));
    }
    // pax headers, long names, directories, links: skip their data
    off = dataStart + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

function tarSize(field: Buffer): number {
  // large sizes use base-256 with the high bit set, small ones octal text
  if ((field[0] ?? 0) & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] ?? 0);
    return n;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').trim();
  return text ? parseInt(text, 8) : 0;
}
