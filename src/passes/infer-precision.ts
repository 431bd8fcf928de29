/**
 * @fileoverview Pass `infer-precision`: every `auto` type becomes a concrete one, by hls4ml's
 * rules (InferPrecisionTypes), so the same configuration gives the same types and bits.
 *
 * - Dense / Conv / DepthwiseConv: weight and bias `auto` take the model default; accum and result
 *   `auto` are wide enough never to round: with n = number of products per output,
 *   W = Wx + Ww + ceil(log2 n), I = Ix + Iw + ceil(log2 n), then widened for the bias
 *   (I = max(I + [bias signed, acc not], Ib + [acc signed, bias not]) + 1, F = max(F, Fb)).
 *   16 inputs of fixed<16,6> with fixed<16,6> weights give fixed<37,17>.
 * - BatchNorm / ScaleBias: x * scale (full width) + bias by the same addition rule.
 * - Pooling: max keeps the input type; average adds ceil(log2 k) integer and 2 ceil(log2 k) bits.
 * - Merge add/sub/avg, mul, max/min and Concat: hls4ml's rules (pairwise for more inputs).
 * - Shape-only ops (Reshape, Flatten, Transpose, Pad, Resize): the input type.
 * - Linear activation: the input type (fastml: the cast is then a no-op and `remove-linear` drops
 *   it; hls4ml would give it the default type). Other activations, softmax, tables: the default.
 * Every inferred width/integer is bounded by the model's maximum precision when one is set (width
 * and integer bits clamped separately; non-default Q/O modes and the signedness of the maximum
 * are inherited), as hls4ml does.
 *
 * After inference, the softmax trap check (NUMERICS.md): an input type so wide that the softmax
 * exp table's index cannot tell typical logit differences apart gives a warning with a better type.
 */

import type { Graph, Layer } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { Pass, PassContext } from './pass.js';
import { diag } from '../diagnostics/diagnostic.js';
import { AUTO, MAX_WIDTH, fixedType, formatHls4ml, formatType, fracBits, isAuto, type FixedType, type TypeSpec } from '../fixed/type.js';
import { isFixed, locOf, producerLayer } from './graph-edit.js';
import { alphaConstType, constError, typeMaxAbs } from './split-scales.js';

export interface PrecisionOptions {
  /** The model default (hls4ml `Model: Precision: default`), fixed<16,6> when not given. */
  readonly defaultPrecision?: FixedType;
  /** hls4ml `Model: Precision: maximum`. */
  readonly maxPrecision?: FixedType;
}

export const DEFAULT_PRECISION = fixedType(16, 6);

const log2ceil = (n: number) => (n <= 1 ? 0 : Math.ceil(Math.log2(n)));

/** Clamps to the maximum precision as hls4ml's _apply_max_precision_constraints does. */
export function clampToMax(t: FixedType, max: FixedType | undefined): FixedType {
  if (!max) return t;
  const q = max.q !== 'AP_TRN' ? max.q : t.q;
  const o = max.o !== 'AP_WRAP' ? max.o : t.o;
  const n = max.n !== 0 ? max.n : t.n;
  const w = Math.min(t.w, max.w);
  return fixedType(w, Math.min(t.i, max.i), max.signed, q, o, Math.min(n, w));
}

/**
 * A type the inference rules produce: exact, so possibly wider than MAX_WIDTH (a bias of 1e-300
 * needs ~1000 fractional bits). The pass caps such types before they are used (capWidth).
 */
function wideType(w: number, i: number, signed: boolean): FixedType {
  if (w <= MAX_WIDTH) return fixedType(w, i, signed);
  return Object.freeze({ w, i, signed, q: 'AP_TRN', o: 'AP_WRAP', n: 0 }) as FixedType;
}

/**
 * Caps an inferred type at MAX_WIDTH bits, keeping the integer bits (so nothing that fits
 * overflows) and dropping the lowest fractional bits, and says so: the result then rounds where
 * hls4ml's type would not exist at all (its ap_fixed is limited to 1024 bits too).
 */
function capWidth(t: FixedType, layer: string, slot: string, ctx: PassContext): FixedType {
  if (t.w <= MAX_WIDTH) return t;
  const i = Math.min(t.i, MAX_WIDTH);
  const capped = fixedType(MAX_WIDTH, i, t.signed, t.q, t.o, Math.min(t.n, MAX_WIDTH));
  ctx.diagnostics.push(
    diag(
      'FML6560',
      `the exact ${slot} type would be ${t.w} bits wide (${t.w - t.i} fractional bits); capped at ${MAX_WIDTH} bits (${formatHls4ml(capped)}), which rounds below 2^-${MAX_WIDTH - i}`,
      { node: layer },
      'a weight or bias with a tiny magnitude (or all zeros) asks for very many fractional bits: set the layer\'s types, or a Model Precision maximum (--max-precision)',
      'warning',
    ),
  );
  return capped;
}

/** x + y with no rounding, hls4ml's addition rule. */
export function addRule(a: FixedType, b: FixedType, forceSigned = false): FixedType {
  const signed = a.signed || b.signed || forceSigned;
  const i = Math.max(a.i + (b.signed && !a.signed ? 1 : 0), b.i + (a.signed && !b.signed ? 1 : 0)) + 1;
  return wideType(i + Math.max(fracBits(a), fracBits(b)), i, signed);
}

/** Accumulator of n products x*w plus an optional bias (hls4ml `_infer_common_precision`). */
export function accumRule(x: FixedType, w: FixedType, n: number, bias?: FixedType): FixedType {
  let width = w.w + x.w + log2ceil(n);
  let integer = w.i + x.i + log2ceil(n);
  let signed = w.signed || x.signed;
  const frac = width - integer;
  if (bias) {
    integer = Math.max(integer + (bias.signed && !signed ? 1 : 0), bias.i + (signed && !bias.signed ? 1 : 0)) + 1;
    width = integer + Math.max(frac, fracBits(bias));
    signed = signed || bias.signed;
  }
  return wideType(width, integer, signed);
}

/** The saturating result type of the ReLU that alone reads layer `l`'s output, if there is one. */
function reluQuantizerAfter(g: Graph, l: Layer): FixedType | undefined {
  const readers = g.layers.filter((r) => r.inputs.includes(l.outputs[0]!));
  if (readers.length !== 1 || g.outputs.includes(l.outputs[0]!)) return undefined;
  const r = readers[0]!;
  if (r.attrs.op !== 'Activation' || r.attrs.activation !== 'relu' || !isFixed(r.precision.result)) return undefined;
  const t = r.precision.result as FixedType;
  return t.o === 'AP_SAT' || t.o === 'AP_SAT_SYM' ? t : undefined;
}

/** x * scale + bias at full precision (hls4ml `_infer_bn_precision`). */
export function scaleBiasRule(x: FixedType, scale: FixedType | undefined, bias: FixedType | undefined): FixedType {
  const after = scale ? wideType(x.w + scale.w, x.i + scale.i, x.signed || scale.signed) : x;
  return bias ? addRule(after, bias) : after;
}

/** max/min and concat: a type holding both inputs. */
function unionRule(a: FixedType, b: FixedType): FixedType {
  const signed = a.signed || b.signed;
  const ia = a.i + (signed && !a.signed ? 1 : 0);
  const ib = b.i + (signed && !b.signed ? 1 : 0);
  const i = Math.max(ia, ib);
  return wideType(i + Math.max(fracBits(a), fracBits(b)), i, signed);
}

/** Smallest type for a constant (hls4ml `_get_precision_from_constant`, at most 8 magnitude bits). */
export function constantType(v: number, maxWidth = 8): FixedType {
  if (v === 0 || !Number.isFinite(v)) return fixedType(1, 1, false);
  const signed = v < 0 ? 1 : 0;
  const a = Math.abs(v);
  const integer = Math.floor(Math.log2(a)) + 1;
  let f = 0;
  while (f < 60 && !Number.isInteger(a * 2 ** f)) f++;
  const width = Math.max(1, Math.min(signed + integer + f, signed + maxWidth));
  return fixedType(width, signed + integer, signed === 1);
}

/** Products per output of a Dense/Conv layer (hls4ml n_ops). */
export function productsPerOutput(l: Layer): number {
  const a = l.attrs;
  if (a.op === 'Dense') return a.nIn;
  if (a.op === 'Conv') return (a.cIn / a.groups) * a.kernel.reduce((p, k) => p * k, 1);
  if (a.op === 'DepthwiseConv') return a.kernel.reduce((p, k) => p * k, 1);
  return 1;
}

const SHAPE_ONLY = new Set(['Reshape', 'Flatten', 'Transpose', 'Pad', 'Resize', 'Identity', 'Dropout']);

export function inferPrecisionPass(opts: PrecisionOptions = {}): Pass {
  return {
    name: 'infer-precision',
    description: "resolve 'auto' types (hls4ml's inference rules, bounded by the maximum precision); warn about the softmax trap",
    run(g: Graph, ctx: PassContext): Graph {
      const dflt = opts.defaultPrecision ?? DEFAULT_PRECISION;
      const max = opts.maxPrecision;
      const typeOf = new Map<string, FixedType>();
      const inType = (t: string): FixedType => typeOf.get(t) ?? dflt;
      const inferred: Record<string, Record<string, string>> = {};
      let changed = false;

      const layers = g.layers.map((l) => {
        const p: Record<string, TypeSpec | undefined> = { ...l.precision };
        const autoSlots = Object.keys(p).filter((k) => isAuto(p[k]));
        const concrete = (slot: string): FixedType | undefined => (isFixed(p[slot]) ? (p[slot] as FixedType) : undefined);
        const fillDefault = (slot: string) => {
          if (isAuto(p[slot])) p[slot] = dflt;
        };
        const x = l.inputs.length ? inType(l.inputs[0]!) : dflt;
        const a = l.attrs;
        const setResultAndAccum = (t: FixedType) => {
          const c = clampToMax(t, max);
          if (isAuto(p.accum)) p.accum = c;
          if (isAuto(p.result)) p.result = c;
        };
        switch (a.op) {
          case 'Dense':
          case 'Conv':
          case 'DepthwiseConv': {
            fillDefault('weight');
            fillDefault('bias');
            if (isAuto(p.accum) || isAuto(p.result)) {
              const w = concrete('weight') ?? dflt;
              const hasBias = l.weights.bias !== undefined;
              const b = hasBias ? (concrete('bias') ?? dflt) : undefined;
              setResultAndAccum(accumRule(x, w, productsPerOutput(l), b));
            }
            break;
          }
          case 'BatchNorm':
          case 'ScaleBias': {
            if (a.op === 'ScaleBias' && a.alpha) {
              // Scale layers from quantizers: constants sized to their values (split-scales).
              // A scale layer feeding only a ReLU whose result is a saturating quantizer type T
              // rounds at once to T with a sign bit: relu(cast(v)) = cast_T(relu(v)) for every v
              // (a negative value never rounds above 0), so the design is unchanged and the
              // scale layer's result stays narrow.
              if (isAuto(p.result)) {
                const t = reluQuantizerAfter(g, l);
                if (t) p.result = t.signed ? t : fixedType(t.w + 1, t.i + 1, true, t.q, t.o);
              }
              // With a narrow result, the wide kernel computes x * scale + bias exactly whatever
              // the operands' widths, so the scale keeps 24 bits. An exact (auto) result must stay
              // a double: the scale then gets at most 50 - W(x) bits. The bias gets no finer LSB
              // than the product.
              const res = concrete('result');
              const scaleBits = res && res.w <= 53 ? 24 : Math.min(24, Math.max(8, 50 - x.w));
              if (isAuto(p.scale) && l.weights.scale) p.scale = alphaConstType(l.weights.scale.data, scaleBits).type;
              const st = concrete('scale');
              if (isAuto(p.bias) && l.weights.bias) p.bias = alphaConstType(l.weights.bias.data, 24, st ? fracBits(x) + fracBits(st) : Infinity).type;
            }
            fillDefault('scale');
            fillDefault('bias');
            if (isAuto(p.result)) {
              const s = a.op === 'ScaleBias' && !l.weights.scale ? undefined : (concrete('scale') ?? dflt);
              const b = a.op === 'ScaleBias' && !l.weights.bias ? undefined : (concrete('bias') ?? dflt);
              p.result = clampToMax(scaleBiasRule(x, s, b), max);
            }
            break;
          }
          case 'Pool':
          case 'GlobalPool': {
            if (isAuto(p.accum)) {
              if (a.mode === 'max') p.accum = x;
              else {
                const k = a.op === 'Pool' ? a.pool.reduce((q, v) => q * v, 1) : numel(g.tensors.get(l.inputs[0]!)?.shape.slice(0, -1) ?? [1]);
                const e = log2ceil(k);
                p.accum = wideType(x.w + 2 * e, x.i + e, x.signed);
              }
            }
            if (isAuto(p.result)) p.result = x;
            break;
          }
          case 'Merge': {
            if (isAuto(p.result)) {
              const ins = l.inputs.map(inType);
              let t = ins[0]!;
              for (const y of ins.slice(1)) {
                if (a.mode === 'add' || a.mode === 'sub' || a.mode === 'avg') t = addRule(t, y, a.mode === 'sub');
                else if (a.mode === 'mul') t = wideType(t.w + y.w, t.i + y.i, t.signed || y.signed);
                else t = unionRule(t, y);
              }
              p.result = a.mode === 'max' || a.mode === 'min' ? t : clampToMax(t, max);
            }
            break;
          }
          case 'Concat': {
            if (isAuto(p.result)) {
              const ins = l.inputs.map(inType);
              const same = ins.every((t) => formatType(t) === formatType(ins[0]!));
              p.result = same ? ins[0]! : clampToMax(ins.slice(1).reduce(unionRule, ins[0]!), max);
            }
            break;
          }
          case 'Activation': {
            if (isAuto(p.result) && a.activation === 'linear') p.result = x;
            if (isAuto(p.param)) {
              if (a.activation === 'prelu' || a.activation === 'thresholded_relu') p.param = x;
              else {
                const v = a.activation === 'leaky_relu' || a.activation === 'elu' ? a.alpha : undefined;
                if (v !== undefined) p.param = constantType(v);
              }
            }
            break;
          }
          case 'MultiHeadAttention': {
            // The softmax over keys (docs/numerics.md): score differences saturate at 16 (exp(-16)
            // is below any accum LSB), exp and 1/x values lie in (0, 1], the sum of exps in [1, keys].
            const keys = g.tensors.get(l.inputs[1]!)?.shape[0] ?? 1;
            const sat = (w: number, i: number) => fixedType(w, i, false, 'AP_RND', 'AP_SAT');
            if (isAuto(p.inp_norm)) p.inp_norm = sat(16, 4);
            if (isAuto(p.exp_table)) p.exp_table = sat(18, 1);
            if (isAuto(p.inv_table)) p.inv_table = sat(18, 1);
            if (isAuto(p.inv_inp)) p.inv_inp = sat(18, log2ceil(keys + 1));
            break;
          }
          default:
            if (SHAPE_ONLY.has(a.op) && isAuto(p.result)) p.result = x;
        }
        for (const k of autoSlots) {
          const t = p[k];
          if (isFixed(t)) p[k] = capWidth(t as FixedType, l.name, k, ctx);
        }
        // Whatever is still auto takes the model default (hls4ml `_infer_default_type`).
        for (const k of Object.keys(p)) if (isAuto(p[k])) p[k] = dflt;
        const res = p.result;
        typeOf.set(l.outputs[0]!, isFixed(res) ? res : a.op === 'Input' ? dflt : res === undefined && SHAPE_ONLY.has(a.op) ? x : dflt);
        if (autoSlots.length === 0) return l;
        changed = true;
        inferred[l.name] = Object.fromEntries(autoSlots.map((s) => [s, formatHls4ml(p[s] as FixedType)]));
        return { ...l, precision: p as Layer['precision'] };
      });

      const out = changed ? { ...g, layers } : g;
      if (changed) ctx.report.inferredPrecision = { ...((ctx.report.inferredPrecision as object) ?? {}), ...inferred };
      checkTableInputs(out, ctx, typeOf);
      checkScaleLayers(out, ctx, typeOf);
      return out;
    },
  };
}

/** A scale layer's error bound: how far its output can be from x * scale + bias in exact arithmetic. */
export interface ScaleLayerBound {
  readonly layer: string;
  readonly scale?: string;
  readonly bias?: string;
  /** Largest representation error of the scale / bias constants. */
  readonly scaleErr: number;
  readonly biasErr: number;
  /** max|x| * scaleErr + biasErr, before the result cast. */
  readonly bound: number;
}

/**
 * Reports, for every scale layer made from a quantizer (split-scales), how far its constants are
 * from the model's float scale and bias, and the resulting bound on its output error before the
 * result cast (the result type's own rounding comes on top). Non-zero bounds are warned (FML6505).
 */
export function checkScaleLayers(g: Graph, ctx: PassContext, typeOf: Map<string, FixedType>): void {
  const rows: ScaleLayerBound[] = [];
  for (const l of g.layers) {
    if (l.attrs.op !== 'ScaleBias' || !l.attrs.alpha) continue;
    const st = l.precision.scale;
    const bt = l.precision.bias;
    const sw = l.weights.scale;
    const bw = l.weights.bias;
    const scaleErr = sw && isFixed(st) ? constError(sw.data, st) : 0;
    const biasErr = bw && isFixed(bt) ? constError(bw.data, bt) : 0;
    const x = typeOf.get(l.inputs[0]!);
    const bound = (x ? typeMaxAbs(x) : Infinity) * scaleErr + biasErr;
    const row: ScaleLayerBound = {
      layer: l.name,
      ...(sw && isFixed(st) ? { scale: formatHls4ml(st) } : {}),
      ...(bw && isFixed(bt) ? { bias: formatHls4ml(bt) } : {}),
      scaleErr,
      biasErr,
      bound,
    };
    rows.push(row);
    if (bound > 0)
      ctx.diagnostics.push(
        diag(
          'FML6505',
          `scale layer "${l.name}" holds its float scale${bw ? ' and bias' : ''} as ${row.scale ?? '-'}${row.bias ? ` / ${row.bias}` : ''} (largest error ${scaleErr.toPrecision(3)}${bw ? ` / ${biasErr.toPrecision(3)}` : ''}): its output can differ from the float model's by up to ${bound.toPrecision(3)} before rounding to its result type`,
          locOf(g, l),
          `give LayerName ${l.name} Precision scale (and bias) wider types to shrink the bound, or train with power-of-two scales`,
          'warning',
        ),
      );
  }
  if (rows.length) ctx.report.scaleLayerBounds = rows;
}

/** The proposal for a softmax input: hls4ml's default width, saturating so large logits clip. */
const SANE_SOFTMAX_INPUT = fixedType(16, 6, true, 'AP_RND', 'AP_SAT');

/**
 * Warns when a softmax input type is so wide that the exp table's index step (the value range
 * covered by the table divided by its size) exceeds 1/4: logits closer than that share one entry,
 * and with e.g. fixed<37,17> every output becomes equal (NUMERICS.md "Known trap").
 */
export function checkTableInputs(g: Graph, ctx: PassContext, typeOf: Map<string, FixedType>): void {
  for (const l of g.layers) {
    if (l.attrs.op !== 'Softmax') continue;
    const impl = l.attrs.implementation ?? 'stable';
    if (impl === 'legacy' || impl === 'argmax') continue;
    const x = typeOf.get(l.inputs[0]!);
    if (!x) continue;
    const n = Math.min(l.tableSize ?? 1024, 2 ** Math.max(1, x.w - 1));
    // stable: the table indexes d = max - x in ufixed<W-1, I-1>, i.e. [0, 2^(I-1));
    // latency: it indexes the signed input, [-2^(I-1), 2^(I-1)).
    const span = impl === 'stable' ? 2 ** (x.i - 1) : 2 ** x.i;
    const step = span / n;
    if (step <= 0.25) continue;
    const prod = producerLayer(g, l.inputs[0]!);
    ctx.diagnostics.push(
      diag(
        'FML6520',
        `softmax "${l.name}" gets its input as ${formatHls4ml(x)}: its ${n}-entry exp table then steps by ${step} in the logits, so outputs for inputs closer than that are identical (the softmax trap)`,
        locOf(g, l),
        `give ${prod ? `layer "${prod.name}"` : 'its input'} the result type ${formatHls4ml(SANE_SOFTMAX_INPUT)} (or any type with about 6 integer bits and saturation)`,
        'warning',
      ),
    );
  }
}

export { AUTO };
