/**
 * @fileoverview The model as the report draws it: the built graph's layers with their shapes, types
 * and reuse factors, and a layered layout for the drawing (a layer's row is one more than the
 * deepest layer it reads; layers of one row sit side by side). Models are chains or shallow DAGs,
 * so this simple layout reads well without a graph-layout dependency.
 */

import type { Graph } from '../ir/graph.js';
import { formatType } from '../fixed/type.js';
import type { GraphLayer } from './types.js';

export function graphLayers(g: Graph): GraphLayer[] {
  const producer = new Map<string, string>();
  for (const l of g.layers) for (const t of l.outputs) producer.set(t, l.name);
  return g.layers.map((l) => {
    const types: Record<string, string> = {};
    for (const [slot, t] of Object.entries(l.precision)) if (t !== undefined) types[slot] = t === 'auto' ? 'auto' : formatType(t);
    let weights = 0;
    for (const w of Object.values(l.weights)) weights += w.data.length;
    return {
      name: l.name,
      op: l.attrs.op === 'Activation' ? `Activation(${l.attrs.activation})` : l.attrs.op,
      inputs: l.inputs.map((t) => producer.get(t) ?? t),
      shape: g.tensors.get(l.outputs[0]!)?.shape ?? [],
      types,
      ...(l.reuseFactor !== undefined ? { reuseFactor: l.reuseFactor } : {}),
      ...(l.strategy ? { strategy: l.strategy } : {}),
      weights,
    };
  });
}

export interface PlacedLayer {
  readonly name: string;
  readonly row: number;
  readonly col: number;
  /** Columns in this layer's row (to centre narrow rows). */
  readonly width: number;
}

/** Row = longest path from an input; columns in graph order within a row. */
export function layout(layers: readonly GraphLayer[]): { placed: PlacedLayer[]; rows: number; cols: number } {
  const row = new Map<string, number>();
  for (const l of layers) row.set(l.name, l.inputs.reduce((m, i) => Math.max(m, (row.get(i) ?? -1) + 1), 0));
  const perRow = new Map<number, string[]>();
  for (const l of layers) {
    const r = row.get(l.name)!;
    perRow.set(r, [...(perRow.get(r) ?? []), l.name]);
  }
  const placed: PlacedLayer[] = [];
  for (const [r, names] of perRow) names.forEach((name, c) => placed.push({ name, row: r, col: c, width: names.length }));
  return { placed, rows: perRow.size, cols: Math.max(1, ...[...perRow.values()].map((v) => v.length)) };
}
