/**
 * @fileoverview The float64 reference of a quantized Keras model as QKeras computes it at inference:
 * weights through their quantizers, and every QActivation / quantized output through its
 * quantizer, everything else in float64. `fastml check` compares the emulation with it (QONNX
 * models need nothing: their Quant nodes are ops of the graph, which the float evaluator computes).
 *
 * The model as written is left alone; the reference graph differs in two ways:
 * - a weight with a QKeras fact holds the quantizer's values (the same function quantize-model
 *   applies, so the emulated weights and the reference weights are equal);
 * - a layer with a QKeras result fact is followed by a Quant layer on the quantizer's grid. The
 *   quantizers map to types with RND_CONV (QKeras' tf.round, ties to even) and SAT / SAT_SYM, which
 *   is exactly QONNX Quant(scale = LSB, ROUND, narrow for SAT_SYM): the float evaluator's Quant.
 *   The Quant layer takes the layer's name and output tensor (the layer itself is renamed), so
 *   check's per-layer traces pair it with the emulated layer.
 */

import type { Graph, Layer, QuantFact, TensorInfo } from '../ir/graph.js';
import type { FixedType } from '../fixed/type.js';
import { fracBits } from '../fixed/type.js';
import { mapFact } from './quant-types.js';
import { quantizeWeights } from './quantize-model.js';

/** A type's cast as a QONNX Quant fact, when it is one (round half to even, saturating). */
export function castAsQuantFact(t: FixedType): QuantFact | undefined {
  if (t.q !== 'AP_RND_CONV' || (t.o !== 'AP_SAT' && t.o !== 'AP_SAT_SYM')) return undefined;
  return { kind: 'quant', bits: t.w, signed: t.signed, narrow: t.o === 'AP_SAT_SYM', rounding: 'ROUND', scale: [2 ** -fracBits(t)], zeroPoint: [0] };
}

export interface QuantizedReference {
  readonly graph: Graph;
  /** Layers whose weights or outputs the reference quantizes. */
  readonly quantized: string[];
  /** Result quantizers the reference cannot apply (the layer's output stays float there). */
  readonly skipped: string[];
}

export function quantizedReference(g: Graph): QuantizedReference {
  const quantized: string[] = [];
  const skipped: string[] = [];
  const tensors = new Map<string, TensorInfo>(g.tensors);
  const taken = new Set([...g.layers.map((l) => l.name), ...g.tensors.keys()]);
  const fresh = (base: string) => {
    let n = base;
    for (let k = 1; taken.has(n); k++) n = `${base}_${k}`;
    taken.add(n);
    return n;
  };
  const layers = g.layers.flatMap((l): Layer[] => {
    const facts = Object.entries(l.quant ?? {}).filter(([, f]) => f.kind === 'qkeras');
    if (!facts.length) return [l];
    const weights = { ...l.weights };
    let result: FixedType | undefined;
    for (const [role, f] of facts) {
      const m = mapFact(f, role !== 'result');
      if (!m.ok) {
        skipped.push(`${l.name}.${role}`);
        continue;
      }
      if (role === 'result') result = m.value.type;
      else if (weights[role]) weights[role] = quantizeWeights(weights[role]!, m.value, f);
    }
    quantized.push(l.name);
    const fact = result ? castAsQuantFact(result) : undefined;
    // binary / ternary map to ap_int<2> (no rounding mode): their activations produce the values.
    const selfQuantizing = l.attrs.op === 'Activation' && (l.attrs.activation === 'binary_tanh' || l.attrs.activation === 'ternary_tanh');
    if (result && !fact && !selfQuantizing) skipped.push(`${l.name}.result`);
    if (!fact) return [{ ...l, weights }];
    const pre = fresh(`${l.outputs[0]}__unquantized`);
    tensors.set(pre, { name: pre, shape: g.tensors.get(l.outputs[0]!)!.shape });
    const inner: Layer = { ...l, name: fresh(`${l.name}__unquantized`), weights, outputs: [pre] };
    const q: Layer = { name: l.name, attrs: { op: 'Quant', fact }, inputs: [pre], outputs: l.outputs, weights: {}, precision: {}, ...(l.source ? { source: l.source } : {}) };
    return [inner, q];
  });
  return { graph: { ...g, tensors, layers }, quantized, skipped };
}
