/**
 * @fileoverview worker_threads entry for parallel emulation (parallel.ts): compiles the emulator
 * from the graph it is given, then, unless the calling thread cancelled it meanwhile, takes chunks
 * from the shared counter and writes their outputs into the shared output arrays. Its last message
 * says how many samples it ran and carries its overflow counts (plain arrays, to merge).
 */

import { parentPort, workerData } from 'node:worker_threads';
import { compileEmulator } from './compile.js';
import { runInto } from './index.js';
import type { WorkerDone, WorkerJob } from './parallel.js';

const job = workerData as WorkerJob;
const emu = compileEmulator(job.graph, { accounting: job.accounting });
const { ctrl, slot, n, chunk } = job;
let samples = 0;
// 0 -> 1: working. -1: cancelled while compiling (the batch is done); exit without claiming.
if (Atomics.compareExchange(ctrl, slot, 0, 1) === 0) {
  for (;;) {
    const s0 = Atomics.add(ctrl, 0, 1) * chunk;
    if (s0 >= n) break;
    const s1 = Math.min(n, s0 + chunk);
    runInto(emu, s0, s1, job.data, job.outputs);
    Atomics.add(ctrl, 1, s1 - s0);
    samples += s1 - s0;
  }
  const done: WorkerDone = { samples, ...(emu.book ? { overflow: [...emu.book.report].map(([l, m]) => [l, [...m]]) } : {}) };
  parentPort!.postMessage(done);
}
