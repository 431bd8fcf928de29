/**
 * @fileoverview Estimator models of the sequence layers (src/estimate/sequence.ts) on the shared
 * GRU/LSTM/LayerNorm models: the structural counts follow the generated code (products of one
 * step, gate multiplications, table ROMs), reuse factors per product are honoured, latency grows with
 * the number of steps, II equals the latency, and every such estimate carries the trust warning.
 */

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadModel } from '../../../src/frontends/index.js';
import { configFromObject } from '../../../src/config/load.js';
import { runPipeline } from '../../../src/passes/pipeline.js';
import { estimate } from '../../../src/estimate/estimate.js';
import { kernelStats } from '../../../src/estimate/model.js';
import { parseType, type FixedType } from '../../../src/fixed/type.js';
import type { Graph, RecurrentAttrs } from '../../../src/ir/graph.js';
import { dataDir } from '../../helpers/data.js';

const M = (p: string) => path.join(dataDir, 'models', p);

async function typed(file: string, hls: Record<string, unknown>): Promise<Graph> {
  return runPipeline(await loadModel(file), configFromObject({ HLSConfig: hls })).graph;
}

describe('estimates of recurrent layers', () => {
  it('LSTM: one step of hardware (6x64 and 16x64 products, 48 gate products), run 20 times', async () => {
    // Resource with reuse 1: every weight multiplies (Latency would drop zero and power-of-two weights).
    const g = await typed(M('lstm_small/lstm_small.json'), { Model: { Precision: 'fixed<16,6>', ReuseFactor: 1, Strategy: 'Resource' } });
    const e = estimate(g, { part: 'xcvu13p-flga2577-2-e', backend: 'vivado', multiplierImpl: 'dsp' });
    const l = e.layers.find((x) => x.name === 'lstm')!;
    // hls4ml's multiplier limit drops the products whose weight quantizes to zero (floor(zeros / RF)).
    const lstm = g.layers.find((x) => x.name === 'lstm')!;
    const w16 = parseType('fixed<16,6>') as FixedType;
    const zeros = kernelStats(lstm.weights.kernel!.data, 6 * 64, w16).zeros + kernelStats(lstm.weights.recurrent_kernel!.data, 16 * 64, w16).zeros;
    expect(l.multipliers).toBe(6 * 64 + 16 * 64 + 3 * 16 - zeros);
    expect(l.dsp).toBe(l.multipliers); // 16x16-bit products: one DSP48E2 each
    // sigmoid (48 lookups) and tanh (32 lookups) ROMs of 1024 x 18 bits, one per two lookups.
    expect(l.bram_18k).toBe(24 + 16);
    expect(l.ii).toBe(l.latency_cycles);
    expect(e.warnings.some((w) => /layer lstm \(LSTM\): no synthesis report/.test(w))).toBe(true);

    // Half the steps: the same hardware, about half the latency.
    const a = g.layers.find((x) => x.name === 'lstm')!;
    const half: Graph = {
      ...g,
      tensors: new Map([...g.tensors].map(([k, v]) => [k, k === 'input_1' ? { ...v, shape: [10, 6] } : v])),
      layers: g.layers.map((x) => (x === a ? { ...x, attrs: { ...(x.attrs as RecurrentAttrs), steps: 10 } } : x)),
    };
    const h = estimate(half, { part: 'xcvu13p-flga2577-2-e', backend: 'vivado', multiplierImpl: 'dsp' }).layers.find((x) => x.name === 'lstm')!;
    expect(h.dsp).toBe(l.dsp);
    expect(h.latency_cycles * 2).toBe(l.latency_cycles);
  });

  it('GRU under Resource: the input and recurrent products each take their own reuse factor', async () => {
    const g = await typed(M('gru_small/gru_small.json'), { Model: { Precision: 'fixed<16,6>', ReuseFactor: 2, Strategy: 'Resource' }, LayerName: { gru: { recurrent_reuse_factor: 8 } } });
    const l = estimate(g, { part: 'xcvu13p-flga2577-2-e', backend: 'vivado', multiplierImpl: 'dsp' }).layers.find((x) => x.name === 'gru')!;
    // 6x48 / 2 + 16x48 / 8 + 3 x 16 gate products.
    expect(l.multipliers).toBe(144 + 96 + 48);
    expect(l.reuse_factor).toBe(2);
  });

  it('LayerNorm and attention layers get nonzero structural costs', async () => {
    const g = await typed(M('layernorm_mlp/layernorm_mlp.json'), { Model: { Precision: 'fixed<16,6>' } });
    const l = estimate(g, { part: 'xcvu13p-flga2577-2-e', backend: 'vivado', multiplierImpl: 'dsp' }).layers.find((x) => x.name === 'layer_normalization')!;
    expect(l.multipliers).toBe(3 * 32 + 2);
    expect(l.bram_18k).toBeGreaterThan(0);
    expect(l.latency_cycles).toBeGreaterThan(0);
  });
});
