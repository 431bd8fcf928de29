/**
 * @fileoverview `fastml sweep collect DIR`: reads every point's synthesis report (the csynth reader of
 * `fastml report`) and writes DIR/results.json and DIR/results.csv: settings, the estimate, the
 * synthesized figures (with the report they come from), accuracy, and the Pareto front over latency,
 * DSP, LUT (and accuracy with --input). Points without a report are listed with their run state, so a
 * partial sweep can be collected too. The front is taken on the synthesized figures where every
 * point has them, else on the estimates (said in the output).
 */

import path from 'node:path';
import { readProjectReports } from '../estimate/csynth.js';
import { DiagnosticError } from '../diagnostics/diagnostic.js';
import { pointSettings, GRID_AXES } from './grid.js';
import { pointDir, readManifest, readStatus, type SweepManifest } from './manifest.js';
import { writeAtomic } from './create.js';

export interface ResultRow {
  readonly name: string;
  readonly index: number;
  readonly settings: Record<string, string | number>;
  readonly status: string;
  readonly estimate: Record<string, number>;
  /** Figures of the vendor report (latency = worst case, II = max interval, as the estimator's). */
  readonly synth?: Record<string, number>;
  readonly report?: { file: string; tool: string; version?: string; part?: string };
  readonly accuracy?: number;
  pareto?: boolean;
}

export interface Collected {
  readonly rows: ResultRow[];
  /** What the Pareto front was taken on. */
  readonly frontOn: 'synthesis' | 'estimate';
  readonly files: { json: string; csv: string };
}

const FIGS = ['latency_cycles', 'ii', 'dsp', 'lut', 'ff', 'bram_18k'] as const;

export function collectSweep(dir: string): Collected {
  const m: SweepManifest = readManifest(dir);
  const rows: ResultRow[] = m.points.map((p) => {
    const total = (p.estimate.total ?? {}) as Record<string, number>;
    const estimate = Object.fromEntries(FIGS.filter((k) => typeof total[k] === 'number').map((k) => [k, total[k]!]));
    const st = readStatus(dir, p);
    let synth: Record<string, number> | undefined;
    let report: ResultRow['report'];
    try {
      const rep = readProjectReports(pointDir(dir, p)).top;
      const s: Record<string, number> = {};
      if (rep.latency_worst !== undefined) s.latency_cycles = rep.latency_worst;
      if (rep.ii_max !== undefined) s.ii = rep.ii_max;
      for (const k of ['dsp', 'lut', 'ff', 'bram_18k'] as const) if (rep[k] !== undefined) s[k] = rep[k]!;
      synth = s;
      report = { file: path.relative(dir, rep.file), tool: rep.tool, ...(rep.version ? { version: rep.version } : {}), ...(rep.part ? { part: rep.part } : {}) };
    } catch (e) {
      if (!(e instanceof DiagnosticError)) throw e; // no report yet, or an unreadable one: listed without figures
    }
    return {
      name: p.name,
      index: p.index,
      settings: pointSettings(p),
      status: synth ? 'synthesized' : (st?.state ?? 'not run'),
      estimate,
      ...(synth ? { synth } : {}),
      ...(report ? { report } : {}),
      ...(p.accuracy !== undefined ? { accuracy: p.accuracy } : {}),
    };
  });
  const frontOn = rows.length > 0 && rows.every((r) => r.synth && FRONT.every((k) => r.synth![k] !== undefined)) ? 'synthesis' : 'estimate';
  markFront(rows, frontOn);
  const json = path.join(dir, 'results.json');
  const csv = path.join(dir, 'results.csv');
  writeAtomic(json, JSON.stringify({ sweep: path.resolve(dir), frontOn, sources: { estimate: 'fastml estimator (model + calibration)', synth: 'vendor csynth report of each point' }, rows }, null, 1) + '\n');
  writeAtomic(csv, toCsv(rows));
  return { rows, frontOn, files: { json, csv } };
}

const FRONT = ['latency_cycles', 'dsp', 'lut'] as const;

function markFront(rows: ResultRow[], on: 'synthesis' | 'estimate'): void {
  const obj = (r: ResultRow): number[] | undefined => {
    const f = on === 'synthesis' ? r.synth : r.estimate;
    if (!f || FRONT.some((k) => f[k] === undefined)) return undefined;
    return [...FRONT.map((k) => f[k]!), ...(r.accuracy !== undefined ? [-r.accuracy] : [])];
  };
  const objs = rows.map(obj);
  rows.forEach((r, i) => {
    const a = objs[i];
    r.pareto = a !== undefined && !objs.some((b, j) => j !== i && b !== undefined && b.length === a.length && b.every((v, k) => v <= a[k]!) && b.some((v, k) => v < a[k]!));
  });
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function toCsv(rows: readonly ResultRow[]): string {
  const axes = GRID_AXES.filter((a) => rows.some((r) => r.settings[a] !== undefined));
  const head = ['index', 'name', ...axes, 'status', ...FIGS.map((k) => `est_${k}`), ...FIGS.map((k) => `syn_${k}`), 'accuracy', 'pareto', 'report'];
  const lines = [head.join(',')];
  for (const r of rows)
    lines.push(
      [r.index, r.name, ...axes.map((a) => r.settings[a]), r.status, ...FIGS.map((k) => r.estimate[k]), ...FIGS.map((k) => r.synth?.[k]), r.accuracy, r.pareto ? 1 : 0, r.report?.file]
        .map(cell)
        .join(','),
    );
  return lines.join('\n') + '\n';
}

export function collectText(c: Collected): string {
  const out: string[] = [];
  const synthesized = c.rows.filter((r) => r.synth).length;
  out.push(`${c.rows.length} points, ${synthesized} with a synthesis report; Pareto front on the ${c.frontOn === 'synthesis' ? 'synthesized figures' : 'estimates (not every point has a report)'}`);
  const w = Math.max(...c.rows.map((r) => r.name.length), 4);
  out.push(`  ${'point'.padEnd(w)}  ${'status'.padEnd(11)}  ${'latency'.padStart(8)}  ${'DSP'.padStart(7)}  ${'LUT'.padStart(9)}  ${'FF'.padStart(9)}  source`);
  for (const r of c.rows) {
    const f = r.synth ?? r.estimate;
    const n = (k: string) => (f[k] === undefined ? '' : String(f[k]));
    out.push(`${r.pareto ? '*' : ' '} ${r.name.padEnd(w)}  ${r.status.padEnd(11)}  ${n('latency_cycles').padStart(8)}  ${n('dsp').padStart(7)}  ${n('lut').padStart(9)}  ${n('ff').padStart(9)}  ${r.synth ? `report (${r.report?.tool ?? 'csynth'})` : 'estimate'}`);
  }
  out.push(`* Pareto point. Written: ${c.files.csv}, ${c.files.json}`);
  return out.join('\n') + '\n';
}
