/**
 * @fileoverview `--input random[:N][:SEED]` / `zeros[:N]` on emulate, check and compile, and
 * `--calibration random:N` for --quantize auto (estimate, report, compile share it): inputs
 * without Python, the same bits as the equivalent .npy file in the model's own layout, and the
 * same bits on every run.
 */

import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { decodeNpy, writeTensorFile } from '../../src/io/index.js';
import { generateInputs, parseInputSpec } from '../../src/io/generate.js';
import { projectRoot } from '../helpers/data.js';
import { vivadoTop } from '../unit/estimate/csynth-fixtures.js';

async function cli(cwd: string, ...argv: string[]) {
  const io = memoryIO(cwd);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('generated inputs on the commands', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-gen-'));
  const jet = path.join(projectRoot, 'models/jet_tagger.onnx');
  const conv = path.join(projectRoot, 'models/conv2d_small.onnx');

  it('emulate: N samples, the same bits on every run, and as the same data given as a file', async () => {
    const a = await cli(tmp, 'emulate', jet, '-i', 'random:20:5', '-o', 'a.npy');
    expect(a.code, a.err).toBe(0);
    expect(a.out).toContain('inputs: 20 random samples (seed 5');
    const b = await cli(tmp, 'emulate', jet, '-i', 'random:20:5', '-o', 'b.npy');
    expect(b.code).toBe(0);
    const ya = readFileSync(path.join(tmp, 'a.npy'));
    expect(ya.equals(readFileSync(path.join(tmp, 'b.npy')))).toBe(true);
    expect(decodeNpy(ya).shape).toEqual([20, 5]);
    const c = await cli(tmp, 'emulate', jet, '-i', 'random:20:6', '-o', 'c.npy');
    expect(c.code).toBe(0);
    expect(ya.equals(readFileSync(path.join(tmp, 'c.npy')))).toBe(false);

    // A channels-first model: the generated samples are in its own layout [N, 1, 16, 16], exactly
    // what a user's .npy would hold.
    const spec = parseInputSpec('random:3:2')!;
    const x = generateInputs(spec, [{ name: 'input', shape: [1, 16, 16] }]).get('input')!;
    writeTensorFile(path.join(tmp, 'x.npy'), [{ name: 'input', shape: x.shape, data: x.data }], { dtype: 'f4' });
    const fromSpec = await cli(tmp, 'emulate', conv, '-i', 'random:3:2', '-o', 'cs.npy');
    const fromFile = await cli(tmp, 'emulate', conv, '-i', 'x.npy', '-o', 'cf.npy');
    expect(fromSpec.code, fromSpec.err).toBe(0);
    expect(fromFile.code, fromFile.err).toBe(0);
    expect(readFileSync(path.join(tmp, 'cs.npy')).equals(readFileSync(path.join(tmp, 'cf.npy')))).toBe(true);

    const z = await cli(tmp, 'emulate', jet, '-i', 'zeros:4', '-o', 'z.npy');
    expect(z.code).toBe(0);
    const yz = decodeNpy(readFileSync(path.join(tmp, 'z.npy')));
    expect(yz.shape).toEqual([4, 5]);
    // Every zero sample gives the same outputs.
    expect(Array.from(yz.data.subarray(0, 5))).toEqual(Array.from(yz.data.subarray(15, 20)));
  });

  it('check and compile take them; a malformed spec is a usage error', async () => {
    const c = await cli(tmp, 'check', jet, '-i', 'random:64:1', '--json');
    expect(c.code, c.err).toBe(0);
    expect(JSON.parse(c.out).samples).toBe(64);
    const p = await cli(tmp, 'compile', jet, '-i', 'random:6:3', '-o', 'prj');
    expect(p.code, p.err).toBe(0);
    const rows = readFileSync(path.join(tmp, 'prj/tb_data/tb_input_features.dat'), 'utf8').trim().split('\n');
    expect(rows).toHaveLength(6);
    const x = generateInputs(parseInputSpec('random:6:3')!, [{ name: 'input', shape: [16] }]).get('input')!;
    expect(rows[5]!.split(' ').map(Number)).toEqual(Array.from(x.data.subarray(5 * 16, 6 * 16)));
    for (const argv of [['emulate', jet, '-i', 'random:abc'], ['check', jet, '-i', 'zeros:1:2'], ['compile', jet, '-i', 'random:0', '-o', 'p0']]) {
      const r = await cli(tmp, ...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toContain('FML6010');
    }
  });

  it('--calibration random:N calibrates --quantize auto without a file', async () => {
    const a = await cli(tmp, 'estimate', jet, '--quantize', 'auto', '--calibration', 'random:200:4', '--json');
    expect(a.code, a.err).toBe(0);
    expect(JSON.parse(a.out).pipeline.report.quantizeAuto.samples).toBe(200);
    const b = await cli(tmp, 'estimate', jet, '--quantize', 'auto', '--calibration', 'random:200:4', '--json');
    expect(b.out).toBe(a.out);
    // report shares the pass flags: its estimate beside a synthesis report uses the same types.
    const rep = path.join(tmp, 'built_prj', 'myproject_prj', 'solution1', 'syn', 'report');
    mkdirSync(rep, { recursive: true });
    writeFileSync(path.join(rep, 'myproject_csynth.xml'), vivadoTop({ lat: 12, ii: 1, dsp: 900, lut: 40000, ff: 9000, bram: 0 }));
    const r = await cli(tmp, 'report', path.join(tmp, 'built_prj'), '--model', jet, '--quantize', 'auto', '--calibration', 'random:200:4', '--json');
    expect(r.code, r.err).toBe(0);
    const rj = JSON.parse(r.out);
    expect(rj.pipeline.report.quantizeAuto).toEqual(JSON.parse(a.out).pipeline.report.quantizeAuto);
  });
});
