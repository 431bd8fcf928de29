/**
 * @fileoverview The fast paths that make `fastml compile` linear and lean (issue 15), each against
 * the slow form it replaces:
 * - check-weight-types counts with the generated quantizer: the same counts as the BigInt cast
 *   (castTo), for narrow types, types wider than a double, and every Q/O mode;
 * - csdDigits' int32 non-adjacent-form count equals the digit loop it short-cuts;
 * - sharedDenseOrder without the n_in x n_out table equals what the table gives;
 * - ONNX weights that are exactly float32 are kept as Float32Array (same values), others are not;
 * - the byte writer of weight arrays prints exactly exactDecimal's text at every digit-count edge;
 * - an emulator built without WebAssembly kernels (compile's small test benches) computes the same
 *   bits as one with them, and the switch is scoped to the build.
 */

import { describe, expect, it } from 'vitest';
import { checkWeightTypesPass, type WeightTypeDamage } from '../../../src/passes/check-weight-types.js';
import { castTo } from '../../../src/passes/quant-types.js';
import { csdDigits } from '../../../src/estimate/model.js';
import { resourceOrder, sharedDenseOrder } from '../../../src/emulator/mac.js';
import { weight, weightOf } from '../../../src/frontends/onnx/context.js';
import { decodeTensor } from '../../../src/frontends/onnx/proto.js';
import { Q_MODES, O_MODES, fixedType, type FixedType } from '../../../src/fixed/type.js';
import { SeqBuilder, T, ctx, rng, sampleInputs } from '../passes/helpers.js';
import { compileEmulator } from '../../../src/emulator/compile.js';
import { cppArrayInit, exactDecimal } from '../../../src/backends/cpp-values.js';
import { simdAvailable, withScalarKernels } from '../../../src/emulator/simd.js';

/** The pass's counts the slow way: every weight through the reference cast. */
function referenceDamage(data: ArrayLike<number>, t: FixedType): { nonzero: number; zeroed: number; changed: number } {
  let nonzero = 0;
  let zeroed = 0;
  let changed = 0;
  for (let k = 0; k < data.length; k++) {
    const v = data[k]!;
    const c = castTo(v, t);
    if (v !== 0) {
      nonzero++;
      if (c === 0 || Math.abs(c - v) > Math.abs(v) / 2) zeroed++;
    }
    if (c !== v) changed++;
  }
  return { nonzero, zeroed, changed };
}

describe('check-weight-types counts with the generated quantizer', () => {
  const r = rng(7);
  // Weights at several scales (some below the LSB, some beyond the range), zeros and exact ties.
  const data = new Float64Array(600);
  for (let k = 0; k < data.length; k++) {
    const scale = [1e-4, 0.01, 0.3, 4, 300][k % 5]!;
    data[k] = k % 37 === 0 ? 0 : k % 41 === 0 ? 0.375 : (r() * 2 - 1) * scale;
  }
  const types: FixedType[] = [];
  for (const q of Q_MODES) for (const o of O_MODES) types.push(fixedType(8, 3, true, q, o));
  types.push(fixedType(6, 0, false, 'AP_RND', 'AP_SAT'), fixedType(4, 4, true, 'AP_TRN', 'AP_WRAP'), fixedType(60, 20, true, 'AP_RND_CONV', 'AP_SAT'), fixedType(70, 2, true, 'AP_TRN', 'AP_WRAP'));
  for (const t of types)
    for (const quantized of [false, true])
      it(`${t.w},${t.i},${t.q},${t.o}${quantized ? ', weights from a quantizer' : ''}: same counts as the reference cast`, () => {
        // With a quantizer fact on the kernel the pass also reports how many weights the type changes.
        const quant = quantized ? { quant: { kernel: { kind: 'quant' as const, bits: 8, signed: true, scale: [2 ** -4] } } } : {};
        const g = new SeqBuilder([20])
          .dense('fc', 30, r, { weights: { kernel: { shape: [20, 30], data } }, precision: { result: T('fixed<16,6>'), accum: T('fixed<16,6>'), weight: t, bias: t }, ...quant })
          .build();
        const c = ctx();
        checkWeightTypesPass.run(g, c);
        const rows = (c.report.weightTypeDamage ?? []) as WeightTypeDamage[];
        const ref = referenceDamage(data, t);
        const want = { nonzero: ref.nonzero, zeroed: ref.zeroed, changed: quantized ? ref.changed : 0 };
        const row = rows.find((x) => x.role === 'kernel');
        if (want.zeroed === 0 && want.changed === 0) expect(row).toBeUndefined();
        else expect({ nonzero: row?.nonzero, zeroed: row?.zeroed, changed: row?.changed }).toEqual(want);
      });
  it('the types above exercise both outcomes (weights destroyed and weights kept)', () => {
    const zeroed = types.map((t) => referenceDamage(data, t).zeroed);
    expect(zeroed.some((z) => z > 0)).toBe(true);
    expect(zeroed.some((z) => z === 0)).toBe(true);
  });
});

describe('csdDigits', () => {
  const loop = (v: number): number => {
    let n = Math.abs(Math.round(v));
    let d = 0;
    while (n > 0) {
      if (n & 1) {
        d++;
        n = (n & 3) === 3 ? n + 1 : n - 1;
      }
      n = Math.floor(n / 2);
    }
    return d;
  };
  it('equals the digit loop on every integer below 2^17 and on random ones up to 2^40', () => {
    for (let v = -(2 ** 17); v < 2 ** 17; v++) if (csdDigits(v) !== loop(v)) expect([v, csdDigits(v)]).toEqual([v, loop(v)]);
    const r = rng(3);
    for (let k = 0; k < 20000; k++) {
      const v = Math.floor(r() * 2 ** (1 + (k % 40)));
      if (csdDigits(v) !== loop(v)) expect([v, csdDigits(v)]).toEqual([v, loop(v)]);
    }
    expect([0x3fffffff, 0x40000000, 0x40000001, 2 ** 31 - 1].map(csdDigits)).toEqual([0x3fffffff, 0x40000000, 0x40000001, 2 ** 31 - 1].map(loop));
  });
});

describe('sharedDenseOrder', () => {
  /** What the full order table says: output 0's order when every output has it, else undefined. */
  const fromTable = (nIn: number, nOut: number, rf: number): number[] | undefined => {
    const o = resourceOrder(nIn, nOut, rf);
    return o.every((row) => row.join() === o[0]!.join()) ? o[0] : undefined;
  };
  it('equals the order table for every reuse factor of small layers, valid or not', () => {
    let shared = 0;
    for (const nIn of [1, 2, 3, 5, 8, 12])
      for (const nOut of [1, 2, 3, 4, 7, 10])
        for (let rf = 1; rf <= nIn * nOut + 2; rf++) {
          const got = sharedDenseOrder(nIn, nOut, 'resource', rf);
          expect(got, `${nIn}x${nOut} rf ${rf}`).toEqual(fromTable(nIn, nOut, rf));
          if (got) shared++;
        }
    // hls4ml's Resource loops give every output the same order (and an invalid reuse factor falls
    // back to input order), so every case here is shared and answered without the table.
    expect(shared).toBeGreaterThan(900);
  });
  it('equals the order table on a layer of the benchmark shape (reuse factor 8)', () => {
    expect(sharedDenseOrder(200, 200, 'resource', 8)).toEqual(fromTable(200, 200, 8));
  });
});

describe('ONNX weights keep float32 values as Float32Array', () => {
  it('narrows exactly-float32 values, keeps anything else as Float64Array', () => {
    const f32 = new Float64Array(4096).map((_, k) => Math.fround(Math.sin(k) * 3));
    f32[5] = -0;
    const w = weight([4096], f32);
    expect(w.data).toBeInstanceOf(Float32Array);
    expect(Array.from(w.data)).toEqual(Array.from(f32));
    expect(Object.is(w.data[5], -0)).toBe(true);
    const f64 = Float64Array.from(f32);
    f64[100] = 0.1; // not a float32
    expect(weight([4096], f64).data).toBe(f64);
    const nan = Float64Array.from(f32);
    nan[7] = Number.NaN;
    expect(weight([4096], nan).data).toBeInstanceOf(Float64Array);
    // A constant's values: copied (narrowed when exact) unless read from float32 raw_data, which is
    // shared as read; a tensor derived from that one by spreading does not inherit the float32 view.
    const c = weightOf([4096], { shape: [4096], data: f64, dataType: 11 });
    expect(c.data).not.toBe(f64);
    expect(c.data).toBeInstanceOf(Float64Array);
    expect(Array.from(c.data)).toEqual(Array.from(f64));
    expect(weightOf([4096], { shape: [4096], data: f32, dataType: 1 }).data).toBeInstanceOf(Float32Array);
    const raw = new Uint8Array(Float32Array.from(f32).buffer);
    const t = decodeTensor({ name: 'w', dims: [4096], dataType: 1, rawData: raw }, { file: 'm.onnx' });
    expect(t.f32).toBeInstanceOf(Float32Array);
    expect(weightOf([4096], t).data).toBe(t.f32);
    expect(Array.from(t.data)).toEqual(Array.from(f32));
    const neg = { ...t, data: t.data.map((x) => -x) };
    expect(neg.f32).toBeUndefined();
    expect(weightOf([4096], neg).data[1]).toBe(-f32[1]!);
  });
});

describe('emulator without WebAssembly kernels', () => {
  it('gives the same outputs as with them, and only while it is built', () => {
    const r = rng(11);
    const g = new SeqBuilder([16]).dense('fc1', 32, r).act('r1', 'relu').dense('fc2', 24, r, { strategy: 'resource', reuseFactor: 4 }).act('r2', 'relu').dense('fc3', 5, r).build();
    const xs = sampleInputs(g, 20, 5);
    const run = (wasm: boolean) => {
      const em = compileEmulator(g, { wasm });
      return xs.map((x) => Array.from(em.runSample([x])[0]!));
    };
    expect(simdAvailable()).toBe(true);
    const a = run(true);
    const b = run(false);
    expect(b).toEqual(a);
    // Not all zeros (the comparison means something).
    expect(a.flat().some((v) => v !== 0)).toBe(true);
    expect(withScalarKernels(() => simdAvailable())).toBe(false);
    expect(simdAvailable()).toBe(true);
  });
});

describe('weight array bytes', () => {
  it('print exactly exactDecimal at every integer digit count and fraction length', () => {
    const vals: number[] = [0, -0, 2 ** 31 - 1, -(2 ** 31 - 1), 2 ** 31 - 2 ** -15, 2 ** -15, -(2 ** -15), 1 - 2 ** -15];
    for (let d = 0; d <= 10; d++)
      for (const base of [10 ** d, 10 ** d - 1, 10 ** d + 1])
        for (let f = 0; f <= 16; f++) for (const frac of [0, 2 ** -f, 1 - 2 ** -f, 0.5 + 2 ** -f]) if (base + frac < 2 ** 31) vals.push(base + frac, -(base + frac));
    const line = (v: number[]) => {
      const rows: string[] = [];
      for (let k = 0; k < v.length; k += 8) rows.push('    ' + v.slice(k, k + 8).map(exactDecimal).join(', '));
      return `{\n${rows.join(',\n')}\n}`;
    };
    expect(vals.length).toBeGreaterThan(1000);
    expect(cppArrayInit(Float64Array.from(vals), 8)).toBe(line(vals));
  });
});
