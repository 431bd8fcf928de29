/**
 * @fileoverview Configurations hls4ml was run with give the types hls4ml built from them.
 *
 * For every hls4ml reference case (reference/hls4ml/<case>: config.yml as hls4ml read it, case.yml
 * with what it built), every type of every layer hls4ml kept is compared with fastml's, twice: with
 * `resolved_layers` (hls4ml's types after its optimizer flows) and with `generated_cpp` (read back
 * from the C++ hls4ml wrote: the output type of each kernel call, every `*_t` of its config structs,
 * and every typedef of defines.h, each accounted for by its name or by the call it feeds). Types hls4ml lists that no fastml kernel reads are
 * allowed only from an explicit list, each with why, so a new kind of type fails the test.
 *
 * For the configurations shipped with the example-models QKeras models (written by hls4ml's
 * config_from_keras_model), fastml's types equal what hls4ml builds from them, as recorded in
 * ../shared/models/README.md (weights ap_fixed<6,1>, quantized_relu results
 * ap_fixed<7,1,AP_RND_CONV,AP_SAT>, default ap_fixed<16,6>, the softmax tables).
 */

import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { formatHls4ml, parseType } from '../../../src/fixed/type.js';
import type { FixedType, TypeSpec } from '../../../src/fixed/type.js';
import type { Graph, Layer } from '../../../src/ir/graph.js';
import { loadModel } from '../../../src/frontends/index.js';
import { runPipeline } from '../../../src/passes/pipeline.js';
import { defaultInpNorm } from '../../../src/emulator/activations.js';
import { loadSession } from '../../../src/emulator/session.js';
import { dataDir } from '../../helpers/data.js';
import { quantizeConst } from '../../../src/emulator/weights.js';
import { mapFact } from '../../../src/passes/quant-types.js';

const ref = path.join(dataDir, 'reference/hls4ml');
const fmt = (t: TypeSpec | undefined): string => (t === undefined ? 'none' : t === 'auto' ? 'auto' : formatHls4ml(t));
/** A C++ type as hls4ml prints it (`ap_ufixed<15, 5>`, `nnet::array<ap_fixed<16,6>, 64*1>`), in hls4ml's form. */
const cpp = (s: string): string => {
  const inner = /^nnet::array<(.*),[^,<>]*>$/.exec(s.replace(/\s+/g, ''))?.[1] ?? s.replace(/\s+/g, '');
  return formatHls4ml(parseType(inner));
};

/**
 * Types hls4ml declares for a layer that the layer's kernel never reads, so fastml has no slot for
 * them: by hls4ml class and type name, with the activation where it matters.
 */
const UNREAD: Readonly<Record<string, string>> = {
  'Dense.index_t': 'the index type of compressed (sparse) weights; unused without Compression',
  'GRU.index_t': 'the index type of compressed weights of the GRU\'s inner dense products; unused without Compression',
  'LSTM.index_t': 'as for GRU',
  'Activation(relu).table_t': 'hls4ml gives every Activation a table type; the ReLU kernel has no table',
  'Softmax(latency).inp_norm_t': 'only the stable softmax stores x - max(x); hls4ml declares a placeholder for the others',
  'Softmax(argmax).inp_norm_t': 'as for latency',
  'Softmax(legacy).inp_norm_t': 'as for latency',
};

function producer(g: Graph, l: Layer): Layer | undefined {
  return g.layers.find((p) => p.outputs.includes(l.inputs[0]!));
}

/**
 * fastml's type for hls4ml's `<slot>_t` of a layer. inp_norm_t of the stable softmax is not a
 * configuration type: hls4ml derives it from the input type, as fastml does when it is not set.
 */
function fastmlType(g: Graph, l: Layer, slot: string): TypeSpec | undefined {
  const t = l.precision[slot];
  if (t !== undefined) return t;
  if (slot === 'inp_norm' && l.attrs.op === 'Softmax' && (l.attrs.implementation ?? 'stable') === 'stable') {
    const inT = producer(g, l)?.precision['result'];
    return inT && inT !== 'auto' ? defaultInpNorm(inT as FixedType) : undefined;
  }
  return undefined;
}

function unreadKey(rlClass: string, l: Layer, typeName: string): string {
  const a = l.attrs;
  const act = a.op === 'Activation' ? `(${a.activation})` : a.op === 'Softmax' ? `(${a.implementation ?? 'stable'})` : '';
  return `${rlClass}${act}.${typeName}`;
}

interface ResolvedLayer {
  name: string;
  class: string;
  types: Record<string, string>;
  reuse_factor?: number;
  strategy?: string;
  table_size?: number;
  implementation?: string;
  time_distributed_role?: string;
}
interface GeneratedCall {
  call: string;
  config_struct?: Record<string, unknown>;
  referenced_structs?: Record<string, Record<string, unknown>>;
}

const cases = readdirSync(ref).filter((d) => existsSync(path.join(ref, d, 'config.yml')) && existsSync(path.join(ref, d, 'case.yml')));

describe('hls4ml reference configs: fastml builds the types hls4ml built', () => {
  it('covers every reference case', () => expect(cases.length).toBeGreaterThanOrEqual(14));
  for (const c of cases) {
    it(c, async () => {
      const cfg = loadConfig(path.join(ref, c, 'config.yml'), { baseDir: dataDir });
      const m = cfg.modelFiles;
      const modelFile = m.kerasJson ?? m.kerasModel ?? m.onnx;
      expect(modelFile, 'the config names its model').toBeDefined();
      const g = runPipeline(await loadModel(modelFile!, m.kerasH5 ? { weights: m.kerasH5 } : {}), cfg).graph;
      const meta = YAML.parse(readFileSync(path.join(ref, c, 'case.yml'), 'utf8')) as { resolved_layers: ResolvedLayer[]; generated_cpp?: { typedefs: Record<string, string>; calls: Record<string, GeneratedCall> } };
      const mismatches: string[] = [];
      let compared = 0;
      const check = (what: string, want: string, got: TypeSpec | undefined): void => {
        compared++;
        if (fmt(got) !== want) mismatches.push(`${what}: hls4ml ${want}, fastml ${fmt(got)}`);
      };
      // 1. resolved_layers: every type of every layer hls4ml kept.
      for (const rl of meta.resolved_layers) {
        // A TimeDistributed loop start holds one time step; fastml applies the wrapped layers to the sequence.
        if (rl.time_distributed_role?.startsWith('loop start')) continue;
        const l = g.layers.find((x) => x.name === rl.name);
        if (!l) {
          mismatches.push(`layer ${rl.name} (${rl.class}) is missing`);
          continue;
        }
        for (const [k, want] of Object.entries(rl.types)) {
          const got = fastmlType(g, l, k.slice(0, -2));
          if (got === undefined && UNREAD[unreadKey(rl.class, l, k)]) continue;
          check(`${rl.name}.${k}`, want, got);
        }
        if (rl.reuse_factor !== undefined && mismatches.length === 0) expect(l.reuseFactor ?? 1, `${rl.name} reuse factor`).toBe(rl.reuse_factor);
        if (rl.strategy) expect(l.strategy, `${rl.name} strategy`).toBe(rl.strategy);
        if (rl.implementation && l.attrs.op === 'Softmax') expect((l.attrs as { implementation?: string }).implementation, `${rl.name} softmax`).toBe(rl.implementation);
        if (rl.table_size !== undefined && (l.attrs.op === 'Softmax' || l.precision['table'] !== undefined)) expect(l.tableSize, `${rl.name} table size`).toBe(rl.table_size);
      }
      // 2. generated_cpp: the output type of each kernel call and every *_t of its config structs.
      const gc = meta.generated_cpp;
      if (gc) {
        for (const [name, call] of Object.entries(gc.calls)) {
          const l = g.layers.find((x) => x.name === name);
          if (!l) {
            // TimeDistributed's loop start and end (time-step copies): part 3 checks their types.
            const role = meta.resolved_layers.find((rl) => rl.name === name)?.time_distributed_role;
            if (!role?.startsWith('loop')) mismatches.push(`C++ call of ${name} has no fastml layer`);
            continue;
          }
          const args = /<(.*)>/.exec(call.call)?.[1]?.split(',').map((s) => s.trim()) ?? [];
          const out = args[1] !== undefined ? gc.typedefs[args[1]] : undefined;
          if (out !== undefined) check(`${name} output (${args[1]})`, cpp(out), l.precision['result']);
          const cls = meta.resolved_layers.find((rl) => rl.name === name)?.class ?? l.attrs.op;
          for (const st of [call.config_struct, ...Object.values(call.referenced_structs ?? {})]) {
            for (const [k, v] of Object.entries(st ?? {})) {
              if (!k.endsWith('_t') || typeof v !== 'string') continue;
              const got = fastmlType(g, l, k.slice(0, -2));
              if (got === undefined && UNREAD[unreadKey(cls, l, k)]) continue;
              check(`${name} C++ ${k}`, cpp(v), got);
            }
          }
        }
      }
      // 3. Every typedef of defines.h, each accounted for: by name (input_t, result_t,
      // model_default_t, <layer or class>_<slot>_t, layerN_index) or as the output of a call.
      if (gc) {
        const outputsOf = new Map<string, string>();
        let wrapped: string[] = [];
        for (const [name, call] of Object.entries(gc.calls)) {
          const args = /<([^()]*)>/.exec(call.call)?.[1]?.split(',').map((x) => x.trim()) ?? [];
          const role = meta.resolved_layers.find((rl) => rl.name === name) as (ResolvedLayer & { wrapped_layers?: string[] }) | undefined;
          if (role?.time_distributed_role?.startsWith('loop start')) {
            // read_time_step<seq_t, configN>: layerN_t holds one time step of the sequence, a copy.
            wrapped = role.wrapped_layers ?? [];
            const n = /config(\d+)/.exec(call.call)?.[1];
            const owner = outputsOf.get(args[0]!);
            if (n && owner) outputsOf.set(`layer${n}_t`, owner);
          } else if (role?.time_distributed_role?.startsWith('loop end')) {
            // write_time_step<seq_t, configN>: seq_t collects the last wrapped layer's outputs.
            if (args[0] && wrapped.length) outputsOf.set(args[0], wrapped[wrapped.length - 1]!);
          } else if (args[1]) outputsOf.set(args[1], name);
        }
        const inputLayer = g.layers.find((l) => l.attrs.op === 'Input');
        const lastLayer = g.layers.find((l) => l.outputs.includes(g.outputs[0]!));
        const SLOTS = ['recurrent_weight', 'recurrent_bias', 'exp_table', 'inv_table', 'inv_inp', 'inp_norm', 'accum', 'weight', 'bias', 'scale', 'table'];
        for (const [name, v] of Object.entries(gc.typedefs)) {
          const want = cpp(v);
          if (name === 'input_t') check('typedef input_t', want, inputLayer?.precision['result']);
          else if (name === 'result_t') check('typedef result_t', want, lastLayer?.precision['result']);
          else if (name === 'model_default_t') check('typedef model_default_t', want, cfg.model.precision['default']);
          else if (/^layer\d+_index$/.test(name)) continue; // index_t of compressed weights (UNREAD)
          else if (/^layer\d+_t$/.test(name)) {
            const owner = outputsOf.get(name);
            if (owner === undefined) mismatches.push(`typedef ${name} is the output of no kernel call`);
            else check(`typedef ${name}`, want, g.layers.find((l) => l.name === owner)?.precision['result']);
          } else {
            const slot = SLOTS.find((sl) => name.endsWith(`_${sl}_t`));
            const prefix = slot ? name.slice(0, -(slot.length + 3)) : undefined;
            const owners = prefix === undefined ? [] : g.layers.filter((l) => l.name === prefix || (meta.resolved_layers.find((rl) => rl.name === l.name)?.class === prefix && !g.layers.some((x) => x.name === prefix)));
            if (!slot || owners.length === 0) {
              mismatches.push(`typedef ${name} names no layer or class`);
              continue;
            }
            for (const l of owners) {
              const got = fastmlType(g, l, slot);
              const cls = meta.resolved_layers.find((rl) => rl.name === l.name)?.class ?? l.attrs.op;
              if (got === undefined && UNREAD[unreadKey(cls, l, `${slot}_t`)]) continue;
              check(`typedef ${name} (${l.name})`, want, got);
            }
          }
        }
      }
      expect(mismatches, `${c}: ${compared} types compared`).toEqual([]);
      expect(compared).toBeGreaterThan(meta.resolved_layers.length);
    });
  }
});

/** A layer's kernel as the emulator (and the C++) holds it: cast to the layer's weight type. */
function castWeights(l: Layer): number[] {
  return Array.from(quantizeConst(l.weights['kernel']!.data, l.precision['weight'] as FixedType, true));
}

/** The model's own kernel quantizer applied to the raw kernel. */
function quantizerValues(raw: Layer): number[] {
  const m = mapFact(raw.quant!.kernel!, true);
  if (!m.ok) throw new Error(m.reason);
  return Array.from(raw.weights['kernel']!.data, (v) => m.value.quantize(v, 0));
}

/** The QKeras example models with the hls4ml configurations shipped beside them. */
describe('example-models QKeras configs: the types hls4ml builds from them', () => {
  const models = path.join(dataDir, 'models');
  const t = (s: string) => formatHls4ml(parseType(s));
  const get = (g: Graph, name: string): Layer => {
    const l = g.layers.find((x) => x.name === name);
    expect(l, name).toBeDefined();
    return l!;
  };

  it('qkeras_3layer_config.yml: weights and biases ap_fixed<6,1>, quantized_relu results ap_fixed<7,1,AP_RND_CONV,AP_SAT>, softmax tables', async () => {
    const dir = path.join(models, 'qkeras_jet_mlp_3layer');
    const s = await loadSession(path.join(dir, 'qkeras_3layer.json'), { config: path.join(dir, 'qkeras_3layer_config.yml'), weights: path.join(dir, 'qkeras_3layer_weights.h5') });
    const g = s.graph;
    expect(fmt(get(g, 'fc1_input').precision['result'])).toBe(t('ap_fixed<16,6>'));
    for (const d of ['fc1', 'fc2', 'fc3', 'output']) {
      const l = get(g, d);
      expect(fmt(l.precision['weight']), `${d} weight`).toBe(t('ap_fixed<6,1>'));
      expect(fmt(l.precision['bias']), `${d} bias`).toBe(t('ap_fixed<6,1>'));
      expect(fmt(l.precision['result']), `${d} result`).toBe(t('ap_fixed<16,6>'));
      expect(fmt(l.precision['accum']), `${d} accum`).toBe(t('ap_fixed<16,6>'));
      expect(l.reuseFactor).toBe(1);
      expect(l.strategy).toBe('latency');
    }
    for (const r of ['relu1', 'relu2', 'relu3']) expect(fmt(get(g, r).precision['result']), r).toBe(t('ap_fixed<7,1,AP_RND_CONV,AP_SAT>'));
    const sm = get(g, 'softmax');
    expect(fmt(sm.precision['result'])).toBe(t('ap_fixed<16,6>'));
    expect(fmt(sm.precision['exp_table'])).toBe(t('ap_fixed<18,8>'));
    expect(fmt(sm.precision['inv_table'])).toBe(t('ap_fixed<18,4>'));
    expect(sm.tableSize).toBe(1024);
    // The weights the emulator computes with (cast to ap_fixed<6,1>) are the quantizer's, in every layer.
    for (const d of ['fc1', 'fc2', 'fc3', 'output']) expect(castWeights(get(g, d)), d).toEqual(quantizerValues(get(s.raw, d)));
    expect(s.diagnostics.filter((d) => d.code === 'FML4010' || d.code === 'FML4012')).toEqual([]);
  });

  it('qkeras_mnist_cnn_config.yml: conv and dense weights ap_fixed<6,1>, activations ap_fixed<7,1,AP_RND,AP_SAT>, RF 16 model / 1 per layer, io_stream', async () => {
    const dir = path.join(models, 'qkeras_mnist_cnn');
    const s = await loadSession(path.join(dir, 'qkeras_mnist_cnn.json'), { config: path.join(dir, 'qkeras_mnist_cnn_config.yml'), weights: path.join(dir, 'qkeras_mnist_cnn_weights.h5') });
    const g = s.graph;
    expect(s.config.ioType).toBe('io_stream');
    for (const d of ['q_conv2d', 'q_conv2d_1', 'q_dense']) {
      const l = get(g, d);
      expect(fmt(l.precision['weight']), `${d} weight`).toBe(t('ap_fixed<6,1>'));
      expect(fmt(l.precision['bias']), `${d} bias`).toBe(t('ap_fixed<6,1>'));
      expect(l.reuseFactor, `${d} RF`).toBe(1);
    }
    for (const d of ['q_conv2d', 'q_conv2d_1', 'q_dense']) expect(castWeights(get(g, d)), d).toEqual(quantizerValues(get(s.raw, d)));
    for (const a of ['q_activation', 'q_activation_1']) expect(fmt(get(g, a).precision['result']), a).toBe(t('ap_fixed<7,1,AP_RND,AP_SAT>'));
    for (const p of ['max_pooling2d', 'max_pooling2d_1']) expect(fmt(get(g, p).precision['result']), p).toBe(t('ap_fixed<16,6>'));
    const sm = get(g, 'softmax');
    expect(fmt(sm.precision['exp_table'])).toBe(t('ap_fixed<18,12,AP_RND,AP_SAT>'));
    expect(fmt(sm.precision['inv_table'])).toBe(t('ap_fixed<18,4,AP_RND,AP_SAT>'));
    expect(sm.tableSize).toBe(1024);
    // Layers the config does not name take the Model ReuseFactor.
    const unnamed = g.layers.filter((l) => !/^(input_1|max_pooling2d(_1)?|q_activation(_1)?|q_conv2d(_1)?|q_dense|softmax)$/.test(l.name) && ['Dense', 'Conv'].includes(l.attrs.op));
    for (const l of unnamed) expect(l.reuseFactor, l.name).toBe(16);
    expect(s.diagnostics.filter((d) => d.code === 'FML4010' || d.code === 'FML4012')).toEqual([]);
  });
});
