/**
 * @fileoverview The test bench of a compiled project: its input rows and the emulator's outputs for
 * them (tb_data/*.dat), computed in this thread or, for a model large enough to pay for it, in a
 * worker thread while this thread writes the firmware.
 *
 * Why a worker: compile's two large pieces of work are independent once the passes have run. The
 * test bench (compile the emulator, quantize its weights, run the samples) and the project (render
 * the firmware, write every weight as an exact decimal) each take about a third of a 0.5M-parameter
 * compile; on a machine with a second core they overlap. The worker gets the typed graph (structured
 * clone) and the samples, and writes the outputs into shared memory; the project writer asks for them
 * only when it reaches tb_data/tb_output_predictions.dat, after the firmware, and waits there if the
 * worker is not done (Atomics.wait: the writer is synchronous, and so is replacing the folder).
 *
 * The bits cannot differ: the worker runs the same emulator on the same graph and inputs. If the
 * worker fails, or finishes no sample for WAIT_LIMIT_MS (a worker killed by the runtime, e.g. out
 * of memory, cannot say so to a waiting thread), the outputs are computed here instead, which gives
 * the same bits or the same error the in-process run would. FASTML_TESTBENCH_WORKER=0 turns the
 * worker off, =1 uses it whatever the model's size, =fail makes the worker report a failure at once
 * (both for the tests), and FASTML_TESTBENCH_TRACE=1 says on stderr where the outputs came from; the worker needs the compiled
 * JavaScript (dist/), so from TypeScript sources the test bench always runs in this thread.
 */

import os from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Graph } from '../ir/graph.js';
import { numel } from '../ir/graph.js';

/** Multiply-accumulates of the whole test bench from which the worker pays for its start (~40 ms of the other core). */
export const WORKER_MIN_MACS = 4_000_000;
/**
 * Parameters up to which the worker is used: it holds its own copy of the weights and of the
 * emulator's kernels while this thread writes, so above this the test bench runs here (peak
 * memory of a 10M-parameter compile stays what it was).
 */
export const WORKER_MAX_PARAMS = 3_000_000;
/** How long the writer waits for the worker's next sample before computing the outputs itself. */
const WAIT_LIMIT_MS = 120_000;

const RUNNING = 0;
const DONE = 1;
const FAILED = 2;

/** What the worker is given (structured-cloned; the arrays share memory with this thread). */
export interface TestBenchJob {
  readonly graph: Graph;
  readonly n: number;
  readonly wasm: boolean;
  /** Inputs, IR layout, batch first (SharedArrayBuffer). */
  readonly data: readonly Float64Array[];
  /** Outputs in g.outputs order, n * size each (SharedArrayBuffer). */
  readonly outputs: readonly Float64Array[];
  /** [0]: RUNNING, DONE or FAILED; [1]: samples done (the writer waits as long as it moves). */
  readonly ctrl: Int32Array;
}

export interface TestBench {
  /** One row per sample: every input's values (IR layout), inputs concatenated. */
  readonly inputs: number[][];
  /** One row per sample: every output's values. Waits for the worker when there is one. */
  outputs(): number[][];
  /** Whether a worker computes the outputs (for the tests). */
  readonly inWorker: boolean;
}

type Emulator = typeof import('../emulator/index.js');

const workerUrl = new URL('./testbench-worker.js', import.meta.url);

function workerAvailable(): boolean {
  return workerUrl.protocol === 'file:' && existsSync(fileURLToPath(workerUrl)) && typeof SharedArrayBuffer === 'function';
}

const cores = (): number => (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);

/** Multiply-accumulates per sample, roughly: each kernel weight once per output pixel. */
export function macsPerSample(g: Graph): number {
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

export function paramCount(g: Graph): number {
  let n = 0;
  for (const l of g.layers) for (const w of Object.values(l.weights)) n += w.data.length;
  return n;
}

/**
 * Whether a test bench of n samples of g pays for a worker: an idle second core, enough work to
 * cover the worker's start, few enough parameters for a second copy of them.
 */
export function workerPays(g: Graph, n: number, cpus = cores(), load = os.loadavg()[0]!): boolean {
  return idleCore(cpus, load) && n * macsPerSample(g) >= WORKER_MIN_MACS && paramCount(g) <= WORKER_MAX_PARAMS;
}

/**
 * Whether a second core is there and looks free (the 1-minute load average leaves at least half a
 * core idle, as for the emulator's workers): on a machine already busy the worker only takes CPU
 * from this thread (measured on a shared 2-core machine at load 4: every phase of the compile
 * slowed down while it ran, and the whole took longer than without it).
 */
function idleCore(cpus: number, load: number): boolean {
  return cpus >= 2 && load <= cpus - 0.5;
}

/** Whether this test bench goes to a worker (FASTML_TESTBENCH_WORKER overrides the size rule). */
function useWorker(g: Graph, n: number): boolean {
  const env = process.env['FASTML_TESTBENCH_WORKER'];
  if (env === '0' || !workerAvailable()) return false;
  if (env === '1' || env === 'fail') return true;
  return workerPays(g, n);
}

function inputRows(g: Graph, n: number, data: readonly Float64Array[]): number[][] {
  const sizes = g.inputs.map((name) => numel(g.tensors.get(name)!.shape));
  const rows: number[][] = [];
  for (let s = 0; s < n; s++) {
    const row: number[] = [];
    sizes.forEach((size, k) => {
      const d = data[k]!;
      for (let i = s * size; i < (s + 1) * size; i++) row.push(d[i]!);
    });
    rows.push(row);
  }
  return rows;
}

function outputRows(n: number, sizes: readonly number[], outs: readonly Float64Array[]): number[][] {
  const rows: number[][] = [];
  for (let s = 0; s < n; s++) {
    const row: number[] = [];
    sizes.forEach((size, k) => {
      const y = outs[k]!;
      for (let i = s * size; i < (s + 1) * size; i++) row.push(y[i]!);
    });
    rows.push(row);
  }
  return rows;
}

/**
 * The emulator over the test-bench samples in this thread. The WebAssembly kernels pay off from
 * about a million multiply-accumulates; below that (the jet tagger's 32 samples: 0.14M) assembling
 * and compiling them costs more than the run.
 */
function runHere(emulator: Emulator, g: Graph, n: number, data: readonly Float64Array[], wasm: boolean): number[][] {
  const emu = emulator.compileEmulator(g, { wasm });
  const out = emulator.runBatch(emu, n, data);
  return outputRows(
    n,
    emu.outputs.map((o) => o.size),
    emu.outputs.map((o) => out.outputs[o.name]!),
  );
}

const WASM_MIN_MACS = 1_000_000;

/** A model file (with its weights file) from this size up gets its worker before it is read. */
export const EARLY_MIN_BYTES = 512 * 1024;

/** The worker started by preStartTestBench, waiting for its job. */
let early: Worker | undefined;

function spawn(): Worker {
  const w = new Worker(workerUrl);
  // The process does not wait for it: once the outputs are in, or the command has failed, it is not needed.
  w.unref();
  return w;
}

/**
 * Starts the test bench's worker before the model is read, when the model's files are large
 * enough that it will probably be used (modelBytes: their size): its start and the loading of
 * the emulator's modules (~40-60 ms) then overlap the reading and the passes. startTestBench uses
 * it, or stops it if the test bench stays in this thread.
 */
export function preStartTestBench(modelBytes: number): void {
  const env = process.env['FASTML_TESTBENCH_WORKER'];
  if (early || env === '0' || !workerAvailable()) return;
  if (env !== '1' && env !== 'fail' && (!idleCore(cores(), os.loadavg()[0]!) || modelBytes < EARLY_MIN_BYTES)) return;
  try {
    early = spawn();
    // An error before its job arrives: the job goes to a new worker instead.
    early.on('error', () => {
      early = undefined;
    });
  } catch {
    early = undefined;
  }
}

/**
 * Starts the test bench of `g` on n samples (IR layout, batch first). With a worker, the outputs
 * are being computed when this returns; without, they are computed here before it returns (the
 * emulator's kernels are garbage once it has).
 */
export function startTestBench(g: Graph, n: number, data: readonly Float64Array[], emulator: Emulator): TestBench {
  const inputs = inputRows(g, n, data);
  const wasm = n * macsPerSample(g) >= WASM_MIN_MACS;
  if (!useWorker(g, n)) {
    void early?.terminate();
    early = undefined;
    const rows = runHere(emulator, g, n, data, wasm);
    return { inputs, outputs: () => rows, inWorker: false };
  }
  const sharedCopy = (a: ArrayLike<number>, length = a.length): Float64Array => {
    const s = new Float64Array(new SharedArrayBuffer(8 * length));
    s.set(a as ArrayLike<number>);
    return s;
  };
  const sizes = g.outputs.map((name) => numel(g.tensors.get(name)!.shape));
  const outputs = sizes.map((size) => new Float64Array(new SharedArrayBuffer(8 * n * size)));
  const ctrl = new Int32Array(new SharedArrayBuffer(8));
  const job: TestBenchJob = { graph: g, n, wasm, data: data.map((d) => sharedCopy(d)), outputs, ctrl };
  let worker = early;
  early = undefined;
  try {
    worker ??= spawn();
    // Its failure is read from ctrl (the worker stores FAILED before it ends); an error before
    // that, e.g. while loading its modules, is stored here, or the writer's wait gives up.
    worker.on('error', () => Atomics.store(ctrl, 0, FAILED));
    worker.postMessage(job);
  } catch {
    Atomics.store(ctrl, 0, FAILED);
  }
  let rows: number[][] | undefined;
  return {
    inputs,
    inWorker: true,
    outputs: () => {
      if (rows) return rows;
      let t0 = performance.now();
      let done = Atomics.load(ctrl, 1);
      while (Atomics.load(ctrl, 0) === RUNNING && performance.now() - t0 < WAIT_LIMIT_MS) {
        Atomics.wait(ctrl, 0, RUNNING, 1000);
        const d = Atomics.load(ctrl, 1);
        if (d !== done) [done, t0] = [d, performance.now()];
      }
      const ok = Atomics.load(ctrl, 0) === DONE;
      if (ok) rows = outputRows(n, sizes, outputs);
      else {
        void worker?.terminate();
        rows = runHere(emulator, g, n, data, wasm);
      }
      if (process.env['FASTML_TESTBENCH_TRACE'] === '1') process.stderr.write(`fastml: test bench ${ok ? 'computed in a worker thread' : 'worker failed: computed in this thread'}\n`);
      return rows;
    },
  };
}

export const TESTBENCH_STATUS = { RUNNING, DONE, FAILED } as const;
