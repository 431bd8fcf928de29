#!/usr/bin/env node
/**
 * @fileoverview Emulator throughput on the recurrent / LayerNorm hls4ml reference cases (GRU, LSTM,
 * GRU + TimeDistributed, LayerNorm MLP), single-threaded, with two same-run references: fastml's
 * float64 evaluator of the same graph, and the emulator on the jet tagger (a Dense-only model).
 * Before timing, every case is checked bit for bit against hls4ml's C simulation (y.npy).
 *
 * Usage: npm run build && node bench/emulator/recurrent.mjs [--samples N] [--runs R] [--json]
 * Prints medians over R runs (default 3) and the load average.
 */

import os from 'node:os';
import { loadCase, dist } from './common.mjs';

const args = process.argv.slice(2);
const opt = (k, d) => (args.indexOf(k) >= 0 ? Number(args[args.indexOf(k) + 1]) : d);
const SAMPLES = opt('--samples', 20000);
const RUNS = opt('--runs', 3);
const json = args.includes('--json');

const { compileEmulator } = await dist('emulator/compile.js');
const { runBatch } = await dist('emulator/index.js');
const { evaluateFloat } = await dist('emulator/float.js');

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
function tile(X, n) {
  const m = X.data.length / X.shape[0];
  const out = new Float64Array(n * m);
  for (let s = 0; s < n; s++) out.set(X.data.subarray((s % X.shape[0]) * m, ((s % X.shape[0]) + 1) * m), s * m);
  return out;
}
function rate(fn, n) {
  const t0 = performance.now();
  fn();
  return n / ((performance.now() - t0) / 1000);
}

const load0 = os.loadavg();
const rows = [];
for (const [label, name] of [
  ['jet tagger (Dense-only reference)', 'jet_mlp_3layer_model_stable'],
  ['GRU(16) over 20 steps, fixed<16,6>', 'gru_small'],
  ['LSTM(16) over 20 steps, Resource, RND/SAT', 'lstm_small_resource_rf4_table2048_rndsat'],
  ['GRU(8) sequence + TimeDistributed(Dense)', 'gru_seq_dense'],
  ['Dense + LayerNorm(32) + Dense', 'layernorm_mlp_accum24_table2048'],
]) {
  const { graph, X, Y } = await loadCase(name);
  const emu = compileEmulator(graph);
  const got = Object.values(runBatch(emu, X.shape[0], [X.data]).outputs)[0];
  let bad = 0;
  for (let i = 0; i < Y.data.length; i++) if (got[i] !== Y.data[i]) bad++;
  const data = tile(X, SAMPLES);
  const m = emu.inputs[0].size;
  runBatch(emu, Math.min(SAMPLES, 2000), [data]);
  const fixed = [];
  const float = [];
  const nf = Math.min(SAMPLES, 5000);
  for (let r = 0; r < RUNS; r++) {
    fixed.push(rate(() => runBatch(emu, SAMPLES, [data]), SAMPLES));
    float.push(
      rate(() => {
        for (let s = 0; s < nf; s++) evaluateFloat(graph, { [graph.inputs[0]]: data.subarray(s * m, (s + 1) * m) });
      }, nf),
    );
  }
  rows.push({ label, name, fixed: median(fixed), float: median(float), ratio: median(fixed.map((f, k) => f / float[k])), exact: `${Y.shape[0] - new Set([...Array(Y.data.length).keys()].filter((i) => got[i] !== Y.data[i]).map((i) => Math.floor(i / (Y.data.length / Y.shape[0])))).size}/${Y.shape[0]} rows`, bad });
}
const load1 = os.loadavg();
if (json) console.log(JSON.stringify({ samples: SAMPLES, runs: RUNS, loadavg: [load0, load1], rows }, null, 2));
else {
  console.log(`node ${process.version}, ${os.cpus().length} cpus, ${SAMPLES} samples, median of ${RUNS} runs; load average before ${load0.map((x) => x.toFixed(1)).join(' / ')}, after ${load1.map((x) => x.toFixed(1)).join(' / ')}`);
  const jet = rows[0].fixed;
  for (const r of rows)
    console.log(`${r.label.padEnd(44)} ${Math.round(r.fixed).toString().padStart(8)} /s  float64 ${Math.round(r.float).toString().padStart(7)} /s  fixed/float ${r.ratio.toFixed(1)}x  vs jet tagger ${(r.fixed / jet).toFixed(3)}x  bit-exact ${r.exact}`);
}
