/**
 * @fileoverview The fixed-point type: ap_fixed<W,I,Q,O,N> / ap_ufixed / ap_int / ap_uint, how users
 * spell it (C++ and hls4ml forms), and how fastml prints it back.
 *
 * A value of type T is raw * 2^-(W-I); see ../shared/golden/ap_fixed/SEMANTICS.md. The type is a
 * plain frozen object so it can be compared, hashed (via `typeKey`) and serialised freely.
 */

export const Q_MODES = [
  'AP_TRN',
  'AP_TRN_ZERO',
  'AP_RND',
  'AP_RND_ZERO',
  'AP_RND_INF',
  'AP_RND_MIN_INF',
  'AP_RND_CONV',
] as const;
export const O_MODES = ['AP_WRAP', 'AP_SAT', 'AP_SAT_ZERO', 'AP_SAT_SYM', 'AP_WRAP_SM'] as const;

export type QMode = (typeof Q_MODES)[number];
export type OMode = (typeof O_MODES)[number];

/** A concrete fixed-point type. `int` marks ap_int/ap_uint spellings (then i === w). */
export interface FixedType {
  readonly w: number;
  readonly i: number;
  readonly signed: boolean;
  readonly q: QMode;
  readonly o: OMode;
  readonly n: number;
  readonly int?: boolean;
}

/** `auto`: a type left for precision inference to decide. */
export const AUTO = 'auto' as const;
export type Auto = typeof AUTO;
export type TypeSpec = FixedType | Auto;

export class FixedTypeError extends Error {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`invalid fixed-point type "${input}": ${reason}`);
    this.name = 'FixedTypeError';
  }
}

/** Largest width fastml accepts for a declared type (the ap_types headers allow 1024). */
export const MAX_WIDTH = 1024;
/** Largest |I| (integer bits) of a declared type. */
export const MAX_INTEGER_BITS = 4 * MAX_WIDTH;

export function fixedType(
  w: number,
  i: number,
  signed = true,
  q: QMode = 'AP_TRN',
  o: OMode = 'AP_WRAP',
  n = 0,
): FixedType {
  if (!Number.isInteger(w) || w < 1 || w > MAX_WIDTH) throw new RangeError(`width ${w} out of range 1..${MAX_WIDTH}`);
  if (!Number.isInteger(i)) throw new RangeError(`integer bits ${i} must be an integer`);
  if (!Number.isInteger(n) || n < 0 || n > w) throw new RangeError(`saturation bits ${n} out of range 0..${w}`);
  return Object.freeze({ w, i, signed, q, o, n });
}

export function intType(w: number, signed = true): FixedType {
  const t = fixedType(w, w, signed);
  return Object.freeze({ ...t, int: true });
}

export function isAuto(t: TypeSpec | undefined): t is Auto {
  return t === AUTO;
}

/** Fractional bits F = W - I (may be negative or exceed W). */
export function fracBits(t: FixedType): number {
  return t.w - t.i;
}

/** A stable key, e.g. for caches: "s16.6.AP_TRN.AP_WRAP.0". */
export function typeKey(t: FixedType): string {
  return `${t.signed ? 's' : 'u'}${t.w}.${t.i}.${t.q}.${t.o}.${t.n}`;
}

export function sameType(a: FixedType, b: FixedType): boolean {
  return a.w === b.w && a.i === b.i && a.signed === b.signed && a.q === b.q && a.o === b.o && a.n === b.n;
}

const Q_ALIASES: Record<string, QMode> = {};
for (const q of Q_MODES) {
  Q_ALIASES[q] = q;
  Q_ALIASES[q.slice(3)] = q;
}
const O_ALIASES: Record<string, OMode> = {};
for (const o of O_MODES) {
  O_ALIASES[o] = o;
  O_ALIASES[o.slice(3)] = o;
}

const TYPE_RE = /^\s*(ap_)?(fixed|ufixed|int|uint)\s*<([^<>]*)>\s*$/i;
const EXPECTED =
  'expected ap_fixed<W,I[,Q[,O[,N]]]>, ap_ufixed<...>, ap_int<W>, ap_uint<W>, fixed<...>, ufixed<...>, int<W>, uint<W> or auto';

/** Parses every spelling users write; throws FixedTypeError quoting the input. */
export function parseType(input: string): TypeSpec {
  const s = String(input).trim();
  if (s.toLowerCase() === AUTO) return AUTO;
  const m = TYPE_RE.exec(s);
  if (!m) throw new FixedTypeError(input, EXPECTED);
  const kind = m[2]!.toLowerCase();
  const args = m[3]!.split(',').map((a) => a.trim());
  const num = (a: string | undefined, what: string): number => {
    if (a === undefined || !/^[+-]?\d+$/.test(a)) throw new FixedTypeError(input, `${what} must be an integer, got "${a ?? ''}"`);
    return Number(a);
  };
  const w = num(args[0], 'width W');
  if (w < 1 || w > MAX_WIDTH) throw new FixedTypeError(input, `width W must be 1..${MAX_WIDTH}, got ${w}`);
  if (kind === 'int' || kind === 'uint') {
    if (args.length !== 1) throw new FixedTypeError(input, `${kind}<W> takes exactly one parameter`);
    return intType(w, kind === 'int');
  }
  if (args.length < 2 || args.length > 5) throw new FixedTypeError(input, `${EXPECTED}`);
  const i = num(args[1], 'integer bits I');
  // The binary point may sit outside the W bits, but not arbitrarily far: 2^I and 2^(W-I) are
  // computed exactly, and I = -2^31 would ask for a number of 2^31 bits.
  if (Math.abs(i) > MAX_INTEGER_BITS) throw new FixedTypeError(input, `integer bits I must be -${MAX_INTEGER_BITS}..${MAX_INTEGER_BITS}, got ${i}`);
  let q: QMode = 'AP_TRN';
  let o: OMode = 'AP_WRAP';
  let n = 0;
  if (args[2] !== undefined) {
    const qq = Q_ALIASES[args[2].toUpperCase()];
    if (!qq) throw new FixedTypeError(input, `unknown quantization mode "${args[2]}" (one of ${Q_MODES.join(', ')})`);
    q = qq;
  }
  if (args[3] !== undefined) {
    const oo = O_ALIASES[args[3].toUpperCase()];
    if (!oo) throw new FixedTypeError(input, `unknown overflow mode "${args[3]}" (one of ${O_MODES.join(', ')})`);
    o = oo;
  }
  if (args[4] !== undefined) {
    n = num(args[4], 'saturation bits N');
    if (n < 0 || n > w) throw new FixedTypeError(input, `saturation bits N must be 0..${w}, got ${n}`);
  }
  const signed = kind === 'fixed';
  if (!signed && o === 'AP_WRAP_SM') throw new FixedTypeError(input, 'ap_ufixed cannot use AP_WRAP_SM (the Xilinx headers abort)');
  return fixedType(w, i, signed, q, o, n);
}

/** Like parseType but rejects `auto`. */
export function parseFixed(input: string): FixedType {
  const t = parseType(input);
  if (t === AUTO) throw new FixedTypeError(input, 'a concrete type is required here, not auto');
  return t;
}

/** Shortest correct C++ spelling: defaults left out, e.g. ap_fixed<16,6>, ap_ufixed<8,3,AP_RND,AP_SAT>. */
export function formatType(t: TypeSpec): string {
  if (t === AUTO) return AUTO;
  const isDefaultModes = t.q === 'AP_TRN' && t.o === 'AP_WRAP' && t.n === 0;
  if (t.int && isDefaultModes && t.i === t.w) return `${t.signed ? 'ap_int' : 'ap_uint'}<${t.w}>`;
  const base = t.signed ? 'ap_fixed' : 'ap_ufixed';
  const parts: (string | number)[] = [t.w, t.i];
  if (t.n !== 0) parts.push(t.q, t.o, t.n);
  else if (t.o !== 'AP_WRAP') parts.push(t.q, t.o);
  else if (t.q !== 'AP_TRN') parts.push(t.q);
  return `${base}<${parts.join(',')}>`;
}

/** hls4ml's string form, fully spelled: fixed<16,6,TRN,WRAP,0>, ufixed<...>, int<8>, uint<4>. */
export function formatHls4ml(t: TypeSpec): string {
  if (t === AUTO) return AUTO;
  if (t.int && t.q === 'AP_TRN' && t.o === 'AP_WRAP' && t.n === 0) return `${t.signed ? 'int' : 'uint'}<${t.w}>`;
  return `${t.signed ? 'fixed' : 'ufixed'}<${t.w},${t.i},${t.q.slice(3)},${t.o.slice(3)},${t.n}>`;
}

/** Smallest and largest representable values (as doubles; exact for w <= 53). */
export function typeRange(t: FixedType): { min: number; max: number; lsb: number } {
  const lsb = 2 ** -fracBits(t);
  if (t.signed) return { min: -(2 ** (t.w - 1)) * lsb, max: (2 ** (t.w - 1) - 1) * lsb, lsb };
  return { min: 0, max: (2 ** t.w - 1) * lsb, lsb };
}
