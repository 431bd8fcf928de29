/**
 * @fileoverview Emulator building blocks: casts vs the ap_fixed golden vectors, hls4ml's Resource
 * accumulation order, the softmax reduction tree, table index rules, weights through their decimal
 * text, BatchNorm constants in float32, and a Conv2D with padding against a direct computation.
 */

import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fixedType, parseFixed } from '../../../src/fixed/type.js';
import type { FixedType, QMode, OMode } from '../../../src/fixed/type.js';
import { makeCast, toRaw } from '../../../src/emulator/quant.js';
import { resourceOrder, convPlan, compileMac, densePlan, compileDenseInt } from '../../../src/emulator/mac.js';
import { compileConvInt } from '../../../src/emulator/conv.js';
import { compileSoftmax, defaultInpNorm, expTableSize } from '../../../src/emulator/activations.js';
import { compileActivation } from '../../../src/emulator/activations.js';
import { formatFixedDecimals, quantizeAsPrinted, quantizeDirect, batchNormScaleBias } from '../../../src/emulator/weights.js';
import { indexFromValue, valueFromIndex, sigmoidTable } from '../../../src/emulator/tables.js';
import { dataDir } from '../../helpers/data.js';

const shared = dataDir;
const goldenDir = process.env['FASTML_GOLDEN_DIR'] ?? path.join(shared, 'golden/ap_fixed');
const golden = existsSync(path.join(goldenDir, 'cast_double.jsonl')) ? path.join(goldenDir, 'cast_double.jsonl') : path.join(goldenDir, 'cast_double.jsonl.gz');
const goldenText = (): string => (golden.endsWith('.gz') ? gunzipSync(readFileSync(golden)).toString('utf8') : readFileSync(golden, 'utf8'));

describe('casts', () => {
  it('match the ap_fixed golden double->fixed vectors (W <= 53)', () => {
    let n = 0;
    for (const line of goldenText().split('\n')) {
      if (!line.trim()) continue;
      const g = JSON.parse(line) as { in: string; in_bits: string; t: { w: number; i: number; s: boolean; q: QMode; o: OMode; n: number }; raw: string };
      if (g.t.w > 53) continue;
      const buf = new DataView(new ArrayBuffer(8));
      buf.setBigUint64(0, BigInt('0x' + g.in_bits));
      const x = buf.getFloat64(0);
      if (!Number.isFinite(x) || Math.abs(x) >= 2 ** 1000 || (x !== 0 && Math.abs(x) < 2 ** -1000)) continue;
      const t: FixedType = fixedType(g.t.w, g.t.i, g.t.s, g.t.q, g.t.o, g.t.n);
      if (Math.abs(x * 2 ** (g.t.w - g.t.i)) >= 2 ** 53) continue; // beyond the Number path
      const want = Number(BigInt(g.raw));
      expect(toRaw(x, t), `${g.in} -> ${JSON.stringify(g.t)}`).toBe(want);
      expect(makeCast(t)(x) * 2 ** (g.t.w - g.t.i)).toBe(want);
      n++;
    }
    expect(n).toBeGreaterThan(1000);
  });
});

describe('accumulation order and reductions', () => {
  it('Resource RF <= n_in: i = ir + k*RF (README satacc15)', () => {
    const o = resourceOrder(16, 64, 4);
    expect(o[0]).toEqual([0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]);
    expect(o.every((x) => x.join() === o[0]!.join())).toBe(true);
  });
  it('Resource RF > n_in keeps the input order; RF 1 too', () => {
    expect(resourceOrder(4, 8, 16)[3]).toEqual([0, 1, 2, 3]);
    expect(resourceOrder(5, 3, 1)[2]).toEqual([0, 1, 2, 3, 4]);
  });
  it('softmax sums ((e0+e1)+(e2+e3))+e4 with a cast after each add', () => {
    // accum ufixed<3,3> saturating: 3+3 -> 7? no: sat at 7. The order is visible through saturation.
    const spec = {
      implementation: 'stable' as const,
      inT: parseFixed('fixed<16,6>'),
      resT: parseFixed('fixed<16,6>'),
      accT: parseFixed('fixed<16,6>'),
      expT: parseFixed('fixed<18,8,RND,SAT>'),
      invT: parseFixed('fixed<18,8,RND,SAT>'),
      invInpT: parseFixed('fixed<18,8,RND,SAT>'),
      tableSize: 1024,
      slice: 5,
    };
    const k = compileSoftmax(spec, () => undefined);
    const y = new Float64Array(5);
    k(Float64Array.from([0, 0, 0, 0, 0]), y);
    // exp(0) = 1 each, sum 5 -> inv table at the top 10 bits of fixed<18,8>(5): 1/5 rounded.
    expect(y[0]).toBeCloseTo(0.2, 2);
    expect(new Set(y).size).toBe(1);
    expect(defaultInpNorm(parseFixed('fixed<16,6>'))).toMatchObject({ w: 15, i: 5, signed: false, q: 'AP_TRN', o: 'AP_WRAP' });
    expect(expTableSize(2048, parseFixed('fixed<16,6>'))).toBe(2048);
    expect(expTableSize(1024, parseFixed('fixed<8,3>'))).toBe(128);
    expect(expTableSize(1024, parseFixed('ufixed<8,3>'))).toBe(1024);
    expect(expTableSize(1024, parseFixed('fixed<8,3>'), false)).toBe(1024);
  });
  it('argmax gives a one-hot at the first maximum', () => {
    const k = compileSoftmax({ implementation: 'argmax', inT: parseFixed('fixed<8,3>'), resT: parseFixed('ufixed<8,0,RND,SAT>'), accT: parseFixed('fixed<16,6>'), expT: parseFixed('fixed<18,8>'), invT: parseFixed('fixed<18,8>'), invInpT: parseFixed('fixed<18,8>'), tableSize: 1024, slice: 4 }, () => undefined);
    const y = new Float64Array(4);
    k(Float64Array.from([1, 3, 3, -2]), y);
    expect(Array.from(y)).toEqual([0, 0.99609375, 0, 0]);
  });
});

describe('tables', () => {
  it('bit-slice index and value are inverse on the top bits', () => {
    const t = parseFixed('fixed<18,8,RND,SAT>');
    for (const i of [0, 1, 511, 512, 1023]) expect(indexFromValue(t, 10, valueFromIndex(t, 10, i))).toBe(i);
    expect(valueFromIndex(t, 10, 512)).toBe(-128);
    expect(valueFromIndex(parseFixed('ufixed<15,5>'), 10, 1)).toBe(1 / 32);
  });
  it('sigmoid table: entry N/2 is sigmoid(0) = 0.5, index rule trunc0(x*N/16)+N/2', () => {
    const t = sigmoidTable(1024, parseFixed('fixed<18,8>'));
    expect(t[512]).toBe(0.5);
    const k = compileActivation({ kind: 'sigmoid', inT: parseFixed('fixed<16,6>'), resT: parseFixed('fixed<18,8>'), tableT: parseFixed('fixed<18,8>'), tableSize: 1024 }, () => undefined);
    const y = new Float64Array(3);
    k(Float64Array.from([-0.01, 0.01, 100]), y);
    expect(y[0]).toBe(t[512]); // trunc toward zero: -0.64 -> 0
    expect(y[1]).toBe(t[512]);
    expect(y[2]).toBe(t[1023]);
  });
});

describe('weights', () => {
  it("print with F decimals rounds half to even like Python's format", () => {
    expect(formatFixedDecimals(0.125, 2)).toBe('0.12');
    expect(formatFixedDecimals(0.375, 2)).toBe('0.38');
    expect(formatFixedDecimals(-2.5, 0)).toBe('-2');
    expect(formatFixedDecimals(1e-7, 3)).toBe('0.000');
  });
  it('print-then-parse differs from direct quantization on an RND tie', () => {
    // 0.0703125 = 9/128 is a tie for fixed<8,2,RND> (F=6, LSB 1/64): direct RND gives 5/64,
    // printed with 6 decimals it is 0.070312 (half-even), which rounds to 4/64.
    const t = parseFixed('fixed<8,2,RND,SAT>');
    expect(quantizeDirect([0.0703125], t)[0]).toBe(5 / 64);
    expect(quantizeAsPrinted([0.0703125], t)[0]).toBe(4 / 64);
  });
  it('BatchNorm constants follow float32 numpy', () => {
    const { scale, bias } = batchNormScaleBias([2], [1], [0.5], [3], 1e-3);
    const s = Math.fround(2 / Math.fround(Math.sqrt(Math.fround(3 + Math.fround(1e-3)))));
    expect(scale[0]).toBe(s);
    expect(bias[0]).toBe(Math.fround(1 - Math.fround(s * 0.5)));
  });
});

describe('MAC kernels', () => {
  const t = { x: parseFixed('fixed<8,3>'), w: parseFixed('fixed<8,2>'), acc: parseFixed('fixed<12,5>'), res: parseFixed('fixed<10,5>') };
  it('Conv2D same padding equals a direct sum with per-product casts', () => {
    const H = 4, W = 4, C = 2, F = 3;
    const plan = convPlan({ inSp: [H, W], outSp: [H, W], kernel: [3, 3], strides: [1, 1], dilations: [1, 1], padBefore: [1, 1], cIn: C, cOut: F, groups: 1 }, 'latency', 1);
    const wq = quantizeDirect(Array.from({ length: 3 * 3 * C * F }, (_, i) => Math.sin(i) * 1.5), t.w);
    const bq = quantizeDirect([0.25, -0.5, 1], t.acc);
    const x = quantizeDirect(Array.from({ length: H * W * C }, (_, i) => Math.cos(i * 1.7) * 3), t.x);
    const y = new Float64Array(H * W * F);
    compileMac(plan, wq, bq, t)(x, y);
    const cA = makeCast(t.acc);
    const cR = makeCast(t.res);
    for (let oh = 0; oh < H; oh++)
      for (let ow = 0; ow < W; ow++)
        for (let f = 0; f < F; f++) {
          let acc = cA(bq[f]!);
          for (let kh = 0; kh < 3; kh++)
            for (let kw = 0; kw < 3; kw++)
              for (let c = 0; c < C; c++) {
                const ih = oh - 1 + kh, iw = ow - 1 + kw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc = cA(acc + cA(x[(ih * W + iw) * C + c]! * wq[((kh * 3 + kw) * C + c) * F + f]!));
              }
          expect(y[(oh * W + ow) * F + f]).toBe(cR(acc));
        }
  });
  it('the input-major integer Dense kernel equals the general kernel (WRAP and SAT, TRN and RND)', () => {
    for (const acc of ['fixed<12,5>', 'fixed<10,3,TRN,SAT>', 'fixed<11,4,RND,SAT>', 'fixed<11,4,RND>']) {
      const T = { ...t, acc: parseFixed(acc) };
      const nIn = 7, nOut = 5;
      const wq = quantizeDirect(Array.from({ length: nIn * nOut }, (_, i) => Math.sin(i * 3.1) * 1.9), T.w);
      const bq = quantizeDirect([0.5, -1, 0, 2, -3], T.acc);
      const a = compileMac(densePlan(nIn, nOut, 1, 'latency', 1), wq, bq, T);
      const b = compileDenseInt(nIn, nOut, 1, Array.from({ length: nIn }, (_, i) => i), wq, bq, T)!;
      expect(b).toBeDefined();
      for (let r = 0; r < 200; r++) {
        const x = quantizeDirect(Array.from({ length: nIn }, (_, i) => (r % 3 === 0 && i % 2 ? 0 : Math.sin(r * 7 + i) * 4)), T.x);
        const ya = new Float64Array(nOut), yb = new Float64Array(nOut);
        a(x, ya);
        b(x, yb);
        expect(Array.from(yb)).toEqual(Array.from(ya));
      }
    }
  });
  it('the per-pixel integer Conv kernel equals the general plan (strided, dilated, padded, Resource order)', () => {
    const T = { ...t, acc: parseFixed('fixed<12,5,TRN,SAT>') };
    for (const [cOut, strategy, rf] of [[8, 'latency', 1], [3, 'resource', 2], [5, 'latency', 1]] as const) {
      const g = { inSp: [5, 6], outSp: [3, 3], kernel: [3, 2], strides: [2, 2], dilations: [1, 2], padBefore: [1, 0], cIn: 2, cOut, groups: 1 };
      const wq = quantizeDirect(Array.from({ length: 3 * 2 * 2 * cOut }, (_, i) => Math.sin(i * 1.3) * 1.7), T.w);
      const bq = quantizeDirect(Array.from({ length: cOut }, (_, i) => i / 4 - 0.5), T.acc);
      const a = compileMac(convPlan(g, strategy, rf), wq, bq, T);
      const b = compileConvInt(g, strategy, rf, wq, bq, T, 1)!;
      expect(b).toBeDefined();
      for (let r = 0; r < 50; r++) {
        const x = quantizeDirect(Array.from({ length: 5 * 6 * 2 }, (_, i) => Math.cos(r * 5 + i) * 5), T.x);
        const ya = new Float64Array(9 * cOut), yb = new Float64Array(9 * cOut);
        a(x, ya);
        b(x, yb);
        expect(Array.from(yb)).toEqual(Array.from(ya));
      }
    }
  });
});
