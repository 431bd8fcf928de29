/**
 * @fileoverview ONNX GRU (both linear_before_reset forms, layout 0 and 1), LSTM, RNN,
 * LayerNormalization (opset 17) and the MatMul-Softmax-MatMul attention subgraph: models written
 * here, the float64 reference on fastml's IR checked against onnxruntime-web (an independent
 * implementation of the ONNX definitions: gate order, weight layout, bias placement), the fixed-point
 * emulator run on them, and unsupported variants refused together with the node name and reason.
 */

import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeModel } from '../../../../src/tools/onnx-writer.js';
import type { ModelSpec, NodeSpec } from '../../../../src/tools/onnx-writer.js';
import { loadOnnx } from '../../../../src/frontends/onnx/index.js';
import { evaluateFloat, fromIrLayout } from '../../../../src/emulator/float.js';
import { assertValidGraph } from '../../../../src/ir/verify.js';
import { configFromObject } from '../../../../src/config/load.js';
import { runPipeline } from '../../../../src/passes/pipeline.js';
import { compileEmulator } from '../../../../src/emulator/compile.js';
import { DiagnosticError } from '../../../../src/diagnostics/diagnostic.js';
import { randomInput, relErr, runOrt } from '../../emulator/float-ort.helpers.js';
import { attentionModel, init } from './sequence-models.js';

const T = 5;
const F = 3;
const H = 4;

function rnnModel(op: 'GRU' | 'LSTM' | 'RNN', opts: { layout: 0 | 1; out: 'Y' | 'Y_h'; lbr?: number; bias?: boolean }): ModelSpec {
  const k = (op === 'GRU' ? 3 : op === 'LSTM' ? 4 : 1) * H;
  const nodes: NodeSpec[] = [];
  let x = 'x';
  if (opts.layout === 0) {
    nodes.push({ op: 'Transpose', name: 'to_seq_first', inputs: ['x'], outputs: ['xt'], attrs: { perm: [1, 0, 2] } });
    x = 'xt';
  }
  const outs = opts.out === 'Y' ? ['Y'] : ['', 'Y_h'];
  nodes.push({
    op,
    name: 'cell',
    inputs: ['' + x, 'W', 'R', ...(opts.bias === false ? [] : ['B'])],
    outputs: outs,
    attrs: { hidden_size: H, ...(opts.layout === 1 ? { layout: 1 } : {}), ...(opts.lbr !== undefined ? { linear_before_reset: opts.lbr } : {}) },
  });
  const yDims = opts.out === 'Y' ? (opts.layout === 0 ? [T, 1, 1, H] : [1, T, 1, H]) : opts.layout === 0 ? [1, 1, H] : [1, 1, H];
  return {
    name: `${op}_${opts.layout}_${opts.out}`,
    inputs: [{ name: 'x', dims: [1, T, F] }],
    outputs: [{ name: opts.out, dims: yDims }],
    nodes,
    initializers: [init('W', [1, k, F], 1), init('R', [1, k, H], 2, 0.4), ...(opts.bias === false ? [] : [init('B', [1, 2 * k], 3, 0.2)])],
    opset: 17,
  };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-onnx-seq-'));
function write(spec: ModelSpec): { file: string; bytes: Uint8Array } {
  const bytes = encodeModel(spec);
  const file = path.join(tmp, `${spec.name}.onnx`);
  writeFileSync(file, bytes);
  return { file, bytes };
}

/** fastml's float64 reference on its IR vs onnxruntime on the ONNX file, over a few random inputs. */
async function againstOrt(spec: ModelSpec, ortSpec: ModelSpec = spec, samples = 4): Promise<number> {
  const { file } = write(spec);
  // onnxruntime has no batch-first (layout=1) recurrences: it runs the layout-0 twin, whose
  // flattened inputs and outputs are the same with batch 1.
  const bytes = encodeModel(ortSpec);
  const g = await loadOnnx(file);
  assertValidGraph(g);
  let worst = 0;
  for (let s = 0; s < samples; s++) {
    const feeds: Record<string, { data: Float32Array; dims: number[] }> = {};
    const ours: Record<string, Float64Array> = {};
    spec.inputs.forEach((inp, k) => {
      const data = randomInput(inp.dims.reduce((a, b) => a * b, 1), 100 + 10 * s + k);
      feeds[inp.name] = { data, dims: inp.dims };
      ours[g.inputs[k]!] = Float64Array.from(data);
    });
    const want = await runOrt(bytes, Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, { data: v.data, dims: ortSpec.inputs.find((i) => i.name === k)!.dims }])));
    const got = evaluateFloat(g, ours).outputs;
    const outName = g.outputs[0]!;
    const mine = fromIrLayout(g, outName, got[outName]!);
    worst = Math.max(worst, relErr(mine, want[ortSpec.outputs[0]!.name]!.data));
  }
  return worst;
}

describe('ONNX recurrent ops vs onnxruntime (float64 reference)', () => {
  const cases: Array<[string, 'GRU' | 'LSTM' | 'RNN', Parameters<typeof rnnModel>[1]]> = [
    ['GRU linear_before_reset=1, layout 1, Y', 'GRU', { layout: 1, out: 'Y', lbr: 1 }],
    ['GRU linear_before_reset=1, layout 0 (after a transpose), Y_h', 'GRU', { layout: 0, out: 'Y_h', lbr: 1 }],
    ['GRU linear_before_reset=0, layout 0, Y_h', 'GRU', { layout: 0, out: 'Y_h', lbr: 0 }],
    ['LSTM (gate order i, o, f, c), layout 1, Y_h', 'LSTM', { layout: 1, out: 'Y_h' }],
    ['LSTM without bias, layout 0, Y', 'LSTM', { layout: 0, out: 'Y', bias: false }],
    ['RNN, layout 1, Y', 'RNN', { layout: 1, out: 'Y' }],
  ];
  for (const [name, op, opts] of cases)
    it(`${name}: relative error <= 1e-5`, async () => {
      expect(await againstOrt(rnnModel(op, opts), rnnModel(op, { ...opts, layout: 0 }))).toBeLessThanOrEqual(1e-5);
    });

  it('maps to the IR ops with Keras layouts and runs in the fixed-point emulator', async () => {
    const g = await loadOnnx(write(rnnModel('GRU', { layout: 0, out: 'Y_h', lbr: 0 })).file);
    const cell = g.layers.find((l) => l.name === 'cell')!;
    expect(cell.attrs).toMatchObject({ op: 'GRU', units: H, nIn: F, steps: T, returnSequences: false, resetAfter: false });
    expect(cell.weights.kernel!.shape).toEqual([F, 3 * H]);
    const lstm = await loadOnnx(write(rnnModel('LSTM', { layout: 1, out: 'Y_h' })).file);
    const { graph } = runPipeline(lstm, configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>' }, LayerType: { LSTM: { Precision: { accum: 'fixed<20,6,RND,SAT>' } } } } }), { verify: true });
    const emu = compileEmulator(graph);
    const x = Float64Array.from(randomInput(T * F, 7));
    const [y] = emu.runSample([x]);
    const f = evaluateFloat(graph, { [graph.inputs[0]!]: x }).outputs[graph.outputs[0]!]!;
    for (let i = 0; i < H; i++) expect(Math.abs(y![i]! - f[i]!)).toBeLessThan(0.03);
  });

  it('refuses unsupported variants, all at once, naming the node', async () => {
    const spec: ModelSpec = {
      name: 'bad_rnn',
      inputs: [{ name: 'x', dims: [1, T, F] }],
      outputs: [{ name: 'Y', dims: [1, T, 2, H] }, { name: 'Y_h', dims: [2, 1, H] }],
      nodes: [{ op: 'GRU', name: 'bidir', inputs: ['x', 'W', 'R', '', 'lens'], outputs: ['Y', 'Y_h'], attrs: { hidden_size: H, direction: 'bidirectional', clip: 3.0, layout: 1 } }],
      initializers: [init('W', [2, 3 * H, F], 1), init('R', [2, 3 * H, H], 2), { name: 'lens', dims: [1], data: Float32Array.of(T) }],
      opset: 17,
    };
    const err = await loadOnnx(write(spec).file).then(
      () => undefined,
      (e) => e,
    );
    expect(err).toBeInstanceOf(DiagnosticError);
    const msgs = (err as DiagnosticError).diagnostics.filter((d) => d.loc?.node === 'bidir').map((d) => d.message);
    expect(msgs.some((m) => /direction "bidirectional": only forward/.test(m))).toBe(true);
    expect(msgs.some((m) => /clip/.test(m))).toBe(true);
    expect(msgs.some((m) => /sequence_lens/.test(m))).toBe(true);
    expect(msgs.some((m) => /both Y and Y_h are read/.test(m))).toBe(true);
  });
});

describe('ONNX LayerNormalization (opset 17)', () => {
  it('[1, 5, 6] over the last axis: float64 reference vs onnxruntime', async () => {
    const spec: ModelSpec = {
      name: 'ln',
      inputs: [{ name: 'x', dims: [1, T, 6] }],
      outputs: [{ name: 'y', dims: [1, T, 6] }],
      nodes: [{ op: 'LayerNormalization', name: 'ln', inputs: ['x', 'g', 'b'], outputs: ['y'], attrs: { axis: -1, epsilon: 1e-5 } }],
      initializers: [init('g', [6], 4, 1), init('b', [6], 5, 0.3)],
      opset: 17,
    };
    expect(await againstOrt(spec)).toBeLessThanOrEqual(1e-5);
    const g = await loadOnnx(path.join(tmp, 'ln.onnx'));
    expect(g.layers.find((l) => l.name === 'ln')!.attrs).toEqual({ op: 'LayerNorm', epsilon: Math.fround(1e-5) });
  });
});

describe('ONNX attention subgraph (MatMul-Softmax-MatMul) as one layer', () => {
  for (const op of ['Div', 'Mul', 'none'] as const)
    it(`scale ${op}: one MultiHeadAttention layer; float64 reference vs onnxruntime`, async () => {
      const spec = attentionModel(op);
      expect(await againstOrt(spec)).toBeLessThanOrEqual(1e-5);
      const g = await loadOnnx(path.join(tmp, `${spec.name}.onnx`));
      const att = g.layers.filter((l) => l.attrs.op === 'MultiHeadAttention');
      expect(att).toHaveLength(1);
      expect(att[0]!.attrs).toMatchObject({ heads: 1, keyDim: 4, valueDim: 3, outDim: 3, scale: op === 'none' ? 1 : 0.5 });
      expect(att[0]!.inputs).toHaveLength(3);
      expect(g.layers.some((l) => l.attrs.op === 'Softmax')).toBe(false);
    });
});
