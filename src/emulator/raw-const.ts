/**
 * @fileoverview Quantized constants held as raw integers (src/emulator/weights.ts keeps a large
 * array of a common type so): the form, and its doubles for the kernels that want them.
 */

/** Integer arrays a W-bit type's raw values fit (by signedness and width). */
export type RawInts = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** Quantized constants held as raw integers: value k is raw[k] * inv (inv = 2^-F, F the type's fractional bits). */
export interface RawConst {
  readonly raw: RawInts;
  readonly inv: number;
  readonly length: number;
}

/** Quantized constants: their doubles, or their raw integers (RawConst). */
export type QuantConst = Float64Array | RawConst;

export const isRawConst = (q: QuantConst): q is RawConst => !(q instanceof Float64Array);

/** The doubles of quantized constants (a new array for a RawConst: the caller's to keep or drop). */
export function constDoubles(q: QuantConst): Float64Array {
  if (!isRawConst(q)) return q;
  const out = new Float64Array(q.length);
  const { raw, inv } = q;
  for (let k = 0; k < out.length; k++) out[k] = raw[k]! * inv;
  return out;
}

