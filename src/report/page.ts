/**
 * @fileoverview The report page: one self-contained HTML file (styles, SVG charts, specs and data
 * inline; no script to run, nothing fetched), so it opens from a file:// URL, from a CI artifact or
 * an e-mail attachment alike. Sections carry stable ids (precision, error, resources, sweep, graph,
 * provenance) and tables carry data-* counts, which the browser test reads.
 */

import type { OverflowRow } from '../emulator/overflow.js';
import type { ReportData } from './types.js';
import { errorSpec, graphSpec, layerResourceSpec, profileSpec, sweepSpec, utilizationSpec, type VlSpec } from './specs.js';
import { renderSvg } from './render.js';

/** Above this many layers the graph is a table only: a drawing that tall helps no one. */
export const GRAPH_DRAW_MAX = 150;
/**
 * Per-layer charts draw at most this many layers, so that a 1000-layer model's page stays a few MB
 * and renders in seconds; tables and the embedded data keep every layer.
 */
export const CHART_LAYERS_MAX = 200;

/**
 * The layers the per-layer charts draw when there are too many: every layer with a problem
 * (overflow, values below one LSB) first, then an even spread over the rest, the output layer
 * always; in graph order. Undefined when every layer is drawn.
 */
export function chartLayers(d: ReportData, max = CHART_LAYERS_MAX): { keep: Set<string>; note: string } | undefined {
  const all = d.model.layers.map((l) => l.name);
  if (all.length <= max) return undefined;
  const flagged = new Set<string>();
  for (const r of d.check?.overflow ?? []) if (r.overflow + r.underflow > 0) flagged.add(r.layer);
  for (const e of d.profile?.entries ?? []) if (e.belowLsb > 0 || e.aboveMax > 0) flagged.add(e.layer);
  const keep = new Set<string>([all[all.length - 1]!]);
  for (const n of all) if (flagged.has(n) && keep.size < max / 2) keep.add(n);
  const rest = all.filter((n) => !keep.has(n));
  const room = max - keep.size;
  for (let k = 0; k < room; k++) keep.add(rest[Math.floor((k * rest.length) / room)]!);
  const problems = [...flagged].filter((n) => keep.has(n)).length;
  return {
    keep,
    note: `The model has ${all.length} layers: the per-layer charts draw ${keep.size} of them (${problems} with overflow or values outside their type${flagged.size > problems ? `, of ${flagged.size} such layers` : ''}, the output layer, and an even spread of the rest). The tables and the embedded data hold every layer.`,
  };
}

const esc = (s: unknown): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** JSON safe inside <script>: no "</script>" or "<!--" can appear. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');
const g4 = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x));

async function chart(id: string, spec: VlSpec): Promise<string> {
  const svg = await renderSvg(spec);
  return `<figure class="chart" data-chart="${esc(id)}">${svg}<script type="application/json" class="vl-spec" data-chart="${esc(id)}">${scriptJson(spec)}</script></figure>`;
}

function table(id: string, head: readonly string[], rows: ReadonlyArray<readonly unknown[]>, numericFrom = 1): string {
  const th = head.map((h, i) => `<th${i >= numericFrom ? ' class="n"' : ''}>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${i >= numericFrom ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table id="${esc(id)}" data-rows="${rows.length}"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#222;margin:0;background:#fafafa}
header{background:#1f3b57;color:#fff;padding:14px 24px}header h1{margin:0 0 4px;font-size:20px}header p{margin:2px 0;opacity:.9}
nav{padding:8px 24px;background:#e9eef3;position:sticky;top:0;z-index:1}nav a{margin-right:14px;color:#1f3b57;text-decoration:none;font-weight:600}
main{padding:8px 24px 40px}section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:10px 18px;margin:14px 0}
h2{font-size:17px;margin:6px 0 8px}h3{font-size:14px;margin:14px 0 6px}
figure.chart{margin:8px 0;overflow-x:auto}figure.chart svg{max-width:none}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0}th,td{border-bottom:1px solid #e6e6e6;padding:3px 8px;text-align:left}
th{background:#f3f5f7}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr.bad td{background:#fdecea}
.note{color:#555;font-size:12.5px}.warn{color:#a04000}code{background:#f1f1f1;padding:1px 4px;border-radius:3px}
.scroll{max-height:420px;overflow:auto;display:inline-block;max-width:100%}
pre{white-space:pre-wrap;overflow-wrap:anywhere}header p{overflow-wrap:anywhere}
`;

function overflowTable(rows: readonly OverflowRow[]): string {
  const shown = rows.filter((r) => r.count > 0);
  const html = table(
    'overflow-table',
    ['layer', 'variable', 'type', 'values', 'overflow', 'underflow', 'wrapped', 'saturated', 'max |x|', 'type max'],
    shown.map((r) => [r.layer, r.variable, r.type, r.count, r.overflow, r.underflow, r.wrapped, r.saturated, g4(r.maxAbs), Number.isNaN(r.typeMaxAbs) ? '-' : g4(r.typeMaxAbs)]),
    3,
  );
  // Rows that overflowed are highlighted: the page's job is to point at them.
  let k = 0;
  return html.replace(/<tr>(?=<td)/g, () => (shown[k] && shown[k]!.overflow + shown[k]!.underflow > 0 ? (k++, '<tr class="bad">') : (k++, '<tr>')));
}

async function precisionSection(d: ReportData): Promise<string> {
  const p = d.profile;
  if (!p) return '';
  const order = d.model.layers.map((l) => l.name);
  const drawn = chartLayers(d);
  const inChart = (layer: string) => !drawn || drawn.keep.has(layer);
  const w = p.entries.filter((e) => e.kind === 'weight' && inChart(e.layer));
  const a = p.entries.filter((e) => e.kind === 'activation' && inChart(e.layer));
  const sampled = p.entries.filter((e) => e.sampled < e.count - e.zeros);
  const below = p.entries.filter((e) => e.belowLsb > 0);
  const out: string[] = ['<section id="precision"><h2>Precision profile</h2>'];
  out.push(
    `<p class="note">Boxes: log2|x| of the non-zero values (box = quartiles, black tick = median, line = min to max). Green band: what the layer's type represents, from one LSB to its largest magnitude. Values left of the band fall below one LSB; values right of it overflow. ${d.inputs ? `Activations: the float64 reference (what the type must hold) and the fixed-point emulator (what it held) on ${d.inputs.samples} samples of ${esc(d.inputs.file)}.` : ''}</p>`,
  );
  if (drawn) out.push(`<p class="note" id="layers-note">${esc(drawn.note)}</p>`);
  if (sampled.length)
    out.push(`<p class="note" id="sampling-note">Sampled: ${sampled.length} of ${p.entries.length} boxes summarise an even sample of at most ${p.maxSample} non-zero values each (${sampled.slice(0, 6).map((e) => `${esc(e.layer)} ${esc(e.variable)}/${e.source}: ${e.sampled} of ${e.count - e.zeros}`).join('; ')}${sampled.length > 6 ? '; ...' : ''}). Counts below are over every value.</p>`);
  const wl = new Set(w.map((e) => e.layer)).size;
  const al = new Set(a.map((e) => e.layer)).size;
  out.push(`<div data-profile="weights" data-layers="${wl}">${w.length ? await chart('profile-weights', profileSpec(w, 'Weights', order)) : '<p class="note">The model has no weights.</p>'}</div>`);
  out.push(`<div data-profile="activations" data-layers="${al}">${a.length ? await chart('profile-activations', profileSpec(a, 'Activations', order)) : '<p class="note">No activations here: <code>fastml report MODEL --input X.npy --html FILE</code> profiles them on your inputs.</p>'}</div>`);
  out.push('<h3>Values below one LSB</h3>');
  out.push(
    below.length
      ? `<div class="scroll">${table('below-lsb-table', ['layer', 'variable', 'source', 'type', 'values', 'below 1 LSB', 'share'], below.map((e) => [e.layer, e.variable, e.source, e.type ?? '-', e.count, e.belowLsb, `${((100 * e.belowLsb) / e.count).toFixed(2)}%`]), 4)}</div>`
      : '<p class="note" id="below-lsb-none">No non-zero value falls below one LSB of its type.</p>',
  );
  if (d.check) {
    const bad = d.check.overflow.filter((r) => r.overflow + r.underflow > 0).length;
    out.push(`<h3>Overflow and saturation per variable</h3><p class="note">${bad ? `<span class="warn">${bad} variable(s) went out of range</span> (highlighted)` : 'No variable went out of range'}: counted by the emulator's overflow accounting on every value cast (as <code>fastml check</code> prints it).</p>`);
    out.push(`<div class="scroll">${overflowTable(d.check.overflow)}</div>`);
  }
  out.push('</section>');
  return out.join('\n');
}

async function errorSection(d: ReportData): Promise<string> {
  const c = d.check;
  if (!c) return '';
  const out: string[] = ['<section id="error"><h2>Error growth</h2>'];
  out.push(`<p class="note">Per layer, |fixed point - float64| of the same layer's output over ${c.samples} samples (what <code>fastml check</code> computes); output figures against the ${esc(c.reference)} reference.</p>`);
  const drawn = chartLayers(d);
  const shown = drawn ? { ...d, check: { ...c, layers: c.layers.filter((l) => drawn.keep.has(l.layer)) } } : d;
  if (drawn) out.push(`<p class="note">${esc(drawn.note)}</p>`);
  out.push(`<div data-error-layers="${shown.check!.layers.length}">${await chart('error-growth', errorSpec(shown))}</div>`);
  out.push(table('error-outputs', ['output', 'max abs err', 'mean abs err', 'agreement', 'kind'], c.outputs.map((o) => [o.name, g4(o.maxAbsErr), g4(o.meanAbsErr), g4(o.agreement), o.agreementKind]), 1));
  out.push('</section>');
  return out.join('\n');
}

async function resourceSection(d: ReportData): Promise<string> {
  const r = d.resources;
  if (!r) return '';
  const out: string[] = ['<section id="resources"><h2>Resources and latency</h2>'];
  out.push(
    `<p class="note">Estimated by fastml for ${esc(r.part)}${r.board ? ` (${esc(r.board)})` : ''}, ${esc(r.tool)}, clock ${r.clock_ns} ns, ${esc(r.io_type)}. Total: latency ${r.total['latency_cycles']} cycles, II ${r.total['ii']}, DSP ${r.total['dsp']}, LUT ${r.total['lut']}, FF ${r.total['ff']}, BRAM_18K ${r.total['bram_18k']}.${r.ranges && Object.keys(r.ranges).length ? ` 80% intervals: ${Object.entries(r.ranges).map(([k, v]) => `${esc(k)} ${v[0]}-${v[1]}`).join(', ')}${r.rangeBasis ? ` (${esc(r.rangeBasis)})` : ''}.` : ''}</p>`,
  );
  out.push(
    `<p class="note" id="estimate-source">Where these numbers come from: ${Object.entries(r.source).map(([k, v]) => `${esc(k)}: ${esc(v)}`).join('; ')}. How far to trust them: they are what HLS C synthesis would report (post-synthesis LUT counts are often about half); the estimate's error per figure and per data set (median absolute percentage error against synthesis reports, LUT/FF cross-validated) is in docs/estimation.md.${r.synth ? ` Synthesized figures: ${esc(r.synth.tool)}${r.synth.version ? ` ${esc(r.synth.version)}` : ''} report ${esc(r.synth.file)}.` : ''}</p>`,
  );
  if (r.warnings.length) out.push(`<ul class="warn">${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`);
  const drawn = chartLayers(d);
  if (drawn) out.push(`<p class="note">${esc(drawn.note)}</p>`);
  const shown = drawn ? { ...r, layers: r.layers.filter((l) => drawn.keep.has(l.layer)) } : r;
  out.push(`<div data-resource-layers="${shown.layers.length}">${await chart('resources-per-layer', layerResourceSpec(shown))}</div>`);
  if (Object.values(r.device).some((v) => v)) out.push(await chart('utilization', utilizationSpec(r)));
  else out.push('<p class="note">The device totals of this part are unknown: no utilization chart.</p>');
  const head = ['layer', 'op', 'RF', 'latency', 'II', 'DSP', 'LUT', 'FF', 'BRAM_18K', ...(r.synth ? ['csynth module', 'csynth latency', 'csynth DSP', 'csynth LUT', 'csynth FF', 'csynth BRAM'] : [])];
  const rows = r.layers.map((l) => [
    l.layer,
    l.op,
    l.reuse_factor ?? '',
    l.latency_cycles,
    l.ii,
    l.dsp,
    l.lut,
    l.ff,
    l.bram_18k,
    ...(r.synth ? [l.synth?.module ?? '-', l.synth?.latency_cycles ?? '-', l.synth?.dsp ?? '-', l.synth?.lut ?? '-', l.synth?.ff ?? '-', l.synth?.bram_18k ?? '-'] : []),
  ]);
  if (r.synth) rows.push(['total (csynth)', '', '', r.synth.total['latency_cycles'] ?? '-', r.synth.total['ii'] ?? '-', r.synth.total['dsp'] ?? '-', r.synth.total['lut'] ?? '-', r.synth.total['ff'] ?? '-', r.synth.total['bram_18k'] ?? '-', '', '', '', '', '', '']);
  out.push(`<div class="scroll">${table('resource-table', head, rows, 2)}</div>`);
  out.push('</section>');
  return out.join('\n');
}

async function sweepSection(d: ReportData): Promise<string> {
  const s = d.sweep;
  if (!s) return '';
  const withAcc = s.points.some((p) => p.accuracy !== undefined);
  const out: string[] = ['<section id="sweep"><h2>Design space</h2>'];
  out.push(`<p class="note">${s.points.length} design points estimated by fastml (resources: the estimate, see docs/estimation.md for its error${withAcc ? '; accuracy: top-1 agreement of the emulator with the float model on the given inputs' : ''}). Diamonds: Pareto points (no other point is at least as good in ${esc(s.objectives)} and better in one).</p>`);
  out.push(`<div data-sweep-points="${s.points.length}" data-pareto="${s.points.filter((p) => p.pareto).length}">${await chart('sweep', sweepSpec(s.points))}</div>`);
  out.push(
    table(
      'sweep-table',
      ['#', 'Pareto', 'strategy', 'precision', 'RF', 'latency', 'II', 'DSP', 'LUT', 'FF', 'BRAM_18K', ...(withAcc ? ['accuracy %'] : [])],
      s.points.map((p, i) => [i + 1, p.pareto ? '*' : '', p.strategy ?? '', p.precision ?? '', p.reuse ?? '', p.latency_cycles, p.ii, p.dsp, p.lut, p.ff, p.bram_18k, ...(withAcc ? [p.accuracy === undefined ? 'n/a' : p.accuracy.toFixed(1)] : [])]),
      5,
    ),
  );
  out.push('</section>');
  return out.join('\n');
}

async function graphSection(d: ReportData): Promise<string> {
  const L = d.model.layers;
  const out: string[] = ['<section id="graph"><h2>Model</h2>'];
  out.push(`<p class="note">${L.length} layers of the model as built (after fastml's passes), in graph order; types as the firmware declares them.</p>`);
  if (L.length <= GRAPH_DRAW_MAX) out.push(await chart('graph', graphSpec(L)));
  else out.push(`<p class="note" id="graph-not-drawn">The model has ${L.length} layers: more than ${GRAPH_DRAW_MAX}, so it is listed rather than drawn.</p>`);
  const slots = ['result', 'accum', 'weight', 'bias'];
  out.push(
    `<div class="scroll">${table(
      'graph-table',
      ['layer', 'op', 'inputs', 'shape', ...slots.map((s) => `${s} type`), 'RF', 'strategy', 'weights'],
      L.map((l) => [l.name, l.op, l.inputs.join(', '), `[${l.shape.join(', ')}]`, ...slots.map((s) => l.types[s] ?? ''), l.reuseFactor ?? '', l.strategy ?? '', l.weights]),
      99,
    )}</div>`,
  );
  out.push('</section>');
  return out.join('\n');
}

export async function renderPage(d: ReportData): Promise<string> {
  const sections = [await precisionSection(d), await errorSection(d), await resourceSection(d), await sweepSection(d), await graphSection(d)].filter(Boolean);
  const nav = [
    ['precision', 'Precision', d.profile],
    ['error', 'Error growth', d.check],
    ['resources', 'Resources', d.resources],
    ['sweep', 'Design space', d.sweep],
    ['graph', 'Model', true],
    ['provenance', 'Provenance', true],
  ]
    .filter((x) => x[2])
    .map(([id, label]) => `<a href="#${id}">${label}</a>`)
    .join('');
  const notes = d.notes.length ? `<ul>${d.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="fastml ${esc(d.fastml.version)}">
<title>${esc(d.title)}</title><style>${STYLE}</style></head>
<body><header><h1>${esc(d.title)}</h1><p>Model: ${esc(d.model.file)}${d.inputs ? ` &middot; inputs: ${esc(d.inputs.file)} (${d.inputs.samples} samples)` : ''}</p><p>fastml ${esc(d.fastml.version)} &middot; ${esc(d.fastml.generated)}</p></header>
<nav>${nav}</nav><main>
${sections.join('\n')}
<section id="provenance"><h2>Provenance</h2><p>Made by fastml <span id="fastml-version">${esc(d.fastml.version)}</span> on ${esc(d.fastml.generated)} with:</p><pre><code id="fastml-command">${esc(d.fastml.command)}</code></pre>${notes}
<p class="note">The data drawn on this page is embedded below as JSON (script#fastml-report-data); each chart carries its Vega-Lite spec (script.vl-spec).</p></section>
</main>
<script type="application/json" id="fastml-report-data">${scriptJson(d)}</script>
</body></html>
`;
}
