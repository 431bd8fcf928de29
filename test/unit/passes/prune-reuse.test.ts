import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../src/diagnostics/diagnostic.js';
import { parsePruneSpec, prunePass, sparsityReportPass, type LayerSparsity } from '../../../src/passes/prune.js';
import { reusePass, candidateReuseFactors } from '../../../src/passes/reuse.js';
import { parseBudget } from '../../../src/passes/options.js';
import { SeqBuilder, T, ctx, emulate, maxAbsDiff, rng, runPass, sampleInputs } from './helpers.js';

function mlp() {
  const r = rng(31);
  return new SeqBuilder([16]).dense('fc1', 12, r).act('relu1', 'relu').dense('fc2', 5, r).build();
}

function zeros(d: ArrayLike<number>): number {
  let z = 0;
  for (let i = 0; i < d.length; i++) if (d[i] === 0) z++;
  return z;
}

describe('prune', () => {
  it('parses global, per-layer and uniform specs, and rejects bad ones', () => {
    expect(parsePruneSpec('0.5')).toEqual({ all: 0.5 });
    expect(parsePruneSpec('75%')).toEqual({ all: 0.75 });
    expect(parsePruneSpec('global:0.3')).toEqual({ global: 0.3 });
    expect(parsePruneSpec('fc1=0.8, fc2=0.5')).toEqual({ perLayer: { fc1: 0.8, fc2: 0.5 } });
    expect(() => parsePruneSpec('1.5')).toThrow(DiagnosticError);
    expect(() => parsePruneSpec('fc1:0.5,x')).toThrow(/not LAYER=FRACTION|not a fraction/);
  });

  it('zeroes the smallest magnitudes per layer; emulation equals the pruned float weights quantized', () => {
    const g = mlp();
    const c = ctx();
    const p = runPass(prunePass({ all: 0.5 }), g, c);
    for (const name of ['fc1', 'fc2']) {
      const before = g.layers.find((l) => l.name === name)!.weights.kernel!.data;
      const after = p.layers.find((l) => l.name === name)!.weights.kernel!.data;
      expect(zeros(after)).toBe(Math.max(zeros(before), Math.round(before.length / 2)));
      // Every kept weight is at least as large as every pruned one.
      const kept = Array.from(after).filter((v) => v !== 0).map(Math.abs);
      const cut = Array.from(before).filter((_, i) => after[i] === 0).map(Math.abs);
      expect(Math.min(...kept)).toBeGreaterThanOrEqual(Math.max(...cut));
    }
    expect(Object.keys(c.report.pruned as object)).toEqual(['fc1', 'fc2']);
    // The same weights zeroed by hand (the "pruned float model") emulate to the same bits...
    const byHand = {
      ...g,
      layers: g.layers.map((l) => {
        const pl = p.layers.find((x) => x.name === l.name)!;
        return l.weights.kernel ? { ...l, weights: { ...l.weights, kernel: { shape: l.weights.kernel.shape, data: Float64Array.from(l.weights.kernel.data, (v, i) => (pl.weights.kernel!.data[i] === 0 ? 0 : v)) } } } : l;
      }),
    };
    const xs = sampleInputs(g, 40);
    expect(emulate(p, xs)).toEqual(emulate(byHand, xs));
    // ...and pruning did change the outputs.
    expect(maxAbsDiff(emulate(p, xs), emulate(g, xs))).toBeGreaterThan(0);
  });

  it('global threshold and per-layer fractions; unknown layers are an error', () => {
    const g = mlp();
    const p = runPass(prunePass({ global: 0.4 }), g);
    const total = 16 * 12 + 12 * 5;
    const z = p.layers.reduce((s, l) => s + (l.weights.kernel ? zeros(l.weights.kernel.data) : 0), 0);
    expect(z).toBe(Math.round(0.4 * total));
    const per = runPass(prunePass({ perLayer: { fc2: 0.8 } }), g);
    expect(per.layers[1]).toBe(g.layers[1]);
    expect(zeros(per.layers[3]!.weights.kernel!.data)).toBe(48);
    expect(() => prunePass({ perLayer: { fc9: 0.5 } }).run(g, ctx())).toThrow(/no Dense\/Conv layer called "fc9"/);
  });

  it('reports sparsity per layer, counting weights that quantize to zero', () => {
    const g = mlp();
    const tiny = { ...g, layers: g.layers.map((l) => (l.name === 'fc2' ? { ...l, precision: { ...l.precision, weight: T('fixed<4,1>') } } : l)) };
    const c = ctx();
    runPass(sparsityReportPass, runPass(prunePass({ perLayer: { fc1: 0.25 } }), tiny), c);
    const rows = c.report.sparsity as LayerSparsity[];
    expect(rows.map((r) => r.layer)).toEqual(['fc1', 'fc2']);
    expect(rows[0]!.zeros).toBe(48);
    expect(rows[0]!.multipliers).toBe(192 - rows[0]!.zerosQuantized);
    // fixed<4,1> has an LSB of 1/8: weights below it (TRN) become zero and cost nothing.
    const fc2 = g.layers[3]!.weights.kernel!.data;
    const expectZero = Array.from(fc2).filter((v) => v >= 0 && v < 1 / 8).length;
    expect(rows[1]!.zerosQuantized).toBe(expectZero);
  });
});

describe('reuse-factor', () => {
  const resource = (rf: number) => {
    const r = rng(41);
    return new SeqBuilder([16]).dense('fc1', 12, r, { reuseFactor: rf, strategy: 'resource' }).build();
  };

  it("accepts valid Resource reuse factors (hls4ml's rule) and refuses others, listing valid ones nearby", () => {
    expect(candidateReuseFactors(resource(1).layers[1]!, 'resource')).toEqual([1, 2, 4, 8, 16, 32, 48, 64, 96, 192]);
    expect(runPass(reusePass(), resource(16)).layers[1]!.reuseFactor).toBe(16);
    let err: DiagnosticError | undefined;
    try {
      reusePass().run(resource(5), ctx());
    } catch (e) {
      err = e as DiagnosticError;
    }
    expect(err?.diagnostics[0]!.code).toBe('FML6510');
    expect(err!.diagnostics[0]!.message).toMatch(/reuse factor 5 is not valid .* valid values near it: 1, 2, 4, 8, 16, 32, 48/);
    expect(err!.diagnostics[0]!.loc?.node).toBe('fc1');
    expect(err!.diagnostics[0]!.hint).toMatch(/--reuse nearest.*\(4\)/);
  });

  it('--reuse nearest picks the closest valid value and says so', () => {
    const c = ctx();
    const out = runPass(reusePass({ mode: 'nearest' }), resource(5), c);
    expect(out.layers[1]!.reuseFactor).toBe(4);
    expect(c.diagnostics[0]!.code).toBe('FML6511');
    expect(c.report.reuseAdjusted).toEqual({ fc1: { from: 5, to: 4 } });
  });

  it('Latency strategy: any reuse factor is accepted (hls4ml does not check it)', () => {
    const r = rng(42);
    const g = new SeqBuilder([16]).dense('fc1', 12, r, { reuseFactor: 5, strategy: 'latency' }).build();
    expect(runPass(reusePass(), g)).toBe(g);
  });

  it('parses budgets', () => {
    expect(parseBudget('dsp=100,latency=40')).toEqual({ dsp: 100, latency: 40 });
    expect(parseBudget('fraction=0.5')).toEqual({ fraction: 0.5 });
    expect(() => parseBudget('dsp=-1')).toThrow(/non-negative integer/);
    expect(() => parseBudget('bram=3')).toThrow(/not one of/);
  });
});

describe('reuse-factor and sparsity-report keep the numbers', () => {
  it('snapping a Resource reuse factor to the nearest valid one changes no bit (WRAP accumulators)', () => {
    const r = rng(43);
    const g = new SeqBuilder([16]).dense('fc1', 12, r, { reuseFactor: 5, strategy: 'resource' }).act('relu1', 'relu').dense('fc2', 4, r, { reuseFactor: 7, strategy: 'resource' }).build();
    const after = runPass(reusePass({ mode: 'nearest' }), g);
    expect(after.layers.filter((l) => l.reuseFactor !== undefined && l.attrs.op === 'Dense').map((l) => l.reuseFactor)).toEqual([4, 6]);
    const xs = sampleInputs(g, 40);
    expect(emulate(after, xs)).toEqual(emulate(g, xs));
  });

  it('sparsity-report returns the graph unchanged', () => {
    const g = mlp();
    expect(runPass(sparsityReportPass, g)).toBe(g);
  });
});
