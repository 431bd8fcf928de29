/**
 * @fileoverview Runs every golden ap_fixed case (cast_double, cast_fixed, arith, dot) through the
 * TypeScript core: the BigInt path always, and the Number fast path wherever it applies (destination
 * W <= 53 and an input value that is a double). Prints "N passed, M failed" per file and fails on any
 * mismatch, listing the first ids.
 */

import { describe, expect, it } from 'vitest';
import {
  addRaw,
  divRaw,
  dotIsExact,
  makeDotKernel,
  fracBits,
  isExactInDouble,
  makeQuantizer,
  mulRaw,
  quantizeBig,
  quantizeDoubleBits,
  rawToDouble,
  sameType,
  subRaw,
  type FixedType,
  type RawValue,
} from '../../../src/fixed/index.js';
import { goldenDir, kindOf, readGolden, toFixedType, type GoldenCase } from './golden-data.js';

const files = readGolden();

/** Checks one case; returns a description of the first difference, or null. */
type Checker = (c: GoldenCase) => string | null;

const quantCache = new Map<string, (x: number) => number>();
function fastQ(t: FixedType): (x: number) => number {
  const k = JSON.stringify(t);
  let q = quantCache.get(k);
  if (!q) quantCache.set(k, (q = makeQuantizer(t)));
  return q;
}

/** The fast path on an exact input value given as raw*2^-f, when both input and result are doubles. */
function checkFast(srcRaw: bigint, srcF: number, t: FixedType, want: bigint): string | null {
  if (!isExactInDouble(t)) return null;
  const x = rawToDouble(srcRaw, { w: 1024, i: 1024 - srcF, signed: true, q: 'AP_TRN', o: 'AP_WRAP', n: 0 });
  // Only when the source value itself is exactly a double.
  const back = exactDoubleRaw(x, srcF);
  if (back === null || back !== srcRaw) return null;
  const got = fastQ(t)(x);
  const exp = rawToDouble(want, t);
  return Object.is(got, exp) || (got === 0 && exp === 0) ? null : `fast path gave ${got}, expected ${exp}`;
}

/** raw such that raw * 2^-f === x, if x is an exact multiple of 2^-f. */
function exactDoubleRaw(x: number, f: number): bigint | null {
  if (!Number.isFinite(x)) return null;
  const y = x * 2 ** f;
  if (!Number.isInteger(y) || Math.abs(y) > Number.MAX_SAFE_INTEGER) return null;
  return BigInt(y);
}

const checkers: Record<string, Checker> = {
  cast_double(c) {
    const t = toFixedType(c.t);
    const want = BigInt(c.raw);
    const got = quantizeDoubleBits(c.in_bits, t);
    if (got !== want) return `BigInt path gave raw ${got}, expected ${want}`;
    const tags: string[] = c.tags ?? [];
    if (isExactInDouble(t) && !tags.includes('nan')) {
      const buf = new DataView(new ArrayBuffer(8));
      buf.setBigUint64(0, BigInt('0x' + c.in_bits));
      const x = buf.getFloat64(0);
      const v = fastQ(t)(x);
      const exp = rawToDouble(want, t);
      if (v !== exp) return `fast path gave ${v}, expected ${exp}`;
    }
    return null;
  },
  cast_fixed(c) {
    const s = toFixedType(c.src);
    const t = toFixedType(c.t);
    const want = BigInt(c.raw);
    const srcRaw = BigInt(c.src_raw);
    const got = quantizeBig(srcRaw, -fracBits(s), t);
    if (got !== want) return `BigInt path gave raw ${got}, expected ${want}`;
    return checkFast(srcRaw, fracBits(s), t, want);
  },
  arith(c) {
    const a = toFixedType(c.a);
    const b = toFixedType(c.b);
    const ar = BigInt(c.a_raw);
    const br = BigInt(c.b_raw);
    const ops: Record<string, (x: bigint, xt: FixedType, y: bigint, yt: FixedType) => RawValue> = {
      '*': mulRaw,
      '+': addRaw,
      '-': subRaw,
      '/': divRaw,
    };
    const r = ops[c.op]!(ar, a, br, b);
    const rt = toFixedType(c.r);
    if (!sameType(r.type, rt)) return `result type <${r.type.w},${r.type.i},${r.type.signed}> expected <${rt.w},${rt.i},${rt.signed}>`;
    if (r.raw !== BigInt(c.r_raw)) return `full-precision raw ${r.raw}, expected ${c.r_raw}`;
    const t = toFixedType(c.t);
    const want = BigInt(c.raw);
    const got = quantizeBig(r.raw, -fracBits(rt), t);
    if (got !== want) return `cast to destination gave ${got}, expected ${want}`;
    return checkFast(r.raw, fracBits(rt), t, want);
  },
  dot(c) {
    const xt = toFixedType(c.x_t);
    const wt = toFixedType(c.w_t);
    const bt = toFixedType(c.b_t);
    const acct = toFixedType(c.acc_t);
    const rt = toFixedType(c.r_t);
    const fa = fracBits(acct);
    let acc = quantizeBig(BigInt(c.b_raw), -fracBits(bt), acct);
    if (acc !== BigInt(c.acc_init_raw)) return `acc init ${acc}, expected ${c.acc_init_raw}`;
    const mult: bigint[] = [];
    for (let k = 0; k < c.n; k++) {
      const p = mulRaw(BigInt(c.x_raw[k]), xt, BigInt(c.w_raw[k]), wt);
      const m = quantizeBig(p.raw, -fracBits(p.type), acct);
      if (m !== BigInt(c.mult_raw[k])) return `mult[${k}] ${m}, expected ${c.mult_raw[k]}`;
      mult.push(m);
    }
    for (let k = 0; k < c.n; k++) {
      const s = addRaw(acc, acct, mult[k]!, acct);
      acc = quantizeBig(s.raw, -fracBits(s.type), acct);
      if (acc !== BigInt(c.acc_trace_raw[k])) return `acc after ${k} ${acc}, expected ${c.acc_trace_raw[k]}`;
    }
    if (acc !== BigInt(c.acc_raw)) return `acc ${acc}, expected ${c.acc_raw}`;
    const res = quantizeBig(acc, -fa, rt);
    if (res !== BigInt(c.raw)) return `result ${res}, expected ${c.raw}`;
    // Fast path: the same loop on doubles, where every value involved is exactly a double.
    const prodFits = xt.w + wt.w <= 53 && Math.abs(fracBits(xt) + fracBits(wt)) < 900;
    if (prodFits && acct.w <= 52 && isExactInDouble(rt)) {
      const qa = fastQ(acct);
      const x = (c.x_raw as string[]).map((v) => rawToDouble(BigInt(v), xt));
      const w = (c.w_raw as string[]).map((v) => rawToDouble(BigInt(v), wt));
      let fa2 = qa(rawToDouble(BigInt(c.b_raw), bt));
      for (let k = 0; k < c.n; k++) fa2 = qa(fa2 + qa(x[k]! * w[k]!));
      const fres = fastQ(rt)(fa2);
      if (fres !== rawToDouble(res, rt)) return `fast dot gave ${fres}, expected ${rawToDouble(res, rt)}`;
    }
    if (dotIsExact(xt, wt, acct)) {
      const x = (c.x_raw as string[]).map((v) => rawToDouble(BigInt(v), xt));
      // Weights laid out with a stride, as a [nIn, nOut] kernel column would be.
      const w = new Float64Array(c.n * 3);
      (c.w_raw as string[]).forEach((v, k) => (w[1 + 3 * k] = rawToDouble(BigInt(v), wt)));
      const acc2 = makeDotKernel(acct)(x, w, rawToDouble(BigInt(c.b_raw), bt), c.n, 0, 1, 3);
      if (acc2 !== rawToDouble(acc, acct)) return `makeDotKernel gave ${acc2}, expected ${rawToDouble(acc, acct)}`;
    }
    return null;
  },
};

describe(`ap_fixed golden vectors (${goldenDir()})`, () => {
  it('has golden files', () => {
    expect(files.size).toBeGreaterThan(0);
  });
  for (const [name, cases] of files) {
    it(`${name}: every case matches`, () => {
      const kind = kindOf(name, cases[0]);
      expect(kind, `unknown golden file ${name}.jsonl`).toBeDefined();
      const check = checkers[kind!]!;
      const failures: string[] = [];
      for (const c of cases) {
        let err: string | null;
        try {
          err = check(c);
        } catch (e) {
          err = `threw ${(e as Error).message}`;
        }
        if (err) failures.push(`${c.id}: ${err}`);
      }
      console.log(`golden ${name}: ${cases.length - failures.length} passed, ${failures.length} failed`);
      expect(failures.slice(0, 8), `${failures.length} failures`).toEqual([]);
    });
  }
});
