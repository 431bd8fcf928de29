/**
 * @fileoverview `fastml inspect MODEL [--json] [--weights FILE]`: the model as fastml reads it. A
 * table of layers (op, input and output shapes, parameters, zero weights, precision when set) and
 * totals, or the same as one JSON document on stdout. Exit 0 when the model loads and the IR
 * verifies, 1 when the model has problems (unsupported ops, IR check failures), 2 for bad input.
 */

import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { resolvePath } from '../context.js';
import type { Graph, Layer, QuantFact } from '../../ir/graph.js';

interface InspectFlags {
  json?: boolean;
  weights?: string;
}

export interface LayerRow {
  name: string;
  op: string;
  inputs: number[][];
  output: number[];
  params: number;
  zeros: number;
  precision: Record<string, string>;
  /** Quantization facts from the model (QONNX / QDQ / QKeras), by weight role or 'result'. */
  quant?: Record<string, string>;
  source?: string;
}

export interface InspectReport {
  model: string;
  name: string;
  format?: string;
  producer?: string;
  opset?: number;
  inputs: { name: string; shape: number[]; layout?: string; sourceShape?: number[] }[];
  outputs: { name: string; shape: number[] }[];
  layers: LayerRow[];
  totals: { layers: number; params: number; zeros: number; sparsity: number };
  problems: string[];
}

/** A short op label: Conv2D, Pool2D(max), Activation(relu), Quant(4b)... */
export function opLabel(l: Layer): string {
  const a = l.attrs;
  switch (a.op) {
    case 'Conv':
      return `Conv${a.dims}D${a.groups > 1 ? `(g=${a.groups})` : ''}`;
    case 'DepthwiseConv':
      return `DepthwiseConv${a.dims}D`;
    case 'Pool':
      return `${a.mode === 'max' ? 'MaxPool' : 'AvgPool'}${a.dims}D`;
    case 'GlobalPool':
      return `Global${a.mode === 'max' ? 'Max' : 'Avg'}Pool${a.dims}D`;
    case 'Activation':
      return `Activation(${a.activation})`;
    case 'Merge':
      return `Merge(${a.mode})`;
    case 'Quant':
      return `Quant(${a.fact.kind}${a.fact.bits !== undefined ? ` ${a.fact.bits}b` : ''})`;
    default:
      return a.op;
  }
}

/** One-line summary of a quantization fact, e.g. "quant 6b signed s=0.03125". */
export function factLabel(f: QuantFact): string {
  if (f.kind === 'qkeras') {
    if (typeof f.qkeras === 'string') return f.qkeras;
    // Keras frontends store {name, args} (or Keras' own {class_name, config}).
    const q = (f.qkeras ?? {}) as { name?: string; class_name?: string; args?: Record<string, unknown>; config?: Record<string, unknown> };
    const args = q.args ?? q.config ?? {};
    const shown = ['bits', 'integer'].filter((k) => args[k] !== undefined && args[k] !== null).map((k) => String(args[k]));
    return `${q.name ?? q.class_name ?? 'qkeras'}${shown.length ? `(${shown.join(',')})` : ''}`;
  }
  const sc = f.scale && f.scale.length ? (f.scale.length === 1 ? ` s=${f.scale[0]}` : ` s=[${f.scale.length} values]`) : '';
  const zp = f.zeroPoint && f.zeroPoint.some((z) => z !== 0) ? (f.zeroPoint.length === 1 ? ` z=${f.zeroPoint[0]}` : ` z=[${f.zeroPoint.length} values]`) : '';
  const bits = f.kind === 'trunc' ? ` ${f.bits}b->${f.outBits}b` : f.bits !== undefined ? ` ${f.bits}b` : '';
  const sign = f.signed === undefined || f.kind === 'bipolar' ? '' : f.signed ? ' signed' : ' unsigned';
  return `${f.kind}${bits}${sign}${f.narrow ? ' narrow' : ''}${sc}${zp}`;
}

export async function buildReport(g: Graph, model: string): Promise<InspectReport> {
  const { paramCounts } = await import('../../ir/graph.js');
  const { verifyGraph } = await import('../../ir/verify.js');
  const { formatType } = await import('../../fixed/type.js');
  const shape = (t: string) => [...(g.tensors.get(t)?.shape ?? [])];
  const layers: LayerRow[] = g.layers.map((l) => {
    const { params, zeros } = paramCounts(l);
    const precision: Record<string, string> = {};
    for (const [slot, t] of Object.entries(l.precision)) if (t !== undefined) precision[slot] = formatType(t);
    const facts: Record<string, QuantFact> = { ...(l.quant ?? {}) };
    if (l.attrs.op === 'Quant') facts.result = l.attrs.fact;
    const quant = Object.fromEntries(Object.entries(facts).map(([role, f]) => [role, factLabel(f)]));
    return {
      name: l.name,
      op: opLabel(l),
      inputs: l.inputs.map(shape),
      output: shape(l.outputs[0]!),
      params,
      zeros,
      precision,
      ...(Object.keys(quant).length ? { quant } : {}),
      ...(l.source?.opType ? { source: l.source.opType } : {}),
    };
  });
  const params = layers.reduce((s, r) => s + r.params, 0);
  const zeros = layers.reduce((s, r) => s + r.zeros, 0);
  return {
    model,
    name: g.name,
    ...(g.meta.format ? { format: g.meta.format } : {}),
    ...(g.meta.producer ? { producer: g.meta.producer } : {}),
    ...(g.meta.opset !== undefined ? { opset: g.meta.opset } : {}),
    inputs: g.inputs.map((n) => {
      const lay = g.inputLayouts[n];
      return { name: n, shape: shape(n), ...(lay ? { layout: lay.source, sourceShape: [...lay.sourceShape] } : {}) };
    }),
    outputs: g.outputs.map((n) => ({ name: n, shape: shape(n) })),
    layers,
    totals: { layers: layers.length, params, zeros, sparsity: params ? zeros / params : 0 },
    problems: verifyGraph(g),
  };
}

const fmtShape = (s: number[]) => `[${s.join(',')}]`;

/** The human table: fixed-width columns sized to their content. */
export function formatReport(r: InspectReport): string {
  // The quantization column only appears for models that carry quantizers.
  const withQuant = r.layers.some((l) => l.quant);
  const head = ['layer', 'op', 'input shape', 'output shape', 'params', 'zeros', 'precision', ...(withQuant ? ['quantization'] : [])];
  const rows = r.layers.map((l) => [
    l.name,
    l.op,
    l.inputs.map(fmtShape).join(' '),
    fmtShape(l.output),
    String(l.params),
    String(l.zeros),
    Object.entries(l.precision).map(([k, v]) => `${k}=${v}`).join(' '),
    ...(withQuant ? [Object.entries(l.quant ?? {}).map(([k, v]) => (k === 'result' ? v : `${k}: ${v}`)).join('; ')] : []),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const numeric = new Set([4, 5]);
  const line = (cells: string[]) => cells.map((x, c) => (numeric.has(c) ? x.padStart(widths[c]!) : x.padEnd(widths[c]!))).join('  ').trimEnd();
  const out: string[] = [];
  out.push(`model: ${r.model}${r.format ? ` (${r.format}${r.opset !== undefined ? `, opset ${r.opset}` : ''}${r.producer ? `, ${r.producer}` : ''})` : ''}`);
  for (const i of r.inputs)
    out.push(`input: ${i.name} ${fmtShape(i.shape)}${i.layout && i.sourceShape && fmtShape(i.sourceShape) !== fmtShape(i.shape) ? ` (model layout ${i.layout} ${fmtShape(i.sourceShape)}, transposed to channels-last)` : i.layout ? ` (${i.layout})` : ''}`);
  for (const o of r.outputs) out.push(`output: ${o.name} ${fmtShape(o.shape)}`);
  out.push('');
  out.push(line(head));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) out.push(line(row));
  out.push('');
  const pct = (r.totals.sparsity * 100).toFixed(1);
  out.push(`total: ${r.totals.layers} layers, ${r.totals.params} parameters, ${r.totals.zeros} zero (${pct}%)`);
  return out.join('\n') + '\n';
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('inspect')
    .description('show the model as fastml reads it: layers, shapes, parameters, zero weights, precisions')
    .argument('<model>', 'model file (.onnx, .h5/.hdf5, .json + --weights, .keras)')
    .option('--json', 'print the same information as JSON on stdout')
    .option('--weights <file>', 'Keras weights (.h5) for an architecture-only .json model')
    .action(async (modelArg: string, flags: InspectFlags) => {
      const { loadModel } = await import('../../frontends/index.js');
      const file = await resolvePath(ctx, modelArg);
      const g = await loadModel(file, flags.weights ? { weights: await resolvePath(ctx, flags.weights) } : {});
      const report = await buildReport(g, modelArg);
      if (flags.json) ctx.io.out(JSON.stringify(report, null, 2) + '\n');
      else ctx.io.out(formatReport(report));
      if (report.problems.length) {
        // The IR verifier found something: the model (or fastml's reading of it) has problems.
        for (const p of report.problems) ctx.io.err(`error FML0100: ${modelArg}: ${p}\n`);
        // A model fastml cannot take as it is: an input error (exit 2), like a refused model.
        const { EXIT } = await import('../../diagnostics/diagnostic.js');
        ctx.setExitCode(EXIT.MODEL);
      }
    });
}
