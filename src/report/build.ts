/**
 * @fileoverview The report workflow: gather what the page shows into the data model (types.ts),
 * then render and write the page. Read top to bottom:
 *
 *   model + inputs -> computeCheck (emulator + float reference, as `fastml check`) -> precision
 *   profile and error growth; built graph -> estimate (as `fastml estimate`) -> resources, with the
 *   csynth figures tied to layers when a project has a report; sweep results -> design space.
 *
 * The figures are the CLI's own (CheckReport, estimateJson's per-layer figures), never recomputed
 * here, so the page and `fastml check --json` / `fastml estimate --json` cannot disagree.
 */

import type { CommandContext } from '../cli/context.js';
import type { Graph } from '../ir/graph.js';
import type { Estimate, EstimateOptions } from '../estimate/types.js';
import type { ProjectReports } from '../estimate/csynth.js';
import type { SweepResult } from '../estimate/sweep.js';
import type { CheckRun } from '../emulator/run.js';
import type { PipelineFlags } from '../passes/options.js';
import type { Progress } from '../cli/progress.js';
import { resolveTarget } from '../estimate/devices.js';
import { matchModules } from '../estimate/report-compare.js';
import { precisionType } from '../estimate/sweep.js';
import { graphLayers } from './model-graph.js';
import { MAX_SAMPLE, activationProfile, weightProfile } from './profile.js';
import type { ReportData, ResourceSection, SweepRow } from './types.js';
import { renderPage } from './page.js';
import { writeReport } from './write.js';

export interface ReportParts {
  readonly title: string;
  readonly version: string;
  readonly command: string;
  readonly modelFile: string;
  /** The model as built (after the passes). */
  readonly graph: Graph;
  readonly check?: CheckRun;
  readonly inputsFile?: string;
  readonly estimate?: Estimate;
  readonly synth?: ProjectReports;
  readonly sweep?: readonly SweepResult[];
  /** Design points given as rows (a collected sweep: synthesized figures where a report exists). */
  readonly sweepRows?: readonly SweepRow[];
  readonly maxSample?: number;
  readonly notes?: readonly string[];
  /** Profile the weights (and activations, with a check): default true; a sweep's page does not. */
  readonly profile?: boolean;
}

function resources(e: Estimate, synth?: ProjectReports): ResourceSection {
  const t = resolveTarget(e.part);
  const layers = e.layers.filter((l) => l.op !== 'Input');
  const matched = synth ? matchModules(layers, synth.modules) : new Map();
  const top = synth?.top;
  return {
    tool: e.tool,
    part: e.part,
    ...(e.board ? { board: e.board } : {}),
    clock_ns: e.clock_ns,
    io_type: e.io_type,
    layers: layers.map((l) => {
      const m = matched.get(l.name);
      const lat = m ? (m.latency_worst ?? m.latency_best) : undefined;
      return {
        layer: l.name,
        op: l.op,
        latency_cycles: l.latency_cycles,
        ii: l.ii,
        dsp: l.dsp,
        lut: l.lut,
        ff: l.ff,
        bram_18k: l.bram_18k,
        uram: l.uram,
        ...(l.reuse_factor !== undefined ? { reuse_factor: l.reuse_factor } : {}),
        ...(l.strategy ? { strategy: l.strategy } : {}),
        ...(m
          ? {
              synth: {
                module: m.name,
                ...(lat !== undefined ? { latency_cycles: lat } : {}),
                ...(m.dsp !== undefined ? { dsp: m.dsp } : {}),
                ...(m.lut !== undefined ? { lut: m.lut } : {}),
                ...(m.ff !== undefined ? { ff: m.ff } : {}),
                ...(m.bram_18k !== undefined ? { bram_18k: m.bram_18k } : {}),
              },
            }
          : {}),
      };
    }),
    total: Object.fromEntries(Object.entries(e.total).filter((kv): kv is [string, number] => typeof kv[1] === 'number')),
    ranges: Object.fromEntries(Object.entries(e.total).filter((kv): kv is [string, readonly [number, number]] => Array.isArray(kv[1])).map(([k, v]) => [k.replace(/_range$/, ''), v])),
    ...(e.range_basis ? { rangeBasis: e.range_basis } : {}),
    device: { dsp: t.totals.dsp, lut: t.totals.lut, ff: t.totals.ff, bram_18k: t.totals.bram_18k },
    ...(t.slr && t.slrs && t.slrs > 1 ? { slr: { dsp: t.slr.dsp, lut: t.slr.lut, ff: t.slr.ff, bram_18k: t.slr.bram_18k }, slrs: t.slrs } : {}),
    utilization: { ...e.utilization },
    warnings: e.warnings,
    source: e.source,
    ...(top
      ? {
          synth: {
            file: top.file,
            tool: top.tool,
            ...(top.version ? { version: top.version } : {}),
            total: { latency_cycles: top.latency_worst ?? top.latency_best, ii: top.ii_max ?? top.ii_min, dsp: top.dsp, lut: top.lut, ff: top.ff, bram_18k: top.bram_18k },
          },
        }
      : {}),
  };
}

function sweepRows(results: readonly SweepResult[]): SweepRow[] {
  return results.map((r) => ({
    ...(r.point.strategy ? { strategy: r.point.strategy } : {}),
    ...(r.point.precision ? { precision: precisionType(r.point.precision) } : {}),
    ...(r.point.reuse !== undefined ? { reuse: r.point.reuse } : {}),
    latency_cycles: r.estimate.total.latency_cycles,
    ii: r.estimate.total.ii,
    dsp: r.estimate.total.dsp,
    lut: r.estimate.total.lut,
    ff: r.estimate.total.ff,
    bram_18k: r.estimate.total.bram_18k,
    ...(r.accuracy !== undefined ? { accuracy: r.accuracy } : {}),
    pareto: Boolean(r.pareto),
  }));
}

/** The data model of one page. */
export function assemble(p: ReportParts): ReportData {
  const max = p.maxSample ?? MAX_SAMPLE;
  const c = p.check;
  const entries = p.profile === false ? [] : [
    ...weightProfile(p.graph, max),
    // The float side of an Input layer is the user's data itself (the float evaluator has no trace for it).
    ...(c ? activationProfile(p.graph, c.session.raw, c.fixed.traces, { ...Object.fromEntries(Object.entries(c.inputs).map(([k, data]) => [k, { data }])), ...(c.float?.traces ?? {}) }, max) : []),
  ];
  const notes = [...(p.notes ?? [])];
  if (c && !c.float) notes.push('The float64 reference could not evaluate this model: the activation profile shows the emulator only.');
  const rows = p.sweepRows ?? (p.sweep ? sweepRows(p.sweep) : undefined);
  const withAcc = rows?.some((r) => r.accuracy !== undefined);
  return {
    fastml: { version: p.version, command: p.command, generated: new Date().toISOString() },
    title: p.title,
    model: { file: p.modelFile, layers: graphLayers(p.graph) },
    ...(c && p.inputsFile ? { inputs: { file: p.inputsFile, samples: c.samples } } : {}),
    ...(p.profile !== false ? { profile: { entries, maxSample: max } } : {}),
    ...(c ? { check: c.report } : {}),
    ...(p.estimate ? { resources: resources(p.estimate, p.synth) } : {}),
    ...(rows ? { sweep: { objectives: `latency, DSP, LUT${withAcc ? ', accuracy' : ''}`, points: rows } } : {}),
    notes,
  };
}

/** Renders and writes the page; `inputs` are the command's input files, never overwritten. */
export async function writeReportPage(data: ReportData, out: string, inputs: readonly (string | undefined)[]): Promise<number> {
  const html = await renderPage(data);
  writeReport(out, html, inputs);
  return Buffer.byteLength(html);
}

export interface ModelReportArgs {
  readonly model: string;
  readonly input?: string;
  readonly config?: string;
  readonly weights?: string;
  readonly pipeline: PipelineFlags;
  readonly estimate: EstimateOptions;
  readonly version: string;
  readonly command: string;
  readonly json?: boolean;
  readonly maxSample?: number;
  readonly progress?: Progress;
}

/** `fastml report MODEL [--input X]`: check (with inputs) and estimate of the built model. */
export async function modelReport(ctx: CommandContext, a: ModelReportArgs): Promise<ReportData> {
  const { estimate } = await import('../estimate/estimate.js');
  let graph: Graph;
  let check: CheckRun | undefined;
  const common = { model: a.model, ...(a.config ? { config: a.config } : {}), ...(a.weights ? { weights: a.weights } : {}), pipeline: a.pipeline, ...(a.json ? { json: true } : {}) };
  if (a.input) {
    const { computeCheck } = await import('../emulator/run.js');
    check = await computeCheck(ctx, { ...common, input: a.input }, a.progress ? { progress: a.progress } : {});
    graph = check.session.graph;
  } else {
    const { loadSession } = await import('../emulator/session.js');
    const { printPipeline } = await import('../passes/options.js');
    const s = await loadSession(a.model, { ...(a.config ? { config: a.config } : {}), ...(a.weights ? { weights: a.weights } : {}), pipeline: a.pipeline });
    const { reportConfigDiagnostics, reportOptionsOf, reportPipelineDiagnostics } = await import('../cli/model-args.js');
    reportConfigDiagnostics(ctx.io, s.config.warnings, reportOptionsOf(ctx));
    reportPipelineDiagnostics(ctx.io, s.pipeline.diagnostics, reportOptionsOf(ctx));
    printPipeline(s.pipeline, a.pipeline, ctx.io, Boolean(a.json));
    graph = s.graph;
  }
  a.progress?.stop();
  const e = estimate(graph, a.estimate);
  const name = a.model.split(/[\\/]/).pop() ?? a.model;
  return assemble({
    title: `fastml report: ${name}`,
    version: a.version,
    command: a.command,
    modelFile: a.model,
    graph,
    ...(check ? { check, inputsFile: a.input! } : {}),
    estimate: e,
    ...(a.maxSample !== undefined ? { maxSample: a.maxSample } : {}),
    notes: a.input ? [] : ['No --input: the page has no activation profile, error growth or overflow counts.'],
  });
}
