/**
 * @fileoverview Multipliers forced to DSPs or fabric (`config_op mul -impl dsp|fabric`) in unrolled
 * Latency layers: which constant products stay multiplications, and that a repeated product (same
 * input, same constant) is built once. Checked against four layers of the ArgyKokk Vitis HLS 2021.1
 * projects whose trained kernels and csynth DSP counts are in test/fixtures/argykokk (provenance there).
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelStats } from '../../../src/estimate/model.js';
import { estimate } from '../../../src/estimate/estimate.js';
import { denseSpec, filledWeights, sequential } from '../../../src/estimate/build.js';
import { fixedType, parseFixed } from '../../../src/fixed/type.js';
import type { MultiplierImpl } from '../../../src/estimate/types.js';
import { fixturesDir } from '../../helpers/data.js';

interface FixtureLayer {
  name: string;
  input_t: string;
  weight_t: string;
  accum_t: string;
  n_in: number;
  n_out: number;
  report_dsp: number;
  kernel: number[];
}
const fixture = JSON.parse(readFileSync(path.join(fixturesDir, 'argykokk', 'forced-dsp-kernels.json'), 'utf8')) as { layers: FixtureLayer[] };

/** One Dense layer with its real kernel, estimated as its project was built (xc7z007s, Vitis HLS 2021.1, Latency). */
function layerEstimate(f: FixtureLayer, multiplierImpl: MultiplierImpl, reuseFactor = 1) {
  const wT = parseFixed(f.weight_t);
  const precision = { weight: wT, bias: wT, accum: parseFixed(f.accum_t), result: fixedType(16, 6) };
  const spec = denseSpec('fc', f.n_in, f.n_out, { precision, strategy: 'latency', reuseFactor });
  const g = sequential('argy', [f.n_in], parseFixed(f.input_t), [
    { ...spec, weights: { kernel: { shape: [f.n_in, f.n_out], data: Float32Array.from(f.kernel) }, bias: filledWeights([f.n_out], 0) } },
  ]);
  const e = estimate(g, { backend: 'vitis', part: 'xc7z007s-clg225-2', clockNs: 5, strategy: 'latency', reuseFactor, multiplierImpl, toolVersion: '2021.1' });
  return e.layers.find((l) => l.name === 'fc')!;
}

describe('forced multipliers', () => {
  it('counts repeated (input, constant) products of a kernel row once', () => {
    // fixed<8,4>: raw = w * 16. Row 0: 11, 11, -11, 3 -> 11 repeats once (-11 is another constant);
    // row 1: 11 again (another input: its own product), 21, 21 -> 21 repeats once. 3 has 2 CSD digits.
    const wT = fixedType(8, 4);
    const w = Float32Array.from([11, 11, -11, 3, 11, 21, 21, 0].map((v) => v / 16));
    const s = kernelStats(w, w.length, wT, 2, false, 4);
    expect(s.zeros).toBe(1);
    expect(s.pow2).toBe(1);
    expect(s.shared).toBe(2);
    // Without a row length no repetition is counted (the multipliers-left-to-the-tool path).
    expect(kernelStats(w, w.length, wT, 2, false, 0).shared).toBeUndefined();
    // Rows of 2: 11,11 | -11,3 | 11,21 | 21,0 -> only the first row repeats.
    expect(kernelStats(w, w.length, wT, 2, false, 2).shared).toBe(1);
  });

  it('gives each layer of the ArgyKokk DSP projects the DSP count of its csynth report', () => {
    expect(fixture.layers.map((f) => f.name)).toEqual(['Breast_cancer fc1', 'CARDIO fc1', 'CARDIO fc2', 'HAR fc2']);
    for (const f of fixture.layers) {
      const l = layerEstimate(f, 'dsp');
      expect({ layer: f.name, dsp: l.dsp }).toEqual({ layer: f.name, dsp: f.report_dsp });
    }
  });

  it('keeps that DSP count at reuse 2 (the reuse-2 projects report the reuse-1 totals)', () => {
    // multiplier_limit at reuse 2 (ceil(1280/2) - floor(472/2) = 404) is above the 156 built products.
    const har = fixture.layers.find((f) => f.name === 'HAR fc2')!;
    expect(layerEstimate(har, 'dsp', 2).dsp).toBe(har.report_dsp);
    // At reuse 100 the limit (13 - 4 = 9) binds.
    expect(layerEstimate(har, 'dsp', 100).dsp).toBe(9);
  });

  it('builds constants of one or two CSD digits from shifts and adds even when forced', () => {
    // HAR fc2 (fixed<8,2>, raw = w * 64): without the shift-add rule every non-zero, non-power-of-two
    // weight would be a DSP; without merging repeats, every 3-digit one (227 > 156).
    const har = fixture.layers.find((f) => f.name === 'HAR fc2')!;
    const raws = har.kernel.map((v) => Math.round(v * 64)).filter((r) => r !== 0);
    const threeDigit = raws.filter((r) => [11, 13, 19, 21, 22, 23, 25, 26, 27, 29].includes(Math.abs(r))).length;
    expect(threeDigit).toBe(227);
    expect(layerEstimate(har, 'dsp').notes.join(' ')).toMatch(/71 products repeat another of the same input and weight/);
    // Forced to fabric: no DSP at all.
    expect(layerEstimate(har, 'fabric').dsp).toBe(0);
  });
});
