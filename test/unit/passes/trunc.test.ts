import { describe, expect, it } from 'vitest';
import { mapTrunc } from '../../../src/passes/quant-types.js';
import { makeFakeQuant } from '../../../src/emulator/float.js';
import { makeQuantizer } from '../../../src/fixed/index.js';
import type { QuantFact } from '../../../src/ir/graph.js';

describe('QONNX Trunc -> fixed-point type', () => {
  it('Trunc v2 (output scale): the type cast equals the QONNX definition on the input grid', () => {
    for (const rounding of ['FLOOR', 'ROUND', 'CEIL']) {
      for (const signed of [true, false]) {
        const f: QuantFact = { kind: 'trunc', bits: 10, outBits: 4, signed, scale: [2 ** -6], zeroPoint: [0], outScale: [2 ** 0], rounding };
        const m = mapTrunc(f);
        if (!m.ok) {
          // CEIL has no ap_fixed quantization mode; it must be refused, not approximated.
          expect(rounding).toBe('CEIL');
          continue;
        }
        const cast = makeQuantizer(m.value.type);
        const ref = makeFakeQuant(f);
        for (let q = signed ? -512 : 0; q < 512; q++) {
          const x = q * 2 ** -6;
          expect(cast(x) + 0, `${rounding} ${signed} q=${q}`).toBe(ref(x, 0) + 0); // +0 folds -0
        }
      }
    }
  });

  it('Trunc v1 (5 inputs) shrinks values by 2^(in-out) and is refused with a reason', () => {
    const m = mapTrunc({ kind: 'trunc', bits: 8, outBits: 4, signed: true, scale: [0.25], zeroPoint: [0], rounding: 'FLOOR' });
    expect(m.ok).toBe(false);
    if (!m.ok) expect(m.reason).toMatch(/divides values by 2\^4/);
  });
});
