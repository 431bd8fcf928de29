/**
 * @fileoverview Vega-Lite specs for the report's charts, built from the report's data model only.
 * Each function returns a complete spec with its data inline, so the page can carry the spec next
 * to the SVG rendered from it (a reader can paste it into the Vega editor to explore it).
 *
 * Layer axes keep graph order: the order in which a signal goes through the model is what the reader
 * follows when looking for where precision is lost. Rows carry their layer's position (`pos`) and
 * axes sort by it: a sort given as a list of names compiles to one nested expression per name,
 * which overflows the stack past a few hundred layers.
 */

import type { GraphLayer, ProfileEntry, ReportData, ResourceSection, SweepRow } from './types.js';
import { layout } from './model-graph.js';

export type VlSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Pixels per layer row in the per-layer charts. */
const ROW = 16;
/**
 * Each mark's description (its aria-label, and the hover text render.ts makes of it): the figures
 * of that box, point or bar in words, since the page runs no script for tooltips.
 */
const TIP = { field: 'tip', type: 'nominal' };
/** Layers with a segment of their own in a utilization bar. */
const UTIL_SEGMENTS = 24;
/** Sort a layer axis by graph position. */
const BY_POS = { field: 'pos', op: 'min', order: 'ascending' };
const FONT = { font: 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif' };
const CONFIG = { ...FONT, view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 220 }, legend: { labelFontSize: 11, titleFontSize: 12 } };

const COLORS: Record<string, string> = { kernel: '#3366cc', weight: '#3366cc', bias: '#dc7633', scale: '#8e44ad', float: '#2e86c1', fixed: '#d35400', estimate: '#2e86c1', csynth: '#c0392b' };

function colorScale(domain: readonly string[]): { domain: string[]; range: string[] } {
  const spare = ['#16a085', '#7f8c8d', '#b7950b', '#6c3483', '#1abc9c'];
  let k = 0;
  return { domain: [...domain], range: domain.map((d) => COLORS[d] ?? spare[k++ % spare.length]!) };
}

/** Rows of a profile chart: one per (layer, series); series = weight role or activation source. */
function profileRows(entries: readonly ProfileEntry[], order: readonly string[]): Array<Record<string, unknown>> {
  const pos = new Map(order.map((n, i) => [n, i]));
  return entries.map((e) => ({
    layer: e.layer,
    pos: pos.get(e.layer) ?? 0,
    series: e.kind === 'weight' ? e.variable : e.source,
    type: e.type ?? 'none',
    lsb: e.band?.lsbLog2 ?? null,
    top: e.band?.maxLog2 ?? null,
    ...(e.log2 ?? {}),
    count: e.count,
    belowLsb: e.belowLsb,
    aboveMax: e.aboveMax,
    tip: `${e.layer} ${e.kind === 'weight' ? e.variable : `${e.variable} (${e.source})`}${e.type ? `, ${e.type}` : ''}: ${e.log2 ? `log2|x| median ${e.log2.median}, quartiles ${e.log2.q1} to ${e.log2.q3}, range ${e.log2.min} to ${e.log2.max}; ` : ''}${e.count} values, ${e.zeros} zero, ${e.belowLsb} below 1 LSB, ${e.aboveMax} above the type's max`,
  }));
}

/**
 * Box plots of log2|x| per layer against the type's band (shaded from one LSB to the largest
 * magnitude), as hls4ml's numerical profiling draws them: boxes left of the band lose precision,
 * boxes right of it overflow.
 */
export function profileSpec(entries: readonly ProfileEntry[], title: string, order: readonly string[]): VlSpec {
  const rows = profileRows(entries, order);
  const series = [...new Set(rows.map((r) => String(r.series)))];
  const y = { field: 'layer', type: 'nominal', sort: BY_POS, title: null, scale: { paddingInner: 0.15 } };
  const yOffset = { field: 'series', type: 'nominal', sort: series };
  // The axis spans the type bands and the boxes; whiskers reaching further (a softmax output of
  // 2^-700) are clipped at the edge rather than squeezing every box into a sliver.
  const num = (v: unknown): number[] => (typeof v === 'number' && Number.isFinite(v) ? [v] : []);
  const lo = Math.min(...rows.flatMap((r) => [...num(r.lsb), ...num(r.q1)]), 0) - 2;
  const hi = Math.max(...rows.flatMap((r) => [...num(r.top), ...num(r.q3)]), 0) + 2;
  const x = { type: 'quantitative', title: 'log2 |x|', scale: { domain: [Math.floor(lo), Math.ceil(hi)], nice: false } };
  const tooltip = [
    { field: 'layer' },
    { field: 'series' },
    { field: 'type' },
    { field: 'median', title: 'median log2|x|' },
    { field: 'count' },
    { field: 'belowLsb', title: 'below 1 LSB' },
    { field: 'aboveMax', title: 'above type max' },
  ];
  return {
    $schema: SCHEMA,
    title,
    width: 560,
    height: { step: Math.max(ROW / 2, Math.ceil(ROW / Math.max(1, series.length)) + 4) * series.length },
    data: { values: rows },
    encoding: { y, yOffset },
    layer: [
      // The representable band of the type: from one LSB to the largest magnitude.
      { name: 'band', mark: { type: 'bar', color: '#9bd39b', opacity: 0.45, clip: true }, transform: [{ filter: 'datum.lsb !== null' }], encoding: { x: { ...x, field: 'lsb' }, x2: { field: 'top' } } },
      { name: 'whisker', mark: { type: 'rule', strokeWidth: 1, clip: true }, transform: [{ filter: 'isValid(datum.min)' }], encoding: { x: { ...x, field: 'min' }, x2: { field: 'max' }, color: { field: 'series', type: 'nominal', scale: colorScale(series), title: null } } },
      {
        name: 'box',
        mark: { type: 'bar', opacity: 0.85, clip: true },
        transform: [{ filter: 'isValid(datum.q1)' }],
        encoding: { x: { ...x, field: 'q1' }, x2: { field: 'q3' }, color: { field: 'series', type: 'nominal', scale: colorScale(series), title: null }, tooltip, description: TIP },
      },
      { name: 'median', mark: { type: 'tick', color: 'black', thickness: 2, clip: true }, transform: [{ filter: 'isValid(datum.median)' }], encoding: { x: { ...x, field: 'median' } } },
    ],
    config: CONFIG,
  };
}

/** Per-layer error of the fixed-point model against the float reference (what `fastml check` computes). */
export function errorSpec(data: ReportData): VlSpec {
  const layers = data.check?.layers ?? [];
  const rows = layers.flatMap((l, i) => [
    { layer: l.layer, pos: i, measure: 'max |error|', value: l.maxAbsErr, tip: `${l.layer}: max |error| ${l.maxAbsErr}` },
    { layer: l.layer, pos: i, measure: 'mean |error|', value: l.meanAbsErr, tip: `${l.layer}: mean |error| ${l.meanAbsErr}` },
  ]);
  // A symmetric-log axis: errors grow by orders of magnitude and exact layers have an error of 0.
  const positive = rows.map((r) => r.value).filter((v) => v > 0 && Number.isFinite(v));
  const constant = positive.length ? Math.min(...positive) : 1;
  // Powers of ten as ticks: a symlog axis's own ticks bunch at the top.
  const hi = positive.length ? Math.max(...positive) : 1;
  const ticks = [0];
  for (let e = Math.floor(Math.log10(constant)); e <= Math.ceil(Math.log10(hi)); e++) ticks.push(10 ** e);
  return {
    $schema: SCHEMA,
    title: 'Error growth: fixed point vs float64, per layer',
    width: Math.max(420, Math.min(1100, 24 * layers.length)),
    height: 260,
    data: { values: rows },
    encoding: {
      x: { field: 'layer', type: 'nominal', sort: BY_POS, title: null, axis: { labelAngle: -45 } },
      y: { field: 'value', type: 'quantitative', title: '|fixed - float|', scale: { type: 'symlog', constant }, axis: { values: ticks, format: '~g' } },
      color: { field: 'measure', type: 'nominal', title: null, scale: { range: ['#c0392b', '#2e86c1'] } },
      tooltip: [{ field: 'layer' }, { field: 'measure' }, { field: 'value', format: '.4g' }],
      description: TIP,
    },
    layer: [{ name: 'errline', mark: { type: 'line', strokeWidth: 2 } }, { name: 'errpoint', mark: { type: 'point', filled: true, size: 40 } }],
    config: CONFIG,
  };
}

const FIGURES = [
  { key: 'latency_cycles', title: 'latency (cycles)' },
  { key: 'dsp', title: 'DSP' },
  { key: 'lut', title: 'LUT' },
  { key: 'ff', title: 'FF' },
  { key: 'bram_18k', title: 'BRAM_18K' },
] as const;

/** Per-layer bars of each figure; the estimate beside the synthesized module when a report has one. */
export function layerResourceSpec(r: ResourceSection): VlSpec {
  const rows: Array<Record<string, unknown>> = [];
  for (const [pos, l] of r.layers.entries()) {
    for (const f of FIGURES) {
      rows.push({ layer: l.layer, pos, figure: f.title, source: 'estimate', value: l[f.key], tip: `${l.layer} (${l.op}): ${f.title} ${l[f.key]} (fastml estimate)` });
      const s = l.synth?.[f.key];
      if (s !== undefined) rows.push({ layer: l.layer, pos, figure: f.title, source: 'csynth', value: s, tip: `${l.layer}: ${f.title} ${s} (C synthesis, module ${l.synth!.module})` });
    }
  }
  const sources = r.synth ? ['estimate', 'csynth'] : ['estimate'];
  return {
    $schema: SCHEMA,
    title: `Per layer: estimate${r.synth ? ' beside C synthesis' : ''} (${r.part}, ${r.clock_ns} ns)`,
    data: { values: rows },
    hconcat: FIGURES.map((f, i) => ({
      name: `res_${f.key}`,
      width: 150,
      height: { step: r.synth ? 2 * ROW : ROW },
      transform: [{ filter: { field: 'figure', equal: f.title } }],
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'layer', type: 'nominal', sort: BY_POS, title: null, axis: i === 0 ? {} : null },
        yOffset: { field: 'source', type: 'nominal', sort: sources },
        x: { field: 'value', type: 'quantitative', title: f.title },
        color: { field: 'source', type: 'nominal', title: null, scale: colorScale(sources) },
        tooltip: [{ field: 'layer' }, { field: 'source' }, { field: 'figure' }, { field: 'value' }],
        description: TIP,
      },
    })),
    config: CONFIG,
  };
}

/**
 * The design against the device: each resource's total as a percentage of the device, stacked by
 * layer, with the device (100%) and one SLR (100/SLRs %) as reference lines.
 */
export function utilizationSpec(r: ResourceSection): VlSpec {
  const res = [
    { key: 'dsp', title: 'DSP' },
    { key: 'lut', title: 'LUT' },
    { key: 'ff', title: 'FF' },
    { key: 'bram_18k', title: 'BRAM_18K' },
  ] as const;
  const rows: Array<Record<string, unknown>> = [];
  for (const { key, title } of res) {
    const dev = r.device[key];
    if (!dev) continue;
    // The largest users each get a segment; the rest share one, so a deep model's bar stays legible.
    const users = r.layers.filter((l) => l[key] > 0).sort((a, b) => b[key] - a[key]);
    for (const l of users.slice(0, UTIL_SEGMENTS)) rows.push({ resource: title, layer: l.layer, percent: (100 * l[key]) / dev, used: l[key], device: dev, tip: `${title}: ${l.layer} uses ${l[key]} of ${dev}` });
    const rest = users.slice(UTIL_SEGMENTS);
    const used = rest.reduce((s, l) => s + l[key], 0);
    if (rest.length) rows.push({ resource: title, layer: `${rest.length} other layers`, percent: (100 * used) / dev, used, device: dev, tip: `${title}: ${rest.length} other layers use ${used} of ${dev}` });
  }
  const refs = [{ line: 'device', percent: 100 }, ...(r.slrs && r.slrs > 1 ? [{ line: `one SLR (1/${r.slrs})`, percent: 100 / r.slrs }] : [])];
  const top = Math.max(100, ...res.map(({ key }) => (r.device[key] ? (100 * (r.total[key] ?? 0)) / r.device[key]! : 0)));
  return {
    $schema: SCHEMA,
    title: `Design total against ${r.part}${r.board ? ` (${r.board})` : ''}`,
    width: 560,
    height: { step: 26 },
    layer: [
      {
        data: { values: rows },
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'resource', type: 'nominal', sort: res.map((x) => x.title), title: null },
          x: { field: 'percent', type: 'quantitative', stack: 'zero', title: '% of the device', scale: { domain: [0, top] } },
          color: { field: 'layer', type: 'nominal', legend: null, scale: { scheme: 'tableau20' } },
          order: { field: 'layer' },
          tooltip: [{ field: 'resource' }, { field: 'layer' }, { field: 'used' }, { field: 'percent', format: '.3g', title: '% of device' }],
          description: TIP,
        },
      },
      {
        data: { values: refs },
        mark: { type: 'rule', strokeDash: [5, 3], strokeWidth: 1.5 },
        encoding: { x: { field: 'percent', type: 'quantitative' }, color: { value: '#555' } },
      },
      {
        data: { values: refs },
        mark: { type: 'text', align: 'left', dx: 3, baseline: 'top', y: 0, fontSize: 10 },
        encoding: { x: { field: 'percent', type: 'quantitative' }, text: { field: 'line' } },
      },
    ],
    config: CONFIG,
  };
}

/** Design points of a sweep: latency against DSP and LUT, colour = accuracy, Pareto points ringed. */
export function sweepSpec(points: readonly SweepRow[]): VlSpec {
  const withAcc = points.some((p) => p.accuracy !== undefined);
  const rows = points.map((p, i) => ({
    point: i + 1,
    label: [p.strategy, p.precision, p.reuse !== undefined ? `RF ${p.reuse}` : undefined].filter(Boolean).join(' '),
    ...p,
    front: p.pareto ? 'Pareto point' : 'dominated',
    tip: `#${i + 1} ${[p.strategy, p.precision, p.reuse !== undefined ? `RF ${p.reuse}` : undefined].filter(Boolean).join(' ')}: latency ${p.latency_cycles}, DSP ${p.dsp}, LUT ${p.lut}${p.accuracy !== undefined ? `, accuracy ${p.accuracy.toFixed(1)}%` : ''}${p.pareto ? ' (Pareto point)' : ''}`,
  }));
  const color = withAcc
    ? { field: 'accuracy', type: 'quantitative', title: 'accuracy %', scale: { scheme: 'viridis' } }
    : { field: 'strategy', type: 'nominal', title: 'strategy' };
  const panel = (x: 'dsp' | 'lut') => ({
    name: `sweep_${x}`,
    width: 380,
    height: 300,
    mark: { type: 'point', filled: true, opacity: 0.9 },
    encoding: {
      x: { field: x, type: 'quantitative', title: x.toUpperCase() },
      y: { field: 'latency_cycles', type: 'quantitative', title: 'latency (cycles)' },
      color,
      shape: { field: 'front', type: 'nominal', title: null, scale: { domain: ['Pareto point', 'dominated'], range: ['diamond', 'circle'] } },
      size: { field: 'front', type: 'ordinal', legend: null, scale: { domain: ['Pareto point', 'dominated'], range: [160, 50] } },
      stroke: { field: 'front', type: 'nominal', legend: null, scale: { domain: ['Pareto point', 'dominated'], range: ['black', 'transparent'] } },
      tooltip: [{ field: 'point' }, { field: 'label', title: 'design' }, { field: 'latency_cycles' }, { field: 'dsp' }, { field: 'lut' }, ...(withAcc ? [{ field: 'accuracy' }] : [])],
      description: TIP,
    },
  });
  return { $schema: SCHEMA, title: 'Design space', data: { values: rows }, hconcat: [panel('dsp'), panel('lut')], config: CONFIG };
}

/** The model as a layered drawing: boxes with name, op, shape, result type and reuse factor. */
export function graphSpec(layers: readonly GraphLayer[]): VlSpec {
  const { placed, rows, cols } = layout(layers);
  const W = 210;
  const H = 74;
  const pos = new Map(placed.map((p) => [p.name, { x: (p.col + 0.5 + (cols - p.width) / 2) * W, y: (p.row + 0.5) * H }]));
  const nodes = layers.map((l) => {
    const p = pos.get(l.name)!;
    const t = l.types['result'];
    return {
      name: l.name,
      x: p.x,
      y: p.y,
      // The box in pixels (the scales map data units 1:1 to pixels).
      x0: p.x - W / 2 + 8,
      x1: p.x + W / 2 - 8,
      y0: p.y - H / 2 + 8,
      y1: p.y + H / 2 - 8,
      tip: `${l.name}: ${l.op}, output [${l.shape.join(', ')}]${Object.entries(l.types).map(([k, v]) => `, ${k} ${v}`).join('')}${l.reuseFactor !== undefined ? `, reuse factor ${l.reuseFactor}` : ''}${l.strategy ? `, ${l.strategy}` : ''}, ${l.weights} weights; reads ${l.inputs.join(', ') || 'the model input'}`,
      lines: [l.name, `${l.op}  [${l.shape.join('x')}]`, [t ?? '', l.reuseFactor !== undefined ? `RF ${l.reuseFactor}` : ''].filter(Boolean).join('  ')],
    };
  });
  const edges = layers.flatMap((l) => l.inputs.filter((i) => pos.has(i)).map((i) => ({ x: pos.get(i)!.x, y: pos.get(i)!.y, x2: pos.get(l.name)!.x, y2: pos.get(l.name)!.y })));
  const sx = { type: 'quantitative', scale: { domain: [0, cols * W] }, axis: null };
  const sy = { type: 'quantitative', scale: { domain: [rows * H, 0] }, axis: null };
  return {
    $schema: SCHEMA,
    width: cols * W,
    height: rows * H,
    layer: [
      { name: 'edges', data: { values: edges }, mark: { type: 'rule', color: '#888' }, encoding: { x: { ...sx, field: 'x' }, y: { ...sy, field: 'y' }, x2: { field: 'x2' }, y2: { field: 'y2' } } },
      { name: 'nodes', data: { values: nodes }, mark: { type: 'rect', fill: '#eef4fb', stroke: '#2e86c1', strokeWidth: 1, cornerRadius: 4 }, encoding: { x: { ...sx, field: 'x0' }, x2: { field: 'x1' }, y: { ...sy, field: 'y0' }, y2: { field: 'y1' }, description: TIP } },
      { name: 'labels', data: { values: nodes }, mark: { type: 'text', fontSize: 10.5, lineHeight: 14, baseline: 'middle' }, encoding: { x: { ...sx, field: 'x' }, y: { ...sy, field: 'y' }, text: { field: 'lines' } } },
    ],
    config: { ...CONFIG, view: { stroke: null } },
  };
}
