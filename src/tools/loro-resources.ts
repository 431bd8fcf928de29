/**
 * @fileoverview Diagnostics for the LUT / FF models (issue 13): leave-one-repository-out error per
 * data set, tool family, strategy and io type, and the worst held-out rows with the design features
 * that drive them (per-layer estimated LUT/FF and the model features summed per layer kind).
 *
 *   npm run build && node dist/tools/loro-resources.js [--cache FILE] [--worst N] [--figure lut|ff] [--dataset NAME] [--in-sample]
 *     [--coefficients]
 *
 * The latency fit is the slow part of a fold and LUT/FF experiments do not change it: with
 * --cache, each fold's fitted latency constants are stored in FILE on the first run and reused on
 * the next ones (delete the file after changing latency terms). `npm run calibrate` always refits
 * everything; this tool writes nothing else. --in-sample lists the worst rows of the fit on every
 * record instead of the held-out ones; --coefficients prints the fitted LUT/FF coefficients.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ape, calibrate, median } from '../estimate/calibrate.js';
import { estimate } from '../estimate/estimate.js';
import type { TruthRecord } from '../estimate/truth.js';
import { loadTruth, sharedDir } from '../estimate/truth.js';
import type { Backend, Estimate } from '../estimate/types.js';

type Fig = 'lut' | 'ff';
interface Held {
  r: TruthRecord;
  e: Estimate;
}

class UsageError extends Error {}

interface Args {
  cache?: string;
  worst: number;
  figures: Fig[];
  dataset: string;
  inSample: boolean;
  coefficients: boolean;
}

function args(argv: string[]): Args {
  const out: Args = { worst: 10, figures: ['lut', 'ff'], dataset: 'public-hls4ml', inSample: false, coefficients: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cache') out.cache = argv[++i];
    else if (a === '--worst') out.worst = Number(argv[++i]);
    else if (a === '--figure') out.figures = [argv[++i] as Fig];
    else if (a === '--dataset') out.dataset = argv[++i]!;
    else if (a === '--in-sample') out.inSample = true;
    else if (a === '--coefficients') out.coefficients = true;
    else throw new UsageError(`unknown argument '${a}' (expected --cache FILE, --worst N, --figure lut|ff, --dataset NAME, --in-sample, --coefficients)`);
  }
  if (!Number.isInteger(out.worst) || out.worst < 0) throw new UsageError(`--worst takes a whole number of rows, got '${out.worst}'`);
  if (out.figures.some((f) => f !== 'lut' && f !== 'ff')) throw new UsageError(`--figure takes lut or ff, got '${out.figures.join(',')}'`);
  if (out.cache === undefined && argv.includes('--cache')) throw new UsageError('--cache takes a file name');
  return out;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');

function stats(held: Held[], k: Fig): string {
  const e = held.filter((h) => h.r.truth[k] !== undefined).map((h) => ape(h.e.total[k], h.r.truth[k]!));
  if (!e.length) return '-';
  return `${fmt(e.reduce((a, b) => a + b, 0) / e.length)} / ${fmt(median(e))} (${e.length})`;
}

function subsetKey(h: Held): string {
  const o = h.r.options!;
  return `${h.r.dataset}, ${o.backend}, ${o.strategy ?? 'latency'}, ${o.ioType ?? 'io_parallel'}`;
}

function describeRow(h: Held, k: Fig): string {
  const o = h.r.options!;
  const lines = [
    `${h.r.id} ${h.r.group} ${o.backend} ${h.r.toolVersion ?? ''} ${o.strategy} ${o.ioType} rf${o.reuseFactor} clk ${o.clockNs}: est ${h.e.total[k]} vs ${h.r.truth[k]} (truth/est ${(h.r.truth[k]! / Math.max(1, h.e.total[k])).toFixed(2)})`,
  ];
  for (const l of h.e.layers) {
    if (l.lut === 0 && l.ff === 0 && !l.features) continue;
    const feats = Object.entries(l.features ?? {})
      .filter(([, v]) => v !== 0)
      .map(([f, v]) => `${f}=${Math.round(v)}`)
      .join(' ');
    lines.push(`    ${l.op.padEnd(12)} ${l.name.padEnd(18)} ${k}=${String(l[k]).padStart(7)} rf=${l.reuse_factor ?? '-'} ${feats}`);
  }
  return lines.join('\n');
}

export function main(argv: string[]): void {
  const opt = args(argv);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const records = loadTruth(path.join(sharedDir(root), 'truth')).filter((r) => r.graph && r.options && !r.excluded);
  let cache: Record<string, Partial<Record<Backend, Record<string, number>>>> = {};
  if (opt.cache && existsSync(opt.cache)) {
    try {
      cache = JSON.parse(readFileSync(opt.cache, 'utf8'));
    } catch (e) {
      throw new UsageError(`--cache ${opt.cache}: not a latency cache written by this tool (${(e as Error).message}); delete it to refit`);
    }
  }
  const groups = [...new Set(records.map((r) => r.group))];
  const held: Held[] = [];
  for (const g of groups) {
    const cal = calibrate(
      records.filter((r) => r.group !== g),
      new Date(0),
      cache[g] ? { latency: cache[g] } : {},
    );
    cache[g] = { vitis: cal.families.vitis.latency, vivado: cal.families.vivado.latency };
    for (const r of records.filter((x) => x.group === g)) held.push({ r, e: estimate(r.graph!, { ...r.options!, calibration: cal }) });
  }
  // In-sample: the constants fitted on every record, as `npm run calibrate` ships them.
  const all = calibrate(records, new Date(0), cache['*'] ? { latency: cache['*'] } : {});
  cache['*'] = { vitis: all.families.vitis.latency, vivado: all.families.vivado.latency };
  const fitted: Held[] = records.map((r) => ({ r, e: estimate(r.graph!, { ...r.options!, calibration: all }) }));
  if (opt.cache) writeFileSync(opt.cache, JSON.stringify(cache));
  const out: string[] = [];
  const datasets = [...new Set(held.map((h) => h.r.dataset))].sort();
  out.push(`subset: ${opt.figures.map((k) => `${k} MAPE / MdAPE (n)`).join(' | ')}`);
  for (const d of [...new Set(fitted.map((h) => h.r.dataset))].sort()) out.push(`in-sample ${d}: ${opt.figures.map((k) => stats(fitted.filter((h) => h.r.dataset === d), k)).join(' | ')}`);
  if (opt.coefficients) {
    for (const b of ['vivado', 'vitis'] as const) {
      for (const k of opt.figures) out.push(`${b} ${k}: ${Object.entries(all.families[b][k]).filter(([, v]) => v).map(([f, v]) => `${f}=${v.toPrecision(3)}`).join(' ')}`);
    }
  }
  out.push('held out (leave-one-repository-out):');
  for (const d of datasets) out.push(`${d}: ${opt.figures.map((k) => stats(held.filter((h) => h.r.dataset === d), k)).join(' | ')}`);
  const subsets = [...new Set(held.map(subsetKey))].sort();
  for (const s of subsets) out.push(`  ${s}: ${opt.figures.map((k) => stats(held.filter((h) => subsetKey(h) === s), k)).join(' | ')}`);
  for (const k of opt.figures) {
    out.push(`\nworst ${k} (${opt.dataset}, ${opt.inSample ? 'in-sample' : 'held out'}):`);
    const pub = (opt.inSample ? fitted : held).filter((h) => h.r.dataset === opt.dataset && h.r.truth[k] !== undefined);
    pub.sort((a, b) => ape(b.e.total[k], b.r.truth[k]!) - ape(a.e.total[k], a.r.truth[k]!));
    for (const h of pub.slice(0, opt.worst)) out.push(describeRow(h, k));
  }
  process.stdout.write(out.join('\n') + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`loro-resources: ${e.message}\n`);
    process.exitCode = 2;
  }
}
