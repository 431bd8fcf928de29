/**
 * @fileoverview Tensor files: .npy round trips (float64 / float32), dtypes on read (ints, bool,
 * float16, big endian, Fortran order), .npz, .dat / .csv text with every bit, and clear errors.
 */

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeNpy, encodeNpy } from '../../../src/io/npy.js';
import { decodeNpz, encodeNpz, parseTextRows, encodeTextRows, readTensorFile, writeTensorFile } from '../../../src/io/index.js';
import { DiagnosticError } from '../../../src/diagnostics/diagnostic.js';

function rawNpy(descr: string, shape: number[], body: Uint8Array, fortran = false): Uint8Array {
  let h = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  h += ' '.repeat((64 - ((10 + h.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + h.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i);
  out.set(body, 10 + h.length);
  return out;
}

describe('npy', () => {
  it('round-trips float64 exactly and float32 to float32 precision', () => {
    const data = [0.1, -1e300, 5e-324, Math.PI, -0];
    const a = decodeNpy(encodeNpy({ shape: [5], data }));
    expect(Array.from(a.data)).toEqual(data);
    expect(a.dtype).toBe('<f8');
    const b = decodeNpy(encodeNpy({ shape: [1, 5], data }, 'f4'));
    expect(b.shape).toEqual([1, 5]);
    expect(Array.from(b.data)).toEqual(data.map(Math.fround));
  });
  it('reads ints, bool, float16, big endian and Fortran order', () => {
    expect(Array.from(decodeNpy(rawNpy('<i2', [3], new Uint8Array([1, 0, 0xff, 0xff, 0, 0x80]))).data)).toEqual([1, -1, -32768]);
    expect(Array.from(decodeNpy(rawNpy('|u1', [2], new Uint8Array([7, 255]))).data)).toEqual([7, 255]);
    expect(Array.from(decodeNpy(rawNpy('|b1', [2], new Uint8Array([1, 0]))).data)).toEqual([1, 0]);
    expect(Array.from(decodeNpy(rawNpy('<f2', [2], new Uint8Array([0x00, 0x3c, 0x00, 0xc0]))).data)).toEqual([1, -2]);
    expect(Array.from(decodeNpy(rawNpy('>i4', [1], new Uint8Array([0, 0, 1, 0]))).data)).toEqual([256]);
    // Fortran [2,3] holding column-major 1..6 reads as [[1,3,5],[2,4,6]].
    const f = new Uint8Array(6 * 8);
    const dv = new DataView(f.buffer);
    for (let i = 0; i < 6; i++) dv.setFloat64(i * 8, i + 1, true);
    expect(Array.from(decodeNpy(rawNpy('<f8', [2, 3], f, true)).data)).toEqual([1, 3, 5, 2, 4, 6]);
  });
  it('reads little-endian floats as a view when aligned, by copy when not (same values)', () => {
    const data = [0.1, -1e300, 5e-324, Math.PI, -0, NaN, Infinity];
    for (const dtype of ['f8', 'f4'] as const) {
      const enc = encodeNpy({ shape: [7], data }, dtype);
      const want = dtype === 'f8' ? data : data.map(Math.fround);
      for (let shift = 0; shift < 8; shift++) {
        const buf = new Uint8Array(enc.length + shift);
        buf.set(enc, shift);
        const a = decodeNpy(buf.subarray(shift));
        expect(Array.from(a.data)).toEqual(want);
        // Zero-copy only for aligned float64; never a view that outlives a write into the bytes wrongly.
        expect(a.data.buffer === buf.buffer).toBe(dtype === 'f8' && (shift + enc.length - 7 * 8) % 8 === 0);
      }
    }
    // Fortran order through the fast path.
    const f = new Uint8Array(6 * 8);
    const dv = new DataView(f.buffer);
    for (let i = 0; i < 6; i++) dv.setFloat64(i * 8, i + 1, true);
    expect(Array.from(decodeNpy(rawNpy('<f8', [3, 2], f, true)).data)).toEqual([1, 4, 2, 5, 3, 6]);
  });
  it('rejects garbage and truncation with FML6001', () => {
    expect(() => decodeNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'x.npy')).toThrow(/FML6001.*bad magic/);
    expect(() => decodeNpy(rawNpy('<f8', [4], new Uint8Array(8)), 'x.npy')).toThrow(/truncated/);
    expect(() => decodeNpy(rawNpy('<c16', [1], new Uint8Array(16)), 'x.npy')).toThrow(/unsupported dtype/);
  });
});

describe('npz, dat, csv', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fml-io-'));
  it('npz keeps several named arrays', () => {
    const m = decodeNpz(encodeNpz([{ name: 'a', shape: [2], data: [1, 2] }, { name: 'b', shape: [1, 1], data: [3] }]), 'm.npz');
    expect([...m.keys()]).toEqual(['a', 'b']);
    expect(Array.from(m.get('b')!.data)).toEqual([3]);
  });
  it('text formats round-trip every bit; csv headers are skipped', () => {
    const data = Float64Array.from([0.1, 1 / 3, -2.5e-300, 123456789.123, -0]);
    const back = parseTextRows(encodeTextRows({ shape: [1, 5], data }, false), 'x.dat', false);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    const csv = parseTextRows('a,b\n1,2\n3,4\n', 'x.csv', true);
    expect(csv.shape).toEqual([2, 2]);
    expect(Array.from(csv.data)).toEqual([1, 2, 3, 4]);
  });
  it('text errors name the line', () => {
    expect(() => parseTextRows('1 2\n3 x\n', 'x.dat', false)).toThrow(/line 2: "x" is not a number/);
    expect(() => parseTextRows('1 2\n3\n', 'x.dat', false)).toThrow(/line 2 has 1 values/);
    expect(() => parseTextRows('1 2 3\n', 'x.dat', false, 2)).toThrow(DiagnosticError);
  });
  it('files by extension', () => {
    for (const ext of ['npy', 'npz', 'dat', 'csv']) {
      const f = path.join(dir, `t.${ext}`);
      writeTensorFile(f, [{ name: 'y', shape: [2, 2], data: [1, 2, 3, 0.5] }]);
      const a = [...readTensorFile(f).values()][0]!;
      expect(Array.from(a.data)).toEqual([1, 2, 3, 0.5]);
      expect(a.shape).toEqual([2, 2]);
    }
    writeFileSync(path.join(dir, 't.bin'), '');
    expect(() => readTensorFile(path.join(dir, 't.bin'))).toThrow(/FML6003/);
    expect(() => writeTensorFile(path.join(dir, 'two.npy'), [{ name: 'a', shape: [1], data: [1] }, { name: 'b', shape: [1], data: [1] }])).toThrow(/write a \.npz/);
  });
});
