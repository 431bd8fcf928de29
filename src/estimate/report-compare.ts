/**
 * @fileoverview Puts a synthesis report beside fastml's estimate: totals, and per layer where the
 * report's modules can be tied to layers. A module is tied to a layer when its name contains the
 * layer's (sanitised) name; otherwise modules of one kind (dense, relu, softmax, conv, pooling...)
 * are tied to the layers of that kind in order (hls4ml numbers its configs in graph order).
 */

import type { Estimate, LayerEstimate } from './types.js';
import type { ProjectReports, ReportFigures } from './csynth.js';
import { table } from './format.js';

function kindOf(l: LayerEstimate | { op: string; name: string }): RegExp | undefined {
  switch (l.op) {
    case 'Dense':
      return /dense/i;
    case 'Conv':
      return /conv/i;
    case 'DepthwiseConv':
      return /depthwise/i;
    case 'Softmax':
      return /softmax/i;
    case 'Pool':
    case 'GlobalPool':
      return /pool/i;
    case 'BatchNorm':
    case 'ScaleBias':
      return /normali[sz]e|batchnorm|scale/i;
    case 'Merge':
      return /add|merge|multiply|subtract|average|maximum|minimum/i;
    case 'Activation':
      return /relu|sigmoid|tanh|elu|softplus|softsign|activation|linear/i;
    default:
      return undefined;
  }
}

const sanitize = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '_');

function configNumber(name: string): number {
  const m = /config(\d+)/i.exec(name);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

/** Layer name -> module figures. */
export function matchModules(layers: readonly LayerEstimate[], modules: ReadonlyArray<{ name: string } & ReportFigures>): Map<string, { name: string } & ReportFigures> {
  const out = new Map<string, { name: string } & ReportFigures>();
  const used = new Set<string>();
  for (const l of layers) {
    const key = sanitize(l.name);
    if (key.length < 3) continue;
    const m = modules.find((x) => !used.has(x.name) && new RegExp(`(^|_)${key}(_|$)`).test(sanitize(x.name)));
    if (m) (out.set(l.name, m), used.add(m.name));
  }
  const kinds = new Map<string, LayerEstimate[]>();
  for (const l of layers) {
    if (out.has(l.name)) continue;
    const k = kindOf(l);
    if (!k) continue;
    const arr = kinds.get(k.source) ?? [];
    arr.push(l);
    kinds.set(k.source, arr);
  }
  for (const [src, ls] of kinds) {
    const re = new RegExp(src, 'i');
    // Depthwise modules are also "conv": keep them for depthwise layers.
    const cands = modules
      .filter((m) => !used.has(m.name) && re.test(m.name) && (src.includes('depthwise') || !/depthwise/i.test(m.name)))
      .sort((a, b) => configNumber(a.name) - configNumber(b.name));
    ls.forEach((l, i) => {
      const m = cands[i];
      if (m) (out.set(l.name, m), used.add(m.name));
    });
  }
  return out;
}

const f = (v: number | undefined) => (v === undefined ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(2));
function pair(est: number, rep: number | undefined): string {
  if (rep === undefined) return `${est} / -`;
  const err = rep === 0 ? (est === 0 ? 0 : 100) : (100 * (est - rep)) / rep;
  return `${est} / ${f(rep)} (${err >= 0 ? '+' : ''}${err.toFixed(0)}%)`;
}

export function reportText(rep: ProjectReports, est?: Estimate): string {
  const t = rep.top;
  const lines: string[] = [];
  lines.push(`Report: ${t.file}`);
  lines.push(`Tool: ${t.tool}${t.version ? ` ${t.version}` : ''}; part ${t.part ?? '?'}; clock ${f(t.clock_ns)} ns (estimated ${f(t.est_clock_ns)} ns); top ${t.top ?? '?'}`);
  lines.push('');
  if (!est) {
    const rows = [['total', f(t.latency_best), f(t.ii_min), f(t.dsp), f(t.lut), f(t.ff), f(t.bram_18k), f(t.uram)]];
    for (const m of rep.modules) rows.push([m.name, f(m.latency_best), f(m.ii_min), f(m.dsp), f(m.lut), f(m.ff), f(m.bram_18k), f(m.uram)]);
    lines.push(table(['module', 'latency', 'II', 'DSP', 'LUT', 'FF', 'BRAM_18K', 'URAM'], rows, (i) => i > 0));
    lines.push('(give the model with --model to see fastml\'s estimate beside the report)');
    return lines.join('\n') + '\n';
  }
  lines.push(`Estimate: ${est.tool}; part ${est.part}; clock ${est.clock_ns} ns`);
  lines.push('Figures are estimate / report (difference relative to the report).');
  lines.push('');
  const match = matchModules(est.layers, rep.modules);
  const rows: string[][] = [];
  for (const l of est.layers) {
    if (l.op === 'Input') continue;
    const m = match.get(l.name);
    rows.push([l.name, m?.name ?? '(no module)', pair(l.latency_cycles, m?.latency_best), pair(l.dsp, m?.dsp), pair(l.lut, m?.lut), pair(l.ff, m?.ff), pair(l.bram_18k, m?.bram_18k)]);
  }
  const e = est.total;
  rows.push(['total', t.top ?? '', pair(e.latency_cycles, t.latency_best), pair(e.dsp, t.dsp), pair(e.lut, t.lut), pair(e.ff, t.ff), pair(e.bram_18k, t.bram_18k)]);
  lines.push(table(['layer', 'report module', 'latency', 'DSP', 'LUT', 'FF', 'BRAM_18K'], rows, (i) => i > 1));
  lines.push(`II: estimate ${e.ii} / report ${f(t.ii_min)}`);
  if (t.part && est.part && t.part.toLowerCase() !== est.part.toLowerCase()) lines.push(`note: the report targets ${t.part}, the estimate ${est.part}`);
  const unmatched = rep.modules.filter((m) => ![...match.values()].includes(m)).map((m) => m.name);
  if (unmatched.length) lines.push(`modules not tied to a layer: ${unmatched.join(', ')}`);
  return lines.join('\n') + '\n';
}

/**
 * The estimate with every figure a synthesis report gives replaced by the report's, and its source
 * saying so (per layer where a module is tied to it; totals from the top report).
 */
export function mergeReport(est: Estimate, rep: ProjectReports): Estimate {
  const match = matchModules(est.layers, rep.modules);
  const keys: Array<[keyof ReportFigures, 'latency_cycles' | 'ii' | 'dsp' | 'lut' | 'ff' | 'bram_18k' | 'uram']> = [
    ['latency_best', 'latency_cycles'],
    ['ii_min', 'ii'],
    ['dsp', 'dsp'],
    ['lut', 'lut'],
    ['ff', 'ff'],
    ['bram_18k', 'bram_18k'],
    ['uram', 'uram'],
  ];
  const layers = est.layers.map((l) => {
    const m = match.get(l.name);
    if (!m) return l;
    const fig: Record<string, number> = {};
    const source: Record<string, string> = { ...l.source };
    for (const [rk, ek] of keys) {
      const v = m[rk];
      if (v !== undefined) (fig[ek] = v), (source[ek] = `report (${rep.top.tool} module ${m.name})`);
    }
    return { ...l, ...fig, source: source as LayerEstimate['source'] };
  });
  const t = rep.top;
  const total = { ...est.total };
  const totalSource: Record<string, string> = {};
  for (const [rk, ek] of keys) {
    const v = t[rk];
    if (v !== undefined) (total[ek] = v), (totalSource[ek] = `report (${t.file})`);
  }
  total.latency_ns = total.latency_cycles * est.clock_ns;
  return { ...est, layers, total, source: { ...est.source, ...Object.fromEntries(Object.entries(totalSource).map(([k, v]) => [`total.${k}`, v])) } };
}
