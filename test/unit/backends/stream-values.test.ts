/**
 * @fileoverview The streamed constant printer (src/backends/cpp-values.ts) and the streaming
 * writer: exactDecimal (toFixed path) equals the BigInt expansion on every kind of double, the
 * chunked initializer equals the one-string form (also through a transposing view and from raw
 * integers), and
 * writeProject writes streamed and hash-derived content with the right bytes and hashes.
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { constSource, cppArrayChunks, cppArrayInit, exactDecimal, exactDecimalBig, textOptions, transposedSource } from '../../../src/backends/cpp-values.js';
import { constDoubles, type RawConst } from '../../../src/emulator/weights.js';
import { takeTextKernel, releaseTextKernel } from '../../../src/backends/cpp-values-wasm.js';
import { transpose2 } from '../../../src/backends/params.js';
import { writeProject } from '../../../src/backends/writer.js';

describe('exactDecimal equals the BigInt expansion', () => {
  it('on fixed-point values of every width and scale (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: -60, max: 120 }), (m, f) => {
        const v = m * 2 ** -f;
        return exactDecimal(v) === exactDecimalBig(v);
      }),
      { numRuns: 20_000 },
    );
  });
  it('on arbitrary doubles, subnormals and huge values (property)', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => exactDecimal(v) === exactDecimalBig(v)), { numRuns: 20_000 });
    for (const v of [5e-324, -5e-324, 2 ** -100, 2 ** -101, 1e21, 1e21 + 2 ** 20, 9.5e20 + 0.5, 2 ** 53 + 2, -0, 0.1, 1 / 3]) expect(exactDecimal(v)).toBe(exactDecimalBig(v));
  });
  it('rejects non-finite values', () => {
    expect(() => exactDecimal(Number.NaN)).toThrow();
    expect(() => exactDecimal(Infinity)).toThrow();
  });
});

describe('cppArrayChunks', () => {
  // Every kind of value: 1..20 fractional bits, integers, large, tiny, negative, zero.
  const vals = Float64Array.from({ length: 70_001 }, (_, k) => {
    const f = k % 23;
    const m = Math.round(Math.sin(k) * 2 ** (5 + (k % 40)));
    return k % 97 === 0 ? 5e-324 * (k % 3) : m / 2 ** f;
  });
  const text = (c: Uint8Array): string => Buffer.from(c).toString('latin1');
  it('joins to exactly cppArrayInit, in pieces of bounded size', () => {
    const pieces = Array.from(cppArrayChunks(vals, 8), text);
    expect(pieces.length).toBeGreaterThan(5);
    for (const p of pieces) expect(p.length).toBeLessThan(70_000);
    // The one-string form written out the old way (every item, then lines).
    const items = Array.from(vals, exactDecimal);
    const lines: string[] = [];
    for (let k = 0; k < items.length; k += 8) lines.push('    ' + items.slice(k, k + 8).join(', '));
    expect(pieces.join('')).toBe(`{\n${lines.join(',\n')}\n}`);
    expect(cppArrayInit(vals, 8)).toBe(pieces.join(''));
    expect(Array.from(cppArrayChunks([], 8), text).join('')).toBe('{}');
    expect(cppArrayInit([1, 2, 3], 16, (v) => String(v * 10))).toBe('{\n    10, 20, 30\n}');
  });
  it('prints every fraction of 15 or fewer bits as exactDecimal does (the fraction table), each value twice', () => {
    // Every y / 2^15, with integer parts of one, two and ten digits and both signs; each value
    // appears twice so the second print reads the table entry the first one made.
    const ips = [0, 7, 42, 2 ** 31 - 1];
    const all = new Float64Array(2 * 2 * ips.length * 32768);
    let n = 0;
    for (const ip of ips)
      for (const sign of [1, -1])
        for (let y = 0; y < 32768; y++) {
          const v = sign * (ip + y / 32768);
          all[n++] = v;
          all[n++] = v;
        }
    expect(n).toBe(all.length);
    const items = Array.from(all, exactDecimal);
    const lines: string[] = [];
    for (let k = 0; k < items.length; k += 8) lines.push('    ' + items.slice(k, k + 8).join(', '));
    expect(cppArrayInit(all, 8)).toBe(`{\n${lines.join(',\n')}\n}`);
    expect(exactDecimal(-(7 + 1 / 32768))).toBe(exactDecimalBig(-(7 + 1 / 32768)));
  });
  it('reads a transposing view in the order of the transposed copy', () => {
    const rows = 37;
    const cols = 29;
    const m = Float64Array.from({ length: rows * cols }, (_, k) => k * 0.25 - 100);
    expect(cppArrayInit(transposedSource(m, rows, cols), 8)).toBe(cppArrayInit(transpose2(m, rows, cols), 8));
  });
  it('reads any block of a transposing view, starting and ending inside a column', () => {
    for (const [rows, cols] of [[37, 29], [512, 10], [3, 700], [1, 5], [6, 1]] as const) {
      const m = Float64Array.from({ length: rows * cols }, (_, k) => k);
      const want = transpose2(m, rows, cols);
      const src = transposedSource(m, rows, cols);
      for (const len of [1, 2, rows - 1, rows, rows + 1, 4096]) {
        for (let start = 0; start < want.length; start += Math.max(1, Math.floor(len / 2) + 3)) {
          const n = Math.max(1, Math.min(len, want.length - start));
          const dst = new Float64Array(n);
          src.read(start, dst);
          expect(Array.from(dst)).toEqual(Array.from(want.subarray(start, start + n)));
        }
      }
    }
  });
  it('prints quantized constants held as raw integers as their doubles, in order and transposed', () => {
    // Raw integers of fixed<16,6> (value raw * 2^-10) and of an 8-bit type with 11 fractional bits.
    for (const [raw, F] of [[Int16Array.from({ length: 70000 }, (_, k) => ((k * 7919) % 65536) - 32768), 10], [Int8Array.from({ length: 999 }, (_, k) => ((k * 31) % 256) - 128), 11]] as const) {
      const q: RawConst = { raw, inv: 2 ** -F, length: raw.length };
      const doubles = constDoubles(q);
      expect(doubles[1]).toBe(raw[1]! * 2 ** -F);
      const rows = raw.length === 999 ? 27 : 7;
      const cols = raw.length / rows;
      for (const wasm of [true, false]) {
        textOptions.wasm = wasm;
        try {
          expect(cppArrayInit(constSource(q), 8)).toBe(cppArrayInit(doubles, 8));
          expect(cppArrayInit(transposedSource(q, rows, cols), 8)).toBe(cppArrayInit(transpose2(doubles, rows, cols), 8));
        } finally {
          textOptions.wasm = true;
        }
      }
    }
    // Doubles pass through as they are.
    const d = Float64Array.of(0.5, -0.25);
    expect(constSource(d)).toBe(d);
  });
});

describe('the WebAssembly writer (cpp-values-wasm.ts) against the JavaScript one', () => {
  const both = (values: Parameters<typeof cppArrayInit>[0], per: number): [string, string] => {
    const viaWasm = cppArrayInit(values, per);
    textOptions.wasm = false;
    try {
      return [viaWasm, cppArrayInit(values, per)];
    } finally {
      textOptions.wasm = true;
    }
  };
  it('is available here, so the comparisons below are not the JavaScript writer against itself', () => {
    const k = takeTextKernel();
    expect(k).toBeDefined();
    releaseTextKernel(k!);
  });
  it('prints the same bytes for random fixed-point arrays of every width, line length and input kind', () => {
    let seed = 3;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const F of [0, 1, 6, 10, 15, 16, 20, 40])
      for (const I of [1, 4, 12, 33]) {
        const n = 2048 + Math.floor(rand() * 9000);
        // Mostly grid values of the type, with zeros, -0, integers, huge and tiny values mixed in.
        const vals = Float64Array.from({ length: n }, (_, k) =>
          k % 101 === 0 ? 0 : k % 103 === 0 ? -0 : k % 107 === 0 ? 1e22 * (rand() - 0.5) : k % 109 === 0 ? 5e-324 : Math.round((rand() - 0.5) * 2 ** (F + I)) / 2 ** F,
        );
        for (const per of [8, 16, 1, 3]) {
          const [a, b] = both(vals, per);
          expect(a, `F=${F} I=${I} per=${per}`).toBe(b);
        }
        const [a32, b32] = both(Float32Array.from(vals), 8);
        expect(a32).toBe(b32);
        const [aArr, bArr] = both(Array.from(vals.subarray(0, 3000)), 8);
        expect(aArr).toBe(bArr);
        const cols = 7;
        const rows = Math.floor(n / cols);
        const [aT, bT] = both(transposedSource(vals, rows, cols), 8);
        expect(aT).toBe(bT);
      }
  });
  it('gives two arrays printed at once their own buffers', () => {
    const a = Float64Array.from({ length: 300_000 }, (_, k) => (k % 1000) / 64);
    const b = Float64Array.from({ length: 300_000 }, (_, k) => -(k % 777) / 32);
    const ga = cppArrayChunks(a, 8);
    const gb = cppArrayChunks(b, 8);
    let ta = '';
    let tb = '';
    for (;;) {
      const x = ga.next();
      const y = gb.next();
      if (!x.done) ta += Buffer.from(x.value).toString('latin1');
      if (!y.done) tb += Buffer.from(y.value).toString('latin1');
      if (x.done && y.done) break;
    }
    textOptions.wasm = false;
    try {
      expect(ta).toBe(cppArrayInit(a, 8));
      expect(tb).toBe(cppArrayInit(b, 8));
    } finally {
      textOptions.wasm = true;
    }
  });
});

describe('writeProject with streamed and hash-derived content', () => {
  it('writes the chunks in order and gives the derived file every earlier hash', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-stream-'));
    try {
      const dest = path.join(tmp, 'p');
      const seen: string[] = [];
      writeProject(
        dest,
        [
          { path: 'a.txt', content: 'alpha' },
          { path: 'w/big.h', content: { chunks: function* () { yield 'x'.repeat(100_000); yield 'é'; yield 'end'; } } },
          { path: 'lock.json', content: { fromHashes: (h) => { for (const [k, v] of h) seen.push(`${k}=${v}`); return 'lock'; } } },
        ],
        false,
      );
      const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
      const big = readFileSync(path.join(dest, 'w/big.h'));
      expect(big.toString('utf8')).toBe('x'.repeat(100_000) + 'éend');
      expect(seen).toEqual([`a.txt=${sha('alpha')}`, `w/big.h=${sha(big)}`]);
      expect(readFileSync(path.join(dest, 'lock.json'), 'utf8')).toBe('lock');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
