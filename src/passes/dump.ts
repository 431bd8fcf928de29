/**
 * @fileoverview `--dump-ir`: the IR as readable text (one line per layer, types in hls4ml's form)
 * or as JSON (weights summarised by shape, count of non-zeros and range, not listed: a dump is for
 * reading what the passes did, and a jet tagger's 4k weights would drown it).
 */

import type { Graph, Layer, WeightTensor } from '../ir/graph.js';
import { formatHls4ml, type TypeSpec } from '../fixed/type.js';

export type DumpFormat = 'text' | 'json';

function weightSummary(w: WeightTensor): { shape: number[]; nonzeros: number; min: number; max: number } {
  let nz = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < w.data.length; i++) {
    const v = w.data[i]!;
    if (v !== 0) nz++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { shape: [...w.shape], nonzeros: nz, min: w.data.length ? min : 0, max: w.data.length ? max : 0 };
}

function attrsText(l: Layer): string {
  const { op, ...rest } = l.attrs as { op: string } & Record<string, unknown>;
  const parts = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return `${op}${parts.length ? `(${parts.join(', ')})` : ''}`;
}

function typeText(t: TypeSpec | undefined): string {
  return t === undefined ? '-' : formatHls4ml(t);
}

/** Plain JSON of a graph (weights summarised). */
export function graphToJson(g: Graph): unknown {
  return {
    name: g.name,
    inputs: g.inputs,
    outputs: g.outputs,
    tensors: Object.fromEntries([...g.tensors.values()].map((t) => [t.name, t.shape])),
    layers: g.layers.map((l) => ({
      name: l.name,
      attrs: l.attrs,
      inputs: l.inputs,
      outputs: l.outputs,
      precision: Object.fromEntries(Object.entries(l.precision).map(([k, v]) => [k, typeText(v)])),
      ...(l.reuseFactor !== undefined ? { reuseFactor: l.reuseFactor } : {}),
      ...(l.strategy ? { strategy: l.strategy } : {}),
      ...(l.tableSize !== undefined ? { tableSize: l.tableSize } : {}),
      weights: Object.fromEntries(Object.entries(l.weights).map(([k, w]) => [k, weightSummary(w)])),
      ...(l.quant && Object.keys(l.quant).length ? { quant: l.quant } : {}),
      ...(l.source ? { source: l.source } : {}),
    })),
  };
}

/** The IR as text, e.g. `fc1: Dense(nIn=16, nOut=64) [input_1] -> fc1 [64]  result=fixed<16,6,...> rf=1 latency`. */
export function graphToText(g: Graph): string {
  const lines: string[] = [`graph ${g.name}: inputs ${g.inputs.join(', ')} -> outputs ${g.outputs.join(', ')}`];
  for (const l of g.layers) {
    const shape = g.tensors.get(l.outputs[0]!)?.shape ?? [];
    const types = Object.entries(l.precision)
      .map(([k, v]) => `${k}=${typeText(v)}`)
      .join(' ');
    const extra = [
      l.reuseFactor !== undefined ? `rf=${l.reuseFactor}` : '',
      l.strategy ?? '',
      l.tableSize !== undefined ? `table_size=${l.tableSize}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    lines.push(`  ${l.name}: ${attrsText(l)} [${l.inputs.join(', ')}] -> ${l.outputs.join(', ')} [${shape.join(', ')}]${types ? `  ${types}` : ''}${extra ? `  ${extra}` : ''}`);
    for (const [role, w] of Object.entries(l.weights)) {
      const s = weightSummary(w);
      lines.push(`      ${role} [${s.shape.join(', ')}] nonzero ${s.nonzeros}/${w.data.length} range [${s.min}, ${s.max}]`);
    }
    if (l.quant) for (const [role, f] of Object.entries(l.quant)) lines.push(`      quant ${role}: ${JSON.stringify(f)}`);
  }
  return lines.join('\n') + '\n';
}

export function dumpGraph(g: Graph, format: DumpFormat = 'text'): string {
  return format === 'json' ? JSON.stringify(graphToJson(g), null, 2) + '\n' : graphToText(g);
}
