/**
 * @fileoverview Pass `fold-batchnorm`: BatchNorm folded into the preceding Dense/Conv.
 *
 * hls4ml's rule, which fixes where roundings happen (NUMERICS.md "Folding"): fold only when the
 * Dense/Conv result type is left to inference (`auto`), nothing else reads its output, and its
 * weights were not set by a model quantizer (folding would change quantized weights). Then
 * kernel[..., c] *= s_c and bias_c = bias_c * s_c + b_c with s = gamma / sqrt(var + eps) and
 * b = beta - s * mean (computed in float32 before any quantization, as hls4ml does with numpy), and
 * the Dense takes over the BatchNorm's output tensor (its name, so graph outputs keep theirs) but
 * keeps its own `auto` result type, as hls4ml's fold does. With an explicit result type
 * the BatchNorm stays a layer of its own: res = (result_t)(x * scale + bias).
 *
 * `aggressive` (fastml option, changes numerics): fold whatever the result type, which removes one
 * rounding and the BatchNorm multipliers. The folded weights are then quantized to the Dense weight
 * type, so outputs differ from hls4ml's.
 */

import type { Graph, Layer, WeightTensor } from '../ir/graph.js';
import type { Pass, PassContext } from './pass.js';
import { isAuto } from '../fixed/type.js';
import { hasSingleReader, producerLayer, replaceLayer } from './graph-edit.js';
import { batchNormScaleBias as emulatorBatchNorm } from '../emulator/weights.js';

export interface FoldOptions {
  readonly aggressive?: boolean;
}

/**
 * BatchNorm as per-channel scale and bias, in float32 as hls4ml computes them with numpy (the
 * emulator's BatchNorm kernel uses the same function, so folded and unfolded agree in float).
 */
export function batchNormScaleBias(bn: Layer): { scale: Float32Array; bias: Float32Array } {
  const eps = bn.attrs.op === 'BatchNorm' ? bn.attrs.epsilon : 0;
  const n = bn.weights.mean!.data.length;
  const ones = new Float32Array(n).fill(1);
  const zeros = new Float32Array(n);
  return emulatorBatchNorm(bn.weights.gamma?.data ?? ones, bn.weights.beta?.data ?? zeros, bn.weights.mean!.data, bn.weights.variance!.data, eps);
}

/** kernel * s (last axis) and bias * s + b, in float32 arithmetic like hls4ml's numpy fold; `s`/`b` of length 1 broadcast. */
export function foldAffine(layer: Layer, s: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined, nOut: number): Record<string, WeightTensor> {
  const k = layer.weights.kernel!;
  const kd = new Float64Array(k.data.length);
  for (let i = 0; i < kd.length; i++) {
    const c = i % nOut;
    kd[i] = s ? Math.fround(k.data[i]! * s[s.length === 1 ? 0 : c]!) : k.data[i]!;
  }
  const old = layer.weights.bias;
  const bd = new Float64Array(nOut);
  for (let c = 0; c < nOut; c++) {
    const sc = s ? s[s.length === 1 ? 0 : c]! : 1;
    bd[c] = Math.fround(Math.fround((old ? old.data[c]! : 0) * sc) + (b ? b[b.length === 1 ? 0 : c]! : 0));
  }
  return { ...layer.weights, kernel: { shape: k.shape, data: kd }, bias: { shape: [nOut], data: bd } };
}

export function outChannels(l: Layer): number | undefined {
  if (l.attrs.op === 'Dense') return l.attrs.nOut;
  if (l.attrs.op === 'Conv') return l.attrs.cOut;
  return undefined;
}

/** Whether `prev` may absorb an affine layer that reads its output, and why not. */
export function foldable(g: Graph, prev: Layer | undefined, reader: Layer, aggressive: boolean, changesKernel = true): prev is Layer {
  if (!prev || outChannels(prev) === undefined || !prev.weights.kernel) return false;
  if (!hasSingleReader(g, reader.inputs[0]!)) return false;
  if (aggressive) return true;
  if (!isAuto(prev.precision.result)) return false;
  // Weights fixed by a model quantizer must stay exactly as trained.
  if (changesKernel && (prev.quant?.kernel || prev.quant?.bias)) return false;
  return true;
}

export function foldBatchNormPass(opts: FoldOptions = {}): Pass {
  return {
    name: 'fold-batchnorm',
    description: opts.aggressive
      ? 'fold every BatchNorm into the preceding Dense/Conv (aggressive: changes numerics)'
      : "fold BatchNorm into the preceding Dense/Conv where that layer's result type is auto (hls4ml's rule)",
    run(g: Graph, ctx: PassContext): Graph {
      let out = g;
      const folded: string[] = [];
      for (const bn0 of g.layers) {
        if (bn0.attrs.op !== 'BatchNorm') continue;
        const bn = out.layers.find((l) => l.name === bn0.name);
        if (!bn) continue;
        const prev = producerLayer(out, bn.inputs[0]!);
        if (!foldable(out, prev, bn, Boolean(opts.aggressive))) continue;
        const nOut = outChannels(prev)!;
        const { scale, bias } = batchNormScaleBias(bn);
        if (scale.length !== nOut && scale.length !== 1) continue;
        const merged: Layer = {
          ...prev,
          weights: foldAffine(prev, scale, bias, nOut),
          outputs: bn.outputs,
          // The Dense keeps its own (auto) result type, as hls4ml's fold keeps the parent's output
          // variable; a Dense without a bias takes the BatchNorm's bias type for the new bias.
          precision: prev.weights.bias || bn.precision.bias === undefined ? prev.precision : { ...prev.precision, bias: bn.precision.bias },
        };
        const tensors = new Map(out.tensors);
        tensors.delete(prev.outputs[0]!);
        out = { ...replaceLayer(out, prev.name, merged), tensors };
        out = { ...out, layers: out.layers.filter((l) => l.name !== bn.name) };
        folded.push(`${bn.name} -> ${prev.name}`);
      }
      if (folded.length) ctx.report.foldedBatchNorm = [...((ctx.report.foldedBatchNorm as string[]) ?? []), ...folded];
      return out;
    },
  };
}
