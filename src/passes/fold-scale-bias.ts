/**
 * @fileoverview Pass `fold-scale-bias`: a constant Add (bias-only ScaleBias, e.g. ONNX MatMul + Add)
 * after a Dense/Conv becomes that layer's bias, under the same rule as BatchNorm folding
 * (NUMERICS.md "Folding"): only when the Dense/Conv result type is `auto` and nothing else reads it.
 * Otherwise the ScaleBias stays, so the Dense accumulates without the bias, rounds to its result
 * type, and the bias is added and rounded again, exactly as hls4ml does.
 *
 * The folded bias takes the Dense/Conv's configured `bias` type (as hls4ml, which builds one Dense
 * from MatMul + Add and configures it under the Dense's name); a quantizer on the Add's bias (QONNX)
 * moves with it and keeps its exact type.
 * A ScaleBias with a non-unit scale is folded only in `aggressive` mode (the kernel is then scaled
 * before quantization, which changes numerics).
 */

import type { Graph, Layer } from '../ir/graph.js';
import type { TypeSpec } from '../fixed/type.js';
import type { Pass, PassContext } from './pass.js';
import { foldAffine, foldable, outChannels, type FoldOptions } from './fold-batchnorm.js';
import { producerLayer, replaceLayer } from './graph-edit.js';

function isUnitScale(l: Layer): boolean {
  const s = l.weights.scale;
  if (!s) return true;
  for (let i = 0; i < s.data.length; i++) if (s.data[i] !== 1) return false;
  return true;
}

export function foldScaleBiasPass(opts: FoldOptions = {}): Pass {
  return {
    name: 'fold-scale-bias',
    description: "fold a constant bias (ONNX Add after MatMul) into the preceding Dense/Conv where its result type is auto",
    run(g: Graph, ctx: PassContext): Graph {
      let out = g;
      const folded: string[] = [];
      for (const sb0 of g.layers) {
        if (sb0.attrs.op !== 'ScaleBias') continue;
        const sb = out.layers.find((l) => l.name === sb0.name);
        if (!sb) continue;
        const unit = isUnitScale(sb);
        if (!unit && !opts.aggressive) continue;
        const prev = producerLayer(out, sb.inputs[0]!);
        // A bias-only fold leaves the kernel as it is, so a quantized kernel does not prevent it.
        if (!foldable(out, prev, sb, Boolean(opts.aggressive), !unit)) continue;
        if (unit && prev!.quant?.bias && prev!.weights.bias) continue;
        const nOut = outChannels(prev)!;
        const b = sb.weights.bias;
        const s = sb.weights.scale;
        if (b && b.data.length !== 1 && b.data.length !== nOut) continue;
        if (s && s.data.length !== 1 && s.data.length !== nOut) continue;
        // The Dense keeps its own (auto) result type (hls4ml removes the bias node and rewires), and
        // its own configured `bias` type: hls4ml's Dense takes bias_t from the Dense's configuration,
        // whatever the Add node's entry says. Only a bias the model quantized keeps its exact type.
        const precision: Record<string, TypeSpec | undefined> = { ...prev.precision };
        if (!prev.weights.bias && sb.quant?.bias && sb.precision.bias !== undefined) precision.bias = sb.precision.bias;
        else if (!prev.weights.bias && precision.bias === undefined && sb.precision.bias !== undefined) precision.bias = sb.precision.bias;
        let quant = prev.quant;
        if (sb.quant?.bias) {
          // The model quantized this bias: the folded bias keeps that exact type.
          quant = { ...(prev.quant ?? {}), bias: sb.quant.bias };
        }
        const merged: Layer = {
          ...prev,
          weights: foldAffine(prev, unit ? undefined : s?.data, b?.data, nOut),
          outputs: sb.outputs,
          precision: precision as Layer['precision'],
          ...(quant ? { quant } : {}),
        };
        const tensors = new Map(out.tensors);
        tensors.delete(prev.outputs[0]!);
        out = { ...replaceLayer(out, prev.name, merged), tensors };
        out = { ...out, layers: out.layers.filter((l) => l.name !== sb.name) };
        folded.push(`${sb.name} -> ${prev.name}`);
      }
      if (folded.length) ctx.report.foldedScaleBias = [...((ctx.report.foldedScaleBias as string[]) ?? []), ...folded];
      return out;
    },
  };
}
