import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { configFromObject, defaultConfig } from '../../../src/config/load.js';
import { DiagnosticError } from '../../../src/diagnostics/diagnostic.js';
import { PASS_NAMES, buildPipeline, runPipeline, sameGraph } from '../../../src/passes/pipeline.js';
import { formatPipelineReport, pipelineOptionsFrom } from '../../../src/passes/options.js';
import { loadModel } from '../../../src/frontends/index.js';
import { encodeNpy } from '../../../src/io/npy.js';
import { evaluateFloat } from '../../../src/emulator/float.js';
import { compileEmulator } from '../../../src/emulator/compile.js';
import { SeqBuilder, gridValues, rng } from './helpers.js';
import { formatHls4ml } from '../../../src/fixed/type.js';
import { dataDir } from '../../helpers/data.js';

function small() {
  const r = rng(51);
  return new SeqBuilder([8]).dense('fc1', 6, r).add('drop', { op: 'Dropout' }).act('fc1_linear', 'linear').act('relu1', 'relu').dense('fc2', 3, r).build();
}

describe('runPipeline', () => {
  it('runs the ordered passes, verifies after each, and traces the ones that changed the graph', () => {
    const r = runPipeline(small(), defaultConfig(), { verify: true });
    expect(r.trace).toEqual(['apply-config', 'remove-nops', 'remove-linear']);
    expect(r.graph.layers.map((l) => l.name)).toEqual(['x', 'fc1', 'relu1', 'fc2']);
    expect(buildPipeline(undefined).map((p) => p.name)).toEqual(PASS_NAMES.filter((n) => n !== 'prune' && n !== 'quantize-auto'));
  });

  it('dumps the IR after a named pass, or after every pass, as text or JSON', () => {
    const one = runPipeline(small(), defaultConfig(), { dumpAfter: 'remove-nops' });
    expect(one.dumps).toHaveLength(1);
    expect(one.dumps[0]!.after).toBe('remove-nops');
    expect(one.dumps[0]!.text).toMatch(/fc1: Dense\(nIn=8, nOut=6\) \[x\] -> fc1 \[6\]\s+result=fixed<16,6,TRN,WRAP,0>/);
    expect(one.dumps[0]!.text).not.toMatch(/drop:/);
    const all = runPipeline(small(), defaultConfig(), { dumpAfter: 'all', dumpFormat: 'json' });
    expect(all.dumps.map((d) => d.after)).toEqual(['input', ...buildPipeline(undefined).map((p) => p.name)]);
    const j = JSON.parse(all.dumps.at(-1)!.text) as { layers: { name: string; weights: Record<string, { nonzeros: number }> }[] };
    expect(j.layers.map((l) => l.name)).toEqual(['x', 'fc1', 'relu1', 'fc2']);
    expect(() => runPipeline(small(), defaultConfig(), { dumpAfter: 'fold-everything' })).toThrow(/FML6540.*no pass "fold-everything"/s);
  });

  it('skips passes on request and compares graphs structurally', () => {
    const g = small();
    const r = runPipeline(g, defaultConfig(), { skip: ['remove-nops', 'remove-linear'] });
    expect(r.graph.layers).toHaveLength(6);
    expect(sameGraph(g, { ...g })).toBe(true);
    expect(sameGraph(g, { ...g, layers: g.layers.slice(1) })).toBe(false);
  });

  it("bounds inferred types by the config's Model Precision maximum", () => {
    const cfg = configFromObject({ HLSConfig: { Model: { Precision: { default: 'fixed<16,6>', maximum: 'fixed<20,8>' } }, LayerType: { Dense: { Precision: { result: 'auto', accum: 'auto' } } } } });
    const r = runPipeline(small(), cfg, { verify: true });
    const fc1 = r.graph.layers.find((l) => l.name === 'fc1')!;
    // Unbounded: 8 inputs of fixed<16,6> x fixed<16,6> + bias = fixed<36,16>.
    expect(formatHls4ml(fc1.precision.accum!)).toBe('fixed<20,8,TRN,WRAP,0>');
    const free = runPipeline(small(), configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>' }, LayerType: { Dense: { Precision: { result: 'auto', accum: 'auto' } } } } }));
    expect(formatHls4ml(free.graph.layers.find((l) => l.name === 'fc1')!.precision.accum!)).toBe('fixed<36,16,TRN,WRAP,0>');
  });

  it('collects diagnostics from earlier passes into a later error', () => {
    const cfg = configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>', Strategy: 'Resource', ReuseFactor: 5 }, LayerName: { fc9: { ReuseFactor: 2 } } } });
    try {
      runPipeline(small(), cfg);
      expect.unreachable();
    } catch (e) {
      const d = (e as DiagnosticError).diagnostics;
      expect(d.map((x) => x.code)).toEqual(['FML4012', 'FML6510', 'FML6510']);
    }
    const ok = runPipeline(small(), cfg, { reuse: 'nearest' });
    expect(formatPipelineReport(ok.report)).toMatch(/reuse factor of fc1: 5 -> 4 \(nearest valid\)\nreuse factor of fc2: 5 -> 6/);
  });
});

const JET = path.resolve(dataDir, 'models/jet_mlp_3layer/KERAS_3layer.json');

describe('--quantize auto with --calibration', () => {
  it('picks integer bits from calibration ranges and reports them; emulation tracks the float model', async () => {
    const g = await loadModel(JET);
    const r = rng(61);
    const n = 200;
    const X = new Float64Array(n * 16);
    for (let i = 0; i < X.length; i++) X[i] = (r() + r() + r() - 1.5) * 2;
    const dir = mkdtempSync(path.join(tmpdir(), 'fastml-cal-'));
    writeFileSync(path.join(dir, 'X.npy'), encodeNpy({ shape: [n, 16], data: X }));
    const opts = await pipelineOptionsFrom({ quantize: 'auto:12', calibration: 'X.npy' }, g, (p) => path.join(dir, p));
    const res = runPipeline(g, defaultConfig(), { ...opts, verify: true });
    const qa = res.report.quantizeAuto as { bits: number; tensors: { layer: string; slot: string; min: number; max: number; type: string }[] };
    expect(qa.bits).toBe(12);
    const fc1 = qa.tensors.find((t) => t.layer === 'fc1_relu' && t.slot === 'result')!;
    // Signed: 2^(I-1) must exceed the largest magnitude seen, with one headroom bit.
    const i = Number(/fixed<12,(-?\d+)/.exec(fc1.type)![1]);
    const m = Math.max(Math.abs(fc1.min), Math.abs(fc1.max));
    expect(2 ** (i - 2)).toBeGreaterThan(m);
    expect(2 ** (i - 3)).toBeLessThanOrEqual(m);
    expect(formatPipelineReport(res.report)).toMatch(/post-training quantization \(12 bits, 1 headroom bits, 200 calibration samples\)/);
    // Fresh inputs from the same distribution: the 12-bit design picks the float model's class.
    const em = compileEmulator(res.graph, { weightsAsText: false });
    let agree = 0;
    const t = 300;
    for (let s = 0; s < t; s++) {
      const x = Float64Array.from({ length: 16 }, () => (r() + r() + r() - 1.5) * 2);
      const y = em.runSample([x])[0]!;
      const f = evaluateFloat(g, { [g.inputs[0]!]: x }).outputs[g.outputs[0]!]!;
      if (argmax(y) === argmax(f)) agree++;
    }
    expect(agree / t).toBeGreaterThan(0.9);
  });

  it('needs calibration data that matches the input', async () => {
    const g = await loadModel(JET);
    const dir = mkdtempSync(path.join(tmpdir(), 'fastml-cal-'));
    writeFileSync(path.join(dir, 'bad.npy'), encodeNpy({ shape: [3, 5], data: gridValues(15, rng(1)) }));
    await expect(pipelineOptionsFrom({ quantize: 'auto' }, g, (p) => p)).rejects.toThrow(/FML6551/);
    await expect(pipelineOptionsFrom({ quantize: 'auto', calibration: 'bad.npy' }, g, (p) => path.join(dir, p))).rejects.toThrow(/FML6552.*not a whole number of samples of 16/s);
    await expect(pipelineOptionsFrom({ quantize: 'auto:99', calibration: 'bad.npy' }, g, (p) => p)).rejects.toThrow(/width 99/);
  });
});

function argmax(a: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[k]!) k = i;
  return k;
}
