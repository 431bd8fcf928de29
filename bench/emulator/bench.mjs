#!/usr/bin/env node
/**
 * @fileoverview Emulator throughput: samples per second of the bit-accurate fixed-point emulator
 * for the jet tagger (16-64-32-32-5) and a Conv2D model, single-threaded and on all cores
 * (the calling thread and worker_threads sharing the batch), with fastml's float64 evaluator of the same graph as the same-run reference.
 * Inputs are the hls4ml reference inputs (../shared/reference/hls4ml), tiled to the sample count;
 * before timing, the emulator's outputs are checked bit for bit against hls4ml's C simulation.
 *
 * Same-run reference for the jet tagger: fastml's emitted HLS project for the same model and config,
 * compiled with g++ -O3 and called per sample from a C++ loop on the same inputs, after checking its
 * outputs equal the emulator's (csim-reference.mjs); both rates and their ratio are printed.
 *
 * Usage: npm run build && node bench/emulator/bench.mjs [--samples N] [--runs R] [--min-seconds S] [--json] [--no-csim] [--ref-headers DIR]
 * Timed figures are medians of R runs (default 3); a single-thread run passes over the N samples
 * until S seconds have passed (default 2), as the C++ reference does.
 * Reports wall-clock and CPU-time rates and the load average (the machine is shared: CPU time is
 * the fairer single-thread figure when other processes compete for the cores).
 */

import os from 'node:os';
import path from 'node:path';
import { loadCase, dist, sharedDir } from './common.mjs';
import { csimReference } from './csim-reference.mjs';

const args = process.argv.slice(2);
const json = args.includes('--json');
// --no-csim skips the same-run C++ reference (g++ -O3 of fastml's emitted project, ~5-20 s to build).
const withCsim = !args.includes('--no-csim');
// --ref-headers DIR: build the C++ reference against another ap_types folder as well (e.g. the
// header before issue 15, whose C simulation ran on par with hls4ml's).
const refArg = args.indexOf('--ref-headers');
const refHeaders = refArg >= 0 ? path.resolve(args[refArg + 1]) : undefined;
const samplesArg = args.indexOf('--samples');
const SAMPLES = samplesArg >= 0 ? Number(args[samplesArg + 1]) : 100000;
// --runs R: every timed figure is the median of R runs (default 3), the C++ reference's too.
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : 3;
const loadStart = os.loadavg().map((x) => Number(x.toFixed(2)));
// --min-seconds S: each single-thread run repeats the batch until S seconds have passed (default 2,
// the C++ reference's own minimum).
const minArg = args.indexOf('--min-seconds');
const MIN_SECONDS = minArg >= 0 ? Number(args[minArg + 1]) : 2;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const HLS4ML_US_PER_SAMPLE = 110; // hls4ml C simulation, jet tagger, this kind of machine (issue 4)

const { compileEmulator } = await dist('emulator/compile.js');
const { runBatch } = await dist('emulator/index.js');
const { runParallel, defaultWorkers } = await dist('emulator/parallel.js');
const { evaluateFloat } = await dist('emulator/float.js');

function tile(X, n) {
  const m = X.data.length / X.shape[0];
  const out = new Float64Array(n * m);
  for (let s = 0; s < n; s++) out.set(X.data.subarray((s % X.shape[0]) * m, (s % X.shape[0] + 1) * m), s * m);
  return out;
}

async function bar(total, label) {
  if (!process.stderr.isTTY || json) return { update() {}, stop() {} };
  const { default: cp } = await import('cli-progress');
  const b = new cp.SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total}`, stream: process.stderr }, cp.Presets.shades_classic);
  b.start(total, 0);
  return { update: (k) => b.update(k), stop: () => b.stop() };
}

function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = fn();
  return { r, wall: (performance.now() - t0) / 1000, cpu: process.cpuUsage(c0).user / 1e6 };
}

const results = [];
for (const [label, name, n, model] of [
  ['jet tagger 16-64-32-32-5, Latency, fixed<16,6>', 'jet_mlp_3layer_model_stable', SAMPLES, 'jet_mlp_3layer/KERAS_3layer.json'],
  ['jet tagger, Resource RF4, saturating accum', 'jet_mlp_3layer_resource_rf4_satacc15_stream', SAMPLES, null],
  ['conv2d_small (8x8x1, Conv2D 3x3x2, Dense 128-10)', 'conv2d_small', Math.max(1000, Math.floor(SAMPLES / 2)), null],
]) {
  const { graph, X, Y } = await loadCase(name);
  const emu = compileEmulator(graph);
  const m = emu.inputs[0].size;
  const outSize = emu.outputs[0].size;
  // Bit-exact check against hls4ml's C simulation before timing.
  const check = runBatch(emu, X.shape[0], [X.data]);
  const got = Object.values(check.outputs)[0];
  let bad = 0;
  for (let i = 0; i < Y.data.length; i++) if (got[i] !== Y.data[i]) bad++;
  const data = tile(X, n);
  runBatch(emu, Math.min(n, 5000), [data]); // warm-up
  // One thread: passes over the n samples until MIN_SECONDS have passed (as the C++ reference
  // times its loop), per run; the time per n samples is the median over the runs.
  const singles = [];
  for (let k = 0; k < RUNS; k++) {
    const b = await bar(n, `${label.slice(0, 20)} ${k + 1}/${RUNS}`);
    let passes = 0;
    let r;
    const t = timed(() => {
      const t0 = performance.now();
      do {
        r = runBatch(emu, n, [data], passes === 0 ? { onProgress: (k) => b.update(k), progressEvery: 5000 } : {});
        passes++;
      } while (performance.now() - t0 < MIN_SECONDS * 1000);
    });
    b.stop();
    singles.push({ r, wall: t.wall / passes, cpu: t.cpu / passes, passes });
  }
  const single = { r: singles[0].r, wall: median(singles.map((x) => x.wall)), cpu: median(singles.map((x) => x.cpu)), passes: singles.map((x) => x.passes) };
  // All cores: the calling thread and worker threads share the batch by chunks (workers forced to
  // start here, to measure them; by default they start only when the batch takes over 0.25 s).
  const workers = defaultWorkers();
  const pars = [];
  for (let k = 0; k < RUNS; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await runParallel(graph, emu, n, [data], { workers, forceSpawn: true });
    pars.push({ r, wall: (performance.now() - t0) / 1000, cpu: process.cpuUsage(c0).user / 1e6 });
  }
  const par = pars[0].r;
  const parWall = median(pars.map((x) => x.wall));
  const parCpu = median(pars.map((x) => x.cpu));
  let same = true;
  const a1 = Object.values(single.r.outputs)[0];
  const a2 = Object.values(par.outputs)[0];
  for (let i = 0; i < a1.length; i++) if (a1[i] !== a2[i]) same = false;
  // Float64 reference of the same graph, same inputs (fewer samples: it is the slow path).
  const nf = Math.min(n, 20000);
  const input = graph.inputs[0];
  const flt = timed(() => {
    for (let s = 0; s < nf; s++) evaluateFloat(graph, { [input]: data.subarray(s * m, (s + 1) * m) });
  });
  const row = {
    case: label,
    samples: n,
    bitExactVsHls4ml: bad === 0 ? `${Y.data.length / outSize}/${Y.data.length / outSize} rows` : `${bad} values differ`,
    singleWallPerS: Math.round(n / single.wall),
    singleCpuPerS: Math.round(n / single.cpu),
    singlePasses: single.passes,
    workers,
    parallelWallPerS: Math.round(n / parWall),
    parallelCpuPerS: Math.round(n / parCpu),
    parallelThreadsUsed: par.parallel.threadsUsed,
    parallelMainShare: Number((par.parallel.mainSamples / n).toFixed(2)),
    parallelGain: Number((single.wall / parWall).toFixed(2)),
    parallelSameBits: same,
    floatWallPerS: Math.round(nf / flt.wall),
    floatCpuPerS: Math.round(nf / flt.cpu),
    fixedOverFloat: Number((n / single.cpu / (nf / flt.cpu)).toFixed(2)),
    vsHls4mlCsim: name.startsWith("jet") ? Number(((n / single.wall) * HLS4ML_US_PER_SAMPLE * 1e-6).toFixed(1)) : null,
  };
  // Same-run reference: fastml's emitted project for this model and config, g++ -O3, C++ loop.
  if (withCsim && model) {
    const c = csimReference(name, path.join(sharedDir, 'models', model), X, { runs: RUNS, minSeconds: MIN_SECONDS });
    row.csim = { perS: Math.round(c.perS), perCpuS: Math.round(c.perCpuS), identical: c.identical, gccSeconds: Number(c.gccSeconds.toFixed(1)) };
    row.vsCsimWall = Number((n / single.wall / c.perS).toFixed(1));
    row.vsCsimCpu = Number((n / single.cpu / c.perCpuS).toFixed(1));
    row.vsCsimParallelWall = Number((n / parWall / c.perS).toFixed(1));
    if (refHeaders) {
      const o = csimReference(name, path.join(sharedDir, 'models', model), X, { headers: refHeaders, runs: RUNS, minSeconds: MIN_SECONDS });
      row.csimOther = { headers: refHeaders, perS: Math.round(o.perS), perCpuS: Math.round(o.perCpuS), identical: o.identical };
      row.vsCsimOtherCpu = Number((n / single.cpu / o.perCpuS).toFixed(1));
      row.vsCsimOtherWall = Number((n / single.wall / o.perS).toFixed(1));
    }
  }
  row.vsHls4mlCsimCpu = name.startsWith('jet') ? Number(((n / single.cpu) * HLS4ML_US_PER_SAMPLE * 1e-6).toFixed(1)) : null;
  row.vsHls4mlCsimParallel = name.startsWith('jet') ? Number(((n / parWall) * HLS4ML_US_PER_SAMPLE * 1e-6).toFixed(1)) : null;
  results.push(row);
}

const env = { runs: RUNS, node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavgStart: loadStart, loadavg: os.loadavg().map((x) => Number(x.toFixed(2))) };
if (json) console.log(JSON.stringify({ env, results }, null, 2));
else {
  console.log(`node ${env.node}, ${env.cpus} x ${env.cpu}, load average ${env.loadavgStart.join(' ')} at the start, ${env.loadavg.join(' ')} at the end; medians of ${RUNS} runs`);
  for (const r of results) {
    console.log(`\n${r.case} (${r.samples} samples; bit-exact vs hls4ml: ${r.bitExactVsHls4ml})`);
    console.log(`  fixed point, 1 thread : ${r.singleWallPerS} samples/s wall, ${r.singleCpuPerS} samples/s per CPU-second (passes per run: ${r.singlePasses.join(', ')})`);
    console.log(`  fixed point, ${r.workers} threads: ${r.parallelWallPerS} samples/s wall, ${r.parallelCpuPerS} per CPU-second; ${r.parallelGain}x the 1-thread wall time; ${r.parallelThreadsUsed} threads ran chunks, the calling one ${Math.round(r.parallelMainShare * 100)}% (same bits: ${r.parallelSameBits})`);
    console.log(`  float64 reference     : ${r.floatWallPerS} samples/s wall, ${r.floatCpuPerS} per CPU-second; fixed/float = ${r.fixedOverFloat}x`);
    if (r.csim)
      console.log(`  same-run C++ reference (fastml's project, g++ -O3 in ${r.csim.gccSeconds} s, outputs identical: ${r.csim.identical}): ${r.csim.perS} samples/s wall, ${r.csim.perCpuS} per CPU-second\n  emulator / C++ : ${r.vsCsimWall}x wall, ${r.vsCsimCpu}x per CPU-second (1 thread); ${r.vsCsimParallelWall}x wall with ${r.workers} workers`);
    if (r.csimOther)
      console.log(`  C++ reference with ${r.csimOther.headers} (outputs identical: ${r.csimOther.identical}): ${r.csimOther.perS} samples/s wall, ${r.csimOther.perCpuS} per CPU-second; emulator / that: ${r.vsCsimOtherWall}x wall, ${r.vsCsimOtherCpu}x per CPU-second`);
    if (r.vsHls4mlCsim !== null)
      console.log(`  vs hls4ml C sim (${HLS4ML_US_PER_SAMPLE} us/sample): ${r.vsHls4mlCsim}x (1 thread, wall), ${r.vsHls4mlCsimCpu}x (1 thread, per CPU-second), ${r.vsHls4mlCsimParallel}x (${r.workers} workers, wall); no compile step`);
  }
}
