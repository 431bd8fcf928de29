/**
 * @fileoverview `fastml check` end to end: exit code follows the thresholds (both outcomes),
 * --reference with hls4ml's own outputs gives zero error, JSON and JUnit reports, ONNX models are
 * compared with onnxruntime-web.
 */

import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { dataDir } from '../helpers/data.js';

const shared = dataDir;
const caseDir = path.join(shared, 'reference/hls4ml/jet_mlp_3layer_model_stable');
const model = path.join(shared, 'models/jet_mlp_3layer/KERAS_3layer.json');
const X = path.join(caseDir, 'X.npy');
const cfg = path.join(caseDir, 'config.yml');

describe('fastml check', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-check-'));

  it('passes (exit 0) when the thresholds hold, with sensible figures', async () => {
    const io = memoryIO(tmp);
    const code = await main(['check', model, '-i', X, '-c', cfg, '--max-abs-err', '1.01', '--min-agreement', '0.95', '--json'], io);
    expect(code).toBe(0);
    const r = JSON.parse(io.stdout);
    expect(r.passed).toBe(true);
    expect(r.samples).toBe(2000);
    const o = r.outputs[0];
    // README: csim vs float64, all rows: max 1, mean 0.0222, argmax agreement 0.986.
    expect(o.maxAbsErr).toBeCloseTo(1, 3);
    expect(o.meanAbsErr).toBeGreaterThan(0.015);
    expect(o.meanAbsErr).toBeLessThan(0.03);
    expect(o.agreement).toBeCloseTo(0.986, 2);
    expect(r.layers.map((l: { layer: string }) => l.layer)).toContain('fc1_relu');
    // Edge rows 3-5 overflow the input type fixed<16,6>, and a few hidden pre-activations wrap
    // the fixed<16,6> accumulators (README): the overflow table must show both.
    const inp = r.overflow.find((x: { layer: string; variable: string }) => x.layer === 'input_1' && x.variable === 'input');
    expect(inp.overflow + inp.underflow).toBeGreaterThanOrEqual(16 * 3);
    expect(inp.wrapped).toBe(inp.overflow + inp.underflow);
    const accWraps = r.overflow.filter((x: { variable: string }) => x.variable === 'accum').reduce((s: number, x: { wrapped: number }) => s + x.wrapped, 0);
    expect(accWraps).toBeGreaterThan(0);
  });

  it('fails (exit 1) when a threshold is missed, and says which in text and JUnit', async () => {
    const io = memoryIO(tmp);
    const junit = path.join(tmp, 'report.xml');
    const code = await main(['check', model, '-i', X, '-c', cfg, '--max-abs-err', '0.01', '--min-agreement', '0.999', '--junit', junit], io);
    expect(code).toBe(1);
    expect(io.stdout).toMatch(/FAIL: output .*max abs error 1 \(limit 0\.01\)/);
    expect(io.stdout).toMatch(/FAIL: output .*argmax agreement 0\.98\d* \(limit 0\.999\)/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuites tests="3" failures="2">/);
    expect((xml.match(/<failure /g) ?? []).length).toBe(2);
  });

  it('--reference with hls4ml C-sim outputs: zero error', async () => {
    const io = memoryIO(tmp);
    const code = await main(['check', model, '-i', X, '-c', cfg, '-r', path.join(caseDir, 'y.npy'), '--max-abs-err', '0', '--min-agreement', '1'], io);
    expect(io.stdout).toMatch(/max abs err 0,/);
    expect(code).toBe(0);
  });

  const onnx = path.join(shared, 'models/jet_mlp_3layer/three_layer_keras.onnx');
  it('ONNX models are compared with onnxruntime-web', async () => {
    const io = memoryIO(tmp);
    const code = await main(['check', onnx, '-i', X, '--json'], io);
    expect(io.stderr.replace(/^(warning|  hint).*\n/gm, '')).toBe('');
    const r = JSON.parse(io.stdout);
    expect(r.reference).toBe('onnxruntime');
    expect(r.outputs[0].maxAbsErr).toBeLessThan(1.01);
    expect(code).toBe(0);
  });
});
