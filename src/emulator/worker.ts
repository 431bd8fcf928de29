/**
 * @fileoverview worker_threads entry for parallel emulation: compiles the emulator from the graph
 * it is given (structured-cloned) and runs its slice of the batch. Outputs go back as transferred
 * buffers; overflow counts as plain objects to merge.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { Graph } from '../ir/graph.js';
import { compileEmulator } from './compile.js';
import { runBatch } from './index.js';

interface Job {
  graph: Graph;
  n: number;
  data: Float64Array[];
  accounting: boolean;
}

const job = workerData as Job;
const emu = compileEmulator(job.graph, { accounting: job.accounting });
const res = runBatch(emu, job.n, job.data, {
  progressEvery: 2000,
  onProgress: (k) => parentPort!.postMessage({ progress: k }),
});
const outs = Object.values(res.outputs);
parentPort!.postMessage(
  { outputs: res.outputs, overflow: res.overflow ? [...res.overflow].map(([l, m]) => [l, [...m]]) : undefined },
  outs.map((o) => o.buffer as ArrayBuffer),
);
