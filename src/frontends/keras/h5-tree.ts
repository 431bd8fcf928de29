/**
 * @fileoverview Reading an HDF5 file into a plain tree (groups, attributes, datasets) in a worker
 * thread, with a deadline.
 *
 * Why a worker: the HDF5 C library (h5wasm) runs synchronously, and some corrupt files make it loop
 * forever; nothing in the calling thread could time that out. The worker is stopped when it
 * overruns LIMITS.hdf5DeadlineMs, and the user gets a diagnostic instead of a hung command.
 * Why h5wasm's in-memory build: the file's bytes are written to the worker's own in-memory file
 * system, so no scratch file is ever created on disk (a killed run leaves nothing behind).
 * Why the walk is bounded: a hard link from a group to one of its ancestors makes the group graph
 * cyclic; the walk stops at LIMITS.maxHdf5Depth levels and LIMITS.maxHdf5Objects objects, and a
 * dataset larger than LIMITS.maxTensorElements is described, not read.
 *
 * The worker's code is a module given as a data: URL so that it runs the same from the compiled
 * JavaScript and from the TypeScript sources the tests import; it imports h5wasm from the file
 * URL resolved here. One worker is kept for the process (unreferenced while idle so it never
 * keeps a command alive) and replaced after a deadline.
 */

import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LIMITS } from '../../diagnostics/limits.js';

export interface H5Dataset {
  readonly shape: number[];
  readonly dtype: string;
  /** The values (float32/float64 kept, other numeric types as float64); absent if not numeric or too large. */
  readonly data?: Float32Array | Float64Array;
  /** Set when the dataset has more elements than LIMITS.maxTensorElements (data not read). */
  readonly tooLarge?: boolean;
}

export interface H5Group {
  readonly attrs: Map<string, unknown>;
  readonly groups: Map<string, H5Group>;
  readonly datasets: Map<string, H5Dataset>;
}

export type H5TreeResult =
  | { readonly ok: true; readonly root: H5Group }
  | { readonly ok: false; readonly reason: string; readonly limit?: 'maxHdf5Depth' | 'maxHdf5Objects' | 'hdf5DeadlineMs' };

const WORKER_SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
const h5wasm = (await import(workerData.url)).default;
const Module = await h5wasm.ready;
// Errors become exceptions instead of HDF5's error stack on stderr.
Module.activate_throwing_error_handler();
let n = 0;
class Limit extends Error {}
function attrsOf(node) {
  const out = new Map();
  let names = [];
  try { names = Object.keys(node.attrs ?? {}); } catch { return out; }
  for (const k of names) {
    try { out.set(k, node.attrs[k].value); } catch { /* unreadable attribute: left out */ }
  }
  return out;
}
function datasetOf(ds, maxElements) {
  let shape = [];
  try { shape = (ds.shape ?? []).map(Number); } catch { return { shape: [], dtype: 'unreadable' }; }
  const dtype = String(ds.dtype);
  const n = shape.reduce((a, b) => a * b, 1);
  if (!Number.isFinite(n) || n > maxElements) return { shape, dtype, tooLarge: true };
  const v = ds.value;
  let data;
  if (v instanceof Float32Array || v instanceof Float64Array) data = v.slice();
  else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) data = Float64Array.from(v, Number);
  else if (typeof v === 'number' || typeof v === 'bigint') data = Float64Array.of(Number(v));
  else if (Array.isArray(v) && v.flat(Infinity).every((x) => typeof x === 'number')) data = Float64Array.from(v.flat(Infinity));
  return data ? { shape, dtype, data } : { shape, dtype };
}
parentPort.on('message', ({ id, bytes, limits, spin }) => {
  // Tests: loop synchronously, as the HDF5 library does on some corrupt files.
  if (spin) for (;;) {}
  const name = '/in_' + (++n) + '.h5';
  let f;
  let count = 0;
  const walk = (g, depth) => {
    if (depth > limits.depth) throw new Limit('maxHdf5Depth');
    const out = { attrs: attrsOf(g), groups: new Map(), datasets: new Map() };
    for (const k of g.keys()) {
      if (++count > limits.objects) throw new Limit('maxHdf5Objects');
      // Optimizer state is not part of the model.
      if (depth === 0 && k === 'optimizer_weights') continue;
      const c = g.get(k);
      if (c instanceof h5wasm.Group) out.groups.set(k, walk(c, depth + 1));
      else if (c instanceof h5wasm.Dataset) out.datasets.set(k, datasetOf(c, limits.elements));
    }
    return out;
  };
  try {
    Module.FS.writeFile(name, bytes);
    f = new h5wasm.File(name, 'r');
    parentPort.postMessage({ id, ok: true, root: walk(f, 0) });
  } catch (e) {
    if (e instanceof Limit) parentPort.postMessage({ id, ok: false, limit: e.message, reason: e.message });
    else parentPort.postMessage({ id, ok: false, reason: String(e?.message ?? e) });
  } finally {
    try { f?.close(); } catch {}
    try { Module.FS.unlink(name); } catch {}
  }
});
parentPort.postMessage({ ready: true });
`;

/** h5wasm's in-memory (browser) build, found the way Node resolves packages from this file. */
function h5wasmUrl(): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths('h5wasm') ?? []) {
    const f = path.join(dir, 'h5wasm', 'dist', 'esm', 'hdf5_hl.js');
    if (existsSync(f)) return pathToFileURL(f).href;
  }
  throw new Error('the h5wasm package is not installed (npm install)');
}

interface Pending {
  resolve(r: H5TreeResult): void;
}

let current: { worker: Worker; ready: Promise<void>; pending: Map<number, Pending> } | undefined;
let nextId = 0;

function startWorker(): NonNullable<typeof current> {
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`), { workerData: { url: h5wasmUrl() } });
  const pending = new Map<number, Pending>();
  let markReady!: () => void;
  let failReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    markReady = res;
    failReady = rej;
  });
  worker.on('message', (m: { ready?: boolean; id?: number } & Record<string, unknown>) => {
    if (m.ready) return markReady();
    const p = pending.get(m.id!);
    pending.delete(m.id!);
    if (pending.size === 0) worker.unref();
    p?.resolve(m as unknown as H5TreeResult);
  });
  const died = (why: string) => {
    failReady(new Error(why));
    for (const p of pending.values()) p.resolve({ ok: false, reason: why });
    pending.clear();
    if (current?.worker === worker) current = undefined;
  };
  worker.on('error', (e: Error) => died(`the HDF5 reader failed: ${e.message}`));
  worker.on('exit', () => died('the HDF5 reader stopped'));
  worker.unref();
  return { worker, ready, pending };
}

/**
 * Reads the whole HDF5 file (bytes) into a plain tree; never hangs longer than the deadline.
 * `simulateHang` (tests only) makes the reader loop synchronously forever, as the HDF5 library
 * does on some corrupt files, so the deadline can be checked without such a file.
 */
export async function readH5Tree(bytes: Uint8Array, deadlineMs: number = LIMITS.hdf5DeadlineMs, simulateHang = false): Promise<H5TreeResult> {
  current ??= startWorker();
  const w = current;
  w.worker.ref();
  try {
    await w.ready;
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const id = ++nextId;
  return new Promise<H5TreeResult>((resolve) => {
    const timer = setTimeout(() => {
      w.pending.delete(id);
      if (current === w) current = undefined;
      w.worker.removeAllListeners();
      void w.worker.terminate();
      for (const p of w.pending.values()) p.resolve({ ok: false, reason: 'the HDF5 reader was stopped' });
      resolve({ ok: false, reason: `reading did not finish within ${deadlineMs / 1000} s`, limit: 'hdf5DeadlineMs' });
    }, deadlineMs);
    w.pending.set(id, {
      resolve: (r) => {
        clearTimeout(timer);
        resolve(r);
      },
    });
    w.worker.postMessage({ id, bytes, limits: { depth: LIMITS.maxHdf5Depth, objects: LIMITS.maxHdf5Objects, elements: LIMITS.maxTensorElements }, ...(simulateHang ? { spin: true } : {}) });
  });
}
