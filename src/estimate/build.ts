/**
 * @fileoverview A tiny builder of sequential IR graphs, for the truth records (whose models exist
 * only as descriptions: "16->64->32->32->5, ReLU, softmax") and for tests. Shapes come from the
 * IR's own shape rules so the graphs pass the verifier.
 */

import type { Graph, Layer, LayerAttrs, PrecisionSlot, Shape, Strategy, TensorInfo, WeightTensor } from '../ir/graph.js';
import { inferShape } from '../ir/shapes.js';
import type { TypeSpec } from '../fixed/type.js';

export interface LayerSpec {
  readonly name: string;
  readonly attrs: LayerAttrs;
  readonly weights?: Record<string, WeightTensor>;
  readonly precision?: Partial<Record<PrecisionSlot, TypeSpec>>;
  readonly reuseFactor?: number;
  readonly strategy?: Strategy;
  readonly tableSize?: number;
}

/** Weights of a given shape, all equal to `value` (non-zero, not a power of two by default). */
export function filledWeights(shape: Shape, value = 0.3): WeightTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: new Float32Array(n).fill(value) };
}

export function sequential(name: string, inputShape: Shape, inputPrecision: TypeSpec | undefined, specs: readonly LayerSpec[]): Graph {
  const tensors = new Map<string, TensorInfo>();
  const layers: Layer[] = [];
  const input = 'input_1';
  tensors.set(input, { name: input, shape: inputShape });
  layers.push({ name: input, attrs: { op: 'Input' }, inputs: [], outputs: [input], weights: {}, precision: inputPrecision ? { result: inputPrecision } : {} });
  let prev = input;
  for (const s of specs) {
    const inShape = tensors.get(prev)!.shape;
    const weights = s.weights ?? {};
    const shape = inferShape(s.attrs, [inShape], weights);
    const out = s.name;
    tensors.set(out, { name: out, shape });
    layers.push({
      name: s.name,
      attrs: s.attrs,
      inputs: [prev],
      outputs: [out],
      weights,
      precision: s.precision ?? {},
      ...(s.reuseFactor !== undefined ? { reuseFactor: s.reuseFactor } : {}),
      ...(s.strategy ? { strategy: s.strategy } : {}),
      ...(s.tableSize !== undefined ? { tableSize: s.tableSize } : {}),
    });
    prev = out;
  }
  return { name, inputs: [input], outputs: [prev], tensors, layers, inputLayouts: {}, meta: { producer: 'fastml estimate/build.ts' } };
}

/** Dense layer spec with Keras-layout kernel [nIn, nOut] and a bias. */
export function denseSpec(name: string, nIn: number, nOut: number, extra: Partial<LayerSpec> = {}, value = 0.3): LayerSpec {
  return {
    name,
    attrs: { op: 'Dense', nIn, nOut },
    weights: { kernel: filledWeights([nIn, nOut], value), bias: filledWeights([nOut], 0) },
    ...extra,
  };
}
