/**
 * @fileoverview Configurations in the form hls4ml writes them (test/fixtures/configs, see its
 * README): older hls4ml's `Strategy: Stable` / `Argmax` on a softmax picks the softmax
 * implementation; a quantized_po2 kernel's `weight: ap_int<5>` (hls4ml's spelling of the exponent
 * type) keeps every quantized weight, as hls4ml builds it; a weight type that zeroes most weights,
 * or changes weights the model's quantizer fixed, warns.
 */

import { describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadSession } from '../../../src/emulator/session.js';
import { dataDir } from '../../helpers/data.js';
import { functional, inputLayer, klayer, seq, tmpDir, writeJsonModel } from '../frontends/keras/helpers.js';
import { po2Model } from '../../helpers/po2-model.js';
import { formatHls4ml } from '../../../src/fixed/type.js';
import type { FixedType } from '../../../src/fixed/type.js';
import { quantizeConst } from '../../../src/emulator/weights.js';
import type { Graph, Layer } from '../../../src/ir/graph.js';
import { mapFact } from '../../../src/passes/quant-types.js';

vi.setConfig({ testTimeout: 60_000 });

const CONFIGS = path.join(dataDir, 'configs');
const JET = path.join(dataDir, 'models/jet_mlp_3layer/KERAS_3layer.json');
const layer = (g: Graph, name: string): Layer => g.layers.find((l) => l.name === name)!;

describe('softmax implementation from an old-style Strategy', () => {
  it('LayerName softmax "Strategy: Stable" reads as Implementation: stable, with a note', async () => {
    const s = await loadSession(JET, { config: path.join(CONFIGS, 'jet_softmax_strategy_stable.yml') });
    expect(layer(s.graph, 'output_softmax_softmax').attrs).toMatchObject({ op: 'Softmax', implementation: 'stable' });
    // The Dense layers keep their strategy.
    expect(layer(s.graph, 'fc1_relu').strategy).toBe('latency');
    const d = s.diagnostics.find((x) => x.code === 'FML4013');
    expect(d?.severity).toBe('warning');
    expect(d?.message).toMatch(/Strategy "Stable".*Implementation: stable/);
  });

  it('LayerType Softmax "Strategy: Argmax" selects the argmax softmax; Latency stays a strategy', async () => {
    const s = await loadSession(JET, { config: path.join(CONFIGS, 'jet_layertype_softmax_argmax.yml') });
    expect(layer(s.graph, 'output_softmax_softmax').attrs).toMatchObject({ implementation: 'argmax' });
    const dir = tmpDir();
    const cfg = path.join(dir, 'latency.yml');
    writeFileSync(cfg, 'HLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n    Strategy: Latency\n  LayerName:\n    output_softmax_softmax:\n      Strategy: Latency\n');
    const l = await loadSession(JET, { config: cfg });
    expect(layer(l.graph, 'output_softmax_softmax').attrs).toMatchObject({ implementation: 'stable' });
    expect(l.diagnostics.some((x) => x.code === 'FML4013')).toBe(false);
  });

  it('a Strategy that is neither a strategy nor a softmax implementation is still an error', async () => {
    const dir = tmpDir();
    const cfg = path.join(dir, 'bad.yml');
    writeFileSync(cfg, 'HLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n  LayerName:\n    output_softmax_softmax:\n      Strategy: Fastest\n');
    await expect(loadSession(JET, { config: cfg })).rejects.toMatchObject({ diagnostics: [expect.objectContaining({ code: 'FML4004' })] });
  });
});

/** The po2 quantizer's values of a layer's raw kernel. */
function po2Values(raw: Layer): number[] {
  const m = mapFact(raw.quant!.kernel!, true);
  if (!m.ok) throw new Error(m.reason);
  return Array.from(raw.weights.kernel!.data, (v) => m.value.quantize(v, 0));
}

describe('power-of-two kernels with the types hls4ml writes', () => {
  for (const file of ['qkeras_po2_mlp.yml', 'qkeras_po2_mlp_int.yml'])
    it(`${file}: "weight: ap_int<N>" is the exponent type, and every quantized weight is kept`, async () => {
      const dir = tmpDir();
      const model = await po2Model(dir);
      const s = await loadSession(model, { config: path.join(CONFIGS, file) });
      for (const name of ['fc1', 'fc2']) {
        const want = po2Values(layer(s.raw, name));
        const l = layer(s.graph, name);
        // The weights the emulator computes with: the kernel cast to the layer's weight type.
        expect(Array.from(quantizeConst(l.weights.kernel!.data, l.precision.weight as FixedType, true))).toEqual(want);
        // Every value is a signed power of two, none zero, and the weight type holds each exactly.
        expect(want.every((v) => v !== 0 && Number.isInteger(Math.log2(Math.abs(v))))).toBe(true);
        expect(formatHls4ml(l.precision.weight as never)).not.toMatch(/^int</);
      }
      const notes = s.diagnostics.filter((d) => d.code === 'FML4014');
      expect(notes.map((d) => d.loc?.node).sort()).toEqual(['fc1', 'fc2']);
      expect(s.diagnostics.some((d) => d.code === 'FML6506' || d.code === 'FML6507')).toBe(false);
      expect(layer(s.graph, 'softmax').attrs).toMatchObject({ implementation: 'stable' });
    });

  it('a configured type that disagrees with the quantizer, or zeroes most weights, warns loudly', async () => {
    const dir = tmpDir();
    const model = await po2Model(dir);
    const cfg = path.join(dir, 'narrow.yml');
    writeFileSync(cfg, 'HLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n  LayerName:\n    fc1:\n      Precision:\n        weight: ap_fixed<4,1>\n');
    const s = await loadSession(model, { config: cfg });
    const d = s.diagnostics.find((x) => x.code === 'FML6507');
    expect(d?.severity).toBe('warning');
    expect(d?.message).toMatch(/layer "fc1" disagrees with the model's own kernel quantizer: it changes \d+ of 48/);
    // A plain Keras Dense with small weights and an integer weight type: most weights become 0.
    const json = await writeJsonModel(dir, 'plain', functional([inputLayer('x', [8]), klayer('Dense', 'fc', { units: 4, activation: 'linear', use_bias: false }, ['x'])], ['x'], ['fc']), [
      { name: 'x', weights: [] },
      { name: 'fc', weights: [{ name: 'kernel', shape: [8, 4], data: seq(32, 2).map((v) => v * 0.4) }] },
    ]);
    const icfg = path.join(dir, 'int.yml');
    writeFileSync(icfg, 'HLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n  LayerName:\n    fc:\n      Precision:\n        weight: ap_int<5>\n');
    const p = await loadSession(json, { config: icfg });
    const z = p.diagnostics.find((x) => x.code === 'FML6506');
    expect(z?.message).toMatch(/weight type int<5> of layer "fc" destroys (\d+) of its 32 non-zero kernel values/);
  });
});
