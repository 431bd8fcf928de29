import { describe, expect, it } from 'vitest';
import { AUTO, formatHls4ml } from '../../../src/fixed/type.js';
import type { QuantFact } from '../../../src/ir/graph.js';
import { DiagnosticError } from '../../../src/diagnostics/diagnostic.js';
import { foldQuantPass, quantizeModelPass } from '../../../src/passes/quantize-model.js';
import { inferPrecisionPass } from '../../../src/passes/infer-precision.js';
import { mapFact } from '../../../src/passes/quant-types.js';
import { roundHalfEven } from '../../../src/emulator/float.js';
import { quantizedReference } from '../../../src/passes/quantized-reference.js';
import { SeqBuilder, T, ctx, emulate, floatRef, gridValues, maxAbsDiff, rng, runPass, sampleInputs } from './helpers.js';

const qk = (name: string, args: Record<string, unknown>): QuantFact => ({ kind: 'qkeras', qkeras: { name, args } });
const typeOf = (f: QuantFact, w = false) => {
  const m = mapFact(f, w);
  if (!m.ok) throw new Error(m.reason);
  return formatHls4ml(m.value.type);
};

describe('quantizer -> type mapping', () => {
  it('maps QKeras quantizers as hls4ml does', () => {
    expect(typeOf(qk('quantized_bits', { bits: 6, integer: 0, alpha: 1 }))).toBe('fixed<6,1,RND_CONV,SAT,0>');
    expect(typeOf(qk('quantized_bits', { bits: 8, integer: 3, keep_negative: true, symmetric: 1 }))).toBe('fixed<8,4,RND_CONV,SAT_SYM,0>');
    expect(typeOf(qk('quantized_bits', { bits: 4, integer: 0, keep_negative: false }))).toBe('ufixed<4,0,RND_CONV,SAT,0>');
    expect(typeOf(qk('quantized_relu', { bits: 6, integer: 0 }))).toBe('ufixed<6,0,RND_CONV,SAT,0>');
    expect(typeOf(qk('quantized_relu', { bits: 10, integer: 5, negative_slope: 0.25 }))).toBe('fixed<11,6,RND_CONV,SAT,0>');
    expect(typeOf(qk('binary', {}))).toBe('int<2>');
    expect(typeOf(qk('ternary', {}))).toBe('int<2>');
  });

  it('maps QONNX Quant with power-of-two scales and refuses what is not exact', () => {
    expect(typeOf({ kind: 'quant', bits: 6, signed: true, narrow: false, rounding: 'ROUND', scale: [2 ** -5], zeroPoint: [0] })).toBe('fixed<6,1,RND_CONV,SAT,0>');
    expect(typeOf({ kind: 'quant', bits: 6, signed: false, narrow: false, rounding: 'ROUND', scale: [2 ** -6], zeroPoint: [0] })).toBe('ufixed<6,0,RND_CONV,SAT,0>');
    expect(typeOf({ kind: 'quant', bits: 4, signed: true, narrow: true, rounding: 'FLOOR', scale: [0.5], zeroPoint: [0] })).toBe('fixed<4,3,TRN,SAT_SYM,0>');
    // Per-channel power-of-two scales on weights: one type holding every channel exactly.
    expect(typeOf({ kind: 'quant', bits: 4, signed: true, scale: [0.25, 1], zeroPoint: [0] }, true)).toBe('fixed<6,4,RND_CONV,SAT,0>');
    const bad = mapFact({ kind: 'quant', bits: 8, signed: true, scale: [0.3], zeroPoint: [0] }, false);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(/scale 0.3 is not a power of two/);
    expect(mapFact({ kind: 'quant', bits: 8, signed: false, scale: [1 / 16], zeroPoint: [3] }, false).ok).toBe(false);
    expect(mapFact(qk('quantized_bits', { bits: 6, integer: 0, alpha: 'auto_po2' }), true).ok).toBe(false);
  });
});

/** The QKeras jet-tagger layer shape: QDense(quantized_bits(6,0)) -> QActivation(quantized_relu(6,0)). */
function qkerasBlock() {
  const r = rng(21);
  const qb = qk('quantized_bits', { bits: 6, integer: 0, symmetric: 0, alpha: 1, keep_negative: true });
  return new SeqBuilder([16], T('fixed<16,6>'))
    .dense('fc1', 8, r, {
      weights: {
        kernel: { shape: [16, 8], data: Float32Array.from(gridValues(128, r, 1.3, 12)) },
        bias: { shape: [8], data: Float32Array.from(gridValues(8, r, 0.5, 12)) },
      },
      quant: { kernel: qb, bias: qb },
      precision: {},
    })
    .add('relu1', { op: 'Activation', activation: 'relu' }, [8], { quant: { result: qk('quantized_relu', { bits: 6, integer: 0 }) } })
    .build();
}

/** QKeras in float: quantized weights, exact dense, quantized_relu(6,0) = clip(round(64 x), 0, 63) / 64. */
function qkerasFloat(g: ReturnType<typeof qkerasBlock>, xs: Float64Array[]): Float64Array[] {
  const q6 = (v: number) => Math.min(31, Math.max(-32, roundHalfEven(v * 32))) / 32;
  const k = g.layers[1]!.weights.kernel!.data;
  const b = g.layers[1]!.weights.bias!.data;
  return xs.map((x) => {
    const y = new Float64Array(8);
    for (let j = 0; j < 8; j++) {
      let acc = q6(b[j]!);
      for (let i = 0; i < 16; i++) acc += x[i]! * q6(k[i * 8 + j]!);
      y[j] = Math.min(63, Math.max(0, roundHalfEven(acc * 64))) / 64;
    }
    return y;
  });
}

describe('QKeras value quantizers (binary, ternary, po2) on weights', () => {
  const run = (f: QuantFact, values: number[]) => {
    const g = new SeqBuilder([values.length]).dense('fc1', 1, rng(1), { weights: { kernel: { shape: [values.length, 1], data: Float64Array.from(values) } }, bias: false, quant: { kernel: f } }).build();
    const l = runPass(quantizeModelPass, g).layers[1]!;
    return { values: Array.from(l.weights.kernel!.data), type: formatHls4ml(l.precision.weight!) };
  };
  it('binary: sign with sign(0) = +1; ternary: |x| >= 0.33', () => {
    expect(run(qk('binary', {}), [0, -0.1, 2])).toEqual({ values: [1, -1, 1], type: 'int<2>' });
    expect(run(qk('ternary', {}), [0.5, 0.33, 0.2, -0.4, 0])).toEqual({ values: [1, 1, 0, -1, 0], type: 'int<2>' });
  });
  it('quantized_po2: nearest power of two within the exponent range, type sized to the exponents present', () => {
    // bits=4: exponents -4..3; zero becomes +2^-4; 100 clips to 2^3.
    const r = run(qk('quantized_po2', { bits: 4 }), [0.3, 0, -5, 100, 1e-9]);
    expect(r.values).toEqual([0.25, 0.0625, -4, 8, 0.0625]);
    expect(r.type).toBe('fixed<9,5,TRN,WRAP,0>');
    expect(run(qk('quantized_po2', { bits: 4, max_value: 1 }), [3, 0.4]).values).toEqual([1, 0.5]);
    expect(mapFact(qk('quantized_po2', { bits: 8 }), false).ok).toBe(false);
  });
});

describe('quantizedReference (what check compares QKeras models with)', () => {
  it('computes what QKeras computes: quantized weights, quantized_relu output, float64 otherwise', () => {
    const g = qkerasBlock();
    const ref = quantizedReference(g);
    expect(ref.quantized).toEqual(['fc1', 'relu1']);
    expect(ref.skipped).toEqual([]);
    // The quantizer follows the layer under the layer's name, so per-layer traces still pair up.
    expect(ref.graph.layers.find((l) => l.name === 'relu1')!.attrs.op).toBe('Quant');
    const xs = sampleInputs(g, 30, 8, 3, 10);
    expect(maxAbsDiff(floatRef(ref.graph, xs), qkerasFloat(g, xs))).toBe(0);
    // ... and the model as written is the unquantized one (what --reference float uses).
    expect(maxAbsDiff(floatRef(g, xs), qkerasFloat(g, xs))).toBeGreaterThan(0.01);
  });

  it("rounds exact ties to even and clips after rounding, as QKeras' _round_through (tf.round) does", () => {
    // quantized_relu(6,0): clip(tf.round(64 x) / 64, 0, 63/64); quantized_bits(6,0) on the
    // previous layer's kernel: clip(tf.round(32 w), -32, 31) / 32. tf.round rounds half to even.
    const x = [0.5 / 64, 1.5 / 64, 2.5 / 64, 63.4 / 64, 63.5 / 64, -0.3];
    const g = new SeqBuilder([x.length]).add('relu1', { op: 'Activation', activation: 'relu' }, [x.length], { quant: { result: qk('quantized_relu', { bits: 6, integer: 0 }) } }).build();
    expect(Array.from(floatRef(quantizedReference(g).graph, [Float64Array.from(x)])[0]!)).toEqual([0, 2 / 64, 2 / 64, 63 / 64, 63 / 64, 0]);
    const w = [0.5 / 32, 1.5 / 32, -2.5 / 32, 31.6 / 32, -40 / 32];
    const d = new SeqBuilder([w.length]).dense('fc', 1, rng(1), { weights: { kernel: { shape: [w.length, 1], data: Float64Array.from(w) } }, bias: false, quant: { kernel: qk('quantized_bits', { bits: 6, integer: 0, alpha: 1 }) } }).build();
    const kq = quantizedReference(d).graph.layers.find((l) => l.name === 'fc')!.weights.kernel!.data;
    expect(Array.from(kq)).toEqual([0, 2 / 32, -2 / 32, 31 / 32, -1]);
  });
});

describe('quantize-model', () => {
  it('QKeras facts: weights become the quantizer values, types exact; emulation equals the quantized float model', () => {
    const g = qkerasBlock();
    const c = ctx();
    const q = runPass(quantizeModelPass, g, c);
    const fc1 = q.layers[1]!;
    expect(formatHls4ml(fc1.precision.weight!)).toBe('fixed<6,1,RND_CONV,SAT,0>');
    expect(formatHls4ml(q.layers[2]!.precision.result!)).toBe('ufixed<6,0,RND_CONV,SAT,0>');
    for (const v of fc1.weights.kernel!.data) {
      expect(Number.isInteger(v * 32)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(-1);
      expect(v).toBeLessThanOrEqual(31 / 32);
    }
    expect((c.report.quantization as unknown[]).length).toBe(3);
    // Dense accumulates exactly (auto), so the only roundings are the model's quantizers.
    const typed = runPass(inferPrecisionPass(), { ...q, layers: q.layers.map((l) => (l.name === 'fc1' ? { ...l, precision: { ...l.precision, accum: AUTO, result: AUTO } } : l)) });
    const xs = sampleInputs(g, 100, 5, 3, 10);
    expect(maxAbsDiff(emulate(typed, xs), qkerasFloat(g, xs))).toBe(0);
  });

  it('QONNX activation Quant: folded into an auto producer, kept as a quantizer layer otherwise; both equal the fake-quantized float model', () => {
    const r = rng(22);
    const fact: QuantFact = { kind: 'quant', bits: 6, signed: false, narrow: false, rounding: 'ROUND', scale: [2 ** -6], zeroPoint: [0] };
    const build = (res: 'auto' | 'explicit') =>
      new SeqBuilder([8], T('fixed<12,4>'))
        .dense('fc1', 4, r, { precision: { result: res === 'auto' ? AUTO : T('fixed<24,10>'), accum: AUTO, weight: T('fixed<8,2>'), bias: T('fixed<8,2>') } })
        .add('q1', { op: 'Quant', fact }, [4])
        .build();
    for (const mode of ['auto', 'explicit'] as const) {
      const g = build(mode);
      const c = ctx();
      const out = runPass(foldQuantPass, runPass(quantizeModelPass, g), c);
      if (mode === 'auto') {
        expect(out.layers.map((l) => l.name)).toEqual(['x', 'fc1']);
        expect(out.outputs).toEqual(['q1']);
        expect(formatHls4ml(out.layers[1]!.precision.result!)).toBe('ufixed<6,0,RND_CONV,SAT,0>');
      } else {
        expect(out.layers[2]!.attrs).toEqual({ op: 'Activation', activation: 'linear' });
        expect(c.report.quantLayers).toEqual({ q1: expect.stringMatching(/kept as a linear quantizer/) });
      }
      const typed = runPass(inferPrecisionPass(), out);
      const xs = sampleInputs(g, 80, 9, 4, 8);
      // The float reference applies the Quant node in float (fake quantization) on the original graph.
      const ref = floatRef(
        { ...g, layers: g.layers.map((l) => (l.name === 'fc1' ? { ...l, weights: out.layers.find((x) => x.name === 'fc1')!.weights } : l)) },
        xs,
      );
      expect(maxAbsDiff(emulate(typed, xs), ref)).toBe(0);
    }
  });

  it('reports every quantizer that is not exact, naming the node', () => {
    const r = rng(23);
    const g = new SeqBuilder([4])
      .dense('fc1', 3, r, { quant: { kernel: { kind: 'quant', bits: 8, signed: true, scale: [0.1], zeroPoint: [0] } } })
      .add('q', { op: 'Quant', fact: { kind: 'quant', bits: 8, signed: false, scale: [1 / 16], zeroPoint: [5] } }, [3])
      .build();
    let err: DiagnosticError | undefined;
    try {
      quantizeModelPass.run(g, ctx());
    } catch (e) {
      err = e as DiagnosticError;
    }
    expect(err).toBeInstanceOf(DiagnosticError);
    expect(err!.diagnostics).toHaveLength(2);
    expect(err!.diagnostics[0]!.code).toBe('FML6501');
    expect(err!.diagnostics[0]!.loc?.node).toBe('fc1');
    expect(err!.diagnostics[0]!.message).toMatch(/scale 0.1 is not a power of two/);
    expect(err!.diagnostics[1]!.message).toMatch(/zero point 5/);
  });
});
