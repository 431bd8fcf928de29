/**
 * @fileoverview The emulator's public API: run a typed graph over a batch, bit for bit as the
 * generated firmware would, with optional per-layer traces and overflow accounting.
 *
 * Inputs are batch-first arrays in the model's own layout (channels-first models are transposed
 * with Graph.inputLayouts); outputs are batch-first in the IR's channels-last layout, which is
 * also hls4ml's (y.npy of the reference cases is flattened channels-last).
 */

import type { Graph } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { DiagnosticError, diag, EXIT } from '../diagnostics/diagnostic.js';
import { toIrLayout } from './float.js';
import { compileEmulator } from './compile.js';
import type { CompiledEmulator, EmulatorOptions } from './compile.js';
import type { OverflowReport } from './overflow.js';

export { compileEmulator } from './compile.js';
export type { CompiledEmulator, EmulatorOptions } from './compile.js';
export { OverflowBook, formatOverflowTable, overflowRows } from './overflow.js';
export type { OverflowReport, OverflowRow, VarStats } from './overflow.js';

export interface BatchOptions extends EmulatorOptions {
  /** Record these layers' outputs (all layers with `true`). */
  readonly trace?: boolean | readonly string[];
  /** Called every `progressEvery` samples with the number done. */
  readonly onProgress?: (done: number) => void;
  readonly progressEvery?: number;
}

export interface BatchResult {
  readonly n: number;
  /** By output tensor name: n * size values, sample-major. */
  readonly outputs: Record<string, Float64Array>;
  /** By layer name: n * size values (channels-last per sample). */
  readonly traces: Record<string, { shape: readonly number[]; data: Float64Array }>;
  readonly overflow?: OverflowReport;
}

/** Batch inputs (model layout) per graph input name -> IR layout, with size checks. */
export function prepareInputs(g: Graph, inputs: Record<string, { data: Float64Array; n: number }>): { n: number; data: Float64Array[] } {
  let n = -1;
  const data: Float64Array[] = [];
  for (const name of g.inputs) {
    const x = inputs[name];
    if (!x) throw new DiagnosticError([diag('FML5003', `no data for model input "${name}"`)], EXIT.USAGE);
    const size = numel(g.tensors.get(name)!.shape);
    if (x.data.length !== x.n * size)
      throw new DiagnosticError([diag('FML5003', `input "${name}": ${x.data.length} values is not a whole number of samples of ${size}`)], EXIT.USAGE);
    if (n !== -1 && x.n !== n) throw new DiagnosticError([diag('FML5003', `inputs have different sample counts (${n} vs ${x.n})`)], EXIT.USAGE);
    n = x.n;
    data.push(toIrLayout(g, name, x.data));
  }
  return { n: Math.max(n, 0), data };
}

/** Runs a compiled emulator over n samples given in IR layout. */
export function runBatch(emu: CompiledEmulator, n: number, data: readonly Float64Array[], opts: BatchOptions = {}): BatchResult {
  const outputs: Record<string, Float64Array> = {};
  for (const o of emu.outputs) outputs[o.name] = new Float64Array(n * o.size);
  const traceSet = opts.trace === true ? new Set(emu.layers.map((l) => l.name)) : new Set(opts.trace || []);
  const traced = emu.layers.filter((l) => traceSet.has(l.name));
  const traces: BatchResult['traces'] = {};
  for (const l of traced) traces[l.name] = { shape: l.shape, data: new Float64Array(n * numel(l.shape)) };
  const every = opts.progressEvery ?? 1000;
  const outArrays = emu.outputs.map((o) => outputs[o.name]!);
  if (traced.length === 0) {
    // No traces: in blocks of `every` samples between progress calls.
    for (let s = 0; s < n; s += every) {
      const e = Math.min(n, s + every);
      runInto(emu, s, e, data, outArrays);
      if (opts.onProgress && e % every === 0) opts.onProgress(e);
    }
    opts.onProgress?.(n);
    return { n, outputs, traces, ...(emu.book ? { overflow: emu.book.report } : {}) };
  }
  for (let s = 0; s < n; s++) {
    runInto(emu, s, s + 1, data, outArrays);
    for (const l of traced) {
      const t = traces[l.name]!;
      const size = t.data.length / Math.max(n, 1);
      t.data.set(emu.buffer(l.tensor).subarray(0, size), s * size);
    }
    if (opts.onProgress && (s + 1) % every === 0) opts.onProgress(s + 1);
  }
  opts.onProgress?.(n);
  return { n, outputs, traces, ...(emu.book ? { overflow: emu.book.report } : {}) };
}

/**
 * Runs samples [s0, s1) of batch-first inputs (IR layout) into batch-first outputs (in the order of
 * emu.outputs): the loop of runBatch, also run by worker threads on their chunks (parallel.ts).
 */
export function runInto(emu: CompiledEmulator, s0: number, s1: number, data: readonly Float64Array[], outputs: readonly Float64Array[]): void {
  const outSizes = emu.outputs.map((o) => o.size);
  const nOut = outputs.length;
  for (let s = s0; s < s1; s++) {
    const outs = emu.runSampleAt(data, s);
    for (let k = 0; k < nOut; k++) {
      // Small outputs by element: a typed-array set() per sample costs more than a few values.
      const src = outs[k]!;
      const dst = outputs[k]!;
      const o = s * outSizes[k]!;
      if (src.length > 64) dst.set(src, o);
      else for (let i = 0; i < src.length; i++) dst[o + i] = src[i]!;
    }
  }
}

/** Compiles and runs in one call. Inputs batch-first in the model's own layout. */
export function emulate(g: Graph, inputs: Record<string, { data: Float64Array; n: number }>, opts: BatchOptions = {}): BatchResult {
  const emu = compileEmulator(g, opts);
  const { n, data } = prepareInputs(g, inputs);
  return runBatch(emu, n, data, opts);
}
