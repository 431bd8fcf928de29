/**
 * @fileoverview LayerNormalization kernel, following hls4ml's nnet_layernorm.h as
 * ../shared/reference/hls4ml/README.md documents it. Per row of `dim` values (the last axis):
 *   xa_i = q_acc(x_i); s = sum of xa_i in acc; k = q_acc(1/dim); mean = q_acc(s * k);
 *   d_i = q_acc(xa_i - mean); s2 = sum of q_acc(d_i^2) in acc; var = q_acc(s2 * k);
 *   idx = trunc0(var * N * 2^p) clamped to [0, N-1]; y_i = q_res(d_i * table[idx] * scale_i + bias_i).
 * The table holds table_t(1.0 / sqrtf(in_k)), in_k = (float)10^-e + ((float)2^-p / N) * k in float
 * arithmetic, e = round(-log10(epsilon)) (hls4ml's epsilon_power_of_10): epsilon does nothing else,
 * and variances >= 2^-p all read the last entry.
 * The last product d * t * scale + bias is exact ap_fixed arithmetic; when its width exceeds what
 * a double holds exactly it is done on BigInts.
 */

import type { FixedType } from '../fixed/type.js';
import { fracBits } from '../fixed/type.js';
import { quantizeBig } from '../fixed/quantize.js';
import type { Kernel } from './activations.js';
import type { VarStats } from './overflow.js';
import { makeCast } from './quant.js';

const f32 = Math.fround;

export interface LayerNormSpec {
  readonly dim: number;
  readonly rows: number;
  readonly epsilon: number;
  readonly tableSize: number;
  readonly tableRangePower2: number;
  readonly acc: FixedType;
  readonly res: FixedType;
  readonly table: FixedType;
  readonly scaleT: FixedType;
  readonly biasT: FixedType;
}

/** hls4ml's epsilon_power_of_10: the table starts at 10^-e. */
export function epsilonPower10(epsilon: number): number {
  return Math.round(-Math.log10(epsilon));
}

/** The 1/sqrt(var) table, built in float as the C++ does, cast to table_t. */
export function invSqrtTable(n: number, epsilon: number, p: number, tableT: FixedType): Float64Array {
  const cast = makeCast(tableT);
  const base = f32(10 ** -epsilonPower10(epsilon));
  const step = f32(2 ** -p / n);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const x = f32(base + f32(step * k));
    out[k] = cast(1.0 / f32(Math.sqrt(x)));
  }
  return out;
}

export function compileLayerNorm(s: LayerNormSpec, scale: Float64Array, bias: Float64Array, stats: (v: string, t?: FixedType) => VarStats | undefined): Kernel {
  const { dim, rows, acc, res } = s;
  const castAcc = makeCast(acc, stats('accum', acc));
  const castRes = makeCast(res, stats('result', res));
  const N = s.tableSize;
  const table = invSqrtTable(N, s.epsilon, s.tableRangePower2, s.table);
  const kInv = makeCast(acc)(1 / dim);
  const idxScale = N * 2 ** s.tableRangePower2;
  const xa = new Float64Array(dim);
  const d = new Float64Array(dim);
  // Exact in doubles when the three-way product plus the bias fits 53 bits.
  const Fp = fracBits(acc) + fracBits(s.table) + fracBits(s.scaleT);
  const Ip = acc.i + s.table.i + s.scaleT.i;
  const F = Math.max(Fp, fracBits(s.biasT));
  const exact = Math.max(Ip, s.biasT.i) + 1 + F <= 53;
  const resStats = stats('result', res);
  const final = exact
    ? (dv: number, tv: number, sc: number, b: number) => castRes(dv * tv * sc + b)
    : (dv: number, tv: number, sc: number, b: number) => {
        const raw = (v: number, t: FixedType) => BigInt(v * 2 ** fracBits(t));
        const prod = raw(dv, acc) * raw(tv, s.table) * raw(sc, s.scaleT);
        const sum = prod * 2n ** BigInt(F - Fp) + raw(b, s.biasT) * 2n ** BigInt(F - fracBits(s.biasT));
        if (resStats) resStats.count++;
        return Number(quantizeBig(sum, -F, res)) * 2 ** -fracBits(res);
      };
  return (x, y) => {
    for (let r = 0; r < rows; r++) {
      const o = r * dim;
      let sum = 0;
      for (let i = 0; i < dim; i++) {
        xa[i] = castAcc(x[o + i]!);
        sum = castAcc(sum + xa[i]!);
      }
      const mean = castAcc(sum * kInv);
      let sum2 = 0;
      for (let i = 0; i < dim; i++) {
        d[i] = castAcc(xa[i]! - mean);
        sum2 = castAcc(sum2 + castAcc(d[i]! * d[i]!));
      }
      const v = castAcc(sum2 * kInv);
      let idx = Math.trunc(v * idxScale);
      if (idx < 0) idx = 0;
      else if (idx > N - 1) idx = N - 1;
      const tv = table[idx]!;
      for (let i = 0; i < dim; i++) y[o + i] = final(d[i]!, tv, scale[i]!, bias[i]!);
    }
  };
}
