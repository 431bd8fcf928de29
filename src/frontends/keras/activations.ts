/**
 * @fileoverview Keras activations (a layer's `activation=` and the standalone activation layers)
 * mapped to IR Activation / Softmax attributes. Naming follows hls4ml: a layer's own activation
 * becomes a separate layer `<layer>_<activation>`; the standalone layers keep their Keras name.
 */

import type { LayerAttrs, QuantFact } from '../../ir/graph.js';
import { activationOfQuantizer, parseQuantizer, quantFact } from './qkeras.js';

export interface ActivationSpec {
  readonly attrs: LayerAttrs;
  /** The suffix hls4ml appends for a layer's own activation (`relu`, `softmax`, `quantized_relu`). */
  readonly suffix: string;
  readonly quant?: Record<string, QuantFact>;
}

/**
 * A Keras activation name to IR attrs. `keras3` selects Keras 3's hard_sigmoid (relu6(x+3)/6,
 * slope 1/6) instead of Keras 2's (slope 0.2, shift 0.5).
 */
export function namedActivation(name: string, keras3: boolean): LayerAttrs | undefined {
  switch (name) {
    case 'linear':
    case 'relu':
    case 'sigmoid':
    case 'tanh':
    case 'softplus':
    case 'softsign':
    case 'selu':
      return { op: 'Activation', activation: name };
    case 'elu':
      return { op: 'Activation', activation: 'elu', alpha: 1 };
    case 'relu6':
      return { op: 'Activation', activation: 'relu6', min: 0, max: 6 };
    case 'leaky_relu':
      return { op: 'Activation', activation: 'leaky_relu', alpha: 0.2 };
    case 'hard_sigmoid':
      return keras3
        ? { op: 'Activation', activation: 'hard_sigmoid', slope: 1 / 6, shift: 0.5 }
        : { op: 'Activation', activation: 'hard_sigmoid', slope: 0.2, shift: 0.5 };
    case 'softmax':
      return { op: 'Softmax', axis: -1 };
    default:
      return undefined;
  }
}

/**
 * The IR form of an `activation` config value: a Keras name, or a QKeras quantizer (string or
 * dict) which becomes its activation function plus a `result` quantization fact. Returns
 * undefined for no activation; throws an Error with the reason when it is not supported.
 */
export function activationSpec(value: unknown, keras3: boolean): ActivationSpec | undefined {
  if (value === null || value === undefined) return undefined;
  // Keras 3 can wrap a built-in activation as {class_name: 'function', config: 'relu'}.
  if (typeof value === 'object' && (value as any).class_name === 'function' && typeof (value as any).config === 'string') value = (value as any).config;
  if (typeof value === 'string') {
    const attrs = namedActivation(value, keras3);
    if (attrs) return { attrs, suffix: value };
  }
  if (typeof value === 'object' && value !== null && !('class_name' in value)) throw new Error(`activation ${JSON.stringify(value)} is not understood`);
  if (typeof value === 'object' && value !== null && typeof (value as any).class_name === 'string' && namedActivation((value as any).class_name, keras3) && !(value as any).config?.bits) {
    // Keras 3 may serialise a plain activation as an object {class_name: 'relu'}.
    const nm = (value as any).class_name as string;
    return { attrs: namedActivation(nm, keras3)!, suffix: nm };
  }
  let q;
  try {
    q = parseQuantizer(value);
  } catch (e) {
    throw new Error(`activation ${JSON.stringify(value)?.slice(0, 80)} is not supported: ${(e as Error).message}`);
  }
  if (!q) return undefined;
  const kind = activationOfQuantizer(q);
  if (!kind) throw new Error(`activation "${q.name}" is not supported`);
  const attrs: LayerAttrs =
    q.name === 'quantized_relu' && typeof q.args.negative_slope === 'number' && q.args.negative_slope !== 0
      ? { op: 'Activation', activation: 'leaky_relu', alpha: q.args.negative_slope }
      : { op: 'Activation', activation: kind };
  return { attrs, suffix: q.name, quant: { result: quantFact(q) } };
}
