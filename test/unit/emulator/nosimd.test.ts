/**
 * @fileoverview The JavaScript integer kernels (used where WebAssembly SIMD is unavailable) give
 * the same bits as hls4ml on the order-sensitive reference cases. FASTML_NO_SIMD is read once,
 * so it is set before the emulator is imported (each test file runs in its own process).
 */

import { describe, expect, it } from 'vitest';
import path from 'node:path';

process.env['FASTML_NO_SIMD'] = '1';
const { compileEmulator } = await import('../../../src/emulator/compile.js');
const { simdAvailable } = await import('../../../src/emulator/simd.js');
const { intChainsEnabled } = await import('../../../src/emulator/int-chain.js');
const { loadCase, readNpy, referenceCases } = await import('../../reference/helpers.js');

const wanted = ['jet_mlp_3layer_resource_rf4_satacc15_stream', 'jet_mlp_3layer_softmax_latency_rndsat', 'jet_mlp_3layer_model_stable'];
const cases = referenceCases().filter((c) => wanted.includes(c));

describe('JavaScript integer kernels (no SIMD)', () => {
  it('SIMD is off, and with it the Dense/ReLU chains', () => {
    expect(simdAvailable()).toBe(false);
    expect(intChainsEnabled()).toBe(false);
  });
  for (const name of cases) {
    it(`${name}: bit exact`, async () => {
      const c = await loadCase(name);
      const X = readNpy(path.join(c.dir, 'X.npy'));
      const Y = readNpy(path.join(c.dir, 'y.npy'));
      const emu = compileEmulator(c.graph);
      const m = emu.inputs[0]!.size;
      const k = emu.outputs[0]!.size;
      let bad = 0;
      for (let r = 0; r < X.shape[0]!; r++) {
        const [o] = emu.runSample([X.data.subarray(r * m, (r + 1) * m)]);
        for (let j = 0; j < k; j++) if (o![j] !== Y.data[r * k + j]) bad++;
      }
      expect(bad).toBe(0);
    });
  }
});
