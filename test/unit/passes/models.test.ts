/**
 * The pipeline on the real models in ../shared/models: the QKeras and QONNX jet taggers (the same
 * trained weights) get exact types, emulate to the same bits, and agree with the quantized float
 * model; the hls4ml config shipped with the QKeras model resolves to the types hls4ml printed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Graph } from '../../../src/ir/graph.js';
import { loadModel } from '../../../src/frontends/index.js';
import { configFromObject, defaultConfig, loadConfig } from '../../../src/config/load.js';
import { runPipeline } from '../../../src/passes/pipeline.js';
import { compileEmulator } from '../../../src/emulator/compile.js';
import { evaluateFloat } from '../../../src/emulator/float.js';
import { formatHls4ml } from '../../../src/fixed/type.js';
import { gridValues, maxAbsDiff, rng } from './helpers.js';
import { SHIPPED_CALIBRATION, estimate } from '../../../src/estimate/estimate.js';
import type { Calibration } from '../../../src/estimate/types.js';
import { formatPipelineReport } from '../../../src/passes/options.js';
import { castTo } from '../../../src/passes/quant-types.js';
import { dataDir } from '../../helpers/data.js';

const SHARED = dataDir;
const MODELS = path.join(SHARED, 'models');
const have = existsSync(path.join(MODELS, 'qonnx_jet_mlp_3layer'));

let qkeras: Graph;
let qonnx: Graph;

/** Inputs exactly representable in fixed<16,6> (so the input cast is exact). */
const inputs = (n: number, seed: number) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => gridValues(16, r, 6, 10));
};

function emulateAll(g: Graph, xs: Float64Array[], tensor?: string): Float64Array[] {
  const em = compileEmulator(g, { weightsAsText: false });
  return xs.map((x) => {
    const out = em.runSample([x]);
    return Float64Array.from(tensor ? em.buffer(tensor) : out[0]!);
  });
}

describe('QKeras and QONNX jet taggers (shared models)', () => {
  beforeAll(async () => {
    qkeras = await loadModel(path.join(MODELS, 'qkeras_jet_mlp_3layer/qkeras_3layer.json'));
    qonnx = await loadModel(path.join(MODELS, 'qonnx_jet_mlp_3layer/qkeras_jettagging.onnx'));
  });

  it('get exact types from their quantizers', () => {
    const a = runPipeline(qkeras, defaultConfig(), { verify: true });
    const fc1 = a.graph.layers.find((l) => l.name === 'fc1')!;
    expect(formatHls4ml(fc1.precision.weight!)).toBe('fixed<6,1,RND_CONV,SAT,0>');
    expect(formatHls4ml(fc1.precision.bias!)).toBe('fixed<6,1,RND_CONV,SAT,0>');
    expect(formatHls4ml(a.graph.layers.find((l) => l.name === 'relu1')!.precision.result!)).toBe('ufixed<6,0,RND_CONV,SAT,0>');
    // fc1_linear (fixed<16,6> into fixed<16,6>) is a no-op and is gone.
    expect(a.graph.layers.some((l) => l.name === 'fc1_linear')).toBe(false);
    expect(a.trace).toEqual(expect.arrayContaining(['quantize-model', 'apply-config', 'remove-linear']));

    const b = runPipeline(qonnx, defaultConfig(), { verify: true });
    const q8 = b.graph.layers.find((l) => l.name === 'Quant_8')!;
    expect(q8.attrs).toEqual({ op: 'Activation', activation: 'linear' });
    expect(formatHls4ml(q8.precision.result!)).toBe('ufixed<6,0,RND_CONV,SAT,0>');
    expect(formatHls4ml(b.graph.layers.find((l) => l.name === 'MatMul_0')!.precision.weight!)).toBe('fixed<6,1,RND_CONV,SAT,0>');
    // With an explicit Dense result type the bias Add stays a layer of its own (hls4ml's rule).
    expect(b.graph.layers.some((l) => l.name === 'Add_0')).toBe(true);
  });

  it('share their weights after quantization', () => {
    const a = runPipeline(qkeras, defaultConfig()).graph;
    const b = runPipeline(qonnx, defaultConfig()).graph;
    const pairs: [string, string, string][] = [
      ['fc1', 'MatMul_0', 'Add_0'],
      ['fc2', 'MatMul_1', 'Add_1'],
      ['fc3', 'MatMul_2', 'Add_2'],
      ['output', 'MatMul_3', 'Add_3'],
    ];
    for (const [k, m, add] of pairs) {
      const lk = a.layers.find((l) => l.name === k)!;
      expect(Array.from(lk.weights.kernel!.data)).toEqual(Array.from(b.layers.find((l) => l.name === m)!.weights.kernel!.data));
      expect(Array.from(lk.weights.bias!.data)).toEqual(Array.from(b.layers.find((l) => l.name === add)!.weights.bias!.data));
    }
  });

  it('emulate to the same bits with the same (default) configuration', () => {
    const xs = inputs(300, 1);
    const a = emulateAll(runPipeline(qkeras, defaultConfig()).graph, xs);
    const b = emulateAll(runPipeline(qonnx, defaultConfig()).graph, xs);
    expect(a).toEqual(b);
  });

  it('with exact (auto) accumulators, agree with the quantized float model bit for bit up to the logits', () => {
    const autoDense = { HLSConfig: { Model: { Precision: 'fixed<16,6>' }, LayerType: { Dense: { Precision: { result: 'auto', accum: 'auto' } } } } };
    // QKeras: the Dense layers' own linear activations inherit the exact type (auto) and vanish.
    const linears = Object.fromEntries(['fc1_linear', 'fc2_linear', 'fc3_linear', 'output_linear'].map((n) => [n, { Precision: { result: 'auto' } }]));
    const a = runPipeline(qkeras, configFromObject({ HLSConfig: { ...autoDense.HLSConfig, LayerName: linears } }), { verify: true });
    expect(a.graph.layers.some((l) => l.name.endsWith('_linear'))).toBe(false);
    // QONNX: the ReLU before each activation Quant must not round either.
    const relus = Object.fromEntries(['Relu_0', 'Relu_1', 'Relu_2'].map((n) => [n, { Precision: { result: 'fixed<40,16>' } }]));
    const b = runPipeline(qonnx, configFromObject({ HLSConfig: { ...autoDense.HLSConfig, LayerName: relus } }), { verify: true });
    expect(b.report.foldedScaleBias).toEqual(['Add_0 -> MatMul_0', 'Add_1 -> MatMul_1', 'Add_2 -> MatMul_2', 'Add_3 -> MatMul_3']);
    const xs = inputs(300, 2);
    const logitsA = emulateAll(a.graph, xs, 'output');
    const logitsB = emulateAll(b.graph, xs, 'Add_3_out0');
    // The quantized float model: the QONNX graph in float64 (Quant nodes fake-quantize).
    const ref = xs.map((x) => evaluateFloat(qonnx, { global_in: x }, { trace: true }).trace!['Add_3']!);
    // (compared by value: toEqual would tell -0 from +0)
    expect(maxAbsDiff(logitsA, ref)).toBe(0);
    expect(maxAbsDiff(logitsB, ref)).toBe(0);
    // Softmax itself is table-based; the class picked agrees with the float softmax.
    const outA = emulateAll(a.graph, xs);
    const agree = outA.filter((o, s) => argmax(o) === argmax(ref[s]!)).length;
    expect(agree / xs.length).toBeGreaterThan(0.97);
  });

  it("resolves the hls4ml config shipped with the QKeras model to hls4ml's types", () => {
    const cfg = loadConfig(path.join(MODELS, 'qkeras_jet_mlp_3layer/qkeras_3layer_config.yml'));
    const r = runPipeline(qkeras, cfg, { verify: true });
    const get = (n: string) => r.graph.layers.find((l) => l.name === n)!;
    expect(formatHls4ml(get('fc1').precision.weight!)).toBe('fixed<6,1,TRN,WRAP,0>');
    expect(formatHls4ml(get('relu1').precision.result!)).toBe('fixed<7,1,RND_CONV,SAT,0>');
    // ap_fixed<6,1> (TRN) holds the quantizer's values exactly, so the config's type changes no bit.
    const xs = inputs(200, 3);
    const viaCfg = emulateAll(r.graph, xs, 'relu3');
    const viaModel = emulateAll(runPipeline(qkeras, defaultConfig()).graph, xs, 'relu3');
    expect(viaCfg).toEqual(viaModel);
  });
});

function argmax(a: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[k]!) k = i;
  return k;
}

describe('--reuse auto on the jet tagger (estimator in the loop)', () => {
  let jet: Graph;
  beforeAll(async () => {
    jet = await loadModel(path.join(MODELS, 'jet_mlp_3layer/KERAS_3layer.json'));
  });

  it('meets a DSP budget and reports the choice', () => {
    const base = runPipeline(jet, defaultConfig());
    const full = estimate(base.graph, {}).total;
    const budget = Math.floor(full.dsp / 5);
    const r = runPipeline(jet, defaultConfig(), { reuse: 'auto', budget: `dsp=${budget}`, verify: true });
    const choice = r.report.reuse as { chosen: Record<string, number>; total: { dsp: number; latency_cycles: number } };
    expect(Object.keys(choice.chosen)).toEqual(['fc1_relu', 'fc2_relu', 'fc3_relu', 'output_softmax']);
    expect(choice.total.dsp).toBeLessThanOrEqual(budget);
    // The graph carries the choice, and the estimator agrees with the report.
    const again = estimate(r.graph, {}).total;
    expect(again.dsp).toBe(choice.total.dsp);
    expect(again.latency_cycles).toBeGreaterThan(full.latency_cycles);
    for (const [name, rf] of Object.entries(choice.chosen)) expect(r.graph.layers.find((l) => l.name === name)!.reuseFactor).toBe(rf);
    expect(formatPipelineReport(r.report)).toMatch(new RegExp(`reuse factors chosen for budget dsp<=${budget}: fc1_relu=\\d+, fc2_relu=\\d+, fc3_relu=\\d+, output_softmax=\\d+`));
  });

  it('with only a latency budget, saves DSPs while the latency fits', () => {
    const full = estimate(runPipeline(jet, defaultConfig()).graph, {}).total;
    const r = runPipeline(jet, defaultConfig(), { reuse: 'auto', budget: `latency=${full.latency_cycles + 20}` });
    const t = (r.report.reuse as { total: { dsp: number; latency_cycles: number } }).total;
    expect(t.latency_cycles).toBeLessThanOrEqual(full.latency_cycles + 20);
    expect(t.dsp).toBeLessThan(full.dsp);
  });

  it('an impossible budget is an error saying what was reached', () => {
    expect(() => runPipeline(jet, defaultConfig(), { reuse: 'auto', budget: 'dsp=2' })).toThrow(/FML6512.*no choice of reuse factors meets the budget: the best reached is \d+ DSPs > 2/s);
  });
});

describe('every quantized model in ../shared/models gets exact types', () => {
  const files = [
    'qkeras_jet_mlp_3layer/qkeras_3layer.json',
    'qkeras_jet_mlp_3layer/qkeras-v3_3layer.keras',
    'qkeras_mnist_cnn/qkeras_mnist_cnn.json',
    'autoencoder_toycar_qkeras/keras_model.h5',
    'qonnx_jet_mlp_3layer/qkeras_jettagging.onnx',
    'qonnx_branched_sepconv_chlast/branched_model_ch_last.onnx',
  ];
  for (const f of files) {
    it(f, async () => {
      const g = await loadModel(path.join(MODELS, f));
      const r = runPipeline(g, defaultConfig(), { verify: true });
      const q = r.report.quantization as { layer: string; slot: string }[];
      expect(q.length).toBeGreaterThan(0);
      // Every quantized weight lies exactly on its type's grid and inside its range.
      for (const { layer, slot } of q) {
        const l = r.graph.layers.find((x) => x.name === layer);
        if (!l || slot === 'result') continue;
        const role = slot === 'weight' ? 'kernel' : slot;
        const t = l.precision[slot];
        if (!l.weights[role] || t === undefined || t === 'auto') continue;
        for (const v of l.weights[role]!.data) expect(castTo(v, t)).toBe(v);
      }
      // Every activation quantizer is a result type now; no Quant layer is left.
      expect(r.graph.layers.some((l) => l.attrs.op === 'Quant')).toBe(false);
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    });
  }
});

describe('--prune on the jet tagger', () => {
  it('zero weights cost no multiplier in the estimate; the sparsity report says how many', async () => {
    const jet = await loadModel(path.join(MODELS, 'jet_mlp_3layer/KERAS_3layer.json'));
    const dense = runPipeline(jet, defaultConfig());
    const pruned = runPipeline(jet, defaultConfig(), { prune: '0.5', verify: true });
    const rows = pruned.report.sparsity as { layer: string; weights: number; zerosQuantized: number; multipliers: number }[];
    expect(rows.map((r) => r.layer)).toEqual(['fc1_relu', 'fc2_relu', 'fc3_relu', 'output_softmax']);
    for (const r of rows) expect(r.zerosQuantized).toBeGreaterThanOrEqual(r.weights / 2);
    // With only powers of two as free constants: half the weights gone, about half the multipliers.
    const pow2: Calibration = { ...SHIPPED_CALIBRATION, families: { ...SHIPPED_CALIBRATION.families, vitis: { ...SHIPPED_CALIBRATION.families.vitis, csdMaxDigits: 1 } } };
    const before = estimate(dense.graph, { calibration: pow2 }).total.dsp;
    const after = estimate(pruned.graph, { calibration: pow2 }).total.dsp;
    expect(after).toBeLessThan(0.55 * before);
    expect(after).toBeGreaterThan(0.45 * before);
    // The shipped Vitis model builds constants with few CSD digits from shifts: the pruned (small)
    // weights were mostly such already, so pruning saves fewer DSPs, but still some.
    expect(estimate(pruned.graph, {}).total.dsp).toBeLessThan(estimate(dense.graph, {}).total.dsp);
    expect(formatPipelineReport(pruned.report)).toMatch(/fc1_relu: \d+\/1024 zero after quantization/);
  });
});
