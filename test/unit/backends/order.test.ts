/**
 * @fileoverview The Resource-strategy accumulation order of templates/hls/fml/fml_dense.h (step r
 * handles flat weight indices r, r + RF, ..., with w[j * n_in + i]) equals the emulator's order,
 * which replays hls4ml's loops. The C++ loop is re-stated here in TypeScript.
 */

import { describe, expect, it } from 'vitest';
import { resourceOrder } from '../../../src/emulator/mac.js';

function cppOrder(nIn: number, nOut: number, rf: number): number[][] {
  const order: number[][] = Array.from({ length: nOut }, () => []);
  const n = nIn * nOut;
  const block = Math.ceil(n / rf);
  for (let r = 0; r < rf; r++)
    for (let m = 0; m < block; m++) {
      const k = r + m * rf;
      if (k < n) order[Math.floor(k / nIn)]!.push(k % nIn);
    }
  return order;
}

/** hls4ml's validity rule for reuse factors (NUMERICS.md "Reuse factor"). */
function valid(nIn: number, nOut: number, rf: number): boolean {
  const mf = Math.min(nIn, rf);
  const ml = Math.ceil((nIn * nOut) / mf);
  return (ml % nOut === 0 || rf >= nIn) && (rf % nIn === 0 || rf < nIn) && (nIn * nOut) % rf === 0;
}

describe('Resource strategy order', () => {
  it('matches the emulator for every valid reuse factor of small layers', () => {
    let checked = 0;
    for (const [nIn, nOut] of [[16, 64], [64, 32], [32, 5], [10, 3], [12, 8], [7, 4]] as const) {
      for (let rf = 1; rf <= nIn * nOut; rf++) {
        if (!valid(nIn, nOut, rf)) continue;
        expect(cppOrder(nIn, nOut, rf), `${nIn}x${nOut} rf ${rf}`).toEqual(resourceOrder(nIn, nOut, rf));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});
