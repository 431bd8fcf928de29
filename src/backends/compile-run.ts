/**
 * @fileoverview `fastml compile`: load -> configuration (flags over config file over defaults) ->
 * pass pipeline -> emulate the test-bench samples -> write the project atomically -> print where
 * it is, the estimate summary and the next command.
 */

import { LIMITS, overLimit } from '../diagnostics/limits.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CommandContext } from '../cli/context.js';
import { reportConfigDiagnostics, reportDiagnostics, reportOptionsOf, reportPipelineDiagnostics } from '../cli/model-args.js';
import { DiagnosticError, EXIT, diag } from '../diagnostics/diagnostic.js';
import type { Graph } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { parseType } from '../fixed/type.js';
import { withModelOverrides, type ModelOverrides } from '../config/overrides.js';
import { buildProject, fileSha256 } from './project.js';
import { writeProject } from './writer.js';
import { checkOutputDir, checkReplaceable, recoverOutputDir, type InputRef, type Notify } from '../io/safe-write.js';
import { resolveBackendTarget } from './targets.js';
import { projectIdent } from './identifiers.js';
import type { Backend, IoType } from './view-types.js';
import { parseReuseFlag, pipelineOptionsFrom, printPipeline, type PipelineFlags } from '../passes/options.js';
import { checkClock } from '../diagnostics/limits.js';

export interface CompileFlags {
  readonly model: string;
  readonly config?: string;
  readonly weights?: string;
  readonly target?: string;
  readonly part?: string;
  readonly backend?: string;
  readonly io?: string;
  readonly strategy?: string;
  readonly reuse?: string;
  readonly precision?: string;
  readonly clock?: string;
  readonly project?: string;
  readonly output?: string;
  readonly force?: boolean;
  readonly input?: string;
  readonly samples?: string;
  /** How the --input array is laid out (--layout: model, channels_first, channels_last). */
  readonly layout?: string;
  readonly fastmlVersion: string;
  /** Pass flags (--prune, --quantize, --reuse mode, --budget, --dump-ir ...); paths resolved. */
  readonly pipeline?: PipelineFlags;
}

const usage = (msg: string, hint?: string): never => {
  throw new DiagnosticError([diag('FML5802', msg, undefined, hint)], EXIT.USAGE);
};

function backendOf(name: string, from = '--backend'): Backend {
  const b = name.toLowerCase();
  if (b === 'vivado' || b === 'vivadoaccelerator') return 'vivado';
  if (b === 'vitis' || b === 'vitisaccelerator') return 'vitis';
  return usage(`${from}: "${name}" is not vivado or vitis (fastml writes Vivado and Vitis HLS projects)`, from === '--backend' ? undefined : 'give --backend vivado or --backend vitis (and --part with a Xilinx part) to build this configuration for a Xilinx tool');
}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`${flag}: "${v}" is not a positive integer`);
  if (n > LIMITS.maxSamples) overLimit('maxSamples', `${flag} ${v}`);
  return n;
}

/** The hls4ml configuration object with the command-line overrides applied to its top level and Model block. */
function withOverrides(raw: Record<string, unknown>, o: ModelOverrides & { io: IoType; backend: Backend; part: string; clock: number }): Record<string, unknown> {
  return { ...withModelOverrides(raw, o), IOType: o.io, Backend: o.backend === 'vitis' ? 'Vitis' : 'Vivado', Part: o.part, ClockPeriod: o.clock };
}

/** Deterministic test inputs (IR layout): sample 0 all zeros, then N(0,1) values as float32. */
export function generateSamples(g: Graph, n: number): Float64Array[] {
  let s = 0x2545f491;
  const next = (): number => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return g.inputs.map((name) => {
    const size = numel(g.tensors.get(name)!.shape);
    const d = new Float64Array(n * size);
    for (let k = size; k < d.length; k++) {
      const u1 = Math.max(next(), 1e-12);
      const u2 = next();
      d[k] = Math.fround(Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
    return d;
  });
}

/** Every file compile reads, for the output-folder rule. */
function compileInputs(f: CompileFlags, weights: string | undefined): InputRef[] {
  const out: InputRef[] = [{ role: 'model', path: f.model }];
  if (weights) out.push({ role: 'weights', path: weights });
  if (f.config) out.push({ role: 'config', path: f.config });
  if (f.input) out.push({ role: '--input', path: f.input });
  if (f.pipeline?.calibration) out.push({ role: '--calibration', path: f.pipeline.calibration });
  return out;
}

const WASM_MIN_MACS = 1_000_000;
/** Multiply-accumulates per sample, roughly: each kernel weight once per output pixel. */
function macsPerSample(g: Graph): number {
  let macs = 0;
  for (const l of g.layers) {
    const w = l.weights.kernel ?? l.weights.depthwise;
    if (!w) continue;
    const out = g.tensors.get(l.outputs[0]!)?.shape ?? [];
    const pixels = out.length > 1 ? numel(out) / Math.max(1, out[out.length - 1]!) : 1;
    macs += w.data.length * pixels + (l.weights.pointwise?.data.length ?? 0) * pixels;
  }
  return macs;
}

/**
 * The test bench's rows: inputs and the emulator's outputs, one sample a row. A function of its
 * own so that the emulator can be collected before the project is written (a large Dense layer's
 * kernel memory stays: it holds the layer's quantized weights for the writer, weights.ts
 * quantizeConstInto).
 */
function testBench(
  g: Graph,
  n: number,
  data: Float64Array[],
  compileEmulator: typeof import('../emulator/index.js').compileEmulator,
  runBatch: typeof import('../emulator/index.js').runBatch,
): { tbInputs: Float64Array[]; tbOutputs: Float64Array[] } {
  // The WebAssembly kernels pay off from about a million multiply-accumulates; below that (the
  // jet tagger's 32 samples: 0.14M) assembling and compiling them costs more than the run.
  const emu = compileEmulator(g, { wasm: n * macsPerSample(g) >= WASM_MIN_MACS });
  const out = runBatch(emu, n, data);
  const sizes = g.inputs.map((name) => numel(g.tensors.get(name)!.shape));
  const parts = (arrays: readonly Float64Array[], widths: readonly number[], s: number): Float64Array => {
    // One input (output): a view of the batch, no copy; several: concatenated in order.
    if (arrays.length === 1) return arrays[0]!.subarray(s * widths[0]!, (s + 1) * widths[0]!);
    const row = new Float64Array(widths.reduce((a, b) => a + b, 0));
    let at = 0;
    arrays.forEach((a, k) => {
      row.set(a.subarray(s * widths[k]!, (s + 1) * widths[k]!), at);
      at += widths[k]!;
    });
    return row;
  };
  const ys = emu.outputs.map((o) => out.outputs[o.name]!);
  const oSizes = emu.outputs.map((o) => o.size);
  const tbInputs: Float64Array[] = [];
  const tbOutputs: Float64Array[] = [];
  for (let s = 0; s < n; s++) {
    tbInputs.push(parts(data, sizes, s));
    tbOutputs.push(parts(ys, oSizes, s));
  }
  return { tbInputs, tbOutputs };
}

export async function runCompile(ctx: CommandContext, f: CompileFlags): Promise<number> {
  const { loadConfig, defaultConfig, configFromObject } = await import('../config/load.js');
  const { loadModel } = await import('../frontends/index.js');
  const { runPipeline } = await import('../passes/pipeline.js');
  const { compileEmulator, prepareInputs, runBatch } = await import('../emulator/index.js');

  const base = f.config ? loadConfig(f.config) : defaultConfig();
  const backend = f.backend !== undefined ? backendOf(f.backend) : backendOf(base.backend ?? 'vivado', base.file ? `Backend in ${base.file}` : 'Backend');
  const io = (f.io ?? base.ioType) as IoType;
  if (io !== 'io_parallel' && io !== 'io_stream') usage(`--io: "${f.io}" is not io_parallel or io_stream`, 'use --io parallel or --io stream');
  const strategy = f.strategy?.toLowerCase();
  if (strategy !== undefined && strategy !== 'latency' && strategy !== 'resource') usage(`--strategy: "${f.strategy}" is not latency or resource`);
  // --reuse N sets the Model reuse factor (checked by the reuse-factor pass: an invalid Resource
  // value is an error, exit 2); nearest[:N] and auto are modes of that pass.
  const reuseFlag = parseReuseFlag(f.reuse);
  const reuse = reuseFlag.factor;
  if (f.precision !== undefined) {
    try {
      parseType(f.precision);
    } catch (e) {
      usage(`--precision: ${(e as Error).message}`);
    }
  }
  const clock = f.clock !== undefined ? Number(f.clock) : (base.clockPeriod ?? 5);
  checkClock(clock, f.clock !== undefined ? '--clock' : 'ClockPeriod');
  // Backend: VivadoAccelerator: the board (AcceleratorConfig, or a --target board) fixes the part.
  const { isAcceleratorBackend, acceleratorSettings, ZYNQ_BOARDS } = await import('./accelerator/config.js');
  const accel = isAcceleratorBackend(f.backend ?? base.backend)
    ? acceleratorSettings(base.raw as Record<string, unknown>, f.config, f.target && ZYNQ_BOARDS[f.target.toLowerCase()] ? f.target : undefined)
    : undefined;
  const target = resolveBackendTarget(f.part ?? (accel ? accel.board.part : (f.target ?? base.part)));
  const cfg = configFromObject(
    withOverrides(base.raw as Record<string, unknown>, { io, backend, part: target.part, clock, ...(reuse ? { reuse } : {}), ...(strategy ? { strategy } : {}), ...(f.precision ? { precision: f.precision } : {}) }),
    f.config,
  );

  // The config's KerasH5 is used when it exists (configs copied elsewhere keep stale relative paths;
  // the frontend then finds the weights next to the .json itself).
  const cfgH5 = cfg.modelFiles.kerasH5;
  const weights = f.weights ?? (cfgH5 && existsSync(cfgH5) && f.model.toLowerCase().endsWith('.json') ? cfgH5 : undefined);
  // Project name and folder: flags, else the config's ProjectName / OutputDir (hls4ml keys), else
  // the model file's name. The folder is checked before any work (and again when written): it must
  // not hold or be inside any input, and only an empty or fastml-written folder is replaced.
  const rawCfg = cfg.raw as Record<string, unknown>;
  const cfgName = typeof rawCfg.ProjectName === 'string' ? rawCfg.ProjectName : undefined;
  const cfgDir = typeof rawCfg.OutputDir === 'string' ? rawCfg.OutputDir : undefined;
  const stem = path.basename(f.model).replace(/\.[^.]*$/, '');
  const project = projectIdent(f.project ?? cfgName ?? stem);
  // OutputDir is read relative to the configuration file, like the model paths it names (in a
  // file hls4ml wrote into its project, it is that folder: config/load.ts resolves it).
  const dest = f.output !== undefined ? path.resolve(ctx.io.cwd, f.output) : cfgDir !== undefined && base.outputDir !== undefined ? base.outputDir : path.resolve(ctx.io.cwd, `${project}_prj`);
  const outFlag = f.output !== undefined ? '-o' : cfgDir !== undefined ? 'OutputDir' : 'output folder';
  checkOutputDir(dest, compileInputs(f, weights), outFlag);
  // Notes about the output folder (a project restored after an interrupted replacement) go through
  // the command's io like every other diagnostic (--quiet, captured output of sweep points, tests).
  // The folder is looked at twice (here and when it is replaced): each note is said once.
  const said = new Set<string>();
  const notify: Notify = (d) => {
    if (said.has(d.message)) return;
    said.add(d.message);
    reportDiagnostics(ctx.io, [d], reportOptionsOf(ctx));
  };
  // Restored before the check, so that it applies to the folder as the user last had it.
  recoverOutputDir(dest, notify);
  checkReplaceable(dest, Boolean(f.force), outFlag);
  const raw = await loadModel(f.model, weights ? { weights } : {});
  const eopts = { part: target.part, backend, clockNs: clock, ioType: io };
  const flags: PipelineFlags = { ...(f.pipeline ?? {}), ...(f.reuse !== undefined ? { reuse: f.reuse } : {}) };
  const popts = await pipelineOptionsFrom(flags, raw, (p) => path.resolve(ctx.io.cwd, p));
  const res = runPipeline(raw, cfg, { ...popts, estimate: eopts });
  // The file's own warnings (base): cfg is the file with the flags written in (Backend, Part ...),
  // whose combination of keys is fastml's doing, not the user's.
  reportConfigDiagnostics(ctx.io, base.warnings, reportOptionsOf(ctx));
  reportPipelineDiagnostics(ctx.io, res.diagnostics, reportOptionsOf(ctx));
  printPipeline(res, flags, ctx.io, false);
  const g = res.graph;

  // Test-bench samples: the user's (model layout, transposed to the IR's) or generated ones.
  let n: number;
  let data: Float64Array[];
  if (f.input) {
    const { readBatchInputs, parseLayout } = await import('../emulator/session.js');
    ({ n, data } = prepareInputs(g, readBatchInputs(g, f.input, parseLayout(f.layout))));
    const cap = positiveInt('--samples', f.samples);
    if (cap !== undefined && cap < n) {
      data = data.map((d, k) => d.slice(0, cap * numel(g.tensors.get(g.inputs[k]!)!.shape)));
      n = cap;
    }
  } else {
    n = positiveInt('--samples', f.samples) ?? 32;
    const perSample = g.inputs.reduce((a, t) => a + numel(g.tensors.get(t)!.shape), 0);
    if (n * perSample > LIMITS.maxBatchElements) overLimit('maxBatchElements', `${n} test-bench samples of ${perSample} values (${n * perSample})`);
    data = generateSamples(g, n);
  }
  const { tbInputs, tbOutputs } = testBench(g, n, data, compileEmulator, runBatch);

  const accelFiles = accel
    ? (await import('./accelerator/files.js')).acceleratorFiles(g, { project, io, part: target.part, clockNs: clock, fastmlVersion: f.fastmlVersion }, accel)
    : undefined;
  const files = buildProject(g, {
    ...(accelFiles ? { extraFiles: accelFiles } : {}),
    ...(accel
      ? { accelerator: { board: accel.board.name, interface: accel.iface, driver: accel.driver, input: accel.input.kind === 'float' ? 'float' : accel.input.text, output: accel.output.kind === 'float' ? 'float' : accel.output.text } }
      : {}),
    project,
    backend,
    io,
    part: target.part,
    clockNs: clock,
    ...(target.board ? { board: target.board } : {}),
    ...(target.platform ? { platform: target.platform } : {}),
    modelFile: f.model,
    modelSha256: fileSha256(f.model),
    ...(f.config ? { configSha256: fileSha256(f.config) } : {}),
    fastmlVersion: f.fastmlVersion,
    settings: {
      backend,
      io,
      part: target.part,
      clockNs: clock,
      strategy: strategy ?? null,
      reuse: reuse ?? null,
      ...(reuseFlag.mode !== 'check' ? { reuseMode: reuseFlag.mode } : {}),
      ...(res.report.reuse ? { reuseChosen: (res.report.reuse as { chosen: Record<string, number> }).chosen } : {}),
      ...(flags.budget ? { budget: flags.budget } : {}),
      ...(flags.prune ? { prune: flags.prune } : {}),
      ...(flags.quantize ? { quantize: flags.quantize } : {}),
      ...(flags.maxPrecision ? { maxPrecision: flags.maxPrecision } : {}),
      ...(flags.aggressiveFolding ? { aggressiveFolding: true } : {}),
      precision: f.precision ?? null,
      samples: n,
    },
    tbInputs,
    tbOutputs,
  });
  writeProject(dest, files, Boolean(f.force), outFlag, notify);

  const shown = path.relative(ctx.io.cwd, dest) || '.';
  ctx.io.out(`Wrote ${backend === 'vitis' ? 'Vitis' : 'Vivado'} HLS project ${project} (${io}, ${target.part}${target.board ? ` / ${target.board}` : ''}, ${clock} ns) to ${shown}/\n`);
  ctx.io.out(`  ${files.length} files; test bench with ${n} samples and the emulator's expected outputs\n`);
  try {
    const { estimate } = await import('../estimate/estimate.js');
    const { estimateText } = await import('../estimate/format.js');
    ctx.io.out('\n' + estimateText(estimate(g, eopts)) + '\n');
  } catch (e) {
    ctx.io.err(`note: no estimate (${(e as Error).message})\n`);
  }
  ctx.io.out(`Next:\n  ${ctx.io.command ?? 'fastml'} csim ${shown}          # C simulation with g++, compared with the emulator bit for bit\n`);
  ctx.io.out(
    backend === 'vitis'
      ? `  cd ${shown} && vitis_hls -f build_prj.tcl   # or: vitis-run --mode hls --tcl build_prj.tcl\n`
      : `  cd ${shown} && vivado_hls -f build_prj.tcl\n`,
  );
  if (target.platform) ctx.io.out(`  cd ${shown} && make xclbin TARGET=hw     # Alveo kernel with v++ (${target.platform})\n`);
  return EXIT.OK;
}
