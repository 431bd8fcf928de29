/**
 * @fileoverview The precision profile, hls4ml's numerical profiling done on fastml's own data: per
 * layer, the distribution of log2|x| of the weights (the model's float weights, against the weight
 * and bias types) and of the activations (the float64 reference and the fixed-point emulator on the
 * user's inputs, against the layer's result type), with the values that fall below one LSB or above
 * the type's largest magnitude.
 *
 * Counts are over every value. The five-number summaries are over at most `maxSample` values (an
 * even stride through the tensor), so that a 1M-weight layer or a large batch costs bounded time;
 * the page states the sample size of every box that was sampled.
 */

import type { Graph, Layer } from '../ir/graph.js';
import type { FixedType } from '../fixed/type.js';
import { formatType, typeRange } from '../fixed/type.js';
import type { Log2Summary, ProfileEntry } from './types.js';

/** Default cap on the values one box summarises. */
export const MAX_SAMPLE = 20000;

/** The precision slot a weight role is cast to (the emulator's choice, src/emulator/compile.ts). */
function slotOf(l: Layer, role: string): string | undefined {
  if (role === 'kernel' || role === 'depthwise_kernel' || role === 'pointwise_kernel') return 'weight';
  if (l.precision[role] !== undefined) return role;
  if (role.endsWith('bias')) return 'bias';
  if (role.endsWith('kernel')) return 'weight';
  return undefined;
}

function fixedOf(l: Layer, slot: string | undefined): FixedType | undefined {
  const t = slot ? l.precision[slot] : undefined;
  return t && t !== 'auto' ? t : undefined;
}

/** Linear-interpolated quantile of sorted values. */
function quantile(sorted: Float64Array, p: number): number {
  if (sorted.length === 1) return sorted[0]!;
  const x = p * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (x - lo);
}

/** Round to 4 decimals: the page's JSON stays short and the drawing does not need more. */
const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

export interface Summary {
  count: number;
  zeros: number;
  belowLsb: number;
  aboveMax: number;
  log2?: Log2Summary;
  sampled: number;
}

/** Counts over all values and the log2|x| summary over a strided sample of the non-zero ones. */
export function summarize(values: ArrayLike<number>, type: FixedType | undefined, maxSample = MAX_SAMPLE): Summary {
  const n = values.length;
  const r = type ? typeRange(type) : undefined;
  const maxAbs = r ? Math.max(Math.abs(r.min), Math.abs(r.max)) : Infinity;
  const lsb = r ? r.lsb : 0;
  let zeros = 0;
  let below = 0;
  let above = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(values[i]!);
    if (a === 0) zeros++;
    else if (a < lsb) below++;
    else if (a > maxAbs) above++;
  }
  const nz = n - zeros;
  // Every k-th non-zero value: an even spread through the tensor (layers, channels, samples).
  const stride = Math.max(1, Math.ceil(nz / maxSample));
  const sample = new Float64Array(Math.ceil(nz / stride));
  let k = 0;
  let seen = 0;
  for (let i = 0; i < n && k < sample.length; i++) {
    const a = Math.abs(values[i]!);
    if (a === 0 || Number.isNaN(a)) continue;
    if (seen++ % stride === 0) sample[k++] = Math.log2(a);
  }
  const s = sample.subarray(0, k).sort();
  const log2 = k ? { min: r4(s[0]!), q1: r4(quantile(s, 0.25)), median: r4(quantile(s, 0.5)), q3: r4(quantile(s, 0.75)), max: r4(s[k - 1]!) } : undefined;
  return { count: n, zeros, belowLsb: below, aboveMax: above, ...(log2 ? { log2 } : {}), sampled: k };
}

function entry(layer: string, kind: ProfileEntry['kind'], variable: string, source: ProfileEntry['source'], t: FixedType | undefined, s: Summary): ProfileEntry {
  const r = t ? typeRange(t) : undefined;
  const band = r ? { lsbLog2: Math.log2(r.lsb), maxLog2: r4(Math.log2(Math.max(Math.abs(r.min), Math.abs(r.max)))) } : undefined;
  return { layer, kind, variable, source, ...(t ? { type: formatType(t) } : {}), ...(band ? { band } : {}), ...s };
}

/** Weight boxes: one per layer and weight role, against the type the emulator casts it to. */
export function weightProfile(g: Graph, maxSample = MAX_SAMPLE): ProfileEntry[] {
  const out: ProfileEntry[] = [];
  for (const l of g.layers) {
    for (const [role, w] of Object.entries(l.weights)) {
      const t = fixedOf(l, slotOf(l, role));
      out.push(entry(l.name, 'weight', role, 'weights', t, summarize(w.data, t, maxSample)));
    }
  }
  return out;
}

/**
 * Activation boxes: per layer of the built graph, the float64 reference's values of the same
 * tensor (what the type has to hold) and the emulator's (what it held), against the result type.
 * Float traces are keyed by the raw model's layer names; passes keep tensor names, so the layer of
 * the raw model producing the same tensor is the one to compare with.
 */
export function activationProfile(
  g: Graph,
  raw: Graph,
  fixed: Readonly<Record<string, { data: Float64Array }>>,
  float: Readonly<Record<string, { data: Float64Array }>>,
  maxSample = MAX_SAMPLE,
): ProfileEntry[] {
  const rawByTensor = new Map(raw.layers.map((l) => [l.outputs[0]!, l.name]));
  const out: ProfileEntry[] = [];
  for (const l of g.layers) {
    const t = fixedOf(l, 'result');
    const rawName = rawByTensor.get(l.outputs[0]!);
    const f = rawName !== undefined ? float[rawName] : undefined;
    if (f) out.push(entry(l.name, 'activation', 'result', 'float', t, summarize(f.data, t, maxSample)));
    const x = fixed[l.name];
    if (x) out.push(entry(l.name, 'activation', 'result', 'fixed', t, summarize(x.data, t, maxSample)));
  }
  return out;
}
