/**
 * @fileoverview The per-layer SIMD Dense kernel (src/emulator/simd.ts simdDense) with its weights
 * stored as int16 (where the weight type's raw values fit) and as int32: both reproduce hls4ml's C
 * simulation on every reference case with a Dense layer. Chains are switched off
 * (FASTML_NO_CHAIN), so that every Dense layer the integer kernels take goes through simdDense.
 * (Random layers and types against a BigInt reference: dense.property.test.ts.)
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { compileEmulator } from '../../../src/emulator/compile.js';
import { runBatch } from '../../../src/emulator/index.js';
import { simdAvailable, simdOptions } from '../../../src/emulator/simd.js';
import { loadCase, readNpy, referenceCases } from '../../reference/helpers.js';

beforeAll(() => {
  process.env['FASTML_NO_CHAIN'] = '1';
});
afterAll(() => {
  delete process.env['FASTML_NO_CHAIN'];
});

/** Rows compared per case (the reference files hold up to a few thousand). */
const ROWS = 400;

describe('simdDense with int16 and int32 weights against hls4ml', () => {
  it('SIMD is available here (the kernels below are the WebAssembly ones)', () => {
    expect(simdAvailable()).toBe(true);
  });

  let narrow = 0;
  for (const name of referenceCases()) {
    it(`${name}: bit exact with either weight storage`, async () => {
      const c = await loadCase(name);
      const dense = c.graph.layers.filter((l) => l.attrs.op === 'Dense');
      if (dense.length === 0 || c.graph.inputs.length !== 1) return;
      // Dense layers whose weight type fits int16 (so the int16 storage is taken).
      narrow += dense.filter((l) => {
        const w = l.precision?.weight;
        return w !== undefined && typeof w !== 'string' && w.w <= (w.signed ? 16 : 15);
      }).length;
      const X = readNpy(path.join(c.dir, 'X.npy'));
      const Y = readNpy(path.join(c.dir, 'y.npy'));
      for (const w16 of [true, false]) {
        simdOptions.w16 = w16;
        try {
          const emu = compileEmulator(c.graph);
          const inSize = emu.inputs[0]!.size;
          const outSize = emu.outputs[0]!.size;
          const n = Math.min(ROWS, X.shape[0]!);
          const out = runBatch(emu, n, [X.data.subarray(0, n * inSize)]).outputs[emu.outputs[0]!.name]!;
          let bad = 0;
          for (let k = 0; k < n * outSize; k++) if (out[k] !== Y.data[k]) bad++;
          expect(bad, `${name}, int16 weights ${w16}`).toBe(0);
        } finally {
          simdOptions.w16 = true;
        }
      }
    });
  }

  it('some reference Dense layers have weight types that fit int16', () => {
    expect(narrow).toBeGreaterThan(3);
  });
});
