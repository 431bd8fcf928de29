#!/usr/bin/env node
/**
 * @fileoverview Overflow accounting throughput (`fastml emulate --overflow`, `fastml check`) of the
 * convolution references, single thread, in samples per second: the emulator with accounting as it
 * runs by default, and the same-run reference, the general counting kernel of the convolutions
 * (FASTML_GENERAL_COUNT=1, the path before convolutions had a counting fast path; every other layer
 * runs the same kernels in both). Before timing, both give the same outputs and the same overflow
 * report on the case's inputs, and the outputs equal hls4ml's C simulation.
 *
 * Usage: npm run build && node bench/emulator/overflow.mjs [--samples N] [--runs R] [--json]
 * Figures are medians of R runs (default 3); CPU time is the user time of this process.
 */

import os from 'node:os';
import { loadCase, dist } from './common.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const k = args.indexOf(name);
  return k >= 0 ? Number(args[k + 1]) : dflt;
};
const SAMPLES = opt('--samples', 20000);
const RUNS = opt('--runs', 3);
const json = args.includes('--json');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const loadStart = os.loadavg().map((x) => Number(x.toFixed(2)));

const { compileEmulator } = await dist('emulator/compile.js');
const { runBatch } = await dist('emulator/index.js');

function tile(X, n) {
  const m = X.data.length / X.shape[0];
  const out = new Float64Array(n * m);
  for (let s = 0; s < n; s++) out.set(X.data.subarray((s % X.shape[0]) * m, ((s % X.shape[0]) + 1) * m), s * m);
  return out;
}

/** An accounting emulator with the convolutions' fast counting path (general = false) or without. */
function build(graph, general) {
  if (general) process.env.FASTML_GENERAL_COUNT = '1';
  else delete process.env.FASTML_GENERAL_COUNT;
  try {
    return compileEmulator(graph, { accounting: true });
  } finally {
    delete process.env.FASTML_GENERAL_COUNT;
  }
}

const report = (emu) => JSON.stringify([...emu.book.report].map(([k, v]) => [k, [...v]]));

const results = [];
for (const [label, name, n] of [
  ['conv2d_small (8x8x1, Conv2D 3x3x2, Dense 128-10)', 'conv2d_small', SAMPLES],
  ['conv1d_small', 'conv1d_small', SAMPLES],
]) {
  const { graph, X, Y } = await loadCase(name);
  // Same outputs and reports on the case's inputs (fresh emulators: the books start empty).
  const [a, b] = [build(graph, false), build(graph, true)];
  const ya = Object.values(runBatch(a, X.shape[0], [X.data]).outputs)[0];
  const yb = Object.values(runBatch(b, X.shape[0], [X.data]).outputs)[0];
  let bad = 0;
  for (let i = 0; i < Y.data.length; i++) if (ya[i] !== Y.data[i] || yb[i] !== Y.data[i]) bad++;
  const sameReport = report(a) === report(b);
  const data = tile(X, n);
  const time = (general) => {
    const emu = build(graph, general);
    runBatch(emu, Math.min(n, 500), [data]); // warm-up
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    runBatch(emu, n, [data]);
    return { wall: (performance.now() - t0) / 1000, cpu: process.cpuUsage(c0).user / 1e6 };
  };
  // Interleaved runs, so that both sides see the same load.
  const fast = [];
  const gen = [];
  for (let k = 0; k < RUNS; k++) {
    fast.push(time(false));
    gen.push(time(true));
  }
  const fw = median(fast.map((t) => t.wall));
  const fc = median(fast.map((t) => t.cpu));
  const gw = median(gen.map((t) => t.wall));
  const gc = median(gen.map((t) => t.cpu));
  results.push({
    case: label,
    samples: n,
    bitExactVsHls4ml: bad === 0,
    sameReport,
    fastWallPerS: Math.round(n / fw),
    fastCpuPerS: Math.round(n / fc),
    generalWallPerS: Math.round(n / gw),
    generalCpuPerS: Math.round(n / gc),
    ratioWall: Number((gw / fw).toFixed(1)),
    ratioCpu: Number((gc / fc).toFixed(1)),
  });
}

const env = { runs: RUNS, node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavgStart: loadStart, loadavg: os.loadavg().map((x) => Number(x.toFixed(2))) };
if (json) console.log(JSON.stringify({ env, results }, null, 2));
else {
  console.log(`node ${env.node}, ${env.cpus} x ${env.cpu}, load average ${env.loadavgStart.join(' ')} at the start, ${env.loadavg.join(' ')} at the end; medians of ${RUNS} runs`);
  for (const r of results) {
    console.log(`\n${r.case}, overflow accounting, 1 thread, ${r.samples} samples (outputs = hls4ml: ${r.bitExactVsHls4ml}; same overflow report as the general kernel: ${r.sameReport})`);
    console.log(`  counting fast path      : ${r.fastWallPerS} samples/s wall, ${r.fastCpuPerS} per CPU-second`);
    console.log(`  general counting kernel : ${r.generalWallPerS} samples/s wall, ${r.generalCpuPerS} per CPU-second`);
    console.log(`  fast / general          : ${r.ratioWall}x wall, ${r.ratioCpu}x per CPU-second`);
  }
}
