/**
 * @fileoverview Keras sequence layers on synthetic models written here (JSON + Keras-2 HDF5 with
 * known weights): GRU (reset_after both ways), LSTM, SimpleRNN (return_sequences both ways),
 * TimeDistributed(Dense), LayerNormalization on 2-D and 3-D inputs. Checks the IR (attrs, shapes,
 * weight split), that every unsupported variant is refused with its layer name and reason in one
 * error, the recurrent config keys, and the fixed-point emulator against the float64 reference.
 */

import { beforeAll, describe, expect, test } from 'vitest';
import { loadKeras } from '../../../../src/frontends/keras/index.js';
import { verifyGraph } from '../../../../src/ir/verify.js';
import type { Graph, Layer } from '../../../../src/ir/graph.js';
import { DiagnosticError } from '../../../../src/diagnostics/diagnostic.js';
import { configFromObject } from '../../../../src/config/load.js';
import { runPipeline } from '../../../../src/passes/pipeline.js';
import { compileEmulator } from '../../../../src/emulator/compile.js';
import { evaluateFloat } from '../../../../src/emulator/float.js';
import { functional, inputLayer, klayer, seq, tmpDir, writeJsonModel } from './helpers.js';
import { F, T, sequenceModel } from './sequence-model.js';

const byName = (g: Graph, n: string): Layer => {
  const l = g.layers.find((x) => x.name === n);
  if (!l) throw new Error(`no layer ${n} in ${g.layers.map((x) => x.name).join(', ')}`);
  return l;
};
const shape = (g: Graph, n: string) => g.tensors.get(n)!.shape;
describe('Keras sequence layers into the IR', () => {
  let g: Graph;
  beforeAll(async () => {
    g = await loadKeras(await sequenceModel());
  });

  test('ops, attributes and shapes', () => {
    expect(verifyGraph(g)).toEqual([]);
    const gru = byName(g, 'g');
    expect(gru.attrs).toMatchObject({ op: 'GRU', units: 4, nIn: F, steps: T, returnSequences: true, resetAfter: false, activation: 'tanh', recurrentActivation: 'sigmoid' });
    expect(shape(g, 'g')).toEqual([T, 4]);
    expect(byName(g, 'l').attrs).toMatchObject({ op: 'LSTM', units: 5, returnSequences: true });
    expect(shape(g, 's')).toEqual([4]);
    expect(byName(g, 's').attrs).toMatchObject({ op: 'SimpleRNN', returnSequences: false });
    // TimeDistributed: the wrapped Dense on every step, its own activation kept, then hls4ml's end marker.
    expect(byName(g, 'inner').attrs).toEqual({ op: 'Dense', nIn: 5, nOut: 3 });
    expect(shape(g, 'inner')).toEqual([T, 3]);
    expect(byName(g, 'inner_relu').attrs).toMatchObject({ op: 'Activation', activation: 'relu' });
    expect(byName(g, 'td_end').inputs).toEqual(['inner_relu']);
    expect(byName(g, 'ln').attrs).toEqual({ op: 'LayerNorm', epsilon: 0.001 });
    expect(shape(g, 'ln3')).toEqual([2, 2]);
    // No recurrent activation layers are split off (hls4ml keeps them inside the cell).
    expect(g.layers.some((l) => l.name.startsWith('g_'))).toBe(false);
  });

  test('weights: a single bias gets a zero recurrent bias; LayerNorm gamma/beta', () => {
    const gru = byName(g, 'g');
    expect(gru.weights.kernel!.shape).toEqual([F, 12]);
    expect(gru.weights.recurrent_kernel!.shape).toEqual([4, 12]);
    expect(Array.from(gru.weights.bias!.data)).toEqual(Array.from(Float32Array.from(seq(12, 3).map((v) => v * 0.1))));
    expect(Array.from(gru.weights.recurrent_bias!.data)).toEqual(new Array(12).fill(0));
    expect(byName(g, 'ln').weights.scale!.data[1]).toBe(Math.fround(seq(4, 12)[1]!));
  });

  test('emulation at fixed<16,6> with wide accumulators follows the float64 reference', () => {
    const cfg = configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>', ReuseFactor: 1 }, LayerType: { GRU: { Precision: { accum: 'fixed<24,8,RND,SAT>' }, table_t: 'fixed<18,8,RND>', TableSize: 4096 }, LSTM: { Precision: { accum: 'fixed<24,8,RND,SAT>' }, table_t: 'fixed<18,8,RND>', TableSize: 4096 }, SimpleRNN: { Precision: { accum: 'fixed<24,8,RND,SAT>' }, table_t: 'fixed<18,8,RND>', TableSize: 4096 }, LayerNormalization: { Precision: { accum: 'fixed<24,8,RND,SAT>', result: 'fixed<16,6,RND,SAT>' }, table_t: 'ufixed<18,8,RND,SAT>', TableSize: 4096 } } } });
    const { graph } = runPipeline(g, cfg, { verify: true });
    const emu = compileEmulator(graph);
    const X = seq(200 * T * F, 99);
    let worst = 0;
    for (let r = 0; r < 200; r++) {
      const x = Float64Array.from(X.slice(r * T * F, (r + 1) * T * F));
      const [y] = emu.runSample([x]);
      const f = evaluateFloat(graph, { in: x }).outputs[graph.outputs[0]!]!;
      for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(y![k]! - f[k]!));
    }
    // The LayerNorms amplify the recurrent layers' table steps; 0.15 is about 5 % of the output range.
    expect(worst).toBeLessThan(0.15);
    expect(worst).toBeGreaterThan(0); // quantization does happen
  });
});

describe('unsupported variants are refused, all at once, with the layer and the reason', () => {
  test('stateful, go_backwards, masking, a relu recurrent activation, a non-last LayerNorm axis, TimeDistributed(Conv)', async () => {
    const layers = [
      inputLayer('in', [T, F]),
      klayer('Masking', 'mask', { mask_value: 0 }, ['in']),
      klayer('GRU', 'g_stateful', { units: 4, return_sequences: true, stateful: true, go_backwards: true }, ['in']),
      klayer('LSTM', 'l_relu', { units: 4, return_sequences: true, recurrent_activation: 'relu' }, ['in']),
      klayer('LayerNormalization', 'ln_axis1', { axis: [1] }, ['in']),
      klayer('TimeDistributed', 'td_conv', { layer: { class_name: 'Conv1D', config: { name: 'c', filters: 2, kernel_size: 1 } } }, ['in']),
      klayer('SimpleRNN', 's_back', { units: 2, go_backwards: true }, ['in']),
      { ...klayer('LSTM', 'l_masked', { units: 2 }, ['in']), inbound_nodes: [[['in', 0, 0, { mask: ['mask', 0, 0] }]]] },
    ];
    const json = await writeJsonModel(tmpDir(), 'bad', functional(layers, ['in'], ['g_stateful', 'l_relu', 'ln_axis1', 'td_conv', 's_back', 'mask', 'l_masked']), []);
    const err = await loadKeras(json).then(
      () => undefined,
      (e) => e,
    );
    expect(err).toBeInstanceOf(DiagnosticError);
    const d = (err as DiagnosticError).diagnostics;
    const about = (node: string) => d.filter((x) => x.loc?.node === node).map((x) => x.message).join(' | ');
    expect(about('mask')).toMatch(/masking .*not supported/);
    expect(about('g_stateful')).toMatch(/stateful=True is not supported: the state would carry over/);
    expect(about('g_stateful')).toMatch(/go_backwards=True is not supported/);
    expect(about('l_relu')).toMatch(/recurrent_activation "relu" is not supported/);
    expect(about('ln_axis1')).toMatch(/axis \[1\] is not supported: only the last/);
    expect(about('td_conv')).toMatch(/TimeDistributed of "Conv1D" is not supported/);
    expect(about('s_back')).toMatch(/go_backwards=True/);
    expect(about('l_masked')).toMatch(/a mask argument \(masking\) is not supported/);
    expect(d.every((x) => x.code === 'FML2410')).toBe(true);
    expect((err as DiagnosticError).exitCode).toBe(2);
  });
});

describe('recurrent config keys', () => {
  let g: Graph;
  beforeAll(async () => {
    g = await loadKeras(await sequenceModel());
  });

  test('ReuseFactor per product under Resource: hls4ml substitution with a warning; static and recurrent_reuse_factor', () => {
    const cfg = configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>', ReuseFactor: 1, Strategy: 'Resource' }, LayerName: { l: { ReuseFactor: 5, recurrent_reuse_factor: 4, static: false } } } });
    const r = runPipeline(g, cfg, { verify: true });
    const l = byName(r.graph, 'l');
    // LSTM input product 4 x 20 (valid 1, 2, 4, 8, ...): 5 becomes 4; recurrent 5 x 20 (valid 1, 5, 10, ...): 4 becomes 5.
    expect(l.reuseFactor).toBe(4);
    expect(l.attrs).toMatchObject({ recurrentReuseFactor: 5, static: false });
    const warns = r.diagnostics.filter((x) => x.code === 'FML6570' && x.loc?.node === 'l').map((x) => x.message);
    expect(warns).toEqual([
      expect.stringMatching(/reuse factor 5 is not valid for the input product \(4 x 20\).*using 4, as hls4ml does/),
      expect.stringMatching(/reuse factor 4 is not valid for the recurrent product \(5 x 20\).*using 5/),
    ]);
    expect(byName(r.graph, 'g').attrs).toMatchObject({ recurrentReuseFactor: 1, static: true });
  });

  test('table_range_power2 and the LayerNorm table defaults; bad values are errors naming the key', () => {
    const cfg = configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>' }, LayerName: { ln: { table_range_power2: 2 } } } });
    const r = runPipeline(g, cfg, { verify: true });
    const ln = byName(r.graph, 'ln');
    expect(ln.attrs).toMatchObject({ tableRangePower2: 2 });
    expect(ln.tableSize).toBe(4096);
    expect(ln.precision.table).toMatchObject({ w: 8, i: 5, signed: false, q: 'AP_RND_CONV', o: 'AP_SAT' });
    expect(byName(r.graph, 'g').precision.table).toMatchObject({ w: 18, i: 8 });
    // epsilon 0.001 is a power of 10: no FML6572.
    expect(r.diagnostics.some((d) => d.code === 'FML6572')).toBe(false);
    const odd = { ...g, layers: g.layers.map((l) => (l.name === 'ln' ? { ...l, attrs: { op: 'LayerNorm' as const, epsilon: 5e-4 } } : l)) };
    const w = runPipeline(odd, cfg).diagnostics.find((d) => d.code === 'FML6572');
    expect(w?.message).toMatch(/epsilon 0.0005 is not a power of 10: as in hls4ml, only 10\^-3 is used/);
    const bad = configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>' }, LayerName: { ln: { table_range_power2: -1 }, g: { static: 'yes' } } } });
    let err: unknown;
    try {
      runPipeline(g, bad);
    } catch (e) {
      err = e;
    }
    const msgs = (err as DiagnosticError).diagnostics.map((x) => `${x.loc?.node}: ${x.message}`);
    expect(msgs).toEqual([expect.stringMatching(/^g: static must be true or false/), expect.stringMatching(/^ln: table_range_power2 must be an integer/)]);
  });
});

describe('Keras 3 (.keras) sequence layers: variables in the cell / wrapped layer', () => {
  test('a GRU (cell/vars) and a TimeDistributed Dense (layer/vars) load like their Keras 2 forms', async () => {
    const { writeFileSync, readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const { zipSync, strToU8 } = await import('fflate');
    const h5wasm = (await import('h5wasm/node')).default;
    await h5wasm.ready;
    const dir = tmpDir();
    const h5 = path.join(dir, 'w.h5');
    const f = new h5wasm.File(h5, 'w');
    const kern = seq(F * 12, 21);
    const rec = seq(4 * 12, 22);
    const bias = seq(2 * 12, 23);
    const tdk = seq(4 * 2, 24);
    const put = (g: any, vals: number[][], shapes: number[][]) => vals.forEach((v, k) => g.create_dataset({ name: String(k), data: Float32Array.from(v), shape: shapes[k], dtype: '<f' }));
    try {
      const layers: any = f.create_group('layers');
      const gru: any = layers.create_group('gru');
      gru.create_group('vars');
      put(gru.create_group('cell').create_group('vars'), [kern, rec, bias], [[F, 12], [4, 12], [2, 12]]);
      const td: any = layers.create_group('time_distributed');
      td.create_group('vars');
      put(td.create_group('layer').create_group('vars'), [tdk, [0.5, -0.5]], [[4, 2], [2]]);
      f.create_group('vars');
    } finally {
      f.close();
    }
    const k3 = (cls: string, name: string, config: Record<string, unknown>, from: string | undefined) => ({
      module: 'keras.layers',
      class_name: cls,
      config: { name, ...config },
      inbound_nodes: from ? [{ args: [{ class_name: '__keras_tensor__', config: { shape: [null], dtype: 'float32', keras_history: [from, 0, 0] } }], kwargs: {} }] : [],
    });
    const config = {
      module: 'keras',
      class_name: 'Functional',
      config: {
        name: 'k3',
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { name: 'in', batch_shape: [null, T, F] }, inbound_nodes: [] },
          k3('GRU', 'gru', { units: 4, return_sequences: true, reset_after: true, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true }, 'in'),
          k3('TimeDistributed', 'time_distributed', { layer: { module: 'keras.layers', class_name: 'Dense', config: { name: 'dense', units: 2, activation: 'linear', use_bias: true } } }, 'gru'),
        ],
        input_layers: [['in', 0, 0]],
        output_layers: [['time_distributed', 0, 0]],
      },
    };
    const file = path.join(dir, 'm.keras');
    writeFileSync(file, zipSync({ 'metadata.json': strToU8(JSON.stringify({ keras_version: '3.4.1' })), 'config.json': strToU8(JSON.stringify(config)), 'model.weights.h5': new Uint8Array(readFileSync(h5)) }));
    const g = await loadKeras(file);
    expect(verifyGraph(g)).toEqual([]);
    const gru = byName(g, 'gru');
    expect(gru.attrs).toMatchObject({ op: 'GRU', units: 4, resetAfter: true, returnSequences: true });
    expect(Array.from(gru.weights.recurrent_bias!.data)).toEqual(Array.from(Float32Array.from(bias.slice(12))));
    expect(Array.from(byName(g, 'dense').weights.bias!.data)).toEqual([0.5, -0.5]);
    expect(shape(g, 'time_distributed_end')).toEqual([T, 2]);
  });
});
