/** `fastml config`: the written configuration loads back and gives the types fastml announced. */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { main } from '../../../src/cli/main.js';
import { memoryIO } from '../../../src/cli/io.js';
import { loadConfig } from '../../../src/config/load.js';
import { loadModel } from '../../../src/frontends/index.js';
import { runPipeline } from '../../../src/passes/pipeline.js';
import { formatHls4ml } from '../../../src/fixed/type.js';
import { dataDir } from '../../helpers/data.js';

const SHARED = dataDir;
const QKERAS = path.join(SHARED, 'models/qkeras_jet_mlp_3layer/qkeras_3layer.json');

describe('fastml config', () => {
  it('name granularity: one commented block per layer, quantizer types, auto accumulators, a sane softmax input', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fastml-config-'));
    const io = memoryIO(dir);
    const code = await main(['config', QKERAS, '--granularity', 'name', '-o', 'cfg.yml'], io);
    expect(io.stderr).toMatch(/wrote cfg.yml \(name granularity/);
    expect(code).toBe(0);
    const text = readFileSync(path.join(dir, 'cfg.yml'), 'utf8');
    expect(text).toMatch(/fc1:\s+# Dense/);
    expect(text).toMatch(/weight: fixed<6,1,RND_CONV,SAT,0>\s+# from the model's quantizer/);
    expect(text).toMatch(/result: "?fixed<16,6,RND,SAT>"?\s+# feeds a softmax/);
    const cfg = loadConfig(path.join(dir, 'cfg.yml'));
    expect(cfg.warnings).toEqual([]);
    const r = runPipeline(await loadModel(QKERAS), cfg, { verify: true });
    const get = (n: string) => r.graph.layers.find((l) => l.name === n)!;
    expect(formatHls4ml(get('relu1').precision.result!)).toBe('ufixed<6,0,RND_CONV,SAT,0>');
    // fc1: 16 inputs of fixed<16,6> x fixed<6,1> weights + fixed<6,1> bias, inferred exactly.
    expect(formatHls4ml(get('fc1').precision.accum!)).toBe('fixed<27,12,TRN,WRAP,0>');
    expect(formatHls4ml(get('output_linear').precision.result!)).toBe('fixed<16,6,RND,SAT,0>');
    // No softmax trap warning with the written config.
    expect(r.diagnostics.filter((d) => d.code === 'FML6520')).toEqual([]);
  });

  it('model and type granularity print to stdout; bad options are usage errors', async () => {
    const io = memoryIO();
    expect(await main(['config', QKERAS], io)).toBe(0);
    expect(io.stdout).toMatch(/HLSConfig:\n {2}Model:\n {4}Precision:\n {6}default: fixed<16,6>/);
    expect(io.stdout).not.toMatch(/^ {2}LayerName:/m);
    const io2 = memoryIO();
    expect(await main(['config', QKERAS, '--granularity', 'type', '--strategy', 'Resource'], io2)).toBe(0);
    expect(io2.stdout).toMatch(/LayerType:\n {4}InputLayer:/);
    expect(io2.stdout).toMatch(/Strategy: Resource/);
    const io3 = memoryIO();
    expect(await main(['config', QKERAS, '--granularity', 'layer'], io3)).toBe(2);
    expect(io3.stderr).toMatch(/FML6560.*--granularity must be model, type or name/);
  });
});

const JET = path.join(SHARED, 'models/jet_mlp_3layer/KERAS_3layer.json');

describe('fastml config --budget', () => {
  it('writes the reuse factors chosen with the estimator, and the written config meets the budget', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fastml-config-'));
    const io = memoryIO(dir);
    expect(await main(['config', JET, '--granularity', 'name', '--budget', 'dsp=500', '-o', 'cfg.yml'], io)).toBe(0);
    const m = /reuse factors chosen for --budget dsp=500 on xcvu13p-flga2577-2-e: estimated (\d+) DSP/.exec(io.stderr);
    expect(m).not.toBeNull();
    const text = readFileSync(path.join(dir, 'cfg.yml'), 'utf8');
    expect(text).toMatch(/ReuseFactor: \d+ {3}# chosen for the budget/);
    const cfg = loadConfig(path.join(dir, 'cfg.yml'));
    const r = runPipeline(await loadModel(JET), cfg, { verify: true });
    const { estimate } = await import('../../../src/estimate/estimate.js');
    const dsp = estimate(r.graph, { part: 'xcvu13p-flga2577-2-e' }).total.dsp;
    expect(dsp).toBeLessThanOrEqual(500);
    expect(dsp).toBe(Number(m![1]));
    const bad = memoryIO(dir);
    expect(await main(['config', JET, '--budget', 'dsp=500'], bad)).toBe(2);
    expect(bad.stderr).toMatch(/FML6566/);
  });
});
