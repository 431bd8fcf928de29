/**
 * @fileoverview The ONNX / QONNX frontend: loadOnnx(file) -> IR Graph.
 *
 * One walk over the nodes in file order (ONNX requires topological order) with one handler per op
 * type (OP_TABLE). Constants (initializers, Constant nodes, and ops whose inputs are all constant)
 * are folded as they come. Unsupported ops and attributes are collected over the whole model and
 * reported together; corrupt files fail on the spot (both exit code 2: a model fastml refuses is
 * an input error). Shapes come from the IR's own shape rules (src/ir/shapes.ts): no external
 * shape inference is needed.
 */

import { checkLayerShape } from '../../diagnostics/limits.js';
import { readFileSync } from 'node:fs';
import type { Graph, InputLayout } from '../../ir/graph.js';
import { DiagnosticError, EXIT, fail } from '../../diagnostics/diagnostic.js';
import type { DynValue, Value } from './builder.js';
import { channelsLastPerm, GraphBuilder, identity, irShapeOf, POISON } from './builder.js';
import type { Handler, OpCtx } from './context.js';
import { Attrs, decodeModel, decodeTensor, toNum, valueInfoShape, type ModelProto, type NodeProto } from './proto.js';
import * as nn from './ops-nn.js';
import * as sh from './ops-shape.js';
import * as qt from './ops-quant.js';
import { FUSED_DOMAIN, FUSED_OPS, SEQUENCE_OPS, fuseAttention } from './ops-seq.js';

const QONNX_DOMAINS = ['qonnx.custom_op.general', 'finn.custom_op.general', 'onnx.brevitas'];
const CHANNELS_LAST_DOMAIN = 'qonnx.custom_op.channels_last';

/** Standard-domain ops. */
const STANDARD: Record<string, Handler> = {
  Gemm: nn.gemm,
  MatMul: nn.matmul,
  Conv: nn.conv,
  MaxPool: nn.maxPool,
  AveragePool: nn.avgPool,
  GlobalAveragePool: nn.globalAvgPool,
  GlobalMaxPool: nn.globalMaxPool,
  BatchNormalization: nn.batchNorm,
  ...nn.ACTIVATIONS,
  PRelu: nn.prelu,
  Clip: nn.clip,
  Softmax: nn.softmax,
  Add: sh.arith,
  Sub: sh.arith,
  Mul: sh.arith,
  Div: sh.arith,
  Sum: sh.variadic,
  Max: sh.variadic,
  Min: sh.variadic,
  Mean: sh.variadic,
  Neg: sh.neg,
  Concat: sh.concat,
  Flatten: sh.flatten,
  Reshape: sh.reshape,
  Transpose: sh.transpose,
  Squeeze: sh.squeeze,
  Unsqueeze: sh.unsqueeze,
  Identity: sh.passThrough,
  Dropout: sh.passThrough,
  Cast: sh.cast,
  Constant: sh.constant,
  Shape: sh.shapeOp,
  Gather: sh.gather,
  Resize: sh.resize,
  Upsample: sh.resize,
  Pad: sh.pad,
  QuantizeLinear: qt.quantizeLinear,
  DequantizeLinear: qt.dequantizeLinear,
  // GRU, LSTM, RNN, LayerNormalization (ops-seq.ts).
  ...SEQUENCE_OPS,
};
const QONNX: Record<string, Handler> = { Quant: qt.qonnxQuant, BipolarQuant: qt.bipolarQuant, Trunc: qt.trunc };
const CHANNELS_LAST: Record<string, Handler> = { Conv: nn.convChannelsLast, MaxPool: nn.maxPoolChannelsLast, BatchNormalization: nn.batchNormChannelsLast };

/** The op-handler table, keyed by domain then op type. */
export function handlerFor(domain: string, opType: string): Handler | undefined {
  if (domain === '' || domain === 'ai.onnx') return STANDARD[opType];
  if (QONNX_DOMAINS.includes(domain)) return QONNX[opType];
  if (domain === CHANNELS_LAST_DOMAIN) return CHANNELS_LAST[opType];
  if (domain === FUSED_DOMAIN) return FUSED_OPS[opType];
  return undefined;
}

export function supportedOps(domain: string): string[] {
  if (QONNX_DOMAINS.includes(domain)) return Object.keys(QONNX);
  if (domain === CHANNELS_LAST_DOMAIN) return Object.keys(CHANNELS_LAST);
  return Object.keys(STANDARD);
}

export const MIN_OPSET = 7;
export const MAX_OPSET = 23;

export async function loadOnnx(file: string): Promise<Graph> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    fail('FML0001', `cannot read the file: ${(e as Error).message}`, { file });
  }
  return onnxToGraph(decodeModel(bytes, file), file);
}

/** Ops a value flows through unchanged in layout when deciding an input's layout. */
const TRANSPARENT = new Set([...Object.keys(nn.ACTIVATIONS), 'PRelu', 'Clip', 'Identity', 'Dropout', 'Add', 'Sub', 'Mul', 'Div', 'Sum', 'Max', 'Min', 'Mean', 'Neg', 'Quant', 'BipolarQuant', 'Trunc', 'QuantizeLinear', 'DequantizeLinear', 'Pad', 'Cast']);
const CHANNELS_FIRST = new Set(['Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization']);

/** Whether an input reaches a channels-first op (standard Conv / Pool / BN) through layout-neutral ops. */
function feedsChannelsFirst(nodes: NodeProto[], input: string): boolean {
  const seen = new Set<string>([input]);
  const queue = [input];
  while (queue.length) {
    const t = queue.shift()!;
    for (const n of nodes) {
      if (!(n.input ?? []).includes(t)) continue;
      const std = !n.domain || n.domain === 'ai.onnx';
      if (std && CHANNELS_FIRST.has(n.opType!)) return true;
      if (TRANSPARENT.has(n.opType!))
        for (const o of n.output ?? []) if (!seen.has(o)) seen.add(o), queue.push(o);
    }
  }
  return false;
}

/** String attributes whose unsupported values can be reported without the node's inputs. */
const STATIC_ATTRS: Record<string, [string, string, string[]][]> = {
  Conv: [['auto_pad', 'NOTSET', ['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER']]],
  MaxPool: [['auto_pad', 'NOTSET', ['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER']]],
  AveragePool: [['auto_pad', 'NOTSET', ['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER']]],
  Resize: [['mode', 'nearest', ['nearest']]],
  Upsample: [['mode', 'nearest', ['nearest']]],
  Pad: [['mode', 'constant', ['constant']]],
};

function staticChecks(b: GraphBuilder, n: NodeProto, name: string, opset: number, file: string): void {
  if (n.domain && n.domain !== 'ai.onnx') return;
  const a = new Attrs(n, file);
  for (const [attr, dflt, ok] of STATIC_ATTRS[n.opType!] ?? []) {
    const v = a.str(attr, dflt);
    if (!ok.includes(v)) b.error('FML1111', `unsupported attribute ${attr}: "${v}" (opset ${opset})`, name, n.opType!, `supported: ${ok.join(', ')}`);
  }
}

const LAYOUT_NAMES: Record<string, string> = { '2': 'NC', '3cf': 'NCW', '3': 'NWC', '4cf': 'NCHW', '4': 'NHWC' };

export function onnxToGraph(m: ModelProto, file: string): Graph {
  const g = m.graph!;
  let opset = 0;
  for (const o of m.opsetImport ?? []) if (!o.domain || o.domain === 'ai.onnx') opset = toNum(o.version ?? 0);
  if (opset === 0 && (m.opsetImport ?? []).length === 0) opset = 1;
  // Subgraphs fastml maps to one layer (attention) are replaced by one node first.
  const nodes = fuseAttention(g.node ?? [], g, file);
  const allNames = new Set<string>();
  for (const n of nodes) for (const t of [...(n.input ?? []), ...(n.output ?? [])]) if (t) allNames.add(t);
  for (const v of g.input ?? []) allNames.add(v.name ?? '');
  const b = new GraphBuilder(file, allNames);

  if (opset < MIN_OPSET) b.error('FML1113', `ai.onnx opset ${opset} is older than fastml supports`, undefined, undefined, `opsets ${MIN_OPSET}..${MAX_OPSET}; re-export with a newer exporter or convert with onnx.version_converter`);
  else if (opset > MAX_OPSET) b.error('FML1113', `ai.onnx opset ${opset} is newer than fastml knows`, undefined, undefined, `opsets ${MIN_OPSET}..${MAX_OPSET}`);

  // Pass 1: every op must have a handler. All of them are reported, not just the first.
  const nodeName = (n: NodeProto, k: number) => n.name || n.output?.[0] || `node${k}`;
  nodes.forEach((n, k) => {
    const domain = n.domain ?? '';
    if (!handlerFor(domain, n.opType!)) {
      const where = domain && domain !== 'ai.onnx' ? `${domain}::${n.opType}` : n.opType!;
      b.error('FML1110', `unsupported op ${where} (opset ${domain && domain !== 'ai.onnx' ? (m.opsetImport?.find((o) => o.domain === domain)?.version ?? '?') : opset})`, nodeName(n, k), n.opType!,
        `supported ${domain && domain !== 'ai.onnx' ? `in ${domain}` : 'ONNX ops'}: ${supportedOps(domain).join(', ') || '(none: unknown domain)'}${domain && !QONNX_DOMAINS.includes(domain) && domain !== CHANNELS_LAST_DOMAIN && domain !== 'ai.onnx' ? `; QONNX quantizers are read from ${QONNX_DOMAINS.join(', ')}` : ''}`);
    }
  });

  // Values: initializers first (they may also be listed as graph inputs in old exports).
  const values = new Map<string, Value>();
  for (const t of g.initializer ?? []) values.set(t.name ?? '', { kind: 'const', t: decodeTensor(t, { file }) });
  if ((g.sparseInitializer ?? []).length) b.error('FML1104', 'sparse initializers are not supported', undefined, undefined, 'store the tensors densely');

  const inputLayouts: Record<string, InputLayout> = {};
  const inputs: string[] = [];
  for (const vi of g.input ?? []) {
    const name = vi.name ?? '';
    if (values.has(name)) continue;
    const dims = valueInfoShape(vi);
    if (!dims || dims.length === 0) {
      b.error('FML1121', `graph input "${name}" has no static shape`, name, undefined, 'export the model with a fixed input shape (the batch may stay symbolic)');
      values.set(name, POISON);
      continue;
    }
    const rank = dims.length;
    // The first axis is the batch when it is symbolic or 1; a fixed size > 1 is part of the sample.
    const batch = rank >= 2 && (dims[0]! < 0 || dims[0] === 1) ? 0 : -1;
    const shape = dims.map((d, k) => (k === batch ? 1 : d));
    if (shape.some((d) => d < 1)) {
      b.error('FML1121', `graph input "${name}" has a symbolic dimension other than the batch: [${dims.map((d) => (d < 0 ? '?' : d)).join(', ')}]`, name, undefined, 'export with fixed feature dimensions');
      values.set(name, POISON);
      continue;
    }
    const cf = (rank === 3 || rank === 4) && feedsChannelsFirst(nodes, name);
    const perm = cf ? channelsLastPerm(rank) : identity(rank).filter((a) => a !== batch);
    const v: DynValue = { kind: 'dyn', ir: name, shape, batch, perm };
    const irShape = irShapeOf(v);
    checkLayerShape(irShape, { file, node: name, opType: 'Input' });
    b.tensors.set(name, { name, shape: irShape });
    b.layers.push({ name: b.uniqueLayerName(name), attrs: { op: 'Input' }, inputs: [], outputs: [name], weights: {}, precision: {}, source: { file, node: name, opType: 'Input' } });
    inputs.push(name);
    const sourceShape = shape.filter((_, k) => k !== batch);
    inputLayouts[name] = {
      source: LAYOUT_NAMES[`${rank}${cf ? 'cf' : ''}`] ?? `rank${rank}`,
      sourceShape,
      perm: perm.map((a) => (batch >= 0 && a > batch ? a - 1 : a)),
    };
    values.set(name, v);
  }

  const used = new Set<string>();
  for (const n of nodes) for (const t of n.input ?? []) if (t) used.add(t);
  for (const o of g.output ?? []) used.add(o.name ?? '');

  // Pass 2: convert node by node.
  nodes.forEach((n, k) => {
    const domain = n.domain ?? '';
    const h = handlerFor(domain, n.opType!);
    const outs = (n.output ?? []).map((o) => o ?? '');
    const ins: (Value | undefined)[] = (n.input ?? []).map((t) => (t ? (values.get(t) ?? POISON) : undefined));
    const missing = (n.input ?? []).filter((t) => t && !values.has(t));
    let result: (Value | undefined)[] | undefined;
    if (!h) result = undefined;
    else if ((n.input?.length ?? 0) > 0 && !n.input![0]) {
      // Only trailing optional inputs may be left empty; the data input never is.
      b.error('FML1122', 'the first input (the data input) is empty', nodeName(n, k), n.opType!);
      result = undefined;
    } else if (missing.length) {
      b.error('FML1122', `input "${missing[0]}" is not produced by any earlier node, initializer or graph input`, nodeName(n, k), n.opType!, 'ONNX nodes must be in topological order');
      result = undefined;
    } else if (ins.some((v) => v?.kind === 'poison')) {
      // An input could not be built (already reported); still report this node's own bad attributes.
      staticChecks(b, n, nodeName(n, k), opset, file);
      result = undefined;
    }
    else {
      const name = nodeName(n, k);
      const c: OpCtx = { b, file, opset, node: n, opType: n.opType!, nodeName: name, name, a: new Attrs(n, file), ins, outs, usedOutputs: used };
      try {
        result = h(c);
      } catch (e) {
        if (e instanceof DiagnosticError) throw e;
        b.error('FML1199', `could not convert: ${(e as Error).message}`, name, n.opType!);
        result = undefined;
      }
      // A shape computed from hostile attributes (NaN, fractions, negatives) stops here, named,
      // instead of surfacing later as "A has NaN columns" in some consumer.
      result = result?.map((v, j) => {
        if (v?.kind !== 'dyn' || v.shape.every((d) => Number.isSafeInteger(d) && d >= 1)) return v;
        b.error('FML1125', `output "${outs[j]}" would have shape [${v.shape.join(', ')}]: every dimension must be a positive integer`, name, n.opType!);
        return POISON;
      });
    }
    outs.forEach((o, j) => {
      if (o) values.set(o, result?.[j] ?? POISON);
    });
  });

  // Graph outputs, with the layout each is stored in relative to the model's own.
  const outputs: string[] = [];
  const outputLayouts: Record<string, InputLayout & { onnxName: string }> = {};
  for (const o of g.output ?? []) {
    const name = o.name ?? '';
    const v = values.get(name);
    if (!v) {
      b.error('FML1124', `graph output "${name}" is not produced by any node, and is not a graph input or initializer`, name);
      continue;
    }
    if (v.kind === 'poison') continue;
    if (v.kind !== 'dyn') {
      b.error('FML1123', `graph output "${name}" is ${v.kind === 'const' ? 'a constant' : 'a QuantizeLinear output without DequantizeLinear'}`, name);
      continue;
    }
    outputs.push(v.ir);
    const sourceShape = v.shape.filter((_, k) => k !== v.batch);
    const cf = v.batch === 0 && (v.shape.length === 3 || v.shape.length === 4) && v.perm.join() === channelsLastPerm(v.shape.length).join();
    outputLayouts[v.ir] = {
      onnxName: name,
      source: LAYOUT_NAMES[`${v.shape.length}${cf ? 'cf' : ''}`] ?? `rank${v.shape.length}`,
      sourceShape,
      perm: v.perm.map((a) => (v.batch >= 0 && a > v.batch ? a - 1 : a)),
    };
  }

  if (outputs.length === 0 && !b.diagnostics.some((d) => d.severity === 'error'))
    b.error('FML1126', `none of the graph outputs (${(g.output ?? []).map((o) => `"${o.name ?? ''}"`).join(', ')}) can be computed from the graph inputs`);
  if (b.diagnostics.length) throw new DiagnosticError(b.diagnostics, EXIT.MODEL);
  return {
    name: g.name || file.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, ''),
    inputs,
    outputs,
    tensors: b.tensors,
    layers: b.layers,
    inputLayouts,
    meta: {
      file,
      format: 'onnx',
      producer: [m.producerName, m.producerVersion].filter(Boolean).join(' ') || undefined,
      opset,
      outputLayouts,
      outputNames: Object.fromEntries(Object.entries(outputLayouts).map(([ir, l]) => [ir, l.onnxName])),
    },
  };
}
