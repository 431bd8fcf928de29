/**
 * @fileoverview Emulation of large batches on all cores: the calling thread and worker threads
 * take chunks of the batch from one shared counter (SharedArrayBuffer + Atomics) and write their
 * outputs straight into shared output arrays; every sample is independent, so the bits are those
 * of the single-threaded run whoever computes a chunk.
 *
 * Why the calling thread works too, and why workers start only when the batch is long: a worker
 * must load the emulator's modules and compile the graph itself (about 0.1-0.2 s of CPU) before its
 * first sample, while the calling thread has its emulator ready. So the calling thread runs the
 * first chunk, estimates the time left from it, and starts workers only when that time exceeds
 * SPAWN_MIN_SECONDS and a core looks idle (idleCore); a worker that has not claimed a chunk when the
 * work runs out is cancelled instead of waited for. With chunks taken dynamically, a late or slow
 * worker just takes fewer.
 *
 * Overflow accounting: each thread counts into its own book; counts are sums and maxima, so merging
 * the workers' books into the calling thread's gives the single-threaded table.
 *
 * Workers need the compiled JavaScript (dist/); from TypeScript sources (tests) `canRunParallel()`
 * is false and the batch runs on the calling thread.
 */

import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { Graph } from '../ir/graph.js';
import type { OverflowReport, VarStats } from './overflow.js';
import type { CompiledEmulator } from './compile.js';
import { runBatch, runInto, type BatchResult } from './index.js';

const workerUrl = new URL('./worker.js', import.meta.url);

/** Workers start only when the calling thread alone would need at least this long for the rest. */
export const SPAWN_MIN_SECONDS = 0.25;

export function canRunParallel(): boolean {
  return workerUrl.protocol === 'file:' && existsSync(fileURLToPath(workerUrl)) && typeof SharedArrayBuffer === 'function';
}

export function defaultWorkers(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/**
 * Whether another core looks free: the 1-minute load average (this thread included) leaves at least
 * half a core idle. On a machine already saturated by other processes a worker only competes with
 * this thread for the same cores: measured on a shared 2-core machine at load 9, two threads took
 * 1.2-1.6x the time of one, even for 2 million jet-tagger samples.
 */
function idleCore(): boolean {
  return os.loadavg()[0]! <= defaultWorkers() - 0.5;
}

/** What a worker is given (structured-cloned; the arrays share memory with the calling thread). */
export interface WorkerJob {
  readonly graph: Graph;
  readonly accounting: boolean;
  readonly n: number;
  readonly chunk: number;
  /** Inputs, IR layout, batch first, on SharedArrayBuffers. */
  readonly data: Float64Array[];
  /** Outputs in emu.outputs order, on SharedArrayBuffers. */
  readonly outputs: Float64Array[];
  /** [next chunk, samples done, then per worker: 0 not started, 1 working, -1 cancelled]. */
  readonly ctrl: Int32Array;
  readonly slot: number;
}

/** A worker's last message. */
export interface WorkerDone {
  readonly samples: number;
  readonly overflow?: Array<[string, Array<[string, VarStats]>]>;
}

export interface ParallelStats {
  /** Threads that ran at least one chunk (the calling one included). */
  readonly threadsUsed: number;
  /** Samples run by the calling thread. */
  readonly mainSamples: number;
}

export interface ParallelOptions {
  /** Threads in all, the calling one included (default: one per core). */
  readonly workers?: number;
  readonly onProgress?: (done: number) => void;
  /** Start workers even for a short batch (tests; also FASTML_PARALLEL_FORCE=1); default: only when it pays (SPAWN_MIN_SECONDS). */
  readonly forceSpawn?: boolean;
}

const shared = (length: number): Float64Array => new Float64Array(new SharedArrayBuffer(length * 8));

/**
 * Runs n samples (IR layout) with `emu` on the calling thread and, when the batch is long enough,
 * on worker threads compiling the same graph `g` (with the same accounting as `emu`); resolves with
 * the outputs in sample order and the overflow counts of every thread merged into emu.book.
 */
export async function runParallel(g: Graph, emu: CompiledEmulator, n: number, data: readonly Float64Array[], opts: ParallelOptions = {}): Promise<BatchResult & { parallel: ParallelStats }> {
  if (n === 0) return { ...runBatch(emu, 0, data), parallel: { threadsUsed: 0, mainSamples: 0 } };
  const threads = Math.max(1, Math.min(opts.workers ?? defaultWorkers(), n));
  const can = threads > 1 && canRunParallel();
  const outs = emu.outputs.map((o) => (can ? shared(n * o.size) : new Float64Array(n * o.size)));
  // Chunks: about 128 of them, to balance threads started at different times (at most 8192 samples,
  // so the counter is touched rarely; down to one sample, so that a heavy model's first chunk, which
  // decides whether to start workers, does not take minutes).
  const chunk = Math.max(1, Math.min(8192, Math.ceil(n / 128)));
  const nChunks = Math.ceil(n / chunk);
  const ctrl = new Int32Array(can ? new SharedArrayBuffer(4 * (2 + threads)) : new ArrayBuffer(4 * (2 + threads)));
  const report = (): void => opts.onProgress?.(Atomics.load(ctrl, 1));
  let mainSamples = 0;
  const runChunk = (c: number): void => {
    const s0 = c * chunk;
    const s1 = Math.min(n, s0 + chunk);
    runInto(emu, s0, s1, data, outs);
    Atomics.add(ctrl, 1, s1 - s0);
    mainSamples += s1 - s0;
    report();
  };

  // The first chunk on this thread: its time per sample decides whether workers pay.
  const t0 = performance.now();
  runChunk(Atomics.add(ctrl, 0, 1));
  const perSample = (performance.now() - t0) / 1000 / Math.min(chunk, n);
  const left = (n - Math.min(chunk, n)) * perSample;
  const jobs: Array<Promise<WorkerDone | undefined>> = [];
  const workers: Worker[] = [];
  const cancel: Array<() => void> = [];
  const force = opts.forceSpawn ?? process.env['FASTML_PARALLEL_FORCE'] === '1';
  if (can && nChunks > 1 && (force || (left >= SPAWN_MIN_SECONDS && idleCore()))) {
    const sharedData = data.map((d) => {
      const s = shared(d.length);
      s.set(d);
      return s;
    });
    for (let w = 0; w < threads - 1; w++) {
      const job: WorkerJob = { graph: g, accounting: Boolean(emu.book), n, chunk, data: sharedData, outputs: outs, ctrl, slot: 2 + w };
      const worker = new Worker(workerUrl, { workerData: job });
      workers.push(worker);
      jobs.push(
        new Promise<WorkerDone | undefined>((resolve, reject) => {
          // A cancelled worker has nothing to merge: resolved at once, not when its thread ends.
          cancel.push(() => resolve(undefined));
          worker.on('message', (m: WorkerDone) => resolve(m));
          worker.on('error', reject);
          worker.on('exit', (code) => reject(new Error(`emulator worker exited with code ${code} before reporting`)));
        }),
      );
    }
  }
  for (let c = Atomics.add(ctrl, 0, 1); c < nChunks; c = Atomics.add(ctrl, 0, 1)) runChunk(c);
  // No chunk left: a worker still starting up is cancelled (it checks its slot before its first
  // claim); a working one finishes its chunk and reports.
  workers.forEach((worker, w) => {
    if (Atomics.compareExchange(ctrl, 2 + w, 0, -1) === 0) {
      cancel[w]!();
      void worker.terminate();
    }
  });
  const results = await Promise.all(jobs);
  let threadsUsed = mainSamples > 0 ? 1 : 0;
  for (const r of results) {
    if (!r || r.samples === 0) continue;
    threadsUsed++;
    if (emu.book && r.overflow) emu.book.merge(new Map(r.overflow.map(([l, vs]) => [l, new Map(vs)])) as OverflowReport);
  }
  report();
  // Plain arrays for the callers (writers, transfers) rather than views of shared memory.
  const outputs: Record<string, Float64Array> = {};
  emu.outputs.forEach((o, k) => (outputs[o.name] = can ? outs[k]!.slice() : outs[k]!));
  return { n, outputs, traces: {}, ...(emu.book ? { overflow: emu.book.report } : {}), parallel: { threadsUsed, mainSamples } };
}
