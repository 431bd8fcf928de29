/**
 * @fileoverview Output-shape rules for every IR op, in one table. Frontends use them to build
 * graphs (no external shape-inference tool needed) and the verifier uses them to check graphs.
 * Shapes are per sample (no batch) and channels-last.
 */

import type { Layer, LayerAttrs, RecurrentAttrs, Shape, WeightTensor } from './graph.js';
import { numel } from './graph.js';

export class ShapeError extends Error {}

function convOut(inSize: number, k: number, stride: number, dil: number, padA: number, padB: number): number {
  const eff = dil * (k - 1) + 1;
  return Math.floor((inSize + padA + padB - eff) / stride) + 1;
}

type Rule = (attrs: any, ins: readonly Shape[], weights: Readonly<Record<string, WeightTensor>>, target?: Shape) => Shape;

function spatial(attrs: { dims: 1 | 2 }, x: Shape, opname: string): { sp: number[]; c: number } {
  if (x.length !== attrs.dims + 1)
    throw new ShapeError(`${opname}: expected a ${attrs.dims + 1}-D channels-last input, got [${x.join(', ')}]`);
  return { sp: x.slice(0, attrs.dims) as number[], c: x[attrs.dims]! };
}

function padsOf(p: { top: number; bottom: number; left: number; right: number }, dims: 1 | 2): [number, number][] {
  return dims === 1 ? [[p.left, p.right]] : [[p.top, p.bottom], [p.left, p.right]];
}

const RULES: Record<LayerAttrs['op'], Rule> = {
  Input: (_a, _ins, _w, target) => {
    if (!target) throw new ShapeError('Input: shape must be given');
    return target;
  },
  Dense: (a, [x]) => {
    if (x![x!.length - 1] !== a.nIn) throw new ShapeError(`Dense: input last dim ${x![x!.length - 1]} != nIn ${a.nIn}`);
    return [...x!.slice(0, -1), a.nOut];
  },
  Conv: (a, [x]) => {
    const { sp, c } = spatial(a, x!, 'Conv');
    if (c !== a.cIn) throw new ShapeError(`Conv: input channels ${c} != cIn ${a.cIn}`);
    const pads = padsOf(a.pads, a.dims);
    const out = sp.map((s, d) => convOut(s, a.kernel[d], a.strides[d], a.dilations[d], pads[d]![0], pads[d]![1]));
    if (out.some((o) => o < 1)) throw new ShapeError(`Conv: empty output [${out.join(', ')}]`);
    return [...out, a.cOut];
  },
  DepthwiseConv: (a, [x]) => {
    const { sp, c } = spatial(a, x!, 'DepthwiseConv');
    if (c !== a.cIn) throw new ShapeError(`DepthwiseConv: input channels ${c} != cIn ${a.cIn}`);
    const pads = padsOf(a.pads, a.dims);
    const out = sp.map((s, d) => convOut(s, a.kernel[d], a.strides[d], a.dilations[d], pads[d]![0], pads[d]![1]));
    if (out.some((o) => o < 1)) throw new ShapeError(`DepthwiseConv: empty output [${out.join(', ')}]`);
    return [...out, a.cIn * a.depthMultiplier];
  },
  BatchNorm: (_a, [x]) => x!,
  ScaleBias: (_a, [x]) => x!,
  Activation: (_a, [x]) => x!,
  Softmax: (_a, [x]) => x!,
  Pool: (a, [x]) => {
    const { sp, c } = spatial(a, x!, 'Pool');
    const pads = padsOf(a.pads, a.dims);
    const out = sp.map((s, d) => convOut(s, a.pool[d], a.strides[d], 1, pads[d]![0], pads[d]![1]));
    if (out.some((o) => o < 1)) throw new ShapeError(`Pool: empty output [${out.join(', ')}]`);
    return [...out, c];
  },
  GlobalPool: (a, [x]) => [spatial(a, x!, 'GlobalPool').c],
  Reshape: (_a, [x], _w, target) => {
    if (!target) throw new ShapeError('Reshape: target shape must be given');
    if (numel(target) !== numel(x!)) throw new ShapeError(`Reshape: [${x!.join(', ')}] -> [${target.join(', ')}] changes size`);
    return target;
  },
  Flatten: (_a, [x]) => [numel(x!)],
  Transpose: (a, [x]) => {
    if (a.perm.length !== x!.length) throw new ShapeError(`Transpose: perm of ${a.perm.length} axes on a ${x!.length}-D tensor`);
    return a.perm.map((p: number) => x![p]!);
  },
  Merge: (_a, ins) => {
    const [first, ...rest] = ins;
    for (const s of rest)
      if (s.length !== first!.length || s.some((d, k) => d !== first![k]))
        throw new ShapeError(`Merge: input shapes differ: [${first!.join(', ')}] vs [${s.join(', ')}]`);
    return first!;
  },
  Concat: (a, ins) => {
    const rank = ins[0]!.length;
    const axis = a.axis < 0 ? a.axis + rank : a.axis;
    const out = [...ins[0]!];
    for (const s of ins.slice(1)) {
      if (s.length !== rank) throw new ShapeError('Concat: inputs of different rank');
      for (let d = 0; d < rank; d++)
        if (d !== axis && s[d] !== out[d]) throw new ShapeError(`Concat: dim ${d} differs (${s[d]} vs ${out[d]})`);
      out[axis] = out[axis]! + s[axis]!;
    }
    return out;
  },
  Pad: (a, [x]) => {
    const { sp, c } = spatial(a, x!, 'Pad');
    const pads = padsOf(a.pads, a.dims);
    return [...sp.map((s, d) => s + pads[d]![0] + pads[d]![1]), c];
  },
  Crop: (a, [x]) => {
    const { sp, c } = spatial(a, x!, 'Crop');
    const crops = padsOf(a.crop, a.dims);
    const out = sp.map((s, d) => s - crops[d]![0] - crops[d]![1]);
    if (out.some((o) => o < 1)) throw new ShapeError('Crop: empty output');
    return [...out, c];
  },
  Resize: (a, [x]) => {
    const { sp, c } = spatial(a, x!, 'Resize');
    return [...sp.map((s, d) => Math.floor(s * a.scales[d])), c];
  },
  Quant: (_a, [x]) => x!,
  Identity: (_a, [x]) => x!,
  Dropout: (_a, [x]) => x!,
  GRU: recurrentShape,
  LSTM: recurrentShape,
  SimpleRNN: recurrentShape,
  LayerNorm: (_a, [x]) => {
    if (x!.length < 1 || x!.length > 2) throw new ShapeError(`LayerNorm: expected a [features] or [steps, features] input, got [${x!.join(', ')}]`);
    return x!;
  },
  MultiHeadAttention: (a, ins) => {
    const [q, v, k] = ins;
    if (q!.length !== 2 || v!.length !== 2 || (k && k.length !== 2))
      throw new ShapeError(`MultiHeadAttention: query and value must be [steps, features], got [${q!.join(', ')}] and [${v!.join(', ')}]`);
    if (k && k[0] !== v![0]) throw new ShapeError(`MultiHeadAttention: key has ${k[0]} steps, value ${v![0]}`);
    return [q![0]!, a.outDim];
  },
};

function recurrentShape(a: RecurrentAttrs, [x]: readonly Shape[]): Shape {
  if (x!.length !== 2) throw new ShapeError(`${a.op}: expected a [steps, features] input, got [${x!.join(', ')}]`);
  if (x![0] !== a.steps || x![1] !== a.nIn) throw new ShapeError(`${a.op}: input [${x!.join(', ')}] but the layer expects [${a.steps}, ${a.nIn}]`);
  return a.returnSequences ? [a.steps, a.units] : [a.units];
}

/** Gate blocks per recurrent cell (GRU z, r, h; LSTM i, f, c, o). */
export function gateCount(op: RecurrentAttrs['op']): number {
  return op === 'GRU' ? 3 : op === 'LSTM' ? 4 : 1;
}

/**
 * The output shape of an op given its input shapes. `target` is the declared shape for Input
 * and Reshape (which cannot be derived from the inputs).
 */
export function inferShape(
  attrs: LayerAttrs,
  inputs: readonly Shape[],
  weights: Readonly<Record<string, WeightTensor>> = {},
  target?: Shape,
): Shape {
  return RULES[attrs.op](attrs, inputs, weights, target);
}

/** Expected weight shapes per op, checked by the verifier. */
export function expectedWeightShapes(l: Layer, inShape: Shape): Record<string, Shape> {
  const a = l.attrs;
  const c = inShape[inShape.length - 1]!;
  switch (a.op) {
    case 'Dense':
      return { kernel: [a.nIn, a.nOut], bias: [a.nOut] };
    case 'Conv':
      return { kernel: [...a.kernel, a.cIn / a.groups, a.cOut], bias: [a.cOut] };
    case 'DepthwiseConv':
      return { kernel: [...a.kernel, a.cIn, a.depthMultiplier], bias: [a.cIn * a.depthMultiplier] };
    case 'BatchNorm':
      return { gamma: [c], beta: [c], mean: [c], variance: [c] };
    case 'GRU':
    case 'LSTM':
    case 'SimpleRNN': {
      const k = gateCount(a.op) * a.units;
      return { kernel: [a.nIn, k], recurrent_kernel: [a.units, k], bias: [k], recurrent_bias: [k] };
    }
    case 'LayerNorm':
      return { scale: [c], bias: [c] };
    case 'MultiHeadAttention': {
      const hk = a.heads * a.keyDim;
      const hv = a.heads * a.valueDim;
      return { query_kernel: [c, hk], query_bias: [hk], key_bias: [hk], value_bias: [hv], output_kernel: [hv, a.outDim], output_bias: [a.outDim] };
    }
    default:
      return {};
  }
}
