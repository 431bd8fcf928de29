/**
 * @fileoverview Pass `quantize-model`: the model's own quantizers become exact fixed-point types.
 *
 * - Weight facts (`layer.quant.kernel`, `.bias`, ... from QKeras kernel/bias quantizers or QONNX
 *   Quant nodes on initializers): the float weights are replaced by the values the quantizer
 *   produces (so the stored weights are exactly what the trained model computes with, whatever
 *   rounding mode the weight type has) and the slot (`weight`, `bias`, ...) gets the exact type.
 *   The model's quantizer wins over a configured type, as in hls4ml (the quantizer's `hls_type`).
 * - Result facts (`layer.quant.result`, from a QKeras QActivation): the layer's result type.
 * - `Quant` layers on activations (QONNX Quant / Trunc, ONNX QDQ): folded into the producing layer
 *   as its result type when that type was left to inference (`auto`) and nothing else reads the
 *   producer's output: `(Q)(exact value)` is exactly what the Quant node computes. Otherwise the
 *   Quant layer becomes a linear Activation whose result type is the quantizer's type, so the
 *   producer rounds to its own type first, as hls4ml's separate quantizer layer does.
 *
 * A fact that cannot be expressed exactly is an error naming the node; all of them are reported
 * together.
 */

import type { Graph, Layer, QuantFact, WeightTensor } from '../ir/graph.js';
import type { Pass, PassContext } from './pass.js';
import { DiagnosticError, EXIT, diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { formatHls4ml, isAuto, sameType, type FixedType } from '../fixed/type.js';
import { mapFact, type MappedQuant } from './quant-types.js';
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

function quantizeWeights(w: WeightTensor, m: MappedQuant): WeightTensor {
  const last = w.shape.length > 0 ? w.shape[w.shape.length - 1]! : 1;
  const out = new Float64Array(w.data.length);
  for (let k = 0; k < w.data.length; k++) out[k] = m.quantize(w.data[k]!, k % last);
  return { shape: w.shape, data: out };
}

export const quantizeModelPass: Pass = {
  name: 'quantize-model',
  description: "the model's quantizers (QKeras, QONNX Quant/Trunc, QDQ) become exact fixed-point types",
  run(g: Graph, ctx: PassContext): Graph {
    const errors: Diagnostic[] = [];
    const choices: QuantChoice[] = [];
    let out = g;

    const fail = (l: Layer, what: string, reason: string, hint?: string) =>
      errors.push(diag('FML6001', `${what} cannot be expressed exactly in fixed point: ${reason}`, locOf(g, l), hint));

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
          noteOverride(ctx, l, 'result', m.value.type);
          precision.result = m.value.type;
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
        noteOverride(ctx, l, slot, m.value.type);
        weights[role] = quantizeWeights(w, m.value);
        precision[slot] = m.value.type;
        choices.push({ layer: l.name, slot, quantizer: m.value.what, type: formatHls4ml(m.value.type), how: 'weights quantized' });
      }
      const { quant: _q, ...rest } = l;
      out = replaceLayer(out, l.name, { ...rest, weights, precision } as Layer);
    }

    // 2. Quant layers on activations.
    for (const l of g.layers) {
      if (l.attrs.op !== 'Quant') continue;
      const fact: QuantFact = l.attrs.fact;
      if (fact.kind === 'bipolar') {
        errors.push(
          diag('FML6002', 'BipolarQuant on an activation is not supported (sign(0) differs between QONNX (+1) and the binary_tanh kernel (-1))', locOf(g, l)),
        );
        continue;
      }
      const m = mapFact(fact, false);
      if (!m.ok) {
        fail(l, `Quant node "${l.source?.node ?? l.name}"`, m.reason, m.hint);
        continue;
      }
      const type = m.value.type;
      const cur = out.layers.find((x) => x.name === l.name)!;
      const producer = producerLayer(out, cur.inputs[0]!);
      if (producer && producer.attrs.op !== 'Input' && isAuto(producer.precision.result) && hasSingleReader(out, cur.inputs[0]!)) {
        out = replaceLayer(out, producer.name, { ...producer, precision: { ...producer.precision, result: type } });
        out = bypassLayer(out, cur.name);
        choices.push({ layer: producer.name, slot: 'result', quantizer: m.value.what, type: formatHls4ml(type), how: `folded Quant "${l.name}" into the producer's auto result type` });
      } else {
        const lin: Layer = {
          name: cur.name,
          attrs: { op: 'Activation', activation: 'linear' },
          inputs: cur.inputs,
          outputs: cur.outputs,
          weights: {},
          precision: { ...cur.precision, result: type },
          ...(cur.reuseFactor !== undefined ? { reuseFactor: cur.reuseFactor } : {}),
          source: cur.source ?? { node: cur.name, opType: 'Quant' },
        };
        out = replaceLayer(out, cur.name, lin);
        choices.push({ layer: cur.name, slot: 'result', quantizer: m.value.what, type: formatHls4ml(type), how: 'kept as a quantizer layer (linear activation)' });
      }
    }

    if (errors.length) throw new DiagnosticError(errors, EXIT.MODEL);
    if (choices.length) ctx.report.quantization = [...((ctx.report.quantization as QuantChoice[]) ?? []), ...choices];
    return out;
  },
};

/** Says (info) when the model's quantizer replaces a different, concrete type that was configured. */
function noteOverride(ctx: PassContext, l: Layer, slot: string, t: FixedType): void {
  const before = l.precision[slot];
  if (before === undefined || isAuto(before) || sameType(before, t)) return;
  ctx.diagnostics.push(
    diag(
      'FML6003',
      `layer "${l.name}": ${slot} type ${formatHls4ml(before)} replaced by ${formatHls4ml(t)} from the model's quantizer`,
      { node: l.name, opType: l.source?.opType ?? l.attrs.op },
      undefined,
      'info',
    ),
  );
}
