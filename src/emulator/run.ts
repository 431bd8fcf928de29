/**
 * @fileoverview The actions behind `fastml emulate` and `fastml check` (the command modules only
 * declare options, so that `fastml --help` stays fast).
 */

import { mkdirSync } from 'node:fs';
import { checkOutputFile, writeFileAtomic, type InputRef } from '../io/safe-write.js';
import { describeSpec, parseInputSpec } from '../io/generate.js';
import path from 'node:path';
import type { CommandContext } from '../cli/context.js';
import { DiagnosticError, diag, formatDiagnostic, EXIT } from '../diagnostics/diagnostic.js';
import type { Graph } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { writeTensorFile, readTensorFile } from '../io/index.js';
import { safeFileName } from '../io/files.js';
import { compileEmulator } from './compile.js';
import { prepareInputs, runBatch } from './index.js';
import type { BatchResult } from './index.js';
import { evaluateFloat, fromIrLayout } from './float.js';
import { formatOverflowTable, overflowRows, type OverflowRow } from './overflow.js';
import { overflowAdvice } from './overflow-advice.js';
import { quantizedReference } from '../passes/quantized-reference.js';
import { loadSession, readBatchInputs, type Session } from './session.js';
import type { ArrayLayout } from './session.js';
import { pipelineJson, printPipeline, type PipelineFlags } from '../passes/options.js';
import { canRunParallel, defaultWorkers, runParallel } from './parallel.js';
import { compareOutputs, junitXml, formatCheckReport } from './check.js';
import type { CheckReport } from './check.js';
import { createProgress, type Progress } from '../cli/progress.js';
import { reportConfigDiagnostics, reportOptionsOf, reportPipelineDiagnostics } from '../cli/model-args.js';

/** Float64 reference over a batch (IR layout in, IR layout out), optionally with every layer traced. */
export function floatBatch(g: Graph, n: number, data: readonly Float64Array[], trace: boolean, onProgress?: (done: number) => void): BatchResult {
  const outputs: Record<string, Float64Array> = {};
  for (const o of g.outputs) outputs[o] = new Float64Array(n * numel(g.tensors.get(o)!.shape));
  const traces: BatchResult['traces'] = {};
  const sizes = g.inputs.map((i) => numel(g.tensors.get(i)!.shape));
  for (let s = 0; s < n; s++) {
    const ins: Record<string, Float64Array> = {};
    g.inputs.forEach((name, k) => (ins[name] = data[k]!.subarray(s * sizes[k]!, (s + 1) * sizes[k]!)));
    const r = evaluateFloat(g, ins, { trace });
    for (const o of g.outputs) outputs[o]!.set(r.outputs[o]!, s * r.outputs[o]!.length);
    if (r.trace) {
      for (const [name, v] of Object.entries(r.trace)) {
        const layer = g.layers.find((l) => l.name === name)!;
        traces[name] ??= { shape: g.tensors.get(layer.outputs[0]!)!.shape, data: new Float64Array(n * v.length) };
        traces[name]!.data.set(v, s * v.length);
      }
    }
    if (onProgress && ((s + 1) % 100 === 0 || s + 1 === n)) onProgress(s + 1);
  }
  return { n, outputs, traces };
}

function outShape(g: Graph, o: string): readonly number[] {
  const lay = (g.meta.outputLayouts as Record<string, { sourceShape: readonly number[] }> | undefined)?.[o];
  return lay?.sourceShape ?? g.tensors.get(o)!.shape;
}


export interface EmulateArgs {
  model: string;
  input: string;
  config?: string;
  weights?: string;
  output: string;
  float?: boolean;
  trace?: string;
  overflow?: boolean;
  f32?: boolean;
  json?: boolean;
  workers?: number;
  /** How the input array is laid out (--layout); default: as the model's input. */
  layout?: ArrayLayout;
  /** --io over the config's IOType. */
  io?: 'io_parallel' | 'io_stream';
  /** Pipeline flags (--prune, --quantize, --reuse, --dump-ir, ...); paths already resolved. */
  pipeline?: PipelineFlags;
}

/** The files a run reads (model, weights, config, inputs, calibration, reference), for the output rules. */
function inputsOf(a: { model: string; input: string; config?: string; weights?: string; reference?: string; pipeline?: PipelineFlags }): InputRef[] {
  const out: InputRef[] = [{ role: 'model', path: a.model }, { role: '--input', path: a.input }];
  if (a.config) out.push({ role: '--config', path: a.config });
  if (a.weights) out.push({ role: '--weights', path: a.weights });
  if (a.reference) out.push({ role: '--reference', path: a.reference });
  if (a.pipeline?.calibration) out.push({ role: '--calibration', path: a.pipeline.calibration });
  return out;
}

export async function runEmulate(ctx: CommandContext, a: EmulateArgs): Promise<number> {
  // Checked before any work: emulate never overwrites what it reads.
  checkOutputFile(a.output, inputsOf(a), '--output');
  const s = await loadSession(a.model, { ...(a.config ? { config: a.config } : {}), ...(a.weights ? { weights: a.weights } : {}), ...(a.pipeline ? { pipeline: a.pipeline } : {}), ...(a.io ? { io: a.io } : {}) });
  reportConfigDiagnostics(ctx.io, s.config.warnings, reportOptionsOf(ctx));
  reportPipelineDiagnostics(ctx.io, s.pipeline.diagnostics, reportOptionsOf(ctx));
  printPipeline(s.pipeline, a.pipeline ?? {}, ctx.io, Boolean(a.json));
  const g = s.graph;
  const { n, data } = prepareInputs(g, readBatchInputs(g, a.input, a.layout));
  const t0 = performance.now();
  let res: BatchResult & { parallel?: { threadsUsed: number } };
  if (a.float) res = floatBatch(g, n, data, Boolean(a.trace));
  else {
    // Batches under 20000 samples take well under a second: no bar for them.
    const bar = await createProgress(ctx.io, { quiet: Boolean(a.json), minTotal: 20000, delayMs: 0 });
    bar.phase('emulate', n, 'samples');
    // One thread per core unless traces are wanted; parallel.ts starts worker threads only when
    // the batch is long enough for them to pay. Every sample is independent, so the bits do not
    // depend on the split.
    const workers = a.workers ?? defaultWorkers();
    const emu = compileEmulator(g, { accounting: Boolean(a.overflow) });
    if (workers > 1 && !a.trace && canRunParallel()) res = await runParallel(g, emu, n, data, { workers, onProgress: (k) => bar.update(k) });
    else res = runBatch(emu, n, data, { trace: Boolean(a.trace), onProgress: (k) => bar.update(k), progressEvery: 5000 });
    bar.stop();
  }
  const ms = performance.now() - t0;
  // Outputs in the model's own layout (channels-last models: hls4ml's layout, as in its y.npy).
  const arrays = g.outputs.map((o) => ({ name: o, shape: [n, ...outShape(g, o)], data: fromIrLayout(g, o, res.outputs[o]!) }));
  writeTensorFile(a.output, arrays, { dtype: a.f32 ? 'f4' : 'f8' });
  if (a.trace) {
    const files = Object.entries(res.traces).map(([layer, t]) => ({ layer, t, file: path.join(a.trace!, `trace_${safeFileName(layer)}.npy`) }));
    for (const x of files) checkOutputFile(x.file, inputsOf(a), '--trace');
    mkdirSync(a.trace, { recursive: true });
    for (const { layer, t, file } of files) writeTensorFile(file, [{ name: layer, shape: [n, ...t.shape], data: t.data }], { dtype: a.f32 ? 'f4' : 'f8' });
  }
  if (a.json) {
    ctx.io.out(
      JSON.stringify(
        {
          model: a.model,
          samples: n,
          mode: a.float ? 'float64' : 'fixed',
          output: a.output,
          seconds: ms / 1000,
          samplesPerSecond: n / (ms / 1000),
          ...(a.float ? {} : { threads: res.parallel?.threadsUsed ?? 1 }),
          ...(res.overflow ? { overflow: markQuantizerRows(overflowRows(res.overflow), s.pipeline.report) } : {}),
          ...pipelineJson(s.pipeline, a.pipeline ?? {}),
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    const spec = parseInputSpec(a.input);
    if (spec) ctx.io.out(`inputs: ${describeSpec(spec)}\n`);
    ctx.io.out(`${a.float ? 'float64 reference' : 'fixed-point emulation'}: ${n} samples in ${(ms / 1000).toFixed(3)} s (${Math.round(n / (ms / 1000))} samples/s) -> ${a.output}\n`);
    if (a.trace) ctx.io.out(`traces: ${Object.keys(res.traces).length} layers -> ${a.trace}\n`);
    if (res.overflow) ctx.io.out('\n' + formatOverflowTable(res.overflow));
  }
  return EXIT.OK;
}

export interface CheckArgs {
  model: string;
  input: string;
  /** How the input array is laid out (--layout); default: as the model's input. */
  layout?: ArrayLayout;
  /** --io over the config's IOType. */
  io?: 'io_parallel' | 'io_stream';
  reference?: string;
  /** quantized (default): the model with its quantizers, as QKeras / QONNX compute; float: QKeras quantizers removed. */
  referenceMode?: 'quantized' | 'float';
  config?: string;
  /** A loaded configuration instead of `config` (report DIR: the project's, with the lock's settings). */
  configObject?: import('../config/load.js').HlsConfig;
  weights?: string;
  maxAbsErr?: number;
  minAgreement?: number;
  json?: boolean;
  junit?: string;
  /** Pipeline flags (--prune, --quantize, --reuse, --dump-ir, ...); paths already resolved. */
  pipeline?: PipelineFlags;
}

/** onnxruntime-web float32 outputs for an ONNX model, in IR layout order of g.outputs. */
async function ortReference(file: string, g: Graph, inputs: Record<string, { data: Float64Array; n: number }>, onProgress?: (done: number) => void): Promise<Float64Array[]> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const { readFileSync } = await import('node:fs');
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(file)));
  const n = Object.values(inputs)[0]!.n;
  const outs: number[][] = session.outputNames.map(() => []);
  for (let s = 0; s < n; s++) {
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    session.inputNames.forEach((name, k) => {
      const gName = g.inputs.includes(name) ? name : g.inputs[k]!;
      const x = inputs[gName]!;
      const shape = g.inputLayouts[gName]?.sourceShape ?? g.tensors.get(gName)!.shape;
      const m = numel(shape);
      feeds[name] = new ort.Tensor('float32', Float32Array.from(x.data.subarray(s * m, (s + 1) * m)), [1, ...shape]);
    });
    const r = await session.run(feeds);
    session.outputNames.forEach((o, k) => outs[k]!.push(...(r[o]!.data as Float32Array)));
    if (onProgress && ((s + 1) % 100 === 0 || s + 1 === n)) onProgress(s + 1);
  }
  return outs.map((o) => Float64Array.from(o));
}

/** Everything `fastml check` computed, for the commands that show it (check, report --input). */
export interface CheckRun {
  readonly report: CheckReport;
  readonly session: Session;
  /** Fixed-point emulation of the prepared graph, every layer traced (IR layout). */
  readonly fixed: BatchResult;
  /** Float64 reference of the model as written, every layer traced; absent when it cannot run. */
  readonly float?: BatchResult;
  readonly samples: number;
  /** The inputs as emulated (IR layout, batch first), by graph input name. */
  readonly inputs: Readonly<Record<string, Float64Array>>;
}

export interface CheckHooks {
  /** Progress over the run's phases (emulate, float reference, onnxruntime). */
  readonly progress?: Progress;
}

export async function computeCheck(ctx: CommandContext, a: CheckArgs, hooks: CheckHooks = {}): Promise<CheckRun> {
  const s = await loadSession(a.model, {
    ...(a.configObject ? { configObject: a.configObject } : a.config ? { config: a.config } : {}),
    ...(a.weights ? { weights: a.weights } : {}),
    ...(a.pipeline ? { pipeline: a.pipeline } : {}),
    ...(a.io ? { io: a.io } : {}),
  });
  reportConfigDiagnostics(ctx.io, s.config.warnings, reportOptionsOf(ctx));
  reportPipelineDiagnostics(ctx.io, s.pipeline.diagnostics, reportOptionsOf(ctx));
  printPipeline(s.pipeline, a.pipeline ?? {}, ctx.io, Boolean(a.json));
  const bar = hooks.progress;
  const g = s.graph;
  const inputs = readBatchInputs(g, a.input, a.layout);
  const { n, data } = prepareInputs(g, inputs);
  const emu = compileEmulator(g, { accounting: true });
  bar?.phase('check: fixed-point emulation', n, 'samples');
  const fixed = runBatch(emu, n, data, { trace: true, onProgress: (k) => bar?.update(k), progressEvery: 100 });
  let flt: BatchResult | undefined;
  // The float reference is the model as written (before passes), with its own quantizers: QONNX
  // Quant ops by their definition, QKeras quantizers as QKeras computes them at inference
  // (quantizedReference). `--reference float` drops the QKeras quantizers (raw weights, float
  // activations), the unquantized model.
  const refGraph = a.referenceMode === 'float' ? s.raw : quantizedReference(s.raw).graph;
  try {
    bar?.phase('check: float64 reference', n, 'samples');
    flt = floatBatch(refGraph, n, data, true, (k) => bar?.update(k));
  } catch (e) {
    if (e instanceof DiagnosticError) throw e;
    // ONNX models still have onnxruntime as the reference; others need --reference.
    const other = Boolean(a.reference) || a.model.toLowerCase().endsWith('.onnx');
    const d = diag('FML5011', `the float64 reference cannot evaluate this model: ${(e as Error).message}`, { file: a.model }, 'give reference outputs with --reference', other ? 'warning' : 'error');
    if (!other) throw new DiagnosticError([d], EXIT.MODEL);
    bar?.stop();
    ctx.io.err(formatDiagnostic(d) + '\n');
  }
  let refKind: CheckReport['reference'] = a.referenceMode === 'float' ? 'float64-unquantized' : 'float64';
  // Outputs are compared in the model's own layout (what onnxruntime and users' references use).
  let ref: Float64Array[] = flt ? refGraph.outputs.map((o) => fromIrLayout(refGraph, o, flt!.outputs[o]!)) : [];
  if (a.reference) {
    const arrays = [...readTensorFile(a.reference).values()];
    ref = g.outputs.map((_, k) => arrays[k]?.data ?? arrays[0]!.data);
    refKind = 'file';
  } else if (a.model.toLowerCase().endsWith('.onnx')) {
    try {
      bar?.phase('check: onnxruntime reference', n, 'samples');
      ref = await ortReference(a.model, g, inputs, (k) => bar?.update(k));
      refKind = 'onnxruntime';
    } catch (e) {
      bar?.stop();
      if (!flt) throw new DiagnosticError([diag('FML5011', `neither onnxruntime nor the float64 evaluator can run this model (${String((e as Error)?.message ?? e).split('\n')[0]})`, { file: a.model }, 'give reference outputs with --reference')], EXIT.MODEL);
      // QONNX custom ops (Quant, ...) are unknown to onnxruntime: fastml's float evaluator, which
      // applies their definition, is then the reference.
      const why = String((e as Error)?.message ?? e).split('\n')[0];
      ctx.io.err(formatDiagnostic(diag('FML5010', `onnxruntime cannot run this model (${why}); using fastml's float64 evaluator as the reference`, { file: a.model }, undefined, 'warning')) + '\n');
    }
  }
  bar?.stop();
  const overflow = fixed.overflow ? markQuantizerRows(overflowRows(fixed.overflow), s.pipeline.report) : [];
  const report = compareOutputs({
    model: a.model,
    n,
    outputs: g.outputs.map((o, k) => ({ name: o, size: numel(g.tensors.get(o)!.shape), fixed: fromIrLayout(g, o, fixed.outputs[o]!), ref: ref[k]! })),
    layers: matchTraces(g, refGraph, emu.layers.map((l) => l.name), fixed.traces, flt?.traces ?? {}),
    overflow,
    overflowAdvice: overflowAdvice(overflow, g, s.config, s.raw),
    reference: refKind,
    ...(a.maxAbsErr !== undefined ? { maxAbsErr: a.maxAbsErr } : {}),
    ...(a.minAgreement !== undefined ? { minAgreement: a.minAgreement } : {}),
  });
  return { report, session: s, fixed, ...(flt ? { float: flt } : {}), samples: n, inputs: Object.fromEntries(g.inputs.map((name, k) => [name, data[k]!])) };
}

export async function runCheck(ctx: CommandContext, a: CheckArgs): Promise<number> {
  if (a.junit) checkOutputFile(a.junit, inputsOf(a), '--junit');
  const progress = await createProgress(ctx.io, { quiet: Boolean(a.json) });
  let run: CheckRun;
  try {
    run = await computeCheck(ctx, a, { progress });
  } finally {
    progress.stop();
  }
  const { report, session: s } = run;
  if (a.junit) writeFileAtomic(a.junit, junitXml(report));
  ctx.io.out(a.json ? JSON.stringify({ ...report, ...pipelineJson(s.pipeline, a.pipeline ?? {}) }, null, 2) + '\n' : formatCheckReport(report));
  return report.passed ? EXIT.OK : EXIT.CHECK_FAILED;
}

/** Result rows of layers typed by the model's own quantizers: their saturation is the quantizer's clipping. */
function markQuantizerRows(rows: OverflowRow[], report: Record<string, unknown>): OverflowRow[] {
  const q = new Set((report.quantizerResults as string[] | undefined) ?? []);
  return rows.map((r) => (r.variable === 'result' && q.has(r.layer) ? { ...r, quantizer: true } : r));
}

/**
 * Pairs each emulated layer with the float layer of the original model that produces the same
 * tensor. Passes keep tensor names when they fold or remove layers (the surviving producer takes
 * over the removed layer's output), so equal tensors mean equal meaning.
 */
function matchTraces(
  g: Graph,
  raw: Graph,
  names: readonly string[],
  fixed: Record<string, { data: Float64Array }>,
  flt: Record<string, { data: Float64Array }>,
): { name: string; fixed: Float64Array; float: Float64Array }[] {
  const rawByTensor = new Map(raw.layers.map((l) => [l.outputs[0]!, l.name]));
  const out: { name: string; fixed: Float64Array; float: Float64Array }[] = [];
  for (const name of names) {
    const layer = g.layers.find((l) => l.name === name);
    const rawName = layer ? rawByTensor.get(layer.outputs[0]!) : undefined;
    const f = fixed[name];
    const r = rawName !== undefined ? flt[rawName] : undefined;
    if (f && r && f.data.length === r.data.length) out.push({ name, fixed: f.data, float: r.data });
  }
  return out;
}
