// resource.Quantity from k8s.io/apimachinery/pkg/api/resource: an exact
// decimal (a bigint times a power of ten, never a float), parsed, rounded,
// compared and printed the way Kubernetes does, so "1.5" is stored as "1500m"
// and "1024Mi" as "1Gi" here exactly as in a real cluster.

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const QUANTITY_FORMAT_MESSAGE = `quantities must match the regular expression '${SPLIT_RE}'`;
const SUFFIX_MESSAGE = "unable to parse quantity's suffix";

export class QuantityParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityParseError';
  }
}

const INT64_MAX = 2n ** 63n - 1n;
/** Parsing keeps nothing finer than nano; finer non-zero values round away from zero. */
const NANO_SCALE = -9;

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const abs = (v: bigint): bigint => (v < 0n ? -v : v);

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = new Map([[0, ''], ...Object.entries(BINARY_SUFFIXES).map(([s, e]): [number, string] => [e, s])]);

interface Suffix {
  base: 10 | 2;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(s: string): Suffix | undefined {
  if (Object.prototype.hasOwnProperty.call(DECIMAL_SUFFIXES, s)) {
    return { base: 10, exponent: DECIMAL_SUFFIXES[s]!, format: 'DecimalSI' };
  }
  if (Object.prototype.hasOwnProperty.call(BINARY_SUFFIXES, s)) {
    return { base: 2, exponent: BINARY_SUFFIXES[s]!, format: 'BinarySI' };
  }
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E')) {
    const rest = s.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const n = BigInt(rest);
    if (n > 2147483647n || n < -2147483648n) return undefined;
    return { base: 10, exponent: Number(n), format: 'DecimalExponent' };
  }
  return undefined;
}

interface Scanned {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** parseQuantityString: the hand-written scanner Kubernetes uses in place of its documented regex. */
function scan(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  const numStart = pos;
  while (pos < end && isDigit(str[pos])) pos++;
  let num = str.slice(numStart, pos);
  if (pos >= end) return { positive, num, denom: '', suffix: '' };
  if (num.length === 0) num = '0';
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    const denomStart = pos;
    while (pos < end && isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
    if (pos >= end) return { positive, num, denom, suffix: '' };
  }
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos]!)) pos++;
  if (pos >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityParseError(QUANTITY_FORMAT_MESSAGE);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

export class Quantity {
  /** value = unscaled × 10^scale */
  private constructor(
    readonly unscaled: bigint,
    readonly scale: number,
    readonly format: QuantityFormat,
    /** The text it was parsed from, when Kubernetes keeps that text as its string form. */
    private readonly original?: string,
  ) {}

  static of(unscaled: bigint, scale: number, format: QuantityFormat): Quantity {
    return new Quantity(unscaled, scale, format);
  }

  /** resource.ParseQuantity. Throws QuantityParseError with Kubernetes' message. */
  static parse(str: string): Quantity {
    if (str.length === 0) throw new QuantityParseError(QUANTITY_FORMAT_MESSAGE);
    if (str === '0') return new Quantity(0n, 0, 'DecimalSI', str);
    const { positive, num, denom, suffix } = scan(str);
    const sfx = interpretSuffix(suffix);
    if (!sfx) throw new QuantityParseError(SUFFIX_MESSAGE);

    // Kubernetes' int64 fast path; when it applies and the input already looks
    // canonical, Kubernetes remembers and re-emits the input text verbatim.
    let precision: number;
    let scale = 0;
    let mantissa = 1n;
    if (sfx.format === 'BinarySI') {
      if (sfx.exponent >= 0 && denom.length === 0) {
        mantissa = 1n << BigInt(sfx.exponent);
        precision = 15 - num.length - Math.trunc((sfx.exponent * 3) / 10) - 1;
      } else {
        precision = -1;
      }
    } else {
      scale = sfx.exponent;
      precision = 18 - (num.length + denom.length);
    }
    if (precision >= 0) {
      scale -= denom.length;
      if (scale >= NANO_SCALE) {
        const shifted = num + denom;
        const value = BigInt(shifted);
        let result = value * mantissa;
        if (result <= INT64_MAX) {
          if (!positive) result = -result;
          const keep =
            sfx.format === 'BinarySI'
              ? sfx.exponent % 10 === 0 && (value & 7n) !== 0n
              : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
          return new Quantity(result, scale, sfx.format, keep ? str : undefined);
        }
      }
    }

    let unscaled = BigInt(num + denom);
    scale = -denom.length;
    if (sfx.base === 10) scale += sfx.exponent;
    else unscaled *= 1n << BigInt(sfx.exponent);
    if (unscaled !== 0n && scale < NANO_SCALE) {
      const d = pow10(NANO_SCALE - scale);
      unscaled = unscaled / d + (unscaled % d === 0n ? 0n : 1n);
      scale = NANO_SCALE;
    }
    let format = sfx.format;
    if (format === 'BinarySI') {
      if (scale > 0) {
        unscaled *= pow10(scale);
        scale = 0;
      }
      const one = pow10(-scale);
      // The cap on binary quantities: int64's largest value.
      if (unscaled > INT64_MAX * one) {
        unscaled = INT64_MAX;
        scale = 0;
      } else if (unscaled > 0n && unscaled < one) {
        format = 'DecimalSI';
      }
    }
    return new Quantity(positive ? unscaled : -unscaled, scale, format);
  }

  /** NewMilliQuantity: value/1000. */
  static fromMilli(milli: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(milli), -3, format);
  }

  /** NewQuantity: an integer. */
  static fromInt(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(value), 0, format);
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.unscaled === 0n ? 0 : this.unscaled < 0n ? -1 : 1;
  }

  private aligned(other: Quantity): [bigint, bigint, number] {
    const s = Math.min(this.scale, other.scale);
    return [this.unscaled * pow10(this.scale - s), other.unscaled * pow10(other.scale - s), s];
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    const [a, b] = this.aligned(other);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  equals(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** A zero receiver takes the other's format, as Quantity.Add does. */
  add(other: Quantity): Quantity {
    const [a, b, s] = this.aligned(other);
    return new Quantity(a + b, s, this.isZero() ? other.format : this.format);
  }

  sub(other: Quantity): Quantity {
    const [a, b, s] = this.aligned(other);
    return new Quantity(a - b, s, this.isZero() ? other.format : this.format);
  }

  neg(): Quantity {
    return new Quantity(-this.unscaled, this.scale, this.format);
  }

  mul(factor: bigint | number): Quantity {
    return new Quantity(this.unscaled * BigInt(factor), this.scale, this.format);
  }

  /** ScaledValue: the value in units of 10^scale, rounded away from zero. */
  scaledValueBig(scale: number): bigint {
    if (this.scale >= scale) return this.unscaled * pow10(this.scale - scale);
    const d = pow10(scale - this.scale);
    const q = this.unscaled / d;
    if (this.unscaled % d === 0n) return q;
    return this.unscaled < 0n ? q - 1n : q + 1n;
  }

  /** Value(): the integer value, rounded away from zero (so 100m is 1). */
  valueBig(): bigint {
    return this.scaledValueBig(0);
  }

  /** MilliValue(): thousandths, rounded away from zero. */
  milliValueBig(): bigint {
    return this.scaledValueBig(-3);
  }

  /** value() as a number: exact up to Number.MAX_SAFE_INTEGER, the nearest double beyond. */
  value(): number {
    return Number(this.valueBig());
  }

  milliValue(): number {
    return Number(this.milliValueBig());
  }

  asApproximateFloat64(): number {
    return Number(this.unscaled) * 10 ** this.scale;
  }

  /** The canonical string (or the original text where Kubernetes keeps it). */
  toString(): string {
    return this.original ?? this.canonical();
  }

  toJSON(): string {
    return this.toString();
  }

  /** CanonicalizeBytes: no fraction, the largest suffix that loses nothing, in the quantity's own format. */
  canonical(): string {
    if (this.unscaled === 0n) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      const small = this.cmp(Quantity.fromInt(-1024)) > 0 && this.cmp(Quantity.fromInt(1024)) < 0;
      const integral = this.scale >= 0 || this.unscaled % pow10(-this.scale) === 0n;
      if (small || !integral) format = 'DecimalSI';
    }
    if (format === 'BinarySI') {
      let m = this.valueBig();
      let times = 0;
      while (abs(m) >= 1024n && m % 1024n === 0n) {
        m /= 1024n;
        times++;
      }
      // Sums can outgrow "Ei", the largest binary suffix.
      while (times > 6) {
        m *= 1024n;
        times--;
      }
      return m.toString() + BINARY_BY_EXPONENT.get(times * 10)!;
    }
    let m = this.unscaled;
    let e = this.scale;
    while (abs(m) >= 10n && m % 10n === 0n) {
      m /= 10n;
      e++;
    }
    const r = ((e % 3) + 3) % 3;
    if (r !== 0) {
      m *= pow10(r);
      e -= r;
    }
    let suffix: string | undefined;
    if (format === 'DecimalSI') suffix = DECIMAL_BY_EXPONENT.get(e);
    // Past "E" there is no SI suffix; the exponent form keeps the value intact.
    if (suffix === undefined) suffix = e === 0 ? '' : `e${e}`;
    return m.toString() + suffix;
  }
}

export function parseQuantity(s: string): Quantity {
  return Quantity.parse(s);
}

export function quantityFromMilli(milli: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return Quantity.fromMilli(milli, format);
}

/**
 * A quantity as it arrives in JSON: a string (surrounding whitespace is
 * tolerated, as Quantity.UnmarshalJSON trims it) or a bare number.
 */
export function parseQuantityValue(v: unknown): Quantity {
  if (typeof v === 'string') return Quantity.parse(v.trim());
  if (typeof v === 'number' && Number.isFinite(v)) return Quantity.parse(String(v));
  throw new QuantityParseError(QUANTITY_FORMAT_MESSAGE);
}

/** The canonical text Kubernetes stores for a quantity given as text. */
export function canonicalQuantity(s: string): string {
  return Quantity.parse(s).toString();
}
