/**
 * @fileoverview Damaged files never crash the frontend: truncations of every shared ONNX model
 * and random byte flips give either a graph that verifies or a DiagnosticError (never another
 * exception, which the CLI would report as an internal error).
 */

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { DiagnosticError } from '../../../../src/diagnostics/diagnostic.js';
import { onnxToGraph } from '../../../../src/frontends/onnx/index.js';
import { decodeModel } from '../../../../src/frontends/onnx/proto.js';
import { verifyGraph } from '../../../../src/ir/verify.js';
import { readBytes, sharedOnnxModels } from '../../emulator/float-ort.helpers.js';

// The machine is shared and cold imports (onnxruntime, h5wasm) take seconds: generous timeouts.
vi.setConfig({ testTimeout: 60_000 });

function outcome(bytes: Uint8Array): 'graph' | 'diagnostic' {
  try {
    const g = onnxToGraph(decodeModel(bytes, 'fuzz.onnx'), 'fuzz.onnx');
    expect(verifyGraph(g)).toEqual([]);
    return 'graph';
  } catch (e) {
    if (e instanceof DiagnosticError) return 'diagnostic';
    throw e;
  }
}

// The 92 KB separable-conv model is slow to convert many times; the small ones cover the format.
const models = sharedOnnxModels().filter(([name]) => !name.startsWith('qonnx_branched'));

describe('damaged ONNX files', () => {
  for (const [name, file] of models)
    it(`truncations of ${name}`, () => {
      const bytes = readBytes(file);
      const seen = new Set<string>();
      for (let k = 1; k <= 40; k++) seen.add(outcome(bytes.subarray(0, Math.floor((bytes.length * k) / 41))));
      expect(seen.has('diagnostic')).toBe(true);
    });

  it('random byte changes', () => {
    const files = models.map(([, f]) => readBytes(f));
    fc.assert(
      fc.property(fc.nat(files.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (m, flips) => {
        const b = Uint8Array.from(files[m]!);
        for (const [pos, v] of flips) b[pos % b.length] = v;
        outcome(b);
      }),
      { numRuns: 300, seed: 424242 },
    );
  });
});
