/**
 * @fileoverview worker_threads entry of the test bench (testbench.ts). Started before its job is
 * known (while the command reads the model), it loads the emulator at once, then takes one job
 * from its port: compiles the emulator from the graph, runs the samples one after the other into
 * the shared output arrays (counting them in ctrl[1], so the waiting writer sees progress), then
 * stores DONE, or FAILED if anything threw (the writer then computes the outputs itself, and
 * meets the same error there).
 */

import { parentPort } from 'node:worker_threads';
import type { TestBenchJob } from './testbench.js';

const DONE = 1;
const FAILED = 2;

// Loading starts now; a failure shows when the job awaits it.
const emulator = import('../emulator/index.js');
emulator.catch(() => undefined);

parentPort!.once('message', (job: TestBenchJob) => {
  void run(job);
});

async function run(job: TestBenchJob): Promise<void> {
  let status = FAILED;
  try {
    // The tests' way to see the fallback (testbench.ts): report a failure without running.
    if (process.env['FASTML_TESTBENCH_WORKER'] === 'fail') throw new Error('FASTML_TESTBENCH_WORKER=fail');
    const { compileEmulator, runInto } = await emulator;
    const emu = compileEmulator(job.graph, { wasm: job.wasm });
    const ok = emu.outputs.length === job.outputs.length && emu.outputs.every((o, k) => o.size * job.n === job.outputs[k]!.length);
    if (ok) {
      for (let s = 0; s < job.n; s++) {
        runInto(emu, s, s + 1, job.data, job.outputs);
        Atomics.store(job.ctrl, 1, s + 1);
      }
      status = DONE;
    }
  } catch {
    status = FAILED;
  } finally {
    Atomics.store(job.ctrl, 0, status);
    Atomics.notify(job.ctrl, 0);
    // One job per worker: let it end (its port would keep it alive).
    parentPort!.close();
  }
}
