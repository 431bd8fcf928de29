/**
 * @fileoverview The structural cost model of one layer: what the HLS code instantiates.
 *
 * For each layer it decides the reuse factor actually used, the multipliers (how many, of what
 * operand widths, DSP or LUT, how many DSP blocks each), BRAM for tables and Resource-strategy
 * weight memories, the cycle count of its loops, and a set of features (bits of LUT multipliers,
 * adder bits, register bits, ...). DSP, BRAM, URAM and loop cycles come straight from the structure
 * ("model"); LUT, FF and pipeline depths are linear in the features with constants fitted on real
 * synthesis reports ("calibration", see calibrate.ts and calibration.json).
 *
 * Latency terms: a layer's latency is `cycles + sum(terms[k] * latency[k])`, where constants named
 * `*_ns` are nanoseconds (divided by the clock: deeper pipelines at faster clocks) and the others
 * whole cycles. A chain of combinational logic costs a register stage only for each full clock
 * period it spans (rounded down), so a tiny layer can be purely combinational (latency 0), as the
 * reports show:
 *   res_c      fill/drain of a Resource-strategy (or reuse > 1) multiply loop
 *   mul_ns     one multiplication stage;   add_ns  one adder-tree level (log2 n_in levels)
 *   lat_rf_c   loop overhead of a Latency-strategy layer with reuse > 1
 *   act_c      element-wise activation / merge (act_res_c after a Resource-strategy layer)
 *   table_c    table activation;  softmax_c  softmax
 *   pool_c     io_parallel pooling;  stream_c  per-layer overhead of a streamed layer
 */

import type { Graph, Layer, Strategy } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { FixedType, TypeSpec } from '../fixed/type.js';
import { fixedType, isAuto } from '../fixed/type.js';
import { closestReuseFactor } from './reuse.js';
import type { DspKind } from './devices.js';
import { dspWidths } from './devices.js';
import type { IoType, MultiplierImpl } from './types.js';

/** hls4ml's default precision, assumed where a layer has none. */
export const DEFAULT_TYPE: FixedType = fixedType(16, 6);
/** hls4ml's default table types: 1024 entries of ap_fixed<18,8>. */
export const DEFAULT_TABLE_SIZE = 1024;
export const DEFAULT_TABLE_TYPE: FixedType = fixedType(18, 8);

/**
 * Assumed, not fitted (the truth has no case that decides them; listed in docs/estimation.md):
 * - HLS_PARTITION_LIMIT: Vivado HLS unrolls loops / partitions arrays completely up to 4096
 *   elements (shared truth README).
 * - LUTRAM_MAX_DEPTH: a memory shallower than this is built as distributed (LUT) RAM; AMD's tools
 *   move to block RAM from a few hundred words, 128 is the conservative edge.
 * - SRL_MAX_DEPTH / SRL_MAX_BITS: FIFOs this shallow or small are shift registers (SRL), not BRAM.
 * - TRIVIAL_OPERAND_BITS: a product by an operand this narrow is a sign flip / mux, never a DSP.
 */
export const HLS_PARTITION_LIMIT = 4096;
export const LUTRAM_MAX_DEPTH = 128;
export const SRL_MAX_DEPTH = 32;
export const SRL_MAX_BITS = 4096;
export const TRIVIAL_OPERAND_BITS = 2;

const TABLE_ACTIVATIONS = new Set(['sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softsign']);

export interface ModelContext {
  readonly ioType: IoType;
  readonly strategy: Strategy;
  readonly reuseFactor: number;
  readonly multiplierImpl: MultiplierImpl;
  readonly dspKind: DspKind;
  /** Largest wa + wb built in LUTs (calibrated). */
  readonly lutMultMaxBits: number;
  /** Where Resource-strategy weights live: BRAM, or ROM built from LUTs (calibrated per tool). */
  readonly weightMemory: 'bram' | 'lut';
  /** Result type of each tensor produced so far (the input type of its consumers). */
  readonly tensorTypes: Map<string, FixedType>;
  /** Strategy of the multiply layer each tensor comes from (through element-wise layers). */
  readonly tensorStrategy?: Map<string, Strategy>;
}

export interface LayerCost {
  readonly name: string;
  readonly op: string;
  readonly strategy?: Strategy;
  readonly reuse?: number;
  readonly multipliers?: number;
  readonly dsp: number;
  readonly bram_18k: number;
  readonly uram: number;
  /** Structural cycles (loop trip counts). */
  readonly cycles: number;
  /** Counts of each latency constant (see the file comment). */
  readonly latencyTerms: Readonly<Record<string, number>>;
  readonly ii: number;
  readonly features: Readonly<Record<string, number>>;
  readonly notes: string[];
  /** Problems the user should see (default precision assumed, HLS limits). */
  readonly warnings: string[];
}

/** Fewest BRAM18 for a memory of depth x width (aspect ratios 16K x1 ... 1K x18, 512 x36). */
export function bramFor(depth: number, width: number): number {
  if (depth <= 0 || width <= 0) return 0;
  const shapes: Array<[number, number]> = [
    [16384, 1],
    [8192, 2],
    [4096, 4],
    [2048, 9],
    [1024, 18],
    [512, 36],
  ];
  let best = Infinity;
  for (const [d, w] of shapes) best = Math.min(best, Math.ceil(depth / d) * Math.ceil(width / w));
  return best;
}

/** DSP blocks for one wa x wb product on this DSP kind (the wider operand on the wider port). */
export function dspPerProduct(wa: number, wb: number, kind: DspKind): number {
  const [A, B] = dspWidths(kind);
  const hi = Math.max(wa, wb);
  const lo = Math.min(wa, wb);
  return Math.ceil(hi / A) * Math.ceil(lo / B);
}

export function isLutProduct(wa: number, wb: number, ctx: Pick<ModelContext, 'multiplierImpl' | 'lutMultMaxBits'>): boolean {
  if (ctx.multiplierImpl === 'fabric') return true;
  if (ctx.multiplierImpl === 'dsp') return false;
  // A product by a 1- or 2-bit operand is a sign flip / mux, never a DSP.
  return wa + wb <= ctx.lutMultMaxBits || Math.min(wa, wb) <= TRIVIAL_OPERAND_BITS;
}

function isPow2(v: number): boolean {
  const a = Math.abs(v);
  // Integers below 2^31 (every raw weight of a type up to 32 bits): one bit test, no log2
  // (this runs over every weight of the model).
  if (a < 2147483648 && Number.isInteger(a)) return a > 0 && (a & (a - 1)) === 0;
  return a > 0 && Number.isInteger(Math.log2(a));
}

class Typer {
  readonly warnings: string[] = [];
  constructor(private readonly layer: Layer) {}
  get(slot: string, fallback: FixedType = DEFAULT_TYPE): FixedType {
    const t: TypeSpec | undefined = this.layer.precision[slot];
    if (t === undefined || isAuto(t)) {
      if (slot !== 'table' && slot !== 'exp_table' && slot !== 'inv_table') {
        this.warnings.push(`layer ${this.layer.name}: ${slot} precision ${t === undefined ? 'missing' : "'auto'"}, assumed ${fallback.signed ? '' : 'u'}fixed<${fallback.w},${fallback.i}>`);
      }
      return fallback;
    }
    return t;
  }
}

interface Product {
  nIn: number;
  nOut: number;
  /** Positions the product is evaluated at (output pixels of a conv, 1 for dense). */
  nPix: number;
  /** Products per position before reuse (after dropping zero / power-of-two weights). */
  total: number;
  pow2: number;
  zeros: number;
  wa: number;
  wb: number;
  acc: number;
  kernel?: Float32Array | Float64Array;
}

/** A dense-like multiply: reuse snapping, multipliers, DSPs, weight memory, cycles. */
function multiplyCost(layer: Layer, p: Product, ctx: ModelContext, typer: Typer, stream: boolean): LayerCost {
  const strategy: Strategy = layer.strategy ?? ctx.strategy;
  const requested = layer.reuseFactor ?? ctx.reuseFactor;
  // Resource: hls4ml replaces an invalid reuse factor by the closest valid one. Latency: any value
  // is taken as is (the code divides the multiplications by it, rounding up); beyond n_in x n_out
  // it only adds cycles.
  const rf =
    strategy === 'resource' ? closestReuseFactor(p.nIn, p.nOut, Math.max(1, requested)) : Math.max(1, Math.min(requested, p.nIn * p.nOut));
  const notes: string[] = [];
  const warnings = typer.warnings;
  if (rf !== requested) notes.push(`reuse factor ${requested} ${strategy === 'resource' ? `is not valid for ${p.nIn}x${p.nOut}; hls4ml uses` : 'exceeds the multiplications; effectively'} ${rf}`);
  // Latency strategy: weights are constants in the unrolled code, so zero weights vanish and
  // power-of-two weights become shifts. Resource strategy reads weights from memory: all multiply.
  const live = strategy === 'latency' ? p.total - p.zeros - p.pow2 : p.nIn * p.nOut;
  // Latency strategy: hls4ml limits the multipliers to ceil(n_in*n_out / RF) (counted over all
  // weights, at configuration time); the tool then schedules only the live products on them, so a
  // pruned layer reaches an interval below RF: ceil(live / limit).
  const mults = strategy === 'latency' ? Math.min(Math.ceil(p.total / rf), live) : Math.ceil(live / rf);
  const interval = strategy === 'latency' ? (rf > 1 && mults > 0 ? Math.ceil(live / mults) : 1) : rf;
  if (strategy === 'latency' && rf > 1 && interval < rf) notes.push(`${live} live products on ${mults} multipliers: interval ${interval} < reuse factor ${rf}`);
  const lut = isLutProduct(p.wa, p.wb, ctx);
  const dspEach = lut ? 0 : dspPerProduct(p.wa, p.wb, ctx.dspKind);
  let bram = 0;
  if (strategy === 'resource' && rf > 1) {
    // Weight banks are read in lockstep at the same address: one memory of depth RF and width
    // (multipliers x weight bits). Shallow ones become LUTRAM.
    const blocks = Math.ceil((p.nIn * p.nOut) / rf);
    if (rf >= LUTRAM_MAX_DEPTH && ctx.weightMemory === 'bram') bram = bramFor(rf, blocks * p.wb);
    notes.push(`weights in ${bram ? `${bram} BRAM_18K` : 'LUT ROM'} (${blocks} banks x ${rf} words x ${p.wb} bits)`);
  }
  if (p.zeros && strategy === 'latency') notes.push(`${p.zeros} zero weights need no multiplier`);
  if (p.pow2 && strategy === 'latency') notes.push(`${p.pow2} power-of-two weights are shifts`);
  const levels = Math.ceil(Math.log2(Math.max(1, p.nIn)));
  const latencyTerms: Record<string, number> =
    strategy === 'resource' ? { res_c: 1 } : rf > 1 ? { mul_ns: 1, add_ns: levels, lat_rf_c: 1 } : { mul_ns: 1, add_ns: levels };
  if (stream) latencyTerms.stream_c = 1;
  const cycles = strategy === 'resource' ? p.nPix * rf : rf > 1 ? p.nPix * interval : p.nPix - 1;
  if (strategy === 'latency' && !stream && p.nIn * p.nOut > HLS_PARTITION_LIMIT && rf === 1) {
    warnings.push(`layer ${layer.name}: ${p.nIn * p.nOut} weights fully unrolled (Latency strategy, reuse 1): beyond the ${HLS_PARTITION_LIMIT}-element unroll/partition limit of Vivado HLS; use a larger reuse factor or the Resource strategy`);
  }
  if (!stream && p.nIn > HLS_PARTITION_LIMIT) warnings.push(`layer ${layer.name}: input array of ${p.nIn} elements is partitioned completely, beyond the ${HLS_PARTITION_LIMIT}-element limit`);
  return {
    name: layer.name,
    op: layer.attrs.op,
    strategy,
    reuse: rf,
    multipliers: mults,
    dsp: mults * dspEach,
    bram_18k: bram,
    uram: 0,
    cycles,
    latencyTerms,
    ii: p.nPix * interval,
    // Features are split by strategy: an unrolled pipeline and a reuse loop spend LUTs and
    // registers on different things, so their coefficients are fitted apart.
    features: prefixed(strategy === 'resource' ? 'res_' : 'lat_', {
      mul_lut_bits: lut ? mults * p.wa * p.wb : 0,
      mul_dsp: lut ? 0 : mults,
      add_bits: mults * p.acc,
      shift_bits: strategy === 'latency' ? Math.ceil(p.pow2 / rf) * p.acc : 0,
      in_bits: p.nIn * p.wa,
      out_bits: p.nOut * p.acc,
      in_elems: p.nIn,
      out_elems: p.nOut,
      mux_bits: rf > 1 ? mults * (p.wa + p.wb) * Math.log2(rf) : 0,
      wrom_bits: strategy === 'resource' && bram === 0 ? p.nIn * p.nOut * p.wb : 0,
      k_dense: 1,
    }),
    notes,
    warnings,
  };
}

function prefixed(prefix: string, f: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [prefix + k, v]));
}

/**
 * Zero and power-of-two weights as the hardware sees them: after quantization to the weight type
 * (hls4ml writes the weights into weight_t, so a small weight can become 0 or one LSB).
 */
function kernelStats(w: Float32Array | Float64Array | undefined, n: number, wT: FixedType): { zeros: number; pow2: number } {
  if (!w) return { zeros: 0, pow2: 0 };
  const scale = 2 ** (wT.w - wT.i);
  const round = wT.q !== 'AP_TRN' && wT.q !== 'AP_TRN_ZERO';
  let zeros = 0;
  let pow2 = 0;
  for (let i = 0; i < w.length && i < n; i++) {
    const x = w[i]! * scale;
    const raw = round ? Math.round(x) : wT.q === 'AP_TRN_ZERO' ? Math.trunc(x) : Math.floor(x);
    if (raw === 0) zeros++;
    else if (isPow2(raw)) pow2++;
  }
  return { zeros, pow2 };
}

function inputType(g: Graph, l: Layer, ctx: ModelContext): FixedType {
  return ctx.tensorTypes.get(l.inputs[0] ?? '') ?? DEFAULT_TYPE;
}

function elems(g: Graph, tensor: string | undefined): number {
  const t = tensor ? g.tensors.get(tensor) : undefined;
  return t ? numel(t.shape) : 0;
}

/** Channels (last axis) and pixels (the rest) of a tensor. */
function pixels(g: Graph, tensor: string | undefined): { pix: number; ch: number } {
  const t = tensor ? g.tensors.get(tensor) : undefined;
  if (!t || t.shape.length === 0) return { pix: 1, ch: 1 };
  const ch = t.shape[t.shape.length - 1]!;
  return { pix: numel(t.shape) / Math.max(1, ch), ch };
}

function zeroCost(l: Layer, notes: string[] = []): LayerCost {
  return { name: l.name, op: l.attrs.op, dsp: 0, bram_18k: 0, uram: 0, cycles: 0, latencyTerms: {}, ii: 1, features: {}, notes, warnings: [] };
}

/** The structural cost of one layer. Records its result type in ctx.tensorTypes. */
export function layerCost(g: Graph, l: Layer, ctx: ModelContext): LayerCost {
  const typer = new Typer(l);
  const a = l.attrs;
  const stream = ctx.ioType === 'io_stream';
  const inT = inputType(g, l, ctx);
  const setResult = (t: FixedType) => {
    for (const o of l.outputs) ctx.tensorTypes.set(o, t);
  };
  // Element-wise layers after a Resource-strategy layer run as their own loop (a cycle or more);
  // after an unrolled Latency-strategy layer they fold into its pipeline.
  const upstream = ctx.tensorStrategy?.get(l.inputs[0] ?? '');
  const multiplies = a.op === 'Dense' || a.op === 'Conv' || a.op === 'DepthwiseConv';
  const own: Strategy | undefined = multiplies ? (l.strategy ?? ctx.strategy) : upstream;
  if (own) for (const o of l.outputs) ctx.tensorStrategy?.set(o, own);
  const actKey = upstream === 'resource' ? 'act_res_c' : 'act_c';
  const outN = elems(g, l.outputs[0]);
  const inN = elems(g, l.inputs[0]);
  const streamFeatures = (c: LayerCost, w: number): LayerCost => {
    if (!stream) return c;
    const { pix, ch } = pixels(g, l.outputs[0]);
    // FIFO between layers: one word of (channels x width) bits per pixel, as deep as the feature
    // map (hls4ml's default stream depth). Deep, wide FIFOs go to BRAM, small ones to shift
    // registers; a graph output is a top-level port, not a FIFO.
    const isPort = g.outputs.includes(l.outputs[0] ?? '');
    const bits = pix * ch * w;
    const fifoBram = !isPort && pix > SRL_MAX_DEPTH && bits > SRL_MAX_BITS ? bramFor(pix, ch * w) : 0;
    const notes = fifoBram ? [...c.notes, `output FIFO ${pix} x ${ch * w} bits in ${fifoBram} BRAM_18K`] : c.notes;
    return { ...c, bram_18k: c.bram_18k + fifoBram, notes, features: { ...c.features, fifo_bits: isPort ? 0 : bits, k_stream: 1 } };
  };
  switch (a.op) {
    case 'Input': {
      const t = l.precision.result;
      setResult(t && !isAuto(t) ? t : DEFAULT_TYPE);
      if (!t || isAuto(t)) return { ...zeroCost(l), warnings: [`input ${l.name}: precision ${t ? "'auto'" : 'missing'}, assumed fixed<16,6>`] };
      return zeroCost(l);
    }
    case 'Dense': {
      const wT = typer.get('weight');
      const accT = typer.get('accum');
      setResult(typer.get('result'));
      const k = l.weights.kernel?.data;
      const ks = kernelStats(k, a.nIn * a.nOut, wT);
      const c = multiplyCost(l, { nIn: a.nIn, nOut: a.nOut, nPix: 1, total: a.nIn * a.nOut, ...ks, wa: inT.w, wb: wT.w, acc: accT.w }, ctx, typer, stream);
      return streamFeatures(c, typer.get('result').w);
    }
    case 'Conv':
    case 'DepthwiseConv': {
      const wT = typer.get('weight');
      const accT = typer.get('accum');
      const resT = typer.get('result');
      setResult(resT);
      const kk = a.kernel.reduce((x, y) => x * y, 1);
      const out = pixels(g, l.outputs[0]);
      const inp = pixels(g, l.inputs[0]);
      const nIn = a.op === 'Conv' ? (kk * a.cIn) / a.groups : kk;
      const nOut = a.op === 'Conv' ? a.cOut : a.depthMultiplier;
      const chans = a.op === 'Conv' ? 1 : a.cIn;
      const k = l.weights.kernel?.data;
      const ks = kernelStats(k, nIn * nOut * chans, wT);
      const c = multiplyCost(
        l,
        { nIn, nOut, nPix: out.pix, total: nIn * nOut, zeros: Math.round(ks.zeros / chans), pow2: Math.round(ks.pow2 / chans), wa: inT.w, wb: wT.w, acc: accT.w },
        ctx,
        typer,
        stream,
      );
      // Depthwise: one such product per input channel, in parallel.
      const scaled: LayerCost =
        chans === 1
          ? c
          : {
              ...c,
              multipliers: (c.multipliers ?? 0) * chans,
              dsp: c.dsp * chans,
              features: Object.fromEntries(Object.entries(c.features).map(([f, v]) => [f, f.endsWith('k_dense') ? v : v * chans])),
            };
      if (stream) {
        // Line-buffer convolution: one input pixel per cycle (times the reuse factor).
        const cycles = inp.pix * (c.reuse ?? 1);
        return streamFeatures({ ...scaled, cycles, latencyTerms: { stream_c: 1, mul_ns: 1 }, ii: cycles + 1 }, resT.w);
      }
      return scaled;
    }
    case 'BatchNorm':
    case 'ScaleBias': {
      const sT = typer.get('scale');
      const resT = typer.get('result');
      setResult(resT);
      const n = stream ? pixels(g, l.outputs[0]).ch : outN;
      const lut = isLutProduct(inT.w, sT.w, ctx);
      const c: LayerCost = {
        ...zeroCost(l),
        multipliers: n,
        dsp: lut ? 0 : n * dspPerProduct(inT.w, sT.w, ctx.dspKind),
        latencyTerms: { mul_ns: 1 },
        features: { mul_lut_bits: lut ? n * inT.w * sT.w : 0, mul_dsp: lut ? 0 : n, add_bits: n * resT.w, out_bits: n * resT.w, k_elem: 1 },
      };
      return streamFeatures(c, resT.w);
    }
    case 'Activation': {
      const resT = typer.get('result');
      setResult(resT);
      const n = stream ? pixels(g, l.outputs[0]).ch : outN;
      if (TABLE_ACTIVATIONS.has(a.activation)) {
        const size = l.tableSize ?? DEFAULT_TABLE_SIZE;
        const tT = typer.get('table', DEFAULT_TABLE_TYPE);
        // One ROM copy per two parallel lookups (dual-port BRAM).
        const bram = Math.ceil(n / 2) * bramFor(size, tT.w);
        const c: LayerCost = {
          ...zeroCost(l, [`${n} lookups into a ${size} x ${tT.w}-bit table`]),
          bram_18k: bram,
          latencyTerms: { table_c: 1 },
          features: { table_lookups: n, table_idx_bits: n * inT.w, out_bits: n * resT.w, k_table: 1 },
        };
        return streamFeatures(c, resT.w);
      }
      const c: LayerCost = {
        ...zeroCost(l),
        latencyTerms: { [actKey]: 1 },
        features: { act_bits: n * inT.w, act_elems: n, k_act: 1, ...(a.activation === 'prelu' ? { mul_lut_bits: n * inT.w * 4 } : {}) },
      };
      return streamFeatures(c, resT.w);
    }
    case 'Softmax': {
      const resT = typer.get('result');
      setResult(resT);
      const n = stream ? pixels(g, l.outputs[0]).ch : outN;
      const expT = typer.get('exp_table', DEFAULT_TABLE_TYPE);
      const invT = typer.get('inv_table', DEFAULT_TABLE_TYPE);
      const size = l.tableSize ?? DEFAULT_TABLE_SIZE;
      const bram = Math.ceil(n / 2) * bramFor(size, expT.w) + bramFor(size, invT.w);
      const lut = isLutProduct(expT.w, invT.w, ctx);
      const c: LayerCost = {
        ...zeroCost(l, [`softmax over ${n}: ${n} exp lookups, 1 inverse lookup, ${n} multiplications`]),
        multipliers: n,
        dsp: lut ? 0 : n * dspPerProduct(expT.w, invT.w, ctx.dspKind),
        bram_18k: bram,
        latencyTerms: { softmax_c: 1, add_ns: Math.ceil(Math.log2(Math.max(2, n))) },
        features: { table_lookups: n + 1, add_bits: n * expT.w, mul_dsp: lut ? 0 : n, mul_lut_bits: lut ? n * expT.w * invT.w : 0, out_bits: n * resT.w, k_table: 1 },
      };
      return streamFeatures(c, resT.w);
    }
    case 'Pool':
    case 'GlobalPool': {
      const resT = typer.get('result', inT);
      const accT = a.mode === 'avg' ? typer.get('accum', inT) : inT;
      setResult(resT);
      const window = a.op === 'Pool' ? a.pool.reduce((x, y) => x * y, 1) : Math.max(1, inN / Math.max(1, pixels(g, l.inputs[0]).ch));
      const c: LayerCost = {
        ...zeroCost(l),
        latencyTerms: stream ? { stream_c: 1 } : { pool_c: 1 },
        cycles: stream ? pixels(g, l.inputs[0]).pix : 0,
        ii: stream ? pixels(g, l.inputs[0]).pix + 1 : 1,
        features: { pool_bits: outN * window * accT.w, out_bits: outN * resT.w, k_pool: 1 },
      };
      return streamFeatures(c, resT.w);
    }
    case 'Merge': {
      const resT = typer.get('result', inT);
      setResult(resT);
      const c: LayerCost = { ...zeroCost(l), latencyTerms: { [actKey]: 1 }, features: { add_bits: outN * resT.w, k_act: 1 } };
      return streamFeatures(c, resT.w);
    }
    case 'Quant': {
      const resT = typer.get('result', inT);
      setResult(resT);
      return zeroCost(l, ['quantizer folded into the neighbouring layers']);
    }
    default: {
      // Reshape, Flatten, Transpose, Concat, Pad, Crop, Resize, Identity, Dropout: wiring only.
      const t = l.precision.result;
      setResult(t && !isAuto(t) ? t : inT);
      const c = zeroCost(l);
      return stream ? streamFeatures(c, inT.w) : c;
    }
  }
}
