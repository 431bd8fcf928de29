/**
 * @fileoverview Keras converters for sequence layers: GRU, LSTM, SimpleRNN, TimeDistributed(Dense),
 * LayerNormalization, MultiHeadAttention, and the refusal of Masking. Each converter checks every attribute first and
 * records each unsupported one (with the reason) through the builder, so a model with several
 * problems gets all of them in one run; only then does it read shapes and weights.
 *
 * Naming follows hls4ml so that hls4ml configs apply unchanged: a recurrent layer keeps its Keras
 * name and its activations stay inside it (no `<name>_tanh` layer); TimeDistributed(Dense) becomes
 * the wrapped Dense under the wrapped layer's name, applied to every time step, followed by a
 * shape-only marker `<td name>_end` that carries hls4ml's name for the loop end (its trace and
 * LayerName entry address the whole [steps, units] output).
 */

import type { LayerAttrs, RecurrentActivation, SourceRef, WeightTensor } from '../../ir/graph.js';
import type { FlatLayer } from './config.js';
import type { ConvertCtx } from './layers.js';
import { activationSpec } from './activations.js';
import { assignRoles } from './weights.js';

type Converter = (l: FlatLayer, ins: string[], src: SourceRef, c: ConvertCtx) => string | undefined;

const zeros = (n: number): WeightTensor => ({ shape: [n], data: new Float32Array(n) });
const ones = (n: number): WeightTensor => ({ shape: [n], data: new Float32Array(n).fill(1) });

function recurrentActivation(v: unknown, key: string, src: SourceRef, c: ConvertCtx): RecurrentActivation | undefined {
  const name = typeof v === 'object' && v !== null && typeof (v as any).config === 'string' ? (v as any).config : v;
  if (name === 'tanh' || name === 'sigmoid') return name;
  c.b.problem('FML2410', `${key} ${JSON.stringify(v)} is not supported (recurrent cells use the tanh and sigmoid lookup tables)`, src, `use ${key}='${key === 'activation' ? 'tanh' : 'sigmoid'}'`);
  return undefined;
}

/** Refusals shared by every Keras RNN layer; returns false when something was refused. */
function checkRnnVariant(l: FlatLayer, src: SourceRef, c: ConvertCtx): boolean {
  const cfg = l.config;
  let ok = true;
  const refuse = (what: string, why: string, hint?: string) => {
    c.b.problem('FML2410', `${what} is not supported: ${why}`, src, hint);
    ok = false;
  };
  if (cfg.stateful === true) refuse('stateful=True', 'the state would carry over between samples, while the generated firmware and the emulator start every sample from a zero state', 'rebuild the layer with stateful=False for inference');
  if (cfg.go_backwards === true) refuse('go_backwards=True', 'the sequence would be read last step first; fastml reads it in order', 'reverse the time axis of the input instead');
  if (cfg.return_state === true) refuse('return_state=True', 'the layer would have several outputs (sequence and states); IR layers have one');
  if (cfg.time_major === true) refuse('time_major=True', 'inputs must be [batch, steps, features]');
  const kw = l.callKwargs ?? {};
  if (kw.mask !== undefined && kw.mask !== null) refuse('a mask argument (masking)', 'fastml runs every time step of every sample, so masked steps would be computed as data', 'feed fixed-length sequences');
  if (kw.initial_state !== undefined && kw.initial_state !== null) refuse('initial_state', 'the state starts at zero for every sample');
  return ok;
}

function rnn(kind: 'GRU' | 'LSTM' | 'SimpleRNN'): Converter {
  return (l, ins, src, c) => {
    const cfg = l.config;
    const units = Number(cfg.units);
    let ok = checkRnnVariant(l, src, c);
    if (!Number.isInteger(units) || units < 1) {
      c.b.problem('FML2401', cfg.units === undefined ? 'units is missing from the layer config' : `units ${JSON.stringify(cfg.units)} is not a positive integer`, src);
      ok = false;
    }
    const act = recurrentActivation(cfg.activation ?? 'tanh', 'activation', src, c);
    const recAct = kind === 'SimpleRNN' ? undefined : recurrentActivation(cfg.recurrent_activation ?? 'sigmoid', 'recurrent_activation', src, c);
    if (!act || (kind !== 'SimpleRNN' && !recAct)) ok = false;
    const resetAfter = kind === 'GRU' ? cfg.reset_after !== false : undefined;
    if (!ok) return undefined;
    const x = c.b.shapeOf(ins[0]!);
    if (x.length !== 2) {
      c.b.problem('FML2402', `input shape [${x.join(', ')}] is not a [steps, features] sequence`, src);
      return undefined;
    }
    const [steps, nIn] = x as [number, number];
    const k = (kind === 'GRU' ? 3 : kind === 'LSTM' ? 4 : 1) * units;
    const useBias = cfg.use_bias !== false;
    // reset_after GRUs store [input bias; recurrent bias] as one [2, 3n] array.
    const biasShape = kind === 'GRU' && resetAfter ? [2, k] : [k];
    const roles = useBias ? ['kernel', 'recurrent_kernel', 'bias'] : ['kernel', 'recurrent_kernel'];
    const w = assignRoles(c.weightsOf(l.name) ?? [], roles, { kernel: [nIn, k], recurrent_kernel: [units, k], bias: biasShape });
    if (typeof w === 'string') {
      c.b.problem('FML2405', w, src);
      return undefined;
    }
    const weights: Record<string, WeightTensor> = { kernel: w.kernel!, recurrent_kernel: w.recurrent_kernel! };
    if (!w.bias) {
      weights.bias = zeros(k);
      weights.recurrent_bias = zeros(k);
    } else if (biasShape.length === 2) {
      weights.bias = { shape: [k], data: w.bias.data.slice(0, k) };
      weights.recurrent_bias = { shape: [k], data: w.bias.data.slice(k, 2 * k) };
    } else {
      weights.bias = w.bias;
      // hls4ml gives LSTM (and the reset-before GRU) a zero recurrent bias.
      weights.recurrent_bias = zeros(k);
    }
    const attrs: LayerAttrs = {
      op: kind,
      units,
      nIn,
      steps,
      returnSequences: cfg.return_sequences === true,
      activation: act!,
      ...(recAct ? { recurrentActivation: recAct } : {}),
      ...(resetAfter !== undefined ? { resetAfter } : {}),
    };
    return c.b.add({ name: l.name, attrs, inputs: ins, weights, source: src });
  };
}

/** TimeDistributed(Dense): the Dense applied to every step (the IR Dense already maps [T, nIn] -> [T, nOut]). */
const timeDistributed: Converter = (l, ins, src, c) => {
  const inner = l.config.layer;
  const cls = inner?.class_name;
  const icfg = inner?.config ?? {};
  if (cls !== 'Dense') {
    c.b.problem('FML2410', `TimeDistributed of ${typeof cls === 'string' ? `"${cls}"` : 'a layer without a class name'} is not supported: only a wrapped Dense is`, src);
    return undefined;
  }
  const units = Number(icfg.units);
  if (!Number.isInteger(units) || units < 1) {
    c.b.problem('FML2401', icfg.units === undefined ? 'units of the wrapped Dense is missing' : `units ${JSON.stringify(icfg.units)} of the wrapped Dense is not a positive integer`, src);
    return undefined;
  }
  let act;
  try {
    act = activationSpec(icfg.activation, c.keras3);
  } catch (e) {
    c.b.problem('FML2404', `wrapped Dense: ${(e as Error).message}`, src);
    return undefined;
  }
  const x = c.b.shapeOf(ins[0]!);
  if (x.length !== 2) {
    c.b.problem('FML2402', `input shape [${x.join(', ')}] is not a [steps, features] sequence`, src);
    return undefined;
  }
  const nIn = x[1]!;
  const useBias = icfg.use_bias !== false;
  // Keras 2 stores the wrapped layer's arrays under the TimeDistributed layer's own name.
  const stored = c.weightsOf(l.name) ?? (icfg.name ? c.weightsOf(String(icfg.name)) : undefined) ?? [];
  const w = assignRoles(stored, useBias ? ['kernel', 'bias'] : ['kernel'], { kernel: [nIn, units], bias: [units] });
  if (typeof w === 'string') {
    c.b.problem('FML2405', w, src);
    return undefined;
  }
  if (!w.bias) w.bias = zeros(units);
  const inner_name = String(icfg.name ?? `${l.name}_dense`);
  const isrc: SourceRef = { ...src, node: `${l.name}/${inner_name}`, opType: 'Dense' };
  let y = c.b.add({ name: inner_name, attrs: { op: 'Dense', nIn, nOut: units }, inputs: ins, weights: w, source: isrc });
  // Unlike hls4ml (which drops it, see the reference README caveat 4b), the wrapped activation is kept.
  if (act && !(act.attrs.op === 'Activation' && act.attrs.activation === 'linear'))
    y = c.b.add({ name: `${inner_name}_${act.suffix}`, attrs: act.attrs, inputs: [y], ...(act.quant ? { quant: act.quant } : {}), source: isrc });
  return c.b.add({ name: `${l.name}_end`, attrs: { op: 'Reshape' }, inputs: [y], target: c.b.shapeOf(y), source: src });
};

const layerNormalization: Converter = (l, ins, src, c) => {
  const cfg = l.config;
  const x = c.b.shapeOf(ins[0]!);
  const rank = x.length + 1; // with the batch axis, as Keras counts axes
  const axes = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis ?? -1];
  const last = axes.length === 1 && (Number(axes[0]) === -1 || Number(axes[0]) === rank - 1);
  let ok = true;
  if (!last) {
    c.b.problem('FML2410', `LayerNormalization over axis ${JSON.stringify(cfg.axis)} is not supported: only the last (feature) axis`, src);
    ok = false;
  }
  if (x.length < 1 || x.length > 2) {
    c.b.problem('FML2410', `LayerNormalization of a ${rank}-D input is not supported: only 2-D [batch, features] and 3-D [batch, steps, features]`, src);
    ok = false;
  }
  const eps = Number(cfg.epsilon ?? 1e-3);
  if (!(eps > 0)) {
    c.b.problem('FML2401', `epsilon ${JSON.stringify(cfg.epsilon)} must be positive`, src);
    ok = false;
  }
  if (!ok) return undefined;
  const n = x[x.length - 1]!;
  const scale = cfg.scale !== false;
  const center = cfg.center !== false;
  const roles = [...(scale ? ['gamma'] : []), ...(center ? ['beta'] : [])];
  const w = assignRoles(c.weightsOf(l.name) ?? [], roles, { gamma: [n], beta: [n] });
  if (typeof w === 'string') {
    c.b.problem('FML2405', w, src);
    return undefined;
  }
  const weights = { scale: w.gamma ?? ones(n), bias: w.beta ?? zeros(n) };
  return c.b.add({ name: l.name, attrs: { op: 'LayerNorm', epsilon: eps }, inputs: ins, weights, source: src });
};

const masking: Converter = (l, _ins, src, c) => {
  c.b.problem('FML2410', `masking (mask_value=${JSON.stringify(l.config.mask_value ?? 0)}) is not supported: fastml runs every time step of every sample, so masked steps would be computed as data`, src, 'remove the Masking layer and feed fixed-length sequences');
  return undefined;
};

/** Keras 2 names each projection's arrays `<mha>/<query|key|value|attention_output>/<kernel|bias>:0`. */
function attentionRole(name: string): string | undefined {
  const parts = name.replace(/:\d+$/, '').split('/');
  const kind = parts[parts.length - 1];
  const proj = parts[parts.length - 2]?.replace(/_dense$/, '');
  const p = proj === 'attention_output' || proj === 'output' ? 'output' : proj;
  if ((kind === 'kernel' || kind === 'bias') && (p === 'query' || p === 'key' || p === 'value' || p === 'output')) return `${p}_${kind}`;
  return undefined;
}

const multiHeadAttention: Converter = (l, ins, src, c) => {
  const cfg = l.config;
  const heads = Number(cfg.num_heads);
  const keyDim = Number(cfg.key_dim);
  const valueDim = cfg.value_dim === null || cfg.value_dim === undefined ? keyDim : Number(cfg.value_dim);
  let ok = true;
  const refuse = (msg: string, hint?: string) => {
    c.b.problem('FML2410', msg, src, hint);
    ok = false;
  };
  for (const [k, v] of [['num_heads', heads], ['key_dim', keyDim], ['value_dim', valueDim]] as const)
    if (!Number.isInteger(v) || v < 1) refuse(cfg[k] === undefined ? `${k} is missing from the layer config` : `${k} ${JSON.stringify(cfg[k])} is not a positive integer`);
  if (Number(cfg.dropout ?? 0) > 0)
    refuse(`attention dropout (dropout=${cfg.dropout}) is not supported: the generated firmware has no random source, so inference would silently differ from a model that applies dropout`, 'set dropout=0 for the exported model');
  const axes = cfg.attention_axes;
  if (axes !== null && axes !== undefined && !(Array.isArray(axes) && axes.length === 1 && (axes[0] === 1 || axes[0] === -2)))
    refuse(`attention_axes ${JSON.stringify(axes)} is not supported: only attention over the sequence axis`);
  if (ins.length < 2) refuse('the value input is missing (call the layer as mha(query, value) or mha(query, value, key))');
  const kw = l.callKwargs ?? {};
  if (kw.use_causal_mask === true) refuse('use_causal_mask=True (a causal attention mask) is not supported: every query attends to every key');
  if (kw.attention_mask !== undefined && kw.attention_mask !== null) refuse('an attention_mask argument (masking) is not supported');
  if (kw.return_attention_scores === true) refuse('return_attention_scores=True: the layer would have two outputs; IR layers have one');
  if (!ok) return undefined;
  const q = c.b.shapeOf(ins[0]!);
  const v = c.b.shapeOf(ins[1]!);
  const keyIn = ins[2] !== undefined && ins[2] !== ins[1] ? ins[2] : undefined;
  const k = keyIn ? c.b.shapeOf(keyIn) : v;
  if (q.length !== 2 || v.length !== 2 || k.length !== 2) {
    c.b.problem('FML2410', `query/value/key shapes [${q.join(', ')}] / [${v.join(', ')}] / [${k.join(', ')}] are not [steps, features] sequences`, src);
    return undefined;
  }
  const os = cfg.output_shape;
  const outDim = os === null || os === undefined ? q[1]! : Array.isArray(os) ? Number(os[os.length - 1]) : Number(os);
  if (Array.isArray(os) && os.length !== 1) {
    c.b.problem('FML2410', `output_shape ${JSON.stringify(os)} is not supported: only one output dimension`, src);
    return undefined;
  }
  const hk = heads * keyDim;
  const hv = heads * valueDim;
  const shapes: Record<string, number[]> = {
    query_kernel: [q[1]!, hk],
    query_bias: [hk],
    key_kernel: [k[1]!, hk],
    key_bias: [hk],
    value_kernel: [v[1]!, hv],
    value_bias: [hv],
    output_kernel: [hv, outDim],
    output_bias: [outDim],
  };
  const useBias = cfg.use_bias !== false;
  const order = useBias ? Object.keys(shapes) : Object.keys(shapes).filter((r) => r.endsWith('_kernel'));
  const stored = c.weightsOf(l.name) ?? [];
  if (stored.length !== order.length) {
    c.b.problem('FML2405', `${stored.length} weight arrays are stored, expected ${order.length} (${order.join(', ')})`, src);
    return undefined;
  }
  const named = stored.map((w) => attentionRole(w.name));
  const weights: Record<string, WeightTensor> = {};
  for (const [i, w] of stored.entries()) {
    const role = named.every((r) => r !== undefined) ? named[i]! : order[i]!;
    const want = shapes[role]!;
    if (w.data.length !== want.reduce((x, y) => x * y, 1)) {
      c.b.problem('FML2405', `weight "${w.name}" (${role}) has shape [${w.shape.join(', ')}], expected ${want.length === 2 ? `[${want[0]}, ${heads}, ...]` : `${want[0]} values`}`, src);
      return undefined;
    }
    // Keras keeps [d, heads, dim] / [heads, dim, out]: row-major, that is already [d, heads*dim] / [heads*dim, out].
    weights[role] = { shape: want, data: w.data };
  }
  for (const r of Object.keys(shapes)) if (!weights[r]) weights[r] = zeros(shapes[r]![0]!);
  const attrs: LayerAttrs = { op: 'MultiHeadAttention', heads, keyDim, valueDim, outDim };
  return c.b.add({ name: l.name, attrs, inputs: keyIn ? [ins[0]!, ins[1]!, keyIn] : [ins[0]!, ins[1]!], weights, source: src });
};

export const SEQUENCE_CONVERTERS: Record<string, Converter> = {
  MultiHeadAttention: multiHeadAttention,
  GRU: rnn('GRU'),
  LSTM: rnn('LSTM'),
  SimpleRNN: rnn('SimpleRNN'),
  TimeDistributed: timeDistributed,
  LayerNormalization: layerNormalization,
  Masking: masking,
};
