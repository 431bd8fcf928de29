/**
 * @fileoverview Pass `quantize-model`: the model's own quantizers become exact fixed-point types.
 *
 * - Weight facts (`layer.quant.kernel`, `.bias`, ... from QKeras kernel/bias quantizers or QONNX
 *   Quant nodes on initializers): the float weights are replaced by the values the quantizer
 *   produces (so the stored weights are exactly what the trained model computes with, whatever
 *   rounding mode the weight type has) and the slot (`weight`, `bias`, ...) gets the exact type.
 *   The values are always the quantizer's (hls4ml applies the quantizer to the weights too).
 * - Result facts (`layer.quant.result`, from a QKeras QActivation): the layer's result type.
 * - `Quant` layers on activations (QONNX Quant / Trunc, ONNX QDQ): their result type. Runs before
 *   apply-config, so a type the model gives wins over a blanket default but an explicit LayerName /
 *   LayerType entry wins over the model (apply-config's rule). `fold-quant`, after apply-config,
 *   then folds them into the producer or keeps them as quantizer layers.
 *
 * A fact that cannot be expressed exactly is an error naming the node; all of them are reported
 * together.
 */

import type { Graph, Layer, QuantFact, WeightTensor } from '../ir/graph.js';
import type { Pass, PassContext } from './pass.js';
import { DiagnosticError, EXIT, diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { formatHls4ml, isAuto } from '../fixed/type.js';
import { castTo, mapFact, type MappedQuant } from './quant-types.js';
import { bypassLayer, hasSingleReader, locOf, producerLayer, replaceLayer } from './graph-edit.js';

/** Weight role -> precision slot (hls4ml's `weight_t` holds the kernel). */
const SLOT_OF_ROLE: Record<string, string> = { kernel: 'weight', depthwise: 'weight', pointwise: 'weight', alpha: 'param' };

export interface QuantChoice {
  readonly layer: string;
  readonly slot: string;
  readonly quantizer: string;
  readonly type: string;
  readonly how: string;
}

/**
 * Applies the quantizer to float weights. Scales are per tensor or per last axis (the IR's output
 * channel). Any other layout (the ONNX frontend records per-element scales in the ONNX layout)
 * means the frontend already applied the quantizer: the values are then only checked into the
 * common type, which leaves quantized values unchanged.
 */
export function quantizeWeights(w: WeightTensor, m: MappedQuant, f: QuantFact): WeightTensor {
  const last = w.shape.length > 0 ? w.shape[w.shape.length - 1]! : 1;
  const ns = f.scale?.length ?? 1;
  const out = new Float64Array(w.data.length);
  if (ns === 1 || ns === last) for (let k = 0; k < w.data.length; k++) out[k] = m.quantize(w.data[k]!, k % last);
  else for (let k = 0; k < w.data.length; k++) out[k] = castTo(w.data[k]!, m.type);
  return { shape: w.shape, data: out };
}

export const quantizeModelPass: Pass = {
  name: 'quantize-model',
  description: "the model's quantizers (QKeras, QONNX Quant/Trunc, QDQ) become exact fixed-point types",
  run(g: Graph, ctx: PassContext): Graph {
    const errors: Diagnostic[] = [];
    const choices: QuantChoice[] = [];
    const quantizerResults: string[] = [];
    let out = g;

    const fail = (l: Layer, what: string, reason: string, hint?: string) =>
      errors.push(diag('FML6501', `${what} cannot be expressed exactly in fixed point: ${reason}`, locOf(g, l), hint));

    // 1. Facts on weights and results.
    for (const l of g.layers) {
      if (!l.quant || Object.keys(l.quant).length === 0) continue;
      const weights: Record<string, WeightTensor> = { ...l.weights };
      const precision: Record<string, unknown> = { ...l.precision };
      for (const [role, fact] of Object.entries(l.quant)) {
        if (role === 'result') {
          const m = mapFact(fact, false);
          if (!m.ok) {
            fail(l, `the output quantizer of layer "${l.name}"`, m.reason, m.hint);
            continue;
          }
          precision.result = m.value.type;
          quantizerResults.push(l.name);
          choices.push({ layer: l.name, slot: 'result', quantizer: m.value.what, type: formatHls4ml(m.value.type), how: 'result type' });
          continue;
        }
        const w = l.weights[role];
        if (!w) {
          // A quantizer on a weight the layer does not have (e.g. bias_quantizer with use_bias=False).
          continue;
        }
        const m = mapFact(fact, true);
        if (!m.ok) {
          fail(l, `the ${role} quantizer of layer "${l.name}"`, m.reason, m.hint);
          continue;
        }
        const slot = SLOT_OF_ROLE[role] ?? role;
        weights[role] = quantizeWeights(w, m.value, fact);
        const type = m.value.refine ? m.value.refine(weights[role]!.data) : m.value.type;
        precision[slot] = type;
        choices.push({ layer: l.name, slot, quantizer: m.value.what, type: formatHls4ml(type), how: 'weights quantized' });
      }
      // The facts stay on the layer: folding must know which weights a quantizer fixed.
      out = replaceLayer(out, l.name, { ...l, weights, precision } as Layer);
    }

    // 2. Quant layers on activations: their type now; where they go is decided by `fold-quant`,
    // after the configuration is applied (it depends on whether the producer's type is auto).
    for (const l of g.layers) {
      if (l.attrs.op !== 'Quant') continue;
      const fact: QuantFact = l.attrs.fact;
      if (fact.kind === 'bipolar') {
        errors.push(
          diag(
            'FML6502',
            `BipolarQuant "${l.source?.node ?? l.name}" has ${fact.scale?.length ?? 1} scales, neither one nor one per channel of its output`,
            locOf(g, l),
            'split-scales turns BipolarQuant into binary_tanh plus a scale layer when the scale is per tensor or per channel (last axis)',
          ),
        );
        continue;
      }
      const m = mapFact(fact, false);
      if (!m.ok) {
        fail(l, `Quant node "${l.source?.node ?? l.name}"`, m.reason, m.hint);
        continue;
      }
      const cur = out.layers.find((x) => x.name === l.name)!;
      out = replaceLayer(out, l.name, { ...cur, precision: { ...cur.precision, result: m.value.type } });
      choices.push({ layer: l.name, slot: 'result', quantizer: m.value.what, type: formatHls4ml(m.value.type), how: 'activation quantizer' });
    }

    if (errors.length) throw new DiagnosticError(errors, EXIT.MODEL);
    if (choices.length) ctx.report.quantization = [...((ctx.report.quantization as QuantChoice[]) ?? []), ...choices];
    if (quantizerResults.length) addQuantizerResults(ctx, quantizerResults);
    return out;
  },
};

/**
 * Records layers whose result type is one of the model's own quantizers (`ctx.report.quantizerResults`):
 * saturation there is the quantizer clipping by design, which `check` reports apart from overflow.
 */
export function addQuantizerResults(ctx: PassContext, names: readonly string[]): void {
  ctx.report.quantizerResults = [...new Set([...((ctx.report.quantizerResults as string[]) ?? []), ...names])];
}

/**
 * Pass `fold-quant` (after apply-config): each activation `Quant` layer, typed by quantize-model,
 * is folded into its producer as the producer's result type when that type is `auto` and nothing
 * else reads the producer (then `(Q)(exact value)` is exactly the Quant node), and otherwise
 * becomes a linear Activation with the quantizer's result type, a separate rounding step.
 */
export const foldQuantPass: Pass = {
  name: 'fold-quant',
  description: "activation Quant layers become the producer's result type (where it is auto) or linear quantizer layers",
  run(g: Graph, ctx: PassContext): Graph {
    let out = g;
    const how: Record<string, string> = {};
    for (const l of g.layers) {
      if (l.attrs.op !== 'Quant') continue;
      const cur = out.layers.find((x) => x.name === l.name)!;
      const type = cur.precision.result;
      if (type === undefined || isAuto(type))
        throw new DiagnosticError([diag('FML6504', `Quant layer "${l.name}" has no type (run quantize-model first)`, locOf(g, l))], EXIT.INTERNAL);
      const producer = producerLayer(out, cur.inputs[0]!);
      if (producer && producer.attrs.op !== 'Input' && isAuto(producer.precision.result) && hasSingleReader(out, cur.inputs[0]!)) {
        out = replaceLayer(out, producer.name, { ...producer, precision: { ...producer.precision, result: type } });
        out = bypassLayer(out, cur.name);
        addQuantizerResults(ctx, [producer.name]);
        how[l.name] = `folded into "${producer.name}" as its result type ${formatHls4ml(type)}`;
      } else {
        const lin: Layer = {
          name: cur.name,
          attrs: { op: 'Activation', activation: 'linear' },
          inputs: cur.inputs,
          outputs: cur.outputs,
          weights: {},
          precision: { result: type },
          ...(cur.reuseFactor !== undefined ? { reuseFactor: cur.reuseFactor } : {}),
          source: cur.source ?? { node: cur.name, opType: 'Quant' },
        };
        out = replaceLayer(out, cur.name, lin);
        addQuantizerResults(ctx, [cur.name]);
        how[l.name] = `kept as a linear quantizer layer with result ${formatHls4ml(type)}`;
      }
    }
    if (Object.keys(how).length) ctx.report.quantLayers = how;
    return out;
  },
};
