/**
 * @fileoverview SimpleRNN, MultiHeadAttention and the reset-before GRU, whose numerics fastml defines (docs/numerics.md):
 * Keras models built here with known weights (architecture JSON + a Keras-2 weights HDF5 in Keras'
 * own layout), then (1) the fixed<16,6> emulator agrees with the float64 reference on random
 * inputs (argmax agreement >= 0.98) and (2) `fastml compile` + g++ csim equals the emulator bit
 * for bit (`fastml csim` compares every output value).
 */

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import h5wasm from 'h5wasm/node';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { loadKeras } from '../../src/frontends/keras/index.js';
import { configFromObject } from '../../src/config/load.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { compileEmulator } from '../../src/emulator/compile.js';
import { evaluateFloat } from '../../src/emulator/float.js';
import { encodeNpy } from '../../src/io/npy.js';
import type { Graph } from '../../src/ir/graph.js';
import { encodeModel } from '../../src/tools/onnx-writer.js';
import { attentionModel } from '../unit/frontends/onnx/sequence-models.js';
import { sequenceModel } from '../unit/frontends/keras/sequence-model.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-attn-'));
afterAll(() => {
  if (!process.env['FASTML_KEEP_TEST_TMP']) rmSync(tmp, { recursive: true, force: true });
});

/** Deterministic values: uniform in [-1, 1) (LCG) or standard normal (Box-Muller on it). */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return { uniform: (n: number, scale = 1) => Array.from({ length: n }, () => (2 * u() - 1) * scale), normal: (n: number) => Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())) };
}

interface W {
  readonly path: string;
  readonly shape: number[];
  readonly data: number[];
}

/** Keras 2 weights-only HDF5: weight_names `<layer>/<path>:0`, datasets at `/<layer>/<layer>/<path>:0` (nested groups). */
async function writeH5(file: string, layers: { name: string; weights: W[] }[]): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, 'w');
  try {
    f.create_attribute('keras_version', '2.11.0');
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('layer_names', layers.map((l) => l.name));
    for (const l of layers) {
      const g: any = f.create_group(l.name);
      if (!l.weights.length) {
        g.create_attribute('weight_names', new Float32Array(0), [0]);
        continue;
      }
      g.create_attribute('weight_names', l.weights.map((w) => `${l.name}/${w.path}:0`));
      for (const w of l.weights) {
        const parts = [l.name, ...w.path.split('/')];
        const leaf = parts.pop()!;
        let grp: any = g;
        for (const p of parts) grp = grp.get(p) ?? grp.create_group(p);
        grp.create_dataset({ name: `${leaf}:0`, data: Float32Array.from(w.data), shape: w.shape, dtype: '<f' });
      }
    }
  } finally {
    f.close();
  }
}

const layer = (cls: string, name: string, config: Record<string, unknown>, inbound: unknown[]) => ({ class_name: cls, name, config: { name, ...config }, inbound_nodes: inbound.length ? [inbound] : [] });
const inputL = (name: string, shape: number[]) => layer('InputLayer', name, { batch_input_shape: [null, ...shape], dtype: 'float32' }, []);
const model = (layers: unknown[], ins: string[], outs: string[]) => ({
  class_name: 'Functional',
  keras_version: '2.11.0',
  backend: 'tensorflow',
  config: { name: 'm', layers, input_layers: ins.map((i) => [i, 0, 0]), output_layers: outs.map((o) => [o, 0, 0]) },
});

async function writeModel(stem: string, config: unknown, weights: { name: string; weights: W[] }[]): Promise<string> {
  const json = path.join(tmp, `${stem}.json`);
  writeFileSync(json, JSON.stringify(config));
  await writeH5(path.join(tmp, `${stem}_weights.h5`), weights);
  return json;
}

const F16_6 = { HLSConfig: { Model: { Precision: 'fixed<16,6>', ReuseFactor: 1, Strategy: 'Latency' } } };
const RND_ACC = { MultiHeadAttention: { Precision: { accum: 'fixed<16,6,RND>' } } };

/** Emulator vs float64 on n random standard-normal samples: argmax agreement and the largest |difference|. */
function agreement(g: Graph, n: number, seed: number, layerType: Record<string, unknown> = {}): { argmax: number; maxAbs: number } {
  const { graph } = runPipeline(g, configFromObject({ HLSConfig: { ...F16_6.HLSConfig, LayerType: layerType } }), { verify: true });
  const emu = compileEmulator(graph);
  const r = rng(seed);
  let agree = 0;
  let maxAbs = 0;
  for (let s = 0; s < n; s++) {
    const ins = graph.inputs.map((t) => Float64Array.from(r.normal(emu.inputs.find((x) => x.name === t)!.size)));
    const [y] = emu.runSample(ins);
    const f = evaluateFloat(graph, Object.fromEntries(graph.inputs.map((t, k) => [t, ins[k]!]))).outputs[graph.outputs[0]!]!;
    const am = (v: ArrayLike<number>) => Array.from(v).reduce((b, x, i, a) => (x > a[b]! ? i : b), 0);
    if (am(y!) === am(f)) agree++;
    for (let k = 0; k < f.length; k++) maxAbs = Math.max(maxAbs, Math.abs(y![k]! - f[k]!));
  }
  return { argmax: agree / n, maxAbs };
}

async function cli(...argv: string[]) {
  const io = memoryIO(tmp);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

/** compile + csim with the fixed<16,6> config; csim must equal the emulator on every value. */
async function csimEqualsEmulator(name: string, json: string, extra: Record<string, unknown> = {}, flags: string[] = []): Promise<void> {
  const cfgFile = path.join(tmp, `${name}.yml`);
  writeFileSync(cfgFile, YAML.stringify({ ...F16_6, HLSConfig: { ...F16_6.HLSConfig, ...extra } }));
  const dir = path.join(tmp, `${name}_prj`);
  const c = await cli('compile', json, '-o', dir, '--force', '--config', cfgFile, '--samples', '48', ...flags);
  expect(c.err, `${name}: compile stderr`).not.toMatch(/^(error|internal error)/m);
  expect(c.code, `${name}: compile`).toBe(0);
  const s = await cli('csim', dir);
  expect(s.err, `${name}: g++ / mismatches`).toBe('');
  expect(s.out, name).toContain(' 0 mismatching values');
  expect(s.code, name).toBe(0);
  rmSync(dir, { recursive: true, force: true });
}

describe('SimpleRNN (return_sequences both ways)', () => {
  let json: string;
  it('builds, agrees with float64 (argmax >= 0.98 at fixed<16,6>)', async () => {
    const r = rng(7);
    const layers = [
      inputL('x', [10, 4]),
      layer('SimpleRNN', 'rnn1', { units: 8, activation: 'tanh', return_sequences: true, use_bias: true }, [['x', 0, 0, {}]]),
      layer('SimpleRNN', 'rnn2', { units: 6, activation: 'tanh', return_sequences: false, use_bias: true }, [['rnn1', 0, 0, {}]]),
      layer('Dense', 'out', { units: 4, activation: 'linear', use_bias: true }, [['rnn2', 0, 0, {}]]),
    ];
    json = await writeModel('srnn', model(layers, ['x'], ['out']), [
      { name: 'x', weights: [] },
      { name: 'rnn1', weights: [{ path: 'simple_rnn_cell/kernel', shape: [4, 8], data: r.uniform(32, 0.6) }, { path: 'simple_rnn_cell/recurrent_kernel', shape: [8, 8], data: r.uniform(64, 0.4) }, { path: 'simple_rnn_cell/bias', shape: [8], data: r.uniform(8, 0.1) }] },
      { name: 'rnn2', weights: [{ path: 'simple_rnn_cell/kernel', shape: [8, 6], data: r.uniform(48, 0.6) }, { path: 'simple_rnn_cell/recurrent_kernel', shape: [6, 6], data: r.uniform(36, 0.4) }, { path: 'simple_rnn_cell/bias', shape: [6], data: r.uniform(6, 0.1) }] },
      { name: 'out', weights: [{ path: 'kernel', shape: [6, 4], data: r.uniform(24, 1.5) }, { path: 'bias', shape: [4], data: r.uniform(4, 0.1) }] },
    ]);
    const g = await loadKeras(json);
    expect(g.layers.map((l) => l.attrs.op)).toEqual(['Input', 'SimpleRNN', 'SimpleRNN', 'Dense', 'Activation']);
    const a = agreement(g, 500, 11);
    expect(a.argmax).toBeGreaterThanOrEqual(0.98);
    // tanh table steps of 8/1024 and fixed<16,6> (LSB 2^-10) keep the logits within a few hundredths.
    expect(a.maxAbs).toBeLessThan(0.1);
  });
  it('compile + csim == emulator, Latency and Resource', async () => {
    await csimEqualsEmulator('srnn_lat', json);
    await csimEqualsEmulator('srnn_res', json, { Model: { Precision: 'fixed<16,6>', ReuseFactor: 2, Strategy: 'Resource' } }, ['--io', 'stream']);
  });
});

describe('MultiHeadAttention (self- and cross-attention)', () => {
  let selfJson: string;
  let crossJson: string;
  const mhaWeights = (r: ReturnType<typeof rng>, dq: number, dv: number, heads: number, kd: number, vd: number, out: number): W[] => [
    { path: 'query/kernel', shape: [dq, heads, kd], data: r.uniform(dq * heads * kd, 0.5) },
    { path: 'query/bias', shape: [heads, kd], data: r.uniform(heads * kd, 0.1) },
    { path: 'key/kernel', shape: [dv, heads, kd], data: r.uniform(dv * heads * kd, 0.5) },
    { path: 'key/bias', shape: [heads, kd], data: r.uniform(heads * kd, 0.1) },
    { path: 'value/kernel', shape: [dv, heads, vd], data: r.uniform(dv * heads * vd, 0.5) },
    { path: 'value/bias', shape: [heads, vd], data: r.uniform(heads * vd, 0.1) },
    { path: 'attention_output/kernel', shape: [heads, vd, out], data: r.uniform(heads * vd * out, 0.5) },
    { path: 'attention_output/bias', shape: [out], data: r.uniform(out, 0.1) },
  ];

  it('self-attention: IR, float64 agreement (argmax >= 0.98 at fixed<16,6>)', async () => {
    const r = rng(3);
    const layers = [
      inputL('x', [8, 6]),
      layer('MultiHeadAttention', 'mha', { num_heads: 2, key_dim: 4, value_dim: null, dropout: 0.0, use_bias: true, output_shape: null, attention_axes: null }, [['x', 0, 0, { value: ['x', 0, 0] }]]),
      layer('Flatten', 'fl', {}, [['mha', 0, 0, {}]]),
      layer('Dense', 'out', { units: 4, activation: 'linear' }, [['fl', 0, 0, {}]]),
    ];
    selfJson = await writeModel('mha_self', model(layers, ['x'], ['out']), [
      { name: 'x', weights: [] },
      { name: 'mha', weights: mhaWeights(r, 6, 6, 2, 4, 4, 6) },
      { name: 'fl', weights: [] },
      { name: 'out', weights: [{ path: 'kernel', shape: [48, 4], data: r.uniform(192, 2) }, { path: 'bias', shape: [4], data: r.uniform(4, 0.1) }] },
    ]);
    const g = await loadKeras(selfJson);
    const mha = g.layers.find((l) => l.name === 'mha')!;
    expect(mha.attrs).toEqual({ op: 'MultiHeadAttention', heads: 2, keyDim: 4, valueDim: 4, outDim: 6 });
    expect(mha.inputs).toEqual(['x', 'x']);
    // Keras' [d, heads, dim] kernels are [d, heads*dim] row-major; key/kernel element (1, 1, 2) is column 1*4+2.
    expect(mha.weights.key_kernel!.shape).toEqual([6, 8]);
    expect(mha.weights.output_kernel!.shape).toEqual([8, 6]);
    // fixed<16,6> everywhere, the attention accumulator rounding (RND) instead of truncating: the
    // context sums add tq products each truncated toward -inf, a bias the 48-input Dense after it
    // adds up (TRN: argmax 0.964 on these inputs; RND: 0.996; fixed<26,8>: 1.0).
    const a = agreement(g, 500, 5, RND_ACC);
    expect(a.argmax).toBeGreaterThanOrEqual(0.98);
    expect(a.maxAbs).toBeLessThan(0.2);
  });

  it('cross-attention (query [6, 5], value [8, 3], value_dim 2, output 4): IR and float64 agreement', async () => {
    const r = rng(9);
    const layers = [
      inputL('q', [6, 5]),
      inputL('kv', [8, 3]),
      layer('MultiHeadAttention', 'xattn', { num_heads: 2, key_dim: 3, value_dim: 2, dropout: 0.0, use_bias: true, output_shape: 4, attention_axes: null }, [['q', 0, 0, { value: ['kv', 0, 0] }]]),
      layer('Flatten', 'fl', {}, [['xattn', 0, 0, {}]]),
      layer('Dense', 'out', { units: 3, activation: 'linear' }, [['fl', 0, 0, {}]]),
    ];
    crossJson = await writeModel('mha_cross', model(layers, ['q', 'kv'], ['out']), [
      { name: 'q', weights: [] },
      { name: 'kv', weights: [] },
      { name: 'xattn', weights: mhaWeights(r, 5, 3, 2, 3, 2, 4) },
      { name: 'fl', weights: [] },
      { name: 'out', weights: [{ path: 'kernel', shape: [24, 3], data: r.uniform(72, 0.6) }, { path: 'bias', shape: [3], data: r.uniform(3, 0.1) }] },
    ]);
    const g = await loadKeras(crossJson);
    expect(g.tensors.get('xattn')!.shape).toEqual([6, 4]);
    expect(g.layers.find((l) => l.name === 'xattn')!.inputs).toEqual(['q', 'kv']);
    const a = agreement(g, 500, 8, RND_ACC);
    expect(a.argmax).toBeGreaterThanOrEqual(0.98);
    expect(a.maxAbs).toBeLessThan(0.1);
  });

  it('compile + csim == emulator (self: Latency io_parallel, Resource io_stream; cross: Latency)', async () => {
    await csimEqualsEmulator('mha_self_lat', selfJson, { LayerType: RND_ACC });
    await csimEqualsEmulator('mha_self_res', selfJson, { Model: { Precision: 'fixed<16,6>', ReuseFactor: 2, Strategy: 'Resource' } }, ['--io', 'stream']);
    await csimEqualsEmulator('mha_cross', crossJson);
  });

  it('attention dropout, a non-sequence attention axis and a causal mask are refused, together, naming the layer', async () => {
    const layers = [
      inputL('x', [4, 3]),
      layer('MultiHeadAttention', 'drop', { num_heads: 1, key_dim: 2, dropout: 0.1, attention_axes: [2] }, [['x', 0, 0, { value: ['x', 0, 0], use_causal_mask: true }]]),
    ];
    const json = await writeModel('mha_bad', model(layers, ['x'], ['drop']), [{ name: 'x', weights: [] }, { name: 'drop', weights: [] }]);
    const err: any = await loadKeras(json).then(
      () => undefined,
      (e) => e,
    );
    const msgs = (err?.diagnostics ?? []).map((d: any) => `${d.loc?.node}: ${d.message}`);
    expect(msgs).toEqual([
      expect.stringMatching(/^drop: attention dropout \(dropout=0.1\) is not supported/),
      expect.stringMatching(/^drop: attention_axes \[2\] is not supported/),
      expect.stringMatching(/^drop: use_causal_mask=True \(a causal attention mask\) is not supported/),
    ]);
  });

  it('an ONNX MatMul-Softmax-MatMul subgraph (separate Q, K, V tensors): compile + csim == emulator', async () => {
    const file = path.join(tmp, 'attn.onnx');
    writeFileSync(file, encodeModel(attentionModel('Div')));
    await csimEqualsEmulator('onnx_attn', file, { LayerType: RND_ACC });
  });
});

describe('every Keras sequence layer in one model (reset-before GRU, LSTM and TimeDistributed sequences, SimpleRNN, 2-D and 3-D LayerNorm)', () => {
  it('compile + csim == emulator, io_parallel Latency and io_stream Resource', async () => {
    const json = await sequenceModel();
    const wide = { GRU: { Precision: { accum: 'fixed<20,8,RND,SAT>' } }, LSTM: { Precision: { accum: 'fixed<20,8,RND,SAT>' } }, LayerNormalization: { Precision: { accum: 'fixed<22,8,RND,SAT>' }, table_t: 'ufixed<16,6,RND,SAT>' } };
    await csimEqualsEmulator('seq_all_lat', json, { LayerType: wide });
    await csimEqualsEmulator('seq_all_res', json, { Model: { Precision: 'fixed<16,6>', ReuseFactor: 2, Strategy: 'Resource' }, LayerType: wide }, ['--io', 'stream', '--reuse', 'nearest:2']);
  });
});
