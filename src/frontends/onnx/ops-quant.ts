/**
 * @fileoverview QONNX Quant / BipolarQuant / Trunc (domains qonnx.custom_op.general,
 * finn.custom_op.general, onnx.brevitas) and ONNX QuantizeLinear / DequantizeLinear.
 *
 * On a constant (a weight) the quantizer is applied right away: the IR weight holds the
 * fake-quantized values the model computes with, and the fact is attached to the consuming layer's
 * `quant[role]`. On a computed tensor it becomes an IR `Quant` layer carrying the fact. Either way
 * the quantization pass sees every fact and the float reference computes what the model computes.
 */

import type { QuantFact } from '../../ir/graph.js';
import { fakeQuant } from '../../emulator/float.js';
import type { ConstValue, DynValue, QLinearValue } from './builder.js';
import { broadcastTo, constInLayout } from './builder.js';
import type { Handler, OpCtx } from './context.js';
import { constIn, dynIn, emit, optConst, sameLayout, unsupported, unsupportedAttr } from './context.js';
import { DT, type ConstTensor } from './proto.js';

const ROUNDING = ['ROUND', 'CEIL', 'FLOOR', 'ROUND_TO_ZERO', 'HALF_UP', 'HALF_DOWN'];

/** A scale / zero point in the IR layout of the quantized value: scalar or per last IR axis. */
function paramFor(c: OpCtx, p: ConstTensor, x: DynValue | ConstValue, what: string): number[] | undefined {
  if (p.data.length === 1) return [p.data[0]!];
  if (x.kind === 'const') {
    // Weights: the parameter is stored per element, in the constant's own (ONNX) layout.
    const full = broadcastTo(p, x.t.shape);
    if (!full) return void unsupported(c, `${what} of shape [${p.shape}] does not broadcast to [${x.t.shape}]`);
    return Array.from(full);
  }
  const l = constInLayout(p, x);
  if (!l) return void unsupported(c, `${what} of shape [${p.shape}] does not broadcast to [${x.shape}]`);
  if (l.shape.length > 1) return void unsupported(c, `${what} varies along an axis other than the channel axis`, 'per-tensor or per-channel parameters');
  return Array.from(l.data);
}

/** Applies a fact to a constant elementwise (params are scalar or full-size here). */
function foldConst(x: ConstValue, fact: QuantFact): ConstValue {
  const n = x.t.data.length;
  const data = new Float64Array(n);
  for (let k = 0; k < n; k++) data[k] = fakeQuant(x.t.data[k]!, fact, k);
  // The fact recorded on the layer keeps scalar parameters only when they are scalar.
  return { kind: 'const', t: { shape: x.t.shape, data, dataType: DT.FLOAT }, quant: fact };
}

function finish(c: OpCtx, x: DynValue | ConstValue, fact: QuantFact) {
  if (x.kind === 'const') return [foldConst(x, fact)];
  return [emit(c, { op: 'Quant', fact }, [x.ir], sameLayout(x))];
}

function quantInput(c: OpCtx): DynValue | ConstValue | undefined {
  const x = c.ins[0];
  if (x?.kind === 'const') return x;
  return dynIn(c, 0, 'X');
}

export const qonnxQuant: Handler = (c) => {
  const x = quantInput(c);
  const s = constIn(c, 1, 'scale');
  const z = constIn(c, 2, 'zeropt');
  const b = constIn(c, 3, 'bitwidth');
  if (!x || !s || !z || !b) return undefined;
  const rounding = c.a.str('rounding_mode', 'ROUND').toUpperCase();
  if (!ROUNDING.includes(rounding)) return void unsupportedAttr(c, 'rounding_mode', `"${rounding}"`, ROUNDING.join(', '));
  if (b.t.data.length !== 1 || !Number.isInteger(b.t.data[0]) || b.t.data[0]! < 1) return void unsupported(c, 'bitwidth must be a positive integer scalar');
  const scale = paramFor(c, s.t, x, 'scale');
  const zeroPoint = paramFor(c, z.t, x, 'zeropt');
  if (!scale || !zeroPoint) return undefined;
  const fact: QuantFact = {
    kind: 'quant',
    bits: b.t.data[0]!,
    signed: c.a.int('signed', 1) === 1,
    narrow: c.a.int('narrow', 0) === 1,
    rounding,
    scale,
    zeroPoint,
  };
  return finish(c, x, fact);
};

export const bipolarQuant: Handler = (c) => {
  const x = quantInput(c);
  const s = constIn(c, 1, 'scale');
  if (!x || !s) return undefined;
  const scale = paramFor(c, s.t, x, 'scale');
  if (!scale) return undefined;
  return finish(c, x, { kind: 'bipolar', bits: 1, signed: true, scale });
};

/** Trunc: 5 inputs (x, scale, zeropt, in_bits, out_bits) or 7 (.., out_scale, out_zeropt, out_bits). */
export const trunc: Handler = (c) => {
  const x = quantInput(c);
  if (!x) return undefined;
  const seven = c.ins.length >= 7;
  const s = constIn(c, 1, 'scale');
  const z = constIn(c, 2, 'zeropt');
  const ib = constIn(c, 3, 'input_bit_width');
  const ob = constIn(c, seven ? 6 : 4, 'output_bit_width');
  const os = seven ? constIn(c, 4, 'output_scale') : null;
  if (!s || !z || !ib || !ob || os === undefined) return undefined;
  const rounding = c.a.str('rounding_mode', 'FLOOR').toUpperCase();
  if (!ROUNDING.includes(rounding)) return void unsupportedAttr(c, 'rounding_mode', `"${rounding}"`, ROUNDING.join(', '));
  const scale = paramFor(c, s.t, x, 'scale');
  const zeroPoint = paramFor(c, z.t, x, 'zeropt');
  const outScale = os ? paramFor(c, os.t, x, 'output_scale') : undefined;
  if (!scale || !zeroPoint || (os && !outScale)) return undefined;
  const fact: QuantFact = {
    kind: 'trunc',
    bits: ib.t.data[0]!,
    outBits: ob.t.data[0]!,
    signed: c.a.int('signed', 1) === 1,
    narrow: c.a.int('narrow', 0) === 1,
    rounding,
    scale,
    zeroPoint,
    ...(outScale ? { outScale } : {}),
  };
  return finish(c, x, fact);
};

/** Integer range of a QuantizeLinear target type, from the zero point's element type. */
function qType(dt: number): { bits: number; signed: boolean } | undefined {
  switch (dt) {
    case DT.UINT8:
      return { bits: 8, signed: false };
    case DT.INT8:
      return { bits: 8, signed: true };
    case DT.UINT16:
      return { bits: 16, signed: false };
    case DT.INT16:
      return { bits: 16, signed: true };
    default:
      return undefined;
  }
}

/** Per-axis parameters of Q/DQ become a constant shaped to broadcast along `axis`. */
function alongAxis(c: OpCtx, p: ConstTensor, rank: number): ConstTensor {
  if (p.data.length === 1) return p;
  const raw = c.a.int('axis', 1);
  const axis = raw < 0 ? raw + rank : raw;
  const shape = new Array<number>(rank).fill(1);
  shape[axis] = p.data.length;
  return { ...p, shape };
}

export const quantizeLinear: Handler = (c) => {
  const x = quantInput(c);
  const s = constIn(c, 1, 'y_scale');
  const z = optConst(c, 2, 'y_zero_point');
  if (!x || !s || z === undefined) return undefined;
  const zt: ConstTensor = z ? z.t : { shape: [], data: Float64Array.of(0), dataType: DT.UINT8 };
  const qt = qType(zt.dataType);
  if (!qt) return void unsupported(c, `zero point of element type ${zt.dataType}`, 'int8, uint8, int16, uint16');
  const rank = x.kind === 'const' ? x.t.shape.length : x.shape.length;
  const q: QLinearValue = { kind: 'qlinear', src: x, scale: alongAxis(c, s.t, rank), zeroPoint: alongAxis(c, zt, rank), ...qt };
  return [q];
};

export const dequantizeLinear: Handler = (c) => {
  const x = c.ins[0];
  if (x?.kind === 'qlinear') {
    const scale = paramFor(c, x.scale, x.src, 'scale');
    const zeroPoint = paramFor(c, x.zeroPoint, x.src, 'zero point');
    if (!scale || !zeroPoint) return undefined;
    return finish(c, x.src, { kind: 'qdq', bits: x.bits, signed: x.signed, rounding: 'ROUND', scale, zeroPoint });
  }
  if (x?.kind === 'const') {
    // Integer weights stored quantized: dequantize now and keep the fact.
    const s = constIn(c, 1, 'x_scale');
    const z = optConst(c, 2, 'x_zero_point');
    if (!s || z === undefined) return undefined;
    const zt: ConstTensor = z ? z.t : { shape: [], data: Float64Array.of(0), dataType: x.t.dataType };
    const qt = qType(x.t.dataType) ?? { bits: 32, signed: true };
    const rank = x.t.shape.length;
    const sf = broadcastTo(alongAxis(c, s.t, rank), x.t.shape);
    const zf = broadcastTo(alongAxis(c, zt, rank), x.t.shape);
    if (!sf || !zf) return void unsupported(c, 'scale / zero point do not broadcast to the tensor');
    const data = x.t.data.map((v, k) => (v - zf[k]!) * sf[k]!);
    const fact: QuantFact = { kind: 'qdq', ...qt, rounding: 'ROUND', scale: Array.from(sf), zeroPoint: Array.from(zf) };
    return [{ kind: 'const', t: { shape: x.t.shape, data, dataType: DT.FLOAT }, quant: fact }];
  }
  return void dynIn(c, 0, 'x (a QuantizeLinear output or an integer initializer)');
};
