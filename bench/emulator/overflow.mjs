#!/usr/bin/env node
/**
 * @fileoverview Overflow accounting throughput (`fastml emulate --overflow`, `fastml check`) of the
 * convolution references, single thread, in samples per second: the emulator with accounting as it
 * runs by default, and the same-run reference, the general counting kernel of the convolutions
 * (FASTML_GENERAL_COUNT=1, the path before convolutions had a counting fast path; every other layer
 * runs the same kernels in both). Before timing, both give the same outputs and the same overflow
 * report on the case's inputs, and the outputs equal hls4ml's C simulation.
 *
 * Then single layers larger than the references' (a 3x3 Conv2D 32x32x16 -> 32 and a 3x3 depthwise
 * Conv2D on 64x64x32, 'same' padding, fixed<16,6>, random inputs with a third zeros): the layer's
 * counting kernel against the general counting kernel of the same layer (compileMac over the full
 * plan), after checking outputs and counts are equal.
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
const { compileConv } = await dist('emulator/conv.js');
const { compileMac, convPlan } = await dist('emulator/mac.js');
const { newVarStats } = await dist('emulator/overflow.js');
const { parseFixed } = await dist('fixed/type.js');
const { quantizeDirect } = await dist('emulator/weights.js');

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

// Single layers: the counting kernel compileConv picks against the general counting kernel.
const layers = [];
for (const [label, g] of [
  ['Conv2D 3x3, 32x32x16 -> 32, same', { inSp: [32, 32], outSp: [32, 32], kernel: [3, 3], strides: [1, 1], dilations: [1, 1], padBefore: [1, 1], cIn: 16, cOut: 32, groups: 1 }],
  ['DepthwiseConv2D 3x3, 64x64x32, same', { inSp: [64, 64], outSp: [64, 64], kernel: [3, 3], strides: [1, 1], dilations: [1, 1], padBefore: [1, 1], cIn: 32, cOut: 32, groups: 32, depthMultiplier: 1 }],
]) {
  const T = { x: parseFixed('fixed<16,6>'), w: parseFixed('fixed<16,6>'), acc: parseFixed('fixed<16,6>'), res: parseFixed('fixed<16,6>') };
  const nW = 9 * (g.depthMultiplier ? g.cIn : g.cIn * g.cOut);
  const wq = quantizeDirect(Array.from({ length: nW }, (_, i) => Math.sin(i * 1.7) * 0.4), T.w);
  const bq = quantizeDirect(Array.from({ length: g.cOut }, (_, i) => Math.cos(i) * 0.5), T.acc);
  const nx = g.inSp[0] * g.inSp[1] * g.cIn;
  const x = quantizeDirect(Array.from({ length: nx }, (_, i) => (i % 3 === 0 ? 0 : Math.sin(i * 0.37) * 3)), T.x);
  const ny = g.outSp[0] * g.outSp[1] * g.cOut;
  const stats = () => ({ product: newVarStats(), accum: newVarStats(), result: newVarStats() });
  const sf = stats();
  const sg = stats();
  const fast = compileConv(g, 'latency', 1, wq, bq, T, sf);
  const general = compileMac(convPlan(g, 'latency', 1), wq, bq, T, sg);
  const yf = new Float64Array(ny);
  const yg = new Float64Array(ny);
  fast(x, yf);
  general(x, yg);
  const same = yf.every((v, k) => v === yg[k]) && JSON.stringify(sf) === JSON.stringify(sg);
  const time = (k, y) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let n = 0;
    do {
      k(x, y);
      n++;
    } while (performance.now() - t0 < 300);
    return { wall: (performance.now() - t0) / 1000 / n, cpu: process.cpuUsage(c0).user / 1e6 / n };
  };
  const f = [];
  const q = [];
  for (let k = 0; k < RUNS; k++) {
    f.push(time(fast, yf));
    q.push(time(general, yg));
  }
  const fc = median(f.map((t) => t.cpu));
  const gc = median(q.map((t) => t.cpu));
  layers.push({ layer: label, same, fastMsPerSample: Number((median(f.map((t) => t.wall)) * 1000).toFixed(2)), fastCpuMs: Number((fc * 1000).toFixed(2)), generalMsPerSample: Number((median(q.map((t) => t.wall)) * 1000).toFixed(2)), generalCpuMs: Number((gc * 1000).toFixed(2)), ratioCpu: Number((gc / fc).toFixed(1)) });
}

const env = { runs: RUNS, node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavgStart: loadStart, loadavg: os.loadavg().map((x) => Number(x.toFixed(2))) };
if (json) console.log(JSON.stringify({ env, results, layers }, null, 2));
else {
  console.log(`node ${env.node}, ${env.cpus} x ${env.cpu}, load average ${env.loadavgStart.join(' ')} at the start, ${env.loadavg.join(' ')} at the end; medians of ${RUNS} runs`);
  for (const r of results) {
    console.log(`\n${r.case}, overflow accounting, 1 thread, ${r.samples} samples (outputs = hls4ml: ${r.bitExactVsHls4ml}; same overflow report as the general kernel: ${r.sameReport})`);
    console.log(`  counting fast path      : ${r.fastWallPerS} samples/s wall, ${r.fastCpuPerS} per CPU-second`);
    console.log(`  general counting kernel : ${r.generalWallPerS} samples/s wall, ${r.generalCpuPerS} per CPU-second`);
    console.log(`  fast / general          : ${r.ratioWall}x wall, ${r.ratioCpu}x per CPU-second`);
  }
  for (const l of layers)
    console.log(`\n${l.layer}, one sample (same outputs and counts: ${l.same})\n  counting kernel: ${l.fastMsPerSample} ms wall, ${l.fastCpuMs} ms CPU; general: ${l.generalMsPerSample} ms wall, ${l.generalCpuMs} ms CPU; ${l.ratioCpu}x per CPU-second`);
}
