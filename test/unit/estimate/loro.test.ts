/**
 * @fileoverview Leave-one-repository-out validation of the estimator (issue 13): every record is
 * estimated with constants fitted without any record of its repository. The test fails when the
 * cross-validated error on the public hls4ml csynth designs grows past the figures reached (the
 * GUARD below, recorded in docs/estimation.md), and checks the validation itself: every modelled
 * record is predicted once, by a fit that did not see its repository, and the 80% intervals shipped
 * with every estimate cover about 80% of the held-out records.
 *
 * The targets (LORO_TARGETS in src/estimate/doc.ts: MAPE <= 25% latency and DSP, <= 35% LUT
 * and FF; median APE <= 15% / 25%) are not all reached yet; docs/estimation.md shows which are.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { HeldOut } from '../../../src/estimate/calibrate.js';
import { ape, crossValidate, intervalsFrom, median } from '../../../src/estimate/calibrate.js';
import type { TruthRecord } from '../../../src/estimate/truth.js';
import { loadTruth } from '../../../src/estimate/truth.js';
import { LORO_TARGETS } from '../../../src/estimate/doc.js';
import { designKind } from '../../../src/estimate/estimate.js';
import type { FigureKey } from '../../../src/estimate/types.js';
import { dataDir } from '../../helpers/data.js';

/**
 * Cross-validated error allowed on the public designs (MAPE, median APE, in %): the target
 * for every figure, all met (docs/estimation.md: latency 16.7/7.1, DSP 20.0/7.7, LUT 27.2/23.7,
 * FF 32.8/20.1).
 */
const GUARD: Record<'latency_cycles' | 'dsp' | 'lut' | 'ff', { mape: number; mdape: number }> = {
  latency_cycles: LORO_TARGETS.latency_cycles!,
  dsp: LORO_TARGETS.dsp!,
  lut: LORO_TARGETS.lut!,
  ff: LORO_TARGETS.ff!,
};

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('leave-one-repository-out validation', () => {
  let records: TruthRecord[];
  let held: HeldOut[];
  const folds: string[] = [];
  beforeAll(() => {
    records = loadTruth(path.join(dataDir, 'truth'));
    held = crossValidate(records, (g) => folds.push(g));
  }, 900_000);

  it('predicts every modelled record once, one fold per repository', () => {
    const modelled = records.filter((r) => r.graph && !r.excluded);
    expect(held.map((h) => h.record.id).sort()).toEqual(modelled.map((r) => r.id).sort());
    expect(new Set(folds).size).toBe(folds.length);
    expect(new Set(folds)).toEqual(new Set(modelled.map((r) => r.group)));
    // The public rows come from many repositories: each is its own fold.
    expect(new Set(held.filter((h) => h.record.dataset === 'public-hls4ml').map((h) => h.record.group)).size).toBeGreaterThanOrEqual(15);
  });

  it('keeps the error on unseen public designs within the figures reached', () => {
    const pub = held.filter((h) => h.record.dataset === 'public-hls4ml');
    expect(pub.length).toBeGreaterThanOrEqual(45);
    // Reports whose latency the listed reuse factors cannot produce are compared on resources only.
    expect(pub.filter((h) => h.record.truth.latency_cycles !== undefined).length).toBeGreaterThanOrEqual(45);
    for (const k of Object.keys(GUARD) as Array<keyof typeof GUARD>) {
      const e = pub.filter((h) => h.record.truth[k] !== undefined).map((h) => ape(h.est[k], h.record.truth[k]!));
      expect(mean(e), `${k} MAPE`).toBeLessThanOrEqual(GUARD[k].mape);
      expect(median(e), `${k} median APE`).toBeLessThanOrEqual(GUARD[k].mdape);
      // A guard is never looser than needed: the target wherever the target is met.
      const t = LORO_TARGETS[k as FigureKey]!;
      if (mean(e) <= t.mape) expect(GUARD[k].mape).toBe(t.mape);
      if (median(e) <= t.mdape) expect(GUARD[k].mdape).toBe(t.mdape);
    }
  });

  it('80% intervals cover about 80% of held-out records of their family and kind', () => {
    const iv = intervalsFrom(held);
    for (const k of ['latency_cycles', 'dsp', 'lut', 'ff'] as FigureKey[]) {
      let inside = 0;
      let n = 0;
      for (const h of held) {
        const t = h.record.truth[k];
        const fam = iv[h.record.options!.backend];
        const cell = fam[designKind(h.record.graph!)]?.[k] ?? fam.all?.[k];
        if (t === undefined || !cell) continue;
        const base = Math.max(h.est[k], 1);
        n++;
        if (Math.max(t, 1) >= base * cell[0] - 1e-9 && Math.max(t, 1) <= base * cell[1] + 1e-9) inside++;
      }
      expect(inside / n, k).toBeGreaterThan(0.7);
      expect(inside / n, k).toBeLessThan(0.95);
    }
  });
});
