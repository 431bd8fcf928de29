/**
 * @fileoverview Configurations written BY hls4ml, kept verbatim in
 * test/fixtures/configs/hls4ml-written (see its README for where each comes from), read as they are:
 *
 * - every key of every file is used, or reported with why it is not (FML4015 / FML4016 / FML4017);
 *   none is an unknown key, none is passed over in silence, and hls4ml's YAML tags are handled
 *   without parser warnings on the process;
 * - `Strategy: Stable` on a softmax (older hls4ml) gives the stable softmax;
 * - example-models' qkeras_mnist_dense with its configuration: `weight: ap_int<5>` on the
 *   quantized_po2 kernel keeps every quantized weight (compared with the quantizer's own values),
 *   and every other type is what the configuration says;
 * - models rebuilt with the layer names and shapes of the public project files get the types hls4ml
 *   built (for pointwise_conv1d: the typedefs of its defines.h and the struct of its parameters.h).
 */

import { afterEach, describe, expect, it, vi } from 'vitest';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { BLOCK_NOT_APPLIED, HLSCONFIG_NOT_APPLIED, TOP_NOT_APPLIED } from '../../../src/config/hls4ml-written.js';
import { formatHls4ml, parseType } from '../../../src/fixed/type.js';
import type { FixedType, TypeSpec } from '../../../src/fixed/type.js';
import { quantizeConst } from '../../../src/emulator/weights.js';
import type { Graph, Layer } from '../../../src/ir/graph.js';
import { loadSession } from '../../../src/emulator/session.js';
import { mapFact } from '../../../src/passes/quant-types.js';
import { dataDir } from '../../helpers/data.js';
import { functional, inputLayer, klayer, seq, tmpDir, writeJsonModel, writeWeightsH5 } from '../frontends/keras/helpers.js';
import type { SynthWeight } from '../frontends/keras/helpers.js';

vi.setConfig({ testTimeout: 60_000 });

const DIR = path.join(dataDir, 'configs/hls4ml-written');
const CONFIGS = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
const fmt = (t: TypeSpec | undefined): string => (t === undefined ? 'none' : t === 'auto' ? 'auto' : formatHls4ml(t));
const t = (s: string): string => formatHls4ml(parseType(s));
const layer = (g: Graph, name: string): Layer => {
  const l = g.layers.find((x) => x.name === name);
  if (!l) throw new Error(`no layer ${name}`);
  return l;
};

/** Keys fastml applies, by level; any other key in a file must come with a note saying why not. */
const USED_TOP = new Set(['Backend', 'Part', 'OutputDir', 'ClockPeriod', 'IOType', 'HLSConfig', 'KerasJson', 'KerasH5', 'KerasModel', 'OnnxModel', 'ProjectName', 'AcceleratorConfig', 'Board']);
const USED_HLS = new Set(['Model', 'LayerType', 'LayerName']);
const USED_BLOCK = new Set(['Precision', 'ReuseFactor', 'Strategy', 'TableSize', 'table_size', 'Implementation', 'Trace']);

afterEach(() => vi.restoreAllMocks());

describe('verbatim hls4ml-written configs: every key used or reported', () => {
  it('keeps several files, with Strategy: Stable softmax and an exponent weight type among them', () => {
    expect(CONFIGS.length).toBeGreaterThanOrEqual(6);
    const texts = CONFIGS.map((f) => readFileSync(path.join(DIR, f), 'utf8'));
    expect(texts.filter((s) => /Strategy: Stable/.test(s)).length).toBeGreaterThanOrEqual(2);
    expect(texts.some((s) => /weight: ap_int<5>/.test(s))).toBe(true);
    expect(texts.filter((s) => /!keras_model/.test(s)).length).toBeGreaterThanOrEqual(4);
  });

  for (const f of CONFIGS)
    it(f, () => {
      const warn = vi.spyOn(process, 'emitWarning');
      const cfg = loadConfig(path.join(DIR, f));
      // hls4ml's tags are handled here, not printed by the YAML parser.
      expect(warn).not.toHaveBeenCalled();
      expect(cfg.warnings.filter((d) => d.code === 'FML4010').map((d) => d.message)).toEqual([]);
      const noted = new Set(cfg.warnings.filter((d) => /^FML401[13567]$/.test(d.code)).map((d) => d.loc?.jsonPointer));
      const raw = YAML.parse(readFileSync(path.join(DIR, f), 'utf8'), { logLevel: 'silent' }) as Record<string, any>;
      // A key may go without a note only when the table of hls4ml-written.ts says its value asks
      // for what fastml does anyway (e.g. hls4ml's default BramFactor, TraceOutput off).
      const same = (rules: Readonly<Record<string, (v: unknown) => unknown>>, k: string, v: unknown) => Object.hasOwn(rules, k) && rules[k]!(v) === undefined;
      const silent: string[] = [];
      for (const k of Object.keys(raw)) if (!USED_TOP.has(k) && !noted.has(`/${k}`) && !same(TOP_NOT_APPLIED, k, raw[k])) silent.push(`/${k}`);
      const hls = (raw['HLSConfig'] ?? {}) as Record<string, any>;
      for (const k of Object.keys(hls)) if (!USED_HLS.has(k) && !noted.has(`/HLSConfig/${k}`) && !same(HLSCONFIG_NOT_APPLIED, k, hls[k])) silent.push(`/HLSConfig/${k}`);
      const blocks: Array<[string, Record<string, unknown>]> = [['/HLSConfig/Model', hls['Model'] ?? {}]];
      for (const lvl of ['LayerType', 'LayerName']) for (const [n, b] of Object.entries((hls[lvl] ?? {}) as Record<string, Record<string, unknown>>)) blocks.push([`/HLSConfig/${lvl}/${n}`, b]);
      for (const [p, b] of blocks) for (const k of Object.keys(b)) if (!USED_BLOCK.has(k) && !k.endsWith('_t') && !noted.has(`${p}/${k}`) && !same(BLOCK_NOT_APPLIED, k, b[k])) silent.push(`${p}/${k}`);
      expect(silent, 'keys neither applied nor reported').toEqual([]);
      if (/Stamp:/.test(readFileSync(path.join(DIR, f), 'utf8'))) expect(cfg.writtenByHls4ml).toBe(true);
    });

  it('!keras_model: the model hls4ml saved into its project is read from beside the file', () => {
    const cfg = loadConfig(path.join(DIR, 'pointwise_conv1d_hls4ml_config.yml'));
    expect(cfg.modelFiles.kerasModel).toBe(path.join(DIR, 'keras_model.h5'));
    expect(cfg.outputDir).toBe(DIR);
    const note = cfg.warnings.find((d) => d.code === 'FML4016');
    expect(note?.severity).toBe('info');
    expect(note?.message).toMatch(/prj_tmp\/hls4mlprj_node_edge_projection\/keras_model\.h5.*beside this file/);
  });

  it('a pickled Python object (hls4ml 1.x dumping a Keras 3 model) is reported with its key and never read as a path', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'hls4ml_config.yml');
    // The shape of bugracyln/TinyStories-FPGA's hls4ml_config.yml, with a short payload.
    writeFileSync(
      file,
      [
        'Backend: Vivado',
        'HLSConfig:',
        '  Model:',
        '    Precision: fixed<16,6>',
        '    ReuseFactor: 1',
        'IOType: io_parallel',
        'InputShapes:',
        '  pos_inputs:',
        '  - 48',
        'KerasModel: !!python/object/apply:keras.src.saving.keras_saveable._unpickle_model',
        '- !!python/object/new:_io.BytesIO',
        '  state: !!python/tuple',
        '  - !!binary |',
        '    UEsDBBQAAAAAAAAAIQCtdjnPQAAAAEAAAAANAAAAbWV0YWRhdGEuanNvbg==',
        'OutputDir: prj',
        'Stamp: 1234abcd',
        '',
      ].join('\n'),
    );
    const warn = vi.spyOn(process, 'emitWarning');
    const cfg = loadConfig(file);
    expect(warn).not.toHaveBeenCalled();
    expect(cfg.modelFiles.kerasModel).toBeUndefined();
    expect((cfg.raw as Record<string, unknown>)['KerasModel']).toBeUndefined();
    const d = cfg.warnings.find((x) => x.code === 'FML4016' && x.loc?.jsonPointer === '/KerasModel');
    expect(d?.severity).toBe('warning');
    expect(d?.message).toMatch(/!!python\/object\/apply:keras\.src\.saving\.keras_saveable\._unpickle_model.*cannot read it/);
    expect(d?.hint).toMatch(/pass the model file as MODEL/);
    expect(cfg.warnings.find((x) => x.loc?.jsonPointer === '/InputShapes')?.code).toBe('FML4015');
  });

  it('Flows / Optimizers / SkipOptimizers that change hls4ml\'s passes warn; empty ones are notes', () => {
    const cfg = loadConfig(writeYaml('HLSConfig:\n  Model:\n    Precision: fixed<16,6>\n  Flows: []\n  SkipOptimizers: [fuse_batchnorm]\nWriterConfig:\n  Namespace: my_ns\n  WriteTar: false\n'));
    const by = (p: string) => cfg.warnings.find((d) => d.loc?.jsonPointer === p);
    expect(by('/HLSConfig/Flows')?.severity).toBe('info');
    expect(by('/HLSConfig/SkipOptimizers')).toMatchObject({ code: 'FML4015', severity: 'warning' });
    expect(by('/HLSConfig/SkipOptimizers')?.message).toMatch(/fuse_batchnorm.*not applied/);
    expect(by('/WriterConfig')?.message).toMatch(/Namespace "?my_ns"? is not applied/);
  });

  it('layer keys that would change hls4ml\'s firmware warn; those that describe it are notes; default values say nothing', () => {
    const cfg = loadConfig(
      writeYaml('Namespace: ns1\nHLSConfig:\n  Model:\n    Precision: fixed<16,6>\n    BramFactor: 1000000000\n    TraceOutput: false\n  LayerName:\n    fc1:\n      Compression: true\n      ParallelizationFactor: 4\n      StreamDepth: 8\n      Skip: false\n'),
    );
    const by = (p: string) => cfg.warnings.find((d) => d.loc?.jsonPointer === p);
    expect(by('/Namespace')).toMatchObject({ code: 'FML4015', severity: 'warning' });
    expect(by('/HLSConfig/LayerName/fc1/Compression')).toMatchObject({ code: 'FML4015', severity: 'warning' });
    expect(by('/HLSConfig/LayerName/fc1/ParallelizationFactor')?.message).toMatch(/ParallelizationFactor 4 is not applied/);
    expect(by('/HLSConfig/LayerName/fc1/StreamDepth')).toMatchObject({ code: 'FML4015', severity: 'info' });
    expect(by('/HLSConfig/LayerName/fc1/Skip')).toBeUndefined();
    expect(by('/HLSConfig/Model/BramFactor')).toBeUndefined();
    expect(by('/HLSConfig/Model/TraceOutput')).toBeUndefined();
  });

  it('TargetCycles is reported with what hls4ml does with it (never an unknown key); OutputShapes is a note', () => {
    const cfg = loadConfig(
      writeYaml(
        'HLSConfig:\n  Model:\n    Precision: fixed<16,6>\n    Strategy: Resource\n    ReuseFactor: 4\n    TargetCycles: 200\n  LayerType:\n    Dense:\n      TargetCycles: 100\n  LayerName:\n    fc1:\n      TargetCycles: 80\nOutputShapes:\n  layer13_out:\n  - 5\n',
      ),
    );
    expect(cfg.warnings.filter((d) => d.code === 'FML4010')).toEqual([]);
    const by = (p: string) => cfg.warnings.find((d) => d.loc?.jsonPointer === p);
    for (const p of ['/HLSConfig/Model/TargetCycles', '/HLSConfig/LayerName/fc1/TargetCycles']) {
      expect(by(p)).toMatchObject({ code: 'FML4015', severity: 'warning' });
      expect(by(p)?.message).toMatch(/TargetCycles (200|80) is not applied: hls4ml uses it for Resource-strategy Dense and Conv1D\/Conv2D layers only, replacing ReuseFactor by \(TargetCycles - 6k\)\/k/);
      expect(by(p)?.hint).toMatch(/--reuse auto --budget latency=CYCLES/);
    }
    // hls4ml stores a LayerType TargetCycles but never looks it up.
    expect(by('/HLSConfig/LayerType/Dense/TargetCycles')).toMatchObject({ code: 'FML4015', severity: 'info' });
    expect(by('/HLSConfig/LayerType/Dense/TargetCycles')?.message).toMatch(/changes nothing in hls4ml/);
    expect(by('/OutputShapes')).toMatchObject({ code: 'FML4015', severity: 'info' });
    // The reuse factor stays what the file says.
    expect(cfg.model.reuseFactor).toBe(4);
  });

  it('no key of the hls4ml configurations in the fixtures is an unknown key', () => {
    const files = [
      ...readdirSync(path.join(dataDir, 'reference/hls4ml')).map((d) => path.join(dataDir, 'reference/hls4ml', d, 'config.yml')),
      ...readdirSync(path.join(dataDir, 'configs')).filter((f) => f.endsWith('.yml')).map((f) => path.join(dataDir, 'configs', f)),
      ...CONFIGS.filter((f) => f.endsWith('.yml')).map((f) => path.join(DIR, f)),
    ].filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) expect(loadConfig(f).warnings.filter((d) => d.code === 'FML4010').map((d) => `${f}: ${d.message}`)).toEqual([]);
  });

  it('table_size is TableSize, as hls4ml reads it (every layer key is set as its snake_case attribute)', () => {
    const cfg = loadConfig(writeYaml('HLSConfig:\n  Model:\n    Precision: fixed<16,6>\n  LayerName:\n    sm:\n      table_size: 512\n'));
    expect(cfg.layerName.get('sm')?.tableSize).toBe(512);
    const both = loadConfig(writeYaml('HLSConfig:\n  LayerName:\n    sm:\n      TableSize: 256\n      table_size: 512\n'));
    expect(both.layerName.get('sm')?.tableSize).toBe(512);
    expect(both.warnings.some((d) => d.code === 'FML4017' && d.severity === 'warning')).toBe(true);
  });

  it('XilinxPart (older hls4ml) is the part', () => {
    expect(loadConfig(path.join(DIR, 'image_only_qmodel_hls4ml_config.yml')).part).toBe('xc7z020clg400-1');
    expect(loadConfig(path.join(DIR, 'example-models_qkeras_mnist_dense_config.yml')).part).toBe('xcku115-flvb2104-2-i');
  });
});

function writeYaml(text: string): string {
  const file = path.join(tmpDir(), 'c.yml');
  writeFileSync(file, text);
  return file;
}

/** Weights of the given shapes, spread over several octaves, as trained weights are. */
function weights(n: number, seed: number, scale: number): number[] {
  return seq(n, seed).map((v, k) => v * scale * 2 ** -(k % 6));
}

describe('example-models qkeras_mnist_dense with its hls4ml-written config (po2 kernel, Strategy: Stable)', () => {
  async function model(dir: string): Promise<string> {
    // The architecture verbatim; its weights file is binary and not kept, so weights of the same
    // shapes are written here (within the kernels' Clip(-1, 1) constraint).
    const json = path.join(dir, 'qkeras_mnist_dense.json');
    copyFileSync(path.join(DIR, 'example-models_qkeras_mnist_dense.json'), json);
    const w = (name: string, shape: number[], data: number[]): SynthWeight => ({ name, shape, data });
    await writeWeightsH5(path.join(dir, 'qkeras_mnist_dense_weights.h5'), [
      { name: 'input_3', weights: [] },
      { name: 'q_activation_2', weights: [] },
      { name: 'q_dense_2', weights: [w('kernel', [784, 20], weights(784 * 20, 3, 0.9)), w('bias', [20], weights(20, 5, 0.5))] },
      { name: 'q_activation_3', weights: [] },
      { name: 'q_dense_3', weights: [w('kernel', [20, 10], weights(200, 7, 0.9)), w('bias', [10], weights(10, 9, 0.5))] },
      { name: 'activation_3', weights: [] },
    ]);
    return json;
  }

  it('keeps every quantized po2 weight of q_dense_2 (weight: ap_int<5> is the exponent type), and reads every other setting as hls4ml does', async () => {
    const dir = tmpDir();
    const s = await loadSession(await model(dir), { config: path.join(DIR, 'example-models_qkeras_mnist_dense_config.yml') });
    const raw = layer(s.raw, 'q_dense_2');
    const m = mapFact(raw.quant!.kernel!, true);
    if (!m.ok) throw new Error(m.reason);
    const want = Array.from(raw.weights['kernel']!.data, (v) => m.value.quantize(v, 0));
    // The weights the emulator (and the C++) compute with: the kernel cast to the layer's weight type.
    const d2w = layer(s.graph, 'q_dense_2');
    const got = Array.from(quantizeConst(d2w.weights['kernel']!.data, d2w.precision['weight'] as FixedType, true));
    const nonzero = want.filter((v) => v !== 0).length;
    const lost = want.filter((v, k) => v !== 0 && got[k] === 0).length;
    const changed = want.filter((v, k) => got[k] !== v).length;
    expect({ lost, changed }).toEqual({ lost: 0, changed: 0 });
    expect(nonzero).toBe(want.length);
    // What reading ap_int<5> as a plain integer type would have destroyed: every weight below 1.
    const fractional = want.filter((v) => Math.abs(v) < 1).length;
    expect(fractional / want.length).toBeGreaterThan(0.9);
    expect(want.every((v) => Number.isInteger(Math.log2(Math.abs(v))) && Math.abs(v) <= 1)).toBe(true);
    const note = s.diagnostics.find((d) => d.code === 'FML4014');
    expect(note?.loc?.node).toBe('q_dense_2');
    expect(note?.message).toMatch(/int<5>.*exponent type/);
    expect(s.diagnostics.some((d) => d.code === 'FML6506' || d.code === 'FML6507')).toBe(false);

    const g = s.graph;
    // Strategy: Stable on the softmax (older hls4ml's way to pick the implementation), its tables and table_size.
    const sm = layer(g, 'activation_3');
    expect(sm.attrs).toMatchObject({ op: 'Softmax', implementation: 'stable' });
    expect(fmt(sm.precision['exp_table'])).toBe(t('ap_fixed<18,8,AP_RND,AP_SAT>'));
    expect(fmt(sm.precision['inv_table'])).toBe(t('ap_fixed<18,8,AP_RND,AP_SAT>'));
    expect(fmt(sm.precision['result'])).toBe(t('ap_fixed<16,6>'));
    expect(sm.tableSize).toBe(1024);
    expect(s.diagnostics.find((d) => d.code === 'FML4013')?.loc?.jsonPointer).toBe('/HLSConfig/LayerName/activation_3/Strategy');
    // The other layers: the configuration's types, reuse factors and strategies.
    expect(fmt(layer(g, 'input_3').precision['result'])).toBe(t('ap_fixed<16,6>'));
    expect(fmt(layer(g, 'q_activation_2').precision['result'])).toBe(t('ap_fixed<3,1>'));
    expect(fmt(layer(g, 'q_activation_3').precision['result'])).toBe(t('ap_fixed<4,2>'));
    const d2 = layer(g, 'q_dense_2');
    expect(fmt(d2.precision['bias'])).toBe(t('ap_fixed<3,1>'));
    expect([d2.reuseFactor, d2.strategy]).toEqual([112, 'resource']);
    const d3 = layer(g, 'q_dense_3');
    expect([fmt(d3.precision['weight']), fmt(d3.precision['bias'])]).toEqual([t('ap_fixed<5,1>'), t('ap_fixed<5,1>')]);
    expect([d3.reuseFactor, d3.strategy]).toEqual([1, 'latency']);
    // q_dense_3's 4-bit symmetric kernel fits ap_fixed<5,1>: its weights are the quantizer's too.
    const raw3 = layer(s.raw, 'q_dense_3');
    const m3 = mapFact(raw3.quant!.kernel!, true);
    if (!m3.ok) throw new Error(m3.reason);
    expect(Array.from(quantizeConst(d3.weights['kernel']!.data, d3.precision['weight'] as FixedType, true))).toEqual(Array.from(raw3.weights['kernel']!.data, (v) => m3.value.quantize(v, 0)));
    expect(s.config.part).toBe('xcku115-flvb2104-2-i');
    expect(s.diagnostics.filter((d) => d.code === 'FML4010' || d.code === 'FML4012')).toEqual([]);
  });
});

/** `typedef ap_fixed<8,3> name;` lines of an hls4ml defines.h, by name. */
function typedefs(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^typedef\s+(.+?)\s+(\w+);$/gm)].map((m) => [m[2]!, m[1]!]));
}

const conv = (cls: string, name: string, config: Record<string, unknown>, inputs: string[]) =>
  klayer(cls, name, { strides: cls === 'Conv1D' ? [1] : [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: cls === 'Conv1D' ? [1] : [1, 1], use_bias: true, ...config }, inputs);

describe('public hls4ml projects: their written configs give the types hls4ml built', () => {
  it('pointwise_conv1d: the typedefs of its defines.h and the struct of its parameters.h', async () => {
    const defs = typedefs(readFileSync(path.join(DIR, 'pointwise_conv1d_defines.h'), 'utf8'));
    const params = readFileSync(path.join(DIR, 'pointwise_conv1d_parameters.h'), 'utf8');
    const num = (k: string) => Number(new RegExp(`struct config4 : [^]*?static const unsigned ${k} = (\\d+);`).exec(params)![1]);
    // The model of parameters.h: input 4 x 3, a Conv1D of 10 filters of width 1.
    const [width, chan, filt, kw] = [num('in_width'), num('n_chan'), num('n_filt'), num('filt_width')];
    expect([width, chan, filt, kw]).toEqual([4, 3, 10, 1]);
    const dir = tmpDir();
    const json = await writeJsonModel(dir, 'pw', functional([inputLayer('input_1', [width, chan]), conv('Conv1D', 'conv1d', { filters: filt, kernel_size: [kw], padding: 'valid', activation: 'linear' }, ['input_1'])], ['input_1'], ['conv1d']), [
      { name: 'input_1', weights: [] },
      { name: 'conv1d', weights: [{ name: 'kernel', shape: [kw, chan, filt], data: seq(kw * chan * filt, 3) }, { name: 'bias', shape: [filt], data: seq(filt, 4) }] },
    ]);
    const s = await loadSession(json, { config: path.join(DIR, 'pointwise_conv1d_hls4ml_config.yml') });
    const g = s.graph;
    const c = layer(g, 'conv1d');
    expect(fmt(layer(g, 'input_1').precision['result'])).toBe(t(defs['input_t']!));
    expect(fmt(c.precision['weight'])).toBe(t(defs['conv1d_weight_t']!));
    expect(fmt(c.precision['bias'])).toBe(t(defs['conv1d_bias_t']!));
    // parameters.h: accum_t is model_default_t; the output of the last layer is result_t.
    expect(params).toMatch(/typedef model_default_t accum_t;/);
    expect(fmt(c.precision['accum'])).toBe(t(defs['model_default_t']!));
    const out = g.layers.find((l) => l.outputs.includes(g.outputs[0]!))!;
    expect(fmt(out.precision['result'])).toBe(t(defs['result_t']!));
    expect(c.reuseFactor).toBe(num('reuse_factor'));
    expect(params).toMatch(/static const unsigned strategy = nnet::latency;/);
    expect(c.strategy).toBe('latency');
    expect(s.diagnostics.filter((d) => d.code === 'FML4010' || d.code === 'FML4012')).toEqual([]);
    expect(s.diagnostics.find((d) => d.loc?.jsonPointer === '/HLSConfig/LayerName/conv1d/ConvImplementation')?.code).toBe('FML4015');
  });

  it('SR_HLS: Resource RF 8 on every layer, table_size / table_t on the ReLUs, BramFactor 0 warned', async () => {
    // Its seven Conv2D layers (conv2d ... conv2d_5 with ReLU, conv2d_6 linear), 8 channels so that RF 8 is valid.
    const layers: Record<string, unknown>[] = [inputLayer('input_1', [4, 4, 8])];
    const ws: Array<{ name: string; weights: SynthWeight[] }> = [{ name: 'input_1', weights: [] }];
    let prev = 'input_1';
    for (let k = 0; k < 7; k++) {
      const name = k === 0 ? 'conv2d' : `conv2d_${k}`;
      layers.push(conv('Conv2D', name, { filters: 8, kernel_size: [3, 3], activation: k === 6 ? 'linear' : 'relu' }, [prev]));
      ws.push({ name, weights: [{ name: 'kernel', shape: [3, 3, 8, 8], data: weights(576, 100 + k, 0.3) }, { name: 'bias', shape: [8], data: weights(8, 200 + k, 0.2) }] });
      prev = name;
    }
    const json = await writeJsonModel(tmpDir(), 'sr', functional(layers, ['input_1'], [prev]), ws);
    const s = await loadSession(json, { config: path.join(DIR, 'sr_hls_hls4ml_config.yml') });
    const g = s.graph;
    expect(s.config.ioType).toBe('io_stream');
    for (let k = 0; k < 7; k++) {
      const c = layer(g, k === 0 ? 'conv2d' : `conv2d_${k}`);
      expect([c.reuseFactor, c.strategy], c.name).toEqual([8, 'resource']);
      expect([fmt(c.precision['weight']), fmt(c.precision['bias']), fmt(c.precision['result'])]).toEqual([t('ap_fixed<16,6>'), t('ap_fixed<16,6>'), t('ap_fixed<16,6>')]);
      if (k < 6) expect(fmt(layer(g, `${c.name}_relu`).precision['result'])).toBe(t('ap_fixed<16,6>'));
    }
    expect(s.config.layerName.get('conv2d_relu')?.tableSize).toBe(1024);
    const bram = s.diagnostics.find((d) => d.loc?.jsonPointer === '/HLSConfig/Model/BramFactor');
    expect(bram).toMatchObject({ code: 'FML4015', severity: 'warning' });
    // conv2d_6_linear is the identity hls4ml also removes; every other LayerName is a layer.
    expect(s.diagnostics.filter((d) => d.code === 'FML4012').map((d) => d.message).filter((m) => !/"conv2d_6_linear"/.test(m))).toEqual([]);
  });

  it('vitis_accel_backend_test: Strategy: Stable on output_softmax, QKeras-typed conv/dense layers, every LayerName matched', async () => {
    // A model with the layer names (and layer kinds) of that project: three QConv2D + QActivation +
    // MaxPooling2D blocks, Flatten, two QDense + BatchNormalization + QActivation, a Dense and a softmax.
    const q = (name: string, config: Record<string, unknown>) => ({ class_name: name, config });
    const bits6 = q('quantized_bits', { bits: 6, integer: 0, alpha: 1 });
    const relu6 = q('quantized_relu', { bits: 6, integer: 0 });
    const layers: Record<string, unknown>[] = [inputLayer('input_2', [8, 8, 1])];
    const weightsOf: Array<{ name: string; weights: SynthWeight[] }> = [{ name: 'input_2', weights: [] }];
    let prev = 'input_2';
    let ch = 1;
    for (let k = 0; k < 3; k++) {
      layers.push(conv('QConv2D', `fused_convbn_${k}`, { filters: 2, kernel_size: [3, 3], activation: 'linear', kernel_quantizer: bits6, bias_quantizer: bits6 }, [prev]));
      layers.push(klayer('QActivation', `conv_act_${k}`, { activation: relu6 }, [`fused_convbn_${k}`]));
      layers.push(klayer('MaxPooling2D', `pool_${k}`, { pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' }, [`conv_act_${k}`]));
      weightsOf.push({ name: `fused_convbn_${k}`, weights: [{ name: 'kernel', shape: [3, 3, ch, 2], data: weights(18 * ch, 11 + k, 0.9) }, { name: 'bias', shape: [2], data: weights(2, 21 + k, 0.4) }] });
      for (const n of [`conv_act_${k}`, `pool_${k}`]) weightsOf.push({ name: n, weights: [] });
      prev = `pool_${k}`;
      ch = 2;
    }
    layers.push(klayer('Flatten', 'flatten_1', {}, [prev]));
    weightsOf.push({ name: 'flatten_1', weights: [] });
    prev = 'flatten_1';
    let nIn = 2;
    for (let k = 0; k < 2; k++) {
      layers.push(klayer('QDense', `dense_${k}`, { units: 4, activation: 'linear', use_bias: true, kernel_quantizer: bits6 }, [prev]));
      layers.push(klayer('BatchNormalization', `bn_dense_${k}`, { axis: -1, epsilon: 0.001, center: true, scale: true }, [`dense_${k}`]));
      layers.push(klayer('QActivation', `dense_act_${k}`, { activation: relu6 }, [`bn_dense_${k}`]));
      weightsOf.push({ name: `dense_${k}`, weights: [{ name: 'kernel', shape: [nIn, 4], data: weights(nIn * 4, 31 + k, 0.9) }, { name: 'bias', shape: [4], data: weights(4, 41 + k, 0.3) }] });
      const bn = (n: string, seed: number, off: number) => ({ name: n, shape: [4], data: seq(4, seed).map((v) => off + 0.3 * v) });
      weightsOf.push({ name: `bn_dense_${k}`, weights: [bn('gamma', 51 + k, 1), bn('beta', 61 + k, 0), bn('moving_mean', 71 + k, 0), bn('moving_variance', 81 + k, 1)] });
      weightsOf.push({ name: `dense_act_${k}`, weights: [] });
      prev = `dense_act_${k}`;
      nIn = 4;
    }
    layers.push(klayer('Dense', 'output_dense', { units: 3, activation: 'linear', use_bias: true }, [prev]));
    layers.push(klayer('Activation', 'output_softmax', { activation: 'softmax' }, ['output_dense']));
    weightsOf.push({ name: 'output_dense', weights: [{ name: 'kernel', shape: [4, 3], data: seq(12, 91) }, { name: 'bias', shape: [3], data: seq(3, 92) }] });
    weightsOf.push({ name: 'output_softmax', weights: [] });
    const json = await writeJsonModel(tmpDir(), 'vitis_accel_cnn', functional(layers, ['input_2'], ['output_softmax']), weightsOf);
    const s = await loadSession(json, { config: path.join(DIR, 'vitis_accel_backend_test_hls4ml_config.yml') });
    const g = s.graph;
    expect(s.config.ioType).toBe('io_stream');
    expect(layer(g, 'output_softmax').attrs).toMatchObject({ op: 'Softmax', implementation: 'stable' });
    expect(s.diagnostics.find((d) => d.code === 'FML4013')?.loc?.jsonPointer).toBe('/HLSConfig/LayerName/output_softmax/Strategy');
    for (let k = 0; k < 3; k++) {
      const c = layer(g, `fused_convbn_${k}`);
      expect([fmt(c.precision['weight']), fmt(c.precision['bias']), fmt(c.precision['result'])]).toEqual([t('fixed<6,1>'), t('fixed<6,1>'), t('fixed<16,6>')]);
      expect(fmt(layer(g, `conv_act_${k}`).precision['result'])).toBe(t('ufixed<6,0,RND_CONV,SAT>'));
      expect(fmt(layer(g, `pool_${k}`).precision['result'])).toBe(t('fixed<16,6>'));
    }
    for (let k = 0; k < 2; k++) {
      const d = layer(g, `dense_${k}`);
      expect([fmt(d.precision['weight']), fmt(d.precision['bias'])]).toEqual([t('fixed<6,1>'), t('fixed<16,6>')]);
      expect(fmt(layer(g, `dense_act_${k}`).precision['result'])).toBe(t('ufixed<6,0,RND_CONV,SAT>'));
    }
    // The quantized 6-bit kernels are kept as the quantizer makes them.
    const raw = layer(s.raw, 'fused_convbn_0');
    const m = mapFact(raw.quant!.kernel!, true);
    if (!m.ok) throw new Error(m.reason);
    const c0 = layer(g, 'fused_convbn_0');
    expect(Array.from(quantizeConst(c0.weights['kernel']!.data, c0.precision['weight'] as FixedType, true))).toEqual(Array.from(raw.weights['kernel']!.data, (v) => m.value.quantize(v, 0)));
    // Every LayerName of the file names a layer of this model (hls4ml's names, as fastml builds them).
    expect(s.diagnostics.filter((d) => d.code === 'FML4012').map((d) => d.message)).toEqual([]);
    expect(s.diagnostics.find((d) => d.loc?.jsonPointer === '/Backend')?.message).toMatch(/VitisAccelerator.*AcceleratorConfig/);
  });
});
