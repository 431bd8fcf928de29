/**
 * @fileoverview Text and JSON renderings of an Estimate for the CLI: a per-layer table with totals
 * and utilization, and the JSON shape scripts rely on (issue 7):
 * {tool, part, clock_ns, layers: [{name, op, latency_cycles, ii, dsp, lut, ff, bram_18k, uram}],
 *  total: {same keys, and <figure>_range: [low, high] 80% intervals}, utilization: {dsp, lut, ff,
 *  bram_18k, uram}, warnings, range_basis (what the intervals come from)}.
 */

import type { Estimate, Figures } from './types.js';
import { FIGURE_KEYS } from './types.js';

export function estimateJson(e: Estimate): Record<string, unknown> {
  const pick = (f: Figures) => Object.fromEntries(FIGURE_KEYS.map((k) => [k, f[k]]));
  const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
  return {
    tool: e.tool,
    part: e.part,
    clock_ns: e.clock_ns,
    layers: e.layers.filter((l) => l.op !== 'Input').map((l) => ({ name: l.name, op: l.op, ...pick(l) })),
    total: { ...pick(e.total), ...Object.fromEntries(FIGURE_KEYS.filter((k) => e.total[`${k}_range`]).map((k) => [`${k}_range`, e.total[`${k}_range`]])) },
    utilization: Object.fromEntries(Object.entries(e.utilization).map(([k, v]) => [k, round(v)])),
    warnings: e.warnings,
    ...(e.range_basis ? { range_basis: e.range_basis } : {}),
  };
}

export function table(head: string[], rows: string[][], alignRight: (i: number) => boolean = (i) => i > 1): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (alignRight(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n') + '\n';
}

function pctText(v: number | null): string {
  return v === null ? 'n/a' : `${v < 10 ? v.toFixed(2) : v.toFixed(1)}%`;
}

export function estimateText(e: Estimate, opts: { layers?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`Estimate for ${e.part}${e.board ? ` (${e.board})` : ''}, ${e.dsp_kind}, clock ${e.clock_ns} ns, ${e.io_type}`);
  out.push(`Tool modelled: ${e.tool}`);
  out.push('');
  const rows = e.layers
    .filter((l) => l.op !== 'Input')
    .map((l) => [
      l.name,
      l.op,
      l.strategy ? `${l.strategy}` : '',
      l.reuse_factor !== undefined ? String(l.reuse_factor) : '',
      String(l.latency_cycles),
      String(+(l.latency_cycles * e.clock_ns).toFixed(2)),
      String(l.ii),
      String(l.dsp),
      String(l.lut),
      String(l.ff),
      String(l.bram_18k),
      String(l.uram),
    ]);
  const t = e.total;
  rows.push(['total', '', '', '', String(t.latency_cycles), String(+t.latency_ns.toFixed(2)), String(t.ii), String(t.dsp), String(t.lut), String(t.ff), String(t.bram_18k), String(t.uram)]);
  const r = (k: keyof Figures) => {
    const v = t[`${k}_range`];
    return v ? `${v[0]}-${v[1]}` : '';
  };
  if (e.range_basis) {
    const ns = t.latency_cycles_range ? `${+(t.latency_cycles_range[0] * e.clock_ns).toFixed(2)}-${+(t.latency_cycles_range[1] * e.clock_ns).toFixed(2)}` : '';
    rows.push(['80% range', '', '', '', r('latency_cycles'), ns, r('ii'), r('dsp'), r('lut'), r('ff'), r('bram_18k'), r('uram')]);
  }
  if (opts.layers !== false) out.push(table(['layer', 'op', 'strategy', 'RF', 'latency', 'ns', 'II', 'DSP', 'LUT', 'FF', 'BRAM_18K', 'URAM'], rows, (i) => i > 2));
  if (e.range_basis) out.push(`80% range: ${e.range_basis}`);
  out.push(`Latency ${t.latency_cycles} cycles = ${+(t.latency_ns).toFixed(2)} ns at ${e.clock_ns} ns; II ${t.ii} cycles`);
  const u = e.utilization;
  out.push(`Utilization of ${e.part}: DSP ${pctText(u.dsp)}, LUT ${pctText(u.lut)}, FF ${pctText(u.ff)}, BRAM_18K ${pctText(u.bram_18k)}, URAM ${pctText(u.uram)}`);
  if (e.utilization_slr) {
    const s = e.utilization_slr;
    out.push(`Utilization of one SLR: DSP ${pctText(s.dsp)}, LUT ${pctText(s.lut)}, FF ${pctText(s.ff)}, BRAM_18K ${pctText(s.bram_18k)}, URAM ${pctText(s.uram)}`);
  }
  out.push('Figures are what HLS C synthesis would report (post-synthesis LUT counts are often about half).');
  if (e.warnings.length) {
    out.push('');
    for (const w of e.warnings) out.push(`warning: ${w}`);
  }
  return out.join('\n') + '\n';
}
