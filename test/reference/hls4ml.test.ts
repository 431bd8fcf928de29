/**
 * @fileoverview Acceptance: for every case in ../shared/reference/hls4ml, the emulator with the
 * case's config reproduces hls4ml's C-simulation outputs bit for bit on every row, and every traced
 * layer output on the traced rows. Exact comparison, no tolerance; both the fast kernels and the
 * accounting kernels are checked.
 */

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { compileEmulator } from '../../src/emulator/compile.js';
import { loadCase, readNpy, referenceCases, traceRows } from './helpers.js';

const cases = referenceCases();

function mismatchSummary(got: Float64Array, want: Float64Array, cols: number): string {
  const rows = new Set<number>();
  let first = '';
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      rows.add(Math.floor(i / cols));
      if (!first) first = `first at row ${Math.floor(i / cols)} col ${i % cols}: got ${got[i]} want ${want[i]}`;
    }
  }
  return rows.size ? `${rows.size} rows differ; ${first}; rows ${[...rows].slice(0, 12).join(',')}` : '';
}

describe('hls4ml reference cases (bit exact)', () => {
  for (const name of cases) {
    it(`${name}: y.npy and traces`, async () => {
      const c = await loadCase(name);
      const X = readNpy(path.join(c.dir, 'X.npy'));
      const Y = readNpy(path.join(c.dir, 'y.npy'));
      for (const accounting of [false, true]) {
        const emu = compileEmulator(c.graph, { accounting });
        const inSize = emu.inputs[0]!.size;
        const outSize = emu.outputs[0]!.size;
        const n = X.shape[0]!;
        expect(X.data.length).toBe(n * inSize);
        const got = new Float64Array(n * outSize);
        for (let r = 0; r < n; r++) {
          const [out] = emu.runSample([X.data.subarray(r * inSize, (r + 1) * inSize)]);
          got.set(out!, r * outSize);
        }
        expect(mismatchSummary(got, Y.data, outSize), `${name} accounting=${accounting}`).toBe('');
      }
      // Per-layer traces on the traced rows.
      const traces = Object.keys(c.caseYml.traces ?? {});
      if (traces.length === 0) return;
      const rows = traceRows(c.caseYml.trace_input_rows);
      const emu = compileEmulator(c.graph);
      const inSize = emu.inputs[0]!.size;
      const byName = new Map(emu.layers.map((l) => [l.name, l]));
      const want = new Map<string, { data: Float64Array; size: number }>();
      for (const f of traces) {
        const layer = f.replace(/^trace_/, '').replace(/\.npy$/, '');
        expect(byName.has(layer), `traced layer ${layer} exists in fastml's graph`).toBe(true);
        const t = readNpy(path.join(c.dir, f));
        want.set(layer, { data: t.data, size: t.data.length / rows.length });
      }
      const got = new Map<string, Float64Array>();
      for (const [k, v] of want) got.set(k, new Float64Array(v.data.length));
      rows.forEach((r, j) => {
        emu.runSample([X.data.subarray(r * inSize, (r + 1) * inSize)]);
        for (const [layer, w] of want) got.get(layer)!.set(emu.buffer(byName.get(layer)!.tensor).subarray(0, w.size), j * w.size);
      });
      for (const [layer, w] of want) expect(mismatchSummary(got.get(layer)!, w.data, w.size), `${name} trace ${layer}`).toBe('');
    });
  }
});

it('the reference folder has cases', () => {
  expect(cases.length).toBeGreaterThan(0);
});
