/**
 * @fileoverview Per-op view builders: for each IR op, the config struct(s), constant arrays and
 * the kernel call that the generated C++ uses. One entry per op in `BUILDERS` (a table, not an
 * if-chain); each builder decides everything about its layer, the templates only print it.
 *
 * Conventions shared with templates/hls/fml/*.h: config structs are `cfg_<ident>`, arrays
 * `w_`/`b_`/`tbl_`/`par_` + ident; the call takes the input buffers, then the output buffer, then
 * the arrays.
 */

import type { FixedType } from '../fixed/type.js';
import { fixedType, fracBits, isAuto } from '../fixed/type.js';
import { addType } from '../fixed/arith.js';
import type { Graph, Layer, LayerAttrs, Shape } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { DiagnosticError, EXIT, diag } from '../diagnostics/diagnostic.js';
import type { ArrayView, ConfigMember, ConfigView, TensorView } from './view-types.js';
import { constSource, cppArrayChunks, cppArrayInit, streamMarker, transposedSource, type ValueSource } from './cpp-values.js';
import { quantizeValues, quantizeValuesRaw } from './params.js';
import { batchNormScaleBias } from '../emulator/weights.js';
import * as tables from '../emulator/tables.js';

export interface LayerCtx {
  readonly g: Graph;
  readonly layer: Layer;
  readonly ident: string;
  readonly ins: readonly TensorView[];
  readonly inShapes: readonly Shape[];
  readonly inTypes: readonly FixedType[];
  readonly out: TensorView;
  readonly outShape: Shape;
  readonly outType: FixedType;
  /** Renders a fixed-point type for the backend. */
  readonly cpp: (t: FixedType) => string;
}

export interface LayerEmit {
  readonly configs: ConfigView[];
  readonly arrays: ArrayView[];
  /** Function expression, e.g. fml::dense_latency<t_a, t_b, cfg_L2_fc1>. */
  readonly fn: string;
  /** Extra call arguments after the buffers (array names). */
  readonly extra: string[];
  /**
   * io_stream: a kernel that reads and writes the streams itself (line-buffer convolution), called
   * as `${streamFn}(in0, out, extra...)`; absent: the frame-buffer wrapper runs `fn`.
   */
  readonly streamFn?: string;
  /**
   * Layers made of several kernel calls (merges and concatenations of more than two inputs): the
   * whole statement for input buffers `ins` and output buffer `out`; `fn`/`extra` are then unused.
   */
  readonly block?: (ins: readonly string[], out: string) => string;
}

type Builder = (c: LayerCtx) => LayerEmit;

function loc(l: Layer): { node: string; file?: string; opType?: string } {
  return { node: l.name, ...(l.source?.file ? { file: l.source.file } : {}), ...(l.source?.opType ? { opType: l.source.opType } : {}) };
}

function unsupported(l: Layer, what: string): never {
  throw new DiagnosticError([diag('FML5804', `the HLS backend does not support ${what}`, loc(l))], EXIT.MODEL);
}

/** A concrete precision slot; `fallback` when the slot is absent (never when it is `auto`). */
export function slotType(l: Layer, slot: string, fallback?: FixedType): FixedType {
  const t = l.precision[slot];
  if (t !== undefined && !isAuto(t)) return t;
  if (t === undefined && fallback) return fallback;
  throw new DiagnosticError(
    [
      diag(
        'FML5803',
        `layer has no concrete ${slot} type${t === undefined ? '' : ' (still auto after precision inference)'}`,
        loc(l),
        `set ${slot} for this layer in the configuration`,
      ),
    ],
    EXIT.MODEL,
  );
}

const u = (name: string, v: number | boolean): ConfigMember =>
  typeof v === 'boolean' ? { name, value: v ? 'true' : 'false', ctype: 'bool' } : { name, value: String(v), ctype: 'unsigned' };
const i = (name: string, v: number): ConfigMember => ({ name, value: String(v), ctype: 'int' });
const ty = (name: string, cpp: string): ConfigMember => ({ name, value: cpp, ctype: '' });

function cfg(name: string, comment: string, consts: ConfigMember[], types: ConfigMember[]): ConfigView {
  return { name, comment, consts, types };
}

/** Arrays from this many values on are streamed to the file rather than printed into one string. */
const STREAM_MIN = 4096;

function arr(name: string, ctype: string, values: ArrayLike<number> | ValueSource, comment: string, per = 8): ArrayView {
  if (values.length < STREAM_MIN) return { name, ctype, size: values.length, init: cppArrayInit(values, per), comment };
  return { name, ctype, size: values.length, init: streamMarker(name), chunks: () => cppArrayChunks(values, per), comment };
}

function intArr(name: string, values: ArrayLike<number>, comment: string): ArrayView {
  return { name, ctype: 'unsigned', size: values.length, init: cppArrayInit(values, 16, (v) => String(v)), comment };
}

const fnName = (kernel: string, c: LayerCtx, cfgName: string): string =>
  `fml::${kernel}<${c.ins.map((t) => t.ctype).join(', ')}, ${c.out.ctype}, ${cfgName}>`;

const reuseOf = (l: Layer): number => Math.max(1, l.reuseFactor ?? 1);
const isResource = (l: Layer): boolean => l.strategy === 'resource';

/** Weights and bias of a Dense/Conv-like layer, quantized; weights transposed for Resource. */
function kernelArrays(
  c: LayerCtx,
  nIn: number,
  nOut: number,
  transposed: boolean,
  nBias = nOut,
): { arrays: ArrayView[]; wt: FixedType; bt: FixedType } {
  const l = c.layer;
  const wt = slotType(l, 'weight');
  const bt = slotType(l, 'bias', wt);
  const k = l.weights.kernel;
  if (!k) unsupported(l, 'a layer without kernel weights');
  // As the quantization cache holds them (a large layer's as raw integers), read block by block;
  // Resource order through a transposing view: no doubles nor transposed copy of a large matrix.
  const wq = quantizeValuesRaw(k.data, wt, l, 'weight');
  const w = transposed ? transposedSource(wq, nIn, nOut) : constSource(wq);
  // A layer without bias gets zeros, one per output channel (depthwise: cIn x multiplier).
  const bsrc = l.weights.bias?.data ?? new Float64Array(nBias);
  const b = quantizeValues(bsrc, bt, l, 'bias');
  const id = c.ident;
  return {
    wt,
    bt,
    arrays: [
      arr(`w_${id}`, `cfg_${id}::weight_t`, w, transposed ? 'weights, transposed to [n_out][n_in] for the Resource strategy' : 'weights, Keras layout'),
      arr(`b_${id}`, `cfg_${id}::bias_t`, b, 'biases'),
    ],
  };
}

function denseMembers(nPix: number, nIn: number, nOut: number, reuse: number): ConfigMember[] {
  return [u('n_pix', nPix), u('n_in', nIn), u('n_out', nOut), u('reuse', reuse), u('mult_limit', Math.ceil((nIn * nOut) / reuse))];
}

const dense: Builder = (c) => {
  const l = c.layer;
  const a = l.attrs as Extract<LayerAttrs, { op: 'Dense' }>;
  const res = isResource(l);
  const reuse = reuseOf(l);
  const nPix = numel(c.inShapes[0]!) / a.nIn;
  const { arrays, wt, bt } = kernelArrays(c, a.nIn, a.nOut, res);
  const name = `cfg_${c.ident}`;
  return {
    configs: [
      cfg(name, `Dense ${a.nIn} -> ${a.nOut}, ${res ? 'Resource' : 'Latency'} strategy`, denseMembers(nPix, a.nIn, a.nOut, reuse), [
        ty('accum_t', c.cpp(slotType(l, 'accum'))),
        ty('weight_t', c.cpp(wt)),
        ty('bias_t', c.cpp(bt)),
      ]),
    ],
    arrays,
    fn: fnName(res ? 'dense_resource' : 'dense_latency', c, name),
    extra: arrays.map((x) => x.name),
  };
};

/** Geometry of a 1-D or 2-D sliding window as the 2-D kernels expect it (1-D: height 1). */
function geometry(a: { dims: 1 | 2; kernel: readonly number[]; strides: readonly number[]; dilations?: readonly number[]; pads: { top: number; left: number } }, inShape: Shape, outShape: Shape): ConfigMember[] {
  const two = a.dims === 2;
  const d = a.dilations ?? [1, 1];
  return [
    u('in_h', two ? inShape[0]! : 1),
    u('in_w', two ? inShape[1]! : inShape[0]!),
    u('out_h', two ? outShape[0]! : 1),
    u('out_w', two ? outShape[1]! : outShape[0]!),
    u('k_h', two ? a.kernel[0]! : 1),
    u('k_w', two ? a.kernel[1]! : a.kernel[0]!),
    u('s_h', two ? a.strides[0]! : 1),
    u('s_w', two ? a.strides[1]! : a.strides[0]!),
    u('d_h', two ? (d[0] ?? 1) : 1),
    u('d_w', two ? (d[1] ?? 1) : (d[0] ?? 1)),
    u('pad_t', two ? a.pads.top : 0),
    u('pad_l', a.pads.left),
  ];
}

const conv: Builder = (c) => {
  const l = c.layer;
  const a = l.attrs as Extract<LayerAttrs, { op: 'Conv' }>;
  const res = isResource(l) && a.groups === 1;
  const reuse = reuseOf(l);
  const nWin = numel(a.kernel) * (a.cIn / a.groups);
  const { arrays, wt, bt } = kernelArrays(c, nWin, a.cOut, res);
  const name = `cfg_${c.ident}`;
  const types = [ty('accum_t', c.cpp(slotType(l, 'accum'))), ty('weight_t', c.cpp(wt)), ty('bias_t', c.cpp(bt))];
  const mult = cfg(`${name}_mult`, 'per-pixel dense of the convolution', denseMembers(1, nWin, a.cOut, reuse), types);
  const kernel = a.groups !== 1 ? 'conv_grouped' : res ? 'conv_resource' : 'conv_latency';
  const inT = c.ins[0]!;
  return {
    ...(a.groups === 1 ? { streamFn: `fml::conv_stream<${inT.ptype}, ${c.out.ptype}, ${inT.ctype}, ${c.out.ctype}, ${name}, ${res}>` } : {}),
    configs: [
      mult,
      cfg(
        name,
        `Conv${a.dims}D ${a.kernel.join('x')}, ${a.cIn} -> ${a.cOut} channels, groups ${a.groups}`,
        [...geometry(a, c.inShapes[0]!, c.outShape), u('c_in', a.cIn), u('c_out', a.cOut), u('n_win', nWin), u('groups', a.groups), u('reuse', reuse)],
        [...types, ty('mult', `${name}_mult`)],
      ),
    ],
    arrays,
    fn: fnName(kernel, c, name),
    extra: arrays.map((x) => x.name),
  };
};

const depthwise: Builder = (c) => {
  const l = c.layer;
  const a = l.attrs as Extract<LayerAttrs, { op: 'DepthwiseConv' }>;
  const cOut = a.cIn * a.depthMultiplier;
  const { arrays, wt, bt } = kernelArrays(c, numel(a.kernel) * a.cIn, a.depthMultiplier, false, cOut);
  const name = `cfg_${c.ident}`;
  return {
    configs: [
      cfg(
        name,
        `DepthwiseConv${a.dims}D ${a.kernel.join('x')}, ${a.cIn} channels x ${a.depthMultiplier}`,
        [...geometry(a, c.inShapes[0]!, c.outShape), u('c_in', a.cIn), u('c_out', cOut), u('depth_mult', a.depthMultiplier), u('reuse', reuseOf(l))],
        [ty('accum_t', c.cpp(slotType(l, 'accum'))), ty('weight_t', c.cpp(wt)), ty('bias_t', c.cpp(bt))],
      ),
    ],
    arrays,
    fn: fnName('depthwise_conv', c, name),
    extra: arrays.map((x) => x.name),
  };
};

/** BatchNorm (kept as a layer) and ScaleBias: y = x * scale + bias per channel. */
const scaleBias: Builder = (c) => {
  const l = c.layer;
  const n = numel(c.outShape);
  let scale: ArrayLike<number> | undefined;
  let bias: ArrayLike<number> | undefined;
  if (l.attrs.op === 'BatchNorm') {
    const w = l.weights;
    const nC = w.mean!.data.length;
    const ones = new Float32Array(nC).fill(1);
    const sb = batchNormScaleBias(w.gamma?.data ?? ones, w.beta?.data ?? new Float32Array(nC), w.mean!.data, w.variance!.data, l.attrs.epsilon);
    scale = sb.scale;
    bias = sb.bias;
  } else {
    scale = l.weights.scale?.data;
    bias = l.weights.bias?.data;
  }
  const name = `cfg_${c.ident}`;
  const arrays: ArrayView[] = [];
  const types: ConfigMember[] = [];
  const consts: ConfigMember[] = [u('n', n), u('reuse', reuseOf(l))];
  if (scale) {
    const st = slotType(l, 'scale', slotType(l, 'weight', c.outType));
    arrays.push(arr(`scale_${c.ident}`, `${name}::scale_t`, quantizeValues(scale, st, l, 'scale'), 'scale'));
    types.push(ty('scale_t', c.cpp(st)));
    consts.push(u('n_scale', scale.length));
  }
  if (bias) {
    const bt = slotType(l, 'bias', c.outType);
    arrays.push(arr(`b_${c.ident}`, `${name}::bias_t`, quantizeValues(bias, bt, l, 'bias'), 'bias'));
    types.push(ty('bias_t', c.cpp(bt)));
    consts.push(u('n_bias', bias.length));
  }
  const kernel = scale && bias ? 'scale_bias' : scale ? 'scale_only' : bias ? 'bias_only' : 'copy';
  if (kernel === 'copy') return copyLayer(c);
  return {
    configs: [cfg(name, `${l.attrs.op}: y = x * scale + bias per channel`, consts, types)],
    arrays,
    fn: fnName(kernel, c, name),
    extra: arrays.map((x) => x.name),
  };
};

/** Reshape, Flatten, Identity, Dropout, Quant: channels-last data is already in order, copy with a cast. */
function copyLayer(c: LayerCtx): LayerEmit {
  const n = numel(c.outShape);
  return { configs: [], arrays: [], fn: `fml::copy_cast<${c.ins[0]!.ctype}, ${c.out.ctype}, ${n}>`, extra: [] };
}

/** Table geometry: index = trunc0(x * N / 2^r) (negated for the negative-side tables) + offset. */
function tableMembers(n: number, inT: FixedType, r: number, neg: boolean, off: number): ConfigMember[] {
  return [u('tbl_n', n), u('in_w', inT.w), i('in_f', fracBits(inT)), u('in_signed', inT.signed), u('idx_r', r), u('idx_neg', neg), u('idx_off', off)];
}

const TABLES: Record<string, { build: (n: number, t: FixedType) => Float64Array; r: number; neg: boolean; center: boolean; kernel: string }> = {
  sigmoid: { build: tables.sigmoidTable, r: 4, neg: false, center: true, kernel: 'table_activation' },
  tanh: { build: tables.tanhTable, r: 3, neg: false, center: true, kernel: 'table_activation' },
  softplus: { build: tables.softplusTable, r: 4, neg: false, center: true, kernel: 'table_activation' },
  softsign: { build: tables.softsignTable, r: 4, neg: false, center: true, kernel: 'table_activation' },
  elu: { build: tables.eluTable, r: 3, neg: true, center: false, kernel: 'elu' },
  selu: { build: tables.seluTable, r: 3, neg: true, center: false, kernel: 'selu' },
};

const activation: Builder = (c) => {
  const l = c.layer;
  const a = l.attrs as Extract<LayerAttrs, { op: 'Activation' }>;
  const n = numel(c.outShape);
  const name = `cfg_${c.ident}`;
  const inT = c.inTypes[0]!;
  const consts: ConfigMember[] = [u('n', n), u('n_chan', c.outShape[c.outShape.length - 1] ?? 1)];
  const types: ConfigMember[] = [];
  const arrays: ArrayView[] = [];
  const extra = (): string[] => arrays.map((x) => x.name);
  const params = (vals: number[], pt: FixedType): void => {
    types.push(ty('param_t', c.cpp(pt)));
    arrays.push(arr(`par_${c.ident}`, `${name}::param_t`, quantizeValues(vals, pt, l, 'parameter'), 'parameters'));
  };
  // The emulator's default param type (src/emulator/activations.ts).
  const paramType = (): FixedType => slotType(l, 'param', fixedType(16, 6));
  // Bounds that the emulator compares without a cast: a wide type holds the usual ones exactly.
  const boundType = fixedType(40, 20);
  const mk = (kernel: string): LayerEmit => ({ configs: [cfg(name, `activation ${a.activation}`, consts, types)], arrays, fn: fnName(kernel, c, name), extra: extra() });
  switch (a.activation) {
    case 'linear':
      return mk('linear');
    case 'relu':
      return mk('relu');
    case 'relu6':
      params([0, 6], boundType);
      return mk('clip');
    case 'clip':
      params([a.min ?? 0, a.max ?? 6], boundType);
      return mk('clip');
    case 'leaky_relu':
      params([a.alpha ?? 0.3], paramType());
      return mk('leaky_relu');
    case 'thresholded_relu':
      params([a.theta ?? 1], paramType());
      return mk('thresholded_relu');
    case 'prelu': {
      const al = l.weights.alpha;
      if (!al) unsupported(l, 'prelu without alpha weights');
      params(Array.from(al.data), paramType());
      consts[1] = u('n_chan', al.data.length);
      return mk('prelu');
    }
    case 'hard_sigmoid':
    case 'hard_tanh': {
      const pt = paramType();
      params([a.slope ?? 0.2, a.shift ?? 0.5], pt);
      // Exact slope * x + shift (the emulator's rule), also for inputs wider than 64 bits.
      types.push(ty('inter_t', c.cpp(fixedType(inT.w + pt.w + 2, Math.max(inT.i + pt.i + 2, 2)))));
      return mk(a.activation);
    }
    case 'binary_tanh':
      return mk('binary_tanh');
    case 'ternary_tanh':
      return mk('ternary_tanh');
    default: {
      const spec = TABLES[a.activation];
      if (!spec) unsupported(l, `activation ${a.activation}`);
      const tn = l.tableSize ?? 1024;
      const tt = slotType(l, 'table', fixedType(18, 8));
      // The index is computed as raw * N in 64-bit integers.
      if (inT.w + tables.ceilLog2(tn) > 62) unsupported(l, `a table activation on a ${inT.w}-bit input`);
      consts.push(...tableMembers(tn, inT, spec.r, spec.neg, spec.center ? Math.floor(tn / 2) : 0));
      types.push(ty('table_t', c.cpp(tt)));
      arrays.push(arr(`tbl_${c.ident}`, `${name}::table_t`, spec.build(tn, tt), `${a.activation} table, ${tn} entries`));
      // elu: alpha in the param type scales the table value. selu: hls4ml hard-codes lambda's type
      // (selu_const_t = ap_ufixed<16,1>, 1.0507009873554805 truncated to 15 fraction bits), and the
      // emulator follows it (src/emulator/activations.ts); the table type plays no part there.
      if (a.activation === 'elu') params([a.alpha ?? 1], paramType());
      if (a.activation === 'selu') params([tables.SELU_LAMBDA], tables.SELU_LAMBDA_T);
      return mk(spec.kernel);
    }
  }
};

export const BUILDERS: Partial<Record<LayerAttrs['op'], Builder>> = {
  Dense: dense,
  Conv: conv,
  DepthwiseConv: depthwise,
  BatchNorm: scaleBias,
  ScaleBias: scaleBias,
  Activation: activation,
  Reshape: copyLayer,
  Flatten: copyLayer,
  Identity: copyLayer,
  Dropout: copyLayer,
  Quant: copyLayer,
};

export { cfg, arr, intArr, u, i, ty, fnName, reuseOf, unsupported, addType };
