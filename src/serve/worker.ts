/**
 * @fileoverview worker_threads entry of the serving pool (pool.ts): compiles the model's emulator once
 * from the graph it is given, then answers batch slices ({id, n, data}) with their outputs
 * (transferred buffers), for as long as the server runs.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { Graph } from '../ir/graph.js';
import { compileEmulator, runBatch } from '../emulator/index.js';

const emu = compileEmulator((workerData as { graph: Graph }).graph);

parentPort!.on('message', (m: { id: number; n: number; data: Float64Array[] }) => {
  try {
    const res = runBatch(emu, m.n, m.data);
    const outs = emu.outputs.map((o) => res.outputs[o.name]!);
    parentPort!.postMessage({ id: m.id, outputs: outs }, outs.map((o) => o.buffer as ArrayBuffer));
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: (e as Error).message });
  }
});
