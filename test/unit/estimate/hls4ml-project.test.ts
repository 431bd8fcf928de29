/**
 * @fileoverview `fastml estimate HLS4ML_PROJECT_DIR` / `fastml report HLS4ML_PROJECT_DIR` on the two
 * hls4ml project fixtures (test/fixtures/hls4ml_projects, see its README): the jet MLP project gives
 * the same figures as the model + hls4ml config it was written from; the streamed CNN project gives
 * the same figures as its public truth row's design_json, and shows its csynth report beside the
 * estimate; bad projects fail with the file and layer named, exit code 2, nothing written.
 */

import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main.js';
import { memoryIO } from '../../../src/cli/io.js';
import { readHls4mlProject, projectOptions } from '../../../src/estimate/hls4ml-project.js';
import { designToGraph } from '../../../src/estimate/hls4ml-design.js';
import { estimate } from '../../../src/estimate/estimate.js';
import { parseCsv } from '../../../src/estimate/truth.js';
import { fixturesDir, projectRoot } from '../../helpers/data.js';

const projects = path.join(fixturesDir, 'hls4ml_projects');
const jetPrj = path.join(projects, 'jet_mlp_vivado');
const cnnPrj = path.join(projects, 'cnn_stream_vivado');

async function run(args: string[]) {
  const io = memoryIO(projectRoot);
  const code = await main(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('hls4ml project folders', () => {
  it('reads the part, clock, tool, layer order, sizes and types', () => {
    const p = readHls4mlProject(jetPrj);
    expect(p).toMatchObject({ top: 'myproject', part: 'xcvu13p-flga2577-2-e', clockNs: 5, backend: 'vivado', ioType: 'io_parallel' });
    expect(p.layers.map((l) => `${l.class}:${l.n_in ?? ''}x${l.n_out ?? ''}`)).toEqual(['Dense:16x64', 'ReLU:64x', 'Dense:64x32', 'ReLU:32x', 'Dense:32x32', 'ReLU:32x', 'Dense:32x5', 'Softmax:5x']);
    expect(p.layers[0]).toMatchObject({ strategy: 'latency', reuse_factor: 1, weight_t: 'ap_fixed<16,6>', accum_t: 'ap_fixed<16,6>', input_t: 'ap_fixed<16,6>' });
    // The weights come from firmware/weights/w2.txt, not from the zero count.
    const k = p.graph.layers.find((l) => l.attrs.op === 'Dense')!.weights.kernel!.data;
    expect(k[0]).toBeCloseTo(Number(readFileSync(path.join(jetPrj, 'firmware/weights/w2.txt'), 'utf8').split(',')[0]), 6);
  });

  it('estimate on the project = estimate on the model + hls4ml config it was written from', async () => {
    const model = path.join(fixturesDir, 'models/jet_mlp_3layer/KERAS_3layer.json');
    const cfg = path.join(fixturesDir, 'reference/hls4ml/jet_mlp_3layer_model_stable/config.yml');
    const a = await run(['estimate', model, '-c', cfg, '--json']);
    const b = await run(['estimate', jetPrj, '--json']);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const ja = JSON.parse(a.out);
    const jb = JSON.parse(b.out);
    expect(jb.total).toEqual(ja.total);
    expect(jb.layers).toEqual(ja.layers);
    expect(jb.part).toBe(ja.part);
    expect(jb.tool).toBe(ja.tool);
    // And the text tables agree line for line.
    const ta = (await run(['estimate', model, '-c', cfg])).out;
    const tb = (await run(['estimate', jetPrj])).out;
    expect(tb.split('\n').slice(1).join('\n')).toBe(ta);
  });

  it('the streamed CNN project estimates as its truth row\'s design and shows its csynth report', async () => {
    const src = readFileSync(path.join(cnnPrj, 'SOURCE.txt'), 'utf8').trim();
    const row = parseCsv(readFileSync(path.join(fixturesDir, 'truth/data/public_hls4ml_csynth.csv'), 'utf8')).find((r) => r.source === src)!;
    const fromRow = designToGraph(JSON.parse(row.design_json!), 'row');
    const p = readHls4mlProject(cnnPrj);
    expect(p.ioType).toBe('io_stream');
    const opts = projectOptions(p);
    expect(opts).toMatchObject({ part: row.part, clockNs: Number(row.clock_target_ns), backend: 'vivado', toolVersion: row.version });
    const e1 = estimate(p.graph, opts);
    const e2 = estimate(fromRow.graph, { ...opts, ioType: fromRow.ioType });
    expect(e1.total).toEqual(e2.total);
    const r = await run(['estimate', cnnPrj]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Report: .*myproject_csynth\.xml$/m);
    expect(r.out).toMatch(new RegExp(`^total +myproject +${e1.total.latency_cycles} / ${row.latency_best} `, 'm'));
    const rep = await run(['report', cnnPrj, '--json']);
    expect(rep.code).toBe(0);
    const j = JSON.parse(rep.out);
    expect(j.report.top.dsp).toBe(Number(row.DSP));
    expect(j.estimate.total.dsp).toBe(e1.total.dsp);
  });

  it('bad projects fail naming the file and layer, exit 2, and nothing is written', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'fastml-hls4ml-'));
    try {
      const none = await run(['estimate', path.join(tmp)]);
      expect(none.code).toBe(2);
      const bad = path.join(tmp, 'bad');
      cpSync(jetPrj, bad, { recursive: true });
      const params = path.join(bad, 'firmware/parameters.h');
      writeFileSync(params, readFileSync(params, 'utf8').replace('static const unsigned n_out = 32;', 'static const unsigned n_out = N_LAYER_NOPE;'));
      const before = readFileSync(params, 'utf8');
      const r = await run(['estimate', bad]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/FML2503: .*parameters\.h: node "fc2_relu": n_out = N_LAYER_NOPE: not a number/);
      expect(r.out).toBe('');
      expect(readFileSync(params, 'utf8')).toBe(before);
      const cpp = path.join(bad, 'firmware/myproject.cpp');
      writeFileSync(params, before.replace('N_LAYER_NOPE', '32'));
      writeFileSync(cpp, readFileSync(cpp, 'utf8').replace('nnet::relu<layer2_t', 'nnet::relu_me<layer2_t'));
      const m = await run(['estimate', bad]);
      expect(m.code).toBe(2);
      expect(m.err).toMatch(/FML2504: .*myproject\.cpp: .*nnet::relu_me is not an hls4ml layer function/);
      const flags = await run(['estimate', jetPrj, '--reuse', '4']);
      expect(flags.code).toBe(2);
      expect(flags.err).toMatch(/an hls4ml project fixes its configuration/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
