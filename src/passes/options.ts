/**
 * @fileoverview The pipeline's command-line options, shared by every command that runs the passes
 * (emulate, estimate, build...): `addPipelineOptions(cmd)` declares them and
 * `pipelineOptionsFrom(opts, cwd)` turns what commander parsed into PipelineOptions, so the flags
 * are spelled and checked the same way everywhere. Also `formatPipelineReport`, the text a command
 * prints about what the passes chose (quantization types, pruning, reuse factors).
 */

import type { Command } from 'commander';
import { DiagnosticError, diag } from '../diagnostics/diagnostic.js';
import type { Budget, ReuseMode } from './reuse.js';
import type { LayerSparsity } from './prune.js';
import { parsePruneSpec } from './prune.js';
import { parseQuantizeSpec, type Calibration } from './quantize-auto.js';
import type { PipelineOptions, PipelineResult } from './pipeline.js';
import { isAuto, parseType } from '../fixed/type.js';
import type { Graph } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { readTensorFile } from '../io/index.js';
import { generateInputs, inputDescs, isInputSpec, parseInputSpec } from '../io/generate.js';
import { toIrLayout } from '../emulator/float.js';

const BUDGET_KEYS = ['dsp', 'lut', 'latency', 'fraction'] as const;

/** `dsp=200,latency=50`, `lut=100000`, `fraction=0.5`. */
export function parseBudget(text: string): Budget {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z_]+)\s*=\s*([0-9.eE+-]+)$/.exec(part);
    if (!m || !(BUDGET_KEYS as readonly string[]).includes(m[1]!))
      throw new DiagnosticError([diag('FML6516', `--budget: "${part}" is not one of ${BUDGET_KEYS.map((k) => `${k}=N`).join(', ')}`)]);
    const v = Number(m[2]);
    const key = m[1]!;
    const okValue = key === 'fraction' ? v > 0 && v <= 1 : Number.isInteger(v) && v >= 0;
    if (!Number.isFinite(v) || !okValue)
      throw new DiagnosticError([diag('FML6516', `--budget: ${key}=${m[2]} is not ${key === 'fraction' ? 'a fraction in (0, 1]' : 'a non-negative integer'}`)]);
    out[key] = v;
  }
  if (Object.keys(out).length === 0) throw new DiagnosticError([diag('FML6516', '--budget is empty', undefined, 'e.g. --budget dsp=200 or --budget fraction=0.5,latency=40')]);
  return out as Budget;
}

export function parseReuseMode(text: string | undefined): ReuseMode {
  return parseReuseFlag(text).mode;
}

/**
 * `--reuse` as the commands take it: `N` (the Model reuse factor; checked), `check`, `nearest`,
 * `nearest:N` (N, or the config's values, replaced by the nearest valid ones as hls4ml does, with
 * a warning) or `auto` (chosen with the estimator for --budget).
 */
export function parseReuseFlag(text: string | undefined): { mode: ReuseMode; factor?: number } {
  if (text === undefined || text === 'check') return { mode: 'check' };
  if (text === 'auto' || text === 'nearest') return { mode: text };
  const m = /^(?:(nearest):)?([0-9]+)$/.exec(text.trim());
  const n = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(n) || n < 1)
    throw new DiagnosticError([diag('FML6517', `--reuse: "${text}" is not a positive integer, check, nearest, nearest:N or auto`)]);
  return { mode: m[1] ? 'nearest' : 'check', factor: n };
}

/** Declares the pipeline flags on a command. */
export function addPipelineOptions(cmd: Command): Command {
  return cmd
    .option('--prune <sparsity>', 'magnitude pruning: 0.5 (each layer), global:0.5 (one threshold), fc1=0.8,fc2=0.5')
    .option('--quantize <spec>', 'post-training quantization from calibration ranges: auto[:BITS[:HEADROOM]]')
    .option('--calibration <file>', 'calibration inputs for --quantize auto (.npy, .npz, .dat or .csv; batch first, in the model\'s input layout), or random[:N][:SEED] / zeros[:N] (generated); in estimate, a .json file is an estimator calibration written by fastml calibrate --from')
    .option('--reuse <n|mode>', 'reuse factor N for every layer (the config\'s Model ReuseFactor; an invalid Resource value is an error listing valid ones), nearest or nearest:N (invalid values replaced by the nearest valid one, as hls4ml does, with a warning), auto (chosen to meet --budget)')
    .option('--budget <spec>', 'budget for --reuse auto: dsp=N, lut=N, latency=CYCLES, fraction=F (of the device)')
    .option('--max-precision <type>', 'upper bound for inferred (auto) types, e.g. fixed<24,12> (the config\'s Model Precision maximum)')
    .option('--aggressive-folding', 'fold BatchNorm/scale layers whatever the types (fewer roundings and resources; changes numerics vs hls4ml)')
    .option('--dump-ir <pass>', 'print the IR after this pass (input, a pass name, or all) on stdout (stderr with --json), then continue')
    .option('--dump-format <fmt>', 'text or json', 'text')
    .option('--verify', 'run the IR verifier after every pass');
}

/** Commander's parsed flags (the subset declared above). */
export interface PipelineFlags {
  prune?: string;
  quantize?: string;
  calibration?: string;
  reuse?: string;
  budget?: string;
  maxPrecision?: string;
  aggressiveFolding?: boolean;
  dumpIr?: string;
  dumpFormat?: string;
  verify?: boolean;
}

const FLAG_KEYS = ['prune', 'quantize', 'calibration', 'reuse', 'budget', 'maxPrecision', 'aggressiveFolding', 'dumpIr', 'dumpFormat', 'verify'] as const;

/** The pipeline flags out of a command's parsed options, with --calibration resolved by `resolve`. */
export function pipelineFlagsOf(opts: object, resolve: (p: string) => string = (p) => p): PipelineFlags {
  const o = opts as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of FLAG_KEYS) if (o[k] !== undefined) out[k] = o[k];
  // `random:N` / `zeros:N` generate calibration samples (src/io/generate.ts): not a path.
  if (typeof out.calibration === 'string' && !isInputSpec(out.calibration)) out.calibration = resolve(out.calibration);
  return out as PipelineFlags;
}

/** Whether the flags ask the passes to choose or change something (then the command reports it). */
export function changesSomething(flags: PipelineFlags): boolean {
  const r = flags.reuse;
  return Boolean(flags.prune || flags.quantize || flags.maxPrecision || flags.aggressiveFolding || (r && (r === 'auto' || r.startsWith('nearest'))));
}

/** Whether any pipeline flag was given (--dump-format alone, which has a default, does not count). */
export function anyPipelineFlag(flags: PipelineFlags): boolean {
  return FLAG_KEYS.some((k) => k !== 'dumpFormat' && flags[k] !== undefined && flags[k] !== false);
}

/**
 * The pipeline's outcome for --json output (the passes that changed the graph and what they
 * chose), as an object to spread: `{pipeline: ...}` when a pipeline flag was given, else nothing,
 * so that the commands' documented JSON shapes stay as they are without the flags.
 */
export function pipelineJson(res: PipelineResult, flags: PipelineFlags): { pipeline?: { trace: string[]; report: Record<string, unknown> } } {
  return anyPipelineFlag(flags) ? { pipeline: { trace: res.trace, report: res.report } } : {};
}

/**
 * What every command prints about the pipeline: IR dumps (stdout, or stderr when stdout carries
 * JSON) and, in human mode when the flags changed something, the report on stderr.
 */
export function printPipeline(res: PipelineResult, flags: PipelineFlags, io: { out(s: string): void; err(s: string): void }, json: boolean): void {
  for (const d of res.dumps) {
    const text = `--- IR after ${d.after} ---\n${d.text.endsWith('\n') ? d.text : d.text + '\n'}`;
    if (json) io.err(text);
    else io.out(text);
  }
  if (!json && changesSomething(flags)) {
    const text = formatPipelineReport(res.report);
    if (text) io.err(text);
  }
}

/** What the passes chose, as text for a terminal. */
export function formatPipelineReport(report: Record<string, unknown>): string {
  const lines: string[] = [];
  const q = report.quantization as { layer: string; slot: string; quantizer: string; type: string }[] | undefined;
  if (q?.length) {
    lines.push('quantizers from the model:');
    for (const r of q) lines.push(`  ${r.layer}.${r.slot}: ${r.quantizer} -> ${r.type}`);
  }
  const ql = report.quantLayers as Record<string, string> | undefined;
  if (ql) for (const [k, v] of Object.entries(ql)) lines.push(`  Quant ${k}: ${v}`);
  for (const key of ['foldedScaleBias', 'foldedBatchNorm'] as const) {
    const f = report[key] as string[] | undefined;
    if (f?.length) lines.push(`${key === 'foldedBatchNorm' ? 'BatchNorm folded' : 'bias folded'}: ${f.join(', ')}`);
  }
  const qa = report.quantizeAuto as { bits: number; headroom: number; samples: number; tensors: { layer: string; slot: string; min: number; max: number; type: string }[] } | undefined;
  if (qa) {
    lines.push(`post-training quantization (${qa.bits} bits, ${qa.headroom} headroom bits, ${qa.samples} calibration samples):`);
    for (const t of qa.tensors) lines.push(`  ${t.layer}.${t.slot}: range [${t.min.toPrecision(4)}, ${t.max.toPrecision(4)}] -> ${t.type}`);
  }
  const inf = report.inferredPrecision as Record<string, Record<string, string>> | undefined;
  if (inf) {
    lines.push('inferred types (auto):');
    for (const [l, slots] of Object.entries(inf)) lines.push(`  ${l}: ${Object.entries(slots).map(([s, t]) => `${s}=${t}`).join(' ')}`);
  }
  const sp = report.sparsity as LayerSparsity[] | undefined;
  if (sp?.length) {
    lines.push('sparsity (zero weights cost no multiplier):');
    for (const r of sp)
      lines.push(`  ${r.layer}: ${r.zerosQuantized}/${r.weights} zero after quantization (${(100 * r.sparsity).toFixed(1)}%), ${r.zeros} zero in float, ${r.multipliers} multipliers`);
  }
  const adj = report.reuseAdjusted as Record<string, { from: number; to: number }> | undefined;
  if (adj) for (const [l, a] of Object.entries(adj)) lines.push(`reuse factor of ${l}: ${a.from} -> ${a.to} (nearest valid)`);
  const ru = report.reuse as { chosen: Record<string, number>; total: { dsp: number; lut: number; latency_cycles: number }; budget: { resolved: Record<string, number> } } | undefined;
  if (ru) {
    const b = Object.entries(ru.budget.resolved).map(([k, v]) => `${k}<=${v}`).join(', ');
    lines.push(`reuse factors chosen for budget ${b}: ${Object.entries(ru.chosen).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    lines.push(`  estimated: ${ru.total.dsp} DSP, ${ru.total.lut} LUT, ${ru.total.latency_cycles} cycles`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/**
 * Turns parsed flags into PipelineOptions. The calibration file (.npy/.npz/.dat/.csv, samples in
 * the model's own input layout, as for `fastml emulate`) is read and transposed to the IR layout.
 */
export async function pipelineOptionsFrom(flags: PipelineFlags, g: Graph, resolve: (p: string) => string): Promise<PipelineOptions> {
  const opts: { -readonly [K in keyof PipelineOptions]: PipelineOptions[K] } = {};
  if (flags.prune) opts.prune = parsePruneSpec(flags.prune);
  if (flags.quantize) opts.quantize = parseQuantizeSpec(flags.quantize);
  opts.reuse = parseReuseMode(flags.reuse);
  if (flags.budget) opts.budget = parseBudget(flags.budget);
  if (opts.reuse === 'auto' && !flags.budget) throw new DiagnosticError([diag('FML6515', '--reuse auto needs --budget (dsp=N, lut=N, latency=CYCLES or fraction=F)')]);
  if (flags.maxPrecision) {
    let t;
    try {
      t = parseType(flags.maxPrecision);
    } catch (e) {
      throw new DiagnosticError([diag('FML6542', `--max-precision: ${(e as Error).message}`)]);
    }
    if (isAuto(t)) throw new DiagnosticError([diag('FML6542', '--max-precision must be a concrete type, not auto')]);
    opts.maxPrecision = t;
  }
  if (flags.aggressiveFolding) opts.aggressive = true;
  if (flags.dumpIr) opts.dumpAfter = flags.dumpIr;
  if (flags.dumpFormat && flags.dumpFormat !== 'text' && flags.dumpFormat !== 'json')
    throw new DiagnosticError([diag('FML6541', `--dump-format must be text or json, got "${flags.dumpFormat}"`)]);
  if (flags.dumpFormat) opts.dumpFormat = flags.dumpFormat as 'text' | 'json';
  if (flags.verify) opts.verify = true;
  if (flags.calibration) {
    if (!flags.quantize) throw new DiagnosticError([diag('FML6553', '--calibration is only used with --quantize auto')]);
    opts.calibration = readCalibration(isInputSpec(flags.calibration) ? flags.calibration : resolve(flags.calibration), g);
  } else if (flags.quantize) throw new DiagnosticError([diag('FML6551', '--quantize auto needs --calibration X.npy')]);
  return opts;
}

/**
 * Reads calibration samples for a single-input graph: [N, ...input shape] in the model's layout,
 * from a file or generated (`random[:N][:SEED]`, `zeros[:N]`).
 */
export function readCalibration(file: string, g: Graph): Calibration {
  if (g.inputs.length !== 1) throw new DiagnosticError([diag('FML6554', `--calibration supports single-input models (this one has ${g.inputs.length})`, { file })]);
  const spec = parseInputSpec(file, '--calibration');
  const arrays = spec ? generateInputs(spec, inputDescs(g)) : readTensorFile(file);
  const first = [...arrays.values()][0];
  const name = g.inputs[0]!;
  const per = numel(g.tensors.get(name)!.shape);
  if (!first || first.data.length === 0 || first.data.length % per !== 0)
    throw new DiagnosticError([diag('FML6552', `calibration data of shape [${first?.shape.join(', ') ?? ''}] is not a whole number of samples of ${per} values (input "${name}")`, { file })]);
  const n = first.data.length / per;
  return { inputs: { [name]: toIrLayout(g, name, first.data) }, n, file };
}
