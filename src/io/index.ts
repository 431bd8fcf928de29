/**
 * @fileoverview Tensors in and out of fastml, by file extension:
 * - `.npy`  one array, batch first (float16/32/64, ints, bool on read; float64 or float32 on write);
 * - `.npz`  several arrays by name (zip of .npy, stored or deflated; read and written with fflate);
 * - `.dat`  hls4ml's text format: one sample per line, values separated by spaces;
 * - `.csv`  one sample per line, comma separated; a non-numeric first line is a header.
 * Text formats carry no shape: the caller gives the per-sample shape, and each line must hold
 * exactly that many values. Doubles are written with the shortest round-trip representation, so
 * text outputs lose no bit either.
 *
 * Codes: FML6001 unreadable / malformed file, FML6002 shape mismatch, FML6003 unknown extension.
 */

import { readUserFile, writeUserFile } from './files.js';
import path from 'node:path';
import { createRequire } from 'node:module';
import { readZip } from './zip.js';

// fflate only for writing .npz, loaded on first use (its module costs ~25 ms of every run otherwise).
type Fflate = typeof import('fflate');
let fflateMod: Fflate | undefined;
const fflate = (): Fflate => (fflateMod ??= createRequire(import.meta.url)('fflate') as Fflate);
import { DiagnosticError, diag, EXIT } from '../diagnostics/diagnostic.js';
import { decodeNpy, encodeNpy } from './npy.js';
import type { NdArray } from './npy.js';

export type { NdArray } from './npy.js';
export { decodeNpy, encodeNpy } from './npy.js';

export type TensorFormat = 'npy' | 'npz' | 'dat' | 'csv';

function bad(code: string, file: string, msg: string, hint?: string, line?: number): never {
  throw new DiagnosticError([diag(code, msg, { file, ...(line !== undefined ? { line } : {}) }, hint)], EXIT.USAGE);
}

export function formatOf(file: string): TensorFormat {
  const ext = path.extname(file).toLowerCase().slice(1);
  if (ext === 'npy' || ext === 'npz' || ext === 'dat' || ext === 'csv') return ext;
  if (ext === 'txt') return 'dat';
  bad('FML6003', file, `unknown tensor file extension "${ext ? '.' + ext : '(none)'}"`, 'use .npy, .npz, .dat (hls4ml text) or .csv');
}

/** Reads every array of a .npz (keys without the .npy suffix, in archive order). */
export function decodeNpz(bytes: Uint8Array, file: string): Map<string, NdArray> {
  const entries = readZip(bytes, file);
  const out = new Map<string, NdArray>();
  for (const [k, v] of Object.entries(entries)) {
    if (!k.endsWith('.npy')) continue;
    out.set(k.slice(0, -4), decodeNpy(v, `${file}:${k}`));
  }
  if (out.size === 0) bad('FML6001', file, 'the .npz holds no arrays');
  return out;
}

export function encodeNpz(arrays: ReadonlyArray<{ name: string; shape: readonly number[]; data: ArrayLike<number> }>, dtype: 'f8' | 'f4' = 'f8'): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const a of arrays) files[`${a.name}.npy`] = encodeNpy(a, dtype);
  return fflate().zipSync(files, { level: 0 });
}

/** Parses text rows (.dat: whitespace, .csv: commas). */
export function parseTextRows(text: string, file: string, csv: boolean, sampleSize?: number): NdArray {
  const lines = text.split(/\r?\n/);
  const values: number[] = [];
  let rows = 0;
  let width = -1;
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = csv ? line.split(',').map((c) => c.trim()) : line.split(/\s+/);
    const nums = cells.map((c) => (c === '' ? NaN : Number(c)));
    if (nums.some((v) => Number.isNaN(v))) {
      if (csv && rows === 0 && values.length === 0) continue; // header line
      const badCell = cells[nums.findIndex((v) => Number.isNaN(v))];
      bad('FML6001', file, `line ${ln + 1}: "${badCell}" is not a number`, undefined, ln + 1);
    }
    if (width === -1) width = nums.length;
    else if (nums.length !== width) bad('FML6002', file, `line ${ln + 1} has ${nums.length} values, earlier lines have ${width}`, undefined, ln + 1);
    if (sampleSize !== undefined && nums.length !== sampleSize)
      bad('FML6002', file, `line ${ln + 1} has ${nums.length} values, the model input takes ${sampleSize} per sample`, 'one sample per line, flattened in the model\'s own layout', ln + 1);
    values.push(...nums);
    rows++;
  }
  if (rows === 0) bad('FML6001', file, 'the file holds no samples');
  return { shape: [rows, width], data: Float64Array.from(values) };
}

/** Shortest text that reads back as the same double. */
export function formatNumber(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

export function encodeTextRows(a: { shape: readonly number[]; data: ArrayLike<number> }, csv: boolean): string {
  const n = a.shape[0] ?? 1;
  const m = n === 0 ? 0 : a.data.length / n;
  const sep = csv ? ',' : ' ';
  const lines: string[] = [];
  for (let r = 0; r < n; r++) {
    const cells: string[] = [];
    for (let i = 0; i < m; i++) cells.push(formatNumber(a.data[r * m + i]!));
    lines.push(cells.join(sep));
  }
  return lines.join('\n') + '\n';
}

export interface ReadOptions {
  /** Per-sample value count, to check text rows and reshape. */
  readonly sampleSize?: number;
}

/** Reads a tensor file: all its arrays by name ('' for single-array formats). */
export function readTensorFile(file: string, opts: ReadOptions = {}): Map<string, NdArray> {
  const bytes = readUserFile(file, 'FML6001');
  const fmt = formatOf(file);
  switch (fmt) {
    case 'npy':
      return new Map([['', decodeNpy(bytes, file)]]);
    case 'npz':
      return decodeNpz(bytes, file);
    case 'dat':
    case 'csv':
      return new Map([['', parseTextRows(new TextDecoder().decode(bytes), file, fmt === 'csv', opts.sampleSize)]]);
  }
}

export interface WriteOptions {
  readonly dtype?: 'f8' | 'f4';
}

/** Writes named arrays (atomically: never half-written); single-array formats take the first (several arrays need .npz). */
export function writeTensorFile(file: string, arrays: ReadonlyArray<{ name: string; shape: readonly number[]; data: ArrayLike<number> }>, opts: WriteOptions = {}): void {
  const fmt = formatOf(file);
  if (arrays.length === 0) bad('FML6002', file, 'there is no output to write');
  if (fmt !== 'npz' && arrays.length > 1) bad('FML6002', file, `the model has ${arrays.length} outputs; a .${fmt} file holds one`, 'write a .npz instead');
  const a = arrays[0]!;
  switch (fmt) {
    case 'npy':
      writeUserFile(file, encodeNpy(a, opts.dtype ?? 'f8'), 'FML6004');
      return;
    case 'npz':
      writeUserFile(file, encodeNpz(arrays, opts.dtype ?? 'f8'), 'FML6004');
      return;
    case 'dat':
    case 'csv':
      writeUserFile(file, encodeTextRows(a, fmt === 'csv'), 'FML6004');
      return;
  }
}
