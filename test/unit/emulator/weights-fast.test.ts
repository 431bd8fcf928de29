/**
 * @fileoverview The fast as-printed weight quantization (src/emulator/weights.ts) against its
 * reference, which prints every value with BigInt and parses it back: same bits for every value,
 * including the ones it must send to the reference path (within 10^-D of a grid point or a
 * midpoint, exact grid points, ties, integers and tiny values for F <= 0), in every rounding and
 * overflow mode; the fused loop that also counts what the direct cast does (quantizeAsPrintedWithStats:
 * the same values, and the same counts as the BigInt reference cast); and the per-array cache that lets
 * the writer reuse the emulator's values.
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixedType, type FixedType, type QMode, type OMode } from '../../../src/fixed/type.js';
import { castStats, constDoubles, fusedOptions, isRawConst, quantizeAsPrinted, quantizeAsPrintedExact, quantizeAsPrintedWithStats, quantizeConst, quantizeConstInto, quantizeConstRaw, type CastStats, type RawConst } from '../../../src/emulator/weights.js';
import { castTo } from '../../../src/passes/quant-types.js';
import { fusedKernel } from '../../../src/emulator/weights-wasm.js';
import { makeQuantizer } from '../../../src/fixed/fast.js';
import { fastPathApplies } from '../../../src/fixed/codegen.js';

const Q: QMode[] = ['AP_TRN', 'AP_TRN_ZERO', 'AP_RND', 'AP_RND_ZERO', 'AP_RND_MIN_INF', 'AP_RND_INF', 'AP_RND_CONV'];
const O: OMode[] = ['AP_WRAP', 'AP_SAT', 'AP_SAT_ZERO', 'AP_SAT_SYM'];

/** A double or a float32 value, for the property tests. */
const arbitraryValue = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.float({ noNaN: true, noDefaultInfinity: true }).map(Number));

/** A type of 1-40 bits, -8..24 integer bits, any rounding and overflow mode, signed or not. */
const arbitraryType = fc
  .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: -8, max: 24 }), fc.constantFrom(...Q), fc.constantFrom(...O), fc.boolean())
  .map(([w, i, q, o, signed]) => fixedType(w, i, signed, q, o));

/** Values that sit on or next to the steps of t, where the printed decimal can change the cast. */
function nearSteps(t: FixedType, rand: () => number, n: number): number[] {
  const F = t.w - t.i;
  const lsb = 2 ** -F;
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const grid = Math.round((rand() * 2 - 1) * 2 ** (t.w - 1)) * lsb;
    const half = grid + lsb / 2;
    const base = rand() < 0.5 ? grid : half;
    // Offsets around the printed rounding (10^-D / 2), below, at and above it, and float32 values.
    const d = 0.5 * 10 ** -Math.max(0, F);
    const eps = [0, d, -d, d * 0.999, -d * 0.999, d * 1.001, -d * 1.001, lsb * 1e-6, -lsb * 1e-6, d * 2, -d * 2][k % 11]!;
    const v = base + eps;
    out.push(k % 3 === 0 ? Math.fround(v) : v);
  }
  return out;
}

function bitsEqual(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return false;
  return true;
}

describe('non-finite values and signed zeros', () => {
  it('are cast as the reference casts them', () => {
    const odd = [Number.NaN, Infinity, -Infinity, -0, 0, 1e300, -1e300, 5e-324, -5e-324];
    for (const t of [fixedType(16, 6, true, 'AP_TRN', 'AP_WRAP'), fixedType(16, 6, true, 'AP_TRN', 'AP_SAT'), fixedType(8, 3, false, 'AP_TRN', 'AP_SAT'), fixedType(16, 6, true, 'AP_RND', 'AP_SAT')]) {
      expect(bitsEqual(quantizeAsPrinted(odd, t), quantizeAsPrintedExact(odd, t)), JSON.stringify(t)).toBe(true);
    }
  });
});

describe('quantizeAsPrinted (fast) equals the print-and-parse reference', () => {
  it('on values next to every step, every mode, F from -3 to 20', () => {
    let seed = 1;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let checked = 0;
    for (const q of Q)
      for (const o of O)
        for (const [w, i] of [[16, 6], [8, 2], [8, 0], [12, 14], [6, 9], [18, 8], [24, 4], [4, 1], [30, 10]] as const) {
          const t = fixedType(w, i, true, q, o);
          const vals = [...nearSteps(t, rand, 220), 0, -0, 1, -1, 0.5, -0.5, 1e-300, -1e-300, 3e5, -3e5, 2 ** (i - 1), -(2 ** (i - 1))];
          const fast = quantizeAsPrinted(vals, t);
          const ref = quantizeAsPrintedExact(vals, t);
          for (let k = 0; k < vals.length; k++) expect(Object.is(fast[k], ref[k]), `${vals[k]} in ap_fixed<${w},${i},${q},${o}>: ${fast[k]} vs ${ref[k]}`).toBe(true);
          checked += vals.length;
          const u = fixedType(w, i, false, q, o);
          expect(bitsEqual(quantizeAsPrinted(vals, u), quantizeAsPrintedExact(vals, u))).toBe(true);
        }
    expect(checked).toBeGreaterThan(50_000);
  });

  it('on arbitrary doubles and float32 values (property)', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryValue, { minLength: 1, maxLength: 40 }),
        arbitraryType,
        (vals, t) => {
          return bitsEqual(quantizeAsPrinted(vals, t), quantizeAsPrintedExact(vals, t));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('differs from a direct cast where hls4ml\'s printed text does (so the fast path is not just a cast)', () => {
    // 0.0703125 = 4.5/64: exact tie, printed with 6 decimals "0.070312" (half-even), then RND gives 4/64.
    const t = fixedType(8, 2, true, 'AP_RND', 'AP_SAT');
    expect(quantizeAsPrinted([0.0703125], t)[0]).toBe(4 / 64);
    expect(quantizeAsPrintedExact([0.0703125], t)[0]).toBe(4 / 64);
  });
});

describe('quantizeConst cache', () => {
  it('holds one quantization per weights and type, another for another type or mode', () => {
    const w = new Float32Array(1000).map((_, k) => Math.sin(k) * 3);
    const t = fixedType(16, 6);
    const a = quantizeConstRaw(w, t, true);
    expect(quantizeConstRaw(w, t, true)).toBe(a);
    expect(quantizeConstRaw(w, fixedType(16, 6), true)).toBe(a);
    const b = quantizeConstRaw(w, fixedType(16, 5), true);
    expect(b).not.toBe(a);
    expect(quantizeConstRaw(w, t, false)).not.toBe(a);
    expect(bitsEqual(quantizeConst(w, t, true), quantizeAsPrintedExact(w, t))).toBe(true);
    // Another array with equal contents is not the same key.
    expect(quantizeConstRaw(Float32Array.from(w), t, true)).not.toBe(a);
  });
});

describe('the cache\'s raw form (RawConst): a large model\'s weights in their own width', () => {
  /** Float32 weights, zeros, exact grid values and ties of t, over several chunks of both loops. */
  function weightsFor(t: FixedType, n: number): Float32Array {
    const F = t.w - t.i;
    const w = new Float32Array(n);
    let seed = 5;
    for (let k = 0; k < n; k++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const u = seed / 2 ** 31;
      const g = Math.round((u * 2 - 1) * 2 ** (t.w - 1));
      w[k] = k % 101 === 0 ? 0 : k % 7 === 0 ? g * 2 ** -F : k % 11 === 0 ? (g + 0.5) * 2 ** -F : (u * 2 - 1) * 2 ** (t.i + 1);
    }
    return w;
  }
  const cases: [FixedType, string][] = [
    [fixedType(16, 6), 'Int16Array'],
    [fixedType(16, 6, false, 'AP_RND', 'AP_SAT'), 'Uint16Array'],
    [fixedType(8, 2, true, 'AP_RND', 'AP_SAT'), 'Int8Array'],
    [fixedType(4, 1, false), 'Uint8Array'],
    [fixedType(18, 8, true, 'AP_TRN', 'AP_SAT'), 'Int32Array'],
    [fixedType(32, 12, false), 'Uint32Array'],
    [fixedType(12, -3), 'Int16Array'],
  ];
  for (const [t, kind] of cases) {
    it(`${t.signed ? '' : 'u'}fixed<${t.w},${t.i},${t.q},${t.o}>: ${kind}, value k = raw[k] * 2^-F, the reference's values, both loops`, () => {
      const n = 2 * 65536 + 4099;
      const want = quantizeAsPrintedExact(weightsFor(t, n), t);
      for (const wasm of [true, false]) {
        fusedOptions.wasm = wasm;
        try {
          const q = quantizeConstRaw(weightsFor(t, n), t, true);
          expect(isRawConst(q)).toBe(true);
          const r = q as RawConst;
          expect(r.raw.constructor.name).toBe(kind);
          expect(r.inv).toBe(2 ** -(t.w - t.i));
          expect(r.length).toBe(n);
          expect(bitsEqual(constDoubles(q), want.map((v) => v + 0)), `wasm ${wasm}`).toBe(true);
        } finally {
          fusedOptions.wasm = true;
        }
      }
    });
  }

  it('keeps doubles for types the loop does not write out, and small arrays', () => {
    const w = new Float32Array(5000).map((_, k) => Math.sin(k) * 3);
    for (const t of [fixedType(16, 6, true, 'AP_RND_CONV', 'AP_SAT'), fixedType(40, 10), fixedType(16, 6, true, 'AP_TRN', 'AP_SAT_SYM')]) {
      const q = quantizeConstRaw(w, t, true);
      expect(isRawConst(q), JSON.stringify(t)).toBe(false);
      expect(bitsEqual(q as Float64Array, quantizeAsPrintedExact(w, t))).toBe(true);
    }
    expect(isRawConst(quantizeConstRaw(new Float32Array(10).fill(0.3), fixedType(16, 6), true))).toBe(false);
  });

  it('turns to doubles where a value has no raw integer (NaN under SAT), before and after it', () => {
    const t = fixedType(10, 3, true, 'AP_RND', 'AP_SAT');
    for (const at of [5, 70000, 140000]) {
      const w = new Float32Array(140001).map((_, k) => Math.cos(k) * 5);
      w[at] = Number.NaN;
      const want = quantizeAsPrintedExact(w, t);
      expect(Number.isNaN(want[at])).toBe(true);
      for (const wasm of [true, false]) {
        fusedOptions.wasm = wasm;
        try {
          const q = quantizeConstRaw(Float32Array.from(w), t, true);
          expect(isRawConst(q)).toBe(false);
          expect(bitsEqual(q as Float64Array, want), `NaN at ${at}, wasm ${wasm}`).toBe(true);
        } finally {
          fusedOptions.wasm = true;
        }
      }
    }
  });
});

/** What the weight checks counted before the fused loop (their cast: the generated quantizer, else the BigInt reference) and the estimate's raw integer. */
function referenceStats(vals: readonly number[], t: FixedType): CastStats {
  const F = t.w - t.i;
  const cast = fastPathApplies(t) ? makeQuantizer(t) : (x: number): number => castTo(x, t);
  let zeros = 0;
  let castZeros = 0;
  let destroyed = 0;
  let changed = 0;
  let rawZeros = 0;
  for (const v of vals) {
    const c = cast(v);
    if (v === 0) zeros++;
    else {
      if (c === 0) castZeros++;
      if (c === 0 || Math.abs(c - v) > Math.abs(v) / 2) destroyed++;
    }
    if (c !== v) changed++;
    const y = v * 2 ** F;
    const raw = t.q !== 'AP_TRN' && t.q !== 'AP_TRN_ZERO' ? Math.round(y) : t.q === 'AP_TRN_ZERO' ? Math.trunc(y) : Math.floor(y);
    if (raw === 0) rawZeros++;
  }
  return { length: vals.length, zeros, castZeros, destroyed, changed, rawZeros };
}

/**
 * quantizeAsPrintedWithStats through each of its loops: a plain array (the JavaScript loop), a
 * Float64Array and a Float32Array of the float32 values (the WebAssembly loop for the types it
 * covers), and the typed arrays again with the WebAssembly loop switched off.
 */
function allPaths(vals: readonly number[], t: FixedType): { name: string; vals: readonly number[]; r: ReturnType<typeof quantizeAsPrintedWithStats> }[] {
  const f32 = vals.map((v) => Math.fround(v));
  const out = [];
  for (const wasm of [true, false]) {
    fusedOptions.wasm = wasm;
    try {
      out.push({ name: `Float64Array${wasm ? '' : ', no wasm'}`, vals, r: quantizeAsPrintedWithStats(Float64Array.from(vals), t) });
      out.push({ name: `Float32Array${wasm ? '' : ', no wasm'}`, vals: f32, r: quantizeAsPrintedWithStats(Float32Array.from(f32), t) });
    } finally {
      fusedOptions.wasm = true;
    }
  }
  out.push({ name: 'array', vals, r: quantizeAsPrintedWithStats(vals, t) });
  return out;
}

describe('quantizeAsPrintedWithStats (one loop for the weight checks, the test bench and the writer)', () => {
  it('gives quantizeAsPrinted\'s values and the reference counts next to every step, every mode', () => {
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let inlined = 0;
    for (const q of Q)
      for (const o of O)
        for (const [w, i] of [[16, 6], [8, 2], [8, 0], [12, 14], [6, 9], [18, 8], [24, 4], [4, 1], [32, 12], [30, 10], [40, 12]] as const)
          for (const signed of [true, false])
            for (const n of [0, 2]) {
              const t = fixedType(w, i, signed, q, o, n);
              // Values near steps, beyond the range (wrapping and saturating), and float32 weights.
              const vals = [...nearSteps(t, rand, 200), ...Array.from({ length: 60 }, () => Math.fround((rand() - 0.5) * 2 ** (i + 2))), 0, -0, 1, -1, 0.5, -0.5, 1e-300, -1e-300, 3e5, -3e5, 2 ** 40, -(2 ** 40)];
              for (const path of allPaths(vals, t)) {
                const what = `ap_${signed ? '' : 'u'}fixed<${w},${i},${q},${o},${n}> (${path.name})`;
                expect(bitsEqual(path.r.q, quantizeAsPrintedExact(path.vals, t)), what).toBe(true);
                expect(path.r.stats, what).toEqual(referenceStats(path.vals, t));
              }
              if (w <= 32 && (q === 'AP_TRN' || q === 'AP_RND') && (o === 'AP_SAT' || (o === 'AP_WRAP' && n === 0))) inlined++;
            }
    // The loop's written-out cast (TRN/RND, WRAP/SAT, <= 32 bits) is among the cases.
    expect(inlined).toBeGreaterThan(50);
  });

  it('on arbitrary doubles and float32 values (property)', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryValue, { minLength: 1, maxLength: 40 }),
        arbitraryType,
        (vals, t) => {
          return allPaths(vals, t).every((p) => bitsEqual(p.r.q, quantizeAsPrintedExact(p.vals, t)) && JSON.stringify(p.r.stats) === JSON.stringify(referenceStats(p.vals, t)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('non-finite values and signed zeros take makeCast\'s values', () => {
    const odd = [Number.NaN, Infinity, -Infinity, -0, 0, 1e300, -1e300, 5e-324, -5e-324];
    for (const t of [fixedType(16, 6, true, 'AP_TRN', 'AP_WRAP'), fixedType(16, 6, true, 'AP_TRN', 'AP_SAT'), fixedType(8, 3, false, 'AP_TRN', 'AP_SAT'), fixedType(16, 6, true, 'AP_RND', 'AP_SAT'), fixedType(32, 16, true, 'AP_RND', 'AP_WRAP')])
      for (const p of allPaths(odd, t)) {
        expect(bitsEqual(p.r.q, quantizeAsPrintedExact(p.vals, t)), `${JSON.stringify(t)} ${p.name}`).toBe(true);
        if (p.vals.every((v) => !Number.isNaN(v))) expect(p.r.stats, `${JSON.stringify(t)} ${p.name}`).toEqual(referenceStats(p.vals, t));
      }
  });

  it('castStats keeps the counts only; the quantization that follows shares their cache', () => {
    const w = new Float32Array(4096).map((_, k) => Math.sin(k * 0.7) * 0.2);
    const t = fixedType(8, 1);
    const st = castStats(w, t)!;
    expect(st).toEqual(referenceStats([...w], t));
    expect(castStats(w, t)).toBe(st);
    // Quantized when asked (raw integers, one byte each for fixed<8,1>), then held.
    const q = quantizeConstRaw(w, t, true);
    expect(quantizeConstRaw(w, t, true)).toBe(q);
    expect(isRawConst(q) && q.raw instanceof Int8Array).toBe(true);
    expect(bitsEqual(constDoubles(q), quantizeAsPrintedExact(w, t))).toBe(true);
    // Small or plain arrays and types over 53 bits are left to the callers' own loops.
    expect(castStats([0.1, 0.2], t)).toBeUndefined();
    expect(castStats(new Float64Array(100), fixedType(60, 10))).toBeUndefined();
  });

  it('counts across chunks with either loop, exact ties included', () => {
    // Longer than a chunk, with exact ties of fixed<8,1> (1/128 steps) that the printed decimal settles.
    const w = new Float32Array(3 * 65536 + 77).map((_, k) => (k % 53 === 0 ? (Math.round(Math.cos(k) * 100) + 0.5) / 128 : Math.cos(k * 0.3) * 0.2));
    const t = fixedType(8, 1, true, 'AP_RND', 'AP_SAT');
    for (const wasm of [false, true]) {
      fusedOptions.wasm = wasm;
      try {
        expect(castStats(Float32Array.from(w), t)).toEqual(referenceStats([...w], t));
      } finally {
        fusedOptions.wasm = true;
      }
    }
  });
});

describe('quantizeConstInto: a kernel\'s memory as the cached quantization', () => {
  const weights = (n: number): Float32Array => new Float32Array(n).map((_, k) => (k % 41 === 0 ? 0 : k % 13 === 0 ? (Math.round(Math.sin(k) * 300) + 0.5) / 1024 : Math.sin(k * 0.37) * 3));

  it('quantizes into the given integers, which the cache then holds, with the counts', () => {
    for (const [t, dst] of [[fixedType(16, 6), new Int16Array(70001)], [fixedType(8, 3, true, 'AP_RND', 'AP_SAT'), new Int16Array(70001)], [fixedType(15, 5, false), new Int16Array(70001)], [fixedType(20, 6, true, 'AP_RND', 'AP_SAT'), new Int32Array(70001)]] as const) {
      for (const wasm of [true, false]) {
        fusedOptions.wasm = wasm;
        try {
          const w = weights(70001);
          expect(quantizeConstInto(w, t, true, dst), JSON.stringify(t)).toBe(true);
          const q = quantizeConstRaw(w, t, true);
          expect(isRawConst(q) && q.raw === dst).toBe(true);
          expect(bitsEqual(constDoubles(q), quantizeAsPrintedExact(w, t).map((v) => v + 0)), `${JSON.stringify(t)} wasm ${wasm}`).toBe(true);
          expect(castStats(w, t)).toEqual(referenceStats([...w], t));
        } finally {
          fusedOptions.wasm = true;
        }
      }
    }
  });

  it('declines (the caller copies) when the array is cached, the integers too narrow, the type not written out, or the array small', () => {
    const w = weights(5000);
    const t = fixedType(16, 6);
    const cached = quantizeConstRaw(w, t, true);
    expect(quantizeConstInto(w, t, true, new Int16Array(5000))).toBe(false);
    expect(quantizeConstRaw(w, t, true)).toBe(cached);
    expect(quantizeConstInto(weights(5000), fixedType(17, 6), true, new Int16Array(5000))).toBe(false);
    expect(quantizeConstInto(weights(5000), fixedType(16, 6, false), true, new Int16Array(5000))).toBe(false);
    expect(quantizeConstInto(weights(5000), fixedType(16, 6, true, 'AP_RND_CONV', 'AP_SAT'), true, new Int16Array(5000))).toBe(false);
    expect(quantizeConstInto(weights(5000), t, false, new Int16Array(5000))).toBe(false);
    expect(quantizeConstInto(weights(10), t, true, new Int16Array(10))).toBe(false);
    expect(quantizeConstInto(weights(5000), t, true, new Int16Array(4999))).toBe(false);
  });

  it('declines where a value has no raw integer (NaN under SAT), and the cache holds its doubles', () => {
    const t = fixedType(10, 3, true, 'AP_RND', 'AP_SAT');
    const w = weights(9000);
    w[8000] = Number.NaN;
    expect(quantizeConstInto(w, t, true, new Int16Array(9000))).toBe(false);
    const q = quantizeConstRaw(w, t, true);
    expect(isRawConst(q)).toBe(false);
    expect(bitsEqual(q as Float64Array, quantizeAsPrintedExact(w, t))).toBe(true);
  });
});

describe('the WebAssembly loop across its chunks', () => {
  it('gives the JavaScript loop\'s values and counts on arrays longer than a chunk, zeros and values near steps included', () => {
    const n = 3 * 65536 + 1234;
    const w = new Float32Array(n);
    let seed = 11;
    for (let k = 0; k < n; k++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const u = seed / 2 ** 31;
      // Zeros, exact grid values, ties of fixed<8,3> (1/32 steps) and ordinary weights.
      w[k] = k % 97 === 0 ? 0 : k % 89 === 0 ? Math.round(u * 64) / 32 : k % 83 === 0 ? (Math.round(u * 64) + 0.5) / 32 : (u - 0.5) * 9;
    }
    // The WebAssembly loop exists here (Node has WebAssembly): the comparison below is not JavaScript against itself.
    expect(fusedKernel({ f32: true, rnd: true, sat: true, signed: true })).toBeDefined();
    for (const t of [fixedType(8, 3, true, 'AP_RND', 'AP_SAT'), fixedType(8, 3, true, 'AP_TRN', 'AP_WRAP'), fixedType(8, 3, false, 'AP_RND', 'AP_WRAP'), fixedType(16, 6)]) {
      const viaWasm = quantizeAsPrintedWithStats(w, t);
      fusedOptions.wasm = false;
      let viaJs;
      try {
        viaJs = quantizeAsPrintedWithStats(w, t);
      } finally {
        fusedOptions.wasm = true;
      }
      expect(bitsEqual(viaWasm.q, viaJs.q), JSON.stringify(t)).toBe(true);
      expect(viaWasm.stats, JSON.stringify(t)).toEqual(viaJs.stats);
      expect(viaWasm.stats).toEqual(referenceStats([...w], t));
      expect(viaWasm.stats.zeros).toBeGreaterThan(1000);
    }
  });
});
