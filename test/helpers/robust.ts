/**
 * @fileoverview Shared helpers of the robustness tests (test/e2e/robustness*.test.ts): the fixture
 * models, a temporary folder per case, the in-process CLI, hostile variants of fixture models
 * (edited ONNX protobufs, edited Keras JSON with renamed weights, zip bombs, numpy-style zip64
 * archives) and the check that an answer is a clean diagnostic.
 */

import { expect } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strFromU8, strToU8, zipSync } from 'fflate';
import { deflateRawSync, constants as zlibConstants } from 'node:zlib';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { onnx } from '../../src/frontends/onnx/proto.js';
import { encodeNpy } from '../../src/io/npy.js';
import { dataDir } from './data.js';

export const models = path.join(dataDir, 'models');
export const jetOnnx = path.join(models, 'jet_mlp_3layer/three_layer_keras.onnx');
export const jetJson = path.join(models, 'jet_mlp_3layer/KERAS_3layer.json');
export const jetWeights = path.join(models, 'jet_mlp_3layer/KERAS_3layer_weights.h5');
export const qkerasV3 = path.join(models, 'qkeras_jet_mlp_3layer/qkeras-v3_3layer.keras');

export function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'fml-robust-'));
}

export async function cli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIO(cwd);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

/** The answer must be a diagnostic: no internal error, no JavaScript error text. */
export function expectClean(r: { code: number; err: string }, code: number, pattern: RegExp): void {
  expect(r.err).not.toMatch(/internal error|Cannot read propert|Invalid typed array|Maximum call stack|\bundefined\b/);
  expect(r.err).toMatch(pattern);
  expect(r.code).toBe(code);
}

export function editOnnx(src: string, edit: (m: any) => void): Uint8Array {
  const m = onnx.ModelProto.decode(readFileSync(src)) as any;
  edit(m);
  return onnx.ModelProto.encode(m).finish();
}

/** The jet tagger's architecture JSON, edited, with its weights beside it. */
export function kerasCase(dir: string, edit: (cfg: any) => void, json = jetJson, weights = jetWeights): string {
  const cfg = JSON.parse(readFileSync(json, 'utf8'));
  edit(cfg);
  writeFileSync(path.join(dir, 'm.json'), JSON.stringify(cfg));
  copyFileSync(weights, path.join(dir, 'm_weights.h5'));
  return 'm.json';
}

/**
 * A Keras JSON model (the jet tagger by default) with layers renamed in the architecture and in the
 * weights file, and optionally its weights changed (`data(name, values)`).
 */
export async function kerasRenamed(
  dir: string,
  rename: Record<string, string>,
  data: (name: string, v: Float32Array) => Float32Array = (_, v) => v,
  json = jetJson,
  weightsFile = jetWeights,
): Promise<string> {
  const m = kerasCase(dir, (cfg) => {
    let text = JSON.stringify(cfg);
    for (const [from, to] of Object.entries(rename)) text = text.split(JSON.stringify(from)).join(JSON.stringify(to));
    Object.assign(cfg, JSON.parse(text));
  }, json, weightsFile);
  const { default: h5wasm } = await import('h5wasm/node');
  await h5wasm.ready;
  const f = new h5wasm.File(path.join(dir, 'm_weights.h5'), 'w');
  const src = new h5wasm.File(weightsFile, 'r');
  const old = src.attrs['layer_names']!.value as string[];
  const names = old.map((n) => rename[n] ?? n);
  f.create_attribute('layer_names', names);
  old.forEach((o, k) => {
    const nu = names[k]!;
    const g = f.create_group(nu);
    const sg = src.get(o) as any;
    const wnOld = sg.attrs['weight_names'].value as string[];
    const wn = wnOld.map((w) => w.replace(o + '/', nu + '/'));
    g.create_attribute('weight_names', wn);
    wnOld.forEach((w, j) => {
      const ds = sg.get(w);
      const sub: any = g.get(nu) ?? g.create_group(nu);
      sub.create_dataset({ name: wn[j]!.split('/').pop(), data: data(w, Float32Array.from(ds.value as ArrayLike<number>)), shape: ds.shape, dtype: '<f' });
    });
  });
  f.close();
  src.close();
  return m;
}

export function jetInput(dir: string, n = 4): string {
  const data = new Float64Array(n * 16).map((_, k) => Math.sin(k));
  writeFileSync(path.join(dir, 'x.npy'), encodeNpy({ shape: [n, 16], data }));
  return 'x.npy';
}

/** A zip whose one deflated member inflates to `size` zeros (a multiple of 1 MiB), declaring `declared`. */
export function zipBomb(name: string, size: number, declared: number, others: Record<string, Uint8Array> = {}): Uint8Array {
  // One byte-aligned deflate block of 1 MiB of zeros, repeated, then an empty final block: the
  // stream is made in milliseconds instead of compressing a gigabyte.
  const block = deflateRawSync(new Uint8Array(1 << 20), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const deflated = Buffer.concat([...Array(size >> 20).fill(block), Buffer.from([3, 0])]);
  // Built from a real archive: the member is added with zipSync, then its data and sizes are replaced.
  const placeholder = new Uint8Array(deflated.length).map((_, k) => (k * 7919) & 0xff);
  const z = zipSync({ ...others, [name]: [placeholder, { level: 0 }] });
  const dv = new DataView(z.buffer);
  const at = Buffer.from(z).indexOf(Buffer.from(placeholder.subarray(0, 64)));
  z.set(deflated, at);
  for (let p = 0; p + 4 <= z.length; p++) {
    const sig = dv.getUint32(p, true);
    if (sig === 0x04034b50 || sig === 0x02014b50) {
      const central = sig === 0x02014b50;
      const nlen = dv.getUint16(p + (central ? 28 : 26), true);
      const nm = strFromU8(z.subarray(p + (central ? 46 : 30), p + (central ? 46 : 30) + nlen));
      if (nm !== name) continue;
      dv.setUint16(p + (central ? 10 : 8), 8, true);
      dv.setUint32(p + (central ? 24 : 22), declared, true);
    }
  }
  return z;
}

/**
 * One stored member laid out as numpy.savez writes it (Python's zipfile with force_zip64=True): the
 * local header says 0xFFFFFFFF for both sizes and carries a zip64 extra field with the real ones,
 * the central directory gives the real sizes.
 */
export function zip64Member(name: string, data: Uint8Array): Uint8Array {
  const nm = strToU8(name);
  const local = new Uint8Array(30 + nm.length + 20);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(4, 45, true);
  lv.setUint32(18, 0xffffffff, true);
  lv.setUint32(22, 0xffffffff, true);
  lv.setUint16(26, nm.length, true);
  lv.setUint16(28, 20, true);
  local.set(nm, 30);
  lv.setUint16(30 + nm.length, 1, true);
  lv.setUint16(32 + nm.length, 16, true);
  lv.setBigUint64(34 + nm.length, BigInt(data.length), true);
  lv.setBigUint64(42 + nm.length, BigInt(data.length), true);
  const central = new Uint8Array(46 + nm.length);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(4, 45, true);
  cv.setUint16(6, 45, true);
  cv.setUint32(20, data.length, true);
  cv.setUint32(24, data.length, true);
  cv.setUint16(28, nm.length, true);
  central.set(nm, 46);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true);
  ev.setUint16(10, 1, true);
  ev.setUint32(12, central.length, true);
  ev.setUint32(16, local.length + data.length, true);
  return new Uint8Array(Buffer.concat([local, data, central, end]));
}
