/**
 * @fileoverview Pass `reuse-factor`: checks every multiplying layer's reuse factor for its strategy,
 * and (`--reuse auto`) chooses reuse factors that meet a resource / latency budget.
 *
 * Validation (NUMERICS.md "Reuse factor"):
 * - Resource strategy: hls4ml's rule over the layer's product n_in x n_out (Dense: nIn x nOut;
 *   Conv: cIn/groups * kernel x cOut; depthwise: kernel x channels). hls4ml silently replaces an
 *   invalid value by the closest valid one; fastml refuses with the valid values around it, unless
 *   `--reuse nearest`, which picks hls4ml's closest value (ties to the smaller) and says so.
 * - Latency strategy: hls4ml does not check the reuse factor at all (the code divides the
 *   multiplications by it, rounding up), so any positive value is accepted; a value above
 *   n_in x n_out only wastes cycles and gets a warning.
 *
 * Auto: starting from the smallest valid reuse factor of every layer (fastest), the layer whose
 * next valid reuse factor saves the most of the over-budget resource per added cycle is stepped up,
 * until the design fits. Figures come from the estimator (`estimate`), per layer and candidate.
 * With only a latency budget, reuse factors grow (saving DSPs) as long as the latency still fits.
 * A budget that cannot be met is an error stating the best that was reached.
 */

import type { Graph, Layer, Strategy } from '../ir/graph.js';
import type { Pass, PassContext } from './pass.js';
import { DiagnosticError, EXIT, diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { closestReuseFactor, isValidReuseFactor, validReuseFactors } from '../estimate/reuse.js';
import { locOf } from './graph-edit.js';
import type { EstimateOptions } from '../estimate/types.js';
import { estimate } from '../estimate/estimate.js';
import { resolveTarget } from '../estimate/devices.js';

export type ReuseMode = 'check' | 'nearest' | 'auto';

export interface Budget {
  readonly dsp?: number;
  readonly lut?: number;
  /** Total latency in clock cycles. */
  readonly latency?: number;
  /** Fraction (0..1] of the target device's DSPs and LUTs. */
  readonly fraction?: number;
}

export interface ReuseOptions {
  readonly mode?: ReuseMode;
  readonly budget?: Budget;
  /** Passed to the estimator (part, backend, clock, io type). */
  readonly estimate?: EstimateOptions;
}

/** n_in x n_out of the layer's matrix product, as hls4ml's get_layer_mult_size sees it. */
export function multSize(l: Layer): { nIn: number; nOut: number } | undefined {
  const a = l.attrs;
  if (a.op === 'Dense') return { nIn: a.nIn, nOut: a.nOut };
  if (a.op === 'Conv') return { nIn: (a.cIn / a.groups) * a.kernel.reduce((p, k) => p * k, 1), nOut: a.cOut };
  if (a.op === 'DepthwiseConv') return { nIn: a.kernel.reduce((p, k) => p * k, 1), nOut: a.cIn * a.depthMultiplier };
  return undefined;
}

function strategyOf(l: Layer, dflt: Strategy | undefined): Strategy {
  return l.strategy ?? dflt ?? 'latency';
}

/** Reuse factors a layer may use under its strategy, ascending. */
export function candidateReuseFactors(l: Layer, strategy: Strategy): number[] {
  const m = multSize(l)!;
  if (strategy === 'resource') return validReuseFactors(m.nIn, m.nOut);
  // Latency: every value is accepted; the divisors of n_in*n_out are the ones that share
  // multipliers evenly, so those are the useful candidates for a search.
  const total = m.nIn * m.nOut;
  const out: number[] = [];
  for (let d = 1; d <= total; d++) if (total % d === 0) out.push(d);
  return out;
}

/** The valid values nearest to `rf` (up to `k` on each side), for error messages. */
export function nearbyValid(valid: readonly number[], rf: number, k = 4): number[] {
  const below = valid.filter((v) => v < rf).slice(-k);
  const above = valid.filter((v) => v > rf).slice(0, k);
  return [...below, ...above];
}

export function reusePass(opts: ReuseOptions = {}): Pass {
  const mode = opts.mode ?? 'check';
  return {
    name: 'reuse-factor',
    description:
      mode === 'auto'
        ? 'choose per-layer reuse factors with the estimator to meet the budget'
        : `check reuse factors per strategy (hls4ml's Resource rule)${mode === 'nearest' ? ', replacing invalid ones by the nearest valid value' : ''}`,
    run(g: Graph, ctx: PassContext): Graph {
      const errors: Diagnostic[] = [];
      let changed = false;
      const adjusted: Record<string, { from: number; to: number }> = {};
      const layers = g.layers.map((l) => {
        const m = multSize(l);
        if (!m || l.reuseFactor === undefined) return l;
        const rf = l.reuseFactor;
        const strategy = strategyOf(l, opts.estimate?.strategy);
        if (strategy === 'resource') {
          if (isValidReuseFactor(m.nIn, m.nOut, rf)) return l;
          const valid = validReuseFactors(m.nIn, m.nOut);
          const near = nearbyValid(valid, rf);
          if (mode === 'nearest' || mode === 'auto') {
            const to = closestReuseFactor(m.nIn, m.nOut, rf);
            ctx.diagnostics.push(
              diag('FML6511', `reuse factor ${rf} is not valid for the Resource strategy (n_in=${m.nIn}, n_out=${m.nOut}); using the nearest valid value ${to}`, locOf(g, l), undefined, 'warning'),
            );
            adjusted[l.name] = { from: rf, to };
            changed = true;
            return { ...l, reuseFactor: to };
          }
          errors.push(
            diag(
              'FML6510',
              `reuse factor ${rf} is not valid for the Resource strategy with n_in=${m.nIn}, n_out=${m.nOut}; valid values near it: ${near.join(', ')}`,
              locOf(g, l),
              `all valid values: ${valid.join(', ')}; or pass --reuse nearest to use the closest one (${closestReuseFactor(m.nIn, m.nOut, rf)})`,
            ),
          );
          return l;
        }
        if (rf > m.nIn * m.nOut)
          ctx.diagnostics.push(
            diag('FML6513', `reuse factor ${rf} exceeds the ${m.nIn * m.nOut} multiplications of the layer; it only adds cycles`, locOf(g, l), undefined, 'warning'),
          );
        return l;
      });
      if (errors.length) throw new DiagnosticError(errors, EXIT.USAGE);
      let out = changed ? { ...g, layers } : g;
      if (Object.keys(adjusted).length) ctx.report.reuseAdjusted = adjusted;
      if (mode === 'auto') out = chooseReuse(out, ctx, opts);
      return out;
    },
  };
}

interface Point {
  readonly rf: number;
  readonly dsp: number;
  readonly lut: number;
  readonly latency: number;
}

export interface ReuseChoice {
  readonly budget: Budget & { resolved: { dsp?: number; lut?: number; latency?: number } };
  readonly chosen: Record<string, number>;
  readonly total: { dsp: number; lut: number; latency_cycles: number };
  readonly steps: number;
}

/** Resolves `fraction` against the device totals. */
function resolveBudget(b: Budget, device: { dsp: number | null; lut: number | null } | undefined, where: string): { dsp?: number; lut?: number; latency?: number } {
  const r: { dsp?: number; lut?: number; latency?: number } = {};
  if (b.dsp !== undefined) r.dsp = b.dsp;
  if (b.lut !== undefined) r.lut = b.lut;
  if (b.latency !== undefined) r.latency = b.latency;
  if (b.fraction !== undefined) {
    if (!device || device.dsp === null || device.lut === null)
      throw new DiagnosticError([diag('FML6514', `budget fraction=${b.fraction} needs the device's totals, which are unknown for ${where}`, undefined, 'give dsp=N / lut=N instead, or a part fastml knows (--part)')]);
    r.dsp = Math.min(r.dsp ?? Infinity, Math.floor(device.dsp * b.fraction));
    r.lut = Math.min(r.lut ?? Infinity, Math.floor(device.lut * b.fraction));
  }
  return r;
}

export function chooseReuse(g: Graph, ctx: PassContext, opts: ReuseOptions): Graph {
  const budget = opts.budget ?? {};
  const eopts: EstimateOptions = opts.estimate ?? {};
  const target = resolveTarget(eopts.part ?? eopts.target);
  const limits = resolveBudget(budget, target.totals, target.part);
  if (limits.dsp === undefined && limits.lut === undefined && limits.latency === undefined)
    throw new DiagnosticError([diag('FML6515', '--reuse auto needs a budget: --budget dsp=N, lut=N, latency=CYCLES or fraction=F')]);

  const mult = g.layers.filter((l) => multSize(l) !== undefined);
  const base = estimate(g, eopts);
  const baseLat = new Map(base.layers.map((l) => [l.name, l]));
  const fixedLatency = base.total.latency_cycles - mult.reduce((s, l) => s + (baseLat.get(l.name)?.latency_cycles ?? 0), 0);
  const fixedDsp = base.total.dsp - mult.reduce((s, l) => s + (baseLat.get(l.name)?.dsp ?? 0), 0);
  const fixedLut = base.total.lut - mult.reduce((s, l) => s + (baseLat.get(l.name)?.lut ?? 0), 0);

  // Per layer: figures at each candidate reuse factor (a layer's cost does not depend on the others').
  const table = new Map<string, Point[]>();
  for (const l of mult) {
    const cands = candidateReuseFactors(l, strategyOf(l, eopts.strategy));
    const pts: Point[] = [];
    for (const rf of cands) {
      const probe = { ...g, layers: g.layers.map((x) => (x.name === l.name ? { ...x, reuseFactor: rf } : x)) };
      const e = estimate(probe, eopts).layers.find((x) => x.name === l.name)!;
      pts.push({ rf, dsp: e.dsp, lut: e.lut, latency: e.latency_cycles });
    }
    table.set(l.name, pts);
  }
  const pos = new Map(mult.map((l) => [l.name, 0]));
  const totals = () => {
    let dsp = fixedDsp;
    let lut = fixedLut;
    let latency = fixedLatency;
    for (const l of mult) {
      const p = table.get(l.name)![pos.get(l.name)!]!;
      dsp += p.dsp;
      lut += p.lut;
      latency += p.latency;
    }
    return { dsp, lut, latency };
  };
  const over = (t: { dsp: number; lut: number }) =>
    Math.max(0, limits.dsp !== undefined ? (t.dsp - limits.dsp) / Math.max(1, limits.dsp) : 0) +
    Math.max(0, limits.lut !== undefined ? (t.lut - limits.lut) / Math.max(1, limits.lut) : 0);

  let steps = 0;
  const resourceBudget = limits.dsp !== undefined || limits.lut !== undefined;
  // Phase 1: step up reuse factors until the resources fit.
  while (resourceBudget && over(totals()) > 0) {
    const now = totals();
    let best: { name: string; score: number } | undefined;
    for (const l of mult) {
      const pts = table.get(l.name)!;
      const k = pos.get(l.name)!;
      if (k + 1 >= pts.length) continue;
      const cur = pts[k]!;
      const nxt = pts[k + 1]!;
      const after = over({ dsp: now.dsp - cur.dsp + nxt.dsp, lut: now.lut - cur.lut + nxt.lut });
      const gain = over(now) - after;
      if (gain <= 0) continue;
      const score = gain / Math.max(1, nxt.latency - cur.latency);
      if (!best || score > best.score) best = { name: l.name, score };
    }
    if (!best) {
      // No single step reduces the excess: take the step that saves the most DSPs/LUTs outright.
      const movable = mult.filter((l) => pos.get(l.name)! + 1 < table.get(l.name)!.length);
      if (movable.length === 0) break;
      const cost = (l: Layer) => {
        const pts = table.get(l.name)!;
        const k = pos.get(l.name)!;
        return pts[k]!.dsp - pts[k + 1]!.dsp + (pts[k]!.lut - pts[k + 1]!.lut) / 1000;
      };
      const pick = movable.reduce((a, b) => (cost(b) > cost(a) ? b : a));
      pos.set(pick.name, pos.get(pick.name)! + 1);
    } else pos.set(best.name, pos.get(best.name)! + 1);
    steps++;
  }
  // Phase 2 (latency budget only): save DSPs while the latency still fits.
  if (!resourceBudget && limits.latency !== undefined) {
    for (;;) {
      const now = totals();
      let best: { name: string; score: number } | undefined;
      for (const l of mult) {
        const pts = table.get(l.name)!;
        const k = pos.get(l.name)!;
        if (k + 1 >= pts.length) continue;
        const dl = pts[k + 1]!.latency - pts[k]!.latency;
        if (now.latency + dl > limits.latency) continue;
        const saved = pts[k]!.dsp - pts[k + 1]!.dsp + (pts[k]!.lut - pts[k + 1]!.lut) / 1000;
        if (saved <= 0) continue;
        const score = saved / Math.max(1, dl);
        if (!best || score > best.score) best = { name: l.name, score };
      }
      if (!best) break;
      pos.set(best.name, pos.get(best.name)! + 1);
      steps++;
    }
  }

  const chosen: Record<string, number> = {};
  for (const l of mult) chosen[l.name] = table.get(l.name)![pos.get(l.name)!]!.rf;
  const out: Graph = { ...g, layers: g.layers.map((l) => (chosen[l.name] !== undefined ? { ...l, reuseFactor: chosen[l.name]! } : l)) };
  const final = estimate(out, eopts);
  const total = { dsp: final.total.dsp, lut: final.total.lut, latency_cycles: final.total.latency_cycles };
  const choice: ReuseChoice = { budget: { ...budget, resolved: limits }, chosen, total, steps };
  ctx.report.reuse = choice;

  const misses: string[] = [];
  if (limits.dsp !== undefined && total.dsp > limits.dsp) misses.push(`${total.dsp} DSPs > ${limits.dsp}`);
  if (limits.lut !== undefined && total.lut > limits.lut) misses.push(`${total.lut} LUTs > ${limits.lut}`);
  if (limits.latency !== undefined && total.latency_cycles > limits.latency) misses.push(`${total.latency_cycles} cycles > ${limits.latency}`);
  if (misses.length)
    throw new DiagnosticError(
      [
        diag(
          'FML6512',
          `no choice of reuse factors meets the budget: the best reached is ${misses.join(', ')} (reuse factors ${Object.entries(chosen)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')})`,
          { node: g.name },
          'relax the budget, use the Resource strategy (larger reuse factors are valid there), or narrow the types',
        ),
      ],
      EXIT.MODEL,
    );
  return out;
}
