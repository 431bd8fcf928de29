/**
 * @fileoverview Reading ONNX protobuf: decoding a ModelProto with user-facing errors for corrupt
 * files, decoding TensorProto payloads in every encoding ONNX allows (raw_data little-endian, the
 * typed repeated fields, float16/bfloat16 bit patterns) into Float64Array, and node-attribute access.
 *
 * Everything numeric becomes float64: fastml's frontend computes in float64 and only the IR weight
 * tensors are narrowed (to Float64Array as well, so nothing is rounded twice).
 */

import { createRequire } from 'node:module';
import { DiagnosticError, EXIT, diag, fail } from '../../diagnostics/diagnostic.js';
import { checkTensorSize } from '../../diagnostics/limits.js';
import { decodeModelProto, type AttributeProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './wire.js';

export type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from './wire.js';

type OnnxNamespace = typeof import('onnx-proto').onnx;
let onnxNs: OnnxNamespace | undefined;

/**
 * onnx-proto's `onnx` namespace (encoders, enums), for code that writes ONNX: the fuzzer, the tests.
 * Loaded on first use: reading a model goes through wire.ts and never needs it (it costs ~40 ms to
 * load). onnx-proto is a CommonJS bundle, hence require (an ESM import scans the whole file).
 */
export const onnx: OnnxNamespace = new Proxy({} as OnnxNamespace, {
  get: (_, key) => (onnxNs ??= (createRequire(import.meta.url)('onnx-proto') as { onnx: OnnxNamespace }).onnx)[key as keyof OnnxNamespace],
});

export const DT = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

const DT_NAMES: Record<number, string> = Object.fromEntries(Object.entries(DT).map(([k, v]) => [v, k]));
export const dataTypeName = (t: number): string => DT_NAMES[t] ?? `type ${t}`;

/** int64 fields: Numbers from wire.ts, Long objects from onnx-proto (tests); models never need more than 2^53. */
export function toNum(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x && typeof (x as { toNumber?: unknown }).toNumber === 'function') return (x as { toNumber(): number }).toNumber();
  return Number(x);
}

/** A decoded constant tensor (initializer, Constant node, or folded value). */
export interface ConstTensor {
  readonly shape: number[];
  readonly data: Float64Array;
  /** ONNX element type it came from (integers matter for zero points and shapes). */
  readonly dataType: number;
  /**
   * The values as stored, when the file stored them as float32 raw_data: `data` is then widened
   * from this on first use only, so a weight matrix that goes straight into the IR (MatMul's B)
   * never exists as float64 (10M parameters: 80 MB less at load). Never modified, and not
   * enumerable, so that a tensor derived by spreading (`{ ...t, data }`) does not inherit it.
   */
  readonly f32?: Float32Array;
}

/** raw_data fields from this size have a header (tag, length) of at least 4 bytes: fileFloat32 moves them over it. */
const MOVE_MIN_BYTES = 1 << 14;

/**
 * A float32 tensor's raw_data as a Float32Array over the model file's own bytes, without a copy
 * (a 10M-parameter model's weights are then held once, not as the file and a copy): a 4-byte
 * aligned field is viewed where it is; a large unaligned one is first moved back by 1-3 bytes over
 * its own field header (tag and length varint, already read: at least 4 bytes for a field of
 * 16 KiB or more), and the tensor's rawData is pointed at the moved bytes, so that decoding the
 * tensor again views the same values. The file's bytes are decodeModel's caller's to give: nothing
 * reads them after decoding. Small unaligned fields are copied.
 */
function fileFloat32(t: TensorProto, raw: Uint8Array): Float32Array {
  const n = raw.length >> 2;
  const skew = raw.byteOffset & 3;
  if (skew === 0) return new Float32Array(raw.buffer, raw.byteOffset, n);
  if (raw.length >= MOVE_MIN_BYTES) {
    const at = raw.byteOffset - skew;
    new Uint8Array(raw.buffer).copyWithin(at, raw.byteOffset, raw.byteOffset + raw.length);
    t.rawData = new Uint8Array(raw.buffer, at, raw.length);
    return new Float32Array(raw.buffer, at, n);
  }
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  return new Float32Array(copy.buffer);
}

/** Decodes a model file; every failure is a one-line DiagnosticError naming the file. */
export function decodeModel(bytes: Uint8Array, file: string): ModelProto {
  if (bytes.length === 0) fail('FML1100', 'the file is empty, not an ONNX model', { file });
  let m: ModelProto;
  try {
    m = decodeModelProto(bytes);
  } catch (e) {
    const why = (e as Error).message ?? String(e);
    fail('FML1100', `not a valid ONNX file (protobuf decoding failed: ${why}); the file is truncated or corrupt`, { file });
  }
  if (!m.graph) fail('FML1101', 'the protobuf holds no ONNX graph: not an ONNX ModelProto (is it a tensor or another message?)', { file });
  const g = m.graph;
  if (!g.node || g.node.length === 0)
    fail('FML1101', 'the ONNX graph has no nodes: not a usable model (truncated, or a different protobuf message)', { file });
  if (!g.output || g.output.length === 0) fail('FML1101', 'the ONNX graph declares no outputs', { file });
  for (const n of g.node)
    if (!n.opType) fail('FML1101', 'a node has no op type: the file is not a well-formed ONNX model', { file, node: n.name ?? '' });
  return m;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function le(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function half(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const f = bits & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function bfloat(bits: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, (bits & 0xffff) << 16);
  return dv.getFloat32(0);
}

const RAW_SIZE: Record<number, number> = {
  [DT.FLOAT]: 4,
  [DT.UINT8]: 1,
  [DT.INT8]: 1,
  [DT.UINT16]: 2,
  [DT.INT16]: 2,
  [DT.INT32]: 4,
  [DT.INT64]: 8,
  [DT.BOOL]: 1,
  [DT.FLOAT16]: 2,
  [DT.DOUBLE]: 8,
  [DT.UINT32]: 4,
  [DT.UINT64]: 8,
  [DT.BFLOAT16]: 2,
};

function readRaw(dv: DataView, t: number, k: number): number {
  const o = k * RAW_SIZE[t]!;
  switch (t) {
    case DT.FLOAT:
      return dv.getFloat32(o, true);
    case DT.DOUBLE:
      return dv.getFloat64(o, true);
    case DT.UINT8:
    case DT.BOOL:
      return dv.getUint8(o);
    case DT.INT8:
      return dv.getInt8(o);
    case DT.UINT16:
      return dv.getUint16(o, true);
    case DT.INT16:
      return dv.getInt16(o, true);
    case DT.INT32:
      return dv.getInt32(o, true);
    case DT.UINT32:
      return dv.getUint32(o, true);
    case DT.INT64:
      return Number(dv.getBigInt64(o, true));
    case DT.UINT64:
      return Number(dv.getBigUint64(o, true));
    case DT.FLOAT16:
      return half(dv.getUint16(o, true));
    case DT.BFLOAT16:
      return bfloat(dv.getUint16(o, true));
    default:
      throw new Error(`unreachable data type ${t}`);
  }
}

/**
 * Decodes a TensorProto. `where` names the file and the node or initializer for errors.
 * External data (weights stored in a side file) is reported, not followed: fastml reads single-file
 * models so a model is exactly what the user points at.
 */
export function decodeTensor(t: TensorProto, where: { file: string; node?: string }): ConstTensor {
  const name = t.name ?? '';
  const loc = { file: where.file, node: where.node ?? name };
  const shape = (t.dims ?? []).map(toNum);
  const dt = t.dataType ?? 0;
  // Dims come straight from the file: check them before anything is allocated from them.
  const badDim = shape.find((d) => !Number.isSafeInteger(d) || d < 0);
  if (badDim !== undefined) fail('FML1105', `tensor "${name}" has dimension ${badDim} in shape [${shape.join(', ')}]; dimensions are integers >= 0`, loc);
  const n = checkTensorSize(shape, `tensor "${name}"`, loc);
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length > 0)) {
    const loc2 = t.externalData?.find((e) => e.key === 'location')?.value;
    fail('FML1103', `tensor "${name}" stores its data in an external file${loc2 ? ` ("${loc2}")` : ''}; fastml reads only self-contained models`, loc,
      'save the model with all tensors inside the .onnx file (onnx.save_model(m, f, save_as_external_data=False))');
  }
  if (dt === DT.STRING || !(dt in RAW_SIZE))
    fail('FML1104', `tensor "${name}" has element type ${dataTypeName(dt)}, which fastml cannot read`, loc, 'numeric tensors only (float, double, float16, bfloat16, int8..int64, uint8..uint64, bool)');
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== n * RAW_SIZE[dt]!)
      fail('FML1105', `tensor "${name}" has ${raw.length} bytes of raw_data, expected ${n * RAW_SIZE[dt]!} for shape [${shape.join(', ')}] of ${dataTypeName(dt)}`, loc);
    if (LITTLE_ENDIAN && (dt === DT.FLOAT || dt === DT.DOUBLE)) {
      // The common case (every float32 initializer): a typed array of the host's (little-endian)
      // layout, no DataView call per value; a float32 one over the file's own bytes (fileFloat32).
      if (dt === DT.DOUBLE) {
        const aligned = new Uint8Array(raw.length);
        aligned.set(raw);
        return { shape, data: new Float64Array(aligned.buffer), dataType: dt };
      }
      const f32 = fileFloat32(t, raw);
      let wide: Float64Array | undefined;
      const c: ConstTensor = {
        shape,
        dataType: dt,
        get data(): Float64Array {
          return (wide ??= Float64Array.from(f32));
        },
      };
      // Not enumerable: a tensor derived with { ...c, data: other } must not carry these values.
      Object.defineProperty(c, 'f32', { value: f32, enumerable: false });
      return c;
    }
    const out = new Float64Array(n);
    const dv = le(raw);
    for (let k = 0; k < n; k++) out[k] = readRaw(dv, dt, k);
    return { shape, data: out, dataType: dt };
  }
  let src: ArrayLike<unknown> = [];
  let conv: (v: unknown) => number = toNum;
  switch (dt) {
    case DT.FLOAT:
      src = t.floatData ?? [];
      break;
    case DT.DOUBLE:
      src = t.doubleData ?? [];
      break;
    case DT.INT64:
      src = t.int64Data ?? [];
      break;
    case DT.UINT32:
    case DT.UINT64:
      src = t.uint64Data ?? [];
      break;
    case DT.FLOAT16:
      src = t.int32Data ?? [];
      conv = (v) => half(toNum(v));
      break;
    case DT.BFLOAT16:
      src = t.int32Data ?? [];
      conv = (v) => bfloat(toNum(v));
      break;
    default:
      // int8/16/32, uint8/16 and bool are all stored in int32_data.
      src = t.int32Data ?? [];
  }
  if (src.length !== n)
    fail('FML1105', `tensor "${name}" holds ${src.length} values, expected ${n} for shape [${shape.join(', ')}]`, loc);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = conv(src[k]);
  return { shape, data: out, dataType: dt };
}

/** onnx.AttributeProto.AttributeType values. */
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;
const ATTR_NAMES: Record<number, string> = { 1: 'FLOAT', 2: 'INT', 3: 'STRING', 4: 'TENSOR', 5: 'GRAPH', 6: 'FLOATS', 7: 'INTS', 8: 'STRINGS', 9: 'TENSORS', 10: 'GRAPHS' };

/** Typed access to a node's attributes, with defaults. */
export class Attrs {
  private readonly map = new Map<string, AttributeProto>();
  constructor(
    readonly node: NodeProto,
    private readonly file: string,
  ) {
    for (const a of node.attribute ?? []) if (a.name) this.map.set(a.name, a);
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  names(): string[] {
    return [...this.map.keys()];
  }
  int(name: string, dflt: number): number;
  int(name: string): number | undefined;
  int(name: string, dflt?: number): number | undefined {
    const a = this.typed(name, ATTR.INT);
    return a ? toNum(a.i ?? 0) : dflt;
  }
  /**
   * The attribute if it has the expected type. A mistyped attribute (a Softmax `axis` given as a
   * string) is an error naming the node, not a silent default: older writers that leave `type`
   * unset (0) are trusted.
   */
  private typed(name: string, want: number): AttributeProto | undefined {
    const a = this.map.get(name);
    if (a && a.type && a.type !== want)
      fail('FML1114', `attribute "${name}" is ${ATTR_NAMES[a.type] ?? `type ${a.type}`}, expected ${ATTR_NAMES[want]}`, { file: this.file, node: this.node.name ?? '', ...(this.node.opType ? { opType: this.node.opType } : {}) }, undefined, EXIT.MODEL);
    return a;
  }
  float(name: string, dflt: number): number;
  float(name: string): number | undefined;
  float(name: string, dflt?: number): number | undefined {
    // An INT where a FLOAT is expected (writers that store 1 rather than 1.0) is read as its exact
    // value, not refused and never as the unset float field (0).
    const i = this.map.get(name);
    if (i && i.type === ATTR.INT) return toNum(i.i ?? 0);
    const a = this.typed(name, ATTR.FLOAT);
    // float attributes are float32 in the proto; keep the exact float32 value.
    return a ? (a.f ?? 0) : dflt;
  }
  str(name: string, dflt: string): string;
  str(name: string): string | undefined;
  str(name: string, dflt?: string): string | undefined {
    const a = this.typed(name, ATTR.STRING);
    return a ? new TextDecoder().decode(a.s ?? new Uint8Array()) : dflt;
  }
  ints(name: string): number[] | undefined {
    const a = this.typed(name, ATTR.INTS);
    return a ? (a.ints ?? []).map(toNum) : undefined;
  }
  floats(name: string): number[] | undefined {
    const a = this.typed(name, ATTR.FLOATS);
    return a ? Array.from(a.floats ?? []) : undefined;
  }
  tensor(name: string): ConstTensor | undefined {
    const a = this.typed(name, ATTR.TENSOR);
    return a?.t ? decodeTensor(a.t, { file: this.file, node: this.node.name ?? '' }) : undefined;
  }
}

/** Static per-sample-or-not dims of a value_info; symbolic dims become -1. */
export function valueInfoShape(v: ValueInfoProto): number[] | undefined {
  const dims = v.type?.tensorType?.shape?.dim;
  if (!dims) return undefined;
  return dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && toNum(d.dimValue) > 0 ? toNum(d.dimValue) : -1));
}

export function modelError(file: string, messages: { code: string; message: string; node?: string; opType?: string; hint?: string }[], exit: number = EXIT.MODEL): never {
  throw new DiagnosticError(
    messages.map((m) => diag(m.code, m.message, { file, ...(m.node !== undefined ? { node: m.node } : {}), ...(m.opType ? { opType: m.opType } : {}) }, m.hint)),
    exit,
  );
}
