/**
 * @fileoverview Per-op view builders for sequence layers: GRU, LSTM, SimpleRNN (fml_recurrent.h)
 * and LayerNorm (fml_layernorm.h). See layer-views.ts for the conventions. The builders emit the
 * same quantized weights, tables and reuse factors the emulator uses (src/emulator/recurrent.ts,
 * layernorm.ts), so the C simulation equals the emulator bit for bit.
 */

import type { FixedType } from '../fixed/type.js';
import { fixedType, fracBits } from '../fixed/type.js';
import type { LayerAttrs, RecurrentAttrs } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { ArrayView, ConfigMember } from './view-types.js';
import type { LayerCtx, LayerEmit } from './layer-views.js';
import { BUILDERS, arr, cfg, fnName, i, reuseOf, slotType, ty, u, unsupported } from './layer-views.js';
import { quantizeValues, transpose2 } from './params.js';
import * as tables from '../emulator/tables.js';
import { columns, productReuseFactor } from '../emulator/recurrent.js';
import { invSqrtTable } from '../emulator/layernorm.js';
import { makeCast } from '../emulator/quant.js';
import { attentionScale } from '../emulator/attention.js';
import { defaultInpNorm, expTableSize } from '../emulator/activations.js';

/** Table index geometry (fml_activation.h table_index): trunc0(x * N / 2^r) + N / 2. */
function tableGeometry(n: number, inT: FixedType, r: number): ConfigMember[] {
  return [u('tbl_n', n), u('in_w', inT.w), i('in_f', fracBits(inT)), u('in_signed', inT.signed), u('idx_r', r), u('idx_neg', false), u('idx_off', n / 2)];
}

const RANGE_LOG2 = { sigmoid: 4, tanh: 3 } as const;
const TABLE = { sigmoid: tables.sigmoidTable, tanh: tables.tanhTable } as const;

function recurrent(c: LayerCtx): LayerEmit {
  const l = c.layer;
  const a = l.attrs as RecurrentAttrs;
  const n = a.units;
  const gates = a.op === 'GRU' ? 3 : a.op === 'LSTM' ? 4 : 1;
  const k = gates * n;
  const resource = l.strategy === 'resource';
  const rfIn = reuseOf(l);
  const rfRec = Math.max(1, a.recurrentReuseFactor ?? rfIn);
  const acc = slotType(l, 'accum');
  const res = slotType(l, 'result');
  const wt = slotType(l, 'weight');
  const bt = slotType(l, 'bias', wt);
  const rwt = slotType(l, 'recurrent_weight', wt);
  const rbt = slotType(l, 'recurrent_bias', bt);
  const tt = slotType(l, 'table', fixedType(18, 8));
  const tn = l.tableSize ?? 1024;
  if (tn % 2 !== 0) unsupported(l, `an odd table size (${tn})`);
  const id = c.ident;
  const name = `cfg_${id}`;
  const q = (role: string, t: FixedType) => {
    const w = l.weights[role];
    if (!w) unsupported(l, `a ${a.op} without "${role}" weights`);
    return quantizeValues(w.data, t, l, role);
  };
  const W = q('kernel', wt);
  const U = q('recurrent_kernel', rwt);
  const B = l.weights.bias ? q('bias', bt) : new Float64Array(k);
  const BR = l.weights.recurrent_bias ? q('recurrent_bias', rbt) : new Float64Array(k);
  const lay = (m: Float64Array, rows: number, cols: number) => (resource ? transpose2(m, rows, cols) : m);
  const mult = (suffix: string, nIn: number, nOut: number, rf: number, w: FixedType, b: FixedType, what: string) =>
    cfg(`${name}_${suffix}`, `${a.op} ${l.name}: ${what} product ${nIn} x ${nOut}`, [u('n_pix', 1), u('n_in', nIn), u('n_out', nOut), u('reuse', rf), u('mult_limit', Math.ceil((nIn * nOut) / rf))], [
      ty('accum_t', c.cpp(acc)),
      ty('weight_t', c.cpp(w)),
      ty('bias_t', c.cpp(b)),
    ]);
  const reset = a.op === 'GRU' && a.resetAfter === false;
  const configs = [mult('mx', a.nIn, k, rfIn, wt, bt, 'input')];
  const arrays: ArrayView[] = [arr(`w_${id}`, `${name}::weight_t`, lay(W, a.nIn, k), resource ? 'input kernel, transposed for Resource' : 'input kernel, Keras layout')];
  if (reset) {
    const rz = productReuseFactor(l.strategy ?? 'latency', rfRec, n, 2 * n);
    const rh = productReuseFactor(l.strategy ?? 'latency', rfRec, n, n);
    configs.push(mult('mh', n, 2 * n, rz, rwt, rbt, 'recurrent z/r'), mult('mhh', n, n, rh, rwt, rbt, 'recurrent h'));
    arrays.push(
      arr(`u_${id}`, `${name}::recurrent_weight_t`, lay(columns(U, n, k, 0, 2 * n), n, 2 * n), 'recurrent kernel, z/r columns'),
      arr(`uh_${id}`, `${name}::recurrent_weight_t`, lay(columns(U, n, k, 2 * n, k), n, n), 'recurrent kernel, h columns'),
      arr(`b_${id}`, `${name}::bias_t`, B, 'input bias'),
      arr(`br_${id}`, `${name}::recurrent_bias_t`, BR.subarray(0, 2 * n), 'recurrent bias, z/r'),
      arr(`brh_${id}`, `${name}::recurrent_bias_t`, BR.subarray(2 * n), 'recurrent bias, h'),
    );
  } else {
    configs.push(mult('mh', n, k, rfRec, rwt, rbt, 'recurrent'));
    arrays.push(
      arr(`u_${id}`, `${name}::recurrent_weight_t`, lay(U, n, k), resource ? 'recurrent kernel, transposed for Resource' : 'recurrent kernel, Keras layout'),
      arr(`b_${id}`, `${name}::bias_t`, B, 'input bias'),
      arr(`br_${id}`, `${name}::recurrent_bias_t`, BR, 'recurrent bias'),
    );
  }
  const recAct = a.recurrentActivation ?? 'sigmoid';
  const types: ConfigMember[] = [
    ty('accum_t', c.cpp(acc)),
    ty('state_t', c.cpp(res)),
    ty('weight_t', c.cpp(wt)),
    ty('bias_t', c.cpp(bt)),
    ty('recurrent_weight_t', c.cpp(rwt)),
    ty('recurrent_bias_t', c.cpp(rbt)),
    ty('table_t', c.cpp(tt)),
    ty('mult_x', `${name}_mx`),
    ty('mult_h', `${name}_mh`),
    ...(reset ? [ty('mult_hh', `${name}_mhh`)] : []),
    ty('act_cfg', `${name}_act`),
  ];
  configs.push(cfg(`${name}_act`, `${a.activation} table index, accum_t input`, tableGeometry(tn, acc, RANGE_LOG2[a.activation]), []));
  if (a.op !== 'SimpleRNN') {
    configs.push(cfg(`${name}_rec`, `${recAct} table index, accum_t input`, tableGeometry(tn, acc, RANGE_LOG2[recAct]), []));
    types.push(ty('rec_cfg', `${name}_rec`));
    arrays.push(arr(`tr_${id}`, `${name}::table_t`, TABLE[recAct](tn, tt), `${recAct} table, ${tn} entries`));
  }
  if (a.op === 'LSTM') {
    configs.push(cfg(`${name}_cell`, `${a.activation} table index, state_t input (the cell state)`, tableGeometry(tn, res, RANGE_LOG2[a.activation]), []));
    types.push(ty('cell_cfg', `${name}_cell`));
  }
  arrays.push(arr(`ta_${id}`, `${name}::table_t`, TABLE[a.activation](tn, tt), `${a.activation} table, ${tn} entries`));
  configs.push(
    cfg(
      name,
      `${a.op}${reset ? ' (reset_after=False)' : ''} ${a.nIn} -> ${n} units over ${a.steps} steps, ${resource ? 'Resource' : 'Latency'}, reuse ${rfIn} (input) / ${rfRec} (recurrent)`,
      [
        u('n_steps', a.steps),
        u('n_in', a.nIn),
        u('n_state', n),
        u('n_out_total', numel(c.outShape)),
        u('return_seq', a.returnSequences),
        u('use_static', a.static ?? true),
        u('resource', resource),
      ],
      types,
    ),
  );
  const kernel = a.op === 'LSTM' ? 'lstm' : a.op === 'SimpleRNN' ? 'simple_rnn' : reset ? 'gru_reset_before' : 'gru';
  return { configs, arrays, fn: fnName(kernel, c, name), extra: arrays.map((x) => x.name) };
}

function layerNorm(c: LayerCtx): LayerEmit {
  const l = c.layer;
  const a = l.attrs as Extract<LayerAttrs, { op: 'LayerNorm' }>;
  const dim = c.outShape[c.outShape.length - 1]!;
  const acc = slotType(l, 'accum');
  const st = slotType(l, 'scale');
  const bt = slotType(l, 'bias', st);
  const tt = slotType(l, 'table');
  const tn = l.tableSize ?? 4096;
  const p = a.tableRangePower2 ?? 0;
  if (acc.w > 62) unsupported(l, `a ${acc.w}-bit LayerNorm accumulator`);
  const id = c.ident;
  const name = `cfg_${id}`;
  const n = l.weights.scale?.data.length ?? dim;
  const scale = l.weights.scale ? quantizeValues(l.weights.scale.data, st, l, 'scale') : new Float64Array(n).fill(1);
  const bias = l.weights.bias ? quantizeValues(l.weights.bias.data, bt, l, 'bias') : new Float64Array(n);
  const arrays: ArrayView[] = [
    arr(`s_${id}`, `${name}::scale_t`, scale, 'scale (gamma)'),
    arr(`b_${id}`, `${name}::bias_t`, bias, 'bias (beta)'),
    arr(`tbl_${id}`, `${name}::table_t`, invSqrtTable(tn, a.epsilon, p, tt), `1/sqrt(var) table, ${tn} entries`),
    arr(`par_${id}`, `${name}::accum_t`, [makeCast(acc)(1 / dim)], '1/dim in accum_t'),
  ];
  return {
    configs: [
      cfg(
        name,
        `LayerNormalization over ${dim} features`,
        [u('n_rows', numel(c.outShape) / dim), u('dim', dim), u('tbl_n', tn), u('range_p2', p), u('acc_w', acc.w), i('acc_f', fracBits(acc)), u('acc_signed', acc.signed)],
        [ty('accum_t', c.cpp(acc)), ty('scale_t', c.cpp(st)), ty('bias_t', c.cpp(bt)), ty('table_t', c.cpp(tt))],
      ),
    ],
    arrays,
    fn: fnName('layernorm', c, name),
    extra: arrays.map((x) => x.name),
  };
}

const SOFTMAX_DEFAULT = fixedType(18, 8, true, 'AP_RND', 'AP_SAT');

function attention(c: LayerCtx): LayerEmit {
  const l = c.layer;
  const a = l.attrs as Extract<LayerAttrs, { op: 'MultiHeadAttention' }>;
  const [tq, dq] = c.inShapes[0]! as [number, number];
  const [tv, dv] = c.inShapes[1]! as [number, number];
  // A separate key tensor (third input) has the value's steps and its own feature size.
  const dk = c.inShapes[2] ? c.inShapes[2][1]! : dv;
  const acc = slotType(l, 'accum');
  const wt = slotType(l, 'weight');
  const bt = slotType(l, 'bias', wt);
  const resource = l.strategy === 'resource';
  const strategy = l.strategy ?? 'latency';
  const rf = reuseOf(l);
  const id = c.ident;
  const name = `cfg_${id}`;
  const hk = a.heads * a.keyDim;
  const hv = a.heads * a.valueDim;
  const dims: Record<string, [number, number]> = { query: [dq, hk], key: [dk, hk], value: [dv, hv], output: [hv, a.outDim] };
  const configs = [];
  const arrays: ArrayView[] = [];
  const types: ConfigMember[] = [ty('accum_t', c.cpp(acc)), ty('weight_t', c.cpp(wt)), ty('bias_t', c.cpp(bt))];
  for (const [role, [nIn, nOut]] of Object.entries(dims)) {
    const r = productReuseFactor(strategy, rf, nIn, nOut);
    const sfx = `m${role[0]}`;
    configs.push(
      cfg(`${name}_${sfx}`, `attention ${l.name}: ${role} projection ${nIn} x ${nOut}`, [u('n_pix', 1), u('n_in', nIn), u('n_out', nOut), u('reuse', r), u('mult_limit', Math.ceil((nIn * nOut) / r))], [
        ty('accum_t', c.cpp(acc)),
        ty('weight_t', c.cpp(wt)),
        ty('bias_t', c.cpp(bt)),
      ]),
    );
    types.push(ty(sfx, `${name}_${sfx}`));
    const w = l.weights[`${role}_kernel`];
    if (!w) unsupported(l, `an attention layer without ${role} weights`);
    const wq = quantizeValues(w.data, wt, l, `${role}_kernel`);
    const b = l.weights[`${role}_bias`];
    arrays.push(
      arr(`w${role[0]}_${id}`, `${name}::weight_t`, resource ? transpose2(wq, nIn, nOut) : wq, `${role} kernel`),
      arr(`b${role[0]}_${id}`, `${name}::bias_t`, b ? quantizeValues(b.data, bt, l, `${role}_bias`) : new Float64Array(nOut), `${role} bias`),
    );
  }
  // The softmax over keys: hls4ml's stable softmax with accum_t input and output.
  const tn = l.tableSize ?? 2048;
  const expT = slotType(l, 'exp_table', SOFTMAX_DEFAULT);
  const invT = slotType(l, 'inv_table', SOFTMAX_DEFAULT);
  const invInp = slotType(l, 'inv_inp', SOFTMAX_DEFAULT);
  const normT = slotType(l, 'inp_norm', defaultInpNorm(acc));
  // An explicit inp_norm_t keeps the full table size (as the emulator's softmax does).
  const expN = expTableSize(tn, acc, l.precision.inp_norm === undefined);
  const sm = `${name}_sm`;
  configs.push(
    cfg(
      sm,
      `attention ${l.name}: softmax over ${tv} keys`,
      [u('n', tv), u('n_outer', tq), u('reuse', 1), u('exp_n', expN), u('exp_bits', tables.ceilLog2(expN)), u('norm_w', normT.w), u('in_w', acc.w), u('inv_n', tn), u('inv_bits', tables.ceilLog2(tn)), u('inv_w', invInp.w)],
      [ty('inp_norm_t', c.cpp(normT)), ty('exp_table_t', c.cpp(expT)), ty('inv_table_t', c.cpp(invT)), ty('inv_inp_t', c.cpp(invInp)), ty('accum_t', c.cpp(acc))],
    ),
  );
  types.push(ty('sm', sm));
  arrays.push(
    arr(`exp_${id}`, `${sm}::exp_table_t`, tables.softmaxExpTable(expN, normT, expT, true), `exp table, ${expN} entries`),
    arr(`inv_${id}`, `${sm}::inv_table_t`, tables.softmaxInvTable(tn, invInp, invT), `1/x table, ${tn} entries`),
    arr(`par_${id}`, `${name}::accum_t`, [attentionScale(a, acc)], 'the score scale in accum_t'),
  );
  configs.push(
    cfg(
      name,
      `MultiHeadAttention, ${a.heads} heads of ${a.keyDim}/${a.valueDim}, query [${tq}, ${dq}], value [${tv}, ${dv}] -> ${a.outDim}`,
      [u('tq', tq), u('dq', dq), u('tv', tv), u('dv', dv), u('dk', dk), u('heads', a.heads), u('key_dim', a.keyDim), u('value_dim', a.valueDim), u('out_dim', a.outDim), u('resource', resource)],
      types,
    ),
  );
  return { configs, arrays, fn: fnName(c.ins.length > 2 ? 'mha_qkv' : 'mha', c, name), extra: arrays.map((x) => x.name) };
}

Object.assign(BUILDERS, {
  MultiHeadAttention: attention,
  GRU: recurrent,
  LSTM: recurrent,
  SimpleRNN: recurrent,
  LayerNorm: layerNorm,
});

export { BUILDERS };
