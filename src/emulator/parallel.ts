/**
 * @fileoverview Emulation of large batches on all cores with worker_threads: the batch is split
 * into one contiguous slice per worker, every worker compiles the same graph and runs its slice,
 * and the outputs are stitched back in order (each sample is independent, so the bits are those
 * of the single-threaded run). Workers need the compiled JavaScript (dist/); from TypeScript
 * sources (tests) `canRunParallel()` is false and callers run single-threaded.
 */

import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { Graph } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { OverflowBook } from './overflow.js';
import type { OverflowReport, VarStats } from './overflow.js';
import type { BatchResult } from './index.js';

const workerUrl = new URL('./worker.js', import.meta.url);

export function canRunParallel(): boolean {
  return workerUrl.protocol === 'file:' && existsSync(fileURLToPath(workerUrl));
}

export function defaultWorkers(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/** Runs n samples (IR layout) on `workers` threads; resolves with outputs in sample order. */
export async function runParallel(
  g: Graph,
  n: number,
  data: readonly Float64Array[],
  opts: { workers?: number; accounting?: boolean; onProgress?: (done: number) => void } = {},
): Promise<BatchResult> {
  const workers = Math.max(1, Math.min(opts.workers ?? defaultWorkers(), n));
  const inSizes = g.inputs.map((i) => numel(g.tensors.get(i)!.shape));
  const outSizes = g.outputs.map((o) => numel(g.tensors.get(o)!.shape));
  const outputs: Record<string, Float64Array> = {};
  g.outputs.forEach((o, k) => (outputs[o] = new Float64Array(n * outSizes[k]!)));
  const done = new Array<number>(workers).fill(0);
  const book = opts.accounting ? new OverflowBook() : undefined;
  const jobs: Promise<void>[] = [];
  for (let w = 0; w < workers; w++) {
    const s0 = Math.floor((n * w) / workers);
    const s1 = Math.floor((n * (w + 1)) / workers);
    const slice = data.map((d, k) => d.slice(s0 * inSizes[k]!, s1 * inSizes[k]!));
    jobs.push(
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(workerUrl, { workerData: { graph: g, n: s1 - s0, data: slice, accounting: Boolean(opts.accounting) }, transferList: slice.map((s) => s.buffer as ArrayBuffer) });
        worker.on('message', (m: { progress?: number; outputs?: Record<string, Float64Array>; overflow?: Array<[string, Array<[string, VarStats]>]> }) => {
          if (m.progress !== undefined) {
            done[w] = m.progress;
            opts.onProgress?.(done.reduce((a, b) => a + b, 0));
            return;
          }
          g.outputs.forEach((o, k) => outputs[o]!.set(m.outputs![o]!, s0 * outSizes[k]!));
          if (book && m.overflow) book.merge(new Map(m.overflow.map(([l, vs]) => [l, new Map(vs)])) as OverflowReport);
          resolve();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (code !== 0) reject(new Error(`emulator worker exited with code ${code}`));
        });
      }),
    );
  }
  await Promise.all(jobs);
  return { n, outputs, traces: {}, ...(book ? { overflow: book.report } : {}) };
}
