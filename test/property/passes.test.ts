/**
 * Property tests of the passes (fast-check; the seed is printed on failure): on random small MLPs
 * with random types, passes that must not change numbers leave the bit-exact emulator's outputs
 * unchanged, and precision inference never rounds.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AUTO, fixedType, type FixedType } from '../../src/fixed/type.js';
import { removeNopsPass } from '../../src/passes/remove-nops.js';
import { removeLinearPass } from '../../src/passes/remove-linear.js';
import { foldScaleBiasPass } from '../../src/passes/fold-scale-bias.js';
import { inferPrecisionPass } from '../../src/passes/infer-precision.js';
import { prunePass } from '../../src/passes/prune.js';
import { SeqBuilder, emulate, floatRef, gridValues, maxAbsDiff, rng, runPass, sampleInputs } from '../unit/passes/helpers.js';

const typeArb = fc.record({ w: fc.integer({ min: 6, max: 18 }), i: fc.integer({ min: 1, max: 6 }), rnd: fc.boolean(), sat: fc.boolean() }).map(
  ({ w, i, rnd, sat }): FixedType => fixedType(w, Math.min(i, w), true, rnd ? 'AP_RND' : 'AP_TRN', sat ? 'AP_SAT' : 'AP_WRAP'),
);

const caseArb = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  nIn: fc.integer({ min: 1, max: 12 }),
  hidden: fc.integer({ min: 1, max: 10 }),
  nOut: fc.integer({ min: 1, max: 6 }),
  x: typeArb,
  w: typeArb,
  res: typeArb,
});

type Case = fc.Infer<typeof caseArb>;

function mlp(c: Case, opts: { nops?: boolean; linear?: boolean } = {}) {
  const r = rng(c.seed);
  const b = new SeqBuilder([c.nIn], c.x);
  b.dense('fc1', c.hidden, r, { precision: { result: c.res, accum: fixedType(32, 12), weight: c.w, bias: c.w } });
  if (opts.nops) b.add('drop', { op: 'Dropout' });
  if (opts.linear) b.act('fc1_linear', 'linear', { precision: { result: c.res } });
  b.act('relu1', 'relu', { precision: { result: c.res } });
  if (opts.nops) b.add('id', { op: 'Identity' });
  b.dense('fc2', c.nOut, r, { precision: { result: c.res, accum: fixedType(32, 12), weight: c.w, bias: c.w } });
  return b.build();
}

const RUNS = { numRuns: 25 };

describe('passes keep emulator outputs (property)', () => {
  it('remove-nops and remove-linear (equal types) change no bit', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const g = mlp(c, { nops: true, linear: true });
        const after = runPass(removeLinearPass, runPass(removeNopsPass, g));
        expect(after.layers.length).toBe(g.layers.length - 3);
        const xs = sampleInputs(g, 8, c.seed);
        expect(emulate(after, xs)).toEqual(emulate(g, xs));
      }),
      RUNS,
    );
  });

  it('folding a bias layer into an auto Dense changes no bit (bias types equal)', () => {
    // Types narrow enough that the exact (inferred) widths stay within the emulator's 53 bits.
    const narrow = typeArb.filter((t) => t.w <= 12);
    fc.assert(
      fc.property(caseArb, narrow, narrow, (c0, x, w) => {
        const c = { ...c0, x, w };
        const r = rng(c.seed);
        const g = new SeqBuilder([c.nIn], c.x)
          .dense('fc1', c.hidden, r, { bias: false, precision: { result: AUTO, accum: AUTO, weight: c.w, bias: c.w } })
          .add('add', { op: 'ScaleBias' }, [c.hidden], { weights: { bias: { shape: [c.hidden], data: gridValues(c.hidden, r, 1, 4) } }, precision: { result: AUTO, scale: c.w, bias: c.w } })
          .build();
        const folded = runPass(foldScaleBiasPass(), g);
        expect(folded.layers).toHaveLength(2);
        const infer = inferPrecisionPass();
        const xs = sampleInputs(g, 8, c.seed);
        expect(emulate(runPass(infer, folded), xs)).toEqual(emulate(runPass(infer, g), xs));
      }),
      RUNS,
    );
  });

  it('inferred accumulators and results never round (emulation = float on representable inputs)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const r = rng(c.seed);
        const g = new SeqBuilder([c.nIn], fixedType(12, 4))
          .dense('fc1', c.hidden, r, { frac: 3, precision: { result: AUTO, accum: AUTO, weight: fixedType(8, 3, true, 'AP_RND', 'AP_SAT'), bias: fixedType(8, 3, true, 'AP_RND', 'AP_SAT') } })
          .dense('fc2', c.nOut, r, { frac: 3, precision: { result: AUTO, accum: AUTO, weight: fixedType(8, 3, true, 'AP_RND', 'AP_SAT'), bias: fixedType(8, 3, true, 'AP_RND', 'AP_SAT') } })
          .build();
        const typed = runPass(inferPrecisionPass(), g);
        const xs = sampleInputs(g, 8, c.seed, 7, 8);
        expect(maxAbsDiff(emulate(typed, xs), floatRef(g, xs))).toBe(0);
      }),
      RUNS,
    );
  });

  it('pruning equals quantizing the pruned float weights', () => {
    fc.assert(
      fc.property(caseArb, fc.double({ min: 0, max: 0.95, noNaN: true }), (c, s) => {
        const g = mlp(c);
        const p = runPass(prunePass({ all: s }), g);
        const byHand = {
          ...g,
          layers: g.layers.map((l, k) => (l.weights.kernel ? { ...l, weights: { ...l.weights, kernel: { ...l.weights.kernel, data: Float64Array.from(l.weights.kernel.data, (v, i) => (p.layers[k]!.weights.kernel!.data[i] === 0 ? 0 : v)) } } } : l)),
        };
        const xs = sampleInputs(g, 6, c.seed);
        expect(emulate(p, xs)).toEqual(emulate(byHand, xs));
      }),
      RUNS,
    );
  });
});
