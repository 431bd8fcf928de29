/**
 * @fileoverview A fuzz worker thread: runs cases in-process through the real CLI entry point
 * (`main(argv, io)`), each in its own folder, and reports how the run ended. The parent thread owns
 * the deadline and the memory watch (a hung or runaway case is ended by terminating this thread),
 * so this side only classifies runs that returned.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../cli/main.js';
import type { CliIO } from '../../cli/io.js';
import type { FuzzCase, CaseOutcome } from './types.js';
import { classifyReturn } from './classify.js';

const root: string = (workerData as { root: string }).root;

// A case that rejects a promise nobody awaits, or throws from a callback, is a crash of that case:
// record it instead of letting it take the worker down silently.
let stray: string | undefined;
process.on('unhandledRejection', (e) => {
  stray ??= `unhandled rejection: ${(e as Error)?.message ?? String(e)}`;
});
process.on('uncaughtException', (e) => {
  stray ??= `uncaught exception: ${(e as Error)?.message ?? String(e)}`;
});

async function runCase(c: FuzzCase): Promise<CaseOutcome> {
  const dir = path.join(root, `case_${c.id}`);
  mkdirSync(dir, { recursive: true });
  for (const d of c.dirs ?? []) mkdirSync(path.join(dir, d), { recursive: true });
  for (const [name, bytes] of Object.entries(c.files)) writeFileSync(path.join(dir, name), bytes);
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    out: (t) => {
      // Keep only the start: a case that prints a lot must not turn into a memory problem here.
      if (stdout.length < 4096) stdout += t.slice(0, 4096);
    },
    err: (t) => {
      if (stderr.length < 8192) stderr += t.slice(0, 8192);
    },
    cwd: dir,
    isTTY: false,
    env: {},
  };
  stray = undefined;
  const t0 = performance.now();
  let exit: number | 'threw';
  let thrown: string | undefined;
  try {
    exit = await main(c.argv, io);
  } catch (e) {
    exit = 'threw';
    thrown = (e as Error)?.stack ?? String(e);
  }
  // Give stray callbacks of this case a turn to fire before the verdict.
  await new Promise((r) => setImmediate(r));
  const ms = performance.now() - t0;
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    /* left for the run's final cleanup */
  }
  const verdict = classifyReturn(exit, stderr, thrown ?? stray);
  return { id: c.id, family: c.family, exit, ms, ...verdict, stderr: stderr.slice(0, 2000) };
}

parentPort!.on('message', (c: FuzzCase) => {
  runCase(c).then(
    (r) => parentPort!.postMessage(r),
    (e) => parentPort!.postMessage({ id: c.id, family: c.family, exit: 'threw', ms: 0, kind: 'crash', reason: `fuzz worker: ${(e as Error)?.message ?? e}`, stderr: '' } satisfies CaseOutcome),
  );
});
