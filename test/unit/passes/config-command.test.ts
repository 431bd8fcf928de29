/** `fastml config`: the written configuration loads back and gives the types fastml announced. */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

const QONNX_JET = path.join(SHARED, 'models/qonnx_jet_mlp_3layer/qkeras_jettagging.onnx');

/** Every file of a project folder (path -> bytes), without the lock file (it hashes the config). */
function projectFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (r !== 'fastml.lock.json') out.set(r, readFileSync(path.join(d, e.name), 'utf8'));
    }
  };
  walk(dir, '');
  return out;
}

/** The LayerName block of one layer in a written configuration (its lines up to the next layer). */
function block(text: string, layer: string): string {
  const m = new RegExp(`\\n {4}${layer}:[^\\n]*\\n((?: {6}[^\\n]*\\n)*)`).exec(text);
  if (!m) throw new Error(`no block for ${layer}`);
  return m[1]!;
}

describe('fastml config: the slots a layer uses', () => {
  it('lists no bias for a layer without one (QONNX MatMul, bias-only scale layers) and the written config compiles to the same project', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fastml-config-slots-'));
    const io = memoryIO(dir);
    expect(await main(['config', QONNX_JET, '--granularity', 'name', '-o', 'name.yml'], io)).toBe(0);
    const text = readFileSync(path.join(dir, 'name.yml'), 'utf8');
    const g = await loadModel(QONNX_JET);
    const byName = new Map(g.layers.map((l) => [l.name, l]));
    // The MatMuls have no bias (the Adds after them carry it); the Adds only add (no scale).
    expect(byName.get('MatMul_0')!.weights.bias).toBeUndefined();
    expect(byName.get('Add_0')!.weights.scale).toBeUndefined();
    for (const n of ['MatMul_0', 'MatMul_1', 'MatMul_2', 'MatMul_3']) {
      expect(block(text, n)).toMatch(/ weight: /);
      expect(block(text, n)).not.toMatch(/ bias: /);
    }
    for (const n of ['Add_0', 'Add_1', 'Add_2']) {
      expect(block(text, n)).toMatch(/ bias: fixed<6,1,RND_CONV,SAT,0>/);
      expect(block(text, n)).not.toMatch(/ scale: /);
    }
    // A layer with a bias keeps its slot (a Keras Dense).
    const io2 = memoryIO(dir);
    expect(await main(['config', QKERAS, '--granularity', 'name'], io2)).toBe(0);
    expect(block(io2.stdout, 'fc1')).toMatch(/ bias: fixed<6,1,RND_CONV,SAT,0>/);

    // Feeding the written file back builds the project the file describes: the same bytes as the
    // file with the dropped slots written out at the value they resolve to (the Model default),
    // so leaving them out changes nothing.
    const full = text.replace(/(\n {4}(MatMul_\d|Add_\d):[^\n]*\n(?: {6}[^\n]*\n)*? {6}Precision:\n)/g, (m: string, _a: string, n: string) =>
      m + (n.startsWith('MatMul') ? '        bias: fixed<16,6>\n' : '        scale: fixed<16,6>\n'),
    );
    expect(full).not.toBe(text);
    writeFileSync(path.join(dir, 'full.yml'), full);
    expect(await main(['compile', QONNX_JET, '-c', 'name.yml', '-o', 'a', '--input', 'random:4'], memoryIO(dir))).toBe(0);
    expect(await main(['compile', QONNX_JET, '-c', 'full.yml', '-o', 'b', '--input', 'random:4'], memoryIO(dir))).toBe(0);
    const a = projectFiles(path.join(dir, 'a'));
    expect(a.size).toBeGreaterThan(10);
    expect(projectFiles(path.join(dir, 'b'))).toEqual(a);
    // The model-granularity file gives the same project as no configuration at all.
    expect(await main(['config', QONNX_JET, '-o', 'model.yml'], memoryIO(dir))).toBe(0);
    expect(await main(['compile', QONNX_JET, '-c', 'model.yml', '-o', 'c', '--input', 'random:4'], memoryIO(dir))).toBe(0);
    expect(await main(['compile', QONNX_JET, '-o', 'd', '--input', 'random:4'], memoryIO(dir))).toBe(0);
    expect(projectFiles(path.join(dir, 'c'))).toEqual(projectFiles(path.join(dir, 'd')));
  }, 120_000);
});
