/**
 * @fileoverview The hls4ml layer-list loader (design_json of the public truth, and what the project
 * reader produces): every complete public row is either rebuilt into a valid IR graph with the
 * listed sizes, reuse factors and types, or refused with the reason (modified kernel, unknown
 * topology); the synthetic kernels keep the listed zero count exactly; CSD digit counting.
 */

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { csdDigits } from '../../../src/estimate/model.js';
import { DesignError, designToGraph, syntheticKernel, unsupportedReason } from '../../../src/estimate/hls4ml-design.js';
import type { Hls4mlLayer } from '../../../src/estimate/hls4ml-design.js';
import { parseCsv } from '../../../src/estimate/truth.js';
import { fixedType } from '../../../src/fixed/type.js';
import { verifyGraph } from '../../../src/ir/verify.js';
import { dataDir } from '../../helpers/data.js';

const rows = parseCsv(readFileSync(path.join(dataDir, 'truth', 'data', 'public_hls4ml_csynth.csv'), 'utf8'));

describe('design_json -> IR', () => {
  it('reads all 133 rows (quoted fields may hold newlines) and 63 complete designs', () => {
    expect(rows).toHaveLength(133);
    expect(rows.filter((r) => r.complete === 'True')).toHaveLength(63);
  });

  it('rebuilds every complete design or names why not', () => {
    let built = 0;
    for (const r of rows.filter((x) => x.complete === 'True')) {
      const layers = JSON.parse(r.design_json!) as Hls4mlLayer[];
      const why = unsupportedReason(layers);
      if (why) {
        expect(why, r.source).toMatch(/^(modified kernel|unknown topology|layer class)/);
        expect(() => designToGraph(layers, 'x')).toThrow(DesignError);
        continue;
      }
      let g;
      try {
        g = designToGraph(layers, 'x').graph;
      } catch (e) {
        // A design with a missing size is refused naming the layer and the field.
        expect((e as Error).message, r.source).toMatch(/^layer \S+: \w+ is (missing|not a size)/);
        continue;
      }
      built++;
      expect(verifyGraph(g), r.source).toEqual([]);
      // Every compute layer keeps its reuse factor and weight type (separable convolutions become
      // two IR layers and are left out of this check).
      if (layers.some((l) => l.class === 'SeparableConv2D' || l.class === 'PointwiseConv')) continue;
      const compute = layers.filter((l) => l.class === 'Dense' || l.class === 'Conv2D');
      const irCompute = g.layers.filter((l) => l.attrs.op === 'Dense' || l.attrs.op === 'Conv');
      expect(irCompute.map((l) => l.reuseFactor)).toEqual(compute.map((l) => l.reuse_factor ?? 1));
      expect(irCompute.map((l) => (l.precision.weight as { w: number }).w)).toEqual(compute.map((l) => Number(/<(\d+)/.exec(l.weight_t!)![1])));
    }
    expect(built).toBeGreaterThanOrEqual(49);
  });

  it('keeps conv geometry and inserts the flatten hls4ml leaves implicit', () => {
    const r = rows.find((x) => x.repo === 'pominiq/DNNonSilicon' && x.complete === 'True' && x.reuse_factors === '9;9;8')!;
    const { graph, ioType, strategy } = designToGraph(JSON.parse(r.design_json!), 'p');
    expect(ioType).toBe('io_stream');
    expect(strategy).toBe('resource');
    expect(graph.tensors.get(graph.inputs[0]!)!.shape).toEqual([28, 28, 1]);
    const conv = graph.layers.find((l) => l.attrs.op === 'Conv')!;
    expect(graph.tensors.get(conv.outputs[0]!)!.shape).toEqual([26, 26, 4]);
    expect(graph.layers.map((l) => l.attrs.op)).toContain('Flatten');
  });

  it('refuses modified kernels and branching designs with the layer named', () => {
    const base = { io_type: 'io_stream', input_t: 'ap_fixed<16,6>', result_t: 'ap_fixed<16,6>' };
    expect(unsupportedReason([{ name: 'c', class: 'Conv2D', hls_function: 'conv_2d_cl_me', ...base }])).toMatch(/modified kernel: c \(conv_2d_cl_me\)/);
    expect(unsupportedReason([{ name: 'k', class: 'Util', hls_function: 'clone_stream', ...base }])).toMatch(/unknown topology: k/);
    expect(() => designToGraph([{ name: 'd', class: 'Dense', hls_function: 'dense', n_in: 4, ...base }], 'x')).toThrow(/layer d: n_out is missing/);
  });

  it('synthetic kernels hold exactly n_zeros zeros, the rest non-zero codes of the weight type at the He scale', () => {
    for (const [n, z] of [[144, 127], [400 * 10, 3028], [36, 0], [9, 9]] as const) {
      const k = syntheticKernel([n], z, fixedType(5, 1));
      const data = Array.from(k.data);
      expect(data.filter((v) => v === 0)).toHaveLength(z);
      // Non-zero values are exact codes of ap_fixed<5,1> (LSB 1/16), within range.
      for (const v of data.filter((x) => x !== 0)) (expect(Number.isInteger(v * 16)).toBe(true), expect(Math.abs(v)).toBeLessThan(1));
    }
    // A 16-bit kernel of fan-in 64: spread like trained weights, std about sqrt(2/64) = 0.18.
    const wide = Array.from(syntheticKernel([64, 32], 0, fixedType(16, 6)).data);
    const sd = Math.sqrt(wide.reduce((a, v) => a + v * v, 0) / wide.length);
    expect(sd).toBeGreaterThan(0.15);
    expect(sd).toBeLessThan(0.21);
  });

  it('counts canonical signed digits', () => {
    expect([1, 2, 3, 7, 15, 23, 38, 85, 127].map(csdDigits)).toEqual([1, 1, 2, 2, 2, 3, 3, 4, 2]);
  });
});
