/**
 * @fileoverview Where HLS puts the pipeline registers of an io_parallel chain of unrolled
 * Latency-strategy layers (issue 13, FF of io_parallel Latency designs).
 *
 * hls4ml's io_parallel top function is one pipelined region: the scheduler chains the operations
 * of consecutive layers (multipliers, adder-tree levels, element-wise activations between them)
 * and cuts the chain with registers only where a clock period is full. Two things follow that a
 * per-layer count of cuts misses:
 *
 * - How many cuts there are is the chain's latency in cycles, not its length in clock periods:
 *   a design of L cycles has L register cuts. The latency model's count for a layer (floor of its
 *   chain in periods, depthFeatures in estimate.ts) is what the reports confirm (a 4-layer 8-wide
 *   GNN MLP at 5 ns: 4 cycles); counting the fraction a period leaves over as a share of an input
 *   register charged up to two cuts per layer there (390 FF in the report, 1 185 estimated).
 * - Where they fall: a cut anywhere within the chain's slack meets the timing, and the scheduler
 *   places it where the fewest bits are alive (its objective after latency is register count).
 *   In an adder tree the partial sums halve at every level, a product inside a DSP block is
 *   registered by the DSP's own pipeline register (no fabric FF), and a layer's output is narrower
 *   than the next layer's products. A 4-128-3 MLP at 25 ns, combinational up to its softmax, has
 *   no reason to register its 2 048-bit hidden layer (the fraction rule charged half of it).
 *
 * registerCuts lays the chain out in nanoseconds (the latency model's own constants, unscaled like
 * the other register features: see nsScale in estimate.ts), with the bits alive at each point where
 * a cut can fall, and places the latency model's number of cuts at the points of fewest bits that
 * keep every segment within a clock period (stretched to chain / (cuts + 1) where the fitted
 * nanoseconds make the chain longer than its cycles allow). The bits at the chosen points are the
 * FF feature lat_stage_bits (the registers at clock cuts) of the layer they fall in, in place of the
 * per-layer count (cuts at evenly spread tree levels, plus lat_in_reg_bits, the fraction of a cut
 * at the layer's input); a streamed layer and a reuse loop keep that count.
 *
 * Measured (leave-one-repository-out FF MAPE / median APE, src/tools/loro-resources.ts, with the
 * table-lookup price of calibrate.ts PHYSICAL_COST): public designs 41.1/21.3 -> 36.9/22.9%,
 * hls4ml CI 204/28 -> 200/22%, ArgyKokk 35.2/37.4 -> 36.5/39.9% (their Latency MLPs at reuse 1,
 * already underestimated held out, lose a few % more), wa-hls4ml unchanged; the chain timed at the
 * part's speed (nsScale, estimate.ts designDepthFeatures) then public 36.5/22.9%, CI 189/15%. The
 * Vivado HLS fit prices the placed cuts at about 1 FF per bit, the Vitis HLS fit at about a quarter
 * (0 with the chain unscaled): most of its cuts fall at DSP outputs, and its adder-bit and per-DSP
 * coefficients carry much of its registers. Tried and worse: a
 * product inside a DSP block counted as fabric registers (public 40.4%); a reuse-loop layer in the
 * chain too, its held input a cut in full (public 37.9%, hls4ml CI 253%); the placed cuts as a
 * feature of their own beside lat_stage_bits (public 36.5% but ArgyKokk 40.7%: the reuse-loop
 * layers' stage registers were then priced by one repository's rows); a reuse-loop layer's own cuts
 * placed the same way within it, its held input kept (public 37.9%, CI 169/18%); the input port
 * registered at the start of a chain (public 37.0%). Placing the same number of cuts as late as
 * each period allows (an ASAP schedule, no choice of the narrowest point) gave public 41.6%: the
 * gain is where the cuts fall, not only how many there are. The Latency layers' per-input-element
 * FF (lat_in_elems) stay in the fit: left to reuse loops and streamed layers only, public 44.7%.
 */

import type { LayerCost } from './model.js';
import type { FamilyCalibration } from './types.js';

/** One point of a chain where a register cut can fall: its time (ns), the bits alive, its layer. */
interface CutPoint {
  readonly t: number;
  readonly bits: number;
  readonly layer: number;
}

/**
 * Whether a layer is an unrolled Latency adder tree of the chain: an io_parallel layer at reuse 1
 * (a reuse loop holds its input for its interval, a streamed layer reads a FIFO: both keep their
 * per-layer registers, depthFeatures).
 */
function inChain(c: LayerCost): boolean {
  return c.tree !== undefined && c.latencyTerms.stream_c === undefined && c.latencyTerms.lat_rf_c === undefined;
}

/** A layer the chain passes through without time or registers: chained element-wise logic, wiring. */
function transparent(c: LayerCost): boolean {
  return c.chained === true || (Object.keys(c.latencyTerms).length === 0 && Object.keys(c.features).length === 0);
}

/**
 * Fewest bits over `k` cuts chosen among `pts` (time-ordered, within (0, end]) such that no
 * segment (from 0, between cuts, to `end`) is longer than `period`; Infinity if none does.
 * Dynamic programme over (cut index, point), each point looking back only at the points within
 * one period: O(k n w) for w points per period (a 20-layer 64-wide MLP at 1 ns, 320 cuts among
 * 420 points, took 0.76 s per estimate looking back at every point).
 */
function placeCuts(pts: readonly CutPoint[], k: number, end: number, period: number): { bits: number; chosen: number[] } {
  const n = pts.length;
  const eps = 1e-9;
  // best[j][i]: fewest bits of j + 1 cuts, the last at point i.
  let best = pts.map((p) => (p.t <= period + eps ? p.bits : Infinity));
  const from: number[][] = [best.map(() => -1)];
  for (let j = 1; j < k; j++) {
    const next = new Array<number>(n).fill(Infinity);
    const arg = new Array<number>(n).fill(-1);
    for (let i = 0; i < n; i++) {
      for (let h = i - 1; h >= 0 && pts[i]!.t - pts[h]!.t <= period + eps; h--) {
        if (best[h] === Infinity || pts[i]!.t <= pts[h]!.t + eps) continue;
        const v = best[h]! + pts[i]!.bits;
        if (v < next[i]!) (next[i] = v), (arg[i] = h);
      }
    }
    best = next;
    from.push(arg);
  }
  let bits = Infinity;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (end - pts[i]!.t <= period + eps && best[i]! < bits) (bits = best[i]!), (last = i);
  }
  if (last < 0) return { bits: Infinity, chosen: [] };
  const chosen: number[] = [];
  for (let j = k - 1, i = last; j >= 0; i = from[j]![i]!, j--) chosen.push(i);
  return { bits, chosen: chosen.reverse() };
}

/** Fewest cuts among `pts` that keep every segment of (0, end] within `period` (greedy: each cut as late as it can be). */
function fewestCuts(pts: readonly CutPoint[], end: number, period: number): number {
  const eps = 1e-9;
  let at = 0;
  let cuts = 0;
  let i = 0;
  while (end - at > period + eps) {
    let reach = -1;
    for (; i < pts.length && pts[i]!.t - at <= period + eps; i++) if (pts[i]!.t > at + eps) reach = i;
    if (reach < 0) return Infinity;
    at = pts[reach]!.t;
    cuts++;
  }
  return cuts;
}

/** The cut points of one tree layer starting at `t0`; returns them and the layer's end time. */
function treePoints(c: LayerCost, i: number, t0: number, fam: FamilyCalibration, period: number): { pts: CutPoint[]; end: number } {
  const tree = c.tree!;
  const mulNs = (fam.latency.mul_ns ?? 0) * (c.latencyTerms.mul_ns ?? 0);
  const addNs = fam.latency.add_ns ?? 0;
  const levels = c.latencyTerms.add_ns ?? 0;
  const pts: CutPoint[] = [];
  // Inside an operation longer than a period (a multiplier at a 2 ns clock) the tool pipelines the
  // operator itself: points within it carry its result's width.
  const span = (start: number, len: number, bits: number) => {
    const parts = Math.max(1, Math.ceil(len / Math.max(period, 1e-9) - 1e-9));
    for (let s = 1; s <= parts; s++) pts.push({ t: start + (len * s) / parts, bits, layer: i });
  };
  // The layer's input: the previous layer's output after the element-wise logic between them.
  pts.push({ t: t0, bits: c.features.lat_in_bits ?? 0, layer: i });
  // Products: registered inside the DSP block when they are DSP products.
  span(t0, mulNs, tree.dspProducts ? 0 : tree.nOut * tree.nIn * tree.acc * tree.copies);
  let t = t0 + mulNs;
  for (let lv = 1; lv <= levels; lv++) {
    span(t, addNs, tree.nOut * Math.ceil(tree.nIn / 2 ** lv) * tree.acc * tree.copies);
    t += addNs;
  }
  return { pts, end: t };
}

/**
 * Cut bits (lat_stage_bits) of every layer of the io_parallel Latency chains of a design (undefined for a layer
 * in no chain, which keeps its per-layer register features). `stages[i]` is the latency model's
 * count of whole clock cuts of layer i (depthFeatures), the cuts its chain gets.
 */
export function registerCuts(costs: readonly LayerCost[], stages: readonly number[], fam: FamilyCalibration, clockNs: number): Array<number | undefined> {
  const out: Array<number | undefined> = costs.map(() => undefined);
  let run: number[] = [];
  const flush = () => {
    if (run.length) placeRun(costs, run, stages, fam, clockNs, out);
    run = [];
  };
  costs.forEach((c, i) => {
    if (inChain(c)) run.push(i);
    else if (!transparent(c)) flush();
  });
  flush();
  return out;
}

function placeRun(costs: readonly LayerCost[], run: readonly number[], stages: readonly number[], fam: FamilyCalibration, clockNs: number, out: Array<number | undefined>): void {
  const pts: CutPoint[] = [];
  let t = 0;
  for (const i of run) {
    const lay = treePoints(costs[i]!, i, t, fam, clockNs);
    // The boundary between two layers: a cut there registers the narrower of the producer's
    // output and the consumer's input (the element-wise logic between them is chained).
    const prev = pts[pts.length - 1];
    const first = lay.pts[0]!;
    if (prev && Math.abs(prev.t - first.t) < 1e-9) {
      pts[pts.length - 1] = { ...first, bits: Math.min(prev.bits, first.bits) };
      pts.push(...lay.pts.slice(1));
    } else pts.push(...lay.pts);
    t = lay.end;
    out[i] = 0;
  }
  const cand = pts.filter((p) => p.t > 1e-9);
  const k = Math.min(
    cand.length,
    run.reduce((s, i) => s + (stages[i] ?? 0), 0),
  );
  if (k <= 0) return;
  // The latency model's cycles may be fewer than the fitted nanoseconds need at this period: its
  // segments are then as long as the chain shared among them. Discrete points may need a little more.
  let period = Math.max(clockNs, t / (k + 1));
  // k cuts fit a period iff the fewest it needs are at most k (a cut added between two others
  // shortens no segment): checked in one pass before the one placement. A period of the whole
  // chain needs none, so this ends.
  while (fewestCuts(cand, t, period) > k) period *= 1.05;
  const placed = placeCuts(cand, k, t, period);
  for (const idx of placed.chosen) {
    const p = cand[idx]!;
    out[p.layer] = (out[p.layer] ?? 0) + p.bits;
  }
}
