/**
 * @fileoverview The windowed convolution kernel (conv.ts) against the full per-pixel plan: same
 * bits and the same overflow counts for plain, grouped and depthwise convolutions with padding,
 * stride and dilation, Latency and Resource order, the integer, double and BigInt accumulators;
 * and a layer whose full plan would exceed V8's array limit compiles and runs.
 */

import { describe, expect, it } from 'vitest';
import { parseFixed } from '../../../src/fixed/type.js';
import type { Strategy } from '../../../src/ir/graph.js';
import { compileMac, convPlan, densePlan } from '../../../src/emulator/mac.js';
import type { ConvGeom, MacTypes } from '../../../src/emulator/mac.js';
import { compileConv, compileConvWindowed, compileDenseRows, convPlanPairs, MAX_PLAN_PAIRS } from '../../../src/emulator/conv.js';
import { newVarStats } from '../../../src/emulator/overflow.js';
import { quantizeDirect } from '../../../src/emulator/weights.js';

const types: Record<string, MacTypes> = {
  'int WRAP': { x: parseFixed('fixed<8,3>'), w: parseFixed('fixed<8,2>'), acc: parseFixed('fixed<12,5>'), res: parseFixed('fixed<10,5>') },
  'int SAT RND': { x: parseFixed('fixed<8,3>'), w: parseFixed('fixed<8,2>'), acc: parseFixed('fixed<11,4,RND,SAT>'), res: parseFixed('fixed<10,5>') },
  'double SAT_SYM': { x: parseFixed('fixed<20,6>'), w: parseFixed('fixed<18,2>'), acc: parseFixed('fixed<30,6,RND_CONV,SAT_SYM>'), res: parseFixed('fixed<16,6>') },
  BigInt: { x: parseFixed('fixed<30,6>'), w: parseFixed('fixed<28,2>'), acc: parseFixed('fixed<60,10>'), res: parseFixed('fixed<16,6>') },
};

function geomOf(over: Partial<ConvGeom>): ConvGeom {
  return { inSp: [7, 6], outSp: [7, 6], kernel: [3, 3], strides: [1, 1], dilations: [1, 1], padBefore: [1, 1], cIn: 4, cOut: 6, groups: 1, ...over };
}

const geoms: Array<[string, ConvGeom]> = [
  ['same 3x3', geomOf({})],
  ['strided, dilated, asymmetric padding', geomOf({ inSp: [9, 8], outSp: [4, 4], kernel: [3, 2], strides: [2, 2], dilations: [2, 1], padBefore: [2, 0] })],
  ['grouped (2 groups)', geomOf({ groups: 2 })],
  ['depthwise, multiplier 2', geomOf({ cOut: 8, groups: 4, depthMultiplier: 2 })],
  ['1-D (H = 1), stride 2', geomOf({ inSp: [1, 11], outSp: [1, 6], kernel: [1, 3], strides: [1, 2], padBefore: [0, 1] })],
  ['valid padding (one class)', geomOf({ outSp: [5, 4], padBefore: [0, 0] })],
];

function weightCount(g: ConvGeom): number {
  const [KH, KW] = g.kernel as [number, number];
  return g.depthMultiplier !== undefined ? KH * KW * g.cIn * g.depthMultiplier : KH * KW * (g.cIn / g.groups) * g.cOut;
}

describe('windowed convolution kernel', () => {
  for (const [gname, g] of geoms)
    for (const [tname, T] of Object.entries(types))
      for (const [strategy, rf] of [['latency', 1], ['resource', 3]] as Array<[Strategy, number]>) {
        it(`equals the full plan: ${gname}, ${tname}, ${strategy}`, () => {
          const wq = quantizeDirect(Array.from({ length: weightCount(g) }, (_, i) => Math.sin(i * 1.3) * 1.9), T.w);
          const bq = quantizeDirect(Array.from({ length: g.cOut }, (_, i) => i / 4 - 0.5), T.acc.w > 53 ? T.res : T.acc);
          const mk = () => ({ product: newVarStats(), accum: newVarStats(), result: newVarStats() });
          const sa = mk();
          const sb = mk();
          const a = compileMac(convPlan(g, strategy, rf), wq, bq, T, sa);
          const b = compileConvWindowed(g, strategy, rf, wq, bq, T, sb);
          const a0 = compileMac(convPlan(g, strategy, rf), wq, bq, T);
          const b0 = compileConvWindowed(g, strategy, rf, wq, bq, T);
          const [H, W] = g.inSp as [number, number];
          const [OH, OW] = g.outSp as [number, number];
          for (let r = 0; r < 6; r++) {
            const x = quantizeDirect(Array.from({ length: H * W * g.cIn }, (_, i) => Math.cos(r * 5 + i * 0.7) * 7), T.x);
            const ys = [0, 1, 2, 3].map(() => new Float64Array(OH * OW * g.cOut));
            a(x, ys[0]!);
            b(x, ys[1]!);
            a0(x, ys[2]!);
            b0(x, ys[3]!);
            expect(Array.from(ys[1]!)).toEqual(Array.from(ys[0]!));
            expect(Array.from(ys[3]!)).toEqual(Array.from(ys[0]!));
            expect(Array.from(ys[2]!)).toEqual(Array.from(ys[0]!));
          }
          // Same products in the same order: the same overflow accounting.
          expect(sb.product.count).toBeGreaterThan(0);
          expect(sb).toEqual(sa);
        });
      }

  it('compileConv switches to the windowed kernel above the plan limit (forced small limit)', () => {
    const g = geoms[3]![1];
    const T = types['int WRAP']!;
    const wq = quantizeDirect(Array.from({ length: weightCount(g) }, (_, i) => Math.sin(i) * 1.5), T.w);
    const bq = quantizeDirect(Array.from({ length: g.cOut }, () => 0.25), T.acc);
    const x = quantizeDirect(Array.from({ length: 7 * 6 * 4 }, (_, i) => Math.cos(i) * 3), T.x);
    const ya = new Float64Array(7 * 6 * 8);
    const yb = new Float64Array(7 * 6 * 8);
    compileConv(g, 'latency', 1, wq, bq, T)(x, ya);
    compileConv(g, 'latency', 1, wq, bq, T, undefined, 10)(x, yb);
    expect(Array.from(yb)).toEqual(Array.from(ya));
  });

  it('a layer whose full plan exceeds V8 array limits compiles and runs (512x512x4 -> 8, 3x3)', () => {
    // 75M pairs (the real model needs up to 134M, which aborted the process). With accounting, so the integer kernel is not
    // used and the windowed plan must take it.
    const g = geomOf({ inSp: [512, 512], outSp: [512, 512], cIn: 4, cOut: 8 });
    expect(convPlanPairs(g)).toBeGreaterThan(16 * MAX_PLAN_PAIRS);
    const T = types['int WRAP']!;
    const wq = quantizeDirect(Array.from({ length: weightCount(g) }, (_, i) => ((i % 7) - 3) / 4), T.w);
    const bq = quantizeDirect(Array.from({ length: 8 }, () => 0.5), T.acc);
    const stats = { product: newVarStats(), accum: newVarStats(), result: newVarStats() };
    const k = compileConv(g, 'latency', 1, wq, bq, T, stats);
    const x = new Float64Array(512 * 512 * 4).fill(0.125);
    const y = new Float64Array(512 * 512 * 8);
    k(x, y);
    // Interior pixel: 0.5 + 0.125 * sum of the kernel column for that output channel.
    let s = 0;
    for (let tap = 0; tap < 9 * 4; tap++) s += wq[tap * 8]!;
    expect(y[(100 * 512 + 100) * 8]).toBe(0.5 + 0.125 * s);
    expect(stats.product.count).toBe(8 * 4 * (510 * 510 * 9 + 4 * 510 * 6 + 4 * 4));
  });

  it('a Dense over many rows uses a one-row plan above the limit: same bits and counts (Latency and Resource)', () => {
    for (const [strategy, rf] of [['latency', 1], ['resource', 2]] as Array<[Strategy, number]>)
      for (const T of [types['int SAT RND']!, types['BigInt']!]) {
        const nIn = 6, nOut = 4, rows = 9;
        const wq = quantizeDirect(Array.from({ length: nIn * nOut }, (_, i) => Math.sin(i * 0.9) * 1.8), T.w);
        const bq = quantizeDirect(Array.from({ length: nOut }, (_, i) => i / 8), T.res);
        const x = quantizeDirect(Array.from({ length: rows * nIn }, (_, i) => Math.cos(i * 0.37) * 6), T.x);
        const mk = () => ({ product: newVarStats(), accum: newVarStats(), result: newVarStats() });
        const sa = mk();
        const sb = mk();
        const ya = new Float64Array(rows * nOut);
        const yb = new Float64Array(rows * nOut);
        compileMac(densePlan(nIn, nOut, rows, strategy, rf), wq, bq, T, sa)(x, ya);
        compileDenseRows(nIn, nOut, rows, strategy, rf, wq, bq, T, sb, 10)(x, yb);
        expect(Array.from(yb)).toEqual(Array.from(ya));
        expect(sb).toEqual(sa);
      }
  });
});
