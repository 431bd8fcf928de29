/**
 * @fileoverview Pass `prune` (magnitude pruning) and pass `sparsity-report`.
 *
 * `--prune 0.5` zeroes, in every Dense/Conv/DepthwiseConv kernel, the 50% of weights with the
 * smallest magnitude (per layer). `--prune global:0.5` uses one magnitude threshold across all
 * those layers instead, so layers with small weights lose more. `--prune fc1=0.8,fc2=0.5` sets
 * the fraction per layer (others untouched). Ties at the threshold are broken by position, so
 * exactly round(s * n) weights (counting those already zero) are zero afterwards. Biases are kept.
 *
 * Pruning only replaces float weights by 0, before they are quantized, so emulating the pruned
 * graph is emulating the pruned float model quantized, by construction.
 *
 * `sparsity-report` (runs last, changes nothing) reports per layer the weights, the zeros in the
 * float model and the zeros after quantization to the layer's weight type: every zero costs no
 * multiplier in the generated code (the estimator counts non-zeros).
 */

import type { Graph, Layer, WeightTensor } from '../ir/graph.js';
import type { Pass, PassContext } from './pass.js';
import { DiagnosticError, diag } from '../diagnostics/diagnostic.js';
import { castStats } from '../emulator/weights.js';
import { isFixed } from './graph-edit.js';
import { castTo } from './quant-types.js';
import { makeQuantizer } from '../fixed/fast.js';
import { fastPathApplies } from '../fixed/codegen.js';
import type { FixedType } from '../fixed/type.js';

export interface PruneSpec {
  /** Same fraction for every layer (per-layer threshold). */
  readonly all?: number;
  /** One threshold across layers. */
  readonly global?: number;
  readonly perLayer?: Readonly<Record<string, number>>;
}

const PRUNABLE = new Set(['Dense', 'Conv', 'DepthwiseConv']);

/** Parses `0.5`, `global:0.5`, `fc1=0.8,fc2=0.5` (fractions in [0, 1), or percentages like 50%). */
export function parsePruneSpec(text: string): PruneSpec {
  const frac = (s: string): number => {
    const t = s.trim();
    const v = t.endsWith('%') ? Number(t.slice(0, -1)) / 100 : Number(t);
    if (!Number.isFinite(v) || v < 0 || v >= 1 || t === '')
      throw new DiagnosticError([diag('FML6530', `--prune: sparsity "${s}" is not a fraction in [0, 1) (e.g. 0.5 or 50%)`)]);
    return v;
  };
  const s = text.trim();
  if (s.startsWith('global:')) return { global: frac(s.slice(7)) };
  if (!s.includes('=')) return { all: frac(s) };
  const perLayer: Record<string, number> = {};
  for (const part of s.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new DiagnosticError([diag('FML6530', `--prune: "${part}" is not LAYER=FRACTION`)]);
    perLayer[part.slice(0, eq).trim()] = frac(part.slice(eq + 1));
  }
  return { perLayer };
}

/** Indices of the k smallest |values| (ties by position). */
function smallest(data: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: data.length }, (_, i) => i);
  idx.sort((a, b) => Math.abs(data[a]!) - Math.abs(data[b]!) || a - b);
  return idx.slice(0, k);
}

function zeroed(w: WeightTensor, which: Iterable<number>): WeightTensor {
  const d = Float64Array.from(w.data);
  for (const i of which) d[i] = 0;
  return { shape: w.shape, data: d };
}

export function prunePass(spec: PruneSpec): Pass {
  return {
    name: 'prune',
    description: 'magnitude pruning of Dense/Conv kernels (per layer, global threshold or per-layer fractions)',
    run(g: Graph, ctx: PassContext): Graph {
      const targets = g.layers.filter((l) => PRUNABLE.has(l.attrs.op) && l.weights.kernel);
      if (spec.perLayer) {
        const names = new Set(targets.map((l) => l.name));
        const unknown = Object.keys(spec.perLayer).filter((n) => !names.has(n));
        if (unknown.length)
          throw new DiagnosticError(
            unknown.map((n) => diag('FML6531', `--prune: no Dense/Conv layer called "${n}"`, undefined, `prunable layers: ${[...names].join(', ')}`)),
          );
      }
      const plan = new Map<string, number[]>();
      if (spec.global !== undefined) {
        // One threshold: rank every kernel weight of every target together.
        const all: { layer: string; i: number; a: number }[] = [];
        for (const l of targets) {
          const d = l.weights.kernel!.data;
          for (let i = 0; i < d.length; i++) all.push({ layer: l.name, i, a: Math.abs(d[i]!) });
        }
        all.sort((x, y) => x.a - y.a);
        const k = Math.round(spec.global * all.length);
        for (const e of all.slice(0, k)) {
          if (!plan.has(e.layer)) plan.set(e.layer, []);
          plan.get(e.layer)!.push(e.i);
        }
      } else {
        for (const l of targets) {
          const s = spec.perLayer ? spec.perLayer[l.name] : spec.all;
          if (s === undefined) continue;
          const d = l.weights.kernel!.data;
          plan.set(l.name, smallest(d, Math.round(s * d.length)));
        }
      }
      if (plan.size === 0) return g;
      const pruned: Record<string, number> = {};
      const layers = g.layers.map((l): Layer => {
        const which = plan.get(l.name);
        if (!which) return l;
        const before = countZeros(l.weights.kernel!.data);
        const kernel = zeroed(l.weights.kernel!, which);
        pruned[l.name] = countZeros(kernel.data) - before;
        return { ...l, weights: { ...l.weights, kernel } };
      });
      ctx.report.pruned = pruned;
      return { ...g, layers };
    },
  };
}

function countZeros(d: ArrayLike<number>): number {
  let z = 0;
  for (let i = 0; i < d.length; i++) if (d[i] === 0) z++;
  return z;
}

export interface LayerSparsity {
  readonly layer: string;
  readonly weights: number;
  /** Exactly zero in the float model (the model's own zeros and pruned ones). */
  readonly zeros: number;
  /** Zero after quantization to the weight type (no multiplier needed). */
  readonly zerosQuantized: number;
  readonly sparsity: number;
  readonly multipliers: number;
}

export function layerSparsity(l: Layer): LayerSparsity | undefined {
  const k = l.weights.kernel;
  if (!k || !PRUNABLE.has(l.attrs.op)) return undefined;
  const wt = l.precision.weight;
  const t: FixedType | undefined = isFixed(wt) ? wt : undefined;
  // Counted once with the as-printed quantization the test bench and the writer use next (src/emulator/weights.ts).
  const st = t ? castStats(k.data, t) : undefined;
  if (st) {
    const zq = st.zeros + st.castZeros;
    return { layer: l.name, weights: st.length, zeros: st.zeros, zerosQuantized: zq, sparsity: zq / st.length, multipliers: st.length - zq };
  }
  // The generated per-type quantizer is bit-identical to castTo where it applies and ~50x faster
  // (this runs over every weight of the model).
  const cast = t && fastPathApplies(t) ? makeQuantizer(t) : t ? (x: number) => castTo(x, t) : undefined;
  let zq = 0;
  let zeros = 0;
  const d = k.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v === 0) zeros++;
    else if (cast && cast(v) === 0) zq++;
  }
  zq += zeros;
  return { layer: l.name, weights: k.data.length, zeros, zerosQuantized: zq, sparsity: zq / k.data.length, multipliers: k.data.length - zq };
}

export const sparsityReportPass: Pass = {
  name: 'sparsity-report',
  description: 'report every layer\'s sparsity (zero weights cost no multiplier)',
  run(g: Graph, ctx: PassContext): Graph {
    const rows = g.layers.map(layerSparsity).filter((r): r is LayerSparsity => r !== undefined);
    if (rows.length) ctx.report.sparsity = rows;
    return g;
  },
};
