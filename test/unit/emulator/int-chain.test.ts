/**
 * @fileoverview The Dense/ReLU chain kernel (src/emulator/int-chain.ts) against the per-layer
 * kernels (FASTML_NO_CHAIN=1: the general and integer kernels it replaces) on random MLPs with
 * random types (WRAP and SAT accumulators, TRN and RND, ReLU result types finer and coarser than
 * their input, signed and unsigned, Latency and Resource orders, layers above and below the size
 * where the Dense code is unrolled), every output and every traced intermediate tensor bit for bit;
 * and against hls4ml's C simulation on the reference cases (the file runs with SIMD; the same
 * reference cases run without SIMD, where no chain is built, in nosimd.test.ts).
 */

import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import path from 'node:path';
import { fixedType, type FixedType } from '../../../src/fixed/type.js';
import type { Graph, Layer, TensorInfo } from '../../../src/ir/graph.js';
import { compileEmulator } from '../../../src/emulator/compile.js';
import { runBatch } from '../../../src/emulator/index.js';
import { intChainsEnabled } from '../../../src/emulator/int-chain.js';
import { simdAvailable, simdOptions } from '../../../src/emulator/simd.js';
import { constDoubles, isRawConst, quantizeAsPrintedExact, quantizeConstRaw, type RawConst } from '../../../src/emulator/weights.js';
import { loadCase, readNpy, referenceCases } from '../../reference/helpers.js';

afterEach(() => {
  delete process.env['FASTML_NO_CHAIN'];
});

interface Spec {
  readonly sizes: number[];
  readonly inT: FixedType;
  readonly dense: Array<{ w: FixedType; b: FixedType; acc: FixedType; res: FixedType; resource: boolean; rf: number }>;
  readonly relu: FixedType[];
  readonly seed: number;
}

/** Input -> (Dense -> ReLU)* -> Dense, with deterministic weights. */
function mlp(s: Spec): Graph {
  let seed = s.seed;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const tensors = new Map<string, TensorInfo>();
  const layers: Layer[] = [];
  tensors.set('x', { name: 'x', shape: [s.sizes[0]!] } as TensorInfo);
  layers.push({ name: 'x', attrs: { op: 'Input' }, inputs: [], outputs: ['x'], weights: {}, precision: { result: s.inT } });
  let cur = 'x';
  for (let k = 0; k < s.sizes.length - 1; k++) {
    const nIn = s.sizes[k]!;
    const nOut = s.sizes[k + 1]!;
    const d = s.dense[k]!;
    const out = `fc${k}`;
    tensors.set(out, { name: out, shape: [nOut] } as TensorInfo);
    layers.push({
      name: out,
      attrs: { op: 'Dense', nIn, nOut },
      inputs: [cur],
      outputs: [out],
      weights: {
        kernel: { shape: [nIn, nOut], data: Float64Array.from({ length: nIn * nOut }, () => (rand() * 2 - 1) * 2 ** (d.w.i - 1)) },
        bias: { shape: [nOut], data: Float64Array.from({ length: nOut }, () => (rand() * 2 - 1) * 2 ** (d.b.i - 1)) },
      },
      precision: { weight: d.w, bias: d.b, accum: d.acc, result: d.res },
      strategy: d.resource ? 'resource' : 'latency',
      reuseFactor: d.rf,
    });
    cur = out;
    if (k < s.sizes.length - 2) {
      const r = `relu${k}`;
      tensors.set(r, { name: r, shape: [nOut] } as TensorInfo);
      layers.push({ name: r, attrs: { op: 'Activation', activation: 'relu' }, inputs: [cur], outputs: [r], weights: {}, precision: { result: s.relu[k]! } });
      cur = r;
    }
  }
  return { name: 'mlp', inputs: ['x'], outputs: [cur], tensors, layers, inputLayouts: {}, meta: {} };
}

function inputs(g: Graph, n: number, seed: number): Float64Array {
  const m = g.tensors.get('x')!.shape[0]!;
  let s = seed;
  return Float64Array.from({ length: n * m }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 16 - 8;
  });
}

/** Outputs and every layer's trace, with and without chains. */
function both(g: Graph, x: Float64Array, n: number) {
  const withChain = runBatch(compileEmulator(g), n, [x], { trace: true });
  process.env['FASTML_NO_CHAIN'] = '1';
  const without = runBatch(compileEmulator(g), n, [x], { trace: true });
  delete process.env['FASTML_NO_CHAIN'];
  return { withChain, without };
}

const sameBits = (a: Float64Array, b: Float64Array): boolean => a.length === b.length && a.every((v, k) => Object.is(v, b[k]));

const signedT = (w: number, i: number, q: 'AP_TRN' | 'AP_RND' = 'AP_TRN', o: 'AP_WRAP' | 'AP_SAT' = 'AP_WRAP') => fixedType(w, i, true, q, o);

describe('Dense/ReLU chains equal the per-layer kernels', () => {
  it('runs with SIMD here and builds chains', () => {
    expect(simdAvailable()).toBe(true);
    expect(intChainsEnabled()).toBe(true);
  });

  it('the jet tagger shape with hls4ml default types: outputs and traces', () => {
    const t = signedT(16, 6);
    const d = { w: t, b: t, acc: t, res: t, resource: false, rf: 1 };
    const g = mlp({ sizes: [16, 64, 32, 32, 5], inT: t, dense: [d, d, d, d], relu: [t, t, t], seed: 7 });
    const x = inputs(g, 300, 3);
    const { withChain, without } = both(g, x, 300);
    expect(sameBits(Object.values(withChain.outputs)[0]!, Object.values(without.outputs)[0]!)).toBe(true);
    for (const l of g.layers) expect(sameBits(withChain.traces[l.name]!.data, without.traces[l.name]!.data), l.name).toBe(true);
    // Not a degenerate case: outputs vary and some ReLU outputs are zero, some not.
    expect(new Set(Object.values(withChain.outputs)[0]!).size).toBeGreaterThan(50);
  });

  it('random types, sizes and strategies (property)', () => {
    const typeArb = (minW: number, maxW: number, sat: boolean) =>
      fc
        .record({ w: fc.integer({ min: minW, max: maxW }), i: fc.integer({ min: -1, max: 8 }), q: fc.constantFrom('AP_TRN' as const, 'AP_RND' as const), o: sat ? fc.constantFrom('AP_WRAP' as const, 'AP_SAT' as const) : fc.constant('AP_WRAP' as const) })
        .map((r) => signedT(r.w, r.i, r.q, r.o));
    const reluArb = fc
      .record({ w: fc.integer({ min: 2, max: 16 }), i: fc.integer({ min: -1, max: 9 }), signed: fc.boolean() })
      .map((r) => fixedType(r.w, r.i, r.signed));
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 2, maxLength: 5 }),
        fc.array(fc.record({ w: typeArb(2, 10, false), b: typeArb(2, 12, false), acc: typeArb(12, 30, true), res: typeArb(4, 16, false).map((t) => signedT(t.w, t.i)), resource: fc.boolean(), rf: fc.constantFrom(1, 2, 3, 4, 8) }), { minLength: 5, maxLength: 5 }),
        fc.array(reluArb, { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: -1, max: 6 }),
        fc.integer({ min: 1, max: 1e6 }),
        (sizes, dense, relu, xw, xi, seed) => {
          const g = mlp({ sizes, inT: signedT(xw, xi), dense, relu, seed });
          const n = 40;
          const x = inputs(g, n, seed);
          const { withChain, without } = both(g, x, n);
          if (!sameBits(Object.values(withChain.outputs)[0]!, Object.values(without.outputs)[0]!)) return false;
          return g.layers.every((l) => sameBits(withChain.traces[l.name]!.data, without.traces[l.name]!.data));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a layer too large to unroll (200 x 200) takes the looped kernel, same bits, int16 and int32 weights', () => {
    const t = signedT(16, 6);
    // 8- and 16-bit weights (stored as int16 by default), and a product shift folded into the
    // weights (accumulator finer than input x weight: int32 always).
    for (const [w, acc] of [[signedT(8, 2), signedT(24, 10)], [signedT(16, 3), signedT(30, 14)], [signedT(8, 2), signedT(30, 8)]] as const) {
      const d = { w, b: t, acc, res: t, resource: false, rf: 1 };
      const g = mlp({ sizes: [200, 200, 10], inT: t, dense: [d, d], relu: [t], seed: 11 });
      const x = inputs(g, 20, 5);
      for (const w16 of [true, false]) {
        simdOptions.w16 = w16;
        try {
          const { withChain, without } = both(g, x, 20);
          expect(sameBits(Object.values(withChain.outputs)[0]!, Object.values(without.outputs)[0]!), `w ${w.w} acc ${acc.w}, int16 ${w16}`).toBe(true);
          expect(sameBits(withChain.traces['relu0']!.data, without.traces['relu0']!.data)).toBe(true);
          expect(new Set(withChain.traces['relu0']!.data).size).toBeGreaterThan(20);
        } finally {
          simdOptions.w16 = true;
        }
      }
    }
  });
});

describe('a large Dense layer\'s weights are held once', () => {
  it('the cached quantization the writer reads is the kernel\'s own memory (chain and per-layer kernel), same values', () => {
    const t = signedT(16, 6);
    const d = { w: t, b: t, acc: signedT(24, 10), res: t, resource: false, rf: 1 };
    for (const chain of [true, false]) {
      const g = mlp({ sizes: [200, 200, 10], inT: t, dense: [d, d], relu: [t], seed: 3 + (chain ? 0 : 1) });
      if (!chain) process.env['FASTML_NO_CHAIN'] = '1';
      try {
        compileEmulator(g);
      } finally {
        delete process.env['FASTML_NO_CHAIN'];
      }
      const fc0 = g.layers.find((l) => l.name === 'fc0')!;
      const q = quantizeConstRaw(fc0.weights.kernel!.data, t, true);
      expect(isRawConst(q) && q.raw instanceof Int16Array, `chain ${chain}`).toBe(true);
      const raw = (q as RawConst).raw;
      // A view into a kernel's WebAssembly memory (which also holds inputs and accumulators).
      expect(raw.buffer.byteLength, `chain ${chain}`).toBeGreaterThan(raw.byteLength);
      expect(Array.from(constDoubles(q))).toEqual(Array.from(quantizeAsPrintedExact(fc0.weights.kernel!.data, t)).map((v) => v + 0));
    }
  });
});

describe('chains on the hls4ml reference cases', () => {
  const wanted = ['jet_mlp_3layer_model_stable', 'jet_mlp_3layer_resource_rf4_satacc15_stream', 'jet_mlp_3layer_resource_rf4_satacc_stream', 'jet_mlp_3layer_softmax_latency_rndsat', 'jet_mlp_3layer_batchnorm_name', 'mlp_2layer_sigmoid_table512'];
  for (const name of referenceCases().filter((c) => wanted.includes(c))) {
    it(`${name}: equals hls4ml's C simulation`, async () => {
      const c = await loadCase(name);
      const X = readNpy(path.join(c.dir, 'X.npy'));
      const Y = readNpy(path.join(c.dir, 'y.npy'));
      const emu = compileEmulator(c.graph);
      const out = Object.values(runBatch(emu, X.shape[0]!, [X.data]).outputs)[0]!;
      let bad = 0;
      for (let k = 0; k < Y.data.length; k++) if (out[k] !== Y.data[k]) bad++;
      expect(bad).toBe(0);
    });
  }
});
