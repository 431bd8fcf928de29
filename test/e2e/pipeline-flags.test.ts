/**
 * @fileoverview The pass pipeline's flags through the commands, end to end (in-process CLI): an
 * invalid Resource reuse factor is an error listing the valid values (no silent replacement) unless
 * `--reuse nearest`, `--reuse auto --budget dsp=N` meets N in `estimate --json` and is written into
 * a compiled project that still C-simulates bit-exactly, `--prune` changes what is emulated and
 * reports the sparsity, `--dump-ir` prints the IR and the command goes on.
 */

import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { encodeNpy } from '../../src/io/npy.js';
import { encodeModel, normal, rng } from '../../src/tools/onnx-writer.js';
import { vivadoTop } from '../unit/estimate/csynth-fixtures.js';

const root = process.cwd();
const jet = path.join(root, 'models/jet_tagger.onnx');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-pipeflags-'));

async function cli(...argv: string[]) {
  const io = memoryIO(tmp);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const hasGxx = (() => {
  try {
    execFileSync('g++', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** 40 jet-like samples of 16 features, deterministic. */
function jetInputs(): string {
  const file = path.join(tmp, 'x.npy');
  if (!existsSync(file)) {
    const d = Float64Array.from(normal(rng(11), 40 * 16, 1));
    writeFileSync(file, encodeNpy({ shape: [40, 16], data: d }));
  }
  return file;
}

describe('pipeline flags in the commands', () => {
  it('an invalid Resource reuse factor is an error listing valid values (estimate, compile, emulate); nearest replaces it and says so', async () => {
    const e = await cli('estimate', jet, '--strategy', 'resource', '--reuse', '7');
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/FML6510/);
    expect(e.err).toMatch(/reuse factor 7 is not valid for the Resource strategy .*valid values near it: \d+(, \d+)*/);
    expect(e.err).toContain('--reuse nearest');
    expect(e.err).not.toMatch(/\n\s+at /); // no stack trace

    const c = await cli('compile', jet, '--strategy', 'resource', '--reuse', '7', '-o', 'bad_prj');
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/FML6510.*valid values near it/);
    expect(existsSync(path.join(tmp, 'bad_prj'))).toBe(false);

    const n = await cli('estimate', jet, '--strategy', 'resource', '--reuse', 'nearest:7', '--json');
    expect(n.code).toBe(0);
    const j = JSON.parse(n.out);
    expect(j.warnings.join('\n')).toMatch(/FML6511.*using the nearest valid value \d+/);
    const adj = j.pipeline.report.reuseAdjusted as Record<string, { from: number; to: number }>;
    expect(Object.values(adj).length).toBeGreaterThan(0);
    for (const a of Object.values(adj)) {
      expect(a.from).toBe(7);
      expect(a.to).not.toBe(7);
    }

    // emulate reads the config's Resource strategy; --reuse 7 there is the same error.
    const cfg = path.join(tmp, 'resource.yml');
    writeFileSync(cfg, 'HLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n    ReuseFactor: 1\n    Strategy: Resource\n');
    const em = await cli('emulate', jet, '-i', jetInputs(), '-c', cfg, '--reuse', '7', '-o', 'e7.npy');
    expect(em.code).toBe(2);
    expect(em.err).toMatch(/FML6510/);
    expect((await cli('estimate', jet, '--reuse', 'sometimes')).code).toBe(2);

    // A sweep point is checked the same way; --reuse nearest lets it take the nearest valid value.
    const sw = await cli('estimate', jet, '--sweep', 'reuse=4,7', 'strategy=resource');
    expect(sw.code).toBe(2);
    expect(sw.err).toContain('FML6510');
    const swn = await cli('estimate', jet, '--sweep', 'reuse=4,7', 'strategy=resource', '--reuse', 'nearest', '--json');
    expect(swn.code).toBe(0);
    expect(JSON.parse(swn.out)).toHaveLength(2);
  });

  it('--reuse auto --budget dsp=N meets N in estimate --json and reports the chosen factors', async () => {
    const base = JSON.parse((await cli('estimate', jet, '--target', 'vu9p', '--json')).out);
    const limit = Math.floor(base.total.dsp / 4);
    expect(limit).toBeGreaterThan(0);
    const r = await cli('estimate', jet, '--target', 'vu9p', '--json', '--reuse', 'auto', '--budget', `dsp=${limit}`);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.total.dsp).toBeLessThanOrEqual(limit);
    expect(j.total.dsp).toBeGreaterThan(0);
    const chosen = j.pipeline.report.reuse.chosen as Record<string, number>;
    expect(Object.values(chosen).some((v) => v > 1)).toBe(true);
    // The per-layer II follows the chosen factors: the live products on hls4ml's multiplier limit,
    // never more than the reuse factor (constants built from shifts take no multiplier).
    for (const l of j.layers as { name: string; ii: number }[]) if (chosen[l.name] !== undefined) expect(l.ii).toBeLessThanOrEqual(chosen[l.name]!);
    expect(Math.max(...(j.layers as { ii: number }[]).map((l) => l.ii))).toBeGreaterThan(1);
    expect(j.pipeline.report.reuse.total.dsp).toBe(j.total.dsp);

    const h = await cli('estimate', jet, '--target', 'vu9p', '--reuse', 'auto', '--budget', `dsp=${limit}`);
    expect(h.code).toBe(0);
    expect(h.err).toMatch(new RegExp(`reuse factors chosen for budget dsp<=${limit}: `));
    // Without a budget auto cannot choose.
    const nb = await cli('estimate', jet, '--reuse', 'auto');
    expect(nb.code).toBe(2);
    expect(nb.err).toContain('FML6515');
  });

  it('--prune 0.5 changes what is emulated and reports the sparsity', async () => {
    const x = jetInputs();
    const a = await cli('emulate', jet, '-i', x, '-o', 'plain.npy');
    expect(a.code).toBe(0);
    const b = await cli('emulate', jet, '-i', x, '-o', 'pruned.npy', '--prune', '0.5');
    expect(b.code).toBe(0);
    expect(b.err).toMatch(/sparsity \(zero weights cost no multiplier\):/);
    expect(b.err).toMatch(/\d+\/\d+ zero after quantization \((4\d|5\d)\.\d%\)/);
    expect(readFileSync(path.join(tmp, 'plain.npy')).equals(readFileSync(path.join(tmp, 'pruned.npy')))).toBe(false);

    const j = await cli('emulate', jet, '-i', x, '-o', 'pruned2.npy', '--prune', '0.5', '--json');
    const s = JSON.parse(j.out);
    const sp = s.pipeline.report.sparsity as { layer: string; weights: number; zeros: number; sparsity: number }[];
    expect(sp.length).toBeGreaterThan(0);
    for (const r of sp) expect(r.zeros).toBeGreaterThanOrEqual(Math.floor(r.weights * 0.5));
    expect(s.pipeline.trace).toContain('prune');
    expect(readFileSync(path.join(tmp, 'pruned.npy')).equals(readFileSync(path.join(tmp, 'pruned2.npy')))).toBe(true);

    // check measures the pruned design against the unpruned float model.
    const c0 = JSON.parse((await cli('check', jet, '-i', x, '--json')).out);
    const c1 = JSON.parse((await cli('check', jet, '-i', x, '--json', '--prune', '0.5')).out);
    expect(c1.pipeline.report.sparsity.length).toBeGreaterThan(0);
    expect(c0.pipeline).toBeUndefined(); // no pipeline flag: check's JSON shape is unchanged
    // Pruning half the weights moves the outputs away from the float model's.
    expect(c1.outputs[0].meanAbsErr).toBeGreaterThan(c0.outputs[0].meanAbsErr);
  });

  it('--quantize auto:BITS with --calibration chooses types from the calibration ranges', async () => {
    const x = jetInputs();
    const r = await cli('emulate', jet, '-i', x, '-o', 'q.npy', '--quantize', 'auto:8', '--calibration', 'x.npy', '--json');
    expect(r.code).toBe(0);
    const qa = JSON.parse(r.out).pipeline.report.quantizeAuto as { bits: number; samples: number; tensors: { layer: string; slot: string; type: string }[] };
    expect(qa.bits).toBe(8);
    expect(qa.samples).toBe(40);
    const fc1w = qa.tensors.find((t) => t.layer === 'fc1' && t.slot === 'weight');
    expect(fc1w?.type).toMatch(/^fixed<8,/);
    expect((await cli('emulate', jet, '-i', x, '-o', 'plain_q.npy')).code).toBe(0);
    expect(readFileSync(path.join(tmp, 'q.npy')).equals(readFileSync(path.join(tmp, 'plain_q.npy')))).toBe(false);
    const h = await cli('estimate', jet, '--quantize', 'auto:8', '--calibration', x);
    expect(h.err).toMatch(/post-training quantization \(8 bits, \d+ headroom bits, 40 calibration samples\)/);
    const lo = JSON.parse((await cli('estimate', jet, '--json')).out);
    const q8 = JSON.parse((await cli('estimate', jet, '--json', '--quantize', 'auto:8', '--calibration', x)).out);
    // Narrower types cost fewer DSPs: Vitis builds most 8-bit constant products from shifts and adds
    // in LUTs (with their pipeline registers, so LUT and FF need not shrink).
    expect(q8.total.dsp).toBeLessThan(lo.total.dsp / 2);
    const nc = await cli('emulate', jet, '-i', x, '-o', 'q2.npy', '--quantize', 'auto');
    expect(nc.code).toBe(2);
    expect(nc.err).toContain('FML6551');
  });

  it('--dump-ir prints the IR and goes on; an unknown pass is a usage error', async () => {
    const x = jetInputs();
    const r = await cli('emulate', jet, '-i', x, '-o', 'd.npy', '--dump-ir', 'infer-precision');
    expect(r.code).toBe(0);
    expect(r.out).toContain('--- IR after infer-precision ---');
    expect(r.out).toMatch(/Dense/);
    expect(r.out).toMatch(/fixed-point emulation: 40 samples/); // it continued
    const all = await cli('estimate', jet, '--dump-ir', 'all');
    expect(all.code).toBe(0);
    expect(all.out).toContain('--- IR after input ---');
    expect(all.out).toContain('--- IR after sparsity-report ---');
    expect(all.out).toMatch(/^total +\d+/m);
    // With --json the dump goes to stderr so stdout stays JSON.
    const js = await cli('estimate', jet, '--json', '--dump-ir', 'input', '--verify');
    expect(js.code).toBe(0);
    expect(() => JSON.parse(js.out)).not.toThrow();
    expect(js.err).toContain('--- IR after input ---');
    const bad = await cli('emulate', jet, '-i', x, '-o', 'd2.npy', '--dump-ir', 'no-such-pass');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('FML6540');
  });

  it('--help of each command describes the pipeline flags', async () => {
    for (const c of ['emulate', 'check', 'compile', 'estimate', 'report']) {
      const h = await cli(c, '--help');
      expect(h.code).toBe(0);
      for (const f of ['--prune <sparsity>', '--quantize <spec>', '--calibration <file>', '--reuse <n|mode>', '--budget <spec>', '--max-precision <type>', '--aggressive-folding', '--dump-ir <pass>', '--verify'])
        expect(h.out, `${c} ${f}`).toContain(f);
    }
  });

  it.skipIf(!hasGxx)('compile --reuse auto --budget writes the chosen reuse factors into the project and csim passes', async () => {
    const rand = rng(5);
    const model = path.join(tmp, 'small.onnx');
    writeFileSync(
      model,
      encodeModel({
        name: 'small',
        inputs: [{ name: 'x', dims: [1, 8] }],
        outputs: [{ name: 'y', dims: [1, 4] }],
        nodes: [
          { op: 'Gemm', name: 'fc1', inputs: ['x', 'w1', 'b1'], outputs: ['h'], attrs: { transB: 1 } },
          { op: 'Relu', name: 'relu1', inputs: ['h'], outputs: ['hr'] },
          { op: 'Gemm', name: 'fc2', inputs: ['hr', 'w2', 'b2'], outputs: ['y'], attrs: { transB: 1 } },
        ],
        initializers: [
          { name: 'w1', dims: [12, 8], data: normal(rand, 96, 0.5) },
          { name: 'b1', dims: [12], data: normal(rand, 12, 0.1) },
          { name: 'w2', dims: [4, 12], data: normal(rand, 48, 0.5) },
          { name: 'b2', dims: [4], data: normal(rand, 4, 0.1) },
        ],
        opset: 13,
      }),
    );
    const base = JSON.parse((await cli('estimate', model, '--json')).out);
    const limit = Math.max(1, Math.floor(base.total.dsp / 5));
    const r = await cli('compile', model, '--reuse', 'auto', '--budget', `dsp=${limit}`, '-o', 'small_prj', '--samples', '10');
    expect(r.code).toBe(0);
    const m = /reuse factors chosen for budget dsp<=\d+: (.*)/.exec(r.err);
    expect(m).not.toBeNull();
    const chosen = Object.fromEntries(m![1]!.split(', ').map((kv) => kv.split('=')).map(([k, v]) => [k!, Number(v)]));
    expect(Object.values(chosen).some((v) => v > 1)).toBe(true);
    const prj = path.join(tmp, 'small_prj');
    const params = readFileSync(path.join(prj, 'firmware/parameters.h'), 'utf8');
    for (const [layer, rf] of Object.entries(chosen)) {
      // The layer's config struct carries its chosen reuse factor.
      const block = new RegExp(`struct cfg_L\\d+_${layer} \\{[^}]*?static const unsigned reuse = (\\d+);`, 's').exec(params);
      expect(block, `config of ${layer} in parameters.h`).not.toBeNull();
      expect(Number(block![1])).toBe(rf);
    }
    const lock = JSON.parse(readFileSync(path.join(prj, 'fastml.lock.json'), 'utf8'));
    expect(lock.config.resolved.reuseChosen).toEqual(chosen);
    const est = await cli('estimate', model, '--json', '--reuse', 'auto', '--budget', `dsp=${limit}`);
    expect(JSON.parse(est.out).total.dsp).toBeLessThanOrEqual(limit);
    const c = await cli('csim', prj);
    expect(c.out).toContain('10 samples');
    expect(c.out).toContain('0 mismatching values');
    expect(c.code).toBe(0);

    // `fastml report` estimates the design that was built: the reuse flags come from the lock.
    const rep = path.join(prj, 'small_prj', 'solution1', 'syn', 'report');
    mkdirSync(rep, { recursive: true });
    writeFileSync(path.join(rep, 'small_csynth.xml'), vivadoTop({ lat: 20, ii: 4, dsp: 10, lut: 3000, ff: 2000, bram: 0 }));
    const rj = await cli('report', prj, '--model', model, '--json');
    expect(rj.code).toBe(0);
    const rr = JSON.parse(rj.out);
    expect(rr.pipeline.report.reuse.chosen).toEqual(chosen);
    expect(rr.estimate.total.dsp).toBeLessThanOrEqual(limit);
    // Given on the command line, the flags win over the lock.
    const r1 = JSON.parse((await cli('report', prj, '--model', model, '--json', '--reuse', '1')).out);
    expect(r1.estimate.total.dsp).toBe(base.total.dsp);
    // Without --model the pass flags would do nothing: a usage error says so.
    const nm = await cli('report', prj, '--prune', '0.5');
    expect(nm.code).toBe(2);
    expect(nm.err).toMatch(/FML7002.*needs --model/);
  }, 240_000);
});
