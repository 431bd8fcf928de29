/**
 * @fileoverview The actions behind `fastml emulate` and `fastml check` (the command modules only
 * declare options, so that `fastml --help` stays fast).
 */

import { mkdirSync, writeFileSync } from 'node:fs';
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
import { formatOverflowTable, overflowRows } from './overflow.js';
import { loadSession, readBatchInputs } from './session.js';
import { pipelineJson, printPipeline, type PipelineFlags } from '../passes/options.js';
import { canRunParallel, defaultWorkers, runParallel } from './parallel.js';
import { compareOutputs, junitXml, formatCheckReport } from './check.js';
import type { CheckReport } from './check.js';

function printDiagnostics(ctx: CommandContext, diags: readonly { severity: string }[]): void {
  for (const d of diags) ctx.io.err(formatDiagnostic(d as never) + '\n');
}

/** A progress bar on a TTY for long runs (cli-progress), a no-op otherwise. */
async function progress(ctx: CommandContext, n: number, label: string): Promise<{ update(k: number): void; stop(): void }> {
  if (!ctx.io.isTTY || n < 20000) return { update: () => {}, stop: () => {} };
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total} samples | {eta}s`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  bar.start(n, 0);
  return { update: (k) => bar.update(k), stop: () => bar.stop() };
}

/** Float64 reference over a batch (IR layout in, IR layout out), optionally with every layer traced. */
export function floatBatch(g: Graph, n: number, data: readonly Float64Array[], trace: boolean): BatchResult {
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
  /** Pipeline flags (--prune, --quantize, --reuse, --dump-ir, ...); paths already resolved. */
  pipeline?: PipelineFlags;
}

/** Batches at least this large run on all cores by default. */
const PARALLEL_MIN = 50000;

export async function runEmulate(ctx: CommandContext, a: EmulateArgs): Promise<number> {
  const s = await loadSession(a.model, { ...(a.config ? { config: a.config } : {}), ...(a.weights ? { weights: a.weights } : {}), ...(a.pipeline ? { pipeline: a.pipeline } : {}) });
  printDiagnostics(ctx, s.diagnostics);
  printPipeline(s.pipeline, a.pipeline ?? {}, ctx.io, Boolean(a.json));
  const g = s.graph;
  const { n, data } = prepareInputs(g, readBatchInputs(g, a.input));
  const t0 = performance.now();
  let res: BatchResult;
  if (a.float) res = floatBatch(g, n, data, Boolean(a.trace));
  else {
    const bar = await progress(ctx, n, 'emulate');
    // Large batches go to worker threads (one per core) unless traces are wanted; every sample is
    // independent, so the bits do not depend on the split.
    const workers = a.workers ?? (n >= PARALLEL_MIN ? defaultWorkers() : 1);
    if (workers > 1 && !a.trace && canRunParallel()) {
      res = await runParallel(g, n, data, { workers, accounting: Boolean(a.overflow), onProgress: (k) => bar.update(k) });
    } else {
      const emu = compileEmulator(g, { accounting: Boolean(a.overflow) });
      res = runBatch(emu, n, data, { trace: Boolean(a.trace), onProgress: (k) => bar.update(k), progressEvery: 5000 });
    }
    bar.stop();
  }
  const ms = performance.now() - t0;
  // Outputs in the model's own layout (channels-last models: hls4ml's layout, as in its y.npy).
  const arrays = g.outputs.map((o) => ({ name: o, shape: [n, ...outShape(g, o)], data: fromIrLayout(g, o, res.outputs[o]!) }));
  writeTensorFile(a.output, arrays, { dtype: a.f32 ? 'f4' : 'f8' });
  if (a.trace) {
    mkdirSync(a.trace, { recursive: true });
    for (const [layer, t] of Object.entries(res.traces)) writeTensorFile(path.join(a.trace, `trace_${safeFileName(layer)}.npy`), [{ name: layer, shape: [n, ...t.shape], data: t.data }], { dtype: a.f32 ? 'f4' : 'f8' });
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
          ...(res.overflow ? { overflow: overflowRows(res.overflow) } : {}),
          ...pipelineJson(s.pipeline, a.pipeline ?? {}),
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    ctx.io.out(`${a.float ? 'float64 reference' : 'fixed-point emulation'}: ${n} samples in ${(ms / 1000).toFixed(3)} s (${Math.round(n / (ms / 1000))} samples/s) -> ${a.output}\n`);
    if (a.trace) ctx.io.out(`traces: ${Object.keys(res.traces).length} layers -> ${a.trace}\n`);
    if (res.overflow) ctx.io.out('\n' + formatOverflowTable(res.overflow));
  }
  return EXIT.OK;
}

export interface CheckArgs {
  model: string;
  input: string;
  reference?: string;
  config?: string;
  weights?: string;
  maxAbsErr?: number;
  minAgreement?: number;
  json?: boolean;
  junit?: string;
  /** Pipeline flags (--prune, --quantize, --reuse, --dump-ir, ...); paths already resolved. */
  pipeline?: PipelineFlags;
}

/** onnxruntime-web float32 outputs for an ONNX model, in IR layout order of g.outputs. */
async function ortReference(file: string, g: Graph, inputs: Record<string, { data: Float64Array; n: number }>): Promise<Float64Array[]> {
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
  }
  return outs.map((o) => Float64Array.from(o));
}

export async function runCheck(ctx: CommandContext, a: CheckArgs): Promise<number> {
  const s = await loadSession(a.model, { ...(a.config ? { config: a.config } : {}), ...(a.weights ? { weights: a.weights } : {}), ...(a.pipeline ? { pipeline: a.pipeline } : {}) });
  printDiagnostics(ctx, s.diagnostics);
  printPipeline(s.pipeline, a.pipeline ?? {}, ctx.io, Boolean(a.json));
  const g = s.graph;
  const inputs = readBatchInputs(g, a.input);
  const { n, data } = prepareInputs(g, inputs);
  const emu = compileEmulator(g, { accounting: true });
  const fixed = runBatch(emu, n, data, { trace: true });
  let flt: BatchResult | undefined;
  try {
    // The float reference is the model as written (before passes): quantizer layers keep their
    // float definition there, and folding cannot hide an error it introduced.
    flt = floatBatch(s.raw, n, data, true);
  } catch (e) {
    if (e instanceof DiagnosticError) throw e;
    // ONNX models still have onnxruntime as the reference; others need --reference.
    const other = Boolean(a.reference) || a.model.toLowerCase().endsWith('.onnx');
    const d = diag('FML5011', `the float64 reference cannot evaluate this model: ${(e as Error).message}`, { file: a.model }, 'give reference outputs with --reference', other ? 'warning' : 'error');
    if (!other) throw new DiagnosticError([d], EXIT.MODEL);
    ctx.io.err(formatDiagnostic(d) + '\n');
  }
  let refKind: CheckReport['reference'] = 'float64';
  // Outputs are compared in the model's own layout (what onnxruntime and users' references use).
  let ref: Float64Array[] = flt ? s.raw.outputs.map((o) => fromIrLayout(s.raw, o, flt!.outputs[o]!)) : [];
  if (a.reference) {
    const arrays = [...readTensorFile(a.reference).values()];
    ref = g.outputs.map((_, k) => arrays[k]?.data ?? arrays[0]!.data);
    refKind = 'file';
  } else if (a.model.toLowerCase().endsWith('.onnx')) {
    try {
      ref = await ortReference(a.model, g, inputs);
      refKind = 'onnxruntime';
    } catch (e) {
      if (!flt) throw new DiagnosticError([diag('FML5011', `neither onnxruntime nor the float64 evaluator can run this model (${String((e as Error)?.message ?? e).split('\n')[0]})`, { file: a.model }, 'give reference outputs with --reference')], EXIT.MODEL);
      // QONNX custom ops (Quant, ...) are unknown to onnxruntime: fastml's float evaluator, which
      // applies their definition, is then the reference.
      const why = String((e as Error)?.message ?? e).split('\n')[0];
      ctx.io.err(formatDiagnostic(diag('FML5010', `onnxruntime cannot run this model (${why}); using fastml's float64 evaluator as the reference`, { file: a.model }, undefined, 'warning')) + '\n');
    }
  }
  const report = compareOutputs({
    model: a.model,
    n,
    outputs: g.outputs.map((o, k) => ({ name: o, size: numel(g.tensors.get(o)!.shape), fixed: fromIrLayout(g, o, fixed.outputs[o]!), ref: ref[k]! })),
    layers: matchTraces(g, s.raw, emu.layers.map((l) => l.name), fixed.traces, flt?.traces ?? {}),
    overflow: fixed.overflow ? overflowRows(fixed.overflow) : [],
    reference: refKind,
    ...(a.maxAbsErr !== undefined ? { maxAbsErr: a.maxAbsErr } : {}),
    ...(a.minAgreement !== undefined ? { minAgreement: a.minAgreement } : {}),
  });
  if (a.junit) writeFileSync(a.junit, junitXml(report));
  ctx.io.out(a.json ? JSON.stringify({ ...report, ...pipelineJson(s.pipeline, a.pipeline ?? {}) }, null, 2) + '\n' : formatCheckReport(report));
  return report.passed ? EXIT.OK : EXIT.MODEL;
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
