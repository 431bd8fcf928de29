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
  if (Math.abs(v) < 1e21) {
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

/** Values in output order: `at(k)` for k in [0, length). */
export interface ValueSource {
  readonly length: number;
  readonly valueAt: (k: number) => number;
}

/** A source reading a row-major [rows, cols] matrix in transposed ([cols, rows]) order. */
export function transposedSource(src: ArrayLike<number>, rows: number, cols: number): ValueSource {
  return { length: rows * cols, valueAt: (k) => src[(k % rows) * cols + Math.floor(k / rows)]! };
}

const CHUNK = 1 << 16;

/**
 * The text of cppArrayInit in pieces of about 64 KiB, so that a 10M-value array is never one
 * string (and never a 10M-element array of strings): the writer streams the pieces to the file.
 */
export function* cppArrayChunks(values: ArrayLike<number> | ValueSource, per = 8, fmt: (v: number) => string = exactDecimal): Generator<string> {
  const n = values.length;
  if (n === 0) {
    yield '{}';
    return;
  }
  const at = 'valueAt' in values ? values.valueAt : (k: number) => (values as ArrayLike<number>)[k]!;
  let buf = '{\n';
  for (let k = 0; k < n; k++) {
    if (k % per === 0) buf += k === 0 ? '    ' : ',\n    ';
    else buf += ', ';
    buf += fmt(at(k));
    if (buf.length >= CHUNK) {
      yield buf;
      buf = '';
    }
  }
  yield buf + '\n}';
}

/** A brace initializer, `per` values a line, indented: "{\n  1, 2,\n  3}". */
export function cppArrayInit(values: ArrayLike<number> | ValueSource, per = 8, fmt: (v: number) => string = exactDecimal): string {
  let s = '';
  for (const c of cppArrayChunks(values, per, fmt)) s += c;
  return s;
}

/**
 * Placeholder printed by the template where a streamed array's initializer goes (see
 * project.ts): NUL bytes never occur in generated C++ or in identifiers.
 */
export const streamMarker = (name: string): string => `\u0000fml-array:${name}\u0000`;
