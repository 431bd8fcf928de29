/**
 * @fileoverview ONNX op handlers for elementwise arithmetic, layout and shape ops (Add/Sub/Mul/Div,
 * Concat, Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Identity, Dropout, Resize, Pad) and
 * constant folding (Constant, Shape, Gather, Cast, and any of the above on constants).
 */

import type { LayerAttrs, Padding2D } from '../../ir/graph.js';
import { numel } from '../../ir/graph.js';
import type { ConstValue, DynValue, Value } from './builder.js';
import { broadcastTo, canonicalPerm, constInLayout, identity, sameList, transposeData } from './builder.js';
import type { Handler, OpCtx } from './context.js';
import { constIn, dynIn, emit, isIntType, normAxis, optConst, quantOf, sameLayout, unsupported, unsupportedAttr, weight } from './context.js';
import { DT } from './proto.js';
import { relabel } from './ops-nn.js';

const cst = (shape: number[], data: Float64Array, dataType: number = DT.FLOAT): ConstValue => ({ kind: 'const', t: { shape, data, dataType } });

function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < r; k++) {
    const x = a[a.length - r + k] ?? 1;
    const y = b[b.length - r + k] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(Math.max(x, y));
  }
  return out;
}

const ARITH: Record<string, (x: number, y: number) => number> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
  Div: (x, y) => x / y,
};

/** Add / Sub / Mul / Div: folded on constants, ScaleBias with one constant, Merge on two tensors. */
export const arith: Handler = (c) => {
  const [x, y] = c.ins;
  if (!x || !y) return void unsupported(c, 'needs two inputs');
  const f = ARITH[c.opType]!;
  if (x.kind === 'const' && y.kind === 'const') {
    const shape = broadcastShape(x.t.shape, y.t.shape);
    if (!shape) return void unsupported(c, 'constant shapes do not broadcast');
    const a = broadcastTo(x.t, shape)!;
    const b = broadcastTo(y.t, shape)!;
    let data = a.map((v, k) => f(v, b[k]!));
    if (c.opType === 'Div' && isIntType(x.t.dataType)) data = data.map(Math.trunc);
    return [cst(shape, data, x.t.dataType)];
  }
  if (x.kind === 'dyn' && y.kind === 'dyn') return mergeTwo(c, x, y);
  const dynFirst = x.kind === 'dyn';
  const v = dynIn(c, dynFirst ? 0 : 1);
  const k = constIn(c, dynFirst ? 1 : 0, 'constant operand');
  if (!v || !k) return undefined;
  const bs = broadcastShape(v.shape, k.t.shape);
  if (!bs || !sameList(bs, v.shape)) return void unsupported(c, `the constant [${k.t.shape}] would broadcast the tensor [${v.shape}] to a larger shape`);
  const kc = constInLayout(k.t, v);
  if (!kc) return void unsupported(c, `constant of shape [${k.t.shape}] does not broadcast to [${v.shape}]`);
  const neg = (d: Float64Array) => d.map((z) => -z);
  const ones = (n: number) => new Float64Array(n).fill(1);
  let weights: Record<string, ReturnType<typeof weight>>;
  let role: string;
  switch (c.opType) {
    case 'Add':
      weights = { bias: weight(kc.shape, kc.data) };
      role = 'bias';
      break;
    case 'Sub':
      weights = dynFirst ? { bias: weight(kc.shape, neg(kc.data)) } : { scale: weight([1], ones(1).map((z) => -z)), bias: weight(kc.shape, kc.data) };
      role = 'bias';
      break;
    case 'Mul':
      weights = { scale: weight(kc.shape, kc.data) };
      role = 'scale';
      break;
    default:
      if (!dynFirst) return void unsupported(c, 'a constant divided by a tensor', 'division by a constant');
      weights = { scale: weight(kc.shape, kc.data.map((z) => 1 / z)) };
      role = 'scale';
  }
  const quant = c.opType === 'Div' ? {} : quantOf([[role, k, (a) => constInLayout({ ...k.t, data: a }, v)!.data, kc.shape[kc.shape.length - 1]]]);
  return [emit(c, { op: 'ScaleBias' }, [v.ir], sameLayout(v), { weights, quant })];
};

function mergeTwo(c: OpCtx, x: DynValue, y: DynValue): (Value | undefined)[] | undefined {
  const mode = ({ Add: 'add', Sub: 'sub', Mul: 'mul' } as const)[c.opType as 'Add' | 'Sub' | 'Mul'];
  if (!mode) return void unsupported(c, 'division of two computed tensors', 'Div by a constant');
  if (!sameList(x.shape, y.shape)) return void unsupported(c, `broadcasting between two computed tensors [${x.shape}] and [${y.shape}]`, 'inputs of equal shape');
  const irY = layoutLike(c, y, x);
  if (!irY) return undefined;
  return [emit(c, { op: 'Merge', mode }, [x.ir, irY], sameLayout(x))];
}

/** Sum / Max / Min / Mean of computed tensors of one shape -> Merge (a single input passes through). */
export const variadic: Handler = (c) => {
  const mode = ({ Sum: 'add', Max: 'max', Min: 'min', Mean: 'avg' } as const)[c.opType as 'Sum' | 'Max' | 'Min' | 'Mean'];
  const ds = c.ins.map((_, k) => dynIn(c, k));
  if (ds.some((d) => !d)) return undefined;
  const [first, ...rest] = ds as DynValue[];
  if (!rest.length) return [first!];
  const irs = [first!.ir];
  for (const d of rest) {
    if (!sameList(d.shape, first!.shape)) return void unsupported(c, `broadcasting between computed tensors [${first!.shape}] and [${d.shape}]`, 'inputs of equal shape');
    const ir = layoutLike(c, d, first!);
    if (!ir) return undefined;
    irs.push(ir);
  }
  return [emit(c, { op: 'Merge', mode }, irs, sameLayout(first!))];
};

/** Neg: a ScaleBias by -1. */
export const neg: Handler = (c) => {
  const v = c.ins[0];
  if (v?.kind === 'const') return [{ kind: 'const', t: { ...v.t, data: v.t.data.map((x) => -x) } }];
  const d = dynIn(c, 0, 'X');
  if (!d) return undefined;
  return [emit(c, { op: 'ScaleBias' }, [d.ir], sameLayout(d), { weights: { scale: weight([1], Float64Array.of(-1)) } })];
};

/** The IR tensor of `v` in the layout of `like` (same ONNX shape). */
function layoutLike(c: OpCtx, v: DynValue, like: DynValue): string | undefined {
  try {
    return c.b.toLayout(v, like.perm, c);
  } catch {
    unsupported(c, `inputs stored in incompatible layouts ([${v.perm}] vs [${like.perm}])`);
    return undefined;
  }
}

export const concat: Handler = (c) => {
  const ins = c.ins.filter((v): v is Value => v !== undefined);
  const r = (ins[0] as DynValue | ConstValue | undefined)?.kind === 'const' ? (ins[0] as ConstValue).t.shape.length : (ins[0] as DynValue).shape?.length ?? 0;
  const axis = normAxis(c.a.int('axis', 0), r);
  if (axis === undefined) return void unsupportedAttr(c, 'axis', `${c.a.int('axis', 0)} for rank ${r}`, `-${r}..${r - 1}`);
  if (ins.every((v) => v.kind === 'const')) {
    const ts = ins.map((v) => (v as ConstValue).t);
    const shape = [...ts[0]!.shape];
    shape[axis] = ts.reduce((s, t) => s + t.shape[axis]!, 0);
    const outer = numel(shape.slice(0, axis));
    const parts: number[] = [];
    for (let o = 0; o < outer; o++)
      for (const t of ts) {
        const inner = numel(t.shape.slice(axis));
        for (let k = 0; k < inner; k++) parts.push(t.data[o * inner + k]!);
      }
    return [cst(shape, Float64Array.from(parts), ts[0]!.dataType)];
  }
  const dyns = ins.map((_, k) => dynIn(c, k));
  if (dyns.some((d) => !d)) return undefined;
  const first = dyns[0]!;
  if (axis === first.batch) return void unsupported(c, 'concatenation along the batch axis');
  const perm = first.perm.includes(axis) ? [...first.perm] : [...first.perm, axis];
  const irs: string[] = [];
  for (const d of dyns as DynValue[]) {
    let ir: string | undefined;
    try {
      ir = c.b.toLayout(d, perm, c);
    } catch {
      return void unsupported(c, 'inputs stored in incompatible layouts');
    }
    if (!ir) return undefined;
    irs.push(ir);
  }
  const irAxis = perm.indexOf(axis);
  return [emit(c, { op: 'Concat', axis: irAxis === perm.length - 1 ? -1 : irAxis }, irs, { rank: r, batch: first.batch, perm })];
};

/** The stored axes of a freshly reshaped tensor: every non-batch axis of size > 1, in order. */
function storedAxes(shape: readonly number[], batch: number): number[] {
  const keep = identity(shape.length).filter((a) => a !== batch && shape[a]! > 1);
  return keep.length ? keep : [shape.length - 1];
}

/** Reshape of a dyn value to a full ONNX shape, in the model's row-major order. */
function reshapeTo(c: OpCtx, v: DynValue, out: number[]): (Value | undefined)[] | undefined {
  const batch = v.batch === 0 && out[0] === 1 ? 0 : -1;
  const perm = storedAxes(out, batch);
  const target = perm.map((a) => out[a]!);
  const inPerm = canonicalPerm(v);
  const ir = c.b.toLayout(v, inPerm, c);
  if (!ir) return undefined;
  const inIr = inPerm.map((a) => v.shape[a]!);
  if (sameList(inIr, target)) return [{ kind: 'dyn', ir, shape: out, batch, perm }];
  const attrs: LayerAttrs = target.length === 1 ? { op: 'Flatten' } : { op: 'Reshape' };
  return [emit(c, attrs, [ir], { rank: out.length, batch, perm }, attrs.op === 'Reshape' ? { target } : {})];
}

export const flatten: Handler = (c) => {
  const v = c.ins[0];
  if (!v) return undefined;
  const shape = v.kind === 'const' ? v.t.shape : v.kind === 'dyn' ? v.shape : undefined;
  if (!shape) return void dynIn(c, 0);
  const axis = normAxis(c.a.int('axis', 1), shape.length + 1);
  if (axis === undefined) return void unsupportedAttr(c, 'axis', String(c.a.int('axis', 1)), `-${shape.length}..${shape.length}`);
  const out = [numel(shape.slice(0, axis)), numel(shape.slice(axis))];
  if (v.kind === 'const') return [{ ...v, t: { ...v.t, shape: out } }];
  return reshapeTo(c, v as DynValue, out);
};

export const reshape: Handler = (c) => {
  const v = c.ins[0];
  const s = constIn(c, 1, 'shape');
  if (!v || !s) return undefined;
  const shape = v.kind === 'const' ? v.t.shape : v.kind === 'dyn' ? v.shape : undefined;
  if (!shape) return void dynIn(c, 0);
  const allowZero = c.a.int('allowzero', 0) === 1;
  const out = Array.from(s.t.data, (d, k) => (d === 0 && !allowZero ? shape[k]! : d));
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const m = out.indexOf(-1);
  if (m >= 0) out[m] = numel(shape) / known;
  if (numel(out) !== numel(shape) || out.some((d) => !Number.isInteger(d) || d < 0))
    return void unsupported(c, `cannot reshape [${shape}] to [${Array.from(s.t.data)}]`);
  if (v.kind === 'const') return [{ ...v, t: { ...v.t, shape: out } }];
  return reshapeTo(c, v as DynValue, out);
};

export const transpose: Handler = (c) => {
  const v = c.ins[0];
  if (!v || (v.kind !== 'const' && v.kind !== 'dyn')) return void dynIn(c, 0);
  const r = v.kind === 'const' ? v.t.shape.length : v.shape.length;
  const p = c.a.ints('perm') ?? identity(r).reverse();
  if (p.length !== r || !sameList([...p].sort((a, b) => a - b), identity(r))) return void unsupportedAttr(c, 'perm', `[${p}] for rank ${r}`, 'a permutation of the axes');
  if (v.kind === 'const') {
    const t = { ...v.t, shape: p.map((a) => v.t.shape[a]!), data: transposeData(v.t.data, v.t.shape, p) };
    if (!v.quant) return [{ kind: 'const', t }];
    // Per-element quantizer parameters move with the values.
    const move = (a: readonly number[] | undefined) => (a && a.length === v.t.data.length && a.length > 1 ? Array.from(transposeData(a, v.t.shape, p)) : a);
    const f = v.quant;
    return [{ kind: 'const', t, quant: { ...f, ...(f.scale ? { scale: move(f.scale)! } : {}), ...(f.zeroPoint ? { zeroPoint: move(f.zeroPoint)! } : {}) } }];
  }
  return [relabel(v, p)];
};

function axesArg(c: OpCtx): number[] | undefined | null {
  if (c.opset >= 13 && c.ins.length > 1) {
    const a = optConst(c, 1, 'axes');
    if (a === undefined) return undefined;
    return a ? Array.from(a.t.data) : null;
  }
  return c.a.ints('axes') ?? null;
}

export const squeeze: Handler = (c) => {
  const v = c.ins[0];
  const axesRaw = axesArg(c);
  if (!v || axesRaw === undefined) return undefined;
  const shape = v.kind === 'const' ? v.t.shape : v.kind === 'dyn' ? v.shape : undefined;
  if (!shape) return void dynIn(c, 0);
  const axes = axesRaw === null ? identity(shape.length).filter((a) => shape[a] === 1) : axesRaw.map((a) => normAxis(a, shape.length)!);
  if (axes.some((a) => a === undefined || shape[a] !== 1)) return void unsupported(c, `cannot squeeze axes [${axesRaw}] of [${shape}]`);
  const keep = identity(shape.length).filter((a) => !axes.includes(a));
  const out = keep.map((a) => shape[a]!);
  if (v.kind === 'const') return [{ ...v, t: { ...v.t, shape: out } }];
  const d = v as DynValue;
  // Stored unit axes that disappear need an IR reshape; the rest is relabelling.
  const perm = d.perm.filter((a) => keep.includes(a));
  if (!perm.length) return void unsupported(c, 'squeezing every stored axis');
  const ir = perm.length === d.perm.length ? d.ir : c.b.toLayout(d, perm, c);
  if (!ir) return undefined;
  return [{ kind: 'dyn', ir, shape: out, batch: keep.indexOf(d.batch), perm: perm.map((a) => keep.indexOf(a)) }];
};

export const unsqueeze: Handler = (c) => {
  const v = c.ins[0];
  const axesRaw = axesArg(c);
  if (!v || !axesRaw) return axesRaw === null ? void unsupportedAttr(c, 'axes', 'missing', 'the axes to insert') : undefined;
  const shape = v.kind === 'const' ? v.t.shape : v.kind === 'dyn' ? v.shape : undefined;
  if (!shape) return void dynIn(c, 0);
  const r = shape.length + axesRaw.length;
  const axes = axesRaw.map((a) => normAxis(a, r)!);
  if (axes.some((a) => a === undefined)) return void unsupported(c, `axes [${axesRaw}] out of range`);
  const old = identity(r).filter((a) => !axes.includes(a));
  const out = identity(r).map((a) => (axes.includes(a) ? 1 : shape[old.indexOf(a)]!));
  if (v.kind === 'const') return [{ ...v, t: { ...v.t, shape: out } }];
  const d = v as DynValue;
  return [{ kind: 'dyn', ir: d.ir, shape: out, batch: d.batch < 0 ? -1 : old[d.batch]!, perm: d.perm.map((a) => old[a]!) }];
};

/** Identity, Dropout (inference) and float Casts forward their input: no IR layer. */
export const passThrough: Handler = (c) => {
  const v = c.ins[0];
  if (!v) return undefined;
  if (c.opType === 'Dropout' && c.outs.length > 1 && c.usedOutputs.has(c.outs[1]!)) return void unsupported(c, 'the mask output is used');
  return [v];
};

export const cast: Handler = (c) => {
  const v = c.ins[0];
  if (!v) return undefined;
  const to = c.a.int('to', DT.FLOAT);
  if (v.kind === 'const') {
    const data = isIntType(to) ? v.t.data.map(Math.trunc) : v.t.data;
    return [{ kind: 'const', t: { shape: v.t.shape, data, dataType: to } }];
  }
  if (to !== DT.FLOAT && to !== DT.DOUBLE && to !== DT.FLOAT16) return void unsupportedAttr(c, 'to', `element type ${to}`, 'float types on computed tensors');
  return [v];
};

export const constant: Handler = (c) => {
  const t = c.a.tensor('value');
  if (t) return [{ kind: 'const', t }];
  const f = c.a.float('value_float');
  if (f !== undefined) return [cst([], Float64Array.of(f))];
  const fs = c.a.floats('value_floats');
  if (fs) return [cst([fs.length], Float64Array.from(fs))];
  const i = c.a.int('value_int');
  if (i !== undefined) return [cst([], Float64Array.of(i), DT.INT64)];
  const is = c.a.ints('value_ints');
  if (is) return [cst([is.length], Float64Array.from(is), DT.INT64)];
  return void unsupportedAttr(c, c.a.names()[0] ?? 'value', 'no numeric value', 'value, value_float(s), value_int(s)');
};

/** Shape of a computed tensor is static here: fold it (batch reported as 1). */
export const shapeOp: Handler = (c) => {
  const v = c.ins[0];
  const shape = v?.kind === 'const' ? v.t.shape : v?.kind === 'dyn' ? v.shape : undefined;
  if (!shape) return void dynIn(c, 0);
  const r = shape.length;
  const start = normAxis(c.a.int('start', 0), r + 1) ?? 0;
  const endRaw = c.a.int('end', r);
  const end = Math.max(0, Math.min(r, endRaw < 0 ? endRaw + r : endRaw));
  return [cst([Math.max(0, end - start)], Float64Array.from(shape.slice(start, end)), DT.INT64)];
};

export const gather: Handler = (c) => {
  const d = constIn(c, 0, 'data');
  const ix = constIn(c, 1, 'indices');
  if (!d || !ix) return undefined;
  const r = d.t.shape.length;
  const axis = normAxis(c.a.int('axis', 0), r);
  if (axis === undefined) return void unsupportedAttr(c, 'axis', String(c.a.int('axis', 0)), `-${r}..${r - 1}`);
  const outer = numel(d.t.shape.slice(0, axis));
  const n = d.t.shape[axis]!;
  const inner = numel(d.t.shape.slice(axis + 1));
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const i0 of ix.t.data) {
      const i = i0 < 0 ? i0 + n : i0;
      for (let k = 0; k < inner; k++) out.push(d.t.data[(o * n + i) * inner + k]!);
    }
  return [cst([...d.t.shape.slice(0, axis), ...ix.t.shape, ...d.t.shape.slice(axis + 1)], Float64Array.from(out), d.t.dataType)];
};

/** Picks the channel axis for Resize / Pad: the one non-batch axis the op leaves alone. */
function spatialLayout(c: OpCtx, v: DynValue, untouched: (a: number) => boolean): number[] | undefined {
  const r = v.shape.length;
  if ((r !== 3 && r !== 4) || v.batch !== 0) return void unsupported(c, `a rank-${r} tensor; 1D/2D feature maps (N,C,W)/(N,C,H,W) or channels-last are supported`);
  const free = identity(r).filter((a) => a !== 0);
  const last = v.perm[v.perm.length - 1]!;
  if (v.perm.length === r - 1 && untouched(last)) return [...v.perm];
  const chan = untouched(1) ? 1 : untouched(r - 1) ? r - 1 : undefined;
  if (chan === undefined) return void unsupported(c, 'it acts on every non-batch axis; the channel axis must be left alone');
  return [...free.filter((a) => a !== chan), chan];
}

/** Resize / Upsample, nearest neighbour with integer factors (the floor(x / s) mapping). */
export const resize: Handler = (c) => {
  const v = dynIn(c, 0, 'X');
  if (!v) return undefined;
  const mode = c.a.str('mode', 'nearest');
  if (mode !== 'nearest') return void unsupportedAttr(c, 'mode', `"${mode}"`, 'nearest');
  let scales: number[] | undefined;
  if (c.opType === 'Upsample' && c.opset < 9) scales = c.a.floats('scales');
  else {
    const k = c.opType === 'Upsample' || c.opset < 11 ? 1 : 2;
    const s = c.ins[k] ? constIn(c, k, 'scales') : null;
    if (s === undefined) return undefined;
    if (s && s.t.data.length) scales = Array.from(s.t.data);
    else if (c.ins[3]) {
      const z = constIn(c, 3, 'sizes');
      if (!z) return undefined;
      scales = Array.from(z.t.data, (d, k2) => d / v.shape[k2]!);
    }
  }
  if (!scales || scales.length !== v.shape.length) return void unsupported(c, 'scales/sizes missing or of the wrong length');
  if (c.opType === 'Resize' && c.opset >= 11) {
    const ct = c.a.str('coordinate_transformation_mode', 'half_pixel');
    const nm = c.a.str('nearest_mode', 'round_prefer_floor');
    const ok = (ct === 'asymmetric' && nm === 'floor') || ((ct === 'half_pixel' || ct === 'pytorch_half_pixel') && nm.startsWith('round_prefer')) || (ct === 'tf_half_pixel_for_nn' && nm === 'floor');
    if (!ok) return void unsupportedAttr(c, 'coordinate_transformation_mode/nearest_mode', `${ct}/${nm}`, 'asymmetric/floor, half_pixel/round_prefer_floor|ceil (integer factors: each output copies input floor(x/s))');
  }
  if (scales.some((s) => !Number.isInteger(s) || s < 1)) return void unsupported(c, `scales [${scales}]`, 'integer up-sampling factors');
  const perm = spatialLayout(c, v, (a) => scales![a] === 1);
  if (!perm) return undefined;
  const ir = c.b.toLayout(v, perm, c);
  if (!ir) return undefined;
  const dims = (v.shape.length - 2) as 1 | 2;
  return [emit(c, { op: 'Resize', dims, mode: 'nearest', scales: perm.slice(0, dims).map((a) => scales![a]!) }, [ir], { rank: v.shape.length, batch: 0, perm })];
};

export const pad: Handler = (c) => {
  const v = dynIn(c, 0, 'data');
  if (!v) return undefined;
  const mode = c.a.str('mode', 'constant');
  if (mode !== 'constant') return void unsupportedAttr(c, 'mode', `"${mode}"`, 'constant');
  let pads: number[] | undefined;
  let value = 0;
  if (c.opset < 11) {
    pads = c.a.ints('pads');
    value = c.a.float('value', 0);
  } else {
    const p = constIn(c, 1, 'pads');
    const cv = optConst(c, 2, 'constant_value');
    if (!p || cv === undefined) return undefined;
    if (c.ins[3]) return void unsupported(c, 'the axes input', 'pads for every axis');
    pads = Array.from(p.t.data);
    value = cv?.t.data[0] ?? 0;
  }
  const r = v.shape.length;
  if (!pads || pads.length !== 2 * r) return void unsupportedAttr(c, 'pads', 'missing or wrong length', `${2 * r} values`);
  if (pads.some((p) => p < 0)) return void unsupported(c, 'negative pads (cropping)');
  if (pads[0] || pads[r]) return void unsupported(c, 'padding the batch axis');
  const perm = spatialLayout(c, v, (a) => !pads![a] && !pads![a + r]);
  if (!perm) return undefined;
  const ir = c.b.toLayout(v, perm, c);
  if (!ir) return undefined;
  const dims = (r - 2) as 1 | 2;
  const sp = perm.slice(0, dims).map((a) => [pads![a]!, pads![a + r]!] as const);
  const p2: Padding2D = dims === 1 ? { top: 0, bottom: 0, left: sp[0]![0], right: sp[0]![1] } : { top: sp[0]![0], bottom: sp[0]![1], left: sp[1]![0], right: sp[1]![1] };
  return [emit(c, { op: 'Pad', dims, pads: p2, value }, [ir], { rank: r, batch: 0, perm })];
};

