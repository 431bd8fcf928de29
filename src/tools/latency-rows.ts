/**
 * @fileoverview Diagnostic for the latency / II model (issue 13): estimates every modelled truth
 * record, either in-sample (constants fitted on everything, seconds) or held out (leave one
 * repository out, minutes), and prints est vs truth for latency and II per row with the design
 * features that decide them (tool, io type, strategy, clock, reuse factors, per-layer latency and
 * interval under the constants that estimated the row), worst rows first, plus MAPE / median APE per data set
 * (DSP, LUT, FF too: their fit depends on the pipeline depths the latency constants fix).
 *
 *   node dist/tools/latency-rows.js [--loro] [--dataset public-hls4ml] [--json out.json] [--top N]
 *
 * The truth is read from ../shared/truth (or FASTML_SHARED_DIR), as `npm run calibrate` does.
 */

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ape, calibrate, median } from '../estimate/calibrate.js';
import { estimate } from '../estimate/estimate.js';
import type { TruthRecord } from '../estimate/truth.js';
import { loadTruth, sharedDir } from '../estimate/truth.js';
import type { Calibration } from '../estimate/types.js';

interface Row {
  id: string;
  dataset: string;
  group: string;
  tool: string;
  io: string;
  strategy: string;
  clock: number;
  truth: { lat?: number; ii?: number; dsp?: number; lut?: number; ff?: number };
  est: { lat: number; ii: number; dsp: number; lut: number; ff: number };
  layers: string;
}

function describe(r: TruthRecord, cal: Calibration): string {
  const e = estimate(r.graph!, { ...r.options!, calibration: cal });
  return e.layers
    .filter((l) => l.latency_cycles > 0 || l.ii > 1 || l.reuse_factor !== undefined)
    .map((l) => `${l.op}${l.reuse_factor !== undefined ? `[${l.strategy?.[0] ?? ''}rf${l.reuse_factor}]` : ''}=${l.latency_cycles}${l.stream_cycles !== undefined ? `(s${l.stream_cycles}${l.pixel_stream ? 'p' : ''})` : ''}/ii${l.ii}`)
    .join(' ');
}

function main(argv: string[]): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const loro = argv.includes('--loro');
  const dsIdx = argv.indexOf('--dataset');
  const dataset = dsIdx >= 0 ? argv[dsIdx + 1] : undefined;
  const jsonIdx = argv.indexOf('--json');
  const topIdx = argv.indexOf('--top');
  const top = topIdx >= 0 ? Number(argv[topIdx + 1]) : 25;
  const records = loadTruth(path.join(sharedDir(root), 'truth'));
  const full = calibrate(records);
  const ests = new Map<string, Row['est']>();
  const figs = (t: { latency_cycles: number; ii: number; dsp: number; lut: number; ff: number }) => ({ lat: t.latency_cycles, ii: t.ii, dsp: t.dsp, lut: t.lut, ff: t.ff });
  // The calibration each record was estimated with (its fold's under --loro), for the per-layer view.
  const calOf = new Map<string, Calibration>();
  if (loro) {
    // The same folds as crossValidate (calibrate.ts), kept here to show each fold's per-layer view.
    const modelled = records.filter((r) => r.graph && r.options && !r.excluded);
    const groups = [...new Set(modelled.map((r) => r.group))];
    groups.forEach((g, i) => {
      process.stderr.write(`fold ${i + 1}/${groups.length} ${g}\n`);
      const cal = calibrate(modelled.filter((r) => r.group !== g), new Date(0));
      for (const r of modelled.filter((x) => x.group === g)) {
        const e = estimate(r.graph!, { ...r.options!, calibration: cal });
        ests.set(r.id, figs(e.total));
        calOf.set(r.id, cal);
      }
    });
  } else {
    for (const r of records) {
      if (!r.graph || !r.options || r.excluded) continue;
      const e = estimate(r.graph, { ...r.options, calibration: full });
      ests.set(r.id, figs(e.total));
    }
  }
  const rows: Row[] = [];
  for (const r of records) {
    const est = ests.get(r.id);
    if (!est || (dataset && r.dataset !== dataset)) continue;
    const o = r.options!;
    rows.push({
      id: r.id,
      dataset: r.dataset,
      group: r.group,
      tool: `${o.backend} ${r.toolVersion ?? ''}`.trim(),
      io: o.ioType ?? 'io_parallel',
      strategy: o.strategy ?? 'latency',
      clock: o.clockNs ?? 5,
      truth: { lat: r.truth.latency_cycles, ii: r.truth.ii, dsp: r.truth.dsp, lut: r.truth.lut, ff: r.truth.ff },
      est,
      layers: describe(r, calOf.get(r.id) ?? full),
    });
  }
  const sets = [...new Set(rows.map((r) => r.dataset))].sort();
  for (const ds of sets) {
    const sub = rows.filter((r) => r.dataset === ds);
    const lat = sub.filter((r) => r.truth.lat !== undefined).map((r) => ape(r.est.lat, r.truth.lat!));
    const ii = sub.filter((r) => r.truth.ii !== undefined).map((r) => ape(r.est.ii, r.truth.ii!));
    const m = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
    const res = (['dsp', 'lut', 'ff'] as const).map((k) => {
      const e = sub.filter((r) => r.truth[k] !== undefined).map((r) => ape(r.est[k], r.truth[k]!));
      return `${k} ${m(e).toFixed(1)}/${median(e).toFixed(1)}`;
    });
    process.stdout.write(`${ds}: latency n=${lat.length} MAPE ${m(lat).toFixed(1)} MdAPE ${median(lat).toFixed(1)} | II n=${ii.length} MAPE ${m(ii).toFixed(1)} MdAPE ${median(ii).toFixed(1)} | ${res.join(' ')}\n`);
  }
  const worst = [...rows].sort((a, b) => Math.max(b.truth.lat !== undefined ? ape(b.est.lat, b.truth.lat) : 0, b.truth.ii !== undefined ? ape(b.est.ii, b.truth.ii) : 0) - Math.max(a.truth.lat !== undefined ? ape(a.est.lat, a.truth.lat) : 0, a.truth.ii !== undefined ? ape(a.est.ii, a.truth.ii) : 0));
  for (const r of worst.slice(0, top)) {
    process.stdout.write(`${r.id} [${r.group}] ${r.tool} ${r.io} ${r.strategy} ${r.clock}ns: lat ${r.est.lat} vs ${r.truth.lat ?? '-'}, ii ${r.est.ii} vs ${r.truth.ii ?? '-'}\n    ${r.layers}\n`);
  }
  if (jsonIdx >= 0) writeFileSync(argv[jsonIdx + 1]!, JSON.stringify(rows, null, 1));
  process.stdout.write(`latency constants vitis ${JSON.stringify(full.families.vitis.latency)}\nvivado ${JSON.stringify(full.families.vivado.latency)}\n`);
}

main(process.argv.slice(2));
