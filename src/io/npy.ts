/**
 * @fileoverview NumPy .npy read/write (format versions 1.0-3.0). Reads float16/32/64, signed and
 * unsigned integers of 1-8 bytes and bool, little or big endian, C order (Fortran order is
 * transposed on read); writes float32 or float64, little endian, C order.
 */

import { DiagnosticError, diag, EXIT } from '../diagnostics/diagnostic.js';
import { LIMITS, overLimit } from '../diagnostics/limits.js';

export interface NdArray {
  readonly shape: readonly number[];
  /** Row-major values as doubles (exact for every dtype except int64 beyond 2^53). */
  readonly data: Float64Array;
  /** The dtype as stored, e.g. '<f4'. */
  readonly dtype?: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function bad(file: string | undefined, msg: string, hint?: string): never {
  throw new DiagnosticError([diag('FML6001', msg, file ? { file } : undefined, hint)], EXIT.USAGE);
}

function parseHeader(h: string, file?: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(h)?.[1];
  const fo = /'fortran_order'\s*:\s*(True|False)/.exec(h)?.[1];
  const sh = /'shape'\s*:\s*\(([^)]*)\)/.exec(h)?.[1];
  if (!descr || !fo || sh === undefined) bad(file, `unreadable .npy header: ${h.trim()}`);
  const shape = sh
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) bad(file, `bad shape in .npy header: (${sh})`);
  return { descr, fortran: fo === 'True', shape };
}

/** Decodes .npy bytes. */
export function decodeNpy(bytes: Uint8Array, file?: string): NdArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) bad(file, 'not a .npy file (bad magic)', 'expected a file written by numpy.save');
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hlen: number;
  let off: number;
  if (major === 1) {
    hlen = dv.getUint16(8, true);
    off = 10;
  } else if (major === 2 || major === 3) {
    hlen = dv.getUint32(8, true);
    off = 12;
  } else bad(file, `unsupported .npy format version ${major}`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(off, off + hlen));
  const { descr, fortran, shape } = parseHeader(header, file);
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  if (!m) bad(file, `unsupported dtype "${descr}"`, 'fastml reads float, int, uint and bool arrays');
  const little = m[1] !== '>';
  const kind = m[2]!;
  const size = Number(m[3]);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > LIMITS.maxBatchElements) overLimit('maxBatchElements', `the array of shape (${shape.join(', ')}) (${n} values)`, file ? { file } : undefined);
  const start = off + hlen;
  if (bytes.length < start + n * size) bad(file, `truncated .npy: ${n} values of ${size} bytes need ${start + n * size} bytes, file has ${bytes.length}`);
  // Little-endian float64 on a little-endian host: the file's bytes are the values. A view of them
  // when aligned (zero-copy: the emulator reads the batch straight from the file buffer), else one
  // copy; float32 converts through a typed array. Other dtypes go element by element below.
  if (little && kind === 'f' && (size === 8 || size === 4) && HOST_LE) {
    const at = bytes.byteOffset + start;
    const Typed = size === 8 ? Float64Array : Float32Array;
    const src = at % size === 0 ? new Typed(bytes.buffer as ArrayBuffer, at, n) : new Typed(bytes.slice(start, start + n * size).buffer, 0, n);
    const data = size === 8 ? (src as Float64Array) : Float64Array.from(src);
    if (fortran && shape.length > 1) return { shape, data: fromFortran(data, shape), dtype: descr };
    return { shape, data, dtype: descr };
  }
  const out = new Float64Array(n);
  const get = ((): ((o: number) => number) => {
    if (kind === 'f') {
      if (size === 8) return (o) => dv.getFloat64(o, little);
      if (size === 4) return (o) => dv.getFloat32(o, little);
      if (size === 2) return (o) => halfToFloat(dv.getUint16(o, little));
    } else if (kind === 'i') {
      if (size === 1) return (o) => dv.getInt8(o);
      if (size === 2) return (o) => dv.getInt16(o, little);
      if (size === 4) return (o) => dv.getInt32(o, little);
      if (size === 8) return (o) => Number(dv.getBigInt64(o, little));
    } else if (kind === 'u' || kind === 'b') {
      if (size === 1) return (o) => dv.getUint8(o);
      if (size === 2) return (o) => dv.getUint16(o, little);
      if (size === 4) return (o) => dv.getUint32(o, little);
      if (size === 8) return (o) => Number(dv.getBigUint64(o, little));
    }
    bad(file, `unsupported dtype "${descr}"`);
  })();
  for (let i = 0; i < n; i++) out[i] = get(start + i * size);
  if (fortran && shape.length > 1) return { shape, data: fromFortran(out, shape), dtype: descr };
  return { shape, data: out, dtype: descr };
}

const HOST_LE = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function fromFortran(src: Float64Array, shape: readonly number[]): Float64Array {
  const rank = shape.length;
  const out = new Float64Array(src.length);
  const idx = new Array<number>(rank).fill(0);
  for (let c = 0; c < src.length; c++) {
    let f = 0;
    let stride = 1;
    for (let d = 0; d < rank; d++) {
      f += idx[d]! * stride;
      stride *= shape[d]!;
    }
    out[c] = src[f]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Encodes a float64 (default) or float32 .npy file (version 1.0, little endian, C order). */
export function encodeNpy(a: { shape: readonly number[]; data: ArrayLike<number> }, dtype: 'f8' | 'f4' = 'f8'): Uint8Array {
  const shapeStr = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '<${dtype}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const size = dtype === 'f8' ? 8 : 4;
  const n = a.data.length;
  const out = new Uint8Array(10 + header.length + n * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  dv.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const off = 10 + header.length;
  for (let i = 0; i < n; i++) {
    if (size === 8) dv.setFloat64(off + i * 8, a.data[i]!, true);
    else dv.setFloat32(off + i * 4, a.data[i]!, true);
  }
  return out;
}
