/**
 * @fileoverview How constants reach the firmware, bit for bit.
 *
 * hls4ml writes weights as decimal text with as many decimals as the weight type has fractional
 * bits (Python `'{:.Ff}'.format(float32)`, round-half-even on the exact binary value), and the C++
 * parses that text as a double and casts it to the weight type. That is direct quantization except
 * when the printed decimal moves a value across a rounding boundary of the type (ties under the RND
 * modes, values just above a grid point under TRN). `quantizeAsPrinted` reproduces the
 * print-then-parse exactly; `quantizeDirect` is the plain cast, for generated code that emits exact
 * values.
 *
 * BatchNorm scale and bias are computed the way hls4ml's numpy code computes them from the float32
 * arrays: scale = gamma / sqrt(var + eps), bias = beta - scale * mean, all in float32.
 */

import type { FixedType } from '../fixed/type.js';
import { fracBits } from '../fixed/type.js';
import { makeCast } from './quant.js';
import { makeQuantizer } from '../fixed/fast.js';
import { fusedKernel, WASM_CHUNK, WASM_LAYOUT } from './weights-wasm.js';
import { constDoubles, isRawConst, type QuantConst, type RawInts } from './raw-const.js';

export { constDoubles, isRawConst, type QuantConst, type RawConst, type RawInts } from './raw-const.js';

const f32 = Math.fround;

/** Exact (mantissa, exponent) of a finite double: x = m * 2^e with m an integer. */
function decompose(x: number): { m: bigint; e: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const expBits = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (expBits === 0) return { m: sign * frac, e: -1074 };
  return { m: sign * (frac | (1n << 52n)), e: expBits - 1075 };
}

/** Python's '{:.Nf}'.format(x) for a finite double: exact value, rounded half-to-even. */
export function formatFixedDecimals(x: number, decimals: number): string {
  // Not (0).toFixed(decimals): toFixed stops at 100 digits, and a type with many fractional
  // bits (an extreme precision) asks for more.
  if (x === 0) return (Object.is(x, -0) ? '-' : '') + (decimals > 0 ? `0.${'0'.repeat(decimals)}` : '0');
  const { m, e } = decompose(x);
  const neg = m < 0n;
  const am = neg ? -m : m;
  const p10 = 10n ** BigInt(decimals);
  let n: bigint;
  if (e >= 0) n = (am << BigInt(e)) * p10;
  else {
    const num = am * p10;
    const den = 1n << BigInt(-e);
    n = num / den;
    const rem = num - n * den;
    const twice = rem * 2n;
    if (twice > den || (twice === den && n % 2n === 1n)) n += 1n;
  }
  let s = n.toString();
  if (decimals > 0) {
    s = s.padStart(decimals + 1, '0');
    s = `${s.slice(0, -decimals)}.${s.slice(-decimals)}`;
  }
  return (neg ? '-' : '') + s;
}

/**
 * Weights cast through their decimal text form, the reference way: print every value with
 * formatFixedDecimals (BigInt), parse it back, cast. quantizeAsPrinted gives the same bits faster;
 * this is kept as its specification (the tests compare the two).
 */
export function quantizeAsPrintedExact(values: ArrayLike<number>, t: FixedType): Float64Array {
  const cast = makeCast(t);
  const decimals = Math.max(0, fracBits(t));
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = Number.isFinite(v) ? cast(Number.parseFloat(formatFixedDecimals(v, decimals))) : cast(v);
  }
  return out;
}

/**
 * Weights cast through their decimal text form, as hls4ml's generated C++ sees them, without
 * printing them when the text cannot matter.
 *
 * Why this is exact: the cast is piecewise constant in y = x * 2^F, with steps only where y is a
 * multiple of 1/2 (grid points for the truncating modes, midpoints for the rounding modes;
 * saturation and wrapping act on the rounded integer, so they add no other step). The printed
 * decimal p (D = max(0, F) decimals) differs from x by at most 10^-D / 2, and parsing p back to a
 * double moves it by at most half an ulp. So when y is at least that far (scaled by 2^F, with a
 * 1% and a relative 2^-50 margin) from every multiple of 1/2, x and the parsed p cast to the same
 * value. When y is an integer, x has at most F fractional bits, hence an exact decimal form of at
 * most D digits: p = x. Everything else (values within about 10^-D of a step, and every value of
 * a type with F <= 0, where D = 0 rounds to integers) takes the reference path above.
 */
export function quantizeAsPrinted(values: ArrayLike<number>, t: FixedType): Float64Array {
  const cast = makeCast(t);
  const F = fracBits(t);
  const decimals = Math.max(0, F);
  const scale = 2 ** F;
  // Half a unit of the last printed decimal, in units of y, with 1% to spare.
  const margin = 0.5 * 10 ** -decimals * scale * 1.01;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const y = v * scale;
    // (y === 0 with v !== 0 is an underflow of v * 2^F, F < 0: not an exact y.)
    if (Number.isInteger(y) && (y !== 0 || v === 0)) {
      out[i] = cast(v);
      continue;
    }
    // Distance from y to the nearest multiple of 1/2 (exact: 2y - round(2y) of a double is exact).
    const y2 = 2 * y;
    const d = Math.abs(y2 - Math.round(y2)) / 2;
    if (F > 0 && d > margin + Math.abs(y) * 2 ** -50) out[i] = cast(v);
    else out[i] = Number.isFinite(v) ? cast(Number.parseFloat(formatFixedDecimals(v, decimals))) : cast(v);
  }
  return out;
}

export function quantizeDirect(values: ArrayLike<number>, t: FixedType): Float64Array {
  const cast = makeCast(t);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = cast(values[i]!);
  return out;
}

/**
 * What the plain cast to a type does to an array of constants: the figures the weight checks
 * report (check-weight-types: destroyed and changed weights; the sparsity report and the estimate:
 * zeros). They describe the direct cast, not the printed decimal (the two differ only for values
 * within about 10^-F of a rounding step).
 */
export interface CastStats {
  readonly length: number;
  /** Values exactly 0 (either sign) before the cast. */
  readonly zeros: number;
  /** Non-zero values the cast sets to 0. */
  readonly castZeros: number;
  /** Non-zero values the cast sets to 0 or moves by more than half their own magnitude. */
  readonly destroyed: number;
  /** Values the cast changes (c !== v: NaN counts as changed). */
  readonly changed: number;
  /** Values whose rounded integer v * 2^F is 0 before any overflow handling (rawOf below). */
  readonly rawZeros: number;
}

/** The integer of y = v * 2^F under a rounding mode, before overflow (saturation and wrapping aside). */
export const rawOf = (y: number, q: FixedType['q']): number => (q !== 'AP_TRN' && q !== 'AP_TRN_ZERO' ? Math.round(y) : q === 'AP_TRN_ZERO' ? Math.trunc(y) : Math.floor(y));

/**
 * Quantized constants, computed once per (array, type, mode) and shared: the emulator that computes
 * the test bench and the project writer both ask for every layer's weights, and for a large model
 * the quantization is most of the work. Keyed by the source array object (weights are immutable in
 * the IR: passes make new arrays rather than editing them), so a new graph never sees stale values.
 * Callers must not modify the returned array. The cast statistics of an array (castStats: the
 * weight checks, the sparsity report, the estimate) are counted by the same loop, kept beside the
 * values, and made without them when only they are asked for; the test bench and the writer share
 * the values. Arrays of the common types (at most 32 bits) are kept as their raw integers in the
 * narrowest typed array that holds the type (RawConst: a fixed<16,6> weight in 2 bytes, not a
 * double's 8), a large Dense layer's in its kernel's memory (quantizeConstInto): what bounds a
 * large model's memory.
 */
const constCache = new WeakMap<object, Map<string, QuantConst | CastStats>>();

/** A zeroed typed array of n elements that holds every raw value of a W-bit type (W <= 32). */
function rawArray(t: FixedType, n: number): RawInts {
  if (t.w <= 8) return t.signed ? new Int8Array(n) : new Uint8Array(n);
  if (t.w <= 16) return t.signed ? new Int16Array(n) : new Uint16Array(n);
  return t.signed ? new Int32Array(n) : new Uint32Array(n);
}

const typeKey = (t: FixedType, asPrinted: boolean): string => `${t.w},${t.i},${t.signed},${t.q},${t.o},${t.n},${asPrinted}`;

/** Types the fused loop handles: those makeCast casts in doubles with a finite scale (fastPathApplies in src/fixed/codegen.ts). */
const fusable = (t: FixedType): boolean => t.w <= 53 && Math.abs(fracBits(t)) <= 960;

/** Types whose cast the fused loop writes out (at most 32 bits, TRN or RND, WRAP without saturation bits or SAT). */
const inlineCast = (t: FixedType): boolean => t.w <= 32 && (t.q === 'AP_TRN' || t.q === 'AP_RND') && ((t.o === 'AP_WRAP' && t.n === 0) || t.o === 'AP_SAT');

/** Arrays worth caching: small literal arrays (parameters, pad values) may be fresh objects. */
const cacheable = (values: ArrayLike<number>): values is ArrayLike<number> & object => ArrayBuffer.isView(values) && values.length >= 64;

/** The loop-invariant part of quantizeAsPrintedWithStats, one object per array (its chunks read it). */
interface FusedPlan {
  readonly cast: (x: number) => number;
  readonly scale: number;
  readonly inv: number;
  /** quantizeAsPrinted's margin: half a unit of the last printed decimal, in units of y, with 1% to spare. */
  readonly margin: number;
  readonly fracPositive: boolean;
  /** The cast is written out in the loop (TRN/RND, WRAP without saturation bits or SAT, <= 32 bits). */
  readonly inline: boolean;
  readonly rnd: boolean;
  readonly sat: boolean;
  readonly signed: boolean;
  readonly sh: number;
  readonly lo: number;
  readonly hi: number;
  /** rawOf's rounding: 0 floor (TRN), 1 trunc (TRN_ZERO), 2 Math.round (every RND mode). */
  readonly raw: number;
}

/** Counters of one array, in the order of CastStats' fields after `length`. */
const ZEROS = 0;
const CAST_ZEROS = 1;
const DESTROYED = 2;
const CHANGED = 3;
const RAW_ZEROS = 4;

/** Values per call of fusedChunk. */
const FUSED_CHUNK = 4096;

/**
 * Values i0..i1 of quantizeAsPrintedWithStats. Every operation runs for every value (no branch
 * that only some values take calls or compares anything), so the optimised code V8 makes after a
 * few chunks meets no value it has not seen, and is not thrown away half-way through a layer; the
 * values the loop cannot settle (near a step, beyond 2^31 units of the last bit, not finite, an
 * underflowing v * 2^F, or any value the written-out cast does not cover) are listed in `rare`
 * and settled afterwards (settleRare). Returns the number listed.
 */
function fusedChunk(values: ArrayLike<number>, out: Float64Array, outBase: number, i0: number, i1: number, p: FusedPlan, rare: Int32Array): number {
  const { cast, scale, inv, margin, fracPositive, inline, rnd, sat, signed, sh, lo, hi, raw } = p;
  let zeros = 0;
  let castZeros = 0;
  let destroyed = 0;
  let changed = 0;
  let rawZeros = 0;
  let nRare = 0;
  for (let i = i0; i < i1; i++) {
    const v = values[i]!;
    const y = v * scale;
    const fl = Math.floor(y);
    const y2 = 2 * y;
    const farFrac = fracPositive && Math.abs(y2 - Math.round(y2)) / 2 > margin + Math.abs(y) * 2 ** -50;
    const isZero = v === 0;
    const farInt = y !== 0 || isZero;
    const far = y === fl ? farInt : farFrac;
    const q = rnd ? Math.floor(y + 0.5) : fl;
    const c = inline ? (sat ? (q > hi ? hi : q < lo ? lo : q) + 0 : signed ? (q << sh) >> sh : (q << sh) >>> sh) * inv : cast(v);
    out[i - outBase] = c;
    const settled = far && (!inline || (y < 2147483648 && y > -2147483648));
    rare[nRare] = i;
    nRare += settled ? 0 : 1;
    const castZero = c === 0;
    const moved = Math.abs(c - v) > Math.abs(v) / 2;
    zeros += isZero ? 1 : 0;
    castZeros += !isZero && castZero ? 1 : 0;
    destroyed += !isZero && (castZero || moved) ? 1 : 0;
    changed += c !== v ? 1 : 0;
    const r = raw === 0 ? fl : raw === 1 ? Math.trunc(y) : Math.round(y);
    rawZeros += !isZero && r === 0 ? 1 : 0;
  }
  // Module variables, not stores into `counts`: code after the loop has no type feedback when V8
  // first compiles the loop on stack, and a keyed store there sent every chunk back to the
  // interpreter (the cached on-stack code kept its "insufficient type feedback" exit).
  chunkZeros = zeros;
  chunkCastZeros = castZeros;
  chunkDestroyed = destroyed;
  chunkChanged = changed;
  chunkRawZeros = rawZeros;
  return nRare;
}

/** fusedChunk's counts of its last chunk (see there). */
let chunkZeros = 0;
let chunkCastZeros = 0;
let chunkDestroyed = 0;
let chunkChanged = 0;
let chunkRawZeros = 0;

/** Adds (sign 1) or removes (sign -1) value v cast to c from the counts that depend on c. */
function countCast(counts: Float64Array, v: number, c: number, sign: number): void {
  if (v !== 0) {
    if (c === 0) counts[CAST_ZEROS] += sign;
    if (c === 0 || Math.abs(c - v) > Math.abs(v) / 2) counts[DESTROYED] += sign;
  }
  if (c !== v) counts[CHANGED] += sign;
}

/**
 * The values fusedChunk listed: the exact cast (makeCast, or the generated quantizer where v * 2^F
 * underflowed to 0 with v not 0, F < 0: makeCast sees 0, the type's cast of a tiny negative under
 * TRN is -1 LSB), through the printed decimal where the value is near a step (quantizeAsPrinted's
 * slow path), and the counts corrected from the loop's provisional cast to this one.
 */
function settleRare(values: ArrayLike<number>, out: Float64Array, outBase: number, rare: Int32Array, nRare: number, t: FixedType, p: FusedPlan, counts: Float64Array): void {
  const decimals = Math.max(0, fracBits(t));
  let exact: ((x: number) => number) | undefined;
  for (let k = 0; k < nRare; k++) {
    const i = rare[k]!;
    const v = values[i]!;
    const y = v * p.scale;
    const c = y === 0 && v !== 0 ? (exact ??= makeQuantizer(t))(v) : p.cast(v);
    countCast(counts, v, out[i - outBase]!, -1);
    countCast(counts, v, c, 1);
    const far = Number.isInteger(y) ? y !== 0 || v === 0 : p.fracPositive && Math.abs(2 * y - Math.round(2 * y)) / 2 > p.margin + Math.abs(y) * 2 ** -50;
    out[i - outBase] = far || !Number.isFinite(v) ? c : p.cast(Number.parseFloat(formatFixedDecimals(v, decimals)));
  }
}

/**
 * quantizeAsPrinted and the direct cast's statistics in one pass: each value is cast once, and the
 * printed decimal is parsed back only near a step, as in quantizeAsPrinted. For the common types
 * (at most 32 bits, TRN or RND, WRAP without saturation bits or SAT) the cast is written out in the
 * loop; for values at least quantizeAsPrinted's margin from a step and below 2^31 units of the last
 * bit, rounding y + 0.5 down is RND and the shifts are makeCast's wrap, so the loop gives makeCast's
 * doubles (the tests compare them on random types and values); every other value is settled by
 * settleRare.
 */
export function quantizeAsPrintedWithStats(values: ArrayLike<number>, t: FixedType): { q: Float64Array; stats: CastStats } {
  return fusedRun(values, t, 'doubles') as { q: Float64Array; stats: CastStats };
}

/**
 * What the fused loop keeps of the quantized values: nothing (the counts only; each chunk's values
 * go to a scratch buffer), their doubles, or their raw integers where the type has at most 32 bits
 * (a RawConst; its doubles otherwise).
 */
type Keep = 'none' | 'doubles' | 'raw';

/**
 * Where the fused loop puts the quantized values: a whole Float64Array (`out`, the values at their
 * index), or chunk by chunk through a scratch buffer into `raw` (rawChunk) or nowhere.
 */
class FusedSink {
  out: Float64Array | undefined;
  raw: RawInts | undefined;
  constructor(
    private readonly n: number,
    private readonly p: FusedPlan,
    t: FixedType,
    keep: Keep,
    into?: RawInts,
  ) {
    this.raw = keep === 'raw' && p.inline ? (into ?? rawArray(t, n)) : undefined;
    this.out = keep === 'doubles' || (keep === 'raw' && !this.raw) ? new Float64Array(n) : undefined;
  }

  /**
   * Values i0..i0+m (settled, in `chunk` from index 0) into the raw integers. A value that is not
   * a finite number (a saturating cast of NaN) has no raw integer: the values so far are moved to
   * doubles and the array stays doubles (its printing then fails as every non-finite constant's).
   */
  rawChunk(chunk: Float64Array, i0: number, m: number): void {
    const raw = this.raw;
    if (!raw) return;
    const scale = this.p.scale;
    let finite = true;
    for (let j = 0; j < m; j++) {
      const r = chunk[j]! * scale;
      raw[i0 + j] = r;
      finite &&= r - r === 0;
    }
    if (finite) return;
    const out = new Float64Array(this.n);
    const inv = this.p.inv;
    for (let k = 0; k < i0; k++) out[k] = raw[k]! * inv;
    out.set(chunk.subarray(0, m), i0);
    this.out = out;
    this.raw = undefined;
  }

  result(): QuantConst | undefined {
    return this.raw ? { raw: this.raw, inv: this.p.inv, length: this.n } : this.out;
  }
}

/** The fused loop (see quantizeAsPrintedWithStats), keeping what `keep` says of the values. */
function fusedRun(values: ArrayLike<number>, t: FixedType, keep: Keep, into?: RawInts): { q: QuantConst | undefined; stats: CastStats } {
  const F = fracBits(t);
  const qm = t.q;
  const p: FusedPlan = {
    cast: makeCast(t),
    scale: 2 ** F,
    inv: 2 ** -F,
    margin: 0.5 * 10 ** -Math.max(0, F) * 2 ** F * 1.01,
    fracPositive: F > 0,
    inline: inlineCast(t),
    rnd: qm === 'AP_RND',
    sat: t.o === 'AP_SAT',
    signed: t.signed,
    sh: 32 - t.w,
    lo: t.signed ? -(2 ** (t.w - 1)) : 0,
    hi: t.signed ? 2 ** (t.w - 1) - 1 : 2 ** t.w - 1,
    raw: qm === 'AP_TRN' ? 0 : qm === 'AP_TRN_ZERO' ? 1 : 2,
  };
  const n = values.length;
  const sink = new FusedSink(n, p, t, keep, into);
  const counts = new Float64Array(5);
  if (p.inline && (values instanceof Float32Array || values instanceof Float64Array) && fusedWasm(values, sink, p, t, counts)) return { q: sink.result(), stats: statsOf(n, counts) };
  const rare = new Int32Array(FUSED_CHUNK + 1);
  let scratch: Float64Array | undefined;
  for (let i0 = 0; i0 < n; i0 += FUSED_CHUNK) {
    const i1 = Math.min(n, i0 + FUSED_CHUNK);
    const out = sink.out;
    const buf = out ?? (scratch ??= new Float64Array(Math.min(n, FUSED_CHUNK)));
    const base = out ? 0 : i0;
    const nRare = fusedChunk(values, buf, base, i0, i1, p, rare);
    counts[ZEROS] += chunkZeros;
    counts[CAST_ZEROS] += chunkCastZeros;
    counts[DESTROYED] += chunkDestroyed;
    counts[CHANGED] += chunkChanged;
    counts[RAW_ZEROS] += chunkRawZeros;
    if (nRare > 0) settleRare(values, buf, base, rare, nRare, t, p, counts);
    if (!out) sink.rawChunk(buf, i0, i1 - i0);
  }
  return { q: sink.result(), stats: statsOf(n, counts) };
}

const statsOf = (n: number, counts: Float64Array): CastStats => ({ length: n, zeros: counts[ZEROS]!, castZeros: counts[CAST_ZEROS]!, destroyed: counts[DESTROYED]!, changed: counts[CHANGED]!, rawZeros: counts[RAW_ZEROS]! + counts[ZEROS]! });

/** Switch for the tests: false runs the JavaScript loop even where the WebAssembly one applies. */
export const fusedOptions = { wasm: true };

/**
 * quantizeAsPrintedWithStats' loop through the WebAssembly kernel (weights-wasm.ts), chunk by
 * chunk through its memory; false when WebAssembly is unavailable (the caller runs the JavaScript loop).
 */
function fusedWasm(values: Float32Array | Float64Array, sink: FusedSink, p: FusedPlan, t: FixedType, counts: Float64Array): boolean {
  if (!fusedOptions.wasm) return false;
  const f32 = values instanceof Float32Array;
  const k = fusedKernel({ f32, rnd: p.rnd, sat: p.sat, signed: p.signed });
  if (!k) return false;
  const { IN_OFF, OUT_OFF, RARE_OFF, COUNTS_OFF } = WASM_LAYOUT;
  const input = f32 ? new Float32Array(k.buf, IN_OFF, WASM_CHUNK) : new Float64Array(k.buf, IN_OFF, WASM_CHUNK);
  const result = new Float64Array(k.buf, OUT_OFF, WASM_CHUNK);
  const rare = new Int32Array(k.buf, RARE_OFF, WASM_CHUNK + 1);
  const chunkCounts = new Int32Array(k.buf, COUNTS_OFF, 5);
  // rawOf's zero as a range of y: floor [0, 1), trunc (-1, 1), Math.round [-0.5, 0.5).
  const rawLo = p.raw === 0 ? 0 : p.raw === 1 ? -1 + 2 ** -53 : -0.5;
  const rawHi = p.raw === 2 ? 0.5 : 1;
  const n = values.length;
  for (let i0 = 0; i0 < n; i0 += WASM_CHUNK) {
    const m = Math.min(WASM_CHUNK, n - i0);
    input.set(values.subarray(i0, i0 + m));
    const nRare = k.run(IN_OFF, m, OUT_OFF, RARE_OFF, COUNTS_OFF, i0, p.scale, p.inv, p.margin, p.lo, p.hi, rawLo, rawHi, p.sh, p.fracPositive ? 1 : 0);
    for (let j = 0; j < 5; j++) counts[j] += chunkCounts[j]!;
    // (Counts only: the rare values are settled in the kernel's own output.)
    if (nRare > 0) settleRare(values, result, i0, rare, nRare, t, p, counts);
    if (sink.out) sink.out.set(result.subarray(0, m), i0);
    else sink.rawChunk(result, i0, m);
  }
  return true;
}

/**
 * Constants quantized to a type (as printed by hls4ml, or by the direct cast), as doubles: a new
 * array where the cache holds raw integers (quantizeConstRaw gives those without the copy).
 */
export function quantizeConst(values: ArrayLike<number>, t: FixedType, asPrinted: boolean): Float64Array {
  return constDoubles(quantizeConstRaw(values, t, asPrinted));
}

/**
 * Constants quantized to a type, in the form the cache holds them: the raw integers (RawConst) of a
 * large array of a common type, doubles otherwise. Kernels and writers that read values one block
 * at a time take this, so that a large layer's weights never exist as doubles.
 */
export function quantizeConstRaw(values: ArrayLike<number>, t: FixedType, asPrinted: boolean): QuantConst {
  const keep = cacheable(values);
  const key = typeKey(t, asPrinted);
  if (keep) {
    const hit = constCache.get(values)?.get(key);
    if (hit) return hit as QuantConst;
  }
  if (asPrinted && keep && fusable(t)) return fused(values, t, 'raw').q!;
  const out = asPrinted ? quantizeAsPrinted(values, t) : quantizeDirect(values, t);
  if (keep) {
    let m = constCache.get(values);
    if (!m) constCache.set(values, (m = new Map()));
    m.set(key, out);
  }
  return out;
}

/** Runs the fused loop and caches its results (the array must be cacheable, the type fusable). */
function fused(values: ArrayLike<number> & object, t: FixedType, keep: Keep, into?: RawInts): { q: QuantConst | undefined; stats: CastStats } {
  const r = fusedRun(values, t, keep, into);
  let m = constCache.get(values);
  if (!m) constCache.set(values, (m = new Map()));
  if (r.q) m.set(typeKey(t, true), r.q);
  m.set(`${typeKey(t, true)}/stats`, r.stats);
  return r;
}

/**
 * Quantizes `values` (as hls4ml prints them) straight into `dst` as raw integers, and caches dst as
 * the array's quantization (with the cast statistics the same loop counts): an emulator kernel's
 * memory then holds a large layer's weights once for the kernel and for the writer that reads them
 * next (the kernel must never write them). False, with dst to be filled by the caller from
 * quantizeConstRaw, when the array is already cached, is small, its type is not one the loop
 * writes out (at most 32 bits, TRN or RND, WRAP or SAT), dst's integers cannot hold the type's raw
 * values, or a value has none (NaN under SAT: the cache then holds doubles).
 */
export function quantizeConstInto(values: ArrayLike<number>, t: FixedType, asPrinted: boolean, dst: Int16Array | Int32Array): boolean {
  if (!asPrinted || !cacheable(values) || !fusable(t) || dst.length !== values.length) return false;
  const bits = dst instanceof Int16Array ? 16 : 32;
  if (!inlineCast(t) || t.w > (t.signed ? bits : bits - 1) || constCache.get(values)?.has(typeKey(t, true))) return false;
  const q = fused(values, t, 'raw', dst).q!;
  return isRawConst(q) && q.raw === dst;
}

/**
 * The direct cast's statistics for an array and a type (CastStats), or undefined where the fused
 * loop does not apply (types over 53 bits or with |F| > 960; small or plain arrays): callers then
 * count with their own cast. Only the counts are kept: the quantized values are made where they
 * are held (quantizeConstInto: a kernel's memory; quantizeConstRaw: the cache), once.
 */
export function castStats(values: ArrayLike<number>, t: FixedType): CastStats | undefined {
  if (!cacheable(values) || !fusable(t)) return undefined;
  const hit = constCache.get(values)?.get(`${typeKey(t, true)}/stats`);
  if (hit) return hit as CastStats;
  return fused(values, t, 'none').stats;
}

/** BatchNorm scale and bias in float32, as hls4ml computes them with numpy. */
export function batchNormScaleBias(
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  epsilon: number,
): { scale: Float32Array; bias: Float32Array } {
  const n = gamma.length;
  const scale = new Float32Array(n);
  const bias = new Float32Array(n);
  const eps = f32(epsilon);
  for (let i = 0; i < n; i++) {
    const s = f32(f32(gamma[i]!) / f32(Math.sqrt(f32(f32(variance[i]!) + eps))));
    scale[i] = s;
    bias[i] = f32(f32(beta[i]!) - f32(s * f32(mean[i]!)));
  }
  return { scale, bias };
}
