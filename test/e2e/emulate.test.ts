/**
 * @fileoverview `fastml emulate` end to end (in-process CLI): reference case outputs bit for bit
 * through .npy, and the text formats (.dat in, .csv out) round-trip every bit; --trace and
 * --overflow; usage errors.
 */

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { decodeNpy } from '../../src/io/npy.js';
import { encodeTextRows, parseTextRows } from '../../src/io/index.js';
import { dataDir } from '../helpers/data.js';

const shared = dataDir;
const caseDir = path.join(shared, 'reference/hls4ml/jet_mlp_3layer_model_stable');
const model = path.join(shared, 'models/jet_mlp_3layer/KERAS_3layer.json');
const npy = (f: string) => decodeNpy(new Uint8Array(readFileSync(f)), f);

describe('fastml emulate', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-emu-'));

  it('reproduces hls4ml C simulation bit for bit (.npy in, .npy out) and writes traces', async () => {
    const io = memoryIO(tmp);
    const out = path.join(tmp, 'y.npy');
    const code = await main(['emulate', model, '--input', path.join(caseDir, 'X.npy'), '--config', path.join(caseDir, 'config.yml'), '--output', out, '--trace', path.join(tmp, 'tr'), '--overflow'], io);
    expect(io.stderr.replace(/^warning.*\n(  hint.*\n)?/gm, '')).toBe('');
    expect(code).toBe(0);
    const got = npy(out);
    const want = npy(path.join(caseDir, 'y.npy'));
    expect(got.shape).toEqual(want.shape);
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
    const traces = readdirSync(path.join(tmp, 'tr'));
    expect(traces).toContain('trace_fc1_relu.npy');
    const t = npy(path.join(tmp, 'tr', 'trace_output_softmax.npy'));
    const tw = npy(path.join(caseDir, 'trace_output_softmax.npy'));
    expect(Array.from(t.data.subarray(0, 5 * 500))).toEqual(Array.from(tw.data.subarray(0, 5 * 500)));
    // The overflow table names fc1's result (row 3 / 4 of X overflow fixed<16,6>).
    expect(io.stdout).toMatch(/fc1_relu\s+result/);
    expect(io.stdout).toMatch(/input_1\s+input/);
  });

  it('reads hls4ml .dat text and writes .csv with every bit', async () => {
    const X = npy(path.join(caseDir, 'X.npy'));
    const rows = { shape: [100, 16], data: X.data.subarray(0, 1600) };
    writeFileSync(path.join(tmp, 'x.dat'), encodeTextRows(rows, false));
    const io = memoryIO(tmp);
    const code = await main(['emulate', model, '-i', 'x.dat', '-c', path.join(caseDir, 'config.yml'), '-o', 'y.csv'], io);
    expect(code).toBe(0);
    const got = parseTextRows(readFileSync(path.join(tmp, 'y.csv'), 'utf8'), 'y.csv', true);
    const want = npy(path.join(caseDir, 'y.npy'));
    expect(got.shape).toEqual([100, 5]);
    expect(Array.from(got.data)).toEqual(Array.from(want.data.subarray(0, 500)));
  });

  it('--float writes the float64 reference, close to y_float64_ref.npy', async () => {
    const io = memoryIO(tmp);
    const code = await main(['emulate', model, '-i', path.join(caseDir, 'X.npy'), '--float', '-o', 'f.npy'], io);
    expect(code).toBe(0);
    const got = npy(path.join(tmp, 'f.npy'));
    const want = npy(path.join(caseDir, 'y_float64_ref.npy'));
    let max = 0;
    for (let i = 0; i < want.data.length; i++) max = Math.max(max, Math.abs(got.data[i]! - want.data[i]!));
    expect(max).toBeLessThan(1e-5);
  });

  it('a text input with the wrong row width is a usage error naming the line', async () => {
    writeFileSync(path.join(tmp, 'bad.dat'), '1 2 3\n');
    const io = memoryIO(tmp);
    const code = await main(['emulate', model, '-i', 'bad.dat'], io);
    expect(code).toBe(2);
    expect(io.stderr).toMatch(/FML6002.*bad\.dat.*line 1/);
    expect(io.stderr).not.toMatch(/at .*\.ts:/);
  });
});
