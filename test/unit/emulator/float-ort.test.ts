/**
 * @fileoverview The float64 reference against onnxruntime-web on every ONNX model in
 * ../shared/models and the project's models/, on seeded random inputs. Metric: max |fastml - ort|
 * / max |ort| per output (relative to the output's scale, so values near zero do not blow it up),
 * must be <= 1e-5.
 *
 * QONNX models (custom ops ORT cannot run) are rewritten into standard ONNX by the helper (the
 * QONNX Quant definition spelled out in ONNX ops) and run on dyadic inputs, so float32 ORT and
 * float64 fastml see exactly the same values at every rounding step.
 */

import { describe, expect, it } from 'vitest';
import { loadOnnx } from '../../../src/frontends/onnx/index.js';
import { decodeTensor, onnx } from '../../../src/frontends/onnx/proto.js';
import { evaluateFloat, fromIrLayout, toIrLayout } from '../../../src/emulator/float.js';
import { assertValidGraph } from '../../../src/ir/verify.js';
import { bnAlongAxis0, hasCustomOps, projectOnnxModels, modelInputs, qonnxToStandard, randomInput, readBytes, relErr, runOrt, sharedOnnxModels, SHARED } from './float-ort.helpers.js';
import path from 'node:path';
import { existsSync } from 'node:fs';

const models = [...sharedOnnxModels(), ...projectOnnxModels()];

describe('float reference vs onnxruntime-web', () => {
  it('finds the shared ONNX models', () => {
    expect(models.length).toBeGreaterThanOrEqual(9);
  });

  for (const [name, file] of models) {
    it(`${name}: max relative error <= 1e-5`, async () => {
      const bytes = readBytes(file);
      const custom = hasCustomOps(bytes);
      // Two models ORT cannot run as they are; see the helpers for what each rewrite does.
      const runnable = custom ? qonnxToStandard(bytes) : name.endsWith('three_layer_bn_keras.onnx') ? bnAlongAxis0(bytes) : bytes;
      const g = await loadOnnx(file);
      assertValidGraph(g);
      const ins = modelInputs(bytes);
      expect(ins.map((i) => i.name)).toEqual(g.inputs);
      // The 256x256 separable-conv model takes seconds per sample in float64: one sample there.
      const samples = custom ? (g.tensors.get(g.inputs[0]!)!.shape.length > 1 ? 1 : 3) : 3;
      for (let s = 0; s < samples; s++) {
        const feeds: Record<string, { data: Float32Array; dims: number[] }> = {};
        const irIns: Record<string, Float64Array> = {};
        ins.forEach((i, k) => {
          const data = randomInput(i.dims.reduce((a, b) => a * b, 1), 1000 * s + k + 1, custom);
          feeds[i.name] = { data, dims: i.dims };
          irIns[i.name] = toIrLayout(g, i.name, Float64Array.from(data));
        });
        const want = await runOrt(runnable, feeds);
        const got = evaluateFloat(g, irIns).outputs;
        const onnxNames = g.meta.outputNames as Record<string, string>;
        for (const o of g.outputs) {
          const ref = want[onnxNames[o]!]!;
          const mine = fromIrLayout(g, o, got[o]!);
          expect(mine.length).toBe(ref.data.length);
          const err = relErr(mine, ref.data);
          if (process.env.FML_PRINT_ERR) console.log(`relerr ${name} ${s} ${err.toExponential(2)}`);
          expect(err, `${name} output ${onnxNames[o]} sample ${s}`).toBeLessThanOrEqual(1e-5);
        }
      }
    }, 120_000);
  }

  const mnistDir = path.join(SHARED, 'models/onnx_mnist_conv');
  it('onnx_mnist_conv reproduces its stored test_data_set_0 output', async () => {
    const g = await loadOnnx(path.join(mnistDir, 'model.onnx'));
    const where = { file: 'test_data_set_0' };
    const input = decodeTensor(onnx.TensorProto.decode(readBytes(path.join(mnistDir, 'test_data_set_0/input_0.pb'))), where);
    const output = decodeTensor(onnx.TensorProto.decode(readBytes(path.join(mnistDir, 'test_data_set_0/output_0.pb'))), where);
    expect(input.shape).toEqual([1, 1, 28, 28]);
    const r = evaluateFloat(g, { [g.inputs[0]!]: toIrLayout(g, g.inputs[0]!, input.data) });
    const got = fromIrLayout(g, g.outputs[0]!, r.outputs[g.outputs[0]!]!);
    expect(relErr(got, output.data)).toBeLessThanOrEqual(1e-5);
    // The logits are large (thousands): the same class wins.
    const argmax = (a: ArrayLike<number>) => Array.from(a).reduce((b, v, k, arr) => (v > arr[b]! ? k : b), 0);
    expect(argmax(got)).toBe(argmax(output.data));
  });
});
