/**
 * @fileoverview Overflow accounting of convolutions on the counting Dense kernel
 * (conv.ts compileConvIntCounting over mac-count.ts) and of depthwise convolutions on raw integers
 * (depthwise-count.ts) against the general counting kernel
 * (compileMac over the full convPlan, which visits only the taps inside the image): the same
 * output bits and the same counts for products, partial sums and results, on random 1-D and 2-D
 * convolutions and depthwise convolutions (depth multiplier 1-3) (padding, stride, dilation, Latency and Resource order) and types, with zero
 * inputs placed where they matter (first taps in order, padded borders, whole rows), on the i32x4
 * and the JavaScript path, with both ways of gathering windows (the depthwise kernels: i32x4 for
 * depth multiplier 1 and JavaScript, gathering nothing); and on the hls4ml convolution references through the whole emulator
 * (FASTML_GENERAL_COUNT=1 selects the general kernel).
 */

import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import path from 'node:path';
import { fixedType, Q_MODES, type FixedType } from '../../../src/fixed/type.js';
import { compileMac, convPlan, sharedDenseOrder, type ConvGeom, type MacStats } from '../../../src/emulator/mac.js';
import { compileConvIntCounting, GATHER_TABLE_MAX } from '../../../src/emulator/conv.js';
import { compileDepthwiseIntCounting } from '../../../src/emulator/depthwise-count.js';
import { compileEmulator } from '../../../src/emulator/compile.js';
import { newVarStats } from '../../../src/emulator/overflow.js';
import { simdAvailable } from '../../../src/emulator/simd.js';
import { quantizeDirect } from '../../../src/emulator/weights.js';
import { loadCase, readNpy } from '../../reference/helpers.js';

const stats = (): MacStats => ({ product: newVarStats(), accum: newVarStats(), result: newVarStats() });
const plain = (s: unknown): string => JSON.stringify(s);

function data(n: number, seed: number, scale: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return ((s / 2 ** 31) * 2 - 1) * scale;
  });
}

/** Output size along one axis (the general plan and the kernel take it as given). */
const outLen = (n: number, k: number, s: number, d: number, padTotal: number): number => Math.floor((n + padTotal - d * (k - 1) - 1) / s) + 1;

describe('convolution overflow accounting on the counting Dense kernel', () => {
  it('runs here with WebAssembly SIMD (both paths are tested)', () => expect(simdAvailable()).toBe(true));
  // Both kernel paths, each with the gather table (small images) and the per-tap gather (large).
  for (const [simd, tableMax] of [[true, GATHER_TABLE_MAX], [false, GATHER_TABLE_MAX], [true, 0], [false, 0]] as const)
    it(`counts and computes like the general counting kernel, ${simd ? 'i32x4' : 'JavaScript'} path, ${tableMax ? 'gather table' : 'per-tap gather'} (property)`, () => {
      const t = (minW: number, maxW: number, o: fc.Arbitrary<'AP_WRAP' | 'AP_SAT'>, q: fc.Arbitrary<FixedType['q']>) =>
        fc.record({ w: fc.integer({ min: minW, max: maxW }), i: fc.integer({ min: -2, max: 8 }), signed: fc.boolean(), q, o }).map((r) => fixedType(r.w, r.i, r.signed, r.q, r.o));
      const geom = fc
        .record({
          oneD: fc.boolean(),
          h: fc.integer({ min: 1, max: 6 }),
          w: fc.integer({ min: 1, max: 7 }),
          kh: fc.integer({ min: 1, max: 3 }),
          kw: fc.integer({ min: 1, max: 4 }),
          sh: fc.integer({ min: 1, max: 3 }),
          sw: fc.integer({ min: 1, max: 3 }),
          dh: fc.integer({ min: 1, max: 2 }),
          dw: fc.integer({ min: 1, max: 2 }),
          pt: fc.integer({ min: 0, max: 3 }),
          pb: fc.integer({ min: 0, max: 3 }),
          pl: fc.integer({ min: 0, max: 3 }),
          pr: fc.integer({ min: 0, max: 3 }),
          cIn: fc.integer({ min: 1, max: 4 }),
          cOut: fc.integer({ min: 1, max: 9 }),
          depthwise: fc.boolean(),
          mult: fc.integer({ min: 1, max: 3 }),
        })
        .map((r): ConvGeom | undefined => {
          const [H, KH, SH, DH, PT, PB] = r.oneD ? [1, 1, 1, 1, 0, 0] : [r.h, r.kh, r.sh, r.dh, Math.min(r.pt, r.kh - 1), Math.min(r.pb, r.kh - 1)];
          const [PL, PR] = [Math.min(r.pl, r.kw - 1), Math.min(r.pr, r.kw - 1)];
          const OH = outLen(H, KH, SH, DH, PT + PB);
          const OW = outLen(r.w, r.kw, r.sw, r.dw, PL + PR);
          if (OH < 1 || OW < 1) return undefined;
          const base = { inSp: [H, r.w], outSp: [OH, OW], kernel: [KH, r.kw], strides: [SH, r.sw], dilations: [DH, r.dw], padBefore: [PT, PL], cIn: r.cIn };
          return r.depthwise ? { ...base, cOut: r.cIn * r.mult, groups: r.cIn, depthMultiplier: r.mult } : { ...base, cOut: r.cOut, groups: 1 };
        });
      let built = 0;
      let padFirst = 0;
      let depthwise = 0;
      fc.assert(
        fc.property(
          geom,
          t(2, 16, fc.constant('AP_WRAP'), fc.constantFrom(...Q_MODES)),
          t(2, 14, fc.constant('AP_WRAP'), fc.constantFrom(...Q_MODES)),
          t(4, 32, fc.constantFrom('AP_WRAP' as const, 'AP_SAT' as const), fc.constant('AP_TRN' as const)),
          t(2, 20, fc.constantFrom('AP_WRAP' as const, 'AP_SAT' as const), fc.constantFrom(...Q_MODES)),
          fc.boolean(),
          fc.constantFrom(1, 2, 3, 4),
          fc.integer({ min: 1, max: 1e6 }),
          (g, xT, wT, accT, resT, resource, rf, seed) => {
            if (!g) return true;
            const strategy = resource ? 'resource' : 'latency';
            const [KH, KW] = g.kernel as [number, number];
            const dw = g.depthMultiplier !== undefined;
            const nWin = KH * KW * (dw ? 1 : g.cIn);
            const order = sharedDenseOrder(nWin, g.cOut, strategy, rf);
            if (!order) return true;
            const T = { x: xT, w: wT, acc: accT, res: resT };
            const wq = quantizeDirect(data(KH * KW * g.cIn * (dw ? g.depthMultiplier! : g.cOut), seed, 2 ** wT.i), wT);
            // Biases large in magnitude, so that a bias counted as a partial sum when it should not
            // be (a padding tap first in order) shows in max |partial sum|.
            const bq = quantizeDirect(data(g.cOut, seed + 1, 2 ** accT.i), accT);
            const s1 = stats();
            const k1 = dw ? compileDepthwiseIntCounting(g, strategy, rf, wq, bq, T, s1, simd) : compileConvIntCounting(g, strategy, rf, wq, bq, T, s1, simd, tableMax);
            if (!k1) return true;
            built++;
            if (dw) depthwise++;
            const C = dw ? 1 : g.cIn;
            if (g.padBefore.some((p) => p > 0) && order[0]! < C * KW * g.padBefore[0]! + C * g.padBefore[1]!) padFirst++;
            const s2 = stats();
            const k2 = compileMac(convPlan(g, strategy, rf), wq, bq, T, s2);
            const [H, W] = g.inSp as [number, number];
            const [OH, OW] = g.outSp as [number, number];
            const y1 = new Float64Array(OH * OW * g.cOut);
            const y2 = new Float64Array(OH * OW * g.cOut);
            for (let r = 0; r < 3; r++) {
              const x = quantizeDirect(data(H * W * g.cIn, seed + 2 + r, 2 ** (xT.i + 1)), xT);
              // Zeros as after a ReLU; in some samples every input is zero, or whole image rows.
              for (let k = 0; k < x.length; k++) if ((k * 7 + seed + r) % 3 === 0) x[k] = 0;
              if ((seed + r) % 4 === 0) x.fill(0);
              if ((seed + r) % 5 === 0) x.fill(0, 0, W * g.cIn);
              k1(x, y1);
              k2(x, y2);
              if (!y1.every((v, k) => Object.is(v, y2[k]))) return false;
            }
            return plain(s1) === plain(s2);
          },
        ),
        { numRuns: 800 },
      );
      expect(built).toBeGreaterThan(200);
      expect(padFirst).toBeGreaterThan(20);
      expect(depthwise).toBeGreaterThan(80);
    });

  it('counts the bias as a partial sum exactly when the first tap inside the image is zero', () => {
    // One channel, 1x3 kernel, 'same' padding: the first output's first tap (in Latency order) is
    // in the padding. Bias -100 is larger than any partial sum: it counts only through a zero
    // first tap inside the image.
    const i8 = fixedType(8, 8);
    const T = { x: i8, w: i8, acc: fixedType(12, 12), res: fixedType(16, 16) };
    const g: ConvGeom = { inSp: [1, 3], outSp: [1, 3], kernel: [1, 3], strides: [1, 1], dilations: [1, 1], padBefore: [0, 1], cIn: 1, cOut: 1, groups: 1 };
    const wq = Float64Array.of(1, 1, 1);
    const bq = Float64Array.of(-100);
    for (const simd of [true, false])
      for (const [x, biasCounts] of [
        [[1, 2, 3], false],
        [[0, 2, 3], true],
        [[3, 0, 0], true],
      ] as const) {
        const s1 = stats();
        const s2 = stats();
        const y1 = new Float64Array(3);
        const y2 = new Float64Array(3);
        compileConvIntCounting(g, 'latency', 1, wq, bq, T, s1, simd)!(Float64Array.from(x), y1);
        compileMac(convPlan(g, 'latency', 1), wq, bq, T, s2)(Float64Array.from(x), y2);
        expect([...y1]).toEqual([...y2]);
        expect(plain(s1)).toBe(plain(s2));
        expect(s1.accum.maxAbs === 100).toBe(biasCounts);
        expect(s1.product.count).toBe(2 + 3 + 2);
      }
  });

  it('leaves grouped convolutions to the general kernel, and each kind to its own kernel', () => {
    const x = fixedType(16, 6);
    const T = { x, w: x, acc: fixedType(32, 12), res: x };
    const base: ConvGeom = { inSp: [4, 4], outSp: [4, 4], kernel: [3, 3], strides: [1, 1], dilations: [1, 1], padBefore: [1, 1], cIn: 4, cOut: 4, groups: 1 };
    expect(compileConvIntCounting(base, 'latency', 1, new Float64Array(9 * 16), new Float64Array(4), T, stats())).toBeDefined();
    expect(compileConvIntCounting({ ...base, groups: 2 }, 'latency', 1, new Float64Array(9 * 8), new Float64Array(4), T, stats())).toBeUndefined();
    expect(compileConvIntCounting({ ...base, groups: 4, depthMultiplier: 1 }, 'latency', 1, new Float64Array(9 * 4), new Float64Array(4), T, stats())).toBeUndefined();
    expect(compileDepthwiseIntCounting({ ...base, groups: 4, depthMultiplier: 1 }, 'latency', 1, new Float64Array(9 * 4), new Float64Array(4), T, stats())).toBeDefined();
    expect(compileDepthwiseIntCounting(base, 'latency', 1, new Float64Array(9 * 16), new Float64Array(4), T, stats())).toBeUndefined();
  });
});

describe('convolution overflow accounting on the hls4ml references', () => {
  afterEach(() => {
    delete process.env['FASTML_GENERAL_COUNT'];
  });
  for (const name of ['conv1d_small', 'conv2d_small'])
    it(`${name}: the same outputs and overflow report as the general counting kernel`, async () => {
      const c = await loadCase(name);
      const X = readNpy(path.join(c.dir, 'X.npy'));
      const run = (): { y: Float64Array; report: string; convLayers: number } => {
        const emu = compileEmulator(c.graph, { accounting: true });
        const inSize = emu.inputs[0]!.size;
        const outSize = emu.outputs[0]!.size;
        const n = Math.min(X.shape[0]!, 300);
        const y = new Float64Array(n * outSize);
        for (let r = 0; r < n; r++) y.set(emu.runSample([X.data.subarray(r * inSize, (r + 1) * inSize)])[0]!, r * outSize);
        const report = emu.book!.report;
        const convLayers = [...report.keys()].filter((k) => /conv/i.test(k) && report.get(k)!.has('accum')).length;
        return { y, report: JSON.stringify([...report].map(([k, v]) => [k, [...v]])), convLayers };
      };
      const fast = run();
      process.env['FASTML_GENERAL_COUNT'] = '1';
      const general = run();
      expect(fast.convLayers).toBeGreaterThan(0);
      expect(fast.y.every((v, k) => Object.is(v, general.y[k]))).toBe(true);
      expect(fast.report).toBe(general.report);
    });
});
