/**
 * @fileoverview The fitting machinery itself: calibrating on the wa-hls4ml sample alone must find
 * the exact regularities (LUT/DSP threshold between 6- and 8-bit products; latency = RF1 + RF2 + 3)
 * and reproduce every row, and the shipped calibration must carry its provenance.
 */

import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadTruth } from '../../../src/estimate/truth.js';
import { FF_ONLY, PHYSICAL_COST, calibrate, compare } from '../../../src/estimate/calibrate.js';
import { SHIPPED_CALIBRATION } from '../../../src/estimate/estimate.js';
import { dataDir } from '../../helpers/data.js';

const shared = dataDir;
const truthDir = path.join(shared, 'truth');

describe('calibrate', () => {
  it('finds the wa-hls4ml regularities from the data alone', () => {
    const wa = loadTruth(truthDir).filter((r) => r.dataset === 'wa-hls4ml');
    const cal = calibrate(wa, new Date(0));
    const fam = cal.families.vitis;
    expect(fam.lutMultMaxBits).toBeGreaterThanOrEqual(12);
    expect(fam.lutMultMaxBits).toBeLessThan(16);
    const lat = fam.latency;
    // Two Resource dense layers, one ReLU, the top level: 3 cycles beyond RF1 + RF2.
    expect(2 * lat.res_c! + lat.act_res_c! + lat.top_c!).toBe(3);
    for (const r of compare(wa, cal)) {
      expect(r.est!.latency_cycles, r.record.label).toBe(r.record.truth.latency_cycles);
      expect(r.est!.dsp, r.record.label).toBe(r.record.truth.dsp);
    }
    // No wa-hls4ml design is an io_parallel Resource convolution: the register count of its
    // output array keeps its cost by construction (one FF per bit) rather than 0.
    expect(wa.some((r) => r.graph?.layers.some((l) => l.attrs.op === 'Conv'))).toBe(false);
    for (const b of ['vivado', 'vitis'] as const) expect(cal.families[b].ff.res_out_all_bits, b).toBe(PHYSICAL_COST.ff.out_all_bits);
    // An exercised FF-only feature is fitted (the shipped calibration sees the hls4ml CI convolutions).
    expect(FF_ONLY.has('res_out_all_bits')).toBe(true);
    expect(SHIPPED_CALIBRATION.families.vivado.ff.res_out_all_bits).toBeGreaterThan(0);
  });

  it('keeps the LUT of a DSP product and of a small layer\'s loop control near their price', () => {
    // Unpriced, the fit put ~160 LUT on every DSP product of a ScaleBias or softmax (and, in a fold
    // without the rfforelli design, ~25 000 on every elementwise layer) to absorb other layers' error.
    for (const n of ['mul_dsp', 'k_elem', 'k_act']) expect(PHYSICAL_COST.lut[n], n).toBe(20);
    for (const b of ['vivado', 'vitis'] as const) {
      const lut = SHIPPED_CALIBRATION.families[b].lut;
      for (const n of ['mul_dsp', 'k_elem', 'k_act']) expect(lut[n] ?? 0, `${b} ${n}`).toBeLessThanOrEqual(2 * PHYSICAL_COST.lut[n]!);
    }
  });
});

describe('shipped calibration', () => {
  it('says where every group of constants comes from', () => {
    expect(SHIPPED_CALIBRATION.records).toBeGreaterThan(150);
    expect(SHIPPED_CALIBRATION.source).toMatch(/shared\/truth/);
    for (const k of ['lutMultMaxBits', 'weightMemory', 'latency', 'lut', 'ff', 'vivado', 'vitis']) expect(SHIPPED_CALIBRATION.provenance[k], k).toBeTruthy();
    for (const b of ['vivado', 'vitis'] as const) {
      for (const v of [...Object.values(SHIPPED_CALIBRATION.families[b].lut), ...Object.values(SHIPPED_CALIBRATION.families[b].ff)]) expect(v).toBeGreaterThanOrEqual(0);
    }
  });
});
