/**
 * @fileoverview One converter per Keras / QKeras layer class, from a flattened layer call to IR
 * layers. Each converter first checks the config (recording every unsupported attribute through
 * the builder) and only then reads input shapes, so a model with several problems reports them
 * all in one run. Weights stay in Keras layouts and in the stored float values (QKeras saves the
 * unquantized kernels; the quantizers are recorded as `quant` facts for the quantization pass).
 */

import type { LayerAttrs, Padding2D, QuantFact, Shape, SourceRef, WeightTensor } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { GraphBuilder } from './build.js';
import { activationSpec, namedActivation } from './activations.js';
import type { ActivationSpec } from './activations.js';
import { parseQuantizer, quantFact } from './qkeras.js';
import type { FlatLayer } from './config.js';
import type { StoredWeight } from './h5.js';
import { assignRoles } from './weights.js';
import { SEQUENCE_CONVERTERS } from './recurrent.js';

export interface ConvertCtx {
  readonly b: GraphBuilder;
  readonly keras3: boolean;
  /** Stored weights of a Keras layer (by name), if any. */
  readonly weightsOf: (layer: string) => StoredWeight[] | undefined;
}

type Converter = (l: FlatLayer, ins: string[], src: SourceRef, c: ConvertCtx) => string | undefined;

const positiveInt = (n: number) => Number.isInteger(n) && n > 0;

const ZERO_PADS: Padding2D = { top: 0, bottom: 0, left: 0, right: 0 };

/** `n` or `[n]` or `[a, b]` -> array of length `dims`. */
function tuple(v: unknown, dims: number): number[] | undefined {
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x > 0;
  if (ok(v)) return Array(dims).fill(v);
  if (Array.isArray(v) && v.length === dims && v.every(ok)) return v as number[];
  return undefined;
}

/** Keras/TF "same" padding per spatial axis: total split floor(total/2) before, the rest after. */
function samePads(inSp: readonly number[], k: readonly number[], s: readonly number[], d: readonly number[]): [number, number][] {
  return inSp.map((n, i) => {
    const total = Math.max((Math.ceil(n / s[i]!) - 1) * s[i]! + (k[i]! - 1) * d[i]! + 1 - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  });
}

function toPads(p: [number, number][], dims: number): Padding2D {
  return dims === 1 ? { top: 0, bottom: 0, left: p[0]![0], right: p[0]![1] } : { top: p[0]![0], bottom: p[0]![1], left: p[1]![0], right: p[1]![1] };
}

function checkChannelsLast(l: FlatLayer, src: SourceRef, c: ConvertCtx): boolean {
  const df = l.config.data_format;
  if (df !== undefined && df !== null && df !== 'channels_last') {
    c.b.problem('FML2402', `data_format "${df}" is not supported (only channels_last)`, src);
    return false;
  }
  return true;
}

function quantOf(l: FlatLayer, src: SourceRef, c: ConvertCtx, keys: Record<string, string>): Record<string, QuantFact> | undefined {
  const out: Record<string, QuantFact> = {};
  let ok = true;
  for (const [cfgKey, role] of Object.entries(keys)) {
    try {
      const q = parseQuantizer(l.config[cfgKey]);
      if (q) out[role] = quantFact(q);
    } catch (e) {
      c.b.problem('FML2403', `${cfgKey}: ${(e as Error).message}`, src);
      ok = false;
    }
  }
  return ok ? out : undefined;
}

/**
 * A layer's own `activation=`, read before anything else so that an unsupported activation is
 * reported together with the layer's other problems. null = a problem was recorded.
 */
function ownActivation(l: FlatLayer, src: SourceRef, c: ConvertCtx): ActivationSpec | undefined | null {
  try {
    return activationSpec(l.config.activation, c.keras3);
  } catch (e) {
    c.b.problem('FML2404', (e as Error).message, src);
    return null;
  }
}

/** Appends the layer's own activation (hls4ml naming `<name>_<activation>`); returns the output. */
function withActivation(l: FlatLayer, x: string, src: SourceRef, c: ConvertCtx, spec: ActivationSpec | undefined): string {
  if (!spec) return x;
  return c.b.add({ name: `${l.name}_${spec.suffix}`, attrs: spec.attrs, inputs: [x], ...(spec.quant ? { quant: spec.quant } : {}), source: src });
}

function activationOnly(l: FlatLayer, src: SourceRef, c: ConvertCtx): { attrs: LayerAttrs; quant?: Record<string, QuantFact> } | undefined {
  try {
    const spec = activationSpec(l.config.activation, c.keras3);
    return spec ? { attrs: spec.attrs, ...(spec.quant ? { quant: spec.quant } : {}) } : { attrs: { op: 'Activation', activation: 'linear' } };
  } catch (e) {
    c.b.problem('FML2404', (e as Error).message, src);
    return undefined;
  }
}

function weightsFor(l: FlatLayer, src: SourceRef, c: ConvertCtx, roles: string[], expect: Record<string, Shape>): Record<string, WeightTensor> | undefined {
  const stored = c.weightsOf(l.name) ?? [];
  const r = assignRoles(stored, roles, expect);
  if (typeof r === 'string') {
    c.b.problem('FML2405', r, src);
    return undefined;
  }
  return r;
}

const zeros = (n: number): WeightTensor => ({ shape: [n], data: new Float32Array(n) });
const ones = (n: number): WeightTensor => ({ shape: [n], data: new Float32Array(n).fill(1) });

function dense(l: FlatLayer, ins: string[], src: SourceRef, c: ConvertCtx): string | undefined {
  const units = Number(l.config.units);
  const useBias = l.config.use_bias !== false;
  const act = ownActivation(l, src, c);
  const q = l.className === 'QDense' ? quantOf(l, src, c, { kernel_quantizer: 'kernel', bias_quantizer: 'bias' }) : {};
  if (!positiveInt(units)) c.b.problem('FML2401', l.config.units === undefined ? 'units is missing from the layer config' : `units ${JSON.stringify(l.config.units)} is not a positive integer`, src);
  if (!q || !positiveInt(units)) return undefined;
  const x = c.b.shapeOf(ins[0]!);
  const nIn = x[x.length - 1]!;
  const w = weightsFor(l, src, c, useBias ? ['kernel', 'bias'] : ['kernel'], { kernel: [nIn, units], bias: [units] });
  if (!w || act === null) return undefined;
  // hls4ml gives a bias-free Dense a zero bias; doing the same keeps every Dense uniform downstream.
  if (!w.bias) w.bias = zeros(units);
  const y = c.b.add({ name: l.name, attrs: { op: 'Dense', nIn, nOut: units }, inputs: ins, weights: w, quant: q, source: src });
  return withActivation(l, y, src, c, act);
}

function convLike(l: FlatLayer, ins: string[], src: SourceRef, c: ConvertCtx, dims: 1 | 2, kind: 'conv' | 'depthwise' | 'separable'): string | undefined {
  const cfg = l.config;
  let ok = checkChannelsLast(l, src, c);
  const k = tuple(cfg.kernel_size, dims);
  const s = tuple(cfg.strides ?? 1, dims);
  const d = tuple(cfg.dilation_rate ?? 1, dims);
  if (!k || !s || !d) {
    c.b.problem('FML2401', `kernel_size/strides/dilation_rate not understood: ${JSON.stringify([cfg.kernel_size, cfg.strides, cfg.dilation_rate])}`, src);
    ok = false;
  }
  const padding = String(cfg.padding ?? 'valid').toLowerCase();
  if (!['valid', 'same'].includes(padding) && !(padding === 'causal' && dims === 1 && kind === 'conv')) {
    c.b.problem('FML2402', `padding "${cfg.padding}" is not supported`, src);
    ok = false;
  }
  if (kind !== 'depthwise' && !positiveInt(Number(cfg.filters))) {
    c.b.problem('FML2401', cfg.filters === undefined ? 'filters is missing from the layer config' : `filters ${JSON.stringify(cfg.filters)} is not a positive integer`, src);
    ok = false;
  }
  if (kind !== 'conv' && !positiveInt(Number(cfg.depth_multiplier ?? 1))) {
    c.b.problem('FML2401', `depth_multiplier ${JSON.stringify(cfg.depth_multiplier)} is not a positive integer`, src);
    ok = false;
  }
  const groups = Number(cfg.groups ?? 1);
  if (!Number.isInteger(groups) || groups < 1) {
    c.b.problem('FML2402', `groups ${JSON.stringify(cfg.groups)} is not a positive integer`, src);
    ok = false;
  } else if (kind === 'conv' && positiveInt(Number(cfg.filters)) && Number(cfg.filters) % groups !== 0) {
    c.b.problem('FML2402', `groups=${groups} does not divide filters=${cfg.filters}`, src);
    ok = false;
  }
  const mult = Number(cfg.depth_multiplier ?? 1);
  const useBias = cfg.use_bias !== false;
  const isQ = l.className.startsWith('Q');
  const qkeys: Record<string, string> =
    kind === 'conv'
      ? { kernel_quantizer: 'kernel', bias_quantizer: 'bias' }
      : kind === 'depthwise'
        ? { depthwise_quantizer: 'kernel', bias_quantizer: 'bias' }
        : { depthwise_quantizer: 'depthwise', pointwise_quantizer: 'pointwise', bias_quantizer: 'bias' };
  const q = isQ ? quantOf(l, src, c, qkeys) : {};
  const act = ownActivation(l, src, c);
  if (!ok || !q) return undefined;
  const x = c.b.shapeOf(ins[0]!);
  if (x.length !== dims + 1) {
    c.b.problem('FML2402', `a ${dims}-D convolution takes inputs of ${dims} spatial dims and channels; the input has shape [${x.join(', ')}]`, src);
    return undefined;
  }
  const cIn = x[dims]!;
  const inSp = x.slice(0, dims);
  const pads =
    padding === 'same'
      ? toPads(samePads(inSp, k!, s!, d!), dims)
      : padding === 'causal'
        ? { ...ZERO_PADS, left: d![0]! * (k![0]! - 1) }
        : ZERO_PADS;
  if (kind === 'conv') {
    const filters = Number(cfg.filters);
    if (cIn % groups !== 0) {
      c.b.problem('FML2402', `groups=${groups} does not divide the ${cIn} input channels`, src);
      return undefined;
    }
    const w = weightsFor(l, src, c, useBias ? ['kernel', 'bias'] : ['kernel'], { kernel: [...k!, cIn / groups, filters], bias: [filters] });
    if (!w || act === null) return undefined;
    if (!w.bias) w.bias = zeros(filters);
    const attrs: LayerAttrs = { op: 'Conv', dims, kernel: k!, strides: s!, dilations: d!, pads, cIn, cOut: filters, groups };
    const y = c.b.add({ name: l.name, attrs, inputs: ins, weights: w, quant: q, source: src });
    return withActivation(l, y, src, c, act);
  }
  if (kind === 'depthwise') {
    const w = weightsFor(l, src, c, useBias ? ['kernel', 'bias'] : ['kernel'], { kernel: [...k!, cIn, mult], bias: [cIn * mult] });
    if (!w || act === null) return undefined;
    if (!w.bias) w.bias = zeros(cIn * mult);
    const attrs: LayerAttrs = { op: 'DepthwiseConv', dims, kernel: k!, strides: s!, dilations: d!, pads, cIn, depthMultiplier: mult };
    const y = c.b.add({ name: l.name, attrs, inputs: ins, weights: w, quant: q, source: src });
    return withActivation(l, y, src, c, act);
  }
  // SeparableConv = depthwise (no bias) then a 1x1 pointwise conv carrying the bias, named as
  // hls4ml's separable-conv split names them: <name>_depthwise and <name>_pointwise.
  const filters = Number(cfg.filters);
  const w = weightsFor(l, src, c, useBias ? ['depthwise', 'pointwise', 'bias'] : ['depthwise', 'pointwise'], {
    depthwise: [...k!, cIn, mult],
    pointwise: [...Array(dims).fill(1), cIn * mult, filters],
    bias: [filters],
  });
  if (!w || act === null) return undefined;
  const dq: Record<string, QuantFact> = q.depthwise ? { kernel: q.depthwise } : {};
  const pq: Record<string, QuantFact> = { ...(q.pointwise ? { kernel: q.pointwise } : {}), ...(q.bias ? { bias: q.bias } : {}) };
  const dwAttrs: LayerAttrs = { op: 'DepthwiseConv', dims, kernel: k!, strides: s!, dilations: d!, pads, cIn, depthMultiplier: mult };
  const dw = c.b.add({ name: `${l.name}_depthwise`, attrs: dwAttrs, inputs: ins, weights: { kernel: w.depthwise!, bias: zeros(cIn * mult) }, quant: dq, source: src });
  const one = Array(dims).fill(1);
  const pwAttrs: LayerAttrs = { op: 'Conv', dims, kernel: one, strides: one, dilations: one, pads: ZERO_PADS, cIn: cIn * mult, cOut: filters, groups: 1 };
  const pw = c.b.add({ name: `${l.name}_pointwise`, attrs: pwAttrs, inputs: [dw], weights: { kernel: w.pointwise!, bias: w.bias ?? zeros(filters) }, quant: pq, source: src });
  return withActivation(l, pw, src, c, act);
}

function pool(l: FlatLayer, ins: string[], src: SourceRef, c: ConvertCtx, dims: 1 | 2, mode: 'max' | 'avg'): string | undefined {
  const cfg = l.config;
  let ok = checkChannelsLast(l, src, c);
  const p = tuple(cfg.pool_size ?? 2, dims);
  const s = cfg.strides === null || cfg.strides === undefined ? p : tuple(cfg.strides, dims);
  const padding = String(cfg.padding ?? 'valid').toLowerCase();
  if (!p || !s) {
    c.b.problem('FML2401', `pool_size/strides not understood: ${JSON.stringify([cfg.pool_size, cfg.strides])}`, src);
    ok = false;
  }
  if (padding !== 'valid' && padding !== 'same') {
    c.b.problem('FML2402', `padding "${cfg.padding}" is not supported`, src);
    ok = false;
  }
  const q = l.className.startsWith('Q') ? quantOf(l, src, c, { average_quantizer: 'result' }) : {};
  if (!ok || !q) return undefined;
  const x = c.b.shapeOf(ins[0]!);
  const pads = padding === 'same' ? toPads(samePads(x.slice(0, dims), p!, s!, Array(dims).fill(1)), dims) : ZERO_PADS;
  // Keras averages over the valid (unpadded) window only.
  const attrs: LayerAttrs = { op: 'Pool', dims, mode, pool: p!, strides: s!, pads, countIncludePad: false };
  return c.b.add({ name: l.name, attrs, inputs: ins, quant: q, source: src });
}

function globalPool(l: FlatLayer, ins: string[], src: SourceRef, c: ConvertCtx, dims: 1 | 2, mode: 'max' | 'avg'): string | undefined {
  if (!checkChannelsLast(l, src, c)) return undefined;
  const q = l.className.startsWith('Q') ? quantOf(l, src, c, { average_quantizer: 'result' }) : {};
  if (!q) return undefined;
  const g = c.b.add({ name: l.name, attrs: { op: 'GlobalPool', dims, mode }, inputs: ins, quant: q, source: src });
  if (!l.config.keepdims) return g;
  const ch = c.b.shapeOf(g)[0]!;
  return c.b.add({ name: `${l.name}_keepdims`, attrs: { op: 'Reshape' }, inputs: [g], target: [...Array(dims).fill(1), ch], source: src });
}

function batchNorm(l: FlatLayer, ins: string[], src: SourceRef, c: ConvertCtx): string | undefined {
  const cfg = l.config;
  const q =
    l.className === 'QBatchNormalization'
      ? quantOf(l, src, c, { gamma_quantizer: 'gamma', beta_quantizer: 'beta', mean_quantizer: 'mean', variance_quantizer: 'variance' })
      : {};
  const x = c.b.shapeOf(ins[0]!);
  const axis = Array.isArray(cfg.axis) ? (cfg.axis.length === 1 ? cfg.axis[0] : NaN) : Number(cfg.axis ?? -1);
  if (!(axis === -1 || axis === x.length)) {
    c.b.problem('FML2402', `axis ${JSON.stringify(cfg.axis)} is not supported (only the channel/last axis)`, src);
    return undefined;
  }
  if (!q) return undefined;
  const ch = x[x.length - 1]!;
  const scale = cfg.scale !== false;
  const center = cfg.center !== false;
  const roles = [...(scale ? ['gamma'] : []), ...(center ? ['beta'] : []), 'mean', 'variance'];
  const w = weightsFor(l, src, c, roles, { gamma: [ch], beta: [ch], mean: [ch], variance: [ch] });
  if (!w) return undefined;
  if (!w.gamma) w.gamma = ones(ch);
  if (!w.beta) w.beta = zeros(ch);
  return c.b.add({ name: l.name, attrs: { op: 'BatchNorm', epsilon: Number(cfg.epsilon ?? 1e-3) }, inputs: ins, weights: w, quant: q, source: src });
}

function reluLayer(l: FlatLayer, ins: string[], src: SourceRef, c: ConvertCtx): string | undefined {
  const mv = l.config.max_value ?? null;
  const ns = Number(l.config.negative_slope ?? 0);
  const th = Number(l.config.threshold ?? 0);
  let attrs: LayerAttrs | undefined;
  if (th !== 0) attrs = ns === 0 && mv === null ? { op: 'Activation', activation: 'thresholded_relu', theta: th } : undefined;
  else if (ns !== 0) attrs = mv === null ? { op: 'Activation', activation: 'leaky_relu', alpha: ns } : undefined;
  else if (mv === null) attrs = { op: 'Activation', activation: 'relu' };
  else if (Number(mv) === 6) attrs = { op: 'Activation', activation: 'relu6', min: 0, max: 6 };
  else attrs = { op: 'Activation', activation: 'clip', min: 0, max: Number(mv) };
  if (!attrs) {
    c.b.problem('FML2402', `ReLU with max_value=${mv}, negative_slope=${ns}, threshold=${th} together is not supported`, src);
    return undefined;
  }
  return c.b.add({ name: l.name, attrs, inputs: ins, source: src });
}

function prelu(l: FlatLayer, ins: string[], src: SourceRef, c: ConvertCtx): string | undefined {
  const x = c.b.shapeOf(ins[0]!);
  const shared: number[] = Array.isArray(l.config.shared_axes) ? l.config.shared_axes : l.config.shared_axes ? [l.config.shared_axes] : [];
  const stored = x.map((d, i) => (shared.includes(i + 1) ? 1 : d));
  const w = weightsFor(l, src, c, ['alpha'], { alpha: stored });
  if (!w) return undefined;
  // Broadcast shared axes so the IR alpha always has the full per-sample shape.
  const full = new Float32Array(numel(x));
  const st = stored.map((_, i) => stored.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let f = 0; f < full.length; f++) {
    let rem = f;
    let src2 = 0;
    for (let i = x.length - 1; i >= 0; i--) {
      const idx = rem % x[i]!;
      rem = Math.floor(rem / x[i]!);
      if (stored[i] !== 1) src2 += idx * st[i]!;
    }
    full[f] = w.alpha!.data[src2]!;
  }
  return c.b.add({ name: l.name, attrs: { op: 'Activation', activation: 'prelu' }, inputs: ins, weights: { alpha: { shape: x, data: full } }, source: src });
}

function padOrCrop(l: FlatLayer, ins: string[], src: SourceRef, c: ConvertCtx, dims: 1 | 2, what: 'pad' | 'crop'): string | undefined {
  const v = what === 'pad' ? (l.config.padding ?? 1) : (l.config.cropping ?? 0);
  let pairs: [number, number][] | undefined;
  if (typeof v === 'number') pairs = Array.from({ length: dims }, () => [v, v] as [number, number]);
  else if (Array.isArray(v) && dims === 1 && v.length === 2 && v.every((x) => typeof x === 'number')) pairs = [[v[0], v[1]]];
  else if (Array.isArray(v) && dims === 2 && v.length === 2 && v.every((x) => typeof x === 'number')) pairs = [[v[0], v[0]], [v[1], v[1]]];
  else if (Array.isArray(v) && v.length === dims && v.every((x) => Array.isArray(x) && x.length === 2)) pairs = v.map((x: number[]) => [x[0]!, x[1]!]);
  if (!pairs || !checkChannelsLast(l, src, c)) {
    if (!pairs) c.b.problem('FML2401', `${what === 'pad' ? 'padding' : 'cropping'} ${JSON.stringify(v)} not understood`, src);
    return undefined;
  }
  const p = toPads(pairs, dims);
  const attrs: LayerAttrs = what === 'pad' ? { op: 'Pad', dims, pads: p, value: 0 } : { op: 'Crop', dims, crop: p };
  return c.b.add({ name: l.name, attrs, inputs: ins, source: src });
}

function upsample(l: FlatLayer, ins: string[], src: SourceRef, c: ConvertCtx, dims: 1 | 2): string | undefined {
  const size = tuple(l.config.size ?? 2, dims);
  const interp = l.config.interpolation ?? 'nearest';
  if (!size || interp !== 'nearest' || !checkChannelsLast(l, src, c)) {
    c.b.problem('FML2402', `UpSampling size ${JSON.stringify(l.config.size)} / interpolation "${interp}" is not supported (only nearest)`, src);
    return undefined;
  }
  return c.b.add({ name: l.name, attrs: { op: 'Resize', dims, scales: size, mode: 'nearest' }, inputs: ins, source: src });
}

function reshape(l: FlatLayer, ins: string[], src: SourceRef, c: ConvertCtx): string | undefined {
  const t = l.config.target_shape;
  if (!Array.isArray(t) || t.filter((d) => d === -1 || d === null).length > 1) {
    c.b.problem('FML2401', `target_shape ${JSON.stringify(t)} not understood`, src);
    return undefined;
  }
  const n = numel(c.b.shapeOf(ins[0]!));
  const known = t.filter((d) => d !== -1 && d !== null).reduce((a: number, b: number) => a * b, 1);
  const target = t.map((d: number | null) => (d === -1 || d === null ? n / known : d));
  return c.b.add({ name: l.name, attrs: { op: 'Reshape' }, inputs: ins, target, source: src });
}

/** Rescaling(scale, offset): y = x * scale + offset, a constant per-tensor or per-channel ScaleBias. */
function rescaling(l: FlatLayer, ins: string[], src: SourceRef, c: ConvertCtx): string | undefined {
  const x = c.b.shapeOf(ins[0]!);
  const ch = x[x.length - 1]!;
  const vec = (v: unknown, dflt: number): number[] | undefined =>
    v === undefined || v === null ? [dflt] : typeof v === 'number' ? [v] : Array.isArray(v) && v.every((e) => typeof e === 'number') && (v.length === 1 || v.length === ch) ? (v as number[]) : undefined;
  const scale = vec(l.config.scale, 1);
  const offset = vec(l.config.offset, 0);
  if (!scale || !offset) {
    c.b.problem('FML2401', `scale ${JSON.stringify(l.config.scale)} / offset ${JSON.stringify(l.config.offset)} must be numbers or one per channel`, src);
    return undefined;
  }
  const t = (v: number[]): WeightTensor => ({ shape: [v.length], data: Float64Array.from(v) });
  return c.b.add({ name: l.name, attrs: { op: 'ScaleBias' }, inputs: ins, weights: { scale: t(scale), bias: t(offset) }, source: src });
}

function merge(mode: 'add' | 'sub' | 'mul' | 'avg' | 'max' | 'min'): Converter {
  return (l, ins, src, c) => {
    if (mode === 'sub' && ins.length !== 2) {
      c.b.problem('FML2402', `Subtract takes exactly 2 inputs, got ${ins.length}`, src);
      return undefined;
    }
    return c.b.add({ name: l.name, attrs: { op: 'Merge', mode }, inputs: ins, source: src });
  };
}

function simpleAct(attrs: (l: FlatLayer) => LayerAttrs): Converter {
  return (l, ins, src, c) => c.b.add({ name: l.name, attrs: attrs(l), inputs: ins, source: src });
}

export const CONVERTERS: Record<string, Converter> = {
  Dense: dense,
  QDense: dense,
  Conv1D: (l, i, s, c) => convLike(l, i, s, c, 1, 'conv'),
  Conv2D: (l, i, s, c) => convLike(l, i, s, c, 2, 'conv'),
  QConv1D: (l, i, s, c) => convLike(l, i, s, c, 1, 'conv'),
  QConv2D: (l, i, s, c) => convLike(l, i, s, c, 2, 'conv'),
  DepthwiseConv1D: (l, i, s, c) => convLike(l, i, s, c, 1, 'depthwise'),
  DepthwiseConv2D: (l, i, s, c) => convLike(l, i, s, c, 2, 'depthwise'),
  QDepthwiseConv2D: (l, i, s, c) => convLike(l, i, s, c, 2, 'depthwise'),
  SeparableConv1D: (l, i, s, c) => convLike(l, i, s, c, 1, 'separable'),
  SeparableConv2D: (l, i, s, c) => convLike(l, i, s, c, 2, 'separable'),
  QSeparableConv1D: (l, i, s, c) => convLike(l, i, s, c, 1, 'separable'),
  QSeparableConv2D: (l, i, s, c) => convLike(l, i, s, c, 2, 'separable'),
  MaxPooling1D: (l, i, s, c) => pool(l, i, s, c, 1, 'max'),
  MaxPooling2D: (l, i, s, c) => pool(l, i, s, c, 2, 'max'),
  MaxPool1D: (l, i, s, c) => pool(l, i, s, c, 1, 'max'),
  MaxPool2D: (l, i, s, c) => pool(l, i, s, c, 2, 'max'),
  AveragePooling1D: (l, i, s, c) => pool(l, i, s, c, 1, 'avg'),
  AveragePooling2D: (l, i, s, c) => pool(l, i, s, c, 2, 'avg'),
  AvgPool1D: (l, i, s, c) => pool(l, i, s, c, 1, 'avg'),
  AvgPool2D: (l, i, s, c) => pool(l, i, s, c, 2, 'avg'),
  QAveragePooling2D: (l, i, s, c) => pool(l, i, s, c, 2, 'avg'),
  GlobalAveragePooling1D: (l, i, s, c) => globalPool(l, i, s, c, 1, 'avg'),
  GlobalAveragePooling2D: (l, i, s, c) => globalPool(l, i, s, c, 2, 'avg'),
  GlobalMaxPooling1D: (l, i, s, c) => globalPool(l, i, s, c, 1, 'max'),
  GlobalMaxPooling2D: (l, i, s, c) => globalPool(l, i, s, c, 2, 'max'),
  GlobalAvgPool1D: (l, i, s, c) => globalPool(l, i, s, c, 1, 'avg'),
  GlobalAvgPool2D: (l, i, s, c) => globalPool(l, i, s, c, 2, 'avg'),
  GlobalMaxPool1D: (l, i, s, c) => globalPool(l, i, s, c, 1, 'max'),
  GlobalMaxPool2D: (l, i, s, c) => globalPool(l, i, s, c, 2, 'max'),
  QGlobalAveragePooling2D: (l, i, s, c) => globalPool(l, i, s, c, 2, 'avg'),
  BatchNormalization: batchNorm,
  QBatchNormalization: batchNorm,
  Activation: (l, ins, src, c) => {
    const a = activationOnly(l, src, c);
    return a ? c.b.add({ name: l.name, attrs: a.attrs, inputs: ins, ...(a.quant ? { quant: a.quant } : {}), source: src }) : undefined;
  },
  QActivation: (l, ins, src, c) => {
    const a = activationOnly(l, src, c);
    return a ? c.b.add({ name: l.name, attrs: a.attrs, inputs: ins, ...(a.quant ? { quant: a.quant } : {}), source: src }) : undefined;
  },
  ReLU: reluLayer,
  LeakyReLU: simpleAct((l) => ({ op: 'Activation', activation: 'leaky_relu', alpha: Number(l.config.negative_slope ?? l.config.alpha ?? 0.3) })),
  ELU: simpleAct((l) => ({ op: 'Activation', activation: 'elu', alpha: Number(l.config.alpha ?? 1) })),
  ThresholdedReLU: simpleAct((l) => ({ op: 'Activation', activation: 'thresholded_relu', theta: Number(l.config.theta ?? 1) })),
  PReLU: prelu,
  Softmax: (l, ins, src, c) => {
    const x = c.b.shapeOf(ins[0]!);
    const ax = Array.isArray(l.config.axis) ? (l.config.axis.length === 1 ? l.config.axis[0] : NaN) : Number(l.config.axis ?? -1);
    if (!(ax === -1 || ax === x.length)) {
      c.b.problem('FML2402', `Softmax over axis ${JSON.stringify(l.config.axis)} is not supported (only the last axis)`, src);
      return undefined;
    }
    return c.b.add({ name: l.name, attrs: { op: 'Softmax', axis: -1 }, inputs: ins, source: src });
  },
  Flatten: (l, ins, src, c) => (checkChannelsLast(l, src, c) ? c.b.add({ name: l.name, attrs: { op: 'Flatten' }, inputs: ins, source: src }) : undefined),
  Reshape: reshape,
  Permute: (l, ins, src, c) => {
    const dims = l.config.dims;
    const rank = c.b.shapeOf(ins[0]!).length;
    if (!Array.isArray(dims) || dims.length !== rank || [...dims].sort().some((d, k) => d !== k + 1)) {
      c.b.problem('FML2401', `dims ${JSON.stringify(dims)} is not a permutation of 1..${rank}`, src);
      return undefined;
    }
    return c.b.add({ name: l.name, attrs: { op: 'Transpose', perm: dims.map((d: number) => d - 1) }, inputs: ins, source: src });
  },
  Rescaling: rescaling,
  Identity: simpleAct(() => ({ op: 'Identity' })),
  Dropout: simpleAct(() => ({ op: 'Dropout' })),
  SpatialDropout1D: simpleAct(() => ({ op: 'Dropout' })),
  SpatialDropout2D: simpleAct(() => ({ op: 'Dropout' })),
  AlphaDropout: simpleAct(() => ({ op: 'Dropout' })),
  GaussianDropout: simpleAct(() => ({ op: 'Dropout' })),
  GaussianNoise: simpleAct(() => ({ op: 'Dropout' })),
  ZeroPadding1D: (l, i, s, c) => padOrCrop(l, i, s, c, 1, 'pad'),
  ZeroPadding2D: (l, i, s, c) => padOrCrop(l, i, s, c, 2, 'pad'),
  Cropping1D: (l, i, s, c) => padOrCrop(l, i, s, c, 1, 'crop'),
  Cropping2D: (l, i, s, c) => padOrCrop(l, i, s, c, 2, 'crop'),
  UpSampling1D: (l, i, s, c) => upsample(l, i, s, c, 1),
  UpSampling2D: (l, i, s, c) => upsample(l, i, s, c, 2),
  Add: merge('add'),
  Subtract: merge('sub'),
  Multiply: merge('mul'),
  Average: merge('avg'),
  Maximum: merge('max'),
  Minimum: merge('min'),
  Concatenate: (l, ins, src, c) => {
    const ax = Number(l.config.axis ?? -1);
    if (ax === 0 || !Number.isInteger(ax)) {
      c.b.problem('FML2402', `Concatenate over axis ${l.config.axis} (the batch axis) is not supported`, src);
      return undefined;
    }
    return c.b.add({ name: l.name, attrs: { op: 'Concat', axis: ax < 0 ? ax : ax - 1 }, inputs: ins, source: src });
  },
  // GRU, LSTM, SimpleRNN, TimeDistributed, LayerNormalization, Masking (recurrent.ts).
  ...SEQUENCE_CONVERTERS,
};

/** Whether a name is an activation usable in `Activation(...)` (for tests and messages). */
export function isKnownActivation(name: string, keras3 = false): boolean {
  return namedActivation(name, keras3) !== undefined;
}
