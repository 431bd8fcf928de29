/**
 * @fileoverview Per-op view builders, second half: softmax, pooling, merges, concatenation and
 * data movement (transpose, pad, crop, resize). See layer-views.ts for the conventions.
 */

import type { FixedType } from '../fixed/type.js';
import { fixedType } from '../fixed/type.js';
import { addType, mulType, subType } from '../fixed/arith.js';
import type { LayerAttrs } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { ArrayView, ConfigMember, ConfigView } from './view-types.js';
import type { LayerCtx, LayerEmit } from './layer-views.js';
import { BUILDERS, arr, cfg, fnName, i, intArr, reuseOf, slotType, ty, u, unsupported } from './layer-views.js';
import { quantizeValues } from './params.js';
import * as tables from '../emulator/tables.js';
import { defaultInpNorm, expTableSize } from '../emulator/activations.js';

const SOFTMAX_DEFAULT = fixedType(18, 8, true, 'AP_RND', 'AP_SAT');

function softmax(c: LayerCtx): LayerEmit {
  const l = c.layer;
  const a = l.attrs as Extract<LayerAttrs, { op: 'Softmax' }>;
  const rank = c.outShape.length;
  const axis = a.axis < 0 ? a.axis + rank : a.axis;
  if (axis !== rank - 1) unsupported(l, `softmax over axis ${a.axis} (only the last axis)`);
  const n = c.outShape[rank - 1]!;
  const nOuter = numel(c.outShape) / n;
  const impl = a.implementation ?? 'stable';
  const name = `cfg_${c.ident}`;
  const inT = c.inTypes[0]!;
  const consts: ConfigMember[] = [u('n', n), u('n_outer', nOuter), u('reuse', reuseOf(l))];
  if (impl === 'argmax') {
    return { configs: [cfg(name, 'softmax (argmax: one-hot at the first maximum)', consts, [])], arrays: [], fn: fnName('softmax_argmax', c, name), extra: [] };
  }
  const tn = l.tableSize ?? 1024;
  if (impl === 'legacy') return legacySoftmax(c, consts, n, tn);
  if (impl !== 'stable' && impl !== 'latency') unsupported(l, `softmax implementation "${impl}"`);
  const expT = slotType(l, 'exp_table', SOFTMAX_DEFAULT);
  const invT = slotType(l, 'inv_table', SOFTMAX_DEFAULT);
  const invInp = slotType(l, 'inv_inp', SOFTMAX_DEFAULT);
  const accT = slotType(l, 'accum', fixedType(16, 6));
  // The stable form stores x_max - x_i (>= 0) in the input type without its sign bit.
  const normT = slotType(l, 'inp_norm', defaultInpNorm(inT));
  const addrT = impl === 'stable' ? normT : inT;
  const expN = expTableSize(tn, inT);
  const invN = tn;
  const expBits = tables.ceilLog2(expN);
  const invBits = tables.ceilLog2(invN);
  const expTable = tables.softmaxExpTable(expN, addrT, expT, impl === 'stable');
  const invTable = tables.softmaxInvTable(invN, invInp, invT);
  consts.push(u('exp_n', expN), u('exp_bits', expBits), u('norm_w', normT.w), u('in_w', inT.w), u('inv_n', invN), u('inv_bits', invBits), u('inv_w', invInp.w));
  const types = [
    ty('inp_norm_t', c.cpp(normT)),
    ty('exp_table_t', c.cpp(expT)),
    ty('inv_table_t', c.cpp(invT)),
    ty('inv_inp_t', c.cpp(invInp)),
    ty('accum_t', c.cpp(accT)),
  ];
  const arrays: ArrayView[] = [
    arr(`exp_${c.ident}`, `${name}::exp_table_t`, expTable, `exp table, ${expN} entries, indexed by the top ${expBits} bits`),
    arr(`inv_${c.ident}`, `${name}::inv_table_t`, invTable, `1/x table, ${invN} entries, indexed by the top ${invBits} bits`),
  ];
  return {
    configs: [cfg(name, `softmax (${impl}) over ${n} values`, consts, types)],
    arrays,
    fn: fnName(impl === 'stable' ? 'softmax_stable' : 'softmax_latency', c, name),
    extra: arrays.map((x) => x.name),
  };
}

/** Legacy softmax: pairwise exp table over [-8, 8) and a 1/x table over [0, 64), both of table_t. */
function legacySoftmax(c: LayerCtx, consts: ConfigMember[], n: number, tn: number): LayerEmit {
  const l = c.layer;
  const inT = c.inTypes[0]!;
  const tT = slotType(l, 'table', fixedType(18, 8));
  const diffT = fixedType(inT.w + 1, inT.i + 1, true);
  if (diffT.w + tables.ceilLog2(tn) > 62 || tT.w + tables.ceilLog2(tn) > 62) unsupported(l, 'a legacy softmax this wide');
  const name = `cfg_${c.ident}`;
  const idx = (suffix: string, t: FixedType, r: number, off: number): ConfigView =>
    cfg(`${name}_${suffix}`, `legacy softmax ${suffix === 'exp' ? 'exp' : '1/x'} table index`, [u('tbl_n', tn), u('in_w', t.w), i('in_f', t.w - t.i), u('in_signed', t.signed), u('idx_r', r), u('idx_neg', false), u('idx_off', off)], []);
  const arrays: ArrayView[] = [
    arr(`exp_${c.ident}`, `${name}::table_t`, tables.legacyExpTable(tn, tT), `exp table over [-8, 8), ${tn} entries`),
    arr(`inv_${c.ident}`, `${name}::table_t`, tables.legacyInvTable(tn, tT), `1/x table over [0, 64), ${tn} entries`),
  ];
  return {
    configs: [
      idx('exp', diffT, 4, Math.floor(tn / 2)),
      idx('inv', tT, 6, 0),
      cfg(name, `softmax (legacy) over ${n} values`, [...consts, u('tbl_n', tn)], [
        ty('table_t', c.cpp(tT)),
        ty('diff_t', c.cpp(diffT)),
        ty('exp_idx', `${name}_exp`),
        ty('inv_idx', `${name}_inv`),
      ]),
    ],
    arrays,
    fn: fnName('softmax_legacy', c, name),
    extra: arrays.map((x) => x.name),
  };
}

/** The exact type of one merge step (the emulator folds left at full precision). */
function mergeStepType(mode: string, a: FixedType, b: FixedType): { v: FixedType; sum?: FixedType } {
  switch (mode) {
    case 'add':
      return { v: addType(a, b) };
    case 'sub':
      return { v: subType(a, b) };
    case 'mul':
      return { v: mulType(a, b) };
    case 'avg': {
      const sum = addType(a, b);
      return { v: fixedType(sum.w + 1, sum.i, sum.signed), sum };
    }
    default: {
      // max / min select one of the operands: a type holding both exactly.
      const signed = a.signed || b.signed;
      const f = Math.max(a.w - a.i, b.w - b.i);
      const i = Math.max(a.i + (signed && !a.signed ? 1 : 0), b.i + (signed && !b.signed ? 1 : 0));
      return { v: fixedType(i + f, i, signed) };
    }
  }
}

function merge(c: LayerCtx): LayerEmit {
  const l = c.layer;
  const a = l.attrs as Extract<LayerAttrs, { op: 'Merge' }>;
  const name = `cfg_${c.ident}`;
  const n = numel(c.outShape);
  const k = c.ins.length;
  if (k < 2) unsupported(l, `a ${a.mode} merge of ${k} input`);
  // Left fold: step s combines the running value (exact type) with input s + 1; the last step casts to the result.
  const configs: ConfigView[] = [];
  let prev = c.inTypes[0]!;
  let prevName = c.ins[0]!.ctype;
  const steps: Array<{ cfgName: string; inA: string; vName: string }> = [];
  for (let s = 1; s < k; s++) {
    const st = mergeStepType(a.mode, prev, c.inTypes[s]!);
    const cfgName = k === 2 ? name : `${name}_s${s}`;
    const types: ConfigMember[] = [];
    if (st.sum) types.push(ty('sum_t', c.cpp(st.sum)), ty('half_t', c.cpp(st.v)));
    if (s < k - 1) types.push(ty('v_t', c.cpp(st.v)));
    configs.push(cfg(cfgName, `merge (${a.mode})${k > 2 ? `, step ${s} of ${k - 1}` : ''}`, [u('n', n)], types));
    steps.push({ cfgName, inA: prevName, vName: s < k - 1 ? `${cfgName}::v_t` : c.out.ctype });
    prev = st.v;
    prevName = `${cfgName}::v_t`;
  }
  const kernel = `fml::merge_${a.mode}`;
  if (k === 2) return { configs, arrays: [], fn: fnName(`merge_${a.mode}`, c, name), extra: [] };
  const block = (ins: readonly string[], out: string): string => {
    const lines: string[] = [];
    let cur = ins[0]!;
    steps.forEach((st, s) => {
      const dst = s === steps.length - 1 ? out : `m${s + 1}`;
      if (dst !== out) lines.push(`FML_BUFFER ${st.vName} ${dst}[${n}];`);
      lines.push(`${kernel}<${st.inA}, ${c.ins[s + 1]!.ctype}, ${st.vName}, ${st.cfgName}>(${cur}, ${ins[s + 1]}, ${dst});`);
      cur = dst;
    });
    return `{\n    ${lines.join('\n    ')}\n  }`;
  };
  return { configs, arrays: [], fn: '', extra: [], block };
}

function concat(c: LayerCtx): LayerEmit {
  const l = c.layer;
  const a = l.attrs as Extract<LayerAttrs, { op: 'Concat' }>;
  const k = c.ins.length;
  if (k < 2) unsupported(l, `a concatenation of ${k} input`);
  const rank = c.outShape.length;
  const axis = a.axis < 0 ? a.axis + rank : a.axis;
  const outer = numel(c.outShape.slice(0, axis));
  const chunk = (j: number): number => numel(c.inShapes[j]!.slice(axis));
  const name = `cfg_${c.ident}`;
  if (k === 2)
    return {
      configs: [cfg(name, `concatenation on axis ${axis}`, [u('n_outer', outer), u('chunk_a', chunk(0)), u('chunk_b', chunk(1))], [])],
      arrays: [],
      fn: fnName('concat2', c, name),
      extra: [],
    };
  // More inputs: pairwise, the running part held in the result type (a copy, so no value changes
  // beyond the one cast to the result type that the emulator also does).
  const configs: ConfigView[] = [];
  let acc = chunk(0);
  for (let s = 1; s < k; s++) {
    configs.push(cfg(`${name}_s${s}`, `concatenation on axis ${axis}, step ${s} of ${k - 1}`, [u('n_outer', outer), u('chunk_a', acc), u('chunk_b', chunk(s))], []));
    acc += chunk(s);
  }
  const block = (ins: readonly string[], out: string): string => {
    const lines: string[] = [];
    let cur = ins[0]!;
    let curT = c.ins[0]!.ctype;
    let size = chunk(0);
    for (let s = 1; s < k; s++) {
      size += chunk(s);
      const dst = s === k - 1 ? out : `j${s}`;
      if (dst !== out) lines.push(`FML_BUFFER ${c.out.ctype} ${dst}[${outer * size}];`);
      lines.push(`fml::concat2<${curT}, ${c.ins[s]!.ctype}, ${c.out.ctype}, ${name}_s${s}>(${cur}, ${ins[s]}, ${dst});`);
      cur = dst;
      curT = c.out.ctype;
    }
    return `{\n    ${lines.join('\n    ')}\n  }`;
  };
  return { configs, arrays: [], fn: '', extra: [], block };
}

function transpose(c: LayerCtx): LayerEmit {
  const a = c.layer.attrs as Extract<LayerAttrs, { op: 'Transpose' }>;
  const inS = c.inShapes[0]!;
  const outS = c.outShape;
  const n = numel(outS);
  const inStrides = inS.map((_, d) => numel(inS.slice(d + 1)));
  const src = new Uint32Array(n);
  const idx = new Array<number>(outS.length).fill(0);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let d = 0; d < outS.length; d++) s += idx[d]! * inStrides[a.perm[d]!]!;
    src[k] = s;
    for (let d = outS.length - 1; d >= 0; d--) {
      if (++idx[d]! < outS[d]!) break;
      idx[d] = 0;
    }
  }
  const name = `cfg_${c.ident}`;
  const arrays = [intArr(`idx_${c.ident}`, src, `source index of every output element (perm ${a.perm.join(',')})`)];
  return { configs: [cfg(name, `transpose, perm ${a.perm.join(',')}`, [u('n_in', numel(inS)), u('n', n)], [])], arrays, fn: fnName('gather', c, name), extra: [arrays[0]!.name] };
}

/** [h, w, c] of a 1-D ([w, c]) or 2-D feature map. */
function hwc(s: readonly number[], dims: 1 | 2): [number, number, number] {
  return dims === 2 ? [s[0]!, s[1]!, s[2]!] : [1, s[0]!, s[1]!];
}

function pad(c: LayerCtx): LayerEmit {
  const l = c.layer;
  const a = l.attrs as Extract<LayerAttrs, { op: 'Pad' }>;
  const [ih, iw, ch] = hwc(c.inShapes[0]!, a.dims);
  const [oh, ow] = hwc(c.outShape, a.dims);
  const name = `cfg_${c.ident}`;
  const pt: FixedType = c.outType;
  const arrays = [arr(`par_${c.ident}`, `${name}::param_t`, quantizeValues([a.value], pt, l, 'pad value'), 'pad value')];
  const consts = [u('in_h', ih), u('in_w', iw), u('c', ch), u('out_h', oh), u('out_w', ow), u('pad_t', a.dims === 2 ? a.pads.top : 0), u('pad_l', a.pads.left)];
  return { configs: [cfg(name, 'padding', consts, [ty('param_t', c.cpp(pt))])], arrays, fn: fnName('pad2d', c, name), extra: [arrays[0]!.name] };
}

function crop(c: LayerCtx): LayerEmit {
  const a = c.layer.attrs as Extract<LayerAttrs, { op: 'Crop' }>;
  const [ih, iw, ch] = hwc(c.inShapes[0]!, a.dims);
  const [oh, ow] = hwc(c.outShape, a.dims);
  const name = `cfg_${c.ident}`;
  const consts = [u('in_h', ih), u('in_w', iw), u('c', ch), u('out_h', oh), u('out_w', ow), u('crop_t', a.dims === 2 ? a.crop.top : 0), u('crop_l', a.crop.left)];
  return { configs: [cfg(name, 'cropping', consts, [])], arrays: [], fn: fnName('crop2d', c, name), extra: [] };
}

function resize(c: LayerCtx): LayerEmit {
  const a = c.layer.attrs as Extract<LayerAttrs, { op: 'Resize' }>;
  const [ih, iw, ch] = hwc(c.inShapes[0]!, a.dims);
  const [oh, ow] = hwc(c.outShape, a.dims);
  const name = `cfg_${c.ident}`;
  const consts = [u('in_h', ih), u('in_w', iw), u('c', ch), u('out_h', oh), u('out_w', ow)];
  return { configs: [cfg(name, 'nearest-neighbour resize', consts, [])], arrays: [], fn: fnName('resize_nearest', c, name), extra: [] };
}

/** [h, w] window geometry of a Pool layer (1-D: height 1). */
function pool(c: LayerCtx): LayerEmit {
  const l = c.layer;
  const a = l.attrs as Extract<LayerAttrs, { op: 'Pool' }>;
  const [ih, iw, ch] = hwc(c.inShapes[0]!, a.dims);
  const [oh, ow] = hwc(c.outShape, a.dims);
  const two = a.dims === 2;
  const name = `cfg_${c.ident}`;
  const consts: ConfigMember[] = [
    u('in_h', ih), u('in_w', iw), u('c', ch), u('out_h', oh), u('out_w', ow),
    u('k_h', two ? a.pool[0]! : 1), u('k_w', two ? a.pool[1]! : a.pool[0]!),
    u('s_h', two ? a.strides[0]! : 1), u('s_w', two ? a.strides[1]! : a.strides[0]!),
    u('pad_t', two ? a.pads.top : 0), u('pad_l', a.pads.left), u('count_pad', a.countIncludePad),
  ];
  const types: ConfigMember[] = [];
  // Both modes pass through accum_t (the emulator's default: the result type).
  types.push(ty('accum_t', c.cpp(slotType(l, 'accum', c.outType))));
  return { configs: [cfg(name, `${a.mode} pooling ${a.pool.join('x')}`, consts, types)], arrays: [], fn: fnName(`${a.mode}_pool`, c, name), extra: [] };
}

function globalPool(c: LayerCtx): LayerEmit {
  const l = c.layer;
  const a = l.attrs as Extract<LayerAttrs, { op: 'GlobalPool' }>;
  const s = c.inShapes[0]!;
  const ch = s[s.length - 1]!;
  const name = `cfg_${c.ident}`;
  const consts: ConfigMember[] = [u('n_pix', numel(s) / ch), u('c', ch)];
  const types: ConfigMember[] = [];
  types.push(ty('accum_t', c.cpp(slotType(l, 'accum', c.outType))));
  return { configs: [cfg(name, `global ${a.mode} pooling`, consts, types)], arrays: [], fn: fnName(`global_${a.mode}_pool`, c, name), extra: [] };
}

Object.assign(BUILDERS, {
  Pool: pool,
  GlobalPool: globalPool,
  Softmax: softmax,
  Merge: merge,
  Concat: concat,
  Transpose: transpose,
  Pad: pad,
  Crop: crop,
  Resize: resize,
});

export { BUILDERS };
