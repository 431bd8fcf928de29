/**
 * @fileoverview Throughput of the fixed-point batch paths (values per second), against plain float64
 * loops of the same shape in the same run. Run `npm run build` first, then
 * `node bench/fixed/bench.mjs [--n 1048576] [--runs 7] [--json]`. Medians of several timed runs after
 * a warm-up; figures go into docs/performance.md ("Fixed point").
 */

import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseFixed, quantizeArray, makeQuantizer, newOverflowStats, makeDotKernel } from '../../dist/fixed/index.js';

const arg = (name, def) => {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? Number(process.argv[k + 1]) : def;
};
const N = arg('n', 1 << 20);
const RUNS = arg('runs', 7);
const asJson = process.argv.includes('--json');

// Deterministic inputs (LCG), spread over [-40, 40) so some values overflow <16,6> (range [-32, 32)).
let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const src = new Float64Array(N);
for (let k = 0; k < N; k++) src[k] = (rnd() * 2 - 1) * 40;
const dst = new Float64Array(N);

/** Median values/s of fn(), which processes `count` values per call. */
function measure(fn, count) {
  fn();
  fn(); // warm-up: let the JIT specialise
  const rates = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    fn();
    const dt = (performance.now() - t0) / 1000;
    rates.push(count / dt);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

let sink = 0;
const results = [];
const add = (name, rate, baseline) => results.push({ name, valuesPerSecond: rate, vsFloat64: baseline ? rate / baseline : 1 });

// --- quantization ------------------------------------------------------------------------------
const floatCopy = measure(() => {
  for (let k = 0; k < N; k++) dst[k] = src[k] * 0.5;
  sink += dst[N - 1];
}, N);
add('float64 loop: dst[k] = src[k] * 0.5', floatCopy);
for (const spec of ['ap_fixed<16,6>', 'ap_fixed<16,6,AP_RND,AP_SAT>', 'ap_fixed<18,8,AP_RND_CONV,AP_SAT_SYM>', 'ap_ufixed<8,0,AP_RND_INF,AP_SAT>', 'ap_fixed<32,10,AP_TRN_ZERO,AP_WRAP>']) {
  const t = parseFixed(spec);
  add(`quantizeArray ${spec}`, measure(() => {
    quantizeArray(src, t, dst);
    sink += dst[N - 1];
  }, N), floatCopy);
}
{
  const t = parseFixed('ap_fixed<16,6>');
  add('quantizeArray ap_fixed<16,6> with OverflowStats', measure(() => {
    quantizeArray(src, t, dst, newOverflowStats());
    sink += dst[N - 1];
  }, N), floatCopy);
}

// --- multiply-accumulate (hls4ml dense order: acc = (acc_t)(acc + (acc_t)(x*w))) ----------------
const n = 64;
const rows = Math.floor(N / n);
const xq = makeQuantizer(parseFixed('ap_fixed<16,6>'));
const wq = makeQuantizer(parseFixed('ap_fixed<8,2>'));
const xs = new Float64Array(N);
const ws = new Float64Array(N);
for (let k = 0; k < N; k++) {
  xs[k] = xq(src[k] / 4);
  ws[k] = wq(src[(k * 7) % N] / 20);
}
const floatMac = measure(() => {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let acc = 0;
    const o = r * n;
    for (let i = 0; i < n; i++) acc += xs[o + i] * ws[o + i];
    total += acc;
  }
  sink += total;
}, rows * n);
add('float64 MAC: acc += x*w', floatMac);
{
  // A hand-written loop over makeQuantizer (one accumulator type only: a shared call site that sees
  // several quantizers becomes polymorphic, which is what makeDotKernel avoids).
  const spec = 'ap_fixed<32,12>';
  const qa = makeQuantizer(parseFixed(spec));
  add(`loop over makeQuantizer, acc_t ${spec}`, measure(() => {
    let total = 0;
    for (let r = 0; r < rows; r++) {
      let acc = qa(0.125);
      const o = r * n;
      for (let i = 0; i < n; i++) acc = qa(acc + qa(xs[o + i] * ws[o + i]));
      total += acc;
    }
    sink += total;
  }, rows * n), floatMac);
}
for (const spec of ['ap_fixed<32,12>', 'ap_fixed<24,10,AP_RND,AP_SAT>', 'ap_fixed<20,8,AP_RND_CONV,AP_SAT_SYM>']) {
  const dot = makeDotKernel(parseFixed(spec));
  add(`makeDotKernel, acc_t ${spec}`, measure(() => {
    let total = 0;
    for (let r = 0; r < rows; r++) total += dot(xs, ws, 0.125, n, r * n, r * n, 1);
    sink += total;
  }, rows * n), floatMac);
}

const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} logical cores visible), Node ${process.version}, ${os.platform()} ${os.arch()}`;
if (asJson) {
  console.log(JSON.stringify({ machine, n: N, runs: RUNS, results, sink }, null, 2));
} else {
  console.log(`machine: ${machine}; ${N} values, median of ${RUNS} runs`);
  console.log('| benchmark | values/s | vs float64 |');
  console.log('|---|---:|---:|');
  for (const r of results) console.log(`| ${r.name} | ${(r.valuesPerSecond / 1e6).toFixed(1)} M | ${r.vsFloat64.toFixed(2)}x |`);
  if (sink === 42) console.log('');
}
