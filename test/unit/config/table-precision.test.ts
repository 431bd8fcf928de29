/**
 * @fileoverview Table types written inside Precision (`Precision: {table: ...}`), as hls4ml 1.x's
 * config writer does for every activation. hls4ml ignores them (it reads table types only from
 * `table_t` keys and otherwise uses its attribute default); fastml honours them. So:
 *
 * - a value equal to hls4ml's default for that layer gives the same table in both tools and no
 *   warning (the verbatim ResNet-18 hls4ml_config.yml has 42 of them: none may warn);
 * - a value that differs warns FML4011 once per slot and value, listing the layers, with the
 *   pointer of the entry; the default compared with is the layer's own (LayerNorm's differs).
 */

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configFromObject, loadConfig } from '../../../src/config/load.js';
import { applyConfigPass } from '../../../src/passes/apply-config.js';
import { formatHls4ml } from '../../../src/fixed/type.js';
import type { FixedType } from '../../../src/fixed/type.js';
import type { Graph, Layer } from '../../../src/ir/graph.js';
import { SeqBuilder, ctx, runPass } from '../passes/helpers.js';
import { dataDir } from '../../helpers/data.js';

const RESNET = path.join(dataDir, 'configs/hls4ml-written/resnet18_split_hls4ml_config.yml');
const layer = (g: Graph, name: string): Layer => g.layers.find((l) => l.name === name)!;
const slot = (g: Graph, name: string, s: string): string => formatHls4ml(layer(g, name).precision[s] as FixedType);

/** sigmoid a1, a2, a3 -> tanh t1 -> softmax sm. */
function activations(): Graph {
  return new SeqBuilder([8])
    .act('a1', 'sigmoid')
    .act('a2', 'sigmoid')
    .act('a3', 'sigmoid')
    .act('t1', 'tanh')
    .add('sm', { op: 'Softmax', axis: -1 })
    .build();
}

function apply(g: Graph, raw: unknown, file?: string) {
  const cfg = configFromObject(raw, file);
  const c = ctx(cfg);
  const out = runPass(applyConfigPass, g, c);
  return { cfg, out, diags: c.diagnostics.filter((d) => d.code === 'FML4011') };
}

describe('Precision table types: warned only where they differ from hls4ml\'s default', () => {
  it('hls4ml\'s own defaults inside Precision: no warning, and the tables hls4ml builds', () => {
    const block = { Precision: { result: 'fixed<8,2>', table: 'fixed<18,8>' } };
    const { cfg, out, diags } = apply(activations(), {
      HLSConfig: {
        Model: { Precision: 'fixed<16,6>' },
        LayerName: { a1: block, a2: block, a3: block, t1: block, sm: { Precision: { result: 'fixed<8,2>', table: 'fixed<18,8>', exp_table: 'fixed<18,8,RND,SAT>', inv_table: 'fixed<18,8,RND,SAT>' } } },
      },
    });
    expect(cfg.warnings.filter((w) => w.code === 'FML4011')).toEqual([]);
    expect(diags).toEqual([]);
    expect(slot(out, 'a2', 'table')).toBe('fixed<18,8,TRN,WRAP,0>');
    expect(slot(out, 'sm', 'exp_table')).toBe('fixed<18,8,RND,SAT,0>');
    expect(slot(out, 'sm', 'inv_table')).toBe('fixed<18,8,RND,SAT,0>');
  });

  it('a value that differs: one warning per slot and value, listing the layers, honoured by fastml', () => {
    const narrow = { Precision: { table: 'fixed<12,4>' } };
    const { out, diags } = apply(
      activations(),
      { HLSConfig: { Model: { Precision: 'fixed<16,6>' }, LayerName: { a1: narrow, a2: narrow, t1: narrow, a3: { Precision: { table: 'fixed<18,8>' } }, sm: { Precision: { exp_table: 'fixed<16,6>' } } } } },
      'c.yml',
    );
    expect(diags).toHaveLength(2);
    const table = diags.find((d) => /"table"/.test(d.message))!;
    expect(table.severity).toBe('warning');
    expect(table.message).toMatch(/fixed<12,4,TRN,WRAP,0>.*default fixed<18,8,TRN,WRAP,0>.*3 layers: a1, a2, t1$/);
    expect(table.loc).toEqual({ file: 'c.yml', jsonPointer: '/HLSConfig/LayerName/a1/Precision/table' });
    expect(table.hint).toMatch(/table_t: fixed<12,4,TRN,WRAP,0>/);
    const exp = diags.find((d) => /"exp_table"/.test(d.message))!;
    expect(exp.message).toMatch(/default fixed<18,8,RND,SAT,0>.*1 layer: sm$/);
    // fastml applies what the file says (the warning says so).
    expect(slot(out, 'a1', 'table')).toBe('fixed<12,4,TRN,WRAP,0>');
    expect(slot(out, 'a3', 'table')).toBe('fixed<18,8,TRN,WRAP,0>');
    expect(slot(out, 'sm', 'exp_table')).toBe('fixed<16,6,TRN,WRAP,0>');
  });

  it('a Model- or LayerType-level Precision table counts every layer it reaches, once', () => {
    const { diags } = apply(activations(), { HLSConfig: { Model: { Precision: 'fixed<16,6>' }, LayerType: { Activation: { Precision: { table: 'fixed<10,3>' } } } } });
    expect(diags).toHaveLength(1);
    // The softmax answers to LayerType Activation too, as in fastml's class names for it.
    expect(diags[0]!.message).toMatch(/5 layers: a1, a2, a3, t1, sm$/);
    expect(diags[0]!.loc?.jsonPointer).toBe('/HLSConfig/LayerType/Activation/Precision/table');
  });

  it('the default compared with is the layer\'s own: fixed<18,8> on a LayerNorm is not hls4ml\'s', () => {
    const w = { scale: { shape: [8], data: new Float64Array(8).fill(1) }, bias: { shape: [8], data: new Float64Array(8) } };
    const g = new SeqBuilder([4, 8]).add('ln', { op: 'LayerNorm', epsilon: 1e-3 }, [4, 8], { weights: w }).build();
    const { diags } = apply(g, { HLSConfig: { Model: { Precision: 'fixed<16,6>' }, LayerName: { ln: { Precision: { table: 'fixed<18,8>' } } } } });
    expect(diags).toHaveLength(1);
    expect(diags[0]!.message).toMatch(/default ufixed<8,5,RND_CONV,SAT,0>.*1 layer: ln$/);
  });

  it('a table slot the layer does not have (ReLU) says nothing: neither tool builds that table', () => {
    const g = new SeqBuilder([8]).act('r', 'relu').build();
    expect(apply(g, { HLSConfig: { Model: { Precision: 'fixed<16,6>' }, LayerName: { r: { Precision: { table: 'fixed<9,2>' } } } } }).diags).toEqual([]);
  });
});

describe('verbatim hls4ml 1.0.0 ResNet-18 config (hanghug/resnet18_split): no spurious warning', () => {
  it('its 42 Precision table entries (hls4ml\'s defaults) give no FML4011, at load or when applied', () => {
    const text = readFileSync(RESNET, 'utf8');
    expect(text.match(/^ {8}table: fixed<18,8>$/gm)?.length).toBe(42);
    const cfg = loadConfig(RESNET);
    // What is left is what does change hls4ml's results or hardware (docs/config.md).
    expect(cfg.warnings.filter((w) => w.severity === 'warning').map((w) => `${w.code} ${w.loc?.jsonPointer}`).sort()).toEqual([
      'FML4015 /HLSConfig/Model/PipelineStyle',
      'FML4015 /InputData',
      'FML4015 /OutputPredictions',
    ]);
    // The model's layers by the file's names: ReLU and linear activations, the softmax head.
    const b = new SeqBuilder([16], undefined, 'input_1');
    for (let i = 0; i <= 19; i++) b.act(`activation${i === 0 ? '' : `_${i}`}`, 'relu');
    b.act('q_conv2d_batchnorm_linear', 'linear').act('q_dense_linear', 'linear').add('activation_20', { op: 'Softmax', axis: -1 });
    const c = ctx(cfg);
    const out = runPass(applyConfigPass, b.build(), c);
    expect(c.diagnostics.filter((d) => d.code === 'FML4011')).toEqual([]);
    expect(slot(out, 'activation_20', 'exp_table')).toBe('fixed<18,8,RND,SAT,0>');
    expect(slot(out, 'activation_20', 'table')).toBe('fixed<18,8,TRN,WRAP,0>');
    expect(slot(out, 'activation_3', 'result')).toBe('fixed<8,2,TRN,WRAP,0>');
  });
});
