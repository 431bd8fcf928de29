/**
 * @fileoverview Generated inputs (`--input random[:N][:SEED]`, `zeros[:N]`): the spec grammar and
 * its errors, bit-for-bit determinism, the documented distribution (N(0,1) clipped to the input
 * type, uniform for unsigned types), and the model's own layout.
 */

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { DiagnosticError } from '../../../src/diagnostics/diagnostic.js';
import { parseFixed } from '../../../src/fixed/type.js';
import { generateInputs, inputDescs, isInputSpec, parseInputSpec } from '../../../src/io/generate.js';
import { loadModel } from '../../../src/frontends/index.js';
import { projectRoot } from '../../helpers/data.js';

function stats(a: Float64Array): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of a) {
    s += x;
    s2 += x * x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean), min, max };
}

describe('generated inputs', () => {
  it('parses random[:N][:SEED] and zeros[:N], and refuses anything malformed with exit 2', () => {
    expect(parseInputSpec('random')).toEqual({ kind: 'random', n: 32, seed: 1 });
    expect(parseInputSpec('random:100')).toEqual({ kind: 'random', n: 100, seed: 1 });
    expect(parseInputSpec('random:100:7')).toEqual({ kind: 'random', n: 100, seed: 7 });
    expect(parseInputSpec('zeros:5')).toEqual({ kind: 'zeros', n: 5, seed: 0 });
    expect(parseInputSpec('x.npy')).toBeUndefined();
    expect(parseInputSpec('./random')).toBeUndefined();
    expect(parseInputSpec('randomness.npy')).toBeUndefined();
    expect(isInputSpec('/data/random:1')).toBe(false);
    for (const bad of ['random:0', 'random:-3', 'random:1.5', 'random:x', 'random:10:1:2', 'zeros:3:4', 'random:', 'random:10:', 'random:99999999999', 'random:4:5000000000']) {
      try {
        parseInputSpec(bad, '--input');
        expect.unreachable(bad);
      } catch (e) {
        expect(e, bad).toBeInstanceOf(DiagnosticError);
        expect((e as DiagnosticError).exitCode).toBe(2);
        expect((e as DiagnosticError).message).toContain(`--input ${bad}:`);
      }
    }
  });

  it('gives the same bits for the same spec, other bits for another seed', () => {
    const desc = [{ name: 'x', shape: [3, 4] }];
    const a = generateInputs(parseInputSpec('random:50:9')!, desc).get('x')!;
    const b = generateInputs(parseInputSpec('random:50:9')!, desc).get('x')!;
    const c = generateInputs(parseInputSpec('random:50:10')!, desc).get('x')!;
    expect(a.shape).toEqual([50, 3, 4]);
    expect(a.n).toBe(50);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(c.data.buffer))).toBe(false);
    // Pinned values: the generator must not drift between versions (users rerun specs).
    expect(Array.from(a.data.subarray(0, 3)).map((x) => x.toFixed(6))).toEqual(PINNED);
    for (const x of a.data) expect(Math.fround(x)).toBe(x); // float32 values
    // Two inputs of one model get different streams.
    const two = generateInputs(parseInputSpec('random:10:9')!, [{ name: 'p', shape: [4] }, { name: 'q', shape: [4] }]);
    expect(Array.from(two.get('p')!.data)).not.toEqual(Array.from(two.get('q')!.data));
  });

  it('draws N(0,1) clipped to a signed input type, uniform over an unsigned one, zeros for zeros', () => {
    const free = stats(generateInputs(parseInputSpec('random:20000:3')!, [{ name: 'x', shape: [4] }]).get('x')!.data);
    expect(Math.abs(free.mean)).toBeLessThan(0.03);
    expect(Math.abs(free.std - 1)).toBeLessThan(0.03);
    expect(free.min).toBeLessThan(-3);
    const narrow = parseFixed('fixed<8,2>'); // [-2, 1.984375]
    const n = stats(generateInputs(parseInputSpec('random:20000:3')!, [{ name: 'x', shape: [4], type: narrow }]).get('x')!.data);
    expect(n.min).toBe(-2);
    expect(n.max).toBe(1.984375);
    const u = parseFixed('ufixed<8,0>'); // [0, 0.99609375]
    const us = stats(generateInputs(parseInputSpec('random:20000:3')!, [{ name: 'x', shape: [4], type: u }]).get('x')!.data);
    expect(us.min).toBeGreaterThanOrEqual(0);
    expect(us.max).toBeLessThanOrEqual(0.99609375);
    expect(Math.abs(us.mean - 0.498)).toBeLessThan(0.01);
    const z = generateInputs(parseInputSpec('zeros:7')!, [{ name: 'x', shape: [2, 2] }]).get('x')!;
    expect(z.data.length).toBe(28);
    expect(z.data.every((x) => x === 0)).toBe(true);
  });

  it('uses the model\'s own input layout (channels-first stays channels-first)', async () => {
    const g = await loadModel(path.join(projectRoot, 'models/conv2d_small.onnx'));
    const d = inputDescs(g);
    expect(d).toHaveLength(1);
    expect(d[0]!.shape).toEqual([1, 16, 16]);
    expect(g.tensors.get(g.inputs[0]!)!.shape).toEqual([16, 16, 1]); // the IR is channels-last
    expect(generateInputs(parseInputSpec('random:3')!, d).get(d[0]!.name)!.shape).toEqual([3, 1, 16, 16]);
  });
});

// random:50:9, first three values (float32, printed to 6 places), as this version generates them.
const PINNED = ['0.395355', '0.240678', '-0.601179'];
