/**
 * @fileoverview Keras semantics end to end for layers without an ONNX twin in the corpus: a
 * synthetic model is loaded, run through the float reference evaluator, and compared with a
 * direct, loop-by-loop implementation of what Keras/TensorFlow computes (written here from the
 * Keras definitions: depthwise output channel = c * multiplier + m, "same" padding with the
 * extra pixel after, separable = depthwise then 1x1 pointwise + bias, PReLU per element,
 * Permute over per-sample axes). Plus a fast-check property on "same"/"valid" output sizes.
 */

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { loadKeras } from '../../../../src/frontends/keras/index.js';
import { evaluateFloat } from '../../../../src/emulator/float.js';
import { verifyGraph } from '../../../../src/ir/verify.js';
import { functional, inputLayer, klayer, seq, tmpDir, writeJsonModel } from './helpers.js';

const f32 = (a: number[]) => Array.from(Float32Array.from(a));

/** x [H, W, C] channels-last; kernel [kh, kw, C, M]; TF "same" or "valid". */
function depthwiseRef(x: number[], H: number, W: number, C: number, k: number[], kh: number, kw: number, M: number, s: number, same: boolean, bias: number[]) {
  const oh = same ? Math.ceil(H / s) : Math.floor((H - kh) / s) + 1;
  const ow = same ? Math.ceil(W / s) : Math.floor((W - kw) / s) + 1;
  const pt = same ? Math.floor(Math.max((oh - 1) * s + kh - H, 0) / 2) : 0;
  const pl = same ? Math.floor(Math.max((ow - 1) * s + kw - W, 0) / 2) : 0;
  const out = new Array(oh * ow * C * M).fill(0);
  for (let y = 0; y < oh; y++)
    for (let xw = 0; xw < ow; xw++)
      for (let c = 0; c < C; c++)
        for (let m = 0; m < M; m++) {
          let acc = bias[c * M + m]!;
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++) {
              const yy = y * s + i - pt;
              const xx = xw * s + j - pl;
              if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
              acc += x[(yy * W + xx) * C + c]! * k[((i * kw + j) * C + c) * M + m]!;
            }
          out[((y * ow + xw) * C + c) * M + m] = acc;
        }
  return { out, oh, ow };
}

describe('depthwise / separable / PReLU / Permute compute what Keras computes', () => {
  test('random input through DepthwiseConv2D(mult 2, same, stride 2) -> SeparableConv2D -> PReLU -> Permute', async () => {
    const dir = tmpDir();
    const H = 7, W = 6, C = 2, M = 2, F = 3;
    const dwK = f32(seq(3 * 3 * C * M, 11));
    const dwB = f32(seq(C * M, 12));
    const sdK = f32(seq(2 * 2 * C * M, 13));
    const spK = f32(seq(C * M * F, 14));
    const spB = f32(seq(F, 15));
    const layers = [
      inputLayer('in', [H, W, C]),
      klayer('DepthwiseConv2D', 'dw', { kernel_size: [3, 3], strides: [2, 2], padding: 'same', depth_multiplier: M, activation: 'linear', use_bias: true }, ['in']),
      klayer('SeparableConv2D', 'sep', { filters: F, kernel_size: [2, 2], strides: [1, 1], padding: 'valid', depth_multiplier: 1, activation: 'linear' }, ['dw']),
      klayer('PReLU', 'pr', { shared_axes: [1, 2] }, ['sep']),
      klayer('Permute', 'pm', { dims: [3, 1, 2] }, ['pr']),
    ];
    const alpha = [0.1, 0.2, 0.3];
    const file = await writeJsonModel(dir, 'sem', functional(layers, ['in'], ['pm']), [
      { name: 'dw', weights: [{ name: 'depthwise_kernel', shape: [3, 3, C, M], data: dwK }, { name: 'bias', shape: [C * M], data: dwB }] },
      {
        name: 'sep',
        weights: [
          { name: 'depthwise_kernel', shape: [2, 2, C * M, 1], data: sdK },
          { name: 'pointwise_kernel', shape: [1, 1, C * M, F], data: spK },
          { name: 'bias', shape: [F], data: spB },
        ],
      },
      { name: 'pr', weights: [{ name: 'alpha', shape: [1, 1, F], data: alpha }] },
    ]);
    const g = await loadKeras(file);
    expect(verifyGraph(g)).toEqual([]);
    const x = seq(H * W * C, 99).map((v) => 3 * v);
    // Reference, straight from the Keras definitions.
    const d1 = depthwiseRef(x, H, W, C, dwK, 3, 3, M, 2, true, dwB);
    const d2 = depthwiseRef(d1.out, d1.oh, d1.ow, C * M, sdK, 2, 2, 1, 1, false, new Array(C * M).fill(0));
    const P = d2.oh * d2.ow;
    const sep = new Array(P * F).fill(0);
    for (let p = 0; p < P; p++)
      for (let f = 0; f < F; f++) {
        let acc = spB[f]!;
        for (let c = 0; c < C * M; c++) acc += d2.out[p * C * M + c]! * spK[c * F + f]!;
        sep[p * F + f] = acc;
      }
    const pr = sep.map((v, i) => (v >= 0 ? v : Math.fround(alpha[i % F]!) * v));
    // Permute((3, 1, 2)): out[f, y, x] = in[y, x, f].
    const want = new Array(P * F).fill(0);
    for (let y = 0; y < d2.oh; y++) for (let xx = 0; xx < d2.ow; xx++) for (let f = 0; f < F; f++) want[(f * d2.oh + y) * d2.ow + xx] = pr[(y * d2.ow + xx) * F + f];
    expect(g.tensors.get('pm')!.shape).toEqual([F, d2.oh, d2.ow]);
    const got = evaluateFloat(g, { in: Float64Array.from(x) }).outputs['pm']!;
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 10);
  });
});

describe('property: Keras output sizes', () => {
  test('"same" gives ceil(in / stride); "valid" gives floor((in - dil*(k-1) - 1) / stride) + 1', async () => {
    const dir = tmpDir();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        fc.boolean(),
        fc.boolean(),
        async (h, w, k, s, d, same, pool) => {
          const eff = d * (k - 1) + 1;
          fc.pre(same || (eff <= h && eff <= w));
          if (pool) fc.pre(d === 1);
          const stem = `p${n++}`;
          const layer = pool
            ? klayer('MaxPooling2D', 'l', { pool_size: [k, k], strides: [s, s], padding: same ? 'same' : 'valid' }, ['in'])
            : klayer('Conv2D', 'l', { filters: 1, kernel_size: [k, k], strides: [s, s], dilation_rate: [d, d], padding: same ? 'same' : 'valid', activation: null }, ['in']);
          const weights = pool ? [] : [{ name: 'l', weights: [{ name: 'kernel', shape: [k, k, 1, 1], data: seq(k * k) }, { name: 'bias', shape: [1], data: [0] }] }];
          const file = await writeJsonModel(dir, stem, functional([inputLayer('in', [h, w, 1]), layer], ['in'], ['l']), weights);
          const g = await loadKeras(file);
          const outShape = g.tensors.get('l')!.shape;
          const expectDim = (n0: number) => (same ? Math.ceil(n0 / s) : Math.floor((n0 - eff) / s) + 1);
          expect(outShape).toEqual([expectDim(h), expectDim(w), 1]);
          expect(verifyGraph(g)).toEqual([]);
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });
});

describe('Rescaling, grouped Conv2D', () => {
  test('Rescaling(1/255, -0.5) is x * scale + offset; grouped conv uses [k, k, cIn/groups, cOut] kernels', async () => {
    const dir = tmpDir();
    const layers = [
      inputLayer('in', [3, 3, 4]),
      klayer('Rescaling', 'rs', { scale: 1 / 255, offset: -0.5 }, ['in']),
      klayer('Conv2D', 'gc', { filters: 2, kernel_size: [1, 1], strides: [1, 1], padding: 'valid', groups: 2, activation: 'linear' }, ['rs']),
    ];
    const kernel = [1, 2, 3, 4]; // [1, 1, 2, 2]: group 0 reads channels 0-1 -> filter 0, group 1 reads 2-3 -> filter 1
    const file = await writeJsonModel(dir, 'rsgc', functional(layers, ['in'], ['gc']), [
      { name: 'gc', weights: [{ name: 'kernel', shape: [1, 1, 2, 2], data: kernel }, { name: 'bias', shape: [2], data: [0, 0] }] },
    ]);
    const g = await loadKeras(file);
    expect(verifyGraph(g)).toEqual([]);
    expect(g.layers.find((l) => l.name === 'gc')!.attrs).toMatchObject({ op: 'Conv', groups: 2, cIn: 4, cOut: 2 });
    const x = Array.from({ length: 36 }, (_, i) => (i * 7) % 256);
    const r = evaluateFloat(g, { in: Float64Array.from(x) }, { trace: true });
    const rs = r.trace!['rs']!;
    for (let i = 0; i < 36; i++) expect(rs[i]).toBeCloseTo(x[i]! / 255 - 0.5, 12);
    // TF grouped conv: out[f] uses input channels of group f and kernel[0, 0, j, f].
    const out = r.outputs['gc_linear']!;
    for (let p = 0; p < 9; p++) {
      const v = (c: number) => x[p * 4 + c]! / 255 - 0.5;
      expect(out[p * 2]).toBeCloseTo(v(0) * 1 + v(1) * 3, 12);
      expect(out[p * 2 + 1]).toBeCloseTo(v(2) * 2 + v(3) * 4, 12);
    }
  });
});
