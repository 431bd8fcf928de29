/**
 * @fileoverview Tensor data of the KServe v2 protocol in and out of fastml: the datatypes fastml takes as
 * model inputs (FP16, FP32, FP64 and the integer types), each decoded from the three forms the
 * protocol has (JSON `data`, typed gRPC `contents`, raw little-endian bytes) into float64 values, and
 * outputs encoded as FP32 or FP64. Every problem is a RequestError naming the tensor and what is wrong.
 */

export class RequestError extends Error {
  /** 'invalid' -> HTTP 400 / INVALID_ARGUMENT; 'not_found' -> 404 / NOT_FOUND; 'too_large' -> 413 / RESOURCE_EXHAUSTED. */
  constructor(
    message: string,
    readonly kind: 'invalid' | 'not_found' | 'too_large' | 'unavailable' = 'invalid',
  ) {
    super(message);
  }
}

export type InputDatatype = 'FP16' | 'FP32' | 'FP64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64';
export type OutputDatatype = 'FP32' | 'FP64';

const BYTES: Record<InputDatatype, number> = { FP16: 2, FP32: 4, FP64: 8, INT8: 1, INT16: 2, INT32: 4, INT64: 8, UINT8: 1, UINT16: 2, UINT32: 4, UINT64: 8 };
const INT_RANGE: Partial<Record<InputDatatype, [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};

export const INPUT_DATATYPES = Object.keys(BYTES) as InputDatatype[];

export function checkDatatype(name: string, dt: unknown): InputDatatype {
  if (typeof dt !== 'string' || !(dt in BYTES))
    throw new RequestError(`input "${name}": datatype ${JSON.stringify(dt)} is not supported (use one of ${INPUT_DATATYPES.join(', ')})`);
  return dt as InputDatatype;
}

export function bytesPer(dt: InputDatatype): number {
  return BYTES[dt];
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Raw little-endian bytes -> values; the byte count must be exactly count elements. */
export function decodeRaw(name: string, dt: InputDatatype, bytes: Uint8Array, count: number): Float64Array {
  const size = BYTES[dt];
  if (bytes.length !== count * size)
    throw new RequestError(`input "${name}": raw content has ${bytes.length} bytes; shape and ${dt} need ${count * size} (${count} x ${size})`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * size;
    switch (dt) {
      case 'FP16': out[i] = halfToFloat(v.getUint16(o, true)); break;
      case 'FP32': out[i] = v.getFloat32(o, true); break;
      case 'FP64': out[i] = v.getFloat64(o, true); break;
      case 'INT8': out[i] = v.getInt8(o); break;
      case 'INT16': out[i] = v.getInt16(o, true); break;
      case 'INT32': out[i] = v.getInt32(o, true); break;
      case 'INT64': out[i] = Number(v.getBigInt64(o, true)); break;
      case 'UINT8': out[i] = v.getUint8(o); break;
      case 'UINT16': out[i] = v.getUint16(o, true); break;
      case 'UINT32': out[i] = v.getUint32(o, true); break;
      case 'UINT64': out[i] = Number(v.getBigUint64(o, true)); break;
    }
  }
  return out;
}

/**
 * JSON `data` (flat or nested in the tensor's shape, row-major) -> values. Floats may be given as
 * "NaN", "Infinity" and "-Infinity" strings (JSON has no literal for them); integers must be in range.
 */
export function decodeJson(name: string, dt: InputDatatype, data: unknown, count: number): Float64Array {
  if (!Array.isArray(data)) throw new RequestError(`input "${name}": "data" must be an array`);
  const flat = (data as unknown[]).flat(Infinity as 1) as unknown[];
  if (flat.length !== count) throw new RequestError(`input "${name}": ${flat.length} values given; the shape needs ${count}`);
  const out = new Float64Array(count);
  const range = INT_RANGE[dt];
  for (let i = 0; i < count; i++) {
    let x = flat[i];
    if (typeof x === 'string' && !range && /^(NaN|[+-]?Infinity)$/.test(x)) x = Number(x);
    if (typeof x !== 'number') throw new RequestError(`input "${name}": value ${i} is ${JSON.stringify(x)}, not a number`);
    if (range && (!Number.isInteger(x) || x < range[0] || x > range[1])) throw new RequestError(`input "${name}": value ${i} (${x}) is not a ${dt}`);
    out[i] = dt === 'FP32' ? Math.fround(x) : x;
  }
  return out;
}

/** gRPC typed contents: the field of the datatype's family (fp32_contents, int_contents, ...). */
export function decodeContents(name: string, dt: InputDatatype, contents: Record<string, unknown> | null | undefined, count: number): Float64Array {
  const field =
    dt === 'FP32' ? 'fp32Contents'
    : dt === 'FP64' ? 'fp64Contents'
    : dt === 'INT64' ? 'int64Contents'
    : dt === 'UINT64' ? 'uint64Contents'
    : dt.startsWith('UINT') ? 'uintContents'
    : dt.startsWith('INT') ? 'intContents'
    : undefined;
  if (!field) throw new RequestError(`input "${name}": ${dt} has no typed contents field; send it in raw_input_contents`);
  const vals = (contents?.[field] ?? []) as Array<number | string>;
  if (vals.length !== count) throw new RequestError(`input "${name}": contents.${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} has ${vals.length} values; the shape needs ${count}`);
  const out = new Float64Array(count);
  const range = INT_RANGE[dt];
  for (let i = 0; i < count; i++) {
    const x = Number(vals[i]);
    if (range && (!Number.isInteger(x) || x < range[0] || x > range[1])) throw new RequestError(`input "${name}": value ${i} (${vals[i]}) is not a ${dt}`);
    out[i] = x;
  }
  return out;
}

export function encodeRaw(dt: OutputDatatype, v: Float64Array): Buffer {
  if (dt === 'FP64') return Buffer.from(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  const f = new Float32Array(v);
  return Buffer.from(f.buffer);
}

/** A shape array from JSON or gRPC (int64 may arrive as strings): positive integers only. */
export function checkShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.length === 0) throw new RequestError(`input "${name}": "shape" must be a non-empty array`);
  return shape.map((d, i) => {
    const n = Number(d);
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 31) throw new RequestError(`input "${name}": shape[${i}] = ${JSON.stringify(d)} is not a positive integer`);
    return n;
  });
}
