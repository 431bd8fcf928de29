/**
 * @fileoverview Printing fixed-point constants so that the C++ sees exactly the value fastml
 * computed: weights, biases, tables and parameters are printed as exact decimal literals.
 *
 * Every value of a type with W <= 53 is a double, and every double is a finite binary fraction,
 * hence has a finite decimal expansion: m * 2^-k = m * 5^k / 10^k. Printing that expansion in full
 * (up to k fractional digits) gives a literal that a conforming C++ compiler converts to exactly the
 * same double, which the ap_fixed constructor then stores without rounding. JavaScript's shortest
 * round-trip form would also parse back to the same double, but the full expansion makes the exact
 * value visible to someone reading weights/*.h.
 */

import { InternalError } from '../diagnostics/diagnostic.js';
import { releaseTextKernel, takeTextKernel, TEXT_VALUES, type TextKernel } from './cpp-values-wasm.js';
import { isRawConst, type QuantConst } from '../emulator/raw-const.js';

const scratch = new DataView(new ArrayBuffer(8));

/**
 * The exact decimal expansion of a finite double, the reference way (BigInt: m * 5^k / 10^k).
 * exactDecimal gives the same text faster; this stays as its specification and fallback.
 */
export function exactDecimalBig(v: number): string {
  if (!Number.isFinite(v)) throw new InternalError(`cannot print non-finite constant ${v}`);
  if (v === 0) return '0';
  if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) return String(v);
  scratch.setFloat64(0, v);
  const bits = scratch.getBigUint64(0);
  const neg = bits >> 63n === 1n;
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  let m = exp === 0 ? frac : frac | (1n << 52n);
  let e = exp === 0 ? -1074 : exp - 1075;
  while (m % 2n === 0n && e < 0) {
    m /= 2n;
    e++;
  }
  let body: string;
  if (e >= 0) {
    body = (m << BigInt(e)).toString();
  } else {
    const k = -e;
    const digits = (m * 5n ** BigInt(k)).toString().padStart(k + 1, '0');
    body = `${digits.slice(0, digits.length - k)}.${digits.slice(digits.length - k)}`.replace(/\.?0+$/, '');
  }
  return neg ? `-${body}` : body;
}

/**
 * The exact decimal expansion of a finite double, e.g. 0.1 -> "0.1000000000000000055511151231257827021181583404541015625".
 *
 * A double with k fractional bits (v * 2^k an integer, k minimal) has exactly k fractional decimal
 * digits, the last one a 5. Number.prototype.toFixed(k) is specified to return the decimal with k
 * digits nearest to v, which is then v itself, so for k <= 100 (toFixed's limit) and |v| < 1e21
 * (where toFixed switches to exponent notation) it is the exact expansion with no trailing zero.
 * Everything else (tiny or huge values) goes through the BigInt form.
 */
export function exactDecimal(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) return v === 0 ? '0' : String(v);
  const a = Math.abs(v);
  if (a < 2 ** 31) {
    // Up to 15 fractional bits (every weight of a type with F <= 15): integer part, then the
    // fraction r / 2^k printed as the integer r * 5^k (< 10^15 < 2^53, so exact) on k digits.
    const ip = Math.floor(a);
    let r = a - ip;
    let k = 0;
    while (!Number.isInteger(r) && k < 15) {
      r *= 2;
      k++;
    }
    if (Number.isInteger(r)) return `${v < 0 ? '-' : ''}${ip}.${String(r * POW5[k]!).padStart(k, '0')}`;
  }
  if (a < 1e21) {
    let s = v;
    let k = 0;
    while (!Number.isInteger(s) && k <= 100) {
      s *= 2;
      k++;
    }
    if (k <= 100) return v.toFixed(k);
  }
  return exactDecimalBig(v);
}

const POW5 = Array.from({ length: 16 }, (_, k) => 5 ** k);

/** Values in output order, read in blocks (a view that is not an array, such as a transpose). */
export interface ValueSource {
  readonly length: number;
  /** Copies values [start, start + dst.length) into dst. */
  readonly read: (start: number, dst: Float64Array) => void;
}

/** Quantized constants (their doubles, or raw integers read as raw * 2^-F block by block) as values in order. */
export function constSource(q: QuantConst): Float64Array | ValueSource {
  if (!isRawConst(q)) return q;
  const { raw, inv } = q;
  return {
    length: q.length,
    read(start, dst) {
      for (let k = 0; k < dst.length; k++) dst[k] = raw[start + k]! * inv;
    },
  };
}

/** A source reading a row-major [rows, cols] matrix (values, or quantized constants) in transposed ([cols, rows]) order. */
export function transposedSource(values: ArrayLike<number> | QuantConst, rows: number, cols: number): ValueSource {
  const raw = !(values instanceof Float64Array) && 'raw' in values;
  const src: ArrayLike<number> = raw ? values.raw : values;
  const inv = raw ? values.inv : 1;
  return {
    length: rows * cols,
    read(start, dst) {
      // Output index k = c * rows + r reads src[r * cols + c].
      let r = start % rows;
      let c = Math.floor(start / rows);
      for (let k = 0; k < dst.length; k++) {
        dst[k] = src[r * cols + c]! * inv;
        if (++r === rows) {
          r = 0;
          c++;
        }
      }
    },
  };
}

const CHUNK = 1 << 16;

/** "00".."99" as ASCII pairs: digits are written two at a time. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, k) => 48 + (k & 1 ? (k >> 1) % 10 : Math.floor((k >> 1) / 10)));

/** Writes the `count` low decimal digits of x (an integer 0 <= x < 2^31) ending before `end`, zero-padded. */
function putDigits(buf: Uint8Array, end: number, x: number, count: number): void {
  let p = end;
  while (count >= 2) {
    const q = (x / 100) | 0;
    const r = (x - q * 100) << 1;
    buf[--p] = PAIRS[r + 1]!;
    buf[--p] = PAIRS[r]!;
    x = q;
    count -= 2;
  }
  if (count === 1) buf[--p] = 48 + (x % 10);
}

/** Decimal digits of an integer 0 <= x < 2^31 (at least 1). */
function digitCount(x: number): number {
  let n = 1;
  while (n < 10 && x >= POW10[n]!) n++;
  return n;
}

const POW10 = Array.from({ length: 11 }, (_, k) => 10 ** k);

/**
 * The fractional text (".ddd", without trailing zeros) of every fraction y / 2^15, y in [1, 2^15),
 * made on first use and kept: a weight of a type with F <= 15 fractional bits is an integer times
 * 2^-F, so its fraction is one of at most 2^F texts (1 024 for fixed<16,6>) shared by all its
 * values, and printing it is a copy of at most 16 bytes instead of a division per two digits.
 * FRAC_LEN[y] = 0 means "not made yet"; 2^15 x 16 bytes = 512 KiB, allocated on the first weight.
 */
let FRAC_TEXT: Uint8Array | undefined;
let FRAC_LEN: Uint8Array | undefined;

/** Makes the text of y / 2^15 (0 < y < 2^15) into FRAC_TEXT[16 y ..]: '.', then r * 5^k on exactly k digits. */
function makeFraction(text: Uint8Array, len: Uint8Array, y: number): number {
  const tz = 31 - Math.clz32(y & -y);
  const k = 15 - tz;
  const r = y >> tz;
  // r * 5^k < 10^k (r < 2^k): exactly k digits, the last one a 5, so no trailing zero.
  const f = r * POW5[k]!;
  const at = y << 4;
  text[at] = 46; // '.'
  if (k <= 9) putDigits(text, at + 1 + k, f, k);
  else {
    const hi = Math.floor(f / 1e9);
    putDigits(text, at + 1 + k, f - hi * 1e9, 9);
    putDigits(text, at + 1 + k - 9, hi, k - 9);
  }
  len[y] = k + 1;
  return k + 1;
}

/**
 * Writes exactDecimal(v) as ASCII into buf at pos for the common case (|v| < 2^31, at most 15
 * fractional bits: the same text as exactDecimal's first path, no string); returns the new
 * position, or -1 when v needs the general path. The integer part is written in int32 arithmetic,
 * the fraction copied from its table entry (FRAC_TEXT).
 */
function writeDecimal(buf: Uint8Array, pos: number, v: number): number {
  const a = Math.abs(v);
  if (!(a < 2 ** 31)) return -1;
  const ip = Math.floor(a);
  const y = (a - ip) * 32768;
  if (!Number.isInteger(y)) return -1;
  if (v < 0) buf[pos++] = 45; // '-'
  if (ip < 10) buf[pos++] = 48 + ip;
  else {
    const n = digitCount(ip);
    putDigits(buf, pos + n, ip, n);
    pos += n;
  }
  if (y === 0) return pos;
  const text = (FRAC_TEXT ??= new Uint8Array(32768 * 16));
  const lens = (FRAC_LEN ??= new Uint8Array(32768));
  const len = lens[y]! || makeFraction(text, lens, y);
  const at = y << 4;
  for (let j = 0; j < len; j++) buf[pos + j] = text[at + j]!;
  return pos + len;
}

/** Writes an ASCII string into buf at pos (exactDecimal and integer texts are ASCII). */
function writeAscii(buf: Uint8Array, pos: number, s: string): number {
  for (let j = 0; j < s.length; j++) buf[pos++] = s.charCodeAt(j);
  return pos;
}

/** Where writeRun stopped: the position in the buffer, and whether value j needs the general path. */
let runPos = 0;
let runFail = false;

/**
 * Writes values j.. of a block (separators, then writeDecimal) until the block ends, the buffer
 * reaches CHUNK, or a value needs the general path (its separator is written; runFail is set);
 * returns the index to continue from, the position in runPos. A plain function called once per
 * few thousand values, rather than the loop inside the generator: a fresh process runs it
 * optimised after a few calls, where the generator's own loop waited for on-stack replacement.
 */
function writeRun(buf: Uint8Array, pos: number, vals: ArrayLike<number>, off: number, k0: number, j: number, m: number, per: number): number {
  runFail = false;
  for (; j < m; j++) {
    const k = k0 + j;
    if (k % per === 0) {
      if (k !== 0) {
        buf[pos++] = 44; // ',\n'
        buf[pos++] = 10;
      }
      buf[pos++] = 32;
      buf[pos++] = 32;
      buf[pos++] = 32;
      buf[pos++] = 32;
    } else {
      buf[pos++] = 44; // ', '
      buf[pos++] = 32;
    }
    const p = writeDecimal(buf, pos, vals[off + j]!);
    if (p < 0) {
      runFail = true;
      break;
    }
    pos = p;
    if (pos >= CHUNK) {
      j++;
      break;
    }
  }
  runPos = pos;
  return j;
}

/**
 * The text of cppArrayInit as ASCII bytes in pieces of about 64 KiB, so that a 10M-value array is
 * never one string (nor an array of 10M strings): the writer streams the pieces to the file and
 * its hash. Values are formatted straight into the bytes (writeDecimal) where they can be.
 * A piece is a view of one reused buffer, valid until the next piece is asked for (the writer and
 * cppArrayInit use each piece at once): no 64 KiB copy per piece.
 */
export function* cppArrayChunks(values: ArrayLike<number> | ValueSource, per = 8, fmt: (v: number) => string = exactDecimal): Generator<Uint8Array> {
  const n = values.length;
  const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
  if (n === 0) {
    yield enc('{}');
    return;
  }
  const direct = fmt === exactDecimal;
  const kern = direct && n >= TEXT_WASM_MIN && textOptions.wasm ? takeTextKernel() : undefined;
  if (kern) {
    try {
      yield* wasmArrayChunks(values, per, kern);
    } finally {
      releaseTextKernel(kern);
    }
    return;
  }
  const src = 'read' in values ? values : undefined;
  const block = new Float64Array(src ? Math.min(n, 4096) : 0);
  // Room for one more value of any length (exactDecimal of a subnormal is ~770 characters).
  const buf = new Uint8Array(CHUNK + 2048);
  let pos = writeAscii(buf, 0, '{\n');
  for (let k0 = 0; k0 < n; k0 += 4096) {
    const m = Math.min(4096, n - k0);
    let vals: ArrayLike<number> = values as ArrayLike<number>;
    let off = k0;
    if (src) {
      src.read(k0, m === block.length ? block : block.subarray(0, m));
      vals = block;
      off = 0;
    }
    if (direct) {
      let j = 0;
      while (j < m) {
        j = writeRun(buf, pos, vals, off, k0, j, m, per);
        pos = runPos;
        if (runFail) {
          // Value j (its separator written) needs the general path.
          const t = fmt(vals[off + j]!);
          if (pos + t.length > buf.length) {
            yield buf.subarray(0, pos);
            pos = 0;
          }
          if (t.length > buf.length) yield enc(t);
          else pos = writeAscii(buf, pos, t);
          j++;
        }
        if (pos >= CHUNK) {
          yield buf.subarray(0, pos);
          pos = 0;
        }
      }
      continue;
    }
    for (let j = 0; j < m; j++) {
      const k = k0 + j;
      if (k % per === 0) pos = writeAscii(buf, pos, k === 0 ? '    ' : ',\n    ');
      else {
        buf[pos++] = 44; // ', '
        buf[pos++] = 32;
      }
      const v = vals[off + j]!;
      {
        const t = fmt(v);
        if (pos + t.length > buf.length) {
          yield buf.subarray(0, pos);
          pos = 0;
        }
        if (t.length > buf.length) yield enc(t);
        else pos = writeAscii(buf, pos, t);
      }
      if (pos >= CHUNK) {
        yield buf.subarray(0, pos);
        pos = 0;
      }
    }
  }
  pos = writeAscii(buf, pos, '\n}');
  yield buf.subarray(0, pos);
}

/** Arrays from this length on are printed by the WebAssembly writer (a smaller one costs more to set up than to print). */
const TEXT_WASM_MIN = 2048;

/** Switch for the tests: false prints every array with the JavaScript loop. */
export const textOptions = { wasm: true };

/**
 * cppArrayChunks for exactDecimal through the WebAssembly writer (cpp-values-wasm.ts): the values
 * go a block at a time into its memory (a ValueSource reads straight into it), the text comes out
 * in its memory, and each piece yielded is a view of that memory (valid until the next piece, as
 * in cppArrayChunks). A value the writer does not cover is printed here with exactDecimal.
 */
function* wasmArrayChunks(values: ArrayLike<number> | ValueSource, per: number, k: TextKernel): Generator<Uint8Array> {
  const n = values.length;
  const src = 'read' in values ? values : undefined;
  const typed = !src && ArrayBuffer.isView(values) ? (values as unknown as Float64Array) : undefined;
  const buf = k.out;
  const { vals: vOff, out: oOff, state: sOff } = k.offsets;
  let pos = writeAscii(buf, 0, '{\n');
  for (let k0 = 0; k0 < n; k0 += TEXT_VALUES) {
    const m = Math.min(TEXT_VALUES, n - k0);
    const block = m === TEXT_VALUES ? k.vals : k.vals.subarray(0, m);
    if (src) src.read(k0, block);
    else if (typed) block.set(typed.subarray(k0, k0 + m));
    else for (let j = 0; j < m; j++) block[j] = (values as ArrayLike<number>)[k0 + j]!;
    let j = 0;
    while (j < m) {
      j = k.run(vOff, j, m, k0, per, oOff, pos, CHUNK, sOff);
      pos = k.state[0]!;
      if (k.state[1] === 1) {
        // Value j (its separator written) needs the general path.
        const t = exactDecimal(block[j]!);
        if (pos + t.length > buf.length) {
          yield buf.subarray(0, pos);
          pos = 0;
        }
        if (t.length > buf.length) yield Uint8Array.from(t, (c) => c.charCodeAt(0));
        else pos = writeAscii(buf, pos, t);
        j++;
      }
      if (pos >= CHUNK) {
        yield buf.subarray(0, pos);
        pos = 0;
      }
    }
  }
  pos = writeAscii(buf, pos, '\n}');
  yield buf.subarray(0, pos);
}

/** A brace initializer, `per` values a line, indented: "{\n  1, 2,\n  3}". */
export function cppArrayInit(values: ArrayLike<number> | ValueSource, per = 8, fmt: (v: number) => string = exactDecimal): string {
  let s = '';
  for (const c of cppArrayChunks(values, per, fmt)) s += Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('latin1');
  return s;
}

/**
 * Placeholder printed by the template where a streamed array's initializer goes (see
 * project.ts): NUL bytes never occur in generated C++ or in identifiers.
 */
export const streamMarker = (name: string): string => `\u0000fml-array:${name}\u0000`;
