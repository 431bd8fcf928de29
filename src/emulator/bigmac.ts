/**
 * @fileoverview The BigInt multiply-accumulate kernel, for layers whose products or accumulator do
 * not fit the 53 bits a double holds exactly (e.g. an inferred fixed<60,25> accumulator, or 32-bit
 * inputs times 32-bit weights), or whose result type is wider than 53 bits. Inputs and outputs are
 * exact doubles (the tensors' buffers; see wide.ts for values that would not be); everything in
 * between is exact raw integers through src/fixed's
 * quantizeBig, the reference implementation of SEMANTICS.md. Slow, and used only where the widths
 * demand it.
 */

import type { FixedType } from '../fixed/type.js';
import { fracBits } from '../fixed/type.js';
import { quantizeBigInfo, quantizeDouble } from '../fixed/quantize.js';
import type { MacPlan, MacStats, MacTypes } from './mac.js';
import type { VarStats } from './overflow.js';
import { exactNumber } from './wide.js';

function count(s: VarStats | undefined, info: { inexact: boolean; overflow: boolean; underflow: boolean; raw: bigint }, n: bigint, e: number, t: FixedType): void {
  if (!s) return;
  s.type = t;
  s.count++;
  const mag = Math.abs(Number(n) * 2 ** e);
  if (mag > s.maxAbs) s.maxAbs = mag;
  if (info.inexact) s.inexact++;
  if (info.overflow) s.overflow++;
  else if (info.underflow) s.underflow++;
  if (info.overflow || info.underflow) {
    if (t.o === 'AP_WRAP' || t.o === 'AP_WRAP_SM') s.wrapped++;
    else s.saturated++;
  }
}

export function compileBigMac(plan: MacPlan, wq: Float64Array, bq: Float64Array, t: MacTypes, stats?: MacStats): (x: Float64Array, y: Float64Array) => void {
  const { nOut, start, xi } = plan;
  const Fx = fracBits(t.x);
  const Fp = Fx + fracBits(t.w);
  const Fa = fracBits(t.acc);
  const wr = Array.from(plan.wi, (k) => quantizeDouble(wq[k]!, t.w));
  const b0 = Array.from(plan.bi, (k) => quantizeBigInfo(quantizeDouble(bq[k]!, t.acc), -Fa, t.acc).raw);
  let nx = 0; // a loop: spreading a large index array into Math.max overflows the stack
  for (let k = 0; k < xi.length; k++) if (xi[k]! + 1 > nx) nx = xi[k]! + 1;
  const xr: bigint[] = new Array(nx).fill(0n);
  const Fr = fracBits(t.res);
  return (x, y) => {
    for (let i = 0; i < nx; i++) xr[i] = quantizeDouble(x[i]!, t.x);
    for (let o = 0; o < nOut; o++) {
      let acc = b0[o]!;
      for (let k = start[o]!, e = start[o + 1]!; k < e; k++) {
        const prod = xr[xi[k]!]! * wr[k]!;
        const p = quantizeBigInfo(prod, -Fp, t.acc);
        count(stats?.product, p, prod, -Fp, t.acc);
        const sum = acc + p.raw;
        const a = quantizeBigInfo(sum, -Fa, t.acc);
        count(stats?.accum, a, sum, -Fa, t.acc);
        acc = a.raw;
      }
      const r = quantizeBigInfo(acc, -Fa, t.res);
      count(stats?.result, r, acc, -Fa, t.res);
      y[o] = exactNumber(r.raw, Fr, t.res);
    }
  };
}
