/**
 * @fileoverview hls4ml configuration: loading YAML/JSON, precedence (LayerName > LayerType > Model,
 * slot > default), direct `*_t` keys, table types in Precision maps (honoured; warned per layer by
 * apply-config, see table-precision.test.ts),
 * unknown keys with closest-key suggestions, hls4ml defaults, and the resolved types of the shared
 * reference cases (case.yml resolved_layers is the truth).
 */

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { configFromObject, defaultConfig, loadConfig } from '../../../src/config/load.js';
import { hlsClassOf, resolveLayer } from '../../../src/config/resolve.js';
import { closestKey } from '../../../src/config/keys.js';
import { formatHls4ml } from '../../../src/fixed/type.js';
import type { Layer } from '../../../src/ir/graph.js';
import { DiagnosticError } from '../../../src/diagnostics/diagnostic.js';
import { loadModel } from '../../../src/frontends/index.js';
import { runPipeline } from '../../../src/passes/pipeline.js';
import { dataDir } from '../../helpers/data.js';

const L = (name: string, attrs: Layer['attrs'], opType?: string): Layer => ({
  name,
  attrs,
  inputs: [],
  outputs: [name],
  weights: {},
  precision: {},
  ...(opType ? { source: { opType } } : {}),
});
const dense = L('fc1', { op: 'Dense', nIn: 4, nOut: 2 });
const sm = L('out_softmax', { op: 'Softmax', axis: -1 });
const sig = L('s', { op: 'Activation', activation: 'sigmoid' });
const fmt = (t: unknown) => formatHls4ml(t as never);

describe('config: precedence', () => {
  const cfg = configFromObject({
    HLSConfig: {
      Model: { Precision: 'fixed<16,6>', ReuseFactor: 2, Strategy: 'Latency' },
      LayerType: { Dense: { Precision: { accum: 'fixed<24,10>' }, ReuseFactor: 4 }, Softmax: { Implementation: 'latency' } },
      LayerName: { FC1: { Precision: { result: 'fixed<10,3,RND,SAT>' }, Strategy: 'Resource' }, out_softmax: { exp_table_t: 'fixed<12,4>', TableSize: 2048 } },
    },
  });
  it('most specific level wins, per slot and per key; names are case-insensitive', () => {
    const r = resolveLayer(cfg, dense);
    expect(fmt(r.precision.result)).toBe('fixed<10,3,RND,SAT,0>');
    expect(fmt(r.precision.accum)).toBe('fixed<24,10,TRN,WRAP,0>');
    expect(fmt(r.precision.weight)).toBe('fixed<16,6,TRN,WRAP,0>');
    expect(r.reuseFactor).toBe(4);
    expect(r.strategy).toBe('resource');
    expect(r.origin.result).toBe('LayerName.FC1.Precision.result');
  });
  it('softmax: direct *_t key, defaults for the other tables, accum from the model default', () => {
    const r = resolveLayer(cfg, sm);
    expect(fmt(r.precision.exp_table)).toBe('fixed<12,4,TRN,WRAP,0>');
    expect(fmt(r.precision.inv_table)).toBe('fixed<18,8,RND,SAT,0>');
    expect(fmt(r.precision.accum)).toBe('fixed<16,6,TRN,WRAP,0>');
    expect(r.implementation).toBe('latency');
    expect(r.tableSize).toBe(2048);
  });
  it('without a config, hls4ml defaults apply', () => {
    const r = resolveLayer(defaultConfig(), sig);
    expect(fmt(r.precision.result)).toBe('fixed<16,6,TRN,WRAP,0>');
    expect(fmt(r.precision.table)).toBe('fixed<18,8,TRN,WRAP,0>');
    expect(r.tableSize).toBe(1024);
    expect(resolveLayer(defaultConfig(), sm).implementation).toBe('stable');
  });
  it('hlsClassOf follows hls4ml class names', () => {
    expect(hlsClassOf(dense)).toBe('Dense');
    expect(hlsClassOf(sm)).toBe('Softmax');
    expect(hlsClassOf(L('c', { op: 'Conv', dims: 2, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: { top: 0, bottom: 0, left: 0, right: 0 }, cIn: 1, cOut: 2, groups: 1 }))).toBe('Conv2D');
    expect(hlsClassOf(L('b', { op: 'BatchNorm', epsilon: 1e-3 }))).toBe('BatchNormalization');
    expect(hlsClassOf(L('l', { op: 'Activation', activation: 'leaky_relu', alpha: 0.1 }))).toBe('LeakyReLU');
  });
});

describe('config: warnings and errors', () => {
  it('unknown keys warn with the closest known key', () => {
    const cfg = configFromObject({ IOtype: 'io_parallel', HLSConfig: { Model: { Precision: 'fixed<16,6>', ReuseFator: 2 }, LayerName: { a: { Precison: 'fixed<8,3>' } } } });
    const msgs = cfg.warnings.map((w) => `${w.code} ${w.message} ${w.hint ?? ''}`);
    expect(msgs.some((m) => /FML4010.*"IOtype".*did you mean "IOType"/.test(m))).toBe(true);
    expect(msgs.some((m) => /FML4010.*"ReuseFator".*did you mean "ReuseFactor"/.test(m))).toBe(true);
    expect(msgs.some((m) => /FML4010.*"Precison".*did you mean "Precision"/.test(m))).toBe(true);
    expect(closestKey('zzzzzz', ['Precision'])).toBeUndefined();
  });
  it('a table type inside Precision is honoured; the warning that hls4ml ignores it comes per layer from apply-config (table-precision.test.ts)', () => {
    const cfg = configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16,6>' }, LayerName: { s: { Precision: { table: 'fixed<12,4>' } } } } });
    expect(fmt(resolveLayer(cfg, sig).precision.table)).toBe('fixed<12,4,TRN,WRAP,0>');
    expect(resolveLayer(cfg, sig).precisionTables).toEqual({ table: '/HLSConfig/LayerName/s/Precision/table' });
    // Not at load: whether it matters depends on the layer's own default, known only per layer.
    expect(cfg.warnings.filter((w) => w.code === 'FML4011')).toEqual([]);
  });
  it('bad type strings and values are errors naming the key path', () => {
    const bad = () => configFromObject({ HLSConfig: { Model: { Precision: 'fixed<16>', ReuseFactor: 0, Strategy: 'Fast' } } }, 'c.yml');
    expect(bad).toThrow(DiagnosticError);
    try {
      bad();
    } catch (e) {
      const d = (e as DiagnosticError).diagnostics;
      expect(d.map((x) => x.loc?.jsonPointer)).toEqual(expect.arrayContaining(['/HLSConfig/Model/Precision', '/HLSConfig/Model/ReuseFactor', '/HLSConfig/Model/Strategy']));
    }
  });
  it('reads YAML and JSON files; syntax errors give the line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fml-cfg-'));
    writeFileSync(path.join(dir, 'a.yml'), 'HLSConfig:\n  Model:\n    Precision: fixed<8,3>\n');
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ HLSConfig: { Model: { Precision: 'fixed<8,3>' } } }));
    expect(fmt(resolveLayer(loadConfig(path.join(dir, 'a.yml')), dense).precision.result)).toBe('fixed<8,3,TRN,WRAP,0>');
    expect(fmt(resolveLayer(loadConfig(path.join(dir, 'a.json')), dense).precision.result)).toBe('fixed<8,3,TRN,WRAP,0>');
    writeFileSync(path.join(dir, 'b.yml'), 'HLSConfig:\n  Model: [\n');
    try {
      loadConfig(path.join(dir, 'b.yml'));
      expect.unreachable();
    } catch (e) {
      const d = (e as DiagnosticError).diagnostics[0]!;
      expect(d.code).toBe('FML4002');
      expect(d.loc?.line).toBeGreaterThan(0);
    }
  });
});

const shared = dataDir;
const ref = path.join(shared, 'reference/hls4ml');
const cases = ['jet_mlp_3layer_batchnorm_name', 'jet_mlp_3layer_model_stable', 'jet_mlp_3layer_softmax_latency_rndsat', 'mlp_2layer_sigmoid_table512', 'conv2d_small'];

describe('config: resolved types equal hls4ml resolved_layers', () => {
  for (const c of cases) {
    it(c, async () => {
      const cfg = loadConfig(path.join(ref, c, 'config.yml'), { baseDir: shared });
      const g = runPipeline(await loadModel(cfg.modelFiles.kerasJson!, { weights: cfg.modelFiles.kerasH5! }), cfg).graph;
      const yml = YAML.parse(readFileSync(path.join(ref, c, 'case.yml'), 'utf8'));
      for (const rl of yml.resolved_layers) {
        const l = g.layers.find((x) => x.name === rl.name);
        expect(l, rl.name).toBeDefined();
        for (const [k, v] of Object.entries(rl.types as Record<string, string>)) {
          if (k === 'index_t' || (k === 'table_t' && l!.precision.table === undefined)) continue;
          const slot = k.slice(0, -2);
          expect(fmt(l!.precision[slot]), `${rl.name}.${k}`).toBe(v);
        }
        if (rl.table_size !== undefined && l!.attrs.op !== 'Activation') expect(l!.tableSize).toBe(rl.table_size);
        if (rl.implementation && l!.attrs.op === 'Softmax') expect((l!.attrs as { implementation?: string }).implementation).toBe(rl.implementation);
        if (rl.strategy) expect(l!.strategy).toBe(rl.strategy);
        expect(l!.reuseFactor ?? 1).toBe(rl.reuse_factor);
      }
    });
  }
});
