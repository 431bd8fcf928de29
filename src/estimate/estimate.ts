/**
 * @fileoverview `estimate(graph, opts)`: per-layer and total latency, II and resources of the HLS
 * design fastml would write for a graph, with utilization of the target device and warnings.
 *
 * Structure (model.ts) gives DSP, BRAM and loop cycles; calibrated constants (calibration.json,
 * fitted by calibrate.ts on ../shared/truth) give pipeline depths, LUT and FF. Every figure says
 * where it comes from in `source`.
 */

import { checkClock } from '../diagnostics/limits.js';
import type { Graph, Strategy } from '../ir/graph.js';
import { FIGURE_KEYS } from './types.js';
import calibrationJson from './calibration.json' with { type: 'json' };
import { resolveTarget } from './devices.js';
import type { ResolvedTarget } from './devices.js';
import { HLS_PARTITION_LIMIT, pipelineRegisterBits } from './model.js';
import { layerCost } from './layer-models.js';
import { registerCuts } from './register-cuts.js';
import type { LayerCost, ModelContext } from './model.js';
import type {
  Backend,
  Calibration,
  Estimate,
  EstimateOptions,
  FamilyCalibration,
  Figures,
  IoType,
  RangeFields,
  LayerEstimate,
  Utilization,
} from './types.js';

export const SHIPPED_CALIBRATION = calibrationJson as unknown as Calibration;

export const DEFAULT_CLOCK_NS = 5;

/** Graph-level latency constants (cycles): top-level overhead for io_parallel and io_stream. */
const TOP_KEYS = { io_parallel: 'top_c', io_stream: 'top_stream_c' } as const;

export function toolName(backend: Backend, version?: string): string {
  const v = version ? ` ${version}` : '';
  return backend === 'vivado' ? `Vivado HLS${v} (model calibrated on Vivado HLS 2020.1 reports)` : `Vitis HLS${v} (model calibrated on Vitis HLS 2020.1-2024.1 reports)`;
}

/** A layer's features as its FF see them: without those that stand for none of its registers (LayerCost.ffExclude). */
export function ffFeaturesOf(f: Readonly<Record<string, number>>, c: LayerCost): Readonly<Record<string, number>> {
  if (!c.ffExclude?.length) return f;
  const out = { ...f };
  for (const k of c.ffExclude) delete out[k];
  return out;
}

function linear(coef: Readonly<Record<string, number>>, features: Readonly<Record<string, number>>): number {
  let s = 0;
  for (const [f, v] of Object.entries(features)) s += (coef[f] ?? 0) * v;
  return s;
}

/**
 * Timing of one layer from its structural cycles and calibrated terms: `stream` is the part spent
 * on the pixels of a streamed feature map (loop trip counts and `px_*` terms), which overlaps with
 * the neighbouring layers in a dataflow region; `depth` is the pipeline depth and overheads.
 */
export function layerTiming(c: LayerCost, fam: FamilyCalibration, clockNs: number, scale = 1): { stream: number; depth: number } {
  let stream = c.cycles;
  let cyc = 0;
  let ns = 0;
  for (const [k, n] of Object.entries(c.latencyTerms)) {
    const v = fam.latency[k] ?? 0;
    if (k.startsWith('px_')) stream += pixelCycles(k, v, clockNs) * n;
    else if (k.endsWith('_ns')) ns += v * n * scale;
    else cyc += v * n;
  }
  return { stream: Math.max(0, Math.round(stream)), depth: Math.max(0, Math.round(cyc) + Math.floor(ns / clockNs + 1e-9)) };
}

/**
 * Cycles per pixel of a `px_*` constant: whole cycles as fitted, or (`px_*_ns`) a chain one pixel
 * iteration must close before the next, rounded up to whole clock periods (0 ns costs nothing).
 */
export function pixelCycles(key: string, v: number, clockNs: number): number {
  return key.endsWith('_ns') ? Math.ceil(v / clockNs - 1e-9) : v;
}

/** Interval of one layer: structural, plus calibrated per-pixel terms; a recurrence's is its latency. */
export function layerIi(c: LayerCost, fam: FamilyCalibration, clockNs: number, latency: number): number {
  if (c.iiIsLatency) return Math.max(1, latency);
  // A calibration without the terms (an older user calibration) keeps the structural interval.
  if (!c.iiTerms || Object.keys(c.iiTerms).some((k) => fam.latency[k] === undefined)) return c.ii;
  let extra = 0;
  for (const [k, n] of Object.entries(c.iiTerms)) extra += pixelCycles(k, fam.latency[k]!, clockNs) * n;
  return Math.max(1, Math.round((c.iiBase ?? c.ii) + extra));
}

/**
 * How much longer the pipeline-depth logic (multipliers, adder trees, softmax: the `*_ns` depth
 * constants) takes on this part than on the UltraScale(+) parts most reports come from: on a
 * 7-series part (DSP48E1: older process, slower carry chains and routing) a fitted factor
 * (ns7_scale), else 1. A calibration without the factor (an older user calibration) uses 1. The
 * per-pixel recurrence of streamed convolutions (px_lat_ns) is not scaled: the 7-series rows
 * (2.5-25 ns) fit it unscaled and scaling it made them worse. Nor are the per-layer pipeline
 * registers the FF model counts (depthFeatures, at the unscaled depth): counting the 7-series
 * stages made the held-out FF error worse (public designs, median 28.5% -> 38.6%). The cuts placed
 * along an io_parallel reuse-1 chain (designDepthFeatures) are as many as the scaled chain's cycles.
 */
export function nsScale(dspKind: string, fam: FamilyCalibration): number {
  return dspKind === 'DSP48E1' ? (fam.latency.ns7_scale ?? 1) : 1;
}

/** Latency of one layer on its own. */
export function layerLatency(c: LayerCost, fam: FamilyCalibration, clockNs: number): number {
  const t = layerTiming(c, fam, clockNs);
  return t.stream + t.depth;
}

/**
 * Features that depend on the pipeline depth of an unrolled adder tree.
 *
 * lat_stage_bits (FF): the registers at the tree's clock cuts. Their number follows the latency
 * model's own chain for the layer: its multiplier and adder levels in nanoseconds (the `*_ns`
 * terms of its latencyTerms, at the unscaled depth, see nsScale), cut at every full clock period.
 * A streamed Latency convolution's chain also counts its adder tree (chainPeriods).
 * Whole-cycle overheads (a streamed layer's stream_c, a reuse loop's lat_rf_c) are control and
 * handshake cycles, not copies of every partial sum: counted as stages they gave a tree two or
 * more extra register sets on every streamed layer, so the FF fit put its error on other features
 * once the merged latency model refitted the depth constants (held-out public FF 44.3/27.2% ->
 * 41.1/24.2% with the chain alone, same latency constants).
 *
 * lat_pipe_bits (LUT only, LUT_ONLY in calibrate.ts): the same partial sums at as many cuts as the
 * layer's whole modelled depth; the LUT fit's measure of the tree's width along its depth.
 *
 * lat_in_reg_bits (FF only): the layer's input bits times the chance that a clock cut falls
 * between it and its producer. HLS chains the operations of a pipelined top function until a
 * clock period is full, wherever layer boundaries are: a chain of p periods takes floor(p) cuts
 * inside the layer (lat_stage_bits) and leaves p - floor(p) of a period over, the expected share
 * of a cut at its input, so a design's cuts number its chain in periods (the 4-128-3 MLP at 25 ns
 * registers under half its hidden layer). A streamed layer reads its input from a FIFO and a reuse
 * loop holds it for its whole interval: registered in full. This is the only register of a layer
 * boundary: lat_in_bits (a fixed input register) and out_bits are LUT features only (LUT_ONLY in
 * calibrate.ts). Earlier, with lat_in_bits in the FF fit too: held-out public FF 41.1/24.2% ->
 * 40.8/22.3%; replacing lat_in_bits in the FF fit gave 39.6/25.5%, and min(1, p) instead of the
 * fraction 41.3/25.2%.
 *
 * Both are a layer's own count. In an io_parallel chain of reuse-1 Latency layers the design's
 * cuts are placed across layer boundaries instead (designDepthFeatures, register-cuts.ts): as many
 * as the layers' whole cuts here, where the fewest bits are alive; the fraction rule above (up to
 * two cuts per layer, the widest at its input) then only applies to streamed layers and reuse loops.
 */
export function depthFeatures(c: LayerCost, fam: FamilyCalibration, clockNs: number): Record<string, number> {
  if (!c.tree) return {};
  const periods = chainPeriods(c, fam, clockNs);
  const stages = Math.max(0, Math.floor(periods + 1e-9));
  // A streamed layer reads its input from a FIFO and a reuse loop holds it for its whole
  // interval: registered in full. Otherwise the fraction of a period left over by the whole cuts.
  const held = c.latencyTerms.stream_c !== undefined || c.latencyTerms.lat_rf_c !== undefined;
  const inCut = held ? 1 : Math.max(0, periods - stages);
  return {
    lat_pipe_bits: pipelineRegisterBits(c.tree, layerTiming(c, fam, clockNs).depth),
    lat_stage_bits: pipelineRegisterBits(c.tree, stages),
    lat_in_reg_bits: (c.features.lat_in_bits ?? 0) * inCut,
  };
}

/**
 * A tree layer's chain (its multiplier and adder levels, unscaled nanoseconds) in clock periods.
 *
 * A streamed Latency convolution (px_lat_c: line-buffer pixel loop) computes each window's
 * products and their adder tree (log2 of kernel x input channels levels) inside its pixel
 * iteration. Its latency terms time only the multiplier (mul_ns): the tree's depth overlaps the
 * pixel loop, which px_lat_c / px_lat_ns time. Its registers do not overlap: the tree is cut at
 * every clock period like a dense layer's, so its adder levels (add_ns each) count here, for the
 * stage registers only. Without them a streamed convolution had no stage registers at all below
 * a clock as short as its multiplier, and the fitted per-pool constant (k_pool) carried their FF
 * instead. Held-out FF (leave-one-repository-out, MAPE / median APE %): public 34.9/22.9 ->
 * 32.8/20.1, hls4ml CI 188.0/15.3 -> 186.2/15.3, ArgyKokk 36.50/39.88 -> 36.49/39.88, wa-hls4ml
 * unchanged (42.0/41.3); LUT and latency unchanged (the count feeds FF features only).
 * Tried beside it and not kept: the same stage registers for a Resource layer's per-cycle adder
 * trees (public 32.5/19.2, but in-sample hls4ml CI 17.5 -> 17.8% and wa-hls4ml 3.71 -> 3.76%;
 * without the multiplier in the chain public 32.6/20.1, in-sample CI 17.7%); a FIFO's control
 * registers (one FIFO per channel, ~40 FF in BRAM, ~6 as a shift register: public 37.9/30.3,
 * measured before this change; the BRAM ones alone, with it, 33.2/20.4, ArgyKokk and wa-hls4ml
 * worse); the Latency layers' per-input-element FF left out where the input is held (streamed,
 * reuse loop), measured before this change: public 45.0/27.7.
 */
function chainPeriods(c: LayerCost, fam: FamilyCalibration, clockNs: number): number {
  let ns = 0;
  for (const [k, n] of Object.entries(c.latencyTerms)) if (k.endsWith('_ns') && !k.startsWith('px_')) ns += (fam.latency[k] ?? 0) * n;
  if (c.latencyTerms.px_lat_c !== undefined && c.tree) ns += Math.ceil(Math.log2(Math.max(1, c.tree.nIn))) * (fam.latency.add_ns ?? 0);
  return ns / clockNs;
}

/**
 * depthFeatures of every layer of a design, with the register cuts of its io_parallel Latency
 * chains placed across layer boundaries (register-cuts.ts): a layer of such a chain has the bits
 * of the cuts that fall in it as its lat_stage_bits, and no lat_in_reg_bits (a cut at its input is
 * one of the placed cuts); a streamed layer or a reuse loop keeps its own count (depthFeatures).
 * `scale` is the part's nsScale: the placed cuts follow the chain as the latency model times it on
 * this part (held-out FF with it: public 36.9 -> 36.5%, hls4ml CI 200/22 -> 189/15%; the
 * per-layer count of depthFeatures stays unscaled, see nsScale).
 */
export function designDepthFeatures(costs: readonly LayerCost[], fam: FamilyCalibration, clockNs: number, scale = 1): Array<Record<string, number>> {
  const per = costs.map((c) => depthFeatures(c, fam, clockNs));
  // The chains at the part's speed (nsScale), as the latency model times them: a design of L
  // cycles has L cuts. Stretching the chain by `scale` is shrinking the period by it.
  const stages = costs.map((c) => (c.tree ? Math.max(0, Math.floor(scale * chainPeriods(c, fam, clockNs) + 1e-9)) : 0));
  const cuts = registerCuts(costs, stages, fam, clockNs / scale);
  return per.map((f, i) => {
    const bits = cuts[i];
    if (bits === undefined) return f;
    const { lat_stage_bits: _s, lat_in_reg_bits: _r, ...rest } = f;
    return { ...rest, lat_stage_bits: bits };
  });
}

/**
 * A design with no clock cut at all: an io_parallel top whose whole chain fits in one period
 * (latency 0). HLS then registers nothing on the data path: the reports of such designs (hls4ml CI:
 * a 64-wide Dense + ReLU at 5 ns, 62 DSPs, one 16-bit input) give 18 FF whatever their width, and
 * a lone pooling layer 5 810 FF for 5 856 input bits, 12 962 for 13 824: the registers of the top
 * function's input port, not the per-layer pipeline, input and output registers the FF features
 * count. Their FF are the input port's bits (LayerCost.portBits), by construction, not a fitted
 * figure; the calibration leaves them out of the FF fit (calibrate.ts withFeatures). A streamed
 * design always has its FIFOs' and processes' registers.
 */
export function combinational(latency: number, ioType: IoType): boolean {
  return ioType === 'io_parallel' && latency === 0;
}

/** Design kind for the uncertainty intervals: convolutional / pooled designs behave apart from dense ones. */
export function designKind(g: Graph): 'cnn' | 'mlp' {
  return g.layers.some((l) => l.attrs.op === 'Conv' || l.attrs.op === 'DepthwiseConv' || l.attrs.op === 'Pool') ? 'cnn' : 'mlp';
}

/**
 * 80% interval of each total figure: the estimate times the 10th / 90th percentile of truth /
 * estimate measured by leave-one-repository-out validation for this tool family and design kind.
 */
export function totalRanges(total: Figures, fam: FamilyCalibration, kind: 'cnn' | 'mlp'): { ranges: RangeFields; basis?: string } {
  const cells = fam.intervals;
  if (!cells) return { ranges: {} };
  const out: Record<string, readonly [number, number]> = {};
  let usedKind = false;
  for (const k of FIGURE_KEYS) {
    const iv = cells[kind]?.[k] ?? cells.all?.[k];
    if (!iv) continue;
    if (cells[kind]?.[k]) usedKind = true;
    const base = Math.max(total[k], 1);
    out[`${k}_range`] = [Math.round(base * iv[0]), Math.round(base * iv[1])];
  }
  return { ranges: out as RangeFields, basis: usedKind ? `${kind} designs` : 'all designs' };
}

function pct(used: number, total: number | null | undefined): number | null {
  if (total === null || total === undefined || total === 0) return null;
  return (100 * used) / total;
}

function utilization(t: Figures, totals: Partial<Record<'dsp' | 'lut' | 'ff' | 'bram_18k' | 'uram', number | null>> | undefined): Utilization {
  return {
    dsp: pct(t.dsp, totals?.dsp),
    lut: pct(t.lut, totals?.lut),
    ff: pct(t.ff, totals?.ff),
    bram_18k: pct(t.bram_18k, totals?.bram_18k),
    uram: pct(t.uram, totals?.uram),
  };
}

/** Structural costs of every layer, in graph order (for calibration and for `estimate`). */
export function layerCosts(g: Graph, ctx: Omit<ModelContext, 'tensorTypes' | 'tensorStrategy'>): LayerCost[] {
  // A Latency-strategy layer beyond the unroll limit in an io_parallel design (Vivado HLS) stops
  // the top function's pipeline: every multiply layer then stays rolled.
  const rollAll =
    ctx.rollsBeyondLimit === true &&
    ctx.ioType === 'io_parallel' &&
    g.layers.some((l) => l.attrs.op === 'Dense' && (l.strategy ?? ctx.strategy) === 'latency' && l.attrs.nIn * l.attrs.nOut > HLS_PARTITION_LIMIT);
  const full: ModelContext = { ...ctx, rollAll, tensorTypes: new Map(), tensorStrategy: new Map() };
  return g.layers.map((l) => layerCost(g, l, full));
}

/**
 * Graph latency and II from per-layer figures: layers run one after the other (io_parallel) or as
 * a dataflow pipeline (io_stream); both add the tool's top-level overhead.
 */
export function combineLatency(
  layers: ReadonlyArray<{ latency_cycles: number; ii: number; strategy?: Strategy; reuse_factor?: number; stream_cycles?: number; pixel_stream?: boolean }>,
  fam: FamilyCalibration,
  backend: Backend,
  ioType: IoType,
): { latency: number; ii: number } {
  const top = fam.latency[TOP_KEYS[ioType]] ?? 0;
  const maxIi = layers.reduce((m, l) => Math.max(m, l.ii), 1);
  let latency: number;
  if (ioType === 'io_stream') {
    // A dataflow region of processes joined by FIFOs: the tool schedules each process to start
    // once its producer has started, so their loop times overlap (the slowest sets the pace) and
    // only their pipeline depths add up. This holds in the reports for layers on a whole vector
    // too (dense after flatten, softmax): a 4-layer Resource MLP at reuse 64 reports 77 cycles,
    // a 120x120 pooling followed by four Resource dense layers 14 467 (the pooling's 14 400 + 67).
    const pace = layers.reduce((m, l) => Math.max(m, l.stream_cycles ?? 0), 0);
    const depths = layers.reduce((s, l) => s + l.latency_cycles - (l.stream_cycles ?? 0), 0);
    latency = pace + depths + (layers.length ? Math.round(top) : 0);
  } else {
    latency = layers.reduce((s, l) => s + l.latency_cycles, 0) + (layers.length ? Math.round(top) : 0);
  }
  const sequential = layers.some((l) => l.strategy === 'resource' && (l.reuse_factor ?? 1) > 1);
  // Vitis HLS schedules hls4ml's Resource-strategy io_parallel top function without overlapping
  // samples: the interval is the whole latency.
  // A layer with interval 0 is not pipelined (rolled beyond the unroll limit): nor is the design.
  const unpipelined = layers.some((l) => l.ii === 0);
  const ii = unpipelined || (backend === 'vitis' && sequential && ioType === 'io_parallel') ? Math.max(latency, maxIi) : maxIi;
  return { latency, ii };
}

export function estimate(g: Graph, opts: EstimateOptions = {}): Estimate {
  const backend: Backend = opts.backend ?? 'vitis';
  const ioType: IoType = opts.ioType ?? 'io_parallel';
  const clockNs = checkClock(opts.clockNs ?? DEFAULT_CLOCK_NS, 'the clock period');
  const strategy: Strategy = opts.strategy ?? 'latency';
  const cal = opts.calibration ?? SHIPPED_CALIBRATION;
  const fam = cal.families[backend];
  const target: ResolvedTarget = resolveTarget(opts.part ?? opts.target);
  const warnings: string[] = [];
  if (!(clockNs > 0)) throw new RangeError(`clock period must be positive, got ${clockNs}`);
  if (target.unknown) warnings.push(`part ${target.part} is not in fastml's device table: DSP kind ${target.dspKind} inferred from the part name, utilization unknown`);
  if (target.unverified) warnings.push(`device totals of ${target.part} are unverified: ${target.unverified}`);

  const costs = layerCosts(g, {
    ioType,
    strategy,
    reuseFactor: opts.reuseFactor ?? 1,
    multiplierImpl: opts.multiplierImpl ?? 'auto',
    dspKind: target.dspKind,
    lutMultMaxBits: fam.lutMultMaxBits,
    weightMemory: fam.weightMemory ?? 'bram',
    csdMaxDigits: fam.csdMaxDigits ?? 1,
    rollsBeyondLimit: backend === 'vivado',
  });
  const seen = new Set<string>();
  const scale = nsScale(target.dspKind, fam);
  // Timing first: whether the design has any clock cut decides its registers (combinational).
  const timed = costs.map((c) => {
    const timing = layerTiming(c, fam, clockNs, scale);
    const latency = timing.stream + timing.depth;
    return {
      timing,
      latency_cycles: latency,
      ii: layerIi(c, fam, clockNs, latency),
      stream_cycles: timing.stream,
      pixel_stream: c.pixelStream === true,
      ...(c.strategy ? { strategy: c.strategy } : {}),
      ...(c.reuse !== undefined ? { reuse_factor: c.reuse } : {}),
    };
  });
  const { latency, ii } = combineLatency(timed, fam, backend, ioType);
  const noRegisters = combinational(latency, ioType);
  const depth = designDepthFeatures(costs, fam, clockNs, scale);
  const layers: LayerEstimate[] = costs.map((c, i) => {
    for (const w of c.warnings) if (!seen.has(w)) (seen.add(w), warnings.push(w));
    const { timing, latency_cycles: latency, ii: layerInterval } = timed[i]!;
    const feats = { ...c.features, ...depth[i] };
    const hasFeatures = Object.keys(feats).length > 0;
    return {
      name: c.name,
      op: c.op,
      latency_cycles: latency,
      ii: layerInterval,
      dsp: c.dsp,
      lut: hasFeatures ? Math.max(0, Math.round(linear(fam.lut, feats))) : 0,
      ff: noRegisters ? (c.portBits ?? 0) : hasFeatures && !c.chained ? Math.max(0, Math.round(linear(fam.ff, ffFeaturesOf(feats, c)))) : 0,
      bram_18k: c.bram_18k,
      uram: c.uram,
      ...(c.reuse !== undefined ? { reuse_factor: c.reuse } : {}),
      ...(c.strategy ? { strategy: c.strategy } : {}),
      ...(c.multipliers !== undefined ? { multipliers: c.multipliers } : {}),
      features: feats,
      ...(ioType === 'io_stream' ? { stream_cycles: timing.stream, pixel_stream: c.pixelStream === true } : {}),
      source: {
        latency_cycles: Object.keys(c.latencyTerms).length ? 'model (loop trip counts) + calibration (pipeline depth constants)' : 'model',
        ii: c.iiTerms ? 'model (loop trip counts) + calibration (per-pixel constants of a streamed pixel loop; Resource: the report\'s best case)' : 'model',
        dsp: 'model (multipliers x DSP blocks per product)',
        lut: 'calibration (linear in model features)',
        ff: noRegisters
          ? "model (combinational design, latency 0: registers only at the top's input port)"
          : c.chained
            ? "model (element-wise logic chained with its neighbours: its output register, where a clock cut falls, is the next layer's input register)"
            : 'calibration (linear in model features)',
        bram_18k: 'model (table ROMs, Resource-strategy weight memories)',
        uram: 'model',
      },
      notes: c.notes,
    };
  });

  const sum = (k: keyof Figures) => layers.reduce((s, l) => s + l[k], 0);
  const total = {
    latency_cycles: latency,
    ii,
    dsp: sum('dsp'),
    lut: sum('lut'),
    ff: sum('ff'),
    bram_18k: sum('bram_18k'),
    uram: sum('uram'),
    latency_ns: latency * clockNs,
  };
  const kind = designKind(g);
  const { ranges, basis } = totalRanges(total, fam, kind);
  const util = utilization(total, target.totals);
  for (const [k, v] of Object.entries(util)) {
    if (v !== null && v > 100) warnings.push(`${k} ${v.toFixed(0)}% of ${target.part}: the design does not fit`);
  }
  const utilSlr = target.slr ? utilization(total, target.slr) : undefined;
  if (utilSlr) {
    for (const [k, v] of Object.entries(utilSlr)) {
      if (v !== null && v > 100 && (util[k as keyof Utilization] ?? 0) <= 100) warnings.push(`${k} ${v.toFixed(0)}% of one SLR of ${target.part}: the design must span SLRs`);
    }
  }
  if (opts.targetII !== undefined && ii > opts.targetII) warnings.push(`initiation interval ${ii} misses the requested ${opts.targetII}`);
  // The interval above is the report's best case (Interval-min): a Resource streamed convolution's
  // pixel loop is not pipelined, and a sample whose pixels all compute takes its whole loop time.
  const bestCase = layers.filter((l, i) => costs[i]!.iiTerms?.px_ii_c !== undefined && (l.stream_cycles ?? 0) > l.ii);
  if (bestCase.length) {
    const worst = Math.max(ii, ...bestCase.map((l) => l.stream_cycles ?? 0));
    warnings.push(`II ${ii} is the best case an HLS report gives (Interval-min): the pixel loop of ${bestCase.map((l) => l.name).join(', ')} is not pipelined (Resource strategy, io_stream), so when every input pixel computes the interval is about ${worst} cycles (the report's Interval-max)`);
  }
  // The interval the configuration asks for is the largest reuse factor (L1 triggers need a new
  // input every few cycles): a dataflow bottleneck or a rolled layer misses it.
  const maxRf = layers.reduce((m, l) => Math.max(m, l.reuse_factor ?? 1), 1);
  if (opts.targetII === undefined && ioType === 'io_parallel' && ii > maxRf && layers.some((l) => l.reuse_factor !== undefined)) {
    const slowest = layers.reduce((a, b) => ((b.stream_cycles ?? b.ii) > (a.stream_cycles ?? a.ii) ? b : a));
    warnings.push(`initiation interval ${ii} misses the ${maxRf} cycle${maxRf > 1 ? 's' : ''} the reuse factors ask for (slowest layer: ${slowest.name})`);
  }
  // Which layer dominates each resource: where to act first when it does not fit. Only for a
  // resource that matters on this device (at least 10% of it, or of one SLR): a layer holding all 4
  // BRAMs of a design is not news.
  for (const k of ['dsp', 'lut', 'ff', 'bram_18k'] as const) {
    const tot = total[k];
    if (tot <= 0 || layers.length < 3) continue;
    const used = Math.max(util[k as keyof Utilization] ?? 0, utilSlr?.[k as keyof Utilization] ?? 0);
    if (used < 10) continue;
    const top = layers.reduce((a, b) => (b[k] > a[k] ? b : a));
    const share = top[k] / tot;
    if (share >= 0.5) warnings.push(`${k}: layer ${top.name} holds ${(100 * share).toFixed(0)}% of the design (${top[k]} of ${tot})`);
  }
  if (ioType === 'io_parallel') {
    // io_parallel keeps every layer output in a completely partitioned array.
    for (const l of g.layers) {
      if (l.attrs.op === 'Input' || l.attrs.op === 'Reshape' || l.attrs.op === 'Flatten') continue;
      const t = g.tensors.get(l.outputs[0] ?? '');
      const n = t ? t.shape.reduce((a, b) => a * b, 1) : 0;
      if (n > HLS_PARTITION_LIMIT) warnings.push(`layer ${l.name}: output array of ${n} elements partitioned completely (io_parallel), beyond the ${HLS_PARTITION_LIMIT}-element limit of Vivado HLS; consider io_stream`);
    }
  }
  for (const l of layers) {
    for (const k of ['dsp', 'lut', 'ff', 'bram_18k'] as const) {
      const v = pct(l[k], target.totals[k]);
      if (v !== null && v > 100) warnings.push(`layer ${l.name}: ${k} ${v.toFixed(0)}% of ${target.part} on its own`);
    }
  }

  return {
    tool: toolName(backend, opts.toolVersion),
    backend,
    ...(opts.toolVersion ? { tool_version: opts.toolVersion } : {}),
    part: target.part,
    ...(target.board ? { board: target.board } : {}),
    family: target.family,
    dsp_kind: target.dspKind,
    clock_ns: clockNs,
    io_type: ioType,
    layers,
    total: { ...total, ...ranges },
    ...(basis ? { range_basis: `80% interval from leave-one-repository-out validation on ${backend === 'vivado' ? 'Vivado HLS' : 'Vitis HLS'} reports of ${basis} (docs/estimation.md)` } : {}),
    utilization: util,
    ...(utilSlr ? { utilization_slr: utilSlr } : {}),
    warnings,
    source: {
      model: 'src/estimate/model.ts (structure of the HLS code)',
      calibration: `${cal === SHIPPED_CALIBRATION ? 'src/estimate/calibration.json' : `user calibration${(cal as { file?: string }).file ? ` ${(cal as { file?: string }).file}` : ''}`} (${cal.method}; ${cal.records} synthesis reports from ${cal.source}; generated ${cal.generated})`,
      devices: 'src/estimate/devices.generated.json (from ../shared/truth/devices.json)',
    },
  };
}
