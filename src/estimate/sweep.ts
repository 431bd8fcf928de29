/**
 * @fileoverview Design-space sweeps: `--sweep reuse=1,2,4,8 precision=8,12,16` estimates every
 * combination and marks the Pareto points (no other point is at least as good in latency, DSP, LUT
 * and accuracy, and better in one). Accuracy, when inputs are given, is the agreement of the
 * bit-accurate emulator's top-1 class with the float model's (or, for single-output models, the
 * share of samples within 1% of the float output range).
 */

import type { Strategy } from '../ir/graph.js';
import { fail } from '../diagnostics/diagnostic.js';
import type { Estimate } from './types.js';
import { table } from './format.js';

export interface SweepAxes {
  reuse?: number[];
  /** Total widths (integer bits follow hls4ml's default ratio, see precisionType) or explicit types. */
  precision?: string[];
  strategy?: Strategy[];
}

export interface SweepPoint {
  readonly reuse?: number;
  readonly precision?: string;
  readonly strategy?: Strategy;
}

export interface SweepResult {
  readonly point: SweepPoint;
  readonly estimate: Estimate;
  /** Percent, when inputs were given. */
  readonly accuracy?: number;
  pareto?: boolean;
}

export function parseSweep(specs: readonly string[]): SweepAxes {
  const axes: SweepAxes = {};
  for (const spec of specs) {
    for (const part of spec.split(/\s+/).filter(Boolean)) {
      const m = /^(reuse|precision|strategy)=(.+)$/.exec(part);
      if (!m) fail('FML7010', `bad --sweep axis "${part}"`, undefined, 'use reuse=1,2,4 precision=8,12,16 (or fixed<10,4>) strategy=latency,resource');
      const vals = m[2]!.split(/,(?![^<]*>)/).map((s) => s.trim()).filter(Boolean);
      if (m[1] === 'reuse') {
        axes.reuse = vals.map((v) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1) fail('FML7010', `--sweep reuse: "${v}" is not a positive integer`);
          return n;
        });
      } else if (m[1] === 'precision') {
        for (const v of vals) if (!/^\d+$/.test(v) && !/^u?fixed<|^ap_u?fixed<|^u?int<|^ap_u?int</.test(v)) fail('FML7010', `--sweep precision: "${v}" is neither a bit width nor a fixed-point type`);
        axes.precision = vals;
      } else {
        axes.strategy = vals.map((v) => {
          const s = v.toLowerCase();
          if (s !== 'latency' && s !== 'resource') fail('FML7010', `--sweep strategy: "${v}" is not latency or resource`);
          return s;
        });
      }
    }
  }
  return axes;
}

/**
 * A bare width N means fixed<N, I> with I = round(6N/16): hls4ml's default fixed<16,6> scaled, so
 * a sweep over widths keeps the range/resolution balance of the default.
 */
export function precisionType(p: string): string {
  if (!/^\d+$/.test(p)) return p;
  const w = Number(p);
  return `fixed<${w},${Math.max(1, Math.round((6 * w) / 16))}>`;
}

export function sweepPoints(axes: SweepAxes): SweepPoint[] {
  let pts: SweepPoint[] = [{}];
  if (axes.strategy) pts = pts.flatMap((p) => axes.strategy!.map((strategy) => ({ ...p, strategy })));
  if (axes.precision) pts = pts.flatMap((p) => axes.precision!.map((precision) => ({ ...p, precision })));
  if (axes.reuse) pts = pts.flatMap((p) => axes.reuse!.map((reuse) => ({ ...p, reuse })));
  return pts;
}

function objectives(r: SweepResult): number[] {
  const t = r.estimate.total;
  return [t.latency_cycles, t.dsp, t.lut, ...(r.accuracy !== undefined ? [-r.accuracy] : [])];
}

/** Marks the non-dominated results (in place) and returns them. */
export function markPareto(results: SweepResult[]): SweepResult[] {
  const objs = results.map(objectives);
  results.forEach((r, i) => {
    r.pareto = !objs.some((o, j) => j !== i && o.every((v, k) => v <= objs[i]![k]!) && o.some((v, k) => v < objs[i]![k]!));
  });
  return results.filter((r) => r.pareto);
}

export function sweepText(results: readonly SweepResult[]): string {
  const withAcc = results.some((r) => r.accuracy !== undefined);
  const head = ['', 'strategy', 'precision', 'RF', 'latency', 'II', 'DSP', 'LUT', 'FF', 'BRAM_18K', 'DSP%', 'LUT%', ...(withAcc ? ['accuracy'] : [])];
  const rows = results.map((r) => {
    const t = r.estimate.total;
    const u = r.estimate.utilization;
    return [
      r.pareto ? '*' : '',
      r.point.strategy ?? '',
      r.point.precision ? precisionType(r.point.precision) : '',
      r.point.reuse !== undefined ? String(r.point.reuse) : '',
      String(t.latency_cycles),
      String(t.ii),
      String(t.dsp),
      String(t.lut),
      String(t.ff),
      String(t.bram_18k),
      u.dsp === null ? 'n/a' : u.dsp.toFixed(1),
      u.lut === null ? 'n/a' : u.lut.toFixed(1),
      ...(withAcc ? [r.accuracy === undefined ? 'n/a' : `${r.accuracy.toFixed(1)}%`] : []),
    ];
  });
  const objs = `latency, DSP, LUT${withAcc ? ', accuracy' : ''}`;
  return table(head, rows, (i) => i > 3) + `* Pareto point (no other point is at least as good in ${objs} and better in one)\n`;
}
