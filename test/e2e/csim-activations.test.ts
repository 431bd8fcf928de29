/**
 * @fileoverview Every activation with a constant or a table, C-simulated against the emulator on
 * thousands of samples: one ONNX model per activation (a random Conv2D whose activated output is
 * the first model output, then Flatten + Dense + the same activation as the second output), one
 * compile and one g++ run each. Inputs are wide (std 2) so the convolution results reach both ends of
 * every table, the negative branches, the clip bounds and the saturation of the result type.
 * Constants that no fixed-point type holds exactly (alpha 0.1, 0.7, 0.37, slope 0.2, SELU's lambda)
 * are the point: the C++ must quantize them as the emulator does.
 */

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { encodeModel, normal, rng } from '../../src/tools/onnx-writer.js';
import type { InitSpec, NodeSpec } from '../../src/tools/onnx-writer.js';
import { encodeNpy } from '../../src/io/npy.js';
import type { Graph, Layer, LayerAttrs, TensorInfo } from '../../src/ir/graph.js';
import { fixedType } from '../../src/fixed/type.js';
import { compileEmulator, runBatch } from '../../src/emulator/index.js';
import { buildProject } from '../../src/backends/project.js';
import { writeProject } from '../../src/backends/writer.js';
import { runCsim } from '../../src/backends/csim-run.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-acts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SAMPLES = 2000;

async function cli(...argv: string[]) {
  const io = memoryIO(tmp);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

interface Act {
  /** Test name. */
  name: string;
  /** Builds the activation node(s) from input to output, adding any initializers it needs. */
  node: (input: string, output: string, suffix: string, init: InitSpec[]) => NodeSpec;
}

const simple = (op: string, attrs?: NodeSpec['attrs']): Act['node'] => (input, output, suffix) => ({ op, name: `${op.toLowerCase()}${suffix}`, inputs: [input], outputs: [output], ...(attrs ? { attrs } : {}) });

const ACTS: Act[] = [
  { name: 'elu (alpha 1)', node: simple('Elu', { alpha: 1.0 }) },
  { name: 'elu (alpha 0.7, not representable)', node: simple('Elu', { alpha: 0.7 }) },
  { name: 'selu', node: simple('Selu') },
  { name: 'softplus', node: simple('Softplus') },
  { name: 'softsign', node: simple('Softsign') },
  { name: 'sigmoid', node: simple('Sigmoid') },
  { name: 'tanh', node: simple('Tanh') },
  { name: 'hard sigmoid (slope 0.2, shift 0.5)', node: simple('HardSigmoid', { alpha: 0.2, beta: 0.5 }) },
  { name: 'hard sigmoid (slope 0.3, shift 0.45)', node: simple('HardSigmoid', { alpha: 0.3, beta: 0.45 }) },
  { name: 'leaky relu (alpha 0.1)', node: simple('LeakyRelu', { alpha: 0.1 }) },
  { name: 'thresholded relu (theta 0.3)', node: simple('ThresholdedRelu', { alpha: 0.3 }) },
  {
    name: 'clip (-0.7, 1.3)',
    node: (input, output, suffix, init) => {
      init.push({ name: `lo${suffix}`, dims: [], data: Float32Array.from([-0.7]) }, { name: `hi${suffix}`, dims: [], data: Float32Array.from([1.3]) });
      return { op: 'Clip', name: `clip${suffix}`, inputs: [input, `lo${suffix}`, `hi${suffix}`], outputs: [output] };
    },
  },
  {
    name: 'parametric relu (per-channel alphas 0.1, 0.37, -0.2, 0.05 / 0.3)',
    node: (input, output, suffix, init) => {
      // Per channel on the convolution (NCHW slope [C,1,1]), one scalar on the Dense.
      const conv = suffix === '_c';
      init.push(conv ? { name: `al${suffix}`, dims: [4, 1, 1], data: Float32Array.from([0.1, 0.37, -0.2, 0.05]) } : { name: `al${suffix}`, dims: [1], data: Float32Array.from([0.3]) });
      return { op: 'PRelu', name: `prelu${suffix}`, inputs: [input, `al${suffix}`], outputs: [output] };
    },
  },
];

function actModel(act: Act, seed: number): Uint8Array {
  const rand = rng(seed);
  const init: InitSpec[] = [
    { name: 'c.w', dims: [4, 2, 3, 3], data: normal(rand, 72, 0.5) },
    { name: 'c.b', dims: [4], data: normal(rand, 4, 0.3) },
    { name: 'd.w', dims: [6, 64], data: normal(rand, 384, 0.25) },
    { name: 'd.b', dims: [6], data: normal(rand, 6, 0.3) },
  ];
  const nodes: NodeSpec[] = [{ op: 'Conv', name: 'conv', inputs: ['x', 'c.w', 'c.b'], outputs: ['c'], attrs: { kernel_shape: [3, 3] } }];
  nodes.push(act.node('c', 'y1', '_c', init));
  nodes.push({ op: 'Flatten', name: 'flat', inputs: ['y1'], outputs: ['f'], attrs: { axis: 1 } });
  nodes.push({ op: 'Gemm', name: 'fc', inputs: ['f', 'd.w', 'd.b'], outputs: ['d'], attrs: { transB: 1 } });
  nodes.push(act.node('d', 'y2', '_d', init));
  return encodeModel({
    name: 'act',
    inputs: [{ name: 'x', dims: [1, 2, 6, 6] }],
    outputs: [{ name: 'y1', dims: [1, 4, 4, 4] }, { name: 'y2', dims: [1, 6] }],
    nodes,
    initializers: init,
    opset: 13,
  });
}

describe('table and constant activations: csim equals the emulator', () => {
  const xf = path.join(tmp, 'x.npy');
  writeFileSync(xf, encodeNpy({ shape: [SAMPLES, 2, 6, 6], data: normal(rng(77), SAMPLES * 72, 2) }, 'f4'));
  ACTS.forEach((act, k) => {
    it(act.name, async () => {
      const model = path.join(tmp, `act${k}.onnx`);
      writeFileSync(model, actModel(act, 100 + k));
      const dir = path.join(tmp, `act${k}`);
      const c = await cli('compile', model, '-o', dir, '--input', xf, '--samples', String(SAMPLES));
      expect(c.err.replace(/^(warning|info) .*\n(  hint.*\n)?/gm, ''), 'compile stderr').toBe('');
      expect(c.code).toBe(0);
      const s = await cli('csim', dir);
      expect(s.err, 'g++ / mismatches').toBe('');
      expect(s.out).toContain(`${SAMPLES} samples, 70 outputs each, 0 mismatching values`);
      expect(s.code).toBe(0);
    });
  });
});

/**
 * Activations that no ONNX operator reaches (hard tanh; relu6 and binary/ternary tanh from Keras and
 * QKeras), built as an IR graph after a random Dense and taken through the backend's API, with a
 * param type that holds neither slope 0.3 nor shift 0.45 exactly.
 */
describe('IR-only constant activations: csim equals the emulator', () => {
  it('hard tanh (slope 0.3, shift 0.45), relu6, binary and ternary tanh', () => {
    const T = fixedType(16, 6);
    const tensors = new Map<string, TensorInfo>();
    const layers: Layer[] = [];
    let k = 0;
    const add = (name: string, attrs: LayerAttrs, inputs: string[], shape: number[], extra: Partial<Layer> = {}): string => {
      const out = `t${k++}`;
      tensors.set(out, { name: out, shape });
      layers.push({ name, attrs, inputs, outputs: [out], weights: {}, precision: { result: T }, ...extra });
      return out;
    };
    const rand = rng(41);
    const x = add('x', { op: 'Input' }, [], [12]);
    const d = add('fc', { op: 'Dense', nIn: 12, nOut: 8 }, [x], [8], {
      weights: { kernel: { shape: [12, 8], data: normal(rand, 96, 0.6) }, bias: { shape: [8], data: normal(rand, 8, 0.3) } },
      precision: { result: T, accum: fixedType(32, 14), weight: fixedType(10, 2), bias: fixedType(10, 3) },
    });
    const ht = add('htanh', { op: 'Activation', activation: 'hard_tanh', slope: 0.3, shift: 0.45 }, [d], [8], { precision: { result: T, param: fixedType(8, 1) } });
    const r6 = add('relu6', { op: 'Activation', activation: 'relu6' }, [d], [8], { precision: { result: fixedType(10, 4, false, 'AP_RND', 'AP_SAT') } });
    const bt = add('btanh', { op: 'Activation', activation: 'binary_tanh' }, [d], [8], { precision: { result: fixedType(2, 2) } });
    const tt = add('ttanh', { op: 'Activation', activation: 'ternary_tanh' }, [d], [8], { precision: { result: fixedType(2, 2) } });
    add('cat', { op: 'Concat', axis: 0 }, [ht, r6, bt, tt], [32]);
    const g: Graph = { name: 'ir_acts', inputs: [x], outputs: [`t${k - 1}`], tensors, layers, inputLayouts: {}, meta: {} };
    const data = [Float64Array.from(normal(rng(42), SAMPLES * 12, 2))];
    const y = runBatch(compileEmulator(g), SAMPLES, data).outputs[g.outputs[0]!]!;
    const files = buildProject(g, {
      project: 'ir_acts',
      backend: 'vivado',
      io: 'io_parallel',
      part: 'xcvu13p-flga2577-2-e',
      clockNs: 5,
      modelFile: 'ir_acts.ir',
      modelSha256: '0'.repeat(64),
      fastmlVersion: 'test',
      settings: {},
      tbInputs: Array.from({ length: SAMPLES }, (_, s) => Array.from(data[0]!.subarray(s * 12, (s + 1) * 12))),
      tbOutputs: Array.from({ length: SAMPLES }, (_, s) => Array.from(y.subarray(s * 32, (s + 1) * 32))),
    });
    const dir = path.join(tmp, 'ir_acts');
    writeProject(dir, files, false);
    const r = runCsim({ dir });
    expect(r.compileOutput).toBe('');
    expect(r.runErrors).toBe('');
    expect(r.runOutput).toContain(`${SAMPLES} samples, 32 outputs each, 0 mismatching values`);
    expect(r.exitCode).toBe(0);
  });
});
