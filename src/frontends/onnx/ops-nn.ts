/**
 * @fileoverview ONNX op handlers for the compute ops: Gemm, MatMul, Conv (standard and the QONNX
 * channels-last variant), pooling, BatchNormalization, activations, Softmax.
 */

import type { ActivationKind, LayerAttrs, Padding2D } from '../../ir/graph.js';
import type { ConstValue, DynValue } from './builder.js';
import { broadcastTo, canonicalPerm, channelsLastPerm, constInLayout, identity, transposeData } from './builder.js';
import type { Handler, OpCtx } from './context.js';
import { constIn, dynIn, emit, optConst, quantOf, sameLayout, unsupported, unsupportedAttr, weight, weightOf, windowAttrsOk } from './context.js';

const ZERO_PADS: Padding2D = { top: 0, bottom: 0, left: 0, right: 0 };

/** Gemm: Y = alpha * A' * B' + beta * C, with B and C constant, becomes a Dense layer. */
export const gemm: Handler = (c) => {
  let A = dynIn(c, 0, 'A');
  const B = constIn(c, 1, 'B (weights)');
  const C = optConst(c, 2, 'C (bias)');
  if (!A || !B || C === undefined) return undefined;
  if (A.shape.length !== 2 || B.t.shape.length !== 2) return void unsupported(c, 'only 2-D Gemm is supported');
  const alpha = c.a.float('alpha', 1);
  const beta = c.a.float('beta', 1);
  if (c.a.int('transA', 0)) A = relabel(A, [1, 0]);
  if (A.shape[0] !== 1) return void unsupported(c, `the rows of A (${A.shape[0]}) must be the batch (1)`);
  const K = A.shape[1]!;
  const wt = c.a.int('transB', 0) ? transposeData(B.t.data, B.t.shape, [1, 0]) : B.t.data;
  const [k2, N] = c.a.int('transB', 0) ? [B.t.shape[1]!, B.t.shape[0]!] : [B.t.shape[0]!, B.t.shape[1]!];
  if (k2 !== K) return void unsupported(c, `A has ${K} columns but B has ${k2} rows`);
  const kernel = Float64Array.from(wt, (x) => x * alpha);
  const weights: Record<string, ReturnType<typeof weight>> = { kernel: weight([K, N], kernel) };
  if (C) {
    const bias = broadcastTo(C.t, [1, N]);
    if (!bias) return void unsupported(c, `C of shape [${C.t.shape.join(', ')}] does not broadcast to [1, ${N}]`);
    weights.bias = weight([N], Float64Array.from(bias, (x) => x * beta));
  }
  const ir = c.b.toLayout(A, [1], c);
  if (!ir) return undefined;
  // Scaled weights (alpha, beta != 1) are no longer on the quantizer's grid: no fact then.
  const quant =
    alpha === 1 && beta === 1
      ? quantOf([
          ['kernel', B, (a) => (c.a.int('transB', 0) ? transposeData(a, B.t.shape, [1, 0]) : a), N],
          ['bias', C, (a) => broadcastTo({ ...C!.t, data: a }, [1, N])!, N],
        ])
      : {};
  return [emit(c, { op: 'Dense', nIn: K, nOut: N }, [ir], { rank: 2, batch: 0, perm: [1] }, { weights, quant })];
};

/** MatMul by a constant matrix: a Dense layer without bias (a following Add stays a ScaleBias). */
export const matmul: Handler = (c) => {
  const A = dynIn(c, 0, 'A');
  if (!A) return undefined;
  const B = constIn(c, 1, 'B (weights)');
  if (!B) return undefined;
  if (B.t.shape.length !== 2) return void unsupported(c, `B must be a 2-D matrix, got [${B.t.shape.join(', ')}]`);
  const [K, N] = B.t.shape as [number, number];
  const r = A.shape.length;
  if (A.shape[r - 1] !== K) return void unsupported(c, `A's last dimension ${A.shape[r - 1]} != B's rows ${K}`);
  // Dense works on the last IR axis; keep the others in the model's own order.
  let perm = canonicalPerm(A);
  if (!perm.includes(r - 1)) perm = [...perm, r - 1];
  perm = [...perm.filter((p) => p !== r - 1), r - 1];
  const ir = c.b.toLayout(A, perm, c);
  if (!ir) return undefined;
  return [emit(c, { op: 'Dense', nIn: K, nOut: N }, [ir], { rank: r, batch: A.batch, perm }, { weights: { kernel: weightOf([K, N], B.t) }, quant: quantOf([['kernel', B, undefined, N]]) })];
};

/** Explicit pads from ONNX pads / auto_pad, per spatial dim [begin, end]. */
function resolvePads(c: OpCtx, spatial: number[], kernel: number[], strides: number[], dil: number[]): [number, number][] | undefined {
  const n = spatial.length;
  const auto = c.a.str('auto_pad', 'NOTSET');
  if (auto === 'NOTSET') {
    const p = c.a.ints('pads') ?? new Array(2 * n).fill(0);
    if (p.length !== 2 * n) return void unsupportedAttr(c, 'pads', `${p.length} values for ${n} spatial dims`, `${2 * n} values`);
    if (p.some((x) => !Number.isSafeInteger(x) || x < 0)) return void unsupportedAttr(c, 'pads', `[${p.join(', ')}]`, 'integers >= 0');
    return identity(n).map((d) => [p[d]!, p[d + n]!]);
  }
  if (auto === 'VALID') return identity(n).map(() => [0, 0]);
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER')
    return identity(n).map((d) => {
      const eff = dil[d]! * (kernel[d]! - 1) + 1;
      const out = Math.ceil(spatial[d]! / strides[d]!);
      const total = Math.max(0, (out - 1) * strides[d]! + eff - spatial[d]!);
      const small = Math.floor(total / 2);
      return auto === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
    });
  return void unsupportedAttr(c, 'auto_pad', `"${auto}"`, 'NOTSET, VALID, SAME_UPPER, SAME_LOWER');
}

function pads2d(p: [number, number][]): Padding2D {
  return p.length === 1 ? { top: 0, bottom: 0, left: p[0]![0], right: p[0]![1] } : { top: p[0]![0], bottom: p[0]![1], left: p[1]![0], right: p[1]![1] };
}

/** Conv (NCHW, OIHW weights) and the QONNX channels-last Conv (NHWC, OHWI weights). */
function convHandler(channelsLast: boolean): Handler {
  return (c) => {
    const X = dynIn(c, 0, 'X');
    const W = constIn(c, 1, 'W (weights)');
    const B = optConst(c, 2, 'B (bias)');
    if (!X || !W || B === undefined) return undefined;
    const r = X.shape.length;
    if (r !== 3 && r !== 4) return void unsupported(c, `${r - 2}-D convolution`, 'Conv 1D (N,C,W) and 2D (N,C,H,W) are supported');
    if (X.batch !== 0) return void unsupported(c, 'the batch must be the first axis');
    const dims = (r - 2) as 1 | 2;
    const xPerm = channelsLast ? identity(r).slice(1) : channelsLastPerm(r);
    const spatial = xPerm.slice(0, dims).map((a) => X.shape[a]!);
    const cIn = X.shape[xPerm[dims]!]!;
    const ws = W.t.shape;
    if (ws.length !== r) return void unsupported(c, `weights of rank ${ws.length} for a rank-${r} input`);
    const cOut = ws[0]!;
    const kernel = channelsLast ? ws.slice(1, 1 + dims) : ws.slice(2);
    const wIn = channelsLast ? ws[r - 1]! : ws[1]!;
    const ks = c.a.ints('kernel_shape');
    if (ks && ks.some((k, d) => k !== kernel[d])) return void unsupportedAttr(c, 'kernel_shape', `[${ks}] differs from the weights [${kernel}]`, 'kernel_shape equal to the weight shape');
    const group = c.a.int('group', 1);
    const strides = c.a.ints('strides') ?? new Array(dims).fill(1);
    const dil = c.a.ints('dilations') ?? new Array(dims).fill(1);
    if (!windowAttrsOk(c, dims, { strides, dilations: dil, kernel_shape: kernel })) return undefined;
    if (!Number.isSafeInteger(group) || group < 1) return void unsupportedAttr(c, 'group', String(group), 'a positive integer');
    if (cIn % group || cOut % group || wIn * group !== cIn) return void unsupported(c, `group ${group} with ${cIn} input / ${cOut} output channels and weights [${ws}]`);
    const p = channelsLast ? (() => {
      const q = c.a.ints('pads') ?? new Array(2 * dims).fill(0);
      return identity(dims).map((d) => [q[d]!, q[d + dims]!] as [number, number]);
    })() : resolvePads(c, spatial, kernel, strides, dil);
    if (!p) return undefined;
    const pads = pads2d(p);
    const ir = c.b.toLayout(X, xPerm, c);
    if (!ir) return undefined;
    // Weights to Keras layouts. Depthwise: ONNX output channel ci*mult+m reads input channel ci.
    const depthwise = group === cIn && group > 1;
    let kshape: number[];
    let kdata: Float64Array;
    const spatialAxes = channelsLast ? identity(dims).map((d) => d + 1) : identity(dims).map((d) => d + 2);
    let relayout: (a: Float64Array) => Float64Array;
    if (depthwise) {
      const mult = cOut / cIn;
      // [cIn*mult, (1), k..., (1)] -> [cIn, mult, k...] -> [k..., cIn, mult]
      const base = [cIn, mult, ...kernel];
      relayout = (a) => transposeData(a, base, [...identity(dims).map((d) => d + 2), 0, 1]);
      kshape = [...kernel, cIn, mult];
    } else {
      const inAxis = channelsLast ? r - 1 : 1;
      relayout = (a) => transposeData(a, ws, [...spatialAxes, inAxis, 0]);
      kshape = [...kernel, wIn, cOut];
    }
    kdata = relayout(W.t.data);
    const weights: Record<string, ReturnType<typeof weight>> = { kernel: weight(kshape, kdata) };
    if (B) {
      if (B.t.data.length !== cOut) return void unsupported(c, `bias has ${B.t.data.length} values for ${cOut} output channels`);
      weights.bias = weightOf([cOut], B.t);
    }
    const attrs: LayerAttrs = depthwise
      ? { op: 'DepthwiseConv', dims, kernel, strides, dilations: dil, pads, cIn, depthMultiplier: cOut / cIn }
      : { op: 'Conv', dims, kernel, strides, dilations: dil, pads, cIn, cOut, groups: group };
    return [emit(c, attrs, [ir], { rank: r, batch: 0, perm: xPerm }, { weights, quant: quantOf([['kernel', W, relayout, kshape[kshape.length - 1]], ['bias', B]]) })];
  };
}
export const conv = convHandler(false);
export const convChannelsLast = convHandler(true);

function poolHandler(mode: 'max' | 'avg', channelsLast: boolean): Handler {
  return (c) => {
    const X = dynIn(c, 0, 'X');
    if (!X) return undefined;
    const r = X.shape.length;
    if (r !== 3 && r !== 4) return void unsupported(c, `${r - 2}-D pooling`, '1D and 2D pooling are supported');
    if (X.batch !== 0) return void unsupported(c, 'the batch must be the first axis');
    if (c.outs.length > 1 && c.usedOutputs.has(c.outs[1]!)) return void unsupported(c, 'the Indices output is used');
    const dims = (r - 2) as 1 | 2;
    const xPerm = channelsLast ? identity(r).slice(1) : channelsLastPerm(r);
    const spatial = xPerm.slice(0, dims).map((a) => X.shape[a]!);
    const pool = c.a.ints('kernel_shape');
    if (!pool || pool.length !== dims) return void unsupportedAttr(c, 'kernel_shape', `missing or not ${dims} values`, `${dims} values`);
    const strides = c.a.ints('strides') ?? new Array(dims).fill(1);
    const dil = c.a.ints('dilations') ?? new Array(dims).fill(1);
    if (!windowAttrsOk(c, dims, { strides, kernel_shape: pool })) return undefined;
    if (dil.some((d) => d !== 1)) return void unsupportedAttr(c, 'dilations', `[${dil}]`, 'all 1');
    const p = resolvePads(c, spatial, pool, strides, dil);
    if (!p) return undefined;
    if (c.a.int('ceil_mode', 0)) {
      const differs = spatial.some((s, d) => (s + p[d]![0] + p[d]![1] - pool[d]!) % strides[d]! !== 0);
      if (differs) return void unsupportedAttr(c, 'ceil_mode', '1 with a partial last window', 'ceil_mode 0 (or sizes where it makes no difference)');
    }
    const ir = c.b.toLayout(X, xPerm, c);
    if (!ir) return undefined;
    const countIncludePad = mode === 'avg' && c.a.int('count_include_pad', 0) === 1;
    return [emit(c, { op: 'Pool', dims, mode, pool, strides, pads: pads2d(p), countIncludePad }, [ir], { rank: r, batch: 0, perm: xPerm })];
  };
}
export const maxPool = poolHandler('max', false);
export const avgPool = poolHandler('avg', false);
export const maxPoolChannelsLast = poolHandler('max', true);

function globalPool(mode: 'max' | 'avg'): Handler {
  return (c) => {
    const X = dynIn(c, 0, 'X');
    if (!X) return undefined;
    const r = X.shape.length;
    if (r !== 3 && r !== 4) return void unsupported(c, `${r - 2}-D global pooling`);
    if (X.batch !== 0) return void unsupported(c, 'the batch must be the first axis');
    const ir = c.b.toLayout(X, channelsLastPerm(r), c);
    if (!ir) return undefined;
    // ONNX keeps the spatial axes as size 1; the IR holds only [C].
    return [emit(c, { op: 'GlobalPool', dims: (r - 2) as 1 | 2, mode }, [ir], { rank: r, batch: 0, perm: [1] })];
  };
}
export const globalAvgPool = globalPool('avg');
export const globalMaxPool = globalPool('max');

/**
 * BatchNormalization (inference). The channel axis is ONNX axis 1; when that axis is the batch
 * (onnxmltools wraps BN on (1,N) tensors in Transposes, so the features sit on axis 0), the one
 * stored axis whose size matches the statistics is the channel axis.
 */
export const batchNorm: Handler = (c) => batchNormOn(c, false);
/** qonnx.custom_op.channels_last BatchNormalization: the channel is the last axis. */
export const batchNormChannelsLast: Handler = (c) => batchNormOn(c, true);

function batchNormOn(c: OpCtx, channelsLast: boolean): ReturnType<Handler> {
  const X = dynIn(c, 0, 'X');
  const st = [1, 2, 3, 4].map((k) => constIn(c, k, ['scale', 'B', 'mean', 'var'][k - 1]!));
  if (!X || st.some((s) => !s)) return undefined;
  const [gamma, beta, mean, vari] = st as ConstValue[];
  if (c.outs.slice(1).some((o) => c.usedOutputs.has(o)) || c.a.int('training_mode', 0))
    return void unsupported(c, 'training-mode outputs (running mean/var) are used', 'inference BatchNormalization only');
  const C = gamma!.t.data.length;
  const want = channelsLast ? X.shape.length - 1 : 1;
  let axis = X.shape.length > 1 && X.batch !== want && X.shape[want] === C ? want : -1;
  if (axis < 0) {
    const cands = X.perm.filter((p) => X.shape[p] === C);
    if (cands.length !== 1) return void unsupported(c, `cannot tell the channel axis of [${X.shape}] for ${C} statistics`);
    axis = cands[0]!;
  }
  const perm = [...canonicalPerm(X).filter((p) => p !== axis), axis];
  const ir = c.b.toLayout(X, perm, c);
  if (!ir) return undefined;
  for (const s of [beta, mean, vari]) if (s!.t.data.length !== C) return void unsupported(c, 'scale, B, mean and var differ in length');
  const w = (s: ConstValue) => weight([C], Float64Array.from(s.t.data));
  return [
    emit(c, { op: 'BatchNorm', epsilon: c.a.float('epsilon', 1e-5) }, [ir], { rank: X.shape.length, batch: X.batch, perm }, {
      weights: { gamma: w(gamma!), beta: w(beta!), mean: w(mean!), variance: w(vari!) },
      quant: quantOf([['gamma', gamma], ['beta', beta]]),
    }),
  ];
}

/** Elementwise activations with their ONNX defaults. */
function activation(kind: ActivationKind, params: (c: OpCtx) => Record<string, number> = () => ({})): Handler {
  return (c) => {
    const X = dynIn(c, 0, 'X');
    if (!X) return undefined;
    return [emit(c, { op: 'Activation', activation: kind, ...params(c) } as LayerAttrs, [X.ir], sameLayout(X))];
  };
}

export const ACTIVATIONS: Record<string, Handler> = {
  Relu: activation('relu'),
  LeakyRelu: activation('leaky_relu', (c) => ({ alpha: c.a.float('alpha', 0.01) })),
  Elu: activation('elu', (c) => ({ alpha: c.a.float('alpha', 1) })),
  // gamma is stored as beta (the IR has no gamma slot).
  Selu: activation('selu', (c) => ({ alpha: c.a.float('alpha', 1.67326319217681884765625), beta: c.a.float('gamma', 1.05070102214813232421875) })),
  Sigmoid: activation('sigmoid'),
  HardSigmoid: activation('hard_sigmoid', (c) => ({ slope: c.a.float('alpha', 0.2), shift: c.a.float('beta', 0.5) })),
  Tanh: activation('tanh'),
  Softplus: activation('softplus'),
  Softsign: activation('softsign'),
  ThresholdedRelu: activation('thresholded_relu', (c) => ({ theta: c.a.float('alpha', 1) })),
};

/** PRelu with a constant slope: per channel (last IR axis), scalar, or full tensor. */
export const prelu: Handler = (c) => {
  const X = dynIn(c, 0, 'X');
  const S = constIn(c, 1, 'slope');
  if (!X || !S) return undefined;
  const s = constInLayout(S.t, X);
  if (!s) return void unsupported(c, `slope of shape [${S.t.shape}] does not broadcast to [${X.shape}]`);
  return [emit(c, { op: 'Activation', activation: 'prelu' }, [X.ir], sameLayout(X), { weights: { alpha: weight(s.shape, s.data) }, quant: quantOf([['alpha', S, (a) => constInLayout({ ...S.t, data: a }, X)!.data, s.shape[s.shape.length - 1]]]) })];
};

/** Clip: bounds from attributes (opset < 11) or constant inputs; 0..6 is relu6. */
export const clip: Handler = (c) => {
  const X = dynIn(c, 0, 'X');
  if (!X) return undefined;
  let min: number | undefined;
  let max: number | undefined;
  if (c.opset < 11) {
    min = c.a.float('min');
    max = c.a.float('max');
  } else {
    const lo = optConst(c, 1, 'min');
    const hi = optConst(c, 2, 'max');
    if (lo === undefined || hi === undefined) return undefined;
    if ((lo && lo.t.data.length !== 1) || (hi && hi.t.data.length !== 1)) return void unsupported(c, 'min/max must be scalars');
    min = lo ? lo.t.data[0] : undefined;
    max = hi ? hi.t.data[0] : undefined;
  }
  let attrs: LayerAttrs;
  if (min === 0 && max === 6) attrs = { op: 'Activation', activation: 'relu6' };
  else if (min === 0 && max === undefined) attrs = { op: 'Activation', activation: 'relu' };
  else attrs = { op: 'Activation', activation: 'clip', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  return [emit(c, attrs, [X.ir], sameLayout(X))];
};

/**
 * Softmax over one axis. Before opset 13 ONNX Softmax flattens all axes from `axis` on; that is
 * one IR axis as long as at most one of them has size > 1.
 */
export const softmax: Handler = (c) => {
  const X = dynIn(c, 0, 'X');
  if (!X) return undefined;
  const r = X.shape.length;
  const raw = c.a.int('axis', c.opset < 13 ? 1 : -1);
  const axis = raw < 0 ? raw + r : raw;
  if (axis < 0 || axis >= r) return void unsupportedAttr(c, 'axis', `${raw} for a rank-${r} tensor`, `-${r}..${r - 1}`);
  const involved = c.opset < 13 ? identity(r).slice(axis) : [axis];
  const big = involved.filter((a) => X.shape[a]! > 1);
  if (big.length > 1) return void unsupported(c, `softmax over several axes [${big}] of [${X.shape}]`, 'softmax over one axis');
  const target = big[0] ?? involved[involved.length - 1]!;
  let perm = [...X.perm];
  let ir: string | undefined = X.ir;
  if (!perm.includes(target)) {
    perm = [...perm, target];
    ir = c.b.toLayout(X, perm, c);
    if (!ir) return undefined;
  }
  const irAxis = perm.indexOf(target);
  return [emit(c, { op: 'Softmax', axis: irAxis === perm.length - 1 ? -1 : irAxis }, [ir], { rank: r, batch: X.batch, perm })];
};

/** The new layout of a tensor after an ONNX Transpose(p): no data moves. */
export function relabel(v: DynValue, p: readonly number[]): DynValue {
  const inv = new Array<number>(p.length);
  p.forEach((src, dst) => (inv[src] = dst));
  return { kind: 'dyn', ir: v.ir, shape: p.map((a) => v.shape[a]!), batch: v.batch < 0 ? -1 : inv[v.batch]!, perm: v.perm.map((a) => inv[a]!) };
}

