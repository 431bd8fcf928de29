/**
 * @fileoverview Pass `quantize-auto` (`--quantize auto[:BITS] --calibration X.npy`): post-training
 * quantization from the ranges seen on calibration inputs.
 *
 * The float reference runs every calibration sample through the graph as it is at this point of
 * the pipeline (after folding, so the ranges are those of the layers that will be built). For each
 * layer output, with m = max |value| seen:
 *   signed   fixed<BITS, floor(log2 m) + 2 + headroom, RND, SAT>   (2^(I-1) > m)
 *   unsigned ufixed<BITS, floor(log2 m) + 1 + headroom, RND, SAT> when nothing negative was seen.
 * Results round to nearest and saturate, because inputs outside the calibration range must clip,
 * not wrap. Weights and biases get the same width, with integer bits from their own largest
 * magnitude (no headroom: they are known exactly) and RND_CONV. Accumulators of Dense/Conv become
 * `auto`, so precision inference sizes them from the chosen types (never rounding).
 * Layers whose types come from the model's own quantizers keep them, and so does a softmax output
 * (its range is fixed by the configuration). What was chosen is reported per tensor.
 */

import type { Graph, Layer } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { Pass, PassContext } from './pass.js';
import { DiagnosticError, diag } from '../diagnostics/diagnostic.js';
import { AUTO, fixedType, formatHls4ml, type FixedType, type TypeSpec } from '../fixed/type.js';
import { evaluateFloat } from '../emulator/float.js';
import { batchNormScaleBias } from './fold-batchnorm.js';

export interface QuantizeAutoSpec {
  /** Width of every chosen type. */
  readonly bits: number;
  /** Extra integer bits above the largest value seen. */
  readonly headroom: number;
}

/** Calibration inputs in the IR layout, sample-major: `inputs[name]` holds n * numel(shape) values. */
export interface Calibration {
  readonly inputs: Readonly<Record<string, Float64Array>>;
  readonly n: number;
  readonly file?: string;
}

/** `auto`, `auto:8`, `auto:8:2` (bits, headroom). */
export function parseQuantizeSpec(text: string): QuantizeAutoSpec {
  const m = /^\s*auto(?::(\d+))?(?::(\d+))?\s*$/.exec(text);
  if (!m) throw new DiagnosticError([diag('FML6550', `--quantize: "${text}" is not auto[:BITS[:HEADROOM]]`, undefined, 'e.g. --quantize auto:8 --calibration X.npy')]);
  const bits = m[1] !== undefined ? Number(m[1]) : 16;
  const headroom = m[2] !== undefined ? Number(m[2]) : 1;
  if (bits < 2 || bits > 64) throw new DiagnosticError([diag('FML6550', `--quantize: width ${bits} must be 2..64`)]);
  return { bits, headroom };
}

/** Integer bits so that values up to `m` in magnitude fit, plus headroom. */
export function integerBitsFor(m: number, signed: boolean, headroom: number): number {
  if (!(m > 0)) return signed ? 1 : 0;
  return Math.floor(Math.log2(m)) + (signed ? 2 : 1) + headroom;
}

/**
 * Most fractional bits a chosen type gets. Without a bound, a tensor whose largest magnitude is
 * tiny (a bias of zeros seen as 5e-324, a dead channel) asks for ~1000 fractional bits, and the
 * accumulators inferred from it go past the 1024-bit limit of ap_fixed. Values below 2^-64 are
 * noise for a trigger model; they quantize to zero.
 */
export const MAX_CHOSEN_FRAC_BITS = 64;

function rangeType(min: number, max: number, bits: number, headroom: number, q: FixedType['q'], o: FixedType['o'], forceSigned = false): FixedType {
  const signed = forceSigned || min < 0;
  const m = Math.max(Math.abs(min), Math.abs(max));
  const i = Math.max(integerBitsFor(m, signed, headroom), bits - MAX_CHOSEN_FRAC_BITS);
  return fixedType(bits, i, signed, q, o);
}

function extent(d: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < d.length; k++) {
    const v = d[k]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return d.length ? { min, max } : { min: 0, max: 0 };
}

export interface CalibratedTensor {
  readonly layer: string;
  readonly slot: string;
  readonly min: number;
  readonly max: number;
  readonly type: string;
}

/** Per layer output: min and max over the calibration set (float reference). */
export function calibrationRanges(g: Graph, cal: Calibration): Map<string, { min: number; max: number }> {
  const ranges = new Map<string, { min: number; max: number }>();
  const see = (name: string, d: ArrayLike<number>) => {
    const e = extent(d);
    const r = ranges.get(name);
    ranges.set(name, r ? { min: Math.min(r.min, e.min), max: Math.max(r.max, e.max) } : e);
  };
  const sizes = Object.fromEntries(g.inputs.map((t) => [t, numel(g.tensors.get(t)!.shape)]));
  for (let s = 0; s < cal.n; s++) {
    const ins: Record<string, Float64Array> = {};
    for (const t of g.inputs) ins[t] = cal.inputs[t]!.subarray(s * sizes[t]!, (s + 1) * sizes[t]!);
    const r = evaluateFloat(g, ins, { trace: true });
    for (const t of g.inputs) {
      const inputLayer = g.layers.find((l) => l.outputs[0] === t);
      if (inputLayer) see(inputLayer.name, ins[t]!);
    }
    for (const [name, v] of Object.entries(r.trace ?? {})) see(name, v);
  }
  return ranges;
}

export function quantizeAutoPass(spec: QuantizeAutoSpec, cal: Calibration | undefined): Pass {
  return {
    name: 'quantize-auto',
    description: `post-training types of ${spec.bits} bits from calibration ranges (+${spec.headroom} headroom bits)`,
    run(g: Graph, ctx: PassContext): Graph {
      if (!cal || cal.n === 0)
        throw new DiagnosticError([diag('FML6551', '--quantize auto needs calibration inputs', undefined, 'pass --calibration X.npy (samples in the model\'s input layout)')]);
      for (const t of g.inputs) {
        const want = numel(g.tensors.get(t)!.shape) * cal.n;
        const have = cal.inputs[t]?.length;
        if (have !== want)
          throw new DiagnosticError([
            diag('FML6552', `calibration data for input "${t}" has ${have ?? 0} values, expected ${cal.n} samples of ${numel(g.tensors.get(t)!.shape)}`, cal.file ? { file: cal.file } : undefined),
          ]);
      }
      const ranges = calibrationRanges(g, cal);
      const chosen: CalibratedTensor[] = [];
      const layers = g.layers.map((l): Layer => {
        const fromModel = l.quant && Object.keys(l.quant).length > 0;
        if (fromModel || l.attrs.op === 'Softmax') return l;
        const p: Record<string, TypeSpec | undefined> = { ...l.precision };
        const r = ranges.get(l.name);
        if (r && Number.isFinite(r.min) && Number.isFinite(r.max)) {
          const t = rangeType(r.min, r.max, spec.bits, spec.headroom, 'AP_RND', 'AP_SAT');
          p.result = t;
          chosen.push({ layer: l.name, slot: 'result', min: r.min, max: r.max, type: formatHls4ml(t) });
        }
        const weightSlots: [string, string][] =
          l.attrs.op === 'Dense' || l.attrs.op === 'Conv' || l.attrs.op === 'DepthwiseConv'
            ? [
                ['kernel', 'weight'],
                ['bias', 'bias'],
              ]
            : l.attrs.op === 'BatchNorm' || l.attrs.op === 'ScaleBias'
              ? [
                  ['scale', 'scale'],
                  ['bias', 'bias'],
                ]
              : [];
        const bn = l.attrs.op === 'BatchNorm' ? batchNormScaleBias(l) : undefined;
        for (const [role, slot] of weightSlots) {
          const data = bn ? (role === 'scale' ? bn.scale : bn.bias) : l.weights[role]?.data;
          if (!data) continue;
          const e = extent(data);
          const t = rangeType(e.min, e.max, spec.bits, 0, 'AP_RND_CONV', 'AP_SAT', true);
          p[slot] = t;
          chosen.push({ layer: l.name, slot, min: e.min, max: e.max, type: formatHls4ml(t) });
        }
        if ('accum' in p && (l.attrs.op === 'Dense' || l.attrs.op === 'Conv' || l.attrs.op === 'DepthwiseConv')) p.accum = AUTO;
        return { ...l, precision: p as Layer['precision'] };
      });
      ctx.report.quantizeAuto = { bits: spec.bits, headroom: spec.headroom, samples: cal.n, tensors: chosen };
      return { ...g, layers };
    },
  };
}
