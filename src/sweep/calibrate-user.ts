/**
 * @fileoverview `fastml calibrate --from DIR [DIR...]`: the estimator refitted on the user's own
 * synthesis results. Every collected sweep point with a report becomes a truth record (its graph is
 * rebuilt exactly as the sweep compiled it; the figures are its csynth report's), added to the bundled
 * truth data, and the estimator's constants are fitted again by the same calibration as
 * `npm run calibrate`. The result is a user calibration file (never the shipped calibration.json) that
 * `fastml estimate --calibration FILE` and a config's `EstimatorCalibration` key point to. The error
 * on the user's points before (shipped constants) and after (refitted) is returned, so the user sees
 * what the refit bought.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DiagnosticError, EXIT, diag } from '../diagnostics/diagnostic.js';
import type { Calibration } from '../estimate/types.js';
import type { TruthRecord } from '../estimate/truth.js';
import { preparePoint, writeAtomic } from './create.js';
import { checkOutputFile } from '../io/safe-write.js';
import { readManifest } from './manifest.js';
import type { ResultRow } from './collect.js';

/** Marks a calibration file as fastml's own (so a later refit may replace it, and nothing else). */
export const USER_CALIBRATION_KIND = 'fastml-user-calibration';

export interface UserCalibrationFile extends Calibration {
  readonly kind: typeof USER_CALIBRATION_KIND;
  readonly userPoints: Array<{ sweep: string; point: string }>;
}

export interface RefitSummary {
  readonly file: string;
  readonly points: number;
  readonly bundled: number;
  /** Median and mean absolute percentage error on the user's points, per figure, before and after. */
  readonly error: Record<string, { n: number; before: { median: number; mean: number }; after: { median: number; mean: number } }>;
}

const FIGS = ['latency_cycles', 'ii', 'dsp', 'lut', 'ff', 'bram_18k'] as const;

/** Truth records from collected sweep folders (points with a synthesis report). */
export async function userRecords(dirs: readonly string[]): Promise<TruthRecord[]> {
  const { loadConfig, defaultConfig, configFromObject } = await import('../config/load.js');
  const { withModelOverrides } = await import('../config/overrides.js');
  const { loadModel } = await import('../frontends/index.js');
  const { runPipeline } = await import('../passes/pipeline.js');
  const out: TruthRecord[] = [];
  for (const dir of dirs) {
    const m = readManifest(dir);
    const resultsFile = path.join(dir, 'results.json');
    if (!existsSync(resultsFile)) throw new DiagnosticError([diag('FML9120', 'the sweep has not been collected (no results.json)', { file: dir }, `run: fastml sweep collect ${dir}`)], EXIT.USAGE);
    const rows = (JSON.parse(readFileSync(resultsFile, 'utf8')) as { rows: ResultRow[] }).rows.filter((r) => r.synth);
    if (rows.length === 0) continue;
    if (!existsSync(m.model)) throw new DiagnosticError([diag('FML9121', `the sweep's model is gone (${m.model})`, { file: dir }, 'the graphs are rebuilt from the model and config the sweep used')], EXIT.USAGE);
    const base = m.config ? loadConfig(m.config) : defaultConfig();
    const raw = await loadModel(m.model, m.weights ? { weights: m.weights } : {});
    for (const r of rows) {
      const p = m.points.find((q) => q.name === r.name);
      if (!p) continue;
      const { graph, io } = preparePoint(raw, base, m.config, m.base, p, { configFromObject, withModelOverrides, runPipeline });
      out.push({
        id: `user:${path.basename(path.resolve(dir))}:${p.name}`,
        dataset: 'user',
        // One group per sweep: cross-validation never splits the points of one user sweep.
        group: `user:${path.resolve(dir)}`,
        label: `${path.basename(m.model)} ${p.name}`,
        source: path.join(dir, r.report?.file ?? p.dir),
        ...(r.report?.version ? { toolVersion: r.report.version } : {}),
        truth: r.synth!,
        graph,
        options: { ...(m.base.target ? { part: m.base.target } : {}), backend: m.base.backend, clockNs: m.base.clock, ioType: io },
      });
    }
  }
  return out;
}

function apeStats(records: readonly TruthRecord[], cal: Calibration | undefined, estimateFn: typeof import('../estimate/estimate.js').estimate): Record<string, number[]> {
  const errs: Record<string, number[]> = {};
  for (const r of records) {
    const e = estimateFn(r.graph!, { ...r.options!, ...(cal ? { calibration: cal } : {}) }).total as unknown as Record<string, number>;
    for (const k of FIGS) {
      const t = r.truth[k];
      if (t === undefined) continue;
      (errs[k] ??= []).push(t === 0 ? (e[k] === 0 ? 0 : 100) : (100 * Math.abs(e[k]! - t)) / Math.abs(t));
    }
  }
  return errs;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/**
 * Refits on bundled truth + the user's points, writes the user calibration file (refusing to replace a
 * file that is not a fastml user calibration), and returns the before/after error.
 */
export async function refit(dirs: readonly string[], truthDir: string, outFile: string): Promise<RefitSummary> {
  const { loadTruth } = await import('../estimate/truth.js');
  const { calibrate } = await import('../estimate/calibrate.js');
  const { estimate } = await import('../estimate/estimate.js');
  if (existsSync(outFile)) {
    let kind: unknown;
    try {
      kind = (JSON.parse(readFileSync(outFile, 'utf8')) as { kind?: unknown }).kind;
    } catch {
      kind = undefined;
    }
    if (kind !== USER_CALIBRATION_KIND)
      throw new DiagnosticError([diag('FML9122', 'the output file exists and is not a fastml user calibration: not replaced', { file: outFile }, 'choose another file with -o')], EXIT.USAGE);
  }
  checkOutputFile(outFile, dirs.map((d) => ({ path: path.join(d, 'sweep.json'), role: 'sweep manifest' })), '-o');
  const user = await userRecords(dirs);
  if (user.length === 0) throw new DiagnosticError([diag('FML9123', 'no synthesized points in the given sweep folders', { file: dirs.join(', ') }, 'run the vendor tool (fastml sweep ... --executor), then fastml sweep collect')], EXIT.USAGE);
  if (!existsSync(truthDir)) throw new DiagnosticError([diag('FML9124', 'no bundled truth data here', { file: truthDir }, 'give --truth DIR (the truth/ folder of fastml\'s repository), or set FASTML_SHARED_DIR')], EXIT.USAGE);
  const bundled = loadTruth(truthDir);
  const cal = calibrate([...bundled, ...user]);
  const before = apeStats(user, undefined, estimate);
  const after = apeStats(user, cal, estimate);
  const error: RefitSummary['error'] = {};
  for (const k of FIGS) {
    if (!before[k]) continue;
    error[k] = { n: before[k].length, before: { median: median(before[k]), mean: mean(before[k]) }, after: { median: median(after[k]!), mean: mean(after[k]!) } };
  }
  // The 80% intervals come from leave-one-repository-out validation of the bundled calibration; a
  // refit on a few user points does not re-run it, so the shipped intervals are kept (conservative).
  const { SHIPPED_CALIBRATION } = await import('../estimate/estimate.js');
  const families = Object.fromEntries(
    (Object.keys(cal.families) as Array<keyof Calibration['families']>).map((b) => [b, { ...cal.families[b], ...(SHIPPED_CALIBRATION.families[b].intervals ? { intervals: SHIPPED_CALIBRATION.families[b].intervals } : {}) }]),
  ) as unknown as Calibration['families'];
  const file: UserCalibrationFile = {
    ...cal,
    families,
    kind: USER_CALIBRATION_KIND,
    source: `${cal.source} + ${user.length} user synthesis reports from ${dirs.map((d) => path.resolve(d)).join(', ')}`,
    records: cal.records,
    userPoints: user.map((r) => ({ sweep: path.dirname(path.dirname(path.dirname(r.source))), point: r.id.split(':').pop()! })),
  };
  writeAtomic(outFile, JSON.stringify(file, null, 1) + '\n');
  return { file: outFile, points: user.length, bundled: bundled.length, error };
}

export function refitText(s: RefitSummary): string {
  const out = [`Refitted the estimator on ${s.bundled} bundled truth records + ${s.points} of your synthesis reports -> ${s.file}`, 'Error on your points (absolute percentage error; shipped constants -> refitted):'];
  for (const [k, e] of Object.entries(s.error))
    out.push(`  ${k.padEnd(15)} n=${String(e.n).padEnd(4)} median ${e.before.median.toFixed(1)}% -> ${e.after.median.toFixed(1)}%   mean ${e.before.mean.toFixed(1)}% -> ${e.after.mean.toFixed(1)}%`);
  out.push(`Use it: fastml estimate MODEL --calibration ${s.file}   (or EstimatorCalibration: ${s.file} in the config)`);
  return out.join('\n') + '\n';
}
