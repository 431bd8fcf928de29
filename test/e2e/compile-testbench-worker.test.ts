/**
 * @fileoverview The test bench computed in a worker thread while the project is written
 * (src/backends/testbench.ts) gives the same project, byte for byte, as the test bench computed in
 * the command's own thread, and so does the fallback when the worker fails. The built CLI (dist/)
 * compiles each model three ways in child processes: FASTML_TESTBENCH_WORKER=0 (this thread), =1
 * (a worker, whatever the size) and =fail (a worker that reports a failure: the outputs are then
 * computed in this thread); every file of the three projects must be equal. Models: dense, conv,
 * branched / residual, recurrent, several outputs.
 *
 * Needs a built dist/ (`npm run build`).
 */

import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dataDir, projectRoot } from '../helpers/data.js';
import { workerPays } from '../../src/backends/testbench.js';
import type { Graph } from '../../src/ir/graph.js';

const bin = path.join(projectRoot, 'bin/fastml.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-tbw-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function files(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const abs = path.join(dir, f);
    if (statSync(abs).isDirectory()) out.push(...files(abs, `${prefix}${f}/`));
    else out.push(`${prefix}${f}`);
  }
  return out;
}

const TRACE: Record<string, string | undefined> = { '0': undefined, '1': 'computed in a worker thread', fail: 'worker failed: computed in this thread' };

function compile(model: string, out: string, mode: string, extra: string[]): void {
  const r = spawnSync(process.execPath, [bin, 'compile', model, '-o', out, ...extra], { encoding: 'utf8', env: { ...process.env, FASTML_TESTBENCH_WORKER: mode, FASTML_TESTBENCH_TRACE: '1' } });
  expect(r.status, `${mode}: ${r.stderr}`).toBe(0);
  // Where the outputs came from, as the command says with FASTML_TESTBENCH_TRACE=1.
  const said = /fastml: test bench (.*)\n/.exec(r.stderr)?.[1];
  expect(said, `${mode}: ${r.stderr}`).toBe(TRACE[mode]);
}

const CASES: Array<[string, string, string[]]> = [
  ['jet tagger (dense)', 'jet_mlp_3layer/three_layer_keras.onnx', []],
  ['conv2d_small', 'conv2d_small/conv2d_small_keras.onnx', ['--samples', '8']],
  ['residual block, io_stream', 'onnx_residual_block/residual_block_clean.onnx', ['--samples', '4', '--io', 'stream']],
  ['GRU', 'gru_small/gru_small.json', ['--samples', '4']],
  ['QONNX branched separable conv', 'qonnx_branched_sepconv_chlast/branched_model_ch_last.onnx', ['--samples', '1']],
];

describe('test bench in a worker thread', () => {
  it('dist/ is built', () => {
    expect(existsSync(path.join(projectRoot, 'dist/backends/testbench-worker.js')), 'run `npm run build`').toBe(true);
  });

  for (const [label, rel, extra] of CASES) {
    it(`${label}: same project from this thread, a worker and the fallback`, () => {
      const model = path.join(dataDir, 'models', rel);
      expect(existsSync(model), model).toBe(true);
      const dirs = ['0', '1', 'fail'].map((mode) => {
        const d = path.join(tmp, `${label.replace(/\W+/g, '_')}_${mode}`);
        compile(model, d, mode, extra);
        return d;
      });
      const list = files(dirs[0]!);
      expect(list).toContain('tb_data/tb_output_predictions.dat');
      for (const d of dirs.slice(1)) {
        expect(files(d)).toEqual(list);
        for (const f of list) expect(readFileSync(path.join(d, f)).equals(readFileSync(path.join(dirs[0]!, f))), `${path.basename(d)}/${f}`).toBe(true);
      }
    }, 120_000);
  }

  it('the default sends only large test benches to a worker, and only with an idle second core', () => {
    const dense = (nIn: number, nOut: number): Graph['layers'][number] =>
      ({ name: `d${nIn}`, op: 'Dense', inputs: ['x'], outputs: ['y'], attrs: { op: 'Dense', nIn, nOut }, weights: { kernel: { data: new Float32Array(nIn * nOut), shape: [nIn, nOut] } } }) as unknown as Graph['layers'][number];
    const graph = (layers: Graph['layers']): Graph => ({ layers, tensors: new Map([['y', { shape: [layers[0]!.attrs.op === 'Dense' ? (layers[0]!.attrs as { nOut: number }).nOut : 1] }]]) }) as unknown as Graph;
    const jet = graph([dense(16, 64), dense(64, 32), dense(32, 32), dense(32, 5)]);
    const mlp = graph([dense(512, 512), dense(512, 512), dense(512, 10)]);
    const huge = graph([dense(2248, 2248), dense(2248, 2248)]);
    expect(workerPays(jet, 32, 2, 0)).toBe(false);
    expect(workerPays(mlp, 32, 2, 0)).toBe(true);
    expect(workerPays(mlp, 32, 2, 1.4)).toBe(true);
    expect(workerPays(mlp, 32, 2, 1.6)).toBe(false);
    expect(workerPays(mlp, 32, 1, 0)).toBe(false);
    expect(workerPays(mlp, 1, 2, 0)).toBe(false);
    expect(workerPays(huge, 32, 2, 0)).toBe(false);
  });
});
