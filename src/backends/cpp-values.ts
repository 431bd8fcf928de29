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

/** The exact decimal expansion of a finite double, e.g. 0.1 -> "0.1000000000000000055511151231257827021181583404541015625". */
export function exactDecimal(v: number): string {
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

/** A brace initializer, `per` values a line, indented: "{\n  1, 2,\n  3}". */
export function cppArrayInit(values: ArrayLike<number>, per = 8, fmt: (v: number) => string = exactDecimal): string {
  const items: string[] = [];
  for (let k = 0; k < values.length; k++) items.push(fmt(values[k]!));
  if (items.length === 0) return '{}';
  const lines: string[] = [];
  for (let k = 0; k < items.length; k += per) lines.push('    ' + items.slice(k, k + per).join(', '));
  return `{\n${lines.join(',\n')}\n}`;
}
