/**
 * @fileoverview ONNX sequence ops: GRU, LSTM, RNN, LayerNormalization (opset 17) and the attention
 * subgraph MatMul(Q, K^T) [-> Mul/Div by a constant] -> Softmax -> MatMul(P, V), recognised as one
 * layer before conversion (`fuseAttention`).
 *
 * Mapping to the IR (Keras layouts, see RecurrentAttrs):
 * - W [1, k·h, in] and R [1, k·h, h] are transposed to kernel [in, k·h] / recurrent_kernel [h, k·h];
 *   B [1, 2·k·h] splits into bias (Wb) and recurrent_bias (Rb). LSTM gate blocks are reordered from
 *   ONNX's i, o, f, c to Keras' i, f, c, o; GRU keeps z, r, h.
 * - GRU linear_before_reset=1 is Keras' reset_after=True; 0 is the reset-before form (docs/numerics.md:
 *   the recurrent h bias is added after the product with r·h, as ONNX defines it).
 * - Y (all steps) gives return_sequences, Y_h (last step) the last state; reading both, or Y_c, is
 *   refused (an IR layer has one output). X may be [batch, seq, in] (layout=1) or, after a
 *   transpose, [seq, batch, in] (layout=0).
 * Refused, with the reason: direction reverse/bidirectional, sequence_lens, initial states, clip,
 * peepholes, input_forget, activations other than Sigmoid/Tanh, activation_alpha/beta.
 */

import type { LayerAttrs, RecurrentActivation, WeightTensor } from '../../ir/graph.js';
import type { NodeProto, TensorProto } from './proto.js';
import { Attrs, decodeTensor } from './proto.js';
import type { Handler, OpCtx } from './context.js';
import { constIn, dynIn, emit, mkDyn, unsupported, unsupportedAttr, weight } from './context.js';

function stringsAttr(n: NodeProto, name: string): string[] | undefined {
  const a = (n.attribute ?? []).find((x) => x.name === name);
  return a ? (a.strings ?? []).map((s) => new TextDecoder().decode(s)) : undefined;
}

/** [1, rows, cols] -> [cols, rows] (Keras layout), with the row blocks of size h reordered by `blocks`. */
function toKeras(data: ArrayLike<number>, rows: number, cols: number, h: number, blocks: readonly number[]): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let kb = 0; kb < blocks.length; kb++)
    for (let u = 0; u < h; u++) {
      const src = (blocks[kb]! * h + u) * cols;
      const dst = kb * h + u;
      for (let c = 0; c < cols; c++) out[c * rows + dst] = data[src + c]!;
    }
  return out;
}

function reorder(data: ArrayLike<number>, off: number, h: number, blocks: readonly number[]): Float64Array {
  const out = new Float64Array(blocks.length * h);
  blocks.forEach((b, kb) => {
    for (let u = 0; u < h; u++) out[kb * h + u] = data[off + b * h + u]!;
  });
  return out;
}

function recurrent(kind: 'GRU' | 'LSTM' | 'RNN'): Handler {
  return (c: OpCtx) => {
    const gates = kind === 'GRU' ? 3 : kind === 'LSTM' ? 4 : 1;
    const blocks = kind === 'LSTM' ? [0, 2, 3, 1] : kind === 'GRU' ? [0, 1, 2] : [0];
    let ok = true;
    const refuse = (what: string, hint?: string) => {
      unsupported(c, what, hint);
      ok = false;
    };
    const dir = c.a.str('direction', 'forward');
    if (dir !== 'forward') refuse(`direction "${dir}": only forward recurrences are supported`, 'export a forward layer (reverse the time axis of the input for a backward one)');
    if (c.a.has('clip')) refuse('clip: the cell inputs are not clipped in fastml\'s kernels');
    if (c.a.has('activation_alpha') || c.a.has('activation_beta')) refuse('activation_alpha/activation_beta (parametrised activations)');
    if (kind === 'LSTM' && c.a.int('input_forget', 0) !== 0) refuse('input_forget=1 (coupled input and forget gates)');
    const layout = c.a.int('layout', 0);
    if (layout !== 0 && layout !== 1) {
      unsupportedAttr(c, 'layout', String(layout), '0, 1');
      ok = false;
    }
    const defaults = kind === 'GRU' ? ['Sigmoid', 'Tanh'] : kind === 'LSTM' ? ['Sigmoid', 'Tanh', 'Tanh'] : ['Tanh'];
    const acts = stringsAttr(c.node, 'activations') ?? defaults;
    const act = (s: string | undefined): RecurrentActivation | undefined => (s?.toLowerCase() === 'tanh' ? 'tanh' : s?.toLowerCase() === 'sigmoid' ? 'sigmoid' : undefined);
    const mapped = acts.map(act);
    if (acts.length !== defaults.length || mapped.some((m) => m === undefined) || (kind === 'LSTM' && mapped[1] !== mapped[2]))
      refuse(`activations ${JSON.stringify(acts)}: fastml's recurrent kernels use Sigmoid/Tanh tables${kind === 'LSTM' ? ', with the same function for the cell input and the cell output' : ''}`);
    if (c.ins[4] !== undefined) refuse('sequence_lens: every sample runs all time steps', 'export without sequence_lens (fixed-length sequences)');
    for (const [k, what] of [[5, 'initial_h'], [6, 'initial_c']] as const)
      if (c.ins[k] !== undefined) refuse(`${what}: the state starts at zero for every sample`);
    if (kind === 'LSTM' && c.ins[7] !== undefined) refuse('peepholes (input P)');
    const [yOut, hOut, cOut] = [c.outs[0], c.outs[1], c.outs[2]].map((o) => (o && c.usedOutputs.has(o) ? o : undefined));
    if (cOut) refuse('the cell state output Y_c is read: only Y or Y_h can be');
    if (yOut && hOut) refuse('both Y and Y_h are read: a fastml recurrent layer has one output (all steps or the last one)', 'read Y_h for the last state, or Y for the sequence');
    if (!ok) return undefined;
    const X = dynIn(c, 0, 'X');
    const W = constIn(c, 1, 'W');
    const R = constIn(c, 2, 'R');
    const B = c.ins[3] !== undefined ? constIn(c, 3, 'B') : undefined;
    if (!X || !W || !R || (c.ins[3] !== undefined && !B)) return undefined;
    const h = c.a.int('hidden_size') ?? R.t.shape[2]!;
    const k = gates * h;
    if (X.shape.length !== 3) return void unsupported(c, `X must be 3-D, got [${X.shape.join(', ')}]`);
    const seqAxis = layout === 0 ? 0 : 1;
    const batchAxis = layout === 0 ? 1 : 0;
    if (X.shape[batchAxis] !== 1) return void unsupported(c, `X [${X.shape.join(', ')}] has a batch axis of ${X.shape[batchAxis]} in a per-sample graph`);
    const steps = X.shape[seqAxis]!;
    const nIn = X.shape[2]!;
    const want = (t: { shape: number[] }, s: number[], what: string) => {
      const same = t.shape.length === s.length && t.shape.every((d, i) => d === s[i]);
      if (!same) unsupported(c, `${what} has shape [${t.shape.join(', ')}], expected [${s.join(', ')}]`);
      return same;
    };
    if (!want(W.t, [1, k, nIn], 'W') || !want(R.t, [1, k, h], 'R') || (B && !want(B.t, [1, 2 * k], 'B'))) return undefined;
    const ir = c.b.toLayout(X, [seqAxis, 2], c);
    if (!ir) return undefined;
    const weights: Record<string, WeightTensor> = {
      kernel: weight([nIn, k], toKeras(W.t.data, k, nIn, h, blocks)),
      recurrent_kernel: weight([h, k], toKeras(R.t.data, k, h, h, blocks)),
      bias: weight([k], B ? reorder(B.t.data, 0, h, blocks) : new Float64Array(k)),
      recurrent_bias: weight([k], B ? reorder(B.t.data, k, h, blocks) : new Float64Array(k)),
    };
    const op = kind === 'RNN' ? 'SimpleRNN' : kind;
    const attrs: LayerAttrs = {
      op,
      units: h,
      nIn,
      steps,
      returnSequences: yOut !== undefined,
      activation: mapped[kind === 'RNN' ? 0 : 1]!,
      ...(kind !== 'RNN' ? { recurrentActivation: mapped[0]! } : {}),
      ...(kind === 'GRU' ? { resetAfter: c.a.int('linear_before_reset', 0) === 1 } : {}),
    };
    const outName = yOut ?? hOut ?? c.outs.find((o) => o) ?? c.name;
    const r = c.b.add({ name: c.name, attrs, inputs: [ir], weights, out: outName, node: c.nodeName, opType: c.opType });
    if (!r) return undefined;
    // Y: [seq, dirs, batch, h] (layout 0) or [batch, seq, dirs, h]; Y_h: [dirs, batch, h] or [batch, dirs, h].
    if (yOut) return [mkDyn(r.tensor, r.shape, 4, layout === 0 ? 2 : 0, layout === 0 ? [0, 3] : [1, 3])];
    return [undefined, mkDyn(r.tensor, r.shape, 3, layout === 0 ? 1 : 0, [2])];
  };
}

/** LayerNormalization (opset 17) over the last axis only. */
const layerNormalization: Handler = (c) => {
  const X = dynIn(c, 0, 'X');
  const S = constIn(c, 1, 'Scale');
  const B = c.ins[2] !== undefined ? constIn(c, 2, 'B') : undefined;
  if (!X || !S || (c.ins[2] !== undefined && !B)) return undefined;
  const r = X.shape.length;
  const axis = c.a.int('axis', -1);
  if (axis !== -1 && axis !== r - 1) return void unsupportedAttr(c, 'axis', `${axis} on a rank-${r} tensor`, '-1 (the last axis)');
  if (c.outs.slice(1).some((o) => o && c.usedOutputs.has(o))) return void unsupported(c, 'the Mean / InvStdDev outputs are read');
  const n = X.shape[r - 1]!;
  if (S.t.data.length !== n || (B && B.t.data.length !== n)) return void unsupported(c, `Scale/B must have ${n} values (one per feature of the last axis)`);
  // The normalised axis must be the IR's last axis; the other stored axes keep their order.
  const perm = [...X.perm.filter((a) => a !== r - 1), r - 1];
  const ir = c.b.toLayout(X, perm, c);
  if (!ir) return undefined;
  const weights = { scale: weight([n], Float64Array.from(S.t.data)), bias: weight([n], B ? Float64Array.from(B.t.data) : new Float64Array(n)) };
  return [emit(c, { op: 'LayerNorm', epsilon: c.a.float('epsilon', 1e-5) }, [ir], { rank: r, batch: X.batch, perm }, { weights })];
};

export const SEQUENCE_OPS: Record<string, Handler> = {
  GRU: recurrent('GRU'),
  LSTM: recurrent('LSTM'),
  RNN: recurrent('RNN'),
  LayerNormalization: layerNormalization,
};

/** Domain of the nodes fastml substitutes for recognised subgraphs (never in a user's file). */
export const FUSED_DOMAIN = 'fastml.fused';

/** A fused attention node: the original nodes it stands for and its score scale. */
interface FusedAttention extends NodeProto {
  fmlScale?: number;
  fmlNodes?: string[];
}

/**
 * Recognises Q·K^T [-> Mul/Div by a scalar constant] -> Softmax(last axis) -> ·V, as Keras and
 * PyTorch export single-head attention, and replaces it by one `Attention` node (inputs Q, K, V)
 * that becomes a MultiHeadAttention layer with identity projections. Each intermediate tensor must
 * have exactly one reader and not be a graph output; anything else is left as it is (and is then
 * reported by the ordinary handlers, e.g. MatMul of two computed tensors).
 */
export function fuseAttention(nodes: NodeProto[], graph: { initializer?: TensorProto[] | null; output?: { name?: string | null }[] | null }, file: string): NodeProto[] {
  const readers = new Map<string, NodeProto[]>();
  for (const n of nodes) for (const t of n.input ?? []) if (t) readers.set(t, [...(readers.get(t) ?? []), n]);
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const producer = new Map<string, NodeProto>();
  for (const n of nodes) for (const t of n.output ?? []) if (t) producer.set(t, n);
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const std = (n: NodeProto | undefined, op: string) => n !== undefined && (!n.domain || n.domain === 'ai.onnx') && n.opType === op;
  const only = (t: string): NodeProto | undefined => {
    const r = readers.get(t) ?? [];
    return r.length === 1 && !outputs.has(t) ? r[0] : undefined;
  };
  const scalar = (t: string): number | undefined => {
    const init = inits.get(t);
    const c = init ? decodeTensor(init, { file }) : undefined;
    return c && c.data.length === 1 ? c.data[0] : undefined;
  };
  const drop = new Set<NodeProto>();
  const replace = new Map<NodeProto, NodeProto>();
  for (const mm1 of nodes) {
    if (!std(mm1, 'MatMul') || drop.has(mm1)) continue;
    const [q, kt] = [mm1.input?.[0] ?? '', mm1.input?.[1] ?? ''];
    const tr = producer.get(kt);
    if (!std(tr, 'Transpose') || only(kt) !== mm1) continue;
    const perm = new Attrs(tr!, file).ints('perm');
    const rank = perm?.length ?? 0;
    if (!perm || rank < 2 || perm[rank - 1] !== rank - 2 || perm[rank - 2] !== rank - 1 || perm.slice(0, -2).some((p, i) => p !== i)) continue;
    let cur = only(mm1.output?.[0] ?? '');
    let scale = 1;
    const chain = [mm1];
    if (cur && (std(cur, 'Mul') || std(cur, 'Div'))) {
      const other = cur.input?.[0] === mm1.output?.[0] ? cur.input?.[1] : cur.input?.[0];
      const v = other !== undefined ? scalar(other) : undefined;
      if (v === undefined || (std(cur, 'Div') && cur.input?.[1] !== other) || v === 0) continue;
      scale = std(cur, 'Mul') ? v : 1 / v;
      chain.push(cur);
      cur = only(cur.output?.[0] ?? '');
    }
    if (!cur || !std(cur, 'Softmax')) continue;
    const ax = new Attrs(cur, file).int('axis', -1);
    if (ax !== -1 && ax !== rank - 1) continue;
    chain.push(cur);
    const mm2 = only(cur.output?.[0] ?? '');
    if (!mm2 || !std(mm2, 'MatMul') || mm2.input?.[0] !== cur.output?.[0]) continue;
    chain.push(mm2);
    const fused: FusedAttention = {
      opType: 'Attention',
      domain: FUSED_DOMAIN,
      name: mm1.name || mm2.output?.[0] || 'attention',
      input: [q, tr!.input?.[0] ?? '', mm2.input?.[1] ?? ''],
      output: [mm2.output?.[0] ?? ''],
      attribute: [],
      fmlScale: scale,
      fmlNodes: chain.map((n) => n.name || n.output?.[0] || '?'),
    };
    for (const n of chain) drop.add(n);
    drop.add(tr!);
    replace.set(mm2, fused);
  }
  if (!replace.size) return nodes;
  return nodes.flatMap((n) => (replace.has(n) ? [replace.get(n)!] : drop.has(n) ? [] : [n]));
}

/** The fused attention node: Q [.., Tq, d], K [.., Tk, d], V [.., Tk, dv] -> one head, identity projections. */
const attention: Handler = (c) => {
  const [Q, K, V] = [dynIn(c, 0, 'Q'), dynIn(c, 1, 'K'), dynIn(c, 2, 'V')];
  if (!Q || !K || !V) return undefined;
  const r = Q.shape.length;
  if (K.shape.length !== r || V.shape.length !== r) return void unsupported(c, 'Q, K and V of different ranks');
  // Steps and features are the last two ONNX axes; every other axis must be a unit (batch) axis.
  const lead = (v: typeof Q) => v.shape.slice(0, -2).every((d) => d === 1);
  if (!lead(Q) || !lead(K) || !lead(V)) return void unsupported(c, `attention over more than one sequence per sample (Q [${Q.shape.join(', ')}]): heads must be separate subgraphs`);
  const d = Q.shape[r - 1]!;
  const [tk, dk] = [K.shape[r - 2]!, K.shape[r - 1]!];
  const [tv, dv] = [V.shape[r - 2]!, V.shape[r - 1]!];
  if (dk !== d || tk !== tv) return void unsupported(c, `Q [${Q.shape.join(', ')}], K [${K.shape.join(', ')}], V [${V.shape.join(', ')}] do not fit Q·K^T·V`);
  const want = [r - 2, r - 1];
  const [q, k, v] = [c.b.toLayout(Q, want, c), c.b.toLayout(K, want, c), c.b.toLayout(V, want, c)];
  if (!q || !k || !v) return undefined;
  const eye = (n: number) => {
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) m[i * n + i] = 1;
    return weight([n, n], m);
  };
  const weights = {
    query_kernel: eye(d),
    query_bias: weight([d], new Float64Array(d)),
    key_kernel: eye(d),
    key_bias: weight([d], new Float64Array(d)),
    value_kernel: eye(dv),
    value_bias: weight([dv], new Float64Array(dv)),
    output_kernel: eye(dv),
    output_bias: weight([dv], new Float64Array(dv)),
  };
  const node = c.node as FusedAttention;
  const attrs: LayerAttrs = { op: 'MultiHeadAttention', heads: 1, keyDim: d, valueDim: dv, outDim: dv, scale: node.fmlScale ?? 1 };
  const ins = k === v ? [q, v] : [q, v, k];
  return [emit(c, attrs, ins, { rank: r, batch: Q.batch, perm: want }, { weights, opType: `MatMul-Softmax-MatMul (${(node.fmlNodes ?? []).join(', ')})` })];
};

export const FUSED_OPS: Record<string, Handler> = { Attention: attention };
