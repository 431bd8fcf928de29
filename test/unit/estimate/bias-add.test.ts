/**
 * @fileoverview A bias added on its own (an ONNX MatMul + Add imports as a Dense without bias and a
 * ScaleBias with only a bias) multiplies nothing: the firmware's bias_only kernel adds, so the
 * estimate charges it no multiplier and no DSP, where a ScaleBias with a scale keeps one product
 * per element.
 */

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadModel } from '../../../src/frontends/index.js';
import { configFromObject } from '../../../src/config/load.js';
import { runPipeline } from '../../../src/passes/pipeline.js';
import { estimate } from '../../../src/estimate/estimate.js';
import { dataDir } from '../../helpers/data.js';

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
});
