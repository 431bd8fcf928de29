/**
 * @fileoverview Fits the estimator's constants on the synthesis ground truth and measures the
 * result: the LUT/DSP threshold of multipliers, pipeline-depth constants (coordinate search on
 * whole-design latency), and LUT / FF coefficients (non-negative least squares on relative error),
 * each per HLS tool family (Vivado HLS, Vitis HLS). Structural figures (DSP, BRAM, loop cycles)
 * are not fitted: the truth only checks them.
 */

import type { Graph } from '../ir/graph.js';
import { combineLatency, estimate, layerCosts, layerLatency } from './estimate.js';
import type { LayerCost } from './model.js';
import { resolveTarget } from './devices.js';
import { nnls } from './nnls.js';
import type { TruthRecord } from './truth.js';
import type { Backend, Calibration, EstimateOptions, FamilyCalibration, FigureKey, Figures } from './types.js';

export const LATENCY_KEYS: Record<string, readonly number[]> = (() => {
  const ints = (n: number) => Array.from({ length: n + 1 }, (_, i) => i);
  const ns = Array.from({ length: 41 }, (_, i) => i * 0.25);
  return {
    res_c: ints(8),
    mul_ns: ns,
    add_ns: ns,
    lat_rf_c: ints(30),
    act_c: ints(4),
    act_res_c: ints(4),
    table_c: ints(6),
    softmax_c: ints(30),
    pool_c: ints(25),
    stream_c: ints(8),
    top_c: ints(6),
    top_stream_c: ints(16),
  };
})();

type Modelled = TruthRecord & { graph: Graph; options: EstimateOptions & { backend: Backend } };

function modelled(records: readonly TruthRecord[]): Modelled[] {
  return records.filter((r): r is Modelled => r.graph !== undefined && r.options !== undefined && !r.excluded);
}

/** Absolute percentage error; a truth of 0 counts as 1 so that exact zeros score 0 and misses stay finite. */
export function ape(est: number, truth: number): number {
  return (100 * Math.abs(est - truth)) / Math.max(Math.abs(truth), 1);
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function costsOf(r: Modelled, lutMultMaxBits: number, weightMemory: 'bram' | 'lut' = 'bram'): LayerCost[] {
  const o = r.options;
  return layerCosts(r.graph, {
    ioType: o.ioType ?? 'io_parallel',
    strategy: o.strategy ?? 'latency',
    reuseFactor: o.reuseFactor ?? 1,
    multiplierImpl: o.multiplierImpl ?? 'auto',
    dspKind: resolveTarget(o.part).dspKind,
    lutMultMaxBits,
    weightMemory,
  });
}

/** BRAM or LUT ROM for Resource-strategy weights: whichever reproduces the family's BRAM counts. */
function fitWeightMemory(recs: Modelled[], bits: number): 'bram' | 'lut' {
  let errB = 0;
  let errL = 0;
  for (const r of recs) {
    if (r.truth.bram_18k === undefined) continue;
    errB += ape(costsOf(r, bits, 'bram').reduce((s, c) => s + c.bram_18k, 0), r.truth.bram_18k);
    errL += ape(costsOf(r, bits, 'lut').reduce((s, c) => s + c.bram_18k, 0), r.truth.bram_18k);
  }
  return errL < errB ? 'lut' : 'bram';
}

/** The threshold that reproduces most DSP counts of records whose multipliers were left to the tool. */
function fitLutThreshold(recs: Modelled[]): { bits: number; note: string } {
  let best = { bits: 12, err: Infinity, hi: 12 };
  for (let t = 4; t <= 40; t++) {
    let err = 0;
    for (const r of recs) {
      if ((r.options.multiplierImpl ?? 'auto') !== 'auto' || r.truth.dsp === undefined) continue;
      const dsp = costsOf(r, t).reduce((s, c) => s + c.dsp, 0);
      err += ape(dsp, r.truth.dsp);
    }
    if (err < best.err - 1e-9) best = { bits: t, err, hi: t };
    else if (Math.abs(err - best.err) < 1e-9) best.hi = t;
  }
  return { bits: best.bits, note: `smallest of the equally good thresholds ${best.bits}..${best.hi} (operand-width sum wa+wb)` };
}

interface Prepared {
  r: Modelled;
  costs: LayerCost[];
  features: Record<string, number>;
}

function latencyOf(p: Prepared, fam: FamilyCalibration): { latency: number; ii: number } {
  const o = p.r.options;
  const layers = p.costs.map((c) => ({
    latency_cycles: layerLatency(c, fam, o.clockNs ?? 5),
    ii: c.ii,
    ...(c.strategy ? { strategy: c.strategy } : {}),
    ...(c.reuse !== undefined ? { reuse_factor: c.reuse } : {}),
  }));
  return combineLatency(layers, fam, o.backend, o.ioType ?? 'io_parallel');
}

function fitLatency(prep: Prepared[], base: FamilyCalibration, prior?: Readonly<Record<string, number>>): Record<string, number> {
  const lat: Record<string, number> = Object.fromEntries(Object.keys(LATENCY_KEYS).map((k) => [k, prior?.[k] ?? 0]));
  // Tie-breaker toward the prior (the other family's fit): where this family's reports say
  // nothing about a constant, it keeps the prior's value rather than an arbitrary one.
  const pull = () => (prior ? Object.keys(lat).reduce((s, k) => s + 1e-3 * Math.abs(lat[k]! - (prior[k] ?? 0)), 0) : 0);
  const loss = () => {
    const fam = { ...base, latency: lat };
    // Reproducing a record exactly counts first (the regularities are exact), then the APE sum.
    let s = 0;
    for (const p of prep) {
      const t = p.r.truth.latency_cycles;
      if (t === undefined) continue;
      const e = latencyOf(p, fam).latency;
      s += ape(e, t) + (e === t ? 0 : 20);
    }
    return s + pull();
  };
  let cur = loss();
  for (let pass = 0; pass < 4; pass++) {
    let changed = false;
    for (const [k, grid] of Object.entries(LATENCY_KEYS)) {
      let bestV = lat[k]!;
      for (const v of grid) {
        lat[k] = v;
        const l = loss();
        if (l < cur - 1e-9) (cur = l), (bestV = v), (changed = true);
      }
      lat[k] = bestV;
    }
    if (!changed) break;
  }
  // Constants add up along a design (e.g. two layers' fill + the top level), so single-constant
  // moves stall: search pairs of constants jointly until nothing improves.
  const keys = Object.keys(LATENCY_KEYS);
  for (let round = 0; round < 3; round++) {
    let changed = false;
    for (let i = 0; i < keys.length; i++) {
      for (let j = i + 1; j < keys.length; j++) {
        const [ki, kj] = [keys[i]!, keys[j]!];
        let best: [number, number] = [lat[ki]!, lat[kj]!];
        for (const vi of LATENCY_KEYS[ki]!) {
          for (const vj of LATENCY_KEYS[kj]!) {
            lat[ki] = vi;
            lat[kj] = vj;
            const l = loss();
            if (l < cur - 1e-9) (cur = l), (best = [vi, vj]), (changed = true);
          }
        }
        [lat[ki], lat[kj]] = best;
      }
    }
    if (!changed) break;
  }
  return lat;
}

function fitLinear(prep: Prepared[], key: 'lut' | 'ff', names: string[]): Record<string, number> {
  const rows = prep.filter((p) => (p.r.truth[key] ?? 0) > 0);
  if (rows.length === 0) return {};
  // Each row divided by its truth: the fit minimises relative, not absolute, error.
  const X = rows.map((p) => names.map((n) => (p.features[n] ?? 0) / p.r.truth[key]!));
  const y = rows.map(() => 1);
  const w = nnls(X, y);
  return Object.fromEntries(names.map((n, i) => [n, Number(w[i]!.toPrecision(6))]));
}

interface PreparedSet {
  prepared: Record<Backend, Prepared[]>;
  names: string[];
}

function prepare(recs: Modelled[], bits: number, memory: Record<Backend, 'bram' | 'lut'>): PreparedSet {
  const allNames = new Set<string>();
  const prepared: Record<Backend, Prepared[]> = { vivado: [], vitis: [] };
  for (const r of recs) {
    const costs = costsOf(r, bits, memory[r.options.backend]);
    const features: Record<string, number> = {};
    for (const c of costs) for (const [f, v] of Object.entries(c.features)) (features[f] = (features[f] ?? 0) + v), allNames.add(f);
    prepared[r.options.backend].push({ r, costs, features });
  }
  return { prepared, names: [...allNames].sort() };
}

/** LUT and FF coefficients per family; a feature a family never exercises takes the other family's. */
function fitResources(set: PreparedSet): Record<Backend, { lut: Record<string, number>; ff: Record<string, number> }> {
  const { prepared, names } = set;
  const out = {
    vitis: { lut: fitLinear(prepared.vitis, 'lut', names), ff: fitLinear(prepared.vitis, 'ff', names) },
    vivado: { lut: fitLinear(prepared.vivado, 'lut', names), ff: fitLinear(prepared.vivado, 'ff', names) },
  };
  for (const [b, o] of [['vivado', 'vitis'], ['vitis', 'vivado']] as const) {
    const seen = new Set(prepared[b].flatMap((p) => Object.keys(p.features).filter((f) => p.features[f] !== 0)));
    for (const key of ['lut', 'ff'] as const) {
      for (const n of names) if (!seen.has(n) && out[o][key][n] !== undefined) out[b][key][n] = out[o][key][n]!;
    }
  }
  return out;
}

/**
 * k-fold cross-validation of the LUT and FF fits (the only ones with many free coefficients):
 * each record's LUT/FF is predicted by coefficients fitted without it. Latency constants, the
 * multiplier threshold and the weight-memory choice stay as fitted on everything.
 */
export function crossValidate(records: readonly TruthRecord[], cal: Calibration, k = 5): Array<{ record: TruthRecord; lut?: number; ff?: number }> {
  const recs = modelled(records);
  const memory = { vitis: cal.families.vitis.weightMemory, vivado: cal.families.vivado.weightMemory };
  const out: Array<{ record: TruthRecord; lut?: number; ff?: number }> = [];
  for (let f = 0; f < k; f++) {
    const train = recs.filter((_, i) => i % k !== f);
    const test = recs.filter((_, i) => i % k === f);
    const fit = fitResources(prepare(train, cal.families.vitis.lutMultMaxBits, memory));
    const foldCal: Calibration = {
      ...cal,
      families: {
        vitis: { ...cal.families.vitis, ...fit.vitis },
        vivado: { ...cal.families.vivado, ...fit.vivado },
      },
    };
    for (const r of test) {
      const e = estimate(r.graph, { ...r.options, calibration: foldCal });
      out.push({ record: r, lut: e.total.lut, ff: e.total.ff });
    }
  }
  return out;
}

export function calibrate(records: readonly TruthRecord[], now = new Date()): Calibration {
  const recs = modelled(records);
  const thr = fitLutThreshold(recs);
  const families = {} as Record<Backend, FamilyCalibration>;
  const memory: Record<Backend, 'bram' | 'lut'> = {
    vitis: fitWeightMemory(recs.filter((r) => r.options.backend === 'vitis'), thr.bits),
    vivado: fitWeightMemory(recs.filter((r) => r.options.backend === 'vivado'), thr.bits),
  };
  const set = prepare(recs, thr.bits, memory);
  const { prepared } = set;
  const res = fitResources(set);
  // Vitis first (more and larger designs); Vivado starts from, and is pulled toward, Vitis's values.
  for (const b of ['vitis', 'vivado'] as Backend[]) {
    const base: FamilyCalibration = { latency: {}, lut: {}, ff: {}, lutMultMaxBits: thr.bits, weightMemory: memory[b] };
    const prior = b === 'vivado' ? families.vitis.latency : undefined;
    families[b] = { ...base, latency: fitLatency(prepared[b], base, prior), lut: res[b].lut, ff: res[b].ff };
  }
  return {
    generated: now.toISOString(),
    source: '../shared/truth (wa-hls4ml sample, hls4ml CI baselines, ArgyKokk MLP projects)',
    method: 'coordinate search (latency constants), non-negative least squares on relative error (LUT, FF), exhaustive search (LUT/DSP multiplier threshold)',
    records: recs.length,
    families,
    provenance: {
      lutMultMaxBits: thr.note,
      weightMemory: `Resource-strategy weights: ${memory.vitis === 'lut' ? 'LUT ROM' : 'BRAM'} for Vitis HLS (the choice with the smaller BRAM error); ${memory.vivado === 'lut' ? 'LUT ROM' : 'BRAM'} for Vivado HLS (no Vivado Resource record with reuse > 1 in the truth: the BRAM default)`,
      latency: 'per family: integer cycles (*_c) and nanoseconds (*_ns, divided by the clock) minimising (20 x records not reproduced exactly + sum of absolute percentage errors) of whole-design latency; Vivado HLS starts from the Vitis values and keeps them where its reports do not decide',
      lut: 'per family: NNLS of LUT/truth over summed model features; features a family never exercises take the other family\'s coefficient',
      ff: 'as lut',
      vivado: `${prepared.vivado.length} records (hls4ml CI, Vivado HLS 2020.1)`,
      vitis: `${prepared.vitis.length} records (wa-hls4ml Vitis 2023.2, hls4ml CI Vitis 2020.1-2024.1, ArgyKokk Vitis 2021.1)`,
    },
  };
}

export interface Comparison {
  readonly record: TruthRecord;
  readonly est?: Figures;
}

export const COMPARED: readonly FigureKey[] = ['latency_cycles', 'ii', 'dsp', 'lut', 'ff', 'bram_18k'];

export function compare(records: readonly TruthRecord[], cal: Calibration): Comparison[] {
  return records.map((r) => {
    if (!r.graph || !r.options || r.excluded) return { record: r };
    const e = estimate(r.graph, { ...r.options, calibration: cal });
    const { latency_ns: _ns, ...est } = e.total;
    return { record: r, est };
  });
}

export function errorSummary(rows: readonly Comparison[]): Record<FigureKey, { n: number; mdape: number; worst: Array<{ id: string; label: string; est: number; truth: number; ape: number }> }> {
  const out = {} as ReturnType<typeof errorSummary>;
  for (const k of COMPARED) {
    const errs = rows
      .filter((c) => c.est && c.record.truth[k] !== undefined)
      .map((c) => ({ id: c.record.id, label: c.record.label, est: c.est![k], truth: c.record.truth[k]!, ape: ape(c.est![k], c.record.truth[k]!) }));
    out[k] = { n: errs.length, mdape: median(errs.map((e) => e.ape)), worst: [...errs].sort((a, b) => b.ape - a.ape).slice(0, 5) };
  }
  return out;
}
