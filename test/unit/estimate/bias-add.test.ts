/**
 * @fileoverview A bias added on its own (an ONNX MatMul + Add imports as a Dense without bias and a
 * ScaleBias with only a bias) multiplies nothing: the firmware's bias_only kernel adds, so the
 * estimate charges it no multiplier and no DSP, where a ScaleBias with a scale keeps one product
 * per element; in io_parallel it is chained logic between its neighbours, so a MatMul + Add network
 * is estimated as the same network written with Gemm (a Dense with its bias).
 */

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadModel } from '../../../src/frontends/index.js';
import { configFromObject } from '../../../src/config/load.js';
import { runPipeline } from '../../../src/passes/pipeline.js';
import { estimate } from '../../../src/estimate/estimate.js';
import { dataDir } from '../../helpers/data.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { encodeModel, normal, rng } from '../../../src/tools/onnx-writer.js';

/** A 3-layer MLP as MatMul + Add (+ Relu) nodes, or as Gemm nodes with the same weights. */
function mlpModel(gemm: boolean): Uint8Array {
  const rand = rng(5);
  const dims = [12, 24, 16, 4];
  const nodes: Parameters<typeof encodeModel>[0]['nodes'][number][] = [];
  const initializers: Parameters<typeof encodeModel>[0]['initializers'][number][] = [];
  let x = 'x';
  for (let k = 0; k < 3; k++) {
    const [a, b] = [dims[k]!, dims[k + 1]!];
    initializers.push({ name: `W${k}`, dims: [a, b], data: normal(rand, a * b, 0.3) });
    initializers.push({ name: `B${k}`, dims: [b], data: normal(rand, b, 0.1) });
    const out = k === 2 ? 'y' : `a${k}`;
    if (gemm) nodes.push({ op: 'Gemm', name: `fc${k}`, inputs: [x, `W${k}`, `B${k}`], outputs: [out] });
    else {
      nodes.push({ op: 'MatMul', name: `fc${k}_mm`, inputs: [x, `W${k}`], outputs: [`m${k}`] });
      nodes.push({ op: 'Add', name: `fc${k}`, inputs: [`m${k}`, `B${k}`], outputs: [out] });
    }
    if (k < 2) nodes.push({ op: 'Relu', name: `relu${k}`, inputs: [out], outputs: [`h${k}`] });
    x = k < 2 ? `h${k}` : 'y';
  }
  return encodeModel({ name: 'mlp', inputs: [{ name: 'x', dims: [1, 12] }], outputs: [{ name: 'y', dims: [1, 4] }], nodes, initializers });
}

describe('a bias-only ScaleBias in the estimate', () => {
  it('has no DSP and no multiplier (MatMul + Add from ONNX), a scaled one keeps its products', async () => {
    const raw = await loadModel(path.join(dataDir, 'models', 'jet_mlp_3layer', 'three_layer_keras.onnx'));
    const g = runPipeline(raw, configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>', ReuseFactor: 1, Strategy: 'Latency' } } })).graph;
    const biasOnly = g.layers.filter((l) => l.attrs.op === 'ScaleBias' && !l.weights.scale);
    expect(biasOnly.length).toBeGreaterThan(0);
    const e = estimate(g, { part: 'xcvu9p-flga2104-2L-e', backend: 'vivado', multiplierImpl: 'dsp' });
    for (const l of biasOnly) {
      const row = e.layers.find((x) => x.name === l.name)!;
      expect(row.dsp, l.name).toBe(0);
      expect(row.lut, l.name).toBeGreaterThan(0);
    }
    // The same layer with a scale: one product per element, on DSPs when forced.
    const scaled = {
      ...g,
      layers: g.layers.map((l) => (l === biasOnly[0] ? { ...l, weights: { ...l.weights, scale: { shape: l.weights.bias!.shape, data: new Float32Array(l.weights.bias!.data.length).fill(0.75) } } } : l)),
    };
    const e2 = estimate(scaled, { part: 'xcvu9p-flga2104-2L-e', backend: 'vivado', multiplierImpl: 'dsp' });
    expect(e2.layers.find((x) => x.name === biasOnly[0]!.name)!.dsp).toBe(biasOnly[0]!.weights.bias!.data.length);
  });

  it('MatMul + Add is estimated as Gemm: the same DSP, FF and latency (the bias add is chained)', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-bias-add-'));
    try {
      const est = async (gemm: boolean) => {
        const f = path.join(tmp, gemm ? 'gemm.onnx' : 'matmul_add.onnx');
        writeFileSync(f, mlpModel(gemm));
        const g = runPipeline(await loadModel(f), configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>', ReuseFactor: 1, Strategy: 'Latency' } } })).graph;
        return { g, e: estimate(g, { part: 'xcvu9p-flga2104-2L-e', backend: 'vivado' }) };
      };
      const split = await est(false);
      const fused = await est(true);
      expect(split.g.layers.filter((l) => l.attrs.op === 'ScaleBias').length).toBe(3);
      expect(fused.g.layers.filter((l) => l.attrs.op === 'ScaleBias').length).toBe(0);
      expect(split.e.total.dsp).toBe(fused.e.total.dsp);
      expect(split.e.total.latency_cycles).toBe(fused.e.total.latency_cycles);
      expect(split.e.total.ff).toBe(fused.e.total.ff);
      for (const row of split.e.layers.filter((r) => r.op === 'ScaleBias')) expect(row.ff).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
