#!/usr/bin/env node
/**
 * @fileoverview `fastml` start-up: the bundle with its V8 code cache (src/cli/start.ts) against the
 * plain ESM dist (FASTML_CODE_CACHE=0, how every run started before), in the same run, alternating.
 *
 * Cases, each as a child process: `node` on an empty module (Node's own start, the floor),
 * `fastml --version`, and the README's first command (`fastml compile models/jet_tagger.onnx
 * --target alveo -o DIR`, into a new folder each run). Prints the median wall and CPU (user +
 * system, via /usr/bin/time when present: 10 ms resolution, so take many runs) of each, and the
 * ESM / bundle ratio. Checks first that the bundle path is really taken (FASTML_START_TRACE=1).
 *
 * Usage: npm run build && node bench/startup/bench.mjs [--runs N (default 15)] [--json]
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const k = args.indexOf('--runs');
const RUNS = k >= 0 ? Number(args[k + 1]) : 15;
const json = args.includes('--json');
const fastml = path.join(root, 'bin/fastml.js');
const jet = path.join(root, 'models/jet_tagger.onnx');
const hasTime = existsSync('/usr/bin/time');

const trace = spawnSync(process.execPath, [fastml, '--version'], { encoding: 'utf8', env: { ...process.env, FASTML_START_TRACE: '1' } });
if (!/^fastml start: bundle with code cache$/m.test(trace.stderr)) {
  process.stderr.write(`the bundle path is not taken (${trace.stderr.trim()}): run \`npm run build\`\n`);
  process.exit(2);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-bench-startup-'));
const empty = path.join(tmp, 'empty.mjs');
writeFileSync(empty, '');

/** One run: wall seconds and CPU seconds of the child. */
function measure(argv, env) {
  const cmd = hasTime ? '/usr/bin/time' : process.execPath;
  const full = hasTime ? ['-f', '%U %S', process.execPath, ...argv] : argv;
  const t0 = performance.now();
  const r = spawnSync(cmd, full, { encoding: 'utf8', env: { ...process.env, ...env } });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const cpu = hasTime ? r.stderr.trim().split('\n').pop().split(' ').map(Number).reduce((a, b) => a + b, 0) : NaN;
  return { wall, cpu };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cases = [
  { label: 'node, empty module (Node start-up)', argv: () => [empty], paths: false },
  { label: 'fastml --version', argv: () => [fastml, '--version'], paths: true },
  { label: 'fastml compile models/jet_tagger.onnx --target alveo -o NEW', argv: (d) => [fastml, 'compile', jet, '--target', 'alveo', '-o', d], paths: true },
];
const paths = { bundle: {}, esm: { FASTML_CODE_CACHE: '0' } };
const load0 = os.loadavg();
const rows = [];
try {
  for (const c of cases) {
    const res = { bundle: [], esm: [] };
    for (let r = 0; r < RUNS; r++) {
      for (const [name, env] of Object.entries(paths)) {
        if (!c.paths && name === 'esm') continue;
        const out = path.join(tmp, `prj-${name}-${r}`);
        res[name].push(measure(c.argv(out), env));
        rmSync(out, { recursive: true, force: true });
      }
    }
    const m = (xs, f) => (xs.length ? median(xs.map(f)) : NaN);
    const row = { case: c.label, bundleWall: m(res.bundle, (x) => x.wall), bundleCpu: m(res.bundle, (x) => x.cpu), esmWall: m(res.esm, (x) => x.wall), esmCpu: m(res.esm, (x) => x.cpu) };
    rows.push(row);
    if (!json) process.stderr.write(`${c.label}: done\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const load1 = os.loadavg();
const meta = { date: new Date().toISOString(), node: process.version, cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`, loadBefore: load0.map((x) => +x.toFixed(2)), loadAfter: load1.map((x) => +x.toFixed(2)), runs: RUNS };
if (json) {
  process.stdout.write(JSON.stringify({ meta, rows }, null, 2) + '\n');
} else {
  const ms = (x) => (Number.isFinite(x) ? (x * 1000).toFixed(0) : '-');
  const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) + 'x' : '-');
  console.log(`fastml start-up, whole process, medians of ${RUNS} alternating runs; ${meta.date}, node ${meta.node}, ${meta.cpus}`);
  console.log(`load average before ${meta.loadBefore.join(' / ')}, after ${meta.loadAfter.join(' / ')}; CPU = user + system${hasTime ? ' (/usr/bin/time, 10 ms resolution)' : ' (not measured: no /usr/bin/time)'}`);
  console.log('| case | bundle + code cache: wall / CPU ms | ESM dist (FASTML_CODE_CACHE=0): wall / CPU ms | ESM / bundle (wall, CPU) |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.case} | ${ms(r.bundleWall)} / ${ms(r.bundleCpu)} | ${ms(r.esmWall)} / ${ms(r.esmCpu)} | ${ratio(r.esmWall, r.bundleWall)}, ${ratio(r.esmCpu, r.bundleCpu)} |`);
}
