// The protocol buffer wire format, read only: the keys, varints and
// length-delimited runs that Kubernetes' gogo-generated marshallers write.
// Malformed input throws WireError; the caller turns it into a 400.

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

const utf8 = new TextDecoder('utf-8');

export interface FieldKey {
  field: number;
  wireType: number;
}

export class WireReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** An unsigned varint of up to 64 bits. */
  private rawVarint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new WireError('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  key(): FieldKey {
    const k = this.rawVarint();
    const field = Number(k >> 3n);
    if (field === 0) throw new WireError('field number 0');
    return { field, wireType: Number(k & 7n) };
  }

  /**
   * A signed integer as Go writes int32 and int64: two's complement in 64
   * bits, so negative values take ten bytes.
   */
  int(): number {
    const v = BigInt.asIntN(64, this.rawVarint());
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new WireError(`integer ${v} is beyond what JSON numbers carry exactly`);
    }
    return Number(v);
  }

  bool(): boolean {
    return this.rawVarint() !== 0n;
  }

  bytes(): Uint8Array {
    const len = this.rawVarint();
    if (len > BigInt(this.buf.length - this.pos)) throw new WireError('length-delimited field runs past the end');
    const start = this.pos;
    this.pos += Number(len);
    return this.buf.subarray(start, this.pos);
  }

  string(): string {
    return utf8.decode(this.bytes());
  }

  /** Steps over a field of any wire type (used only for fields declared as skipped). */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.rawVarint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_BYTES:
        this.bytes();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw new WireError(`unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.buf.length) throw new WireError('fixed-width field runs past the end');
    this.pos += n;
  }
}
