/**
 * @fileoverview Small, pure graph-editing helpers shared by the passes: bypassing a layer,
 * replacing one, and questions passes ask often (single consumer, type of a tensor).
 *
 * Every helper returns a new Graph and leaves its argument untouched, because the pass contract
 * (pass.ts) forbids mutation: tests compare a graph before and after a pass.
 */

import type { Graph, Layer } from '../ir/graph.js';
import type { FixedType, TypeSpec } from '../fixed/type.js';
import { AUTO } from '../fixed/type.js';
import type { DiagnosticLoc } from '../diagnostics/diagnostic.js';

/** Layers that read `tensor` (graph outputs are not layers: see `isGraphOutput`). */
export function readersOf(g: Graph, tensor: string): Layer[] {
  return g.layers.filter((l) => l.inputs.includes(tensor));
}

export function isGraphOutput(g: Graph, tensor: string): boolean {
  return g.outputs.includes(tensor);
}

/** True when exactly one layer reads the tensor and it is not also a graph output. */
export function hasSingleReader(g: Graph, tensor: string): boolean {
  return readersOf(g, tensor).length === 1 && !isGraphOutput(g, tensor);
}

export function producerLayer(g: Graph, tensor: string): Layer | undefined {
  return g.layers.find((l) => l.outputs.includes(tensor));
}

/** Replaces the layer called `name` by `next` (same position). */
export function replaceLayer(g: Graph, name: string, next: Layer): Graph {
  return { ...g, layers: g.layers.map((l) => (l.name === name ? next : l)) };
}

/**
 * Removes a one-input layer and wires its readers to its input. If its output is a graph output,
 * the producer of its input is renamed to produce that tensor instead (when that is unambiguous),
 * so graph output names, which users and testbenches see, stay as they were.
 */
export function bypassLayer(g: Graph, name: string): Graph {
  const victim = g.layers.find((l) => l.name === name);
  if (!victim) return g;
  const src = victim.inputs[0]!;
  const out = victim.outputs[0]!;
  const tensors = new Map(g.tensors);
  if (isGraphOutput(g, out)) {
    const producer = producerLayer(g, src);
    const srcReaders = readersOf(g, src).filter((l) => l.name !== name);
    if (producer && producer.attrs.op !== 'Input' && srcReaders.length === 0 && !isGraphOutput(g, src)) {
      // Rename the producer's output to the graph output tensor.
      tensors.delete(src);
      const layers = g.layers
        .filter((l) => l.name !== name)
        .map((l) => (l === producer ? { ...l, outputs: [out] } : l));
      return { ...g, layers, tensors };
    }
    tensors.delete(out);
    const layers = g.layers.filter((l) => l.name !== name);
    return { ...g, layers, tensors, outputs: g.outputs.map((t) => (t === out ? src : t)) };
  }
  tensors.delete(out);
  const layers = g.layers
    .filter((l) => l.name !== name)
    .map((l) => (l.inputs.includes(out) ? { ...l, inputs: l.inputs.map((t) => (t === out ? src : t)) } : l));
  return { ...g, layers, tensors };
}

/** The result type of the tensor's producer (graph inputs: the Input layer's result). */
export function tensorType(g: Graph, tensor: string): TypeSpec | undefined {
  return producerLayer(g, tensor)?.precision.result;
}

export function isFixed(t: TypeSpec | undefined): t is FixedType {
  return t !== undefined && t !== AUTO;
}

/** Where a layer came from, for diagnostics. */
export function locOf(g: Graph, l: Layer): DiagnosticLoc {
  return {
    ...(l.source?.file ?? g.meta.file ? { file: (l.source?.file ?? g.meta.file) as string } : {}),
    node: l.source?.node ?? l.name,
    opType: l.source?.opType ?? l.attrs.op,
  };
}

/** A fresh layer name derived from `base` that is not used in the graph yet. */
export function freshName(g: Graph, base: string): string {
  const used = new Set(g.layers.map((l) => l.name));
  for (const t of g.tensors.keys()) used.add(t);
  if (!used.has(base)) return base;
  for (let k = 1; ; k++) if (!used.has(`${base}_${k}`)) return `${base}_${k}`;
}
