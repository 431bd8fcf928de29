/**
 * @fileoverview The cost model of each layer kind, as a table keyed by IR op: what the HLS code
 * hls4ml writes for that kind instantiates (multipliers, tables, memories, loops) and the features
 * its LUT/FF are fitted on. A new op (recurrent layers, ...) is one entry of LAYER_MODELS, built
 * from the shared pieces of model.ts (multiplyCost for anything that multiplies by weights).
 */

import type { Graph, Layer, LayerAttrs, OpKind, Strategy } from '../ir/graph.js';
import type { FixedType } from '../fixed/type.js';
import { isAuto } from '../fixed/type.js';
import type { LayerCost, ModelContext } from './model.js';
import { SEQUENCE_COSTS } from './sequence.js';
import {
  DEFAULT_TABLE_SIZE,
  DEFAULT_TABLE_TYPE,
  DEFAULT_TYPE,
  SRL_MAX_BITS,
  SRL_MAX_DEPTH,
  TABLE_ACTIVATIONS,
  Typer,
  bramFor,
  dspPerProduct,
  elems,
  inputType,
  isLutProduct,
  kernelStats,
  multiplyCost,
  pixels,
  zeroCost,
} from './model.js';

type AttrsOf<K extends OpKind> = Extract<LayerAttrs, { op: K }>;

/** What every layer model sees: the layer, its context, and helpers bound to them. */
export interface LayerEnv {
  readonly g: Graph;
  readonly l: Layer;
  readonly ctx: ModelContext;
  readonly typer: Typer;
  readonly stream: boolean;
  /** Type of the layer's (first) input. */
  readonly inT: FixedType;
  readonly setResult: (t: FixedType) => void;
  /** Latency key of element-wise work: after a Resource layer it is a loop of its own. */
  readonly actKey: string;
  readonly outN: number;
  readonly inN: number;
  /** io_stream: FIFO, per-pixel timing and one-pixel-wide logic of a streamed layer. */
  readonly streamFeatures: (c: LayerCost, w: number) => LayerCost;
}

export type LayerModel = (e: LayerEnv) => LayerCost;

/**
 * Bits a streamed sliding-window layer (convolution, pooling) keeps in its line buffer: the
 * kernel height less one rows of the input, all channels (a 1D window keeps kernel width less one
 * pixels). hls4ml writes it as shift registers.
 */
function lineBufferBits(g: Graph, l: Layer, kernel: readonly number[], w: number): number {
  const t = g.tensors.get(l.inputs[0] ?? '');
  if (!t || t.shape.length < 2) return 0;
  const ch = t.shape[t.shape.length - 1]!;
  const width = t.shape[t.shape.length - 2]!;
  const rows = kernel.length >= 2 ? Math.max(0, kernel[0]! - 1) * width : Math.max(0, kernel[0]! - 1);
  return rows * ch * w;
}

/**
 * CSD digits of constants the tool builds from shifts and adds: the family's when the multipliers
 * are left to the tool. With `-impl dsp|fabric` forced (config_op mul), the constants of one or two
 * digits still become shifts and adds (the option binds the multiplications that remain): in the
 * ArgyKokk Vitis HLS 2021.1 projects forced to DSPs, whose weights are in their repository, the
 * DSPs are exactly the distinct (input, constant) products of 3+ digits, and the reports list the
 * other products as LUT expressions (HAR fc1: 33 DSPs and 127k LUT of expressions for 6 839
 * non-zero weights; HAR fc2, Breast_cancer fc1 and CARDIO fc1/fc2 exact: test/fixtures/argykokk).
 */
export const FORCED_SHIFT_ADD_DIGITS = 2;
function shiftAddDigits(ctx: ModelContext): number {
  return ctx.multiplierImpl === 'auto' ? (ctx.csdMaxDigits ?? 1) : Math.min(FORCED_SHIFT_ADD_DIGITS, ctx.csdMaxDigits ?? FORCED_SHIFT_ADD_DIGITS);
}

/**
 * Row length of the kernel for counting repeated (input, constant) products, or 0 not to count
 * them. Counted where it was measured: multipliers forced (see above). With the multipliers left
 * to the tool no truth record with its real weights decides it, and the truth's placeholder
 * kernels (every weight 0.3, where hls4ml CI used random weights) would turn every layer into one
 * multiplier per input: counting them there took the held-out hls4ml CI DSP error from 19% to 69%.
 */
function repeatRow(ctx: ModelContext, rowLen: number): number {
  return ctx.multiplierImpl === 'auto' ? 0 : rowLen;
}

const modelInput: LayerModel = (e) => {
  const { l, setResult } = e;
  const t = l.precision.result;
  setResult(t && !isAuto(t) ? t : DEFAULT_TYPE);
  const portBits = e.outN * (t && !isAuto(t) ? t : DEFAULT_TYPE).w;
  if (!t || isAuto(t)) return { ...zeroCost(l), portBits, warnings: [`input ${l.name}: precision ${t ? "'auto'" : 'missing'}, assumed fixed<16,6>`] };
  return { ...zeroCost(l), portBits };
};

const modelDense: LayerModel = (e) => {
  const { l, ctx, typer, stream, inT, setResult, streamFeatures } = e;
  const a = l.attrs as AttrsOf<'Dense'>;
  const wT = typer.get('weight');
  const accT = typer.get('accum');
  setResult(typer.get('result'));
  const k = l.weights.kernel?.data;
  const ks = kernelStats(k, a.nIn * a.nOut, wT, shiftAddDigits(ctx), (l.strategy ?? ctx.strategy) === 'resource', repeatRow(ctx, a.nOut));
  const c = multiplyCost(l, { nIn: a.nIn, nOut: a.nOut, nPix: 1, total: a.nIn * a.nOut, ...ks, wa: inT.w, wb: wT.w, acc: accT.w }, ctx, typer, stream);
  return streamFeatures(c, typer.get('result').w);
};

const modelConv: LayerModel = (e) => {
  const { g, l, ctx, typer, stream, inT, setResult, streamFeatures } = e;
  const a = l.attrs as AttrsOf<'Conv' | 'DepthwiseConv'>;
  const wT = typer.get('weight');
  const accT = typer.get('accum');
  const resT = typer.get('result');
  setResult(resT);
  const kk = a.kernel.reduce((x, y) => x * y, 1);
  const out = pixels(g, l.outputs[0]);
  const inp = pixels(g, l.inputs[0]);
  const nIn = a.op === 'Conv' ? (kk * a.cIn) / a.groups : kk;
  const nOut = a.op === 'Conv' ? a.cOut : a.depthMultiplier;
  const chans = a.op === 'Conv' ? 1 : a.cIn;
  const k = l.weights.kernel?.data;
  // Rows of the kernel ([kh, (kw,) cIn, cOut] or [kh, (kw,) cIn, multiplier]) are the inputs of one window position.
  const ks = kernelStats(k, nIn * nOut * chans, wT, shiftAddDigits(ctx), (l.strategy ?? ctx.strategy) === 'resource', repeatRow(ctx, nOut));
  const c = multiplyCost(
    l,
    { nIn, nOut, nPix: out.pix, total: nIn * nOut, zeros: Math.round(ks.zeros / chans), pow2: Math.round(ks.pow2 / chans), ...(ks.addsAll !== undefined ? { addsShift: ks.addsShift! / chans, addsAll: ks.addsAll / chans } : {}), ...(ks.shared ? { shared: Math.round(ks.shared / chans) } : {}), wa: inT.w, wb: wT.w, acc: accT.w },
    ctx,
    typer,
    stream,
  );
  // Depthwise: one such product per input channel, in parallel.
  const scaled: LayerCost =
    chans === 1
      ? c
      : {
          ...c,
          multipliers: (c.multipliers ?? 0) * chans,
          dsp: c.dsp * chans,
          features: Object.fromEntries(Object.entries(c.features).map(([f, v]) => [f, f.endsWith('k_dense') ? v : v * chans])),
          ...(c.tree ? { tree: { ...c.tree, copies: chans } } : {}),
        };
  const strategy = c.strategy ?? ctx.strategy;
  if (stream) {
    // Line-buffer convolution: the pixel loop reads one input pixel per iteration. Latency
    // strategy: the loop is pipelined at the interval the multipliers allow (live products /
    // multipliers), plus a per-pixel cost (px_lat_c); with reuse > 1 each iteration also closes a
    // chain through the shared multipliers and the accumulation (px_lat_ns, whole cycles per pixel:
    // the public 28x28 RF-16 rows take 3, 4, 5 cycles per pixel at 4, 3.33, 2 ns). Resource strategy:
    // the reports show the multiply loop (reuse factor + fill, px_res_c) running for every input
    // pixel, not only at output positions (pominiq 28x28 rows: 784 x (RF + 9) for RF 3, 9 and 36);
    // that loop is not pipelined, so the report's best-case interval is the path that does not
    // compute (px_ii_c per input pixel), its worst case the latency.
    const perPix = strategy === 'latency' ? Math.max(1, Math.round(c.ii / Math.max(1, out.pix))) : 1;
    const cycles = strategy === 'latency' ? inp.pix * perPix : inp.pix * (c.reuse ?? 1);
    const shared = (c.reuse ?? 1) > 1;
    const pxTerms: Record<string, number> = strategy === 'latency' ? { px_lat_c: inp.pix, ...(shared ? { px_lat_ns: inp.pix } : {}) } : { px_res_c: inp.pix };
    const latencyTerms: Record<string, number> = strategy === 'latency' ? { stream_c: 1, mul_ns: 1, ...pxTerms } : { stream_c: 1, ...pxTerms };
    const ii =
      strategy === 'latency'
        ? { ii: cycles + 1, iiTerms: pxTerms }
        : { ii: cycles + 1, iiBase: 1, iiTerms: { px_ii_c: inp.pix }, notes: [...scaled.notes, `pixel loop not pipelined: the best-case interval skips the multiply loop; every input pixel that completes a window costs reuse ${c.reuse ?? 1} + fill cycles (worst case = latency)`] };
    const linebuf = lineBufferBits(g, l, a.kernel, inT.w);
    return streamFeatures({ ...scaled, cycles, latencyTerms, ...ii, pixelStream: true, features: { ...scaled.features, ...(linebuf ? { linebuf_bits: linebuf } : {}) } }, resT.w);
  }
  if (strategy === 'resource' && out.pix > 1) {
    // io_parallel Resource convolution: hls4ml computes the output positions one after the other
    // into the layer's output array, which is registered whole (every position's n_out results),
    // not one position's as for a dense layer. The hls4ml CI 4x4/stride-4 convolution of 32
    // filters on 28x28x3 (7x7 positions) takes 52 870 FF in Vivado HLS, 33 150 in Vitis HLS, where
    // one position's output register is 512 bits. Counted in the FF fit by res_out_all_bits in
    // place of res_out_bits (LUT unchanged): held-out public FF 41.1/21.3 -> 39.7/24.7%, because
    // the per-DSP FF of Resource layers that had carried that design fell from 24 to 8 FF per DSP
    // in the fold without the DNNonSilicon designs (their 576-DSP streamed dense: 180% -> 103%).
    return {
      ...scaled,
      features: { ...scaled.features, res_out_all_bits: (scaled.features.res_out_bits ?? 0) * out.pix },
      ffExclude: ['res_out_bits'],
    };
  }
  if (strategy === 'latency' && a.op === 'Conv' && out.pix > 1) {
    // io_parallel Latency convolution: hls4ml pipelines the whole layer at II = reuse factor
    // (conv_1d/2d_latency_cl, pointwise: PIPELINE II=reuse_factor over unrolled output positions),
    // so every position is computed in the same interval, not one after the other.
    const interval = Math.max(1, Math.round(c.ii / out.pix));
    const rf = c.reuse ?? 1;
    return { ...scaled, cycles: rf > 1 ? interval : 0, ii: rf > 1 ? interval : 1 };
  }
  return scaled;
};

const modelBatchNorm: LayerModel = (e) => {
  const { g, l, ctx, typer, stream, inT, setResult, outN, streamFeatures, actKey } = e;
  const sT = typer.get('scale');
  const resT = typer.get('result');
  setResult(resT);
  const n = stream ? pixels(g, l.outputs[0]).ch : outN;
  if (l.attrs.op === 'ScaleBias' && !l.weights.scale) {
    // A bias alone (an ONNX MatMul + Add, a Keras BiasAdd): the firmware's bias_only kernel adds,
    // it multiplies nothing (backends/layer-views.ts scaleBias), so no multiplier and no DSP; in
    // io_parallel it is one level of element-wise logic chained between its neighbours, like a
    // ReLU (no registers of its own: register-cuts.ts passes through it).
    return streamFeatures(
      { ...zeroCost(l), latencyTerms: { [actKey]: 1 }, features: { add_bits: n * resT.w, out_bits: n * resT.w, k_elem: 1 }, ...(stream ? {} : { chained: true }) },
      resT.w,
    );
  }
  const lut = isLutProduct(inT.w, sT.w, ctx);
  const c: LayerCost = {
    ...zeroCost(l),
    multipliers: n,
    dsp: lut ? 0 : n * dspPerProduct(inT.w, sT.w, ctx.dspKind),
    latencyTerms: { mul_ns: 1 },
    features: { mul_lut_bits: lut ? n * inT.w * sT.w : 0, mul_dsp: lut ? 0 : n, add_bits: n * resT.w, out_bits: n * resT.w, k_elem: 1 },
  };
  return streamFeatures(c, resT.w);
};

const modelActivation: LayerModel = (e) => {
  const { g, l, typer, stream, inT, setResult, actKey, outN, streamFeatures } = e;
  const a = l.attrs as AttrsOf<'Activation'>;
  const resT = typer.get('result');
  setResult(resT);
  const n = stream ? pixels(g, l.outputs[0]).ch : outN;
  if (TABLE_ACTIVATIONS.has(a.activation)) {
    const size = l.tableSize ?? DEFAULT_TABLE_SIZE;
    const tT = typer.get('table', DEFAULT_TABLE_TYPE);
    // One ROM copy per two parallel lookups (dual-port BRAM).
    const bram = Math.ceil(n / 2) * bramFor(size, tT.w);
    const c: LayerCost = {
      ...zeroCost(l, [`${n} lookups into a ${size} x ${tT.w}-bit table`]),
      bram_18k: bram,
      latencyTerms: { table_c: 1 },
      features: { table_lookups: n, table_idx_bits: n * inT.w, out_bits: n * resT.w, k_table: 1 },
    };
    return streamFeatures(c, resT.w);
  }
  const c: LayerCost = {
    ...zeroCost(l),
    latencyTerms: { [actKey]: 1 },
    features: { act_bits: n * inT.w, act_elems: n, k_act: 1, ...(a.activation === 'prelu' ? { mul_lut_bits: n * inT.w * 4 } : {}) },
    ...(stream ? {} : { chained: true }),
  };
  return streamFeatures(c, resT.w);
};

const modelSoftmax: LayerModel = (e) => {
  const { g, l, ctx, typer, stream, setResult, outN, streamFeatures } = e;
  const resT = typer.get('result');
  setResult(resT);
  const n = stream ? pixels(g, l.outputs[0]).ch : outN;
  const expT = typer.get('exp_table', DEFAULT_TABLE_TYPE);
  const invT = typer.get('inv_table', DEFAULT_TABLE_TYPE);
  const size = l.tableSize ?? DEFAULT_TABLE_SIZE;
  const bram = Math.ceil(n / 2) * bramFor(size, expT.w) + bramFor(size, invT.w);
  const lut = isLutProduct(expT.w, invT.w, ctx);
  const c: LayerCost = {
    ...zeroCost(l, [`softmax over ${n}: ${n} exp lookups, 1 inverse lookup, ${n} multiplications`]),
    multipliers: n,
    dsp: lut ? 0 : n * dspPerProduct(expT.w, invT.w, ctx.dspKind),
    bram_18k: bram,
    // Two table reads in sequence (exp, then 1/sum: a ROM read is a registered cycle at any clock),
    // the sum's adder tree and the final product in nanoseconds, the rest of its logic (max and
    // differences of the stable implementation, table index arithmetic) as a fitted chain in
    // nanoseconds (softmax_ns), so it takes fewer cycles at a slow clock (4-5 cycles for a whole
    // 4-128-3 MLP with softmax at 25 ns), and a few cycles of control (softmax_c).
    latencyTerms: { softmax_c: 1, table_c: 2, add_ns: Math.ceil(Math.log2(Math.max(2, n))), mul_ns: 1, softmax_ns: 1 },
    // softmax_elems: the registers each element keeps along the softmax pipeline (its exp lookup,
    // its share of the sum, its product by the inverse), FF only (FF_ONLY in calibrate.ts).
    features: { table_lookups: n + 1, add_bits: n * expT.w, mul_dsp: lut ? 0 : n, mul_lut_bits: lut ? n * expT.w * invT.w : 0, out_bits: n * resT.w, k_table: 1, softmax_elems: n },
  };
  return streamFeatures(c, resT.w);
};

const modelPool: LayerModel = (e) => {
  const { g, l, typer, stream, inT, setResult, outN, inN, streamFeatures } = e;
  const a = l.attrs as AttrsOf<'Pool' | 'GlobalPool'>;
  const resT = typer.get('result', inT);
  const accT = a.mode === 'avg' ? typer.get('accum', inT) : inT;
  setResult(resT);
  const window = a.op === 'Pool' ? a.pool.reduce((x, y) => x * y, 1) : Math.max(1, inN / Math.max(1, pixels(g, l.inputs[0]).ch));
  // Streamed: one output pixel's comparators / adders (all channels), fed by a line buffer.
  const pooled = stream ? pixels(g, l.outputs[0]).ch : outN;
  const c: LayerCost = {
    ...zeroCost(l),
    // io_parallel: log2(window) comparator / adder levels in nanoseconds, chained into the clock
    // period like an adder tree (a whole-cycle pool_c, decided without the CI pooling designs by
    // one 10-pixel global pooling, gave their 2-element windows 4 cycles where the reports have 0).
    // A comparator is a subtraction's carry chain: each level takes an adder level's time (add_ns),
    // not a constant of its own that the few pooling designs would decide alone.
    latencyTerms: stream ? { stream_c: 1 } : { add_ns: Math.ceil(Math.log2(Math.max(2, window))) },
    cycles: stream ? pixels(g, l.inputs[0]).pix : 0,
    ii: stream ? pixels(g, l.inputs[0]).pix + 1 : 1,
    ...(stream ? { pixelStream: pixels(g, l.inputs[0]).pix > 1 } : {}),
    // Window bits: an average adds them (one adder bit each); a maximum compares and selects
    // (a comparator and a 2:1 mux bit each, about twice the LUTs: the CI max-pooling designs take
    // 1.7-2.3x the LUTs of the same average pooling). The window's registers are alike.
    features: {
      [a.mode === 'max' ? 'pool_cmp_bits' : 'pool_bits']: pooled * window * accT.w,
      out_bits: pooled * resT.w,
      k_pool: 1,
      ...(stream && a.op === 'Pool' ? { linebuf_bits: lineBufferBits(g, l, a.pool, inT.w) } : {}),
    },
  };
  return streamFeatures(c, resT.w);
};

const modelMerge: LayerModel = (e) => {
  const { l, typer, inT, setResult, actKey, outN, streamFeatures } = e;
  const resT = typer.get('result', inT);
  setResult(resT);
  const c: LayerCost = { ...zeroCost(l), latencyTerms: { [actKey]: 1 }, features: { add_bits: outN * resT.w, k_act: 1 } };
  return streamFeatures(c, resT.w);
};

const modelQuant: LayerModel = (e) => {
  const { l, typer, inT, setResult } = e;
  const resT = typer.get('result', inT);
  setResult(resT);
  return zeroCost(l, ['quantizer folded into the neighbouring layers']);
};

const modelWiring: LayerModel = (e) => {
  const { l, stream, inT, setResult, streamFeatures } = e;
  const a = l.attrs;
  // Reshape, Flatten, Transpose, Concat, Pad, Crop, Resize, Identity, Dropout: wiring only.
  const t = l.precision.result;
  setResult(t && !isAuto(t) ? t : inT);
  const c = zeroCost(l);
  // Reshape and flatten are not layers in hls4ml's firmware (a stream is reinterpreted, or a
  // repack_stream is written, which the design lists as such); the others move data.
  const wiring = a.op === 'Reshape' || a.op === 'Flatten' || a.op === 'Identity' || a.op === 'Dropout';
  return stream && !wiring ? streamFeatures(c, inT.w) : c;
};

/** Recurrent, LayerNorm and attention layers: their own models (sequence.ts), streamed like the rest. */
const modelSequence: LayerModel = (e) => {
  const c = SEQUENCE_COSTS[e.l.attrs.op]!(e.g, e.l, { ctx: e.ctx, typer: e.typer, inT: e.inT, setResult: e.setResult });
  return e.streamFeatures(c, e.typer.get('result').w);
};

/** IR op -> its cost model. */
export const LAYER_MODELS: Readonly<Record<OpKind, LayerModel>> = {
  Input: modelInput,
  Dense: modelDense,
  Conv: modelConv,
  DepthwiseConv: modelConv,
  BatchNorm: modelBatchNorm,
  ScaleBias: modelBatchNorm,
  Activation: modelActivation,
  Softmax: modelSoftmax,
  Pool: modelPool,
  GlobalPool: modelPool,
  Merge: modelMerge,
  Quant: modelQuant,
  Reshape: modelWiring,
  Flatten: modelWiring,
  Transpose: modelWiring,
  Concat: modelWiring,
  Pad: modelWiring,
  Crop: modelWiring,
  Resize: modelWiring,
  Identity: modelWiring,
  Dropout: modelWiring,
  GRU: modelSequence,
  LSTM: modelSequence,
  SimpleRNN: modelSequence,
  LayerNorm: modelSequence,
  MultiHeadAttention: modelSequence,
};

/** The structural cost of one layer. Records its result type in ctx.tensorTypes. */
export function layerCost(g: Graph, l: Layer, ctx: ModelContext): LayerCost {
  const typer = new Typer(l);
  const a = l.attrs;
  const stream = ctx.ioType === 'io_stream';
  const inT = inputType(g, l, ctx);
  const setResult = (t: FixedType) => {
    for (const o of l.outputs) ctx.tensorTypes.set(o, t);
  };
  // Element-wise layers after a Resource-strategy layer run as their own loop (a cycle or more);
  // after an unrolled Latency-strategy layer they fold into its pipeline.
  const upstream = ctx.tensorStrategy?.get(l.inputs[0] ?? '');
  const multiplies = a.op === 'Dense' || a.op === 'Conv' || a.op === 'DepthwiseConv';
  const own: Strategy | undefined = multiplies ? (l.strategy ?? ctx.strategy) : upstream;
  if (own) for (const o of l.outputs) ctx.tensorStrategy?.set(o, own);
  const actKey = upstream === 'resource' ? 'act_res_c' : 'act_c';
  const outN = elems(g, l.outputs[0]);
  const inN = elems(g, l.inputs[0]);
  const streamFeatures = (c: LayerCost, w: number): LayerCost => {
    if (!stream) return c;
    const { pix, ch } = pixels(g, l.outputs[0]);
    // FIFO between layers: one word of (channels x width) bits per pixel, as deep as the feature
    // map (hls4ml's default stream depth). Deep, wide FIFOs go to BRAM, small ones to shift
    // registers; a graph output is a top-level port, not a FIFO.
    const isPort = g.outputs.includes(l.outputs[0] ?? '');
    const bits = pix * ch * w;
    const fifoBram = !isPort && pix > SRL_MAX_DEPTH && bits > SRL_MAX_BITS ? bramFor(pix, ch * w) : 0;
    const notes = fifoBram ? [...c.notes, `output FIFO ${pix} x ${ch * w} bits in ${fifoBram} BRAM_18K`] : c.notes;
    // A layer on a feature map handles one pixel (all channels) per cycle: its streaming time is
    // the pixel count and its logic is one pixel wide, however large the map. Only FIFOs left in
    // shift registers cost LUTs; deep ones are the BRAM counted above.
    const perPixel = pix > 1 && !c.pixelStream && c.cycles === 0 ? { cycles: pix, ii: pix, pixelStream: true } : {};
    return {
      ...c,
      ...perPixel,
      bram_18k: c.bram_18k + fifoBram,
      notes,
      features: { ...c.features, fifo_bits: isPort || fifoBram ? 0 : bits, move_bits: ch * w, k_stream: 1 },
    };
  };
  return LAYER_MODELS[a.op]({ g, l, ctx, typer, stream, inT, setResult, actKey, outN, inN, streamFeatures });
}
