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
