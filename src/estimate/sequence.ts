/**
 * @fileoverview Cost models of the sequence layers, keyed by op: GRU, LSTM, SimpleRNN, LayerNorm and
 * MultiHeadAttention, in the terms of model.ts (multipliers, DSPs, table ROMs, loop cycles, latency
 * constants, calibration features).
 *
 * What the generated code instantiates (templates/hls/fml/fml_recurrent.h, fml_layernorm.h,
 * fml_attention.h):
 * - recurrent layers build one time step: the input product (nIn x k·n, ReuseFactor), the recurrent
 *   product (n x k·n, recurrent_reuse_factor), the gate multiplications (GRU 3n, LSTM 3n) and the
 *   sigmoid/tanh ROMs, and run it `steps` times in sequence: the state of step t feeds step t+1, so
 *   nothing overlaps and the next sample waits for the last step (II = the layer's latency);
 * - LayerNorm: per row, dim squares, dim·2 output products, two adder trees and one ROM lookup;
 * - attention: four projections (Dense-like, over Tq or Tv positions), then per head and query step
 *   Tv·key_dim score products, a softmax over Tv (exp / 1/x ROMs) and Tv·value_dim context products.
 * No synthesis report of these layers is in fastml's calibration set: DSP, BRAM and cycles are
 * structural counts, LUT/FF reuse the Dense/table coefficients, and every estimate says so in a warning.
 */

import type { Graph, Layer, LayerAttrs, RecurrentAttrs } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { FixedType } from '../fixed/type.js';
import type { LayerCost, ModelContext, Typer } from './model.js';
import { bramFor, DEFAULT_TABLE_SIZE, DEFAULT_TABLE_TYPE, dspPerProduct, isLutProduct, kernelStats, multiplyCost, zeroCost } from './model.js';

interface SeqCtx {
  readonly ctx: ModelContext;
  readonly typer: Typer;
  readonly inT: FixedType;
  readonly setResult: (t: FixedType) => void;
}

type SeqCost = (g: Graph, l: Layer, s: SeqCtx) => LayerCost;

const TRUST = (l: Layer) =>
  `layer ${l.name} (${l.attrs.op}): no synthesis report of this op is in the calibration set; DSP, BRAM and cycles are structural counts of the generated code, LUT/FF use the Dense and table coefficients: treat them as rough (factor 2)`;

function add(a: Record<string, number>, b: Readonly<Record<string, number>>, k = 1): Record<string, number> {
  for (const [key, v] of Object.entries(b)) a[key] = (a[key] ?? 0) + v * k;
  return a;
}

/** `n` element products of wa x wb bits: DSPs and features. */
function products(n: number, wa: number, wb: number, s: SeqCtx): { dsp: number; features: Record<string, number> } {
  const lut = isLutProduct(wa, wb, s.ctx);
  return { dsp: lut ? 0 : n * dspPerProduct(wa, wb, s.ctx.dspKind), features: lut ? { mul_lut_bits: n * wa * wb } : { mul_dsp: n } };
}

/** ROM copies for `lookups` parallel reads (dual-port: two per copy). */
const rom = (lookups: number, size: number, t: FixedType) => Math.ceil(lookups / 2) * bramFor(size, t.w);

const recurrent: SeqCost = (g, l, s) => {
  const a = l.attrs as RecurrentAttrs;
  const n = a.units;
  const k = (a.op === 'GRU' ? 3 : a.op === 'LSTM' ? 4 : 1) * n;
  const wT = s.typer.get('weight');
  const rwT = s.typer.get('recurrent_weight', wT);
  const accT = s.typer.get('accum');
  const resT = s.typer.get('result');
  const tT = s.typer.get('table', DEFAULT_TABLE_TYPE);
  const size = l.tableSize ?? DEFAULT_TABLE_SIZE;
  s.setResult(resT);
  const rfIn = l.reuseFactor ?? s.ctx.reuseFactor;
  const rfRec = a.recurrentReuseFactor ?? rfIn;
  const pin = multiplyCost({ ...l, reuseFactor: rfIn }, { nIn: a.nIn, nOut: k, nPix: 1, total: a.nIn * k, ...kernelStats(l.weights.kernel?.data, a.nIn * k, wT), wa: s.inT.w, wb: wT.w, acc: accT.w }, s.ctx, s.typer, false);
  const prec = multiplyCost({ ...l, reuseFactor: rfRec }, { nIn: n, nOut: k, nPix: 1, total: n * k, ...kernelStats(l.weights.recurrent_kernel?.data, n * k, rwT), wa: resT.w, wb: rwT.w, acc: accT.w }, s.ctx, s.typer, false);
  // Gate multiplications and the table lookups of one step.
  const gateMults = a.op === 'SimpleRNN' ? 0 : 3 * n;
  const gates = products(gateMults, accT.w, Math.max(accT.w, resT.w), s);
  const sig = a.op === 'GRU' ? 2 * n : a.op === 'LSTM' ? 3 * n : 0;
  const tanh = a.op === 'GRU' ? n : a.op === 'LSTM' ? 2 * n : n;
  const bram = pin.bram_18k + prec.bram_18k + rom(sig, size, tT) + rom(tanh, size, tT);
  // One step: both products in parallel, then (GRU/LSTM) two table stages and two multiply stages.
  const stepTerms: Record<string, number> = {};
  for (const key of new Set([...Object.keys(pin.latencyTerms), ...Object.keys(prec.latencyTerms)]))
    stepTerms[key] = Math.max(pin.latencyTerms[key] ?? 0, prec.latencyTerms[key] ?? 0);
  stepTerms.table_c = (stepTerms.table_c ?? 0) + (a.op === 'SimpleRNN' ? 1 : 2);
  if (gateMults) stepTerms.mul_ns = (stepTerms.mul_ns ?? 0) + 2;
  const T = a.steps;
  const latencyTerms = Object.fromEntries(Object.entries(stepTerms).map(([key, v]) => [key, v * T]));
  const cycles = T * Math.max(pin.cycles, prec.cycles);
  const features = add(add(add({}, pin.features), prec.features), { ...gates.features, table_lookups: sig + tanh, table_idx_bits: (sig + tanh) * accT.w, k_table: 1 });
  return {
    ...zeroCost(l, [
      `one step built once and run ${T} times: input product ${a.nIn}x${k} (reuse ${pin.reuse}), recurrent product ${n}x${k} (reuse ${prec.reuse}), ${gateMults} gate multiplications, ${sig + tanh} table lookups`,
      'the next sample starts after the last step (II = latency)',
      ...pin.notes.map((x) => `input product: ${x}`),
      ...prec.notes.map((x) => `recurrent product: ${x}`),
    ]),
    strategy: pin.strategy!,
    reuse: pin.reuse!,
    multipliers: (pin.multipliers ?? 0) + (prec.multipliers ?? 0) + gateMults,
    dsp: pin.dsp + prec.dsp + gates.dsp,
    bram_18k: bram,
    cycles,
    latencyTerms,
    ii: Math.max(1, cycles),
    iiIsLatency: true,
    features,
    warnings: [...pin.warnings, TRUST(l)],
  };
};

const layerNorm: SeqCost = (g, l, s) => {
  const accT = s.typer.get('accum');
  const resT = s.typer.get('result');
  const scT = s.typer.get('scale');
  const tT = s.typer.get('table', DEFAULT_TABLE_TYPE);
  s.setResult(resT);
  const shape = g.tensors.get(l.outputs[0]!)?.shape ?? [1];
  const dim = shape[shape.length - 1]!;
  const rows = numel(shape) / dim;
  const size = l.tableSize ?? 4096;
  const sq = products(rows * (dim + 2), accT.w, accT.w, s);
  const out = products(rows * dim * 2, Math.max(accT.w, tT.w), scT.w, s);
  const levels = Math.ceil(Math.log2(Math.max(2, dim)));
  return {
    ...zeroCost(l, [`${rows} row(s) of ${dim}: ${dim} squares, ${2 * dim} output products, two ${dim}-input sums, one lookup in a ${size} x ${tT.w}-bit 1/sqrt table per row`]),
    multipliers: rows * (3 * dim + 2),
    dsp: sq.dsp + out.dsp,
    bram_18k: rom(rows, size, tT),
    cycles: rows - 1,
    latencyTerms: { add_ns: 2 * levels, mul_ns: 4, table_c: 1 },
    features: add(add({ add_bits: 2 * rows * dim * accT.w, out_bits: rows * dim * resT.w, table_lookups: rows, k_table: 1, k_elem: 1 }, sq.features), out.features),
    warnings: [TRUST(l)],
  };
};

const attention: SeqCost = (g, l, s) => {
  const a = l.attrs as Extract<LayerAttrs, { op: 'MultiHeadAttention' }>;
  const wT = s.typer.get('weight');
  const accT = s.typer.get('accum');
  const resT = s.typer.get('result');
  const expT = s.typer.get('exp_table', DEFAULT_TABLE_TYPE);
  const invT = s.typer.get('inv_table', DEFAULT_TABLE_TYPE);
  s.setResult(resT);
  const shape = (k: number) => g.tensors.get(l.inputs[k] ?? l.inputs[1]!)?.shape ?? [1, 1];
  const [tq, dq] = shape(0) as [number, number];
  const [tv, dv] = shape(1) as [number, number];
  const dk = l.inputs[2] ? shape(2)[1]! : dv;
  const hk = a.heads * a.keyDim;
  const hv = a.heads * a.valueDim;
  const rf = l.reuseFactor ?? s.ctx.reuseFactor;
  const proj = (role: string, nIn: number, nOut: number, nPix: number, wa: number) =>
    multiplyCost({ ...l, reuseFactor: rf }, { nIn, nOut, nPix, total: nIn * nOut, ...kernelStats(l.weights[`${role}_kernel`]?.data, nIn * nOut, wT), wa, wb: wT.w, acc: accT.w }, s.ctx, s.typer, false);
  const ps = [proj('query', dq, hk, tq, s.inT.w), proj('key', dk, hk, tv, s.inT.w), proj('value', dv, hv, tv, s.inT.w), proj('output', hv, a.outDim, tq, accT.w)];
  // Scores and context: one query step at a time, all keys in parallel.
  const core = products(tv * (a.keyDim + a.valueDim), accT.w, accT.w, s);
  const size = l.tableSize ?? 2048;
  const bram = ps.reduce((x, p) => x + p.bram_18k, 0) + rom(tv, size, expT) + bramFor(size, invT.w);
  const features: Record<string, number> = {};
  for (const p of ps) add(features, p.features);
  add(features, { ...core.features, add_bits: tv * (a.keyDim + a.valueDim) * accT.w, table_lookups: tv + 1, k_table: 1 });
  const levels = Math.ceil(Math.log2(Math.max(2, Math.max(a.keyDim, tv))));
  const loop = a.heads * tq;
  const cycles = Math.max(ps[0]!.cycles, ps[1]!.cycles, ps[2]!.cycles) + loop + ps[3]!.cycles;
  return {
    ...zeroCost(l, [
      `${a.heads} head(s), ${tq} queries x ${tv} keys: 4 projections, then per head and query ${tv * a.keyDim} score and ${tv * a.valueDim} context products and a ${tv}-way softmax`,
      ...ps.flatMap((p, i) => p.notes.map((x) => `${['query', 'key', 'value', 'output'][i]} projection: ${x}`)),
    ]),
    multipliers: ps.reduce((x, p) => x + (p.multipliers ?? 0), 0) + tv * (a.keyDim + a.valueDim),
    dsp: ps.reduce((x, p) => x + p.dsp, 0) + core.dsp,
    bram_18k: bram,
    cycles,
    latencyTerms: { mul_ns: 3 + loop * 2, add_ns: 2 * levels * loop, softmax_c: loop },
    ii: Math.max(1, cycles),
    features,
    warnings: [...ps.flatMap((p) => p.warnings), TRUST(l)],
  };
};

export const SEQUENCE_COSTS: Partial<Record<LayerAttrs['op'], SeqCost>> = {
  GRU: recurrent,
  LSTM: recurrent,
  SimpleRNN: recurrent,
  LayerNorm: layerNorm,
  MultiHeadAttention: attention,
};
