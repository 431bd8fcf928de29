/**
 * @fileoverview A persistent pool of emulator threads for one served model: each worker compiles the
 * model's emulator once, then runs the slices of large batches it is sent. A batch is split into one
 * contiguous slice per worker and stitched back in order; samples are independent, so the bits equal
 * a single-threaded run. Workers need the compiled JavaScript (dist/): from TypeScript sources
 * `available()` is false and the model runs every batch on the main thread.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Graph } from '../ir/graph.js';

const workerUrl = new URL('./worker.js', import.meta.url);

export function poolAvailable(): boolean {
  return workerUrl.protocol === 'file:' && existsSync(fileURLToPath(workerUrl));
}

interface Pending {
  resolve: (o: Float64Array[]) => void;
  reject: (e: Error) => void;
}

export class EmulatorPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(
    graph: Graph,
    readonly size: number,
    private readonly inSizes: readonly number[],
    private readonly outSizes: readonly number[],
  ) {
    for (let w = 0; w < size; w++) {
      const worker = new Worker(workerUrl, { workerData: { graph } });
      worker.on('message', (m: { id: number; outputs?: Float64Array[]; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.outputs!);
      });
      worker.on('error', (e: unknown) => this.failAll(e instanceof Error ? e : new Error(String(e))));
      worker.unref();
      this.workers.push(worker);
    }
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private runOn(w: number, n: number, data: Float64Array[]): Promise<Float64Array[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[w]!.postMessage({ id, n, data }, data.map((d) => d.buffer as ArrayBuffer));
    });
  }

  /** Runs n samples (IR layout, one array per input); outputs in sample order, one array per output. */
  async run(n: number, data: readonly Float64Array[]): Promise<Float64Array[]> {
    if (this.closed) throw new Error('the emulator pool is closed');
    const parts = Math.max(1, Math.min(this.size, n));
    const outs = this.outSizes.map((s) => new Float64Array(n * s));
    await Promise.all(
      Array.from({ length: parts }, async (_, w) => {
        const s0 = Math.floor((n * w) / parts);
        const s1 = Math.floor((n * (w + 1)) / parts);
        const slice = data.map((d, k) => d.slice(s0 * this.inSizes[k]!, s1 * this.inSizes[k]!));
        const res = await this.runOn(w, s1 - s0, slice);
        res.forEach((o, k) => outs[k]!.set(o, s0 * this.outSizes[k]!));
      }),
    );
    return outs;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
