import { describe, expect, it } from 'vitest';
import { AUTO, fixedType, formatHls4ml } from '../../../src/fixed/type.js';
import { removeNopsPass } from '../../../src/passes/remove-nops.js';
import { removeLinearPass } from '../../../src/passes/remove-linear.js';
import { foldBatchNormPass } from '../../../src/passes/fold-batchnorm.js';
import { foldScaleBiasPass } from '../../../src/passes/fold-scale-bias.js';
import { inferPrecisionPass } from '../../../src/passes/infer-precision.js';
import { SeqBuilder, T, ctx, emulate, floatRef, gridValues, maxAbsDiff, rng, runPass, sampleInputs } from './helpers.js';

const infer = inferPrecisionPass();

describe('remove-nops', () => {
  it('removes Dropout and Identity, keeps the output name, and leaves emulator outputs unchanged', () => {
    const r = rng(1);
    const g = new SeqBuilder([8])
      .dense('fc1', 6, r)
      .add('drop', { op: 'Dropout' })
      .act('relu1', 'relu')
      .add('id', { op: 'Identity' })
      .build();
    const after = runPass(removeNopsPass, g);
    expect(after.layers.map((l) => l.name)).toEqual(['x', 'fc1', 'relu1']);
    expect(after.outputs).toEqual(['id']);
    const xs = sampleInputs(g, 50);
    expect(emulate(after, xs)).toEqual(emulate(g, xs));
  });
});

describe('remove-linear', () => {
  it('removes a linear activation whose types are equal (outputs unchanged) and keeps one that rounds', () => {
    const r = rng(2);
    const same = new SeqBuilder([8]).dense('fc1', 4, r).act('fc1_linear', 'linear').build();
    const after = runPass(removeLinearPass, same);
    expect(after.layers.map((l) => l.name)).toEqual(['x', 'fc1']);
    const xs = sampleInputs(same, 50);
    expect(emulate(after, xs)).toEqual(emulate(same, xs));

    const narrowing = new SeqBuilder([8]).dense('fc1', 4, r).act('q', 'linear', { precision: { result: T('fixed<6,2,RND_CONV,SAT>') } }).build();
    const kept = runPass(removeLinearPass, narrowing);
    expect(kept).toBe(narrowing);
  });

  it('an auto linear activation is inferred to its input type and then removed', () => {
    const r = rng(3);
    const g = new SeqBuilder([8]).dense('fc1', 4, r).act('fc1_linear', 'linear', { precision: { result: AUTO } }).build();
    const typed = runPass(infer, g);
    expect(typed.layers[2]!.precision.result).toEqual(typed.layers[1]!.precision.result);
    const after = runPass(removeLinearPass, typed);
    expect(after.layers).toHaveLength(2);
    const xs = sampleInputs(g, 30);
    expect(emulate(after, xs)).toEqual(emulate(typed, xs));
  });
});

/** Dense (result auto) -> BatchNorm with power-of-two scales, so folding is exact in fixed point too. */
function denseBn(resultAuto: boolean) {
  const r = rng(4);
  const nOut = 5;
  const gamma = Float32Array.from({ length: nOut }, (_, c) => 2 ** ((c % 3) - 1));
  const variance = new Float32Array(nOut).fill(1);
  const mean = Float32Array.from(gridValues(nOut, r, 1, 3));
  const beta = Float32Array.from(gridValues(nOut, r, 1, 3));
  return new SeqBuilder([6], T('fixed<10,4>'))
    .dense('fc1', nOut, r, {
      precision: { result: resultAuto ? AUTO : T('fixed<16,6>'), accum: AUTO, weight: T('fixed<12,4>'), bias: T('fixed<12,4>') },
    })
    .add('bn1', { op: 'BatchNorm', epsilon: 0 }, [nOut], {
      weights: { gamma: { shape: [nOut], data: gamma }, beta: { shape: [nOut], data: beta }, mean: { shape: [nOut], data: mean }, variance: { shape: [nOut], data: variance } },
      precision: { result: AUTO, scale: T('fixed<12,4>'), bias: T('fixed<12,4>') },
    })
    .build();
}

describe('fold-batchnorm', () => {
  it('folds BatchNorm into a Dense whose result type is auto; float and fixed outputs unchanged', () => {
    const g = denseBn(true);
    const c = ctx();
    const after = runPass(foldBatchNormPass(), g, c);
    expect(after.layers.map((l) => l.name)).toEqual(['x', 'fc1']);
    expect(after.outputs).toEqual(['bn1']);
    // The Dense keeps its own auto result type (hls4ml keeps the parent's output variable).
    expect(after.layers[1]!.precision.result).toBe(AUTO);
    expect(c.report.foldedBatchNorm).toEqual(['bn1 -> fc1']);
    const xs = sampleInputs(g, 60, 7, 4, 6);
    expect(maxAbsDiff(floatRef(after, xs), floatRef(g, xs))).toBeLessThan(1e-6);
    // Power-of-two BN scales keep the folded weights on the weight grid: bit-identical outputs.
    expect(emulate(runPass(infer, after), xs)).toEqual(emulate(runPass(infer, g), xs));
  });

  it("keeps BatchNorm when the Dense result type is explicit (hls4ml's rule)", () => {
    const g = denseBn(false);
    expect(runPass(foldBatchNormPass(), g)).toBe(g);
  });

  it('aggressive mode folds anyway (documented as changing numerics)', () => {
    const g = denseBn(false);
    const after = runPass(foldBatchNormPass({ aggressive: true }), g);
    expect(after.layers).toHaveLength(2);
    const xs = sampleInputs(g, 40, 8, 4, 6);
    expect(maxAbsDiff(floatRef(after, xs), floatRef(g, xs))).toBeLessThan(1e-6);
  });

  it('does not fold into a Dense whose weights a model quantizer fixed', () => {
    const g = denseBn(true);
    const q = { ...g, layers: g.layers.map((l) => (l.name === 'fc1' ? { ...l, quant: { kernel: { kind: 'quant' as const, bits: 6, scale: [1 / 32] } } } : l)) };
    expect(runPass(foldBatchNormPass(), q)).toBe(q);
  });
});

describe('fold-scale-bias', () => {
  function matmulAdd(resultAuto: boolean) {
    const r = rng(9);
    return new SeqBuilder([8], T('fixed<10,4>'))
      .dense('fc1', 4, r, { bias: false, precision: { result: resultAuto ? AUTO : T('fixed<12,4>'), accum: AUTO, weight: T('fixed<8,2>'), bias: T('fixed<8,2>') } })
      .add('fc1_add', { op: 'ScaleBias' }, [4], { weights: { bias: { shape: [4], data: gridValues(4, r, 1, 5) } }, precision: { result: AUTO, scale: T('fixed<16,6>'), bias: T('fixed<8,2>') } })
      .build();
  }

  it('folds a constant Add into the Dense bias when the Dense result is auto; outputs unchanged', () => {
    const g = matmulAdd(true);
    const after = runPass(foldScaleBiasPass(), g);
    expect(after.layers.map((l) => l.name)).toEqual(['x', 'fc1']);
    expect(after.layers[1]!.weights.bias!.data).toEqual(Float64Array.from(g.layers[2]!.weights.bias!.data));
    const xs = sampleInputs(g, 60, 3, 4, 6);
    expect(emulate(runPass(infer, after), xs)).toEqual(emulate(runPass(infer, g), xs));
  });

  it('keeps the bias layer when the Dense result type is explicit: two roundings, as hls4ml', () => {
    const g = matmulAdd(false);
    expect(runPass(foldScaleBiasPass(), g)).toBe(g);
  });
});

describe('infer-precision', () => {
  it("gives hls4ml's fixed<37,17> for 16 inputs of fixed<16,6> times fixed<16,6> weights with a bias", () => {
    const r = rng(5);
    const g = new SeqBuilder([16], T('fixed<16,6>')).dense('fc1', 5, r, { precision: { result: AUTO, accum: AUTO, weight: T('fixed<16,6>'), bias: T('fixed<16,6>') } }).build();
    const c = ctx();
    const out = runPass(infer, g, c);
    expect(formatHls4ml(out.layers[1]!.precision.accum!)).toBe('fixed<37,17,TRN,WRAP,0>');
    expect(formatHls4ml(out.layers[1]!.precision.result!)).toBe('fixed<37,17,TRN,WRAP,0>');
    expect(c.report.inferredPrecision).toEqual({ fc1: { result: 'fixed<37,17,TRN,WRAP,0>', accum: 'fixed<37,17,TRN,WRAP,0>' } });
  });

  it('inferred accumulators never round: emulation equals the float model on grid values', () => {
    const r = rng(6);
    const g = new SeqBuilder([12], T('fixed<10,4>'))
      .dense('fc1', 6, r, { precision: { result: AUTO, accum: AUTO, weight: T('fixed<8,2>'), bias: T('fixed<8,2>') } })
      .dense('fc2', 3, r, { precision: { result: AUTO, accum: AUTO, weight: T('fixed<8,2>'), bias: T('fixed<8,2>') } })
      .build();
    const out = runPass(infer, g);
    const xs = sampleInputs(g, 50, 11, 4, 6);
    expect(maxAbsDiff(emulate(out, xs), floatRef(g, xs))).toBe(0);
  });

  it('bounds widths by the maximum precision and warns about the softmax trap', () => {
    const r = rng(7);
    const g = new SeqBuilder([16], T('fixed<16,6>'))
      .dense('fc1', 5, r, { precision: { result: AUTO, accum: AUTO, weight: T('fixed<16,6>'), bias: T('fixed<16,6>') } })
      .add('softmax', { op: 'Softmax', axis: -1, implementation: 'stable' }, [5], { precision: { result: T('ufixed<16,0>') }, tableSize: 1024 })
      .build();
    const c = ctx();
    runPass(inferPrecisionPass(), g, c);
    const trap = c.diagnostics.find((d) => d.code === 'FML6520');
    expect(trap?.message).toMatch(/fixed<37,17/);
    expect(trap?.hint).toMatch(/fc1.*fixed<16,6,RND,SAT/);

    const c2 = ctx();
    const bounded = runPass(inferPrecisionPass({ maxPrecision: fixedType(24, 8) }), g, c2);
    expect(formatHls4ml(bounded.layers[1]!.precision.result!)).toBe('fixed<24,8,TRN,WRAP,0>');
    // 2^7 / 1024 = 1/8 per table step: no warning.
    expect(c2.diagnostics.filter((d) => d.code === 'FML6520')).toEqual([]);
  });
});

describe('fold-scale-bias: the folded bias takes the Dense configuration (ONNX MatMul + Add)', () => {
  it("uses the Dense's configured bias type, not the Add's default, as hls4ml does", async () => {
    const { buildModel, graphOf } = await import('../frontends/onnx/onnx-build.js');
    const { configFromObject } = await import('../../../src/config/load.js');
    const { runPipeline } = await import('../../../src/passes/pipeline.js');
    const { formatHls4ml } = await import('../../../src/fixed/type.js');
    const r = rng(41);
    const bytes = buildModel({
      inputs: [{ name: 'x', dims: [1, 6] }],
      outputs: ['y'],
      nodes: [
        { op: 'MatMul', name: 'fc', inputs: ['x', 'W'], outputs: ['h'] },
        { op: 'Add', name: 'fc_bias', inputs: ['h', 'B'], outputs: ['y'] },
      ],
      inits: { W: { dims: [6, 3], data: Array.from(gridValues(18, r, 1, 6)) }, B: { dims: [3], data: [0.3046875, -0.2109375, 0.1171875] } },
    });
    const g = graphOf(bytes);
    const cfg = (bias: string) =>
      configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>' }, LayerName: { fc: { Precision: { weight: 'fixed<12,4>', bias, result: 'auto', accum: 'auto' } } } } });
    const res = runPipeline(g, cfg('fixed<6,1,RND>'), { verify: true });
    const fc = res.graph.layers.find((l) => l.name === 'fc')!;
    expect(res.graph.layers.some((l) => l.name === 'fc_bias')).toBe(false);
    expect(formatHls4ml(fc.precision.bias as never)).toBe('fixed<6,1,RND,WRAP,0>');
    // The emulator applies that type: the biases round to 2^-5 (0.3046875 -> 0.3125 ...).
    const xs = [new Float64Array(6)];
    expect(Array.from(emulate(res.graph, xs)[0]!)).toEqual([0.3125, -0.21875, 0.125]);
    const wide = runPipeline(g, cfg('fixed<16,6>'), { verify: true });
    expect(Array.from(emulate(wide.graph, xs)[0]!)).toEqual([0.3046875, -0.2109375, 0.1171875]);
  });
});
