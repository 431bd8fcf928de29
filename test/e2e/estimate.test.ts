/**
 * @fileoverview `fastml estimate` and `fastml report` end to end, in-process: the per-layer table
 * and utilization for the jet tagger on vu9p, the --json shape, a config's Resource strategy and
 * reuse, a sweep with Pareto points and emulator accuracy, report beside estimate on csynth files
 * written here, and usage errors with codes instead of stack traces.
 */

import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { vitisTop, vivadoTop } from '../unit/estimate/csynth-fixtures.js';
import { dataDir } from '../helpers/data.js';

const root = process.cwd();
const shared = dataDir;
const jet = existsSync(path.join(root, 'models/jet_tagger.onnx'))
  ? path.join(root, 'models/jet_tagger.onnx')
  : path.join(shared, 'models/jet_mlp_3layer/three_layer_keras.onnx');
const refCase = path.join(shared, 'reference/hls4ml/jet_mlp_3layer_resource_rf4_satacc_stream');
const kerasJet = path.join(shared, 'models/jet_mlp_3layer/KERAS_3layer.json');

async function run(args: string[]) {
  const io = memoryIO(root);
  const code = await main(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('fastml estimate', () => {
  it('prints per-layer figures and utilization for the jet tagger on vu9p', async () => {
    const r = await run(['estimate', jet, '--target', 'vu9p']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Estimate for xcvu9p-flga2104-2L-e \(vu9p\), DSP48E2, clock 5 ns, io_parallel/);
    expect(r.out).toMatch(/Tool modelled: Viv|Tool modelled: Vit/);
    expect(r.out).toMatch(/^\S+ +Dense +latency +1 +\d+ +[\d.]+ +1 +\d+ +\d+ +\d+ +\d+ +\d+$/m);
    expect(r.out).toMatch(/^total +\d+ +\d+ +\d+/m);
    expect(r.out).toMatch(/Utilization of xcvu9p-flga2104-2L-e: DSP [\d.]+%, LUT [\d.]+%, FF [\d.]+%, BRAM_18K [\d.]+%, URAM [\d.]+%/);
    expect(r.out).toMatch(/Utilization of one SLR/);
  });

  it('--json has the shape of issue 7 and follows --backend, --clock and --reuse', async () => {
    const a = JSON.parse((await run(['estimate', jet, '--target', 'vu9p', '--json', '--backend', 'vitis', '--clock', '4'])).out);
    expect(Object.keys(a)).toEqual(['tool', 'part', 'clock_ns', 'layers', 'total', 'utilization', 'warnings', 'range_basis']);
    expect(a.tool).toMatch(/^Vitis HLS/);
    expect(a.clock_ns).toBe(4);
    expect(Object.keys(a.layers[0])).toEqual(['name', 'op', 'latency_cycles', 'ii', 'dsp', 'lut', 'ff', 'bram_18k', 'uram']);
    expect(a.total.dsp).toBe(a.layers.reduce((s: number, l: { dsp: number }) => s + l.dsp, 0));
    const b = JSON.parse((await run(['estimate', jet, '--target', 'vu9p', '--json', '--backend', 'vitis', '--clock', '4', '--reuse', '4'])).out);
    // RF 4 caps the multipliers at hls4ml's multiplier_limit, ceil(16*64/4 + 64*32/4 + 32*32/4 + 32*5/4)
    // = 1064 (+5 for the softmax); at RF 1 Vitis builds the constants with few CSD digits in LUTs.
    expect(b.total.dsp).toBeLessThan(a.total.dsp);
    expect(b.total.dsp).toBeLessThanOrEqual(1064 + 5);
    // Shared multipliers: a new input every few cycles (the products left after shift-add constants,
    // on the multiplier limit: below RF, as the pruned public designs at RF 8 and 16 show).
    expect(b.total.ii).toBeGreaterThan(1);
    expect(b.total.ii).toBeLessThanOrEqual(4);
  });

  it('reads an hls4ml config (Resource, RF 4, io_stream)', async () => {
    const r = JSON.parse((await run(['estimate', kerasJet, '-c', path.join(refCase, 'config.yml'), '--json'])).out);
    expect(r.part).toBe('xcvu13p-flga2577-2-e');
    expect(r.tool).toMatch(/^Vivado HLS/);
    const dense = r.layers.filter((l: { op: string }) => l.op === 'Dense');
    expect(dense.length).toBeGreaterThan(1);
    expect(dense.every((l: { ii: number }) => l.ii >= 4)).toBe(true);
  });

  it('sweeps reuse x precision and marks Pareto points', async () => {
    const r = await run(['estimate', jet, '--target', 'vu9p', '--sweep', 'reuse=1,2,4', 'precision=8,16']);
    expect(r.code).toBe(0);
    const rows = r.out.split('\n').filter((l) => /fixed<(8,3|16,6)>/.test(l));
    expect(rows).toHaveLength(6);
    expect(rows.some((l) => l.startsWith('*'))).toBe(true);
    expect(r.out).toMatch(/Pareto point/);
  });

  it('adds emulator accuracy to the sweep with --input', async () => {
    const r = await run(['estimate', kerasJet, '--sweep', 'precision=6,16', '--input', path.join(refCase, 'X.npy'), '--samples', '100', '--json']);
    expect(r.err).toBe('');
    const pts = JSON.parse(r.out) as Array<{ precision: string; accuracy: number; pareto: boolean }>;
    expect(pts).toHaveLength(2);
    const acc = Object.fromEntries(pts.map((p) => [p.precision, p.accuracy]));
    expect(acc['16']).toBeGreaterThan(85);
    expect(acc['6']).toBeLessThanOrEqual(acc['16']!);
  });

  it('fails with a coded diagnostic on bad input, not a stack trace', async () => {
    const a = await run(['estimate', jet, '--target', 'zcu999']);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/error FML7001: unknown target "zcu999"/);
    const b = await run(['estimate', jet, '--backend', 'quartus']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/FML7002/);
    const c = await run(['estimate', jet, '--sweep', 'reuse=x']);
    expect(c.err).toMatch(/FML7010/);
    for (const x of [a, b, c]) expect(x.err).not.toMatch(/\n\s+at /);
  });
});

describe('fastml report', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fml-report-'));
  const vitisDir = path.join(dir, 'vitis_prj', 'myproject_prj', 'solution1', 'syn', 'report');
  const vivadoDir = path.join(dir, 'vivado_prj', 'myproject_prj', 'solution1', 'syn', 'report');
  mkdirSync(vitisDir, { recursive: true });
  mkdirSync(vivadoDir, { recursive: true });
  writeFileSync(path.join(vitisDir, 'csynth.xml'), vitisTop());
  writeFileSync(path.join(vivadoDir, 'myproject_csynth.xml'), vivadoTop({ lat: 9, ii: 1, dsp: 1104, lut: 45000, ff: 9000, bram: 4 }));

  it('shows a Vitis HLS report alone', async () => {
    const r = await run(['report', path.join(dir, 'vitis_prj')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Tool: Vitis HLS 2023\.2; part xcu250-figd2104-2L-e/);
    expect(r.out).toMatch(/^total +1923 +1923 +5 +15198 +10011 +1 +0$/m);
  });

  it('shows a Vivado HLS report beside the estimate of the model', async () => {
    const r = await run(['report', path.join(dir, 'vivado_prj'), '--model', jet]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Tool: Vivado HLS 2020\.1/);
    expect(r.out).toMatch(/Estimate: Vivado HLS 2020\.1/);
    expect(r.out).toMatch(/^total +myproject +\d+ \/ 9 \([+-]\d+%\) +\d+ \/ 1104/m);
    const j = JSON.parse((await run(['report', path.join(dir, 'vivado_prj'), '--model', jet, '--json'])).out);
    expect(j.report.top.dsp).toBe(1104);
    expect(j.estimate.part).toBe('xcvu9p-flga2104-2L-e');
  });

  it('also takes one csynth.xml file', async () => {
    const r = await run(['report', path.join(vitisDir, 'csynth.xml')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/dense_resource\S*config2_s +961 +961 +2 +6000 +4000 +0 +0/);
  });

  it('says where reports are expected when there are none', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'fml-report-empty-'));
    const r = await run(['report', empty]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/FML7023: .*no csynth.xml/);
  });
});
