/**
 * @fileoverview The fuzz driver: a pool of worker threads running cases in-process, with the
 * per-case deadline and the memory limit enforced from this (parent) thread. A case that overruns
 * its deadline (a synchronous loop, a wasm hang) is ended by terminating its worker, which V8 can
 * do even inside a loop; a case whose worker heap or process memory goes over the limit likewise.
 * The worker is then replaced and the run goes on.
 */

import { Worker } from 'node:worker_threads';
import type { CaseOutcome, FuzzCase } from './types.js';

export interface RunOptions {
  readonly workers: number;
  readonly deadlineMs: number;
  /** Per-case memory limit: the worker's JS heap, and the process' resident size above its start. */
  readonly memoryMb: number;
  /** Folder the cases run in (one sub-folder per case). */
  readonly root: string;
  readonly onResult: (r: CaseOutcome, c: FuzzCase) => void;
}

const workerUrl = new URL('./worker.js', import.meta.url);

interface Slot {
  worker: Worker;
  current?: FuzzCase;
  timer?: NodeJS.Timeout;
  started: number;
  done?: (r: CaseOutcome) => void;
}

/** Runs every case from `next()` (undefined = no more); resolves when all have an outcome. */
export async function runCases(next: () => FuzzCase | undefined, opts: RunOptions): Promise<void> {
  const baseRss = process.memoryUsage.rss();
  const slots: Slot[] = [];

  const spawn = (): Worker =>
    new Worker(workerUrl, {
      workerData: { root: opts.root },
      resourceLimits: { maxOldGenerationSizeMb: opts.memoryMb },
      stdout: true,
      stderr: true,
    });

  const finish = (s: Slot, r: CaseOutcome): void => {
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
    const done = s.done;
    s.done = undefined;
    s.current = undefined;
    done?.(r);
  };

  const kill = (s: Slot, kind: 'hang' | 'memory' | 'crash', reason: string): void => {
    const c = s.current;
    if (!c) return;
    const w = s.worker;
    w.removeAllListeners();
    void w.terminate();
    s.worker = attach(s, spawn());
    finish(s, { id: c.id, family: c.family, exit: 'killed', ms: performance.now() - s.started, kind, reason, stderr: '' });
  };

  const attach = (s: Slot, w: Worker): Worker => {
    // The CLI's own output goes to the case's memory IO; anything a library prints directly is noise here.
    w.stdout.resume();
    w.stderr.resume();
    w.on('message', (r: CaseOutcome) => finish(s, r));
    w.on('error', (e: Error & { code?: string }) => {
      const oom = e.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory|heap/i.test(e.message);
      kill(s, oom ? 'memory' : 'crash', oom ? `over ${opts.memoryMb} MB heap` : `worker died: ${e.message}`);
    });
    w.on('exit', () => {
      if (s.worker === w && s.current) kill(s, 'crash', 'worker exited');
    });
    return w;
  };

  const watch = setInterval(() => {
    const over = process.memoryUsage.rss() - baseRss;
    if (over > opts.memoryMb * 1024 * 1024) {
      for (const s of slots) if (s.current) kill(s, 'memory', `process memory ${Math.round(over / 1048576)} MB over the start`);
    }
  }, 50);

  const loop = async (s: Slot): Promise<void> => {
    for (let c = next(); c; c = next()) {
      const r = await new Promise<CaseOutcome>((resolve) => {
        s.current = c;
        s.done = resolve;
        s.started = performance.now();
        s.timer = setTimeout(() => kill(s, 'hang', `over the ${opts.deadlineMs} ms deadline`), opts.deadlineMs);
        s.worker.postMessage(c);
      });
      opts.onResult(r, c);
    }
  };

  for (let k = 0; k < opts.workers; k++) {
    const s: Slot = { started: 0 } as Slot;
    s.worker = attach(s, spawn());
    slots.push(s);
  }
  try {
    await Promise.all(slots.map(loop));
  } finally {
    clearInterval(watch);
    await Promise.all(slots.map((s) => { s.worker.removeAllListeners(); return s.worker.terminate(); }));
  }
}
