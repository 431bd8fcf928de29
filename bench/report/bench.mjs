/**
 * @fileoverview The HTML report's cost (after `npm run build`: `node bench/report/bench.mjs [--runs N]
 * [--json]`): for synthetic MLPs of 51 layers, 1001 layers and 1.06M weights (src/tools/synthetic-models.ts,
 * seeded), the median wall and CPU time of `fastml report MODEL --input X --html` and, as the same-run
 * reference, of `fastml check MODEL --input X --json` on the same inputs (the report runs that check and
 * then estimates, profiles and draws), with the page size. Runs in-process through main(), one command
 * after another, so the figures are comparable; the machine's load average is printed with them.
 */

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../dist/cli/main.js';
import { memoryIO } from '../../dist/cli/io.js';
import { writeTensorFile } from '../../dist/io/index.js';
import { normal, rng } from '../../dist/tools/onnx-writer.js';
import { syntheticMlp } from '../../dist/tools/synthetic-models.js';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 3) || 3;
const json = args.includes('--json');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fastml-bench-report-'));

const CASES = [
  { name: '51 layers (16 wide), 1000 samples', widths: Array(27).fill(16), samples: 1000 },
  { name: '1001 layers (8 wide), 100 samples', widths: Array(502).fill(8), samples: 100 },
  { name: '1.06M weights (64-1024-1024-10), 100 samples', widths: [64, 1024, 1024, 10], samples: 100 },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(argv) {
  const io = memoryIO(tmp);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const code = await main(argv, io);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  if (code !== 0) throw new Error(`fastml ${argv.join(' ')} exited ${code}: ${io.stderr}`);
  return { wall, cpu: (cpu.user + cpu.system) / 1e6 };
}

const rows = [];
for (const c of CASES) {
  const model = path.join(tmp, 'm.onnx');
  writeFileSync(model, syntheticMlp({ widths: c.widths }));
  const x = path.join(tmp, 'x.npy');
  writeTensorFile(x, [{ name: 'x', shape: [c.samples, c.widths[0]], data: Float64Array.from(normal(rng(7), c.samples * c.widths[0], 1)) }], { dtype: 'f4' });
  const html = path.join(tmp, 'r.html');
  const check = [];
  const report = [];
  for (let r = 0; r < runs; r++) {
    check.push(await timed(['check', model, '-i', x, '--json']));
    report.push(await timed(['report', model, '-i', x, '--html', html]));
  }
  const row = {
    case: c.name,
    check_wall_s: median(check.map((t) => t.wall)),
    report_wall_s: median(report.map((t) => t.wall)),
    check_cpu_s: median(check.map((t) => t.cpu)),
    report_cpu_s: median(report.map((t) => t.cpu)),
    page_bytes: statSync(html).size,
  };
  row.ratio_cpu = row.report_cpu_s / row.check_cpu_s;
  rows.push(row);
}
rmSync(tmp, { recursive: true, force: true });

const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
if (json) console.log(JSON.stringify({ node: process.version, load, runs, rows }, null, 1));
else {
  console.log(`node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, load average ${load}, medians of ${runs}`);
  console.log('| case | check wall | report wall | check CPU | report CPU | report / check (CPU) | page |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(`| ${r.case} | ${r.check_wall_s.toFixed(2)} s | ${r.report_wall_s.toFixed(2)} s | ${r.check_cpu_s.toFixed(2)} s | ${r.report_cpu_s.toFixed(2)} s | ${r.ratio_cpu.toFixed(2)}x | ${(r.page_bytes / 1024 / 1024).toFixed(2)} MB |`);
}
