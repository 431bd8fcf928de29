/**
 * @fileoverview The structural cost model's shared pieces: what the HLS code instantiates. The
 * per-op models that use them are the table of layer-models.ts.
 *
 * For each layer the model decides the reuse factor actually used, the multipliers (how many, of what
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
 *   table_c    table activation (one ROM read; the softmax has two);  softmax_c  softmax control
 *   softmax_ns the softmax's logic besides its sum tree and product (max, differences, indices)
 *              (an io_parallel pooling window's log2 window comparator / adder levels take add_ns
 *              each, chained like an adder tree: a 2x2 window at 5 ns is combinational, as hls4ml
 *              CI's pooling reports show);  stream_c  per-layer overhead of a streamed layer
 *   roll_c     cycles per product of a layer the tool does not unroll (beyond its limits)
 *   ns7_scale  not a term: the factor by which the depth `*_ns` constants are stretched on a
 *              7-series part (DSP48E1), whose logic is slower than the UltraScale(+) parts'
 * Constants named `px_*` are per pixel of a streamed layer and belong to its streaming time (the
 * part that overlaps with the other layers of a dataflow region, see estimate.ts):
 *   px_res_c   per output pixel of a Resource-strategy streamed convolution (its multiply loop's fill)
 *   px_lat_c   per input pixel of a Latency-strategy streamed convolution (line-buffer shift, stream read)
 *   px_lat_ns  per input pixel of a Latency-strategy streamed convolution with reuse > 1: the chain
 *              each pixel iteration must close before the next (shared multiplier, accumulation,
 *              line-buffer update), in nanoseconds, rounded up to whole cycles per pixel (so the
 *              pixel interval grows as the clock shortens)
 *   px_ii_c    per input pixel: the best-case interval of a Resource-strategy streamed convolution,
 *              whose pixel loop is not pipelined and computes only at output positions (the
 *              report's Interval-min is the path that does not compute)
 */

import type { Graph, Layer, Strategy } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { FixedType, TypeSpec } from '../fixed/type.js';
import { fixedType, isAuto } from '../fixed/type.js';
import { closestReuseFactor } from './reuse.js';
import type { DspKind } from './devices.js';
import { dspWidths } from './devices.js';
import type { IoType, MultiplierImpl } from './types.js';
import { castStats, rawOf } from '../emulator/weights.js';

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

export const TABLE_ACTIVATIONS = new Set(['sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softsign']);

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
  /**
   * Constant multiplications whose constant has at most this many non-zero signed digits (CSD) are
   * built as shifts and adds in LUTs, not DSPs (calibrated per tool: Vitis HLS does this for many
   * more constants than Vivado HLS). 1 = only powers of two.
   */
  readonly csdMaxDigits?: number;
  /**
   * Vivado HLS does not unroll / partition beyond HLS_PARTITION_LIMIT elements: such a Latency layer
   * becomes a rolled loop on one multiplier. Vitis HLS unrolls it (at a high compile cost).
   */
  readonly rollsBeyondLimit?: boolean;
  /**
   * Set when some layer of this io_parallel design is rolled: the top function can then no longer
   * be pipelined as a whole, and Vivado HLS keeps every Latency-strategy multiply loop rolled (the
   * public 2622-100-10-6 design used 9 DSPs in all).
   */
  readonly rollAll?: boolean;
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
  /** The layer accepts a new sample only when it is done (recurrences): its II is its latency. */
  readonly iiIsLatency?: boolean;
  /**
   * Calibrated per-pixel terms (`px_*`) added to `ii`: the interval of a streamed layer whose pixel
   * loop costs more than its structural cycles (see the file comment).
   */
  readonly iiTerms?: Readonly<Record<string, number>>;
  /** With iiTerms: ii = iiBase + the terms (when the calibration has them all; else `ii`). */
  readonly iiBase?: number;
  readonly features: Readonly<Record<string, number>>;
  readonly notes: string[];
  /** Problems the user should see (default precision assumed, HLS limits). */
  readonly warnings: string[];
  /** Streamed layer working pixel by pixel (overlaps with its neighbours in the dataflow region). */
  readonly pixelStream?: boolean;
  /**
   * An unrolled Latency-strategy adder tree: n_out sums of n_in products of `acc` bits, `copies`
   * times (depthwise channels). Its pipeline registers are counted once the depth is known.
   */
  readonly tree?: { readonly nIn: number; readonly nOut: number; readonly acc: number; readonly copies: number; readonly dspProducts?: boolean };
  /**
   * An io_parallel element-wise layer (ReLU and the like): logic only. HLS chains it with its
   * neighbours; its output is registered only where a clock cut falls, which the next layer's
   * input register counts (lat_in_reg_bits). No FF of its own (estimate.ts, calibrate.ts).
   */
  readonly chained?: boolean;
  /**
   * Features that stand for none of this layer's registers: left out of its FF (a FF-only feature
   * counts them instead), kept in its LUT.
   */
  readonly ffExclude?: readonly string[];
  /** A design input: bits of the top function's input port (the registers of a combinational design, estimate.ts). */
  readonly portBits?: number;
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

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Non-zero digits of the canonical signed-digit form of an integer (1 for a power of two). */
export function csdDigits(v: number): number {
  let n = Math.abs(Math.round(v));
  // Below 2^30 (every weight of a type up to 31 bits), the non-adjacent form's digit masks in a
  // few int32 operations: x3 = 3n/2 (shifted), the bits where n/2 and 3n/2 differ are the digits,
  // + where 3n/2 has a one, - where n/2 has one. The estimate counts every weight of the model
  // (10M parameters: 0.5 s with the loop below).
  if (n < 0x40000000) {
    const xh = n >>> 1;
    const x3 = n + xh;
    const c = xh ^ x3;
    return popcount32(x3 & c) + popcount32(xh & c);
  }
  let d = 0;
  while (n > 0) {
    if (n & 1) {
      d++;
      // A run of ones ...0111 becomes 100-1: take -1 here and carry.
      n = (n & 3) === 3 ? n + 1 : n - 1;
    }
    n = Math.floor(n / 2);
  }
  return d;
}

export class Typer {
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

export interface Product {
  nIn: number;
  nOut: number;
  /** Positions the product is evaluated at (output pixels of a conv, 1 for dense). */
  nPix: number;
  /** Products per position before reuse (after dropping zero / power-of-two weights). */
  total: number;
  /** Products by a constant built from shifts and adds (few CSD digits), no multiplier. */
  pow2: number;
  zeros: number;
  /**
   * Adders of the constant multiplications per position: sum over non-zero weights of (CSD digits - 1),
   * split into the shift-add constants (`addsShift`, those counted in pow2) and all of them (`addsAll`).
   * Without a kernel: undefined (a third of the weight bits non-zero, the CSD average, is assumed).
   */
  addsShift?: number;
  addsAll?: number;
  /** Products per position that repeat another of the same input and constant (KernelStats.shared): no multiplier of their own. */
  shared?: number;
  wa: number;
  wb: number;
  acc: number;
  kernel?: Float32Array | Float64Array;
}

/** A dense-like multiply: reuse snapping, multipliers, DSPs, weight memory, cycles. */
export function multiplyCost(layer: Layer, p: Product, ctx: ModelContext, typer: Typer, stream: boolean): LayerCost {
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
  // Beyond the unroll / complete-partition limit Vivado HLS keeps the weight array in memory and
  // the multiply loop rolled: one multiplier, a few cycles per product (the 262k-weight layer of
  // the public truth ran 1 067 261 cycles on 9 DSPs).
  const beyond = p.nIn * p.nOut > HLS_PARTITION_LIMIT;
  const rolled = strategy === 'latency' && !stream && ctx.rollsBeyondLimit === true && (beyond || ctx.rollAll === true);
  if (rolled) {
    warnings.push(
      beyond
        ? `layer ${layer.name}: ${p.nIn * p.nOut} weights exceed the ${HLS_PARTITION_LIMIT}-element unroll/partition limit of Vivado HLS: the tool keeps the loop rolled (one multiplier, ${p.nIn * p.nOut} sequential products, and the design is no longer pipelined); use the Resource strategy with a reuse factor`
        : `layer ${layer.name}: not unrolled either, since another layer exceeds the unroll/partition limit and the top function cannot be pipelined`,
    );
    const dspEach1 = isLutProduct(p.wa, p.wb, ctx) ? 0 : dspPerProduct(p.wa, p.wb, ctx.dspKind);
    return {
      name: layer.name,
      op: layer.attrs.op,
      strategy,
      reuse: rf,
      multipliers: 1,
      dsp: dspEach1,
      bram_18k: bramFor(p.nIn * p.nOut, p.wb),
      uram: 0,
      cycles: 0,
      latencyTerms: { roll_c: p.nPix * p.nIn * p.nOut },
      // 0: not pipelined, the design's interval is its whole latency (estimate.ts).
      ii: 0,
      // A rolled loop keeps one multiplier, one accumulator and its counters: its own small features.
      features: { roll_mul_bits: p.wa * p.wb, roll_acc_bits: p.acc, k_roll: 1 },
      notes: [...notes, 'rolled loop: beyond the unroll/partition limit'],
      warnings,
    };
  }
  // hls4ml limits the multipliers to multiplier_limit = ceil(n_in*n_out / RF) - floor(n_zeros / RF)
  // (its config struct; the tool honours it in both strategies: the pruned public designs use that
  // many DSPs, e.g. 4-128-3 at RF 8 with 672 zeros: 28 + softmax). In the Latency strategy the tool
  // then schedules only the live products on them, so a pruned layer can reach an interval below
  // RF: ceil(live / limit).
  const limit = Math.max(1, Math.ceil(p.total / rf) - Math.floor(p.zeros / rf));
  // Latency strategy: the weights are constants of the unrolled code, and the tool builds a
  // repeated product (same input, same constant) once: Vitis HLS 2021.1 projects with multipliers
  // forced to DSPs use exactly one DSP per distinct (input, constant) pair of 3+ CSD digits
  // (ArgyKokk HAR fc2: 156 of 227 such products; Breast_cancer fc1: 25; CARDIO fc1: 32, fc2: 1).
  // `issued`: the multiplications the code issues under multiplier_limit; `mults`: those HLS builds.
  const issued = strategy === 'latency' ? Math.min(limit, live) : Math.min(limit, Math.ceil(live / rf));
  const distinct = strategy === 'latency' ? Math.max(0, live - (p.shared ?? 0)) : live;
  const mults = strategy === 'latency' ? Math.min(limit, distinct) : issued;
  // The interval stays that of the issued products (hls4ml pipelines the reuse loop at II = reuse
  // factor; the ArgyKokk reuse-2 designs keep II 2 on their reuse-1 DSP count).
  const interval = strategy === 'latency' ? (rf > 1 && issued > 0 ? Math.ceil(live / issued) : 1) : rf;
  if (strategy === 'latency' && rf > 1 && interval < rf) notes.push(`${live} live products on ${issued} multipliers: interval ${interval} < reuse factor ${rf}`);
  if (strategy === 'latency' && p.shared) notes.push(`${p.shared} products repeat another of the same input and weight: built once`);
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
  // A multiplication by a constant built in LUTs is not a wa x wb array multiplier: synthesis
  // builds it from shifted copies of the input, one adder (about wa + wb bits wide) per non-zero
  // CSD digit after the first. Only Latency layers multiply by constants (hls4ml instantiates the
  // weights into the unrolled code); a shared multiplier (Resource strategy) sees a different
  // weight every cycle. In a Latency layer with reuse > 1 the multiplier_limit allocation shares
  // only the products HLS keeps as multiplications: a product it builds from shifts and adds is no
  // multiplication, so it stays unrolled, one per weight, whatever the reuse factor; so do the
  // adders of the accumulation (the loop is unrolled and pipelined at II = reuse factor, and
  // additions are not limited).
  const constMults = strategy === 'latency' && rf === 1;
  const liveNonZero = Math.max(0, p.total - p.zeros);
  const avgAdds = Math.max(0, Math.ceil(p.wb / 3) - 1);
  const constAdds = strategy !== 'latency' ? 0 : constMults && lut ? (p.addsAll ?? liveNonZero * avgAdds) : (p.addsShift ?? 0);
  const levels = Math.ceil(Math.log2(Math.max(1, p.nIn)));
  const latencyTerms: Record<string, number> =
    strategy === 'resource' ? { res_c: 1 } : rf > 1 ? { mul_ns: 1, add_ns: levels, lat_rf_c: 1 } : { mul_ns: 1, add_ns: levels };
  if (stream) latencyTerms.stream_c = 1;
  const cycles = strategy === 'resource' ? p.nPix * rf : rf > 1 ? p.nPix * interval : p.nPix - 1;
  if (strategy === 'latency' && p.nIn * p.nOut > HLS_PARTITION_LIMIT && rf === 1) {
    warnings.push(`layer ${layer.name}: ${p.nIn * p.nOut} weights fully unrolled (Latency strategy, reuse 1): beyond the ${HLS_PARTITION_LIMIT}-element unroll/partition limit (Vivado HLS keeps such loops rolled; Vitis HLS unrolls them at a large compile time); use a larger reuse factor or the Resource strategy`);
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
    // One set of coefficients per strategy, shared by io types: splitting them by io type fits the
    // known records better but generalises worse (leave-one-repository-out LUT/FF error grew).
    features: prefixed(strategy === 'resource' ? 'res_' : 'lat_', {
      // The LUT / FF features keep one term per issued product (the fit's proxy for the logic
      // around each product: its operand wiring, sign extension and adder-tree input); a product
      // shared by several outputs still feeds each of their adders. Counting only the built ones
      // here moved the fitted coefficients and cost the other data sets (public LUT median 24.1 ->
      // 25.4%, over its target; hls4ml CI LUT 203 -> 226%, FF 188 -> 192%) with no gain on any.
      mul_lut_bits: lut && !constMults ? issued * p.wa * p.wb : 0,
      kcm_bits: constAdds * (p.wa + p.wb),
      mul_dsp: lut ? 0 : issued,
      add_bits: (strategy === 'latency' ? live : issued) * p.acc,
      shift_bits: strategy === 'latency' ? p.pow2 * p.acc : 0,
      in_bits: p.nIn * p.wa,
      out_bits: p.nOut * p.acc,
      in_elems: p.nIn,
      out_elems: p.nOut,
      mux_bits: rf > 1 ? issued * (p.wa + p.wb) * Math.log2(rf) : 0,
      // LUT6 of a Latency layer's RF:1 operand muxes: a tree of 4:1 muxes, (N - 1) / 3 LUT6 per bit
      // of an N:1 mux (mux_bits, log2 N select levels, undercounts a wide one: 2 LUT per bit at
      // reuse 16 where synthesis needs 5). mux_bits remains the FF fit's operand-register feature.
      ...(strategy === 'latency' ? { mux_tree_bits: rf > 1 ? (issued * (p.wa + p.wb) * (rf - 1)) / 3 : 0 } : {}),
      wrom_bits: strategy === 'resource' && bram === 0 ? p.nIn * p.nOut * p.wb : 0,
      k_dense: 1,
    }),
    notes,
    warnings,
    // A Latency layer with reuse > 1 is the same unrolled tree pipelined at II = reuse factor:
    // its stage registers are there too.
    ...(strategy === 'latency' ? { tree: { nIn: p.nIn, nOut: p.nOut, acc: p.acc, copies: 1, dspProducts: !lut } } : {}),
  };
}

function prefixed(prefix: string, f: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [prefix + k, v]));
}

/**
 * Zero and power-of-two weights as the hardware sees them: after quantization to the weight type
 * (hls4ml writes the weights into weight_t, so a small weight can become 0 or one LSB).
 */
export interface KernelStats {
  zeros: number;
  pow2: number;
  addsShift?: number;
  addsAll?: number;
  /**
   * Multiplications HLS does not build: a product of the same input by the same constant (its sign
   * included) that another output of the layer already has. The unrolled code multiplies each
   * input by each of its weights; the tool merges identical products, so a row of the kernel (one
   * input) needs one multiplier per distinct constant it is not building from shifts and adds.
   * Counted only when the caller gives the row length (the kernel's last dimension).
   */
  shared?: number;
}

const statsCache = new WeakMap<Float32Array | Float64Array, Map<string, KernelStats>>();

/**
 * `zerosOnly`: a Resource-strategy layer multiplies every weight read from memory, so only its zero
 * count matters (hls4ml's multiplier_limit); the digit counts of a Latency layer's constants are
 * not made for it (pow2 0, no adds: a 0.5M-weight Resource model's estimate skipped 13 ms of them).
 */
export function kernelStats(w: Float32Array | Float64Array | undefined, n: number, wT: FixedType, csdMax = 1, zerosOnly = false, rowLen = 0): KernelStats {
  if (!w) return { zeros: 0, pow2: 0 };
  // Calibration rebuilds the costs of the same graphs many times: count each kernel once (IR
  // weights are immutable, so the array identifies its contents).
  const key = `${n}/${wT.w}/${wT.i}/${wT.q}/${csdMax}/${rowLen}`;
  let m = statsCache.get(w);
  if (!m) statsCache.set(w, (m = new Map()));
  const hit = m.get(key) ?? (zerosOnly ? m.get(`${key}/zeros`) : undefined);
  if (hit) return zerosOnly ? { zeros: hit.zeros, pow2: 0 } : hit;
  const r = zerosOnly ? { zeros: countZeros(w, n, wT), pow2: 0 } : countKernel(w, n, wT, csdMax, rowLen);
  m.set(zerosOnly ? `${key}/zeros` : key, r);
  return r;
}

/** countKernel's zeros alone (the raw integer of w * 2^F under the weight type's rounding: saturation does not make or undo a zero). */
function countZeros(w: Float32Array | Float64Array, n: number, wT: FixedType): number {
  // Whole arrays: counted with the cast statistics the weight checks already made (src/emulator/weights.ts).
  const st = n >= w.length ? castStats(w, wT) : undefined;
  if (st) return st.rawZeros;
  const scale = 2 ** (wT.w - wT.i);
  const q = wT.q;
  let zeros = 0;
  for (let i = 0; i < w.length && i < n; i++) if (rawOf(w[i]! * scale, q) === 0) zeros++;
  return zeros;
}

function countKernel(w: Float32Array | Float64Array, n: number, wT: FixedType, csdMax: number, rowLen: number): KernelStats {
  const scale = 2 ** (wT.w - wT.i);
  const q = wT.q;
  let zeros = 0;
  let pow2 = 0;
  let addsShift = 0;
  let addsAll = 0;
  let shared = 0;
  // The multiplied constants of the current row (one input's weights), to find repeated ones.
  const seen = new Set<number>();
  for (let i = 0; i < w.length && i < n; i++) {
    if (rowLen > 0 && i % rowLen === 0) seen.clear();
    const raw = rawOf(w[i]! * scale, q);
    if (raw === 0) {
      zeros++;
      continue;
    }
    const d = csdDigits(raw);
    addsAll += d - 1;
    if (d <= csdMax) (pow2++, (addsShift += d - 1));
    else if (rowLen > 0) seen.has(raw) ? shared++ : seen.add(raw);
  }
  return rowLen > 0 ? { zeros, pow2, addsShift, addsAll, shared } : { zeros, pow2, addsShift, addsAll };
}

export function inputType(g: Graph, l: Layer, ctx: ModelContext): FixedType {
  return ctx.tensorTypes.get(l.inputs[0] ?? '') ?? DEFAULT_TYPE;
}

export function elems(g: Graph, tensor: string | undefined): number {
  const t = tensor ? g.tensors.get(tensor) : undefined;
  return t ? numel(t.shape) : 0;
}

/** Channels (last axis) and pixels (the rest) of a tensor. */
export function pixels(g: Graph, tensor: string | undefined): { pix: number; ch: number } {
  const t = tensor ? g.tensors.get(tensor) : undefined;
  if (!t || t.shape.length === 0) return { pix: 1, ch: 1 };
  const ch = t.shape[t.shape.length - 1]!;
  return { pix: numel(t.shape) / Math.max(1, ch), ch };
}

export function zeroCost(l: Layer, notes: string[] = []): LayerCost {
  return { name: l.name, op: l.attrs.op, dsp: 0, bram_18k: 0, uram: 0, cycles: 0, latencyTerms: {}, ii: 1, features: {}, notes, warnings: [] };
}


/**
 * Register bits of an unrolled adder tree cut into `stages` pipeline stages: at each cut, the
 * partial sums still alive (n_out x n_in / 2^level values of `acc` bits). This, not one register per
 * product bit, is what the FF of a Latency-strategy layer are.
 */
export function pipelineRegisterBits(tree: NonNullable<LayerCost['tree']>, stages: number): number {
  if (stages <= 0) return 0;
  const levels = Math.ceil(Math.log2(Math.max(1, tree.nIn)));
  let bits = 0;
  for (let k = 1; k <= stages; k++) {
    const level = Math.min(levels, Math.round((k * levels) / stages));
    // A cut right after DSP products is the DSP's own output register, not fabric FF.
    if (level === 0 && tree.dspProducts) continue;
    bits += tree.nOut * Math.ceil(tree.nIn / 2 ** level) * tree.acc;
  }
  return bits * tree.copies;
}
