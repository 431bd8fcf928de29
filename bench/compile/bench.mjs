#!/usr/bin/env node
/**
 * @fileoverview `fastml compile` speed and memory, whole process, against hls4ml's convert + write.
 *
 * Generates MLPs of about 0.5M, 2M and 10M parameters with the project's own ONNX writer
 * (src/tools/onnx-writer.ts, float32 weights, fixed seed), then times
 * `fastml compile MODEL --strategy resource --reuse nearest:16 --precision fixed<16,6> -o DIR`
 * (hls4ml's setting in issue 15: Resource, RF 16, fixed<16,6>) as a child process, and the jet
 * tagger with its defaults. Each figure is the median of --runs runs (default 3); peak RSS is the
 * child's maxRSS and its user + system CPU time (getrusage, via /usr/bin/time when present). On a
 * shared machine the CPU time is the steadier figure: wall time includes waiting for a core.
 *
 * Same-run reference: a plain Node process that reads the same ONNX file and prints every weight
 * with toFixed(10) into a file (the least any writer of these weights does), timed the same way.
 * hls4ml's figures are the ones measured side by side in issue 15 (hls4ml 1.3, this machine class);
 * hls4ml is not installed here, so they are quoted, not re-measured.
 *
 * Usage: npm run build && node bench/compile/bench.mjs [--runs N] [--sizes 0.5,2,10] [--json]
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const k = args.indexOf(name);
  return k >= 0 ? args[k + 1] : dflt;
};
const RUNS = Number(opt('--runs', '3'));
const SIZES = opt('--sizes', '0.5,2,10').split(',').map(Number);
const json = args.includes('--json');

// hls4ml 1.3 keras_v2_to_hls + write() in one Python process (issue 15), seconds and MB.
const HLS4ML = { 0.5: { s: 0.76, mb: 63 }, 2: { s: 3.0, mb: 69 }, 10: { s: 13.6, mb: 99 }, jet: { s: 0.03, mb: null } };

/** Hidden widths per size: input w, two hidden layers of w, 10 outputs (about 2 w^2 parameters). */
const WIDTH = { 0.5: 512, 2: 1024, 10: 2248 };

const { encodeModel, normal, rng } = await import(path.join(root, 'dist/tools/onnx-writer.js'));

function mlp(file, w) {
  const rand = rng(15);
  const dims = [w, w, w, 10];
  const nodes = [];
  const initializers = [];
  let x = 'x';
  for (let k = 0; k < dims.length - 1; k++) {
    const [a, b] = [dims[k], dims[k + 1]];
    initializers.push({ name: `W${k}`, dims: [a, b], data: normal(rand, a * b, 1 / Math.sqrt(a)) });
    initializers.push({ name: `B${k}`, dims: [b], data: normal(rand, b, 0.1) });
    const last = k === dims.length - 2;
    const y = last ? 'y' : `h${k}`;
    nodes.push({ op: 'MatMul', name: `fc${k + 1}_mm`, inputs: [x, `W${k}`], outputs: [`m${k}`] });
    nodes.push({ op: 'Add', name: `fc${k + 1}`, inputs: [`m${k}`, `B${k}`], outputs: [last ? y : `a${k}`] });
    if (!last) nodes.push({ op: 'Relu', name: `relu${k + 1}`, inputs: [`a${k}`], outputs: [y] });
    x = y;
  }
  writeFileSync(file, encodeModel({ name: `mlp${w}`, inputs: [{ name: 'x', dims: [1, w] }], outputs: [{ name: 'y', dims: [1, 10] }], nodes, initializers }));
  let n = 0;
  for (let k = 0; k < dims.length - 1; k++) n += dims[k] * dims[k + 1] + dims[k + 1];
  return n;
}

const hasTime = existsSync('/usr/bin/time');

/** Runs a command, returns wall seconds and peak RSS (MB) of the child. */
function measure(cmd, argv) {
  if (hasTime) {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
    const [kb, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    return { wall, mb: kb / 1024, cpu: user + sys };
  }
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} failed:\n${r.stderr}`);
  return { wall, mb: NaN, cpu: NaN };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-bench-compile-'));
const fastml = path.join(root, 'bin/fastml.js');
// The reference writer: read the ONNX weights (raw float32) and print each one with toFixed(10).
const refScript = path.join(tmp, 'ref.mjs');
writeFileSync(
  refScript,
  `import { readFileSync, openSync, writeSync, closeSync } from 'node:fs';
const b = readFileSync(process.argv[2]);
const f = new Float32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
const fd = openSync(process.argv[3], 'w');
let s = '';
for (let i = 0; i < f.length; i++) { const v = f[i]; s += (v === v ? v : 0).toFixed(10) + ', '; if (s.length > 65536) { writeSync(fd, s); s = ''; } }
writeSync(fd, s); closeSync(fd);
`,
);

const rows = [];
const load0 = os.loadavg();
try {
  const cases = [{ key: 'jet', label: 'jet tagger (4.4k parameters, defaults)', model: path.join(root, 'models/jet_tagger.onnx'), params: 4389, flags: [] }];
  for (const size of SIZES) {
    const file = path.join(tmp, `mlp_${size}M.onnx`);
    const params = mlp(file, WIDTH[size]);
    cases.push({ key: size, label: `MLP ${WIDTH[size]}-${WIDTH[size]}-${WIDTH[size]}-10 (${(params / 1e6).toFixed(2)}M parameters)`, model: file, params, flags: ['--strategy', 'resource', '--reuse', 'nearest:16', '--precision', 'fixed<16,6>'] });
  }
  for (const c of cases) {
    const out = path.join(tmp, `prj_${c.key}`);
    const runs = [];
    const refs = [];
    for (let r = 0; r < RUNS; r++) {
      runs.push(measure(process.execPath, [fastml, 'compile', c.model, ...c.flags, '-o', out, '--force']));
      refs.push(measure(process.execPath, [refScript, c.model, path.join(tmp, 'ref.txt')]));
      if (!json) process.stderr.write(`${c.label}: run ${r + 1}: ${runs[r].wall.toFixed(2)} s, ${runs[r].mb.toFixed(0)} MB (reference ${refs[r].wall.toFixed(2)} s)\n`);
    }
    rmSync(out, { recursive: true, force: true });
    const s = median(runs.map((x) => x.wall));
    const mb = median(runs.map((x) => x.mb));
    const cpu = median(runs.map((x) => x.cpu));
    const ref = median(refs.map((x) => x.wall));
    const h = HLS4ML[c.key];
    rows.push({ case: c.label, params: c.params, seconds: s, cpuSeconds: cpu, runs: runs.map((x) => +x.wall.toFixed(3)), usPerParam: (s * 1e6) / c.params, peakMB: mb, weightMB: (c.params * 2) / 2 ** 20, refSeconds: ref, vsRef: s / ref, hls4mlSeconds: h.s, hls4mlMB: h.mb, vsHls4ml: h.s / s });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const load1 = os.loadavg();
// Memory against the model's size: peak RSS growth per parameter between the smallest and the
// largest MLP (the goal: at most 2x the model's weight bytes per parameter, plus a constant).
const mlps = rows.filter((r) => r.case.startsWith('MLP') && Number.isFinite(r.peakMB));
const memory =
  mlps.length >= 2
    ? (() => {
        const [a, b] = [mlps[0], mlps[mlps.length - 1]];
        const perParam = ((b.peakMB - a.peakMB) * 2 ** 20) / (b.params - a.params);
        return { bytesPerParam: +perParam.toFixed(2), constantMB: +(a.peakMB - (perParam * a.params) / 2 ** 20).toFixed(1), from: a.params, to: b.params };
      })()
    : undefined;
const meta = { date: new Date().toISOString(), node: process.version, cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`, loadBefore: load0.map((x) => +x.toFixed(2)), loadAfter: load1.map((x) => +x.toFixed(2)), runs: RUNS };
if (json) {
  process.stdout.write(JSON.stringify({ meta, rows, memory }, null, 2) + '\n');
} else {
  const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  console.log(`fastml compile, whole process, median of ${RUNS}; ${meta.date}, node ${meta.node}, ${meta.cpus}`);
  console.log(`load average before ${meta.loadBefore.join(' / ')}, after ${meta.loadAfter.join(' / ')}`);
  console.log('| case | fastml s (runs) | CPU s | us/param | peak RSS MB | fixed<16,6> weight MB | reference s (same run) | fastml / reference | hls4ml s (issue 15) | hls4ml / fastml |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.case} | ${f(r.seconds)} (${r.runs.join(', ')}) | ${f(r.cpuSeconds)} | ${f(r.usPerParam, 3)} | ${f(r.peakMB, 0)} | ${f(r.weightMB, 1)} | ${f(r.refSeconds)} | ${f(r.vsRef, 1)}x | ${r.hls4mlSeconds} | ${f(r.vsHls4ml, 1)}x |`);
  if (memory)
    console.log(
      `peak RSS growth: ${f(memory.bytesPerParam)} bytes per parameter from ${(memory.from / 1e6).toFixed(2)}M to ${(memory.to / 1e6).toFixed(2)}M parameters, ` +
        `constant ${f(memory.constantMB, 0)} MB (the model's float32 weights: 4 bytes per parameter, 2x = 8; as fixed<16,6>: 2 bytes, 2x = 4)`,
    );
  console.log('hls4ml figures are quoted from issue 15 (measured side by side on this machine class), not re-measured here.');
}
