/**
 * @fileoverview A small graph builder for the Keras frontend: adds IR layers one at a time,
 * computes each output shape with the shared rule (src/ir/shapes.ts), keeps names unique and
 * records problems instead of throwing, so that one run reports everything wrong with a model.
 *
 * A tensor whose producer could not be built is "poisoned": layers reading it are still checked
 * for unsupported attributes (config-only checks) but not built, which avoids a cascade of
 * follow-on shape errors behind the one real problem.
 */

import type { Layer, LayerAttrs, QuantFact, Shape, SourceRef, TensorInfo, WeightTensor } from '../../ir/graph.js';
import { inferShape, ShapeError } from '../../ir/shapes.js';
import { checkLayerShape } from '../../diagnostics/limits.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { diag } from '../../diagnostics/diagnostic.js';

/** Thrown by `shapeOf` when an input is poisoned; the caller marks its own output poisoned. */
export class PoisonedInput extends Error {}

export interface AddSpec {
  readonly name: string;
  readonly attrs: LayerAttrs;
  readonly inputs: readonly string[];
  readonly weights?: Record<string, WeightTensor>;
  readonly quant?: Record<string, QuantFact>;
  /** Declared shape for Input and Reshape. */
  readonly target?: Shape;
  readonly source: SourceRef;
}

export class GraphBuilder {
  readonly layers: Layer[] = [];
  readonly tensors = new Map<string, TensorInfo>();
  readonly problems: Diagnostic[] = [];
  readonly poisoned = new Set<string>();
  private readonly names = new Set<string>();

  constructor(readonly file: string) {}

  /** A layer name not used yet: the wanted one, else `<wanted>_1`, `<wanted>_2`, ... */
  uniqueName(wanted: string): string {
    if (!this.names.has(wanted)) return wanted;
    for (let k = 1; ; k++) if (!this.names.has(`${wanted}_${k}`)) return `${wanted}_${k}`;
  }

  shapeOf(tensor: string): Shape {
    if (this.poisoned.has(tensor)) throw new PoisonedInput(tensor);
    const t = this.tensors.get(tensor);
    if (!t) throw new PoisonedInput(tensor);
    return t.shape;
  }

  problem(code: string, message: string, source: SourceRef, hint?: string): void {
    this.problems.push(diag(code, message, { file: this.file, ...(source.node !== undefined ? { node: source.node } : {}), ...(source.opType ? { opType: source.opType } : {}) }, hint));
  }

  /** A fresh poisoned tensor name standing for a layer that could not be built. */
  poison(name: string): string {
    const n = this.uniqueName(name);
    this.names.add(n);
    this.poisoned.add(n);
    return n;
  }

  /** Adds a layer; returns its output tensor name (equal to its layer name). */
  add(spec: AddSpec): string {
    if (spec.inputs.some((t) => this.poisoned.has(t) || !this.tensors.has(t))) return this.poison(spec.name);
    const name = this.uniqueName(spec.name);
    const inShapes = spec.inputs.map((t) => this.tensors.get(t)!.shape);
    let shape: Shape;
    try {
      shape = inferShape(spec.attrs, inShapes, spec.weights ?? {}, spec.target);
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      this.problem('FML2301', `${e.message} (input shapes ${inShapes.map((s) => `[${s.join(', ')}]`).join(', ')})`, spec.source);
      return this.poison(spec.name);
    }
    checkLayerShape(shape, spec.source);
    this.names.add(name);
    this.tensors.set(name, { name, shape });
    this.layers.push({
      name,
      attrs: spec.attrs,
      inputs: [...spec.inputs],
      outputs: [name],
      weights: spec.weights ?? {},
      precision: {},
      ...(spec.quant && Object.keys(spec.quant).length ? { quant: spec.quant } : {}),
      source: spec.source,
    });
    return name;
  }
}
