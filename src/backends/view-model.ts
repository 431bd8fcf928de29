/**
 * @fileoverview Builds the ProjectView of a graph: tensor typedefs, one LayerView per layer (via
 * the op tables in layer-views*.ts), and the plumbing of the top function for io_parallel
 * (buffers) and io_stream (streams, clones for tensors read twice, DATAFLOW steps).
 */

import type { FixedType } from '../fixed/type.js';
import { formatType, isAuto } from '../fixed/type.js';
import type { Graph, Layer } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { DiagnosticError, EXIT, diag } from '../diagnostics/diagnostic.js';
import { commentText, cppIdent } from './identifiers.js';
import type { LayerCtx } from './layer-views.js';
import { BUILDERS } from './layer-views-data.js';
// Sequence-layer builders register themselves in BUILDERS.
import './layer-views-seq.js';
import type { Backend, IoType, LayerView, PortView, StreamDecl, StreamStep, TensorView } from './view-types.js';

/** One function per backend renders fixed-point types (both vendors spell ap_fixed the same today). */
export const TYPE_RENDERERS: Readonly<Record<Backend, (t: FixedType) => string>> = {
  vivado: (t) => formatType(t),
  vitis: (t) => formatType(t),
};

const INPUT_TYPED = new Set(['Reshape', 'Flatten', 'Identity', 'Dropout', 'Resize', 'Transpose']);
const INPUT_DEFAULT = new Set(['Pool', 'GlobalPool', 'Pad', 'Crop']);

export interface ViewOptions {
  readonly backend: Backend;
  readonly io: IoType;
}

export interface GraphView {
  readonly tensors: TensorView[];
  readonly layers: LayerView[];
  readonly inputs: PortView[];
  readonly outputs: PortView[];
  readonly buffers: TensorView[];
  readonly outputCopies: string[];
  readonly streams: StreamDecl[];
  readonly streamSteps: StreamStep[];
}

function resultType(l: Layer): FixedType {
  const t = l.precision.result;
  if (t === undefined || isAuto(t))
    throw new DiagnosticError(
      [diag('FML5803', `layer has no concrete result type${t ? ' (still auto after precision inference)' : ''}`, { node: l.name, ...(l.source?.file ? { file: l.source.file } : {}) })],
      EXIT.MODEL,
    );
  return t;
}

export function buildGraphView(g: Graph, opts: ViewOptions): GraphView {
  const cpp = TYPE_RENDERERS[opts.backend];
  const tensorView = new Map<string, TensorView>();
  const tensorType = new Map<string, FixedType>();
  const layerIdent = new Map<Layer, string>();
  const inputIndex = new Map(g.inputs.map((t, k) => [t, k] as const));
  const outputIndex = new Map<string, number[]>();
  g.outputs.forEach((t, k) => outputIndex.set(t, [...(outputIndex.get(t) ?? []), k]));

  g.layers.forEach((l, k) => {
    const ident = `L${k + 1}_${cppIdent(l.name, 'layer')}`;
    layerIdent.set(l, ident);
    const tname = l.outputs[0]!;
    const info = g.tensors.get(tname);
    if (!info) throw new DiagnosticError([diag('FML5806', `tensor "${tname}" has no shape`, { node: l.name })], EXIT.MODEL);
    // Types follow the emulator (src/emulator/compile.ts): shape-only layers alias their input,
    // resize and transpose keep the input type, pooling/padding default to it.
    const inT = l.inputs.length ? tensorType.get(l.inputs[0]!) : undefined;
    const own = l.precision.result;
    const t =
      inT && INPUT_TYPED.has(l.attrs.op)
        ? inT
        : inT && INPUT_DEFAULT.has(l.attrs.op) && (own === undefined || isAuto(own))
          ? inT
          : resultType(l);
    const shape = info.shape;
    const nchan = shape.length > 1 ? shape[shape.length - 1]! : numel(shape);
    const isIn = l.attrs.op === 'Input';
    const k0 = inputIndex.get(tname);
    tensorType.set(tname, t);
    tensorView.set(tname, {
      name: tname,
      comment: commentText(tname),
      ident: isIn && k0 !== undefined ? `input_${k0}` : `${ident}_out`,
      ctype: `t_${ident}`,
      cpp: cpp(t),
      ptype: `p_${ident}`,
      size: numel(shape),
      npix: numel(shape) / nchan,
      nchan,
      shape: `[${shape.join(', ')}]`,
    });
  });

  const layers: LayerView[] = [];
  for (const [k, l] of g.layers.entries()) {
    if (l.attrs.op === 'Input') continue;
    const builder = BUILDERS[l.attrs.op];
    if (!builder)
      throw new DiagnosticError(
        [diag('FML5804', `the HLS backend does not support ${l.attrs.op} layers`, { node: l.name, ...(l.source?.file ? { file: l.source.file } : {}) })],
        EXIT.MODEL,
      );
    const ident = layerIdent.get(l)!;
    const ins = l.inputs.map((t) => tensorView.get(t)!);
    const out = tensorView.get(l.outputs[0]!)!;
    const ctx: LayerCtx = {
      g,
      layer: l,
      ident,
      ins,
      inShapes: l.inputs.map((t) => g.tensors.get(t)!.shape),
      inTypes: l.inputs.map((t) => tensorType.get(t)!),
      out,
      outShape: g.tensors.get(l.outputs[0]!)!.shape,
      outType: tensorType.get(l.outputs[0]!)!,
      cpp,
    };
    const e = builder(ctx);
    const extra = e.extra.map((a) => `, ${a}`).join('');
    layers.push({
      index: k + 1,
      comment: commentText(l.name),
      ident,
      op: l.attrs.op,
      inputs: ins,
      output: out,
      configs: e.configs,
      arrays: e.arrays,
      weightsFile: e.arrays.length ? `${ident}.h` : '',
      callParallel: e.block ? e.block(ins.map((t) => t.ident), out.ident) : `${e.fn}(${ins.map((t) => t.ident).join(', ')}, ${out.ident}${extra})`,
      callStream: e.block ? e.block(ins.map((_, j) => `x${j}`), 'y') : `${e.fn}(${ins.map((_, j) => `x${j}`).join(', ')}, y${extra})`,
      streamDirect: e.streamFn ? `${e.streamFn}(in0, out${extra})` : '',
    });
  }

  const inputs: PortView[] = g.inputs.map((t, k) => ({ ident: `input_${k}`, tensor: tensorView.get(t)!, comment: commentText(t) }));
  const outputs: PortView[] = g.outputs.map((t, k) => ({ ident: `output_${k}`, tensor: tensorView.get(t)!, comment: commentText(t) }));
  const buffers = layers.map((l) => l.output);
  const outputCopies = outputs.map((p) => `fml::copy_cast<${p.tensor.ctype}, ${p.tensor.ctype}, ${p.tensor.size}>(${p.tensor.ident}, ${p.ident});`);

  // io_stream plumbing: who reads each tensor, and which stream each reader gets.
  const streams: StreamDecl[] = [];
  const streamSteps: StreamStep[] = [];
  const readerStream = new Map<string, string>(); // key `${layerIdent}#${arg}` or `port#${k}`
  const producedInto = new Map<string, string>(); // tensor -> stream the producer writes
  for (const [tname, tv] of tensorView) {
    type Reader = { key: string; port?: string };
    const readers: Reader[] = [];
    for (const lv of layers) lv.inputs.forEach((t, j) => t.name === tname && readers.push({ key: `${lv.ident}#${j}` }));
    for (const k of outputIndex.get(tname) ?? []) readers.push({ key: `port#${k}`, port: `output_${k}` });
    const isGraphInput = inputIndex.has(tname) && tv.ident.startsWith('input_');
    const decl = (ident: string): string => {
      streams.push({ ident, ptype: tv.ptype, depth: tv.npix });
      return ident;
    };
    if (readers.length === 0) {
      if (!isGraphInput) producedInto.set(tname, decl(`${tv.ident}_s`));
      continue;
    }
    let src: string;
    if (isGraphInput) src = tv.ident;
    else if (readers.length === 1 && readers[0]!.port) src = readers[0]!.port;
    else src = decl(`${tv.ident}_s`);
    producedInto.set(tname, src);
    if (readers.length === 1) {
      if (readers[0]!.port && src !== readers[0]!.port)
        streamSteps.push({ stmt: `fml::clone_stream<${tv.ptype}, ${tv.npix}>(${src}, ${readers[0]!.port}, ${decl(`${tv.ident}_drop`)});` });
      readerStream.set(readers[0]!.key, src);
      continue;
    }
    let cur = src;
    for (let r = 0; r < readers.length - 1; r++) {
      const a = readers[r]!.port ?? decl(`${tv.ident}_c${r}`);
      const last = r === readers.length - 2;
      const b = last ? (readers[r + 1]!.port ?? decl(`${tv.ident}_c${r + 1}`)) : decl(`${tv.ident}_t${r}`);
      streamSteps.push({ stmt: `fml::clone_stream<${tv.ptype}, ${tv.npix}>(${cur}, ${a}, ${b});` });
      readerStream.set(readers[r]!.key, a);
      if (last) readerStream.set(readers[r + 1]!.key, b);
      cur = b;
    }
  }
  // Layer steps go before the clones of their outputs; order the steps topologically.
  const layerSteps: StreamStep[] = [];
  for (const lv of layers) {
    const args = [...lv.inputs.map((_, j) => readerStream.get(`${lv.ident}#${j}`)!), producedInto.get(lv.output.name)!];
    layerSteps.push({ stmt: `run_${lv.ident}(${args.join(', ')});` });
  }
  const ordered: StreamStep[] = [];
  const cloneOf = (tv: TensorView): StreamStep[] => streamSteps.filter((s) => s.stmt.includes(`<${tv.ptype}, `));
  for (const p of inputs) ordered.push(...cloneOf(p.tensor));
  layers.forEach((lv, k) => {
    ordered.push(layerSteps[k]!);
    ordered.push(...cloneOf(lv.output));
  });

  const tensors = [...tensorView.values()];
  return { tensors, layers, inputs, outputs, buffers, outputCopies, streams, streamSteps: ordered };
}
