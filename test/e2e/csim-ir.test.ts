/**
 * @fileoverview Layers no shared model and no ONNX construct reaches, built directly as a typed IR
 * graph and taken through the backend's API (buildProject, writeProject, runCsim) with the emulator
 * computing the expected outputs: 2-D cropping, relu6, hard tanh, binary and ternary tanh, ELU with
 * alpha != 1, a transpose, and odd types (unsigned, rounding and saturating result types).
 */

import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Graph, Layer, LayerAttrs, TensorInfo } from '../../src/ir/graph.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { fixedType } from '../../src/fixed/type.js';
import type { FixedType } from '../../src/fixed/type.js';
import { compileEmulator, runBatch } from '../../src/emulator/index.js';
import { buildProject } from '../../src/backends/project.js';
import { writeProject } from '../../src/backends/writer.js';
import { runCsim } from '../../src/backends/csim-run.js';
import { generateSamples } from '../../src/backends/compile-run.js';
import { numel } from '../../src/ir/graph.js';
import type { IoType } from '../../src/backends/view-types.js';

const T = fixedType(16, 6);

function graph(): Graph {
  const tensors = new Map<string, TensorInfo>();
  const layers: Layer[] = [];
  let k = 0;
  const add = (name: string, attrs: LayerAttrs, inputs: string[], shape: number[], res: FixedType = T, extra: Partial<Layer> = {}): string => {
    const out = `t${k++}`;
    tensors.set(out, { name: out, shape });
    layers.push({ name, attrs, inputs, outputs: [out], weights: {}, precision: { result: res }, ...extra });
    return out;
  };
  const x = add('x', { op: 'Input' }, [], [6, 7, 2]);
  const cr = add('crop', { op: 'Crop', dims: 2, crop: { top: 1, bottom: 0, left: 2, right: 1 } }, [x], [5, 4, 2]);
  const r6 = add('relu6', { op: 'Activation', activation: 'relu6' }, [cr], [5, 4, 2], fixedType(10, 4, false, 'AP_RND', 'AP_SAT'));
  const tr = add('perm', { op: 'Transpose', perm: [2, 0, 1] }, [r6], [2, 5, 4]);
  const fl = add('flat', { op: 'Flatten' }, [tr], [40]);
  const rand = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 12.9898 + seed) * 0.7));
  const d1 = add('fc', { op: 'Dense', nIn: 40, nOut: 8 }, [fl], [8], fixedType(12, 4, true, 'AP_RND_CONV', 'AP_SAT'), {
    weights: { kernel: { shape: [40, 8], data: rand(320, 1) }, bias: { shape: [8], data: rand(8, 2) } },
    precision: { result: fixedType(12, 4, true, 'AP_RND_CONV', 'AP_SAT'), accum: fixedType(20, 8), weight: fixedType(8, 1), bias: fixedType(8, 2) },
  });
  const ht = add('htanh', { op: 'Activation', activation: 'hard_tanh', slope: 0.5, shift: 0.5 }, [d1], [8]);
  const el = add('elu', { op: 'Activation', activation: 'elu', alpha: 0.75 }, [d1], [8], T, { tableSize: 512 });
  const bt = add('btanh', { op: 'Activation', activation: 'binary_tanh' }, [d1], [8], fixedType(2, 2));
  const tt = add('ttanh', { op: 'Activation', activation: 'ternary_tanh' }, [d1], [8], fixedType(2, 2));
  add('cat', { op: 'Concat', axis: 0 }, [ht, el, bt, tt], [32]);
  return { name: 'ir_zoo', inputs: [x], outputs: [`t${k - 1}`], tensors, layers, inputLayouts: {}, meta: {} };
}

describe('IR-built layers through the backend API', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-ir-'));
  const g = graph();

  it('is a valid graph', () => {
    expect(verifyGraph(g)).toEqual([]);
  });

  for (const io of ['io_parallel', 'io_stream'] as IoType[])
    it(`compiles and C-simulates bit-exactly (${io})`, () => {
      const n = 24;
      const data = generateSamples(g, n).map((d) => d.map((v) => v * 4)); // reach relu6's cap and the tables' ends
      const emu = compileEmulator(g);
      const out = runBatch(emu, n, data);
      const size = numel(g.tensors.get(g.inputs[0]!)!.shape);
      const tbInputs = Array.from({ length: n }, (_, s) => Array.from(data[0]!.subarray(s * size, (s + 1) * size)));
      const y = out.outputs[g.outputs[0]!]!;
      const tbOutputs = Array.from({ length: n }, (_, s) => Array.from(y.subarray(s * 32, (s + 1) * 32)));
      const files = buildProject(g, {
        project: 'ir_zoo',
        backend: 'vitis',
        io,
        part: 'xczu9eg-ffvb1156-2-e',
        clockNs: 4,
        modelFile: 'ir_zoo.ir',
        modelSha256: '0'.repeat(64),
        fastmlVersion: 'test',
        settings: {},
        tbInputs,
        tbOutputs,
      });
      const dir = path.join(tmp, io);
      writeProject(dir, files, false);
      const r = runCsim({ dir });
      expect(r.compileOutput).toBe('');
      expect(r.runErrors).toBe('');
      expect(r.runOutput).toContain(`${n} samples, 32 outputs each, 0 mismatching values`);
      expect(r.exitCode).toBe(0);
    });
});
