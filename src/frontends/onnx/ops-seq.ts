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
import type { NodeProto } from './proto.js';
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
