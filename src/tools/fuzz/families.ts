/**
 * @fileoverview The mutation families. Each builds one case from the seed corpus: the files to
 * write and the fastml command line to run on them.
 *
 * - bytes:       any seed file (model, weights, config, input) with random byte edits;
 * - onnx:        decoded ModelProto edited (initializer dims / raw data, attributes, nodes, graph
 *                inputs and outputs) and re-encoded;
 * - keras-json:  the architecture JSON edited as a tree (layers, inbound_nodes, shapes, quantizers);
 * - hdf5:        HDF5 files edited through the HDF5 library (model_config, datasets, hard-link
 *                cycles) or byte-edited in their metadata region;
 * - keras-zip:   .keras archives with edited config.json / metadata.json / weights, and zip bombs;
 * - yaml:        hls4ml configurations edited as a tree, deeply nested or with huge values;
 * - npy:         input tensors with edited headers, truncated data, text rows, .npz bombs;
 * - names-flags: hostile layer and project names, and hostile values for every numeric or path flag.
 */

import { unzipSync, zipSync, strFromU8, strToU8 } from 'fflate';
import YAML from 'yaml';
import { onnx } from '../../frontends/onnx/proto.js';
import type { Rng } from './rng.js';
import type { SeedCorpus, SeedModel } from './seeds.js';
import type { Family, FuzzCase } from './types.js';
import { HOSTILE_NAMES, concat, interesting, mutateBytes, mutateTree, renameInJson } from './mutate.js';
import { zerosBomb, zipWithMember } from './zip-bombs.js';
import { encodeNpy } from '../../io/npy.js';

export type CaseBody = Omit<FuzzCase, 'id' | 'family' | 'files'> & { files: Record<string, Uint8Array> };

/** What a family needs besides the random source: the seeds and a synchronous HDF5 editor. */
export interface FamilyContext {
  readonly corpus: SeedCorpus;
  readonly h5: H5Editor;
}

export interface H5Editor {
  /** Applies `edit` to a copy of the HDF5 bytes and returns the new bytes (undefined if it failed). */
  edit(bytes: Uint8Array, edit: (file: any, h5wasm: any) => void): Uint8Array | undefined;
}

/** A command line for a model: one of the commands that read a model, with its usual flags. */
function commandFor(rng: Rng, m: SeedModel, modelArg: string, opts: { input?: string; config?: string } = {}): string[] {
  const input = opts.input ?? (m.input ? 'input.npy' : undefined);
  const w = m.weights ? ['--weights', m.weights] : [];
  const c = opts.config ? ['-c', opts.config] : [];
  const choices: Array<() => string[]> = [
    () => ['inspect', modelArg, ...w, ...(rng.chance(0.5) ? ['--json'] : [])],
    () => ['estimate', modelArg, ...c, ...(rng.chance(0.3) ? ['--json'] : [])],
    () => ['config', modelArg, ...w, '--granularity', rng.pick(['model', 'type', 'name'])],
    () => ['compile', modelArg, ...w, ...c, '-o', 'prj', '--samples', '2', ...(input && rng.chance(0.5) ? ['-i', input] : [])],
  ];
  if (input) {
    choices.push(
      () => ['emulate', modelArg, ...w, ...c, '-i', input, '-o', 'out.npy', ...(rng.chance(0.3) ? ['--trace', 'tr'] : []), ...(rng.chance(0.3) ? ['--overflow'] : []), ...(rng.chance(0.2) ? ['--float'] : [])],
      () => ['emulate', modelArg, ...w, ...c, '-i', input, '-o', 'out.npy'],
      () => ['check', modelArg, ...w, ...c, '-i', input, '--max-abs-err', '1e9'],
    );
  }
  return rng.pick(choices)();
}

function baseFiles(m: SeedModel): Record<string, Uint8Array> {
  return { ...m.files, ...(m.input ? { 'input.npy': m.input } : {}) };
}

function pickModel(rng: Rng, ctx: FamilyContext, kinds?: readonly string[]): SeedModel {
  const ms = kinds ? ctx.corpus.models.filter((m) => kinds.includes(m.kind)) : ctx.corpus.models;
  return rng.pick(ms.length ? ms : ctx.corpus.models);
}

// ---------------------------------------------------------------------------------------------

function bytesFamily(rng: Rng, ctx: FamilyContext): CaseBody {
  const m = pickModel(rng, ctx);
  const files = baseFiles(m);
  const target = rng.pick(Object.keys(files));
  const cfg = rng.chance(0.15) ? 'config.yml' : undefined;
  if (cfg) files[cfg] = mutateBytes(rng, strToU8(rng.pick(ctx.corpus.configs)));
  else files[target] = mutateBytes(rng, files[target]!);
  return { what: `bytes of ${cfg ?? target}`, files, argv: commandFor(rng, m, m.model, cfg ? { config: cfg } : {}) };
}

// ---------------------------------------------------------------------------------------------

const ONNX_OPS = ['Conv', 'Gemm', 'MatMul', 'Relu', 'Softmax', 'Reshape', 'Flatten', 'Add', 'MaxPool', 'Quant', 'Concat', 'Transpose', 'BatchNormalization', 'Unknown'];

function onnxFamily(rng: Rng, ctx: FamilyContext): CaseBody {
  const m = pickModel(rng, ctx, ['onnx']);
  const model = onnx.ModelProto.decode(m.files[m.model]!) as any;
  const g = model.graph;
  const what: string[] = [];
  const edits = rng.int(1, 3);
  for (let e = 0; e < edits; e++) {
    const op = rng.int(0, 9);
    if (op === 0 && g.initializer?.length) {
      const t = rng.pick(g.initializer as any[]);
      if (t.dims?.length) t.dims[rng.int(0, t.dims.length - 1)] = rng.pick([-64, -1, 0, 2 ** 31, 2 ** 40, 1e6, 3]);
      else t.dims = [rng.pick([-7, 2 ** 31])];
      what.push(`init ${t.name} dims ${JSON.stringify(t.dims)}`);
    } else if (op === 1 && g.initializer?.length) {
      const t = rng.pick(g.initializer as any[]);
      if (t.rawData?.length) t.rawData = t.rawData.subarray(0, rng.int(0, t.rawData.length - 1));
      else t.floatData = (t.floatData ?? []).slice(0, rng.int(0, 3));
      what.push(`init ${t.name} data cut`);
    } else if (op <= 3 && g.node?.length) {
      const n = rng.pick(g.node as any[]);
      const attrs: any[] = n.attribute ?? (n.attribute = []);
      const A = onnx.AttributeProto.AttributeType;
      const name = attrs.length && rng.chance(0.7) ? rng.pick(attrs).name : rng.pick(['axis', 'pads', 'strides', 'kernel_shape', 'group', 'dilations', 'perm', 'alpha', 'transB', 'bitwidth', 'auto_pad']);
      const i = attrs.findIndex((a) => a.name === name);
      if (i >= 0) attrs.splice(i, 1);
      const kind = rng.int(0, 3);
      if (kind === 0) attrs.push(onnx.AttributeProto.create({ name, type: A.INT, i: rng.pick([-1, 0, 2 ** 31, -(2 ** 31), 1e6, 7]) }));
      else if (kind === 1) attrs.push(onnx.AttributeProto.create({ name, type: A.INTS, ints: Array.from({ length: rng.int(0, 6) }, () => rng.pick([-1, 0, 1, 2, 2 ** 31, 1e6])) }));
      else if (kind === 2) attrs.push(onnx.AttributeProto.create({ name, type: A.STRING, s: strToU8(rng.pick(['1', '-1', 'SAME_UPPER', 'VALID', 'x'.repeat(200)])) }));
      else attrs.push(onnx.AttributeProto.create({ name, type: A.FLOAT, f: rng.pick([NaN, Infinity, -1, 1e30, 0.5]) }));
      what.push(`node ${n.name} attr ${name}`);
    } else if (op === 4 && g.node?.length) {
      const k = rng.int(0, g.node.length - 1);
      what.push(`remove node ${g.node[k].name}`);
      g.node.splice(k, 1);
    } else if (op === 5 && g.node?.length) {
      const n = rng.pick(g.node as any[]);
      n.opType = rng.pick(ONNX_OPS);
      what.push(`node ${n.name} op ${n.opType}`);
    } else if (op === 6) {
      g.output.push(onnx.ValueInfoProto.create({ name: rng.pick(['dangling', g.input?.[0]?.name ?? 'x', 'never_made']) }));
      what.push('extra graph output');
    } else if (op === 7 && g.input?.length) {
      const dims = g.input[0].type?.tensorType?.shape?.dim as any[] | undefined;
      if (dims?.length) {
        const d = dims[rng.int(0, dims.length - 1)];
        if (rng.chance(0.2)) {
          delete d.dimValue;
          d.dimParam = 'N';
        } else d.dimValue = rng.pick([0, -1, 1e6, 2 ** 31, 2 ** 20, 3]);
      }
      what.push('input dims');
    } else if (op === 8 && g.node?.length) {
      const n = rng.pick(g.node as any[]);
      if (n.input?.length) n.input[rng.int(0, n.input.length - 1)] = rng.pick(['missing', n.output?.[0] ?? 'self', '']);
      what.push(`node ${n.name} input rewired`);
    } else {
      const v = interesting(rng);
      model.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: typeof v === 'number' ? v : 13 })];
      what.push('opset');
    }
  }
  const files = baseFiles(m);
  files[m.model] = onnx.ModelProto.encode(model).finish();
  return { what: what.join('; '), files, argv: commandFor(rng, m, m.model) };
}

// ---------------------------------------------------------------------------------------------

/** The layer list of a Keras model config (Sequential or Functional, Keras 2 or 3). */
function layersOf(cfg: any): any[] | undefined {
  const l = cfg?.config?.layers ?? cfg?.config;
  return Array.isArray(l) ? l : undefined;
}

const KERAS_TARGETED: Array<(rng: Rng, cfg: any) => string> = [
  (rng, cfg) => {
    const ls = layersOf(cfg);
    if (!ls?.length) return 'none';
    ls[rng.int(0, ls.length - 1)] = rng.pick([null, 5, 'Dense', [], { class_name: null }]);
    return 'layer replaced by a non-object';
  },
  (rng, cfg) => {
    const ls = layersOf(cfg);
    const l = ls && rng.pick(ls);
    if (!l || typeof l !== 'object') return 'none';
    l.inbound_nodes = rng.pick([[[['missing', 0, 0, {}]]], [null], 'x', [[['x']]], [[[5, 0, 0]]], [{ args: [null] }], [{ args: [{ class_name: '__keras_tensor__', config: { keras_history: null } }] }]]);
    return 'inbound_nodes malformed';
  },
  (rng, cfg) => {
    const ls = layersOf(cfg);
    const l = ls?.[0];
    if (!l?.config) return 'none';
    const shape = rng.pick([[], [null], [null, 1.5], [null, 1e6], [null, -3], [null, 2 ** 31], [null, 0], 'x', [null, 'x']]);
    if ('batch_input_shape' in l.config) l.config.batch_input_shape = shape;
    else if ('batch_shape' in l.config) l.config.batch_shape = shape;
    else l.config.batch_input_shape = shape;
    return `input shape ${JSON.stringify(shape)}`;
  },
  (rng, cfg) => {
    const ls = layersOf(cfg);
    const l = ls && rng.pick(ls);
    if (!l?.config) return 'none';
    for (const k of Object.keys(l.config)) {
      const q = l.config[k];
      if (q && typeof q === 'object' && q.class_name && q.config && typeof q.config === 'object' && ('bits' in q.config || 'integer' in q.config)) {
        const key = rng.pick(['bits', 'integer', 'alpha', 'keep_negative']);
        q.config[key] = rng.pick([65, 0, -1, -(2 ** 31), 2 ** 31, 1.5, null, 'x', 1e300]);
        return `quantizer ${k}.${key}=${q.config[key]}`;
      }
    }
    l.config.units = rng.pick([undefined, 0, -1, 1.5, 1e9, 'x']);
    return 'units';
  },
  (rng, cfg) => {
    const ls = layersOf(cfg);
    const l = ls && rng.pick(ls);
    if (!l || typeof l !== 'object') return 'none';
    if (rng.chance(0.5)) delete l.class_name;
    else l.class_name = rng.pick(['Nope', 'Lambda', '', 5]);
    return 'class_name';
  },
  (rng, cfg) => {
    const ls = layersOf(cfg);
    const l = ls && rng.pick(ls);
    if (!l?.config) return 'none';
    const key = rng.pick(['kernel_size', 'strides', 'padding', 'activation', 'axis', 'pool_size', 'filters', 'rate', 'epsilon', 'dilation_rate', 'target_shape']);
    l.config[key] = interesting(rng);
    return `config.${key}`;
  },
];

function kerasJsonFamily(rng: Rng, ctx: FamilyContext): CaseBody {
  const m = pickModel(rng, ctx, ['keras-json']);
  const cfg = JSON.parse(strFromU8(m.files[m.model]!));
  const what = rng.chance(0.6) ? rng.pick(KERAS_TARGETED)(rng, cfg) : mutateTree(rng, cfg);
  const files = baseFiles(m);
  files[m.model] = strToU8(JSON.stringify(cfg));
  return { what, files, argv: commandFor(rng, m, m.model) };
}

// ---------------------------------------------------------------------------------------------

function h5Family(rng: Rng, ctx: FamilyContext): CaseBody {
  const m = pickModel(rng, ctx, ['keras-h5', 'keras-json', 'keras-v3']);
  const files = baseFiles(m);
  let target: string;
  let bytes: Uint8Array;
  let zipEntries: Record<string, Uint8Array> | undefined;
  if (m.kind === 'keras-v3') {
    zipEntries = unzipSync(m.files[m.model]!);
    target = 'model.weights.h5';
    bytes = zipEntries[target]!;
  } else {
    target = m.kind === 'keras-json' ? m.weights! : m.model;
    bytes = files[target]!;
  }
  let what: string;
  const op = rng.int(0, 5);
  if (op <= 1) {
    // The superblock and the first object headers live at the start of the file.
    bytes = mutateBytes(rng, bytes, [0, Math.min(bytes.length, 4096)]);
    what = 'metadata bytes';
  } else {
    const edited = ctx.h5.edit(bytes, (f, h5wasm) => {
      const groups: string[] = [];
      const datasets: string[] = [];
      const visit = (g: any, p: string, depth: number): void => {
        if (depth > 8) return;
        for (const k of g.keys() as string[]) {
          const c = g.get(k);
          const cp = `${p}/${k}`;
          if (c instanceof h5wasm.Group) {
            groups.push(cp);
            visit(c, cp, depth + 1);
          } else if (c instanceof h5wasm.Dataset) datasets.push(cp);
        }
      };
      visit(f, '', 0);
      if (op === 2 && groups.length) {
        // A hard link from a group to one of its ancestors: a cycle in the group graph.
        const gpath = rng.pick(groups);
        const parts = gpath.split('/').filter(Boolean);
        const anc = '/' + parts.slice(0, rng.int(0, parts.length - 1)).join('/');
        f.get(gpath).create_hard_link(anc === '/' ? '/' : anc, 'loop');
      } else if (op === 3 && datasets.length) {
        const d = rng.pick(datasets);
        const parent = d.slice(0, d.lastIndexOf('/')) || '/';
        const name = d.slice(d.lastIndexOf('/') + 1);
        const g = f.get(parent);
        g.delete(name);
        if (rng.chance(0.7)) {
          const shape = rng.pick([[0], [3, 0], [1], [7, 7, 7], [2 ** 20]]);
          const n = shape.reduce((a: number, b: number) => a * b, 1);
          g.create_dataset({ name, data: new Float32Array(Math.min(n, 1 << 20)), shape: n <= 1 << 20 ? shape : [1 << 20], dtype: '<f' });
        }
      } else {
        const a = f.attrs?.['model_config'];
        if (a) {
          const cfg = JSON.parse(String(a.value));
          rng.chance(0.6) ? rng.pick(KERAS_TARGETED)(rng, cfg) : mutateTree(rng, cfg);
          f.delete_attribute('model_config');
          f.create_attribute('model_config', JSON.stringify(cfg));
        } else if (groups.length) {
          const g = f.get(rng.pick(groups));
          const key = rng.pick(['weight_names', 'layer_names', 'name']);
          try {
            g.delete_attribute(key);
          } catch {
            /* absent */
          }
          g.create_attribute(key, rng.pick([['missing:0'], 'x', [''], ['x'.repeat(300)]]));
        }
      }
    });
    if (edited) bytes = edited;
    what = ['', '', 'hard-link cycle', 'dataset replaced', 'attributes'][op] ?? 'attributes';
  }
  if (zipEntries) {
    zipEntries[target] = bytes;
    files[m.model] = zipSync(zipEntries, { level: 1 });
  } else files[target] = bytes;
  return { what, files, argv: commandFor(rng, m, m.model) };
}

// ---------------------------------------------------------------------------------------------

function kerasZipFamily(rng: Rng, ctx: FamilyContext): CaseBody {
  const m = pickModel(rng, ctx, ['keras-v3']);
  const entries: Record<string, Uint8Array> = unzipSync(m.files[m.model]!);
  const files = baseFiles(m);
  const op = rng.int(0, 5);
  let what: string;
  if (op === 0) {
    entries['metadata.json'] = strToU8(rng.pick(['null', '[]', '"x"', '5', '{"keras_version": null}', '{"keras_version": {}}', '{']));
    what = 'metadata.json';
  } else if (op <= 2) {
    const cfg = JSON.parse(strFromU8(entries['config.json']!));
    what = rng.chance(0.6) ? rng.pick(KERAS_TARGETED)(rng, cfg) : mutateTree(rng, cfg);
    entries['config.json'] = strToU8(JSON.stringify(cfg));
  } else if (op === 3) {
    const k = rng.pick(Object.keys(entries));
    if (rng.chance(0.5)) delete entries[k];
    else entries[k] = mutateBytes(rng, entries[k]!);
    what = `member ${k}`;
  } else if (op === 4) {
    const name = rng.pick(['model.weights.h5', 'config.json', 'assets/big.bin']);
    delete entries[name];
    files[m.model] = zipWithMember(entries, name, zerosBomb(), 1 << 30, rng.chance(0.5));
    return { what: `zip bomb as ${name}`, files, argv: commandFor(rng, m, m.model) };
  } else {
    files[m.model] = mutateBytes(rng, files[m.model]!);
    return { what: 'zip bytes', files, argv: commandFor(rng, m, m.model) };
  }
  files[m.model] = zipSync(entries, { level: 1 });
  return { what, files, argv: commandFor(rng, m, m.model) };
}

// ---------------------------------------------------------------------------------------------

const YAML_TARGETED: Array<(rng: Rng, cfg: any) => string> = [
  (rng, cfg) => {
    const model = ((cfg.HLSConfig ??= {}).Model ??= {});
    model.TableSize = rng.pick([1e9, 2 ** 31, 0, -1, 1.5, 'x', 1e300]);
    return `TableSize ${model.TableSize}`;
  },
  (rng, cfg) => {
    const model = ((cfg.HLSConfig ??= {}).Model ??= {});
    model.Precision = rng.pick(['ap_fixed<100000,50000>', 'fixed<0,0>', 'ap_fixed<64,-2147483648>', 'fixed<2147483648,1>', 'ap_fixed<1,1e9>', 'fixed<16,6,RND,SAT,99999>', 'ufixed<1024,1024>', 'ap_int<0>', 'fixed<NaN,1>', { default: 'fixed<1025,1>' }, { result: 'fixed<4000,-4000>' }]);
    return `Precision ${JSON.stringify(model.Precision)}`;
  },
  (rng, cfg) => {
    const model = ((cfg.HLSConfig ??= {}).Model ??= {});
    model.ReuseFactor = rng.pick([0, -1, 1e9, 2 ** 31, 1.5, 'x', null]);
    return `ReuseFactor ${model.ReuseFactor}`;
  },
  (rng, cfg) => {
    const key = rng.pick(['ClockPeriod', 'IOType', 'Part', 'Backend', 'ProjectName', 'OutputDir']);
    cfg[key] = rng.pick([0, -5, 1e300, 'x', null, '../../..', 'x'.repeat(300), [], 'a\u202Eb']);
    return key;
  },
  (rng, cfg) => {
    const ln = ((cfg.HLSConfig ??= {}).LayerName ??= {});
    const name = rng.pick(Object.keys(ln).length ? Object.keys(ln) : ['fc1']);
    ln[name] = rng.pick([null, 5, { Precision: { result: 'fixed<300,200>' } }, { TableSize: 1e9 }, { Precision: { weight: 'fixed<1,1>', accum: 'fixed<1100,600>' } }, { ReuseFactor: 1e9 }, { Strategy: 'x' }]);
    return `LayerName ${name}`;
  },
];

function yamlFamily(rng: Rng, ctx: FamilyContext): CaseBody {
  const m = pickModel(rng, ctx);
  const files = baseFiles(m);
  let text: string;
  let what: string;
  const op = rng.int(0, 9);
  if (op === 0) {
    const depth = rng.pick([1000, 5000, 20000]);
    text = rng.chance(0.5) ? `HLSConfig:\n  Model: ${'['.repeat(depth)}1${']'.repeat(depth)}\n` : `HLSConfig: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`;
    what = `nesting ${depth}`;
  } else if (op === 1) {
    // Aliases expanding exponentially ("billion laughs").
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let k = 1; k < 9; k++) lines.push(`a${k}: &a${k} [${Array(10).fill(`*a${k - 1}`).join(', ')}]`);
    lines.push('HLSConfig: {Model: {Precision: fixed<16,6>, ReuseFactor: 1}}', 'Extra: *a8');
    text = lines.join('\n') + '\n';
    what = 'alias expansion';
  } else {
    const cfg = YAML.parse(rng.pick(ctx.corpus.configs));
    what = rng.chance(0.6) ? rng.pick(YAML_TARGETED)(rng, cfg) : mutateTree(rng, cfg);
    text = YAML.stringify(cfg);
  }
  files['config.yml'] = strToU8(text);
  return { what, files, argv: commandFor(rng, m, m.model, { config: 'config.yml' }) };
}

// ---------------------------------------------------------------------------------------------

function npyHeader(descr: string, shape: string, fortran = 'False'): Uint8Array {
  let h = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
  while ((10 + h.length + 1) % 64) h += ' ';
  h += '\n';
  const out = new Uint8Array(10 + h.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, h.length, true);
  out.set(strToU8(h), 10);
  return out;
}

function npyFamily(rng: Rng, ctx: FamilyContext): CaseBody {
  const m = pickModel(rng, ctx.corpus.models.some((x) => x.input) ? ctx : ctx);
  const withInput = ctx.corpus.models.filter((x) => x.input);
  const mm = m.input ? m : rng.pick(withInput);
  const files = baseFiles(mm);
  const shape = mm.inputShape ?? [1];
  const per = shape.reduce((a, b) => a * b, 1);
  let name = 'input.npy';
  let what: string;
  const op = rng.int(0, 7);
  if (op === 0) {
    const sh = rng.pick([`(2147483648, ${shape.join(', ')})`, `(1000000000,)`, `(-1, ${per})`, `(1.5, ${per})`, `(3, ${per * 1000000})`, '()', `(0, ${per})`, `(3, ${shape.map((d) => d + 1).join(', ')})`]);
    files[name] = concat(npyHeader('<f4', sh), new Uint8Array(rng.int(0, 4 * per * 3)));
    what = `shape ${sh}`;
  } else if (op === 1) {
    const d = rng.pick(['<f16', '<c8', '|O', '<U4', '<f2', '>f8', '|b1', '<i8', '<V8', "<f4', 'x': '"]);
    files[name] = concat(npyHeader(d, `(3, ${per})`, rng.pick(['False', 'True', 'Maybe'])), new Uint8Array(8 * 3 * per));
    what = `dtype ${d}`;
  } else if (op === 2) {
    files[name] = mutateBytes(rng, mm.input!, [0, 128]);
    what = 'header bytes';
  } else if (op === 3) {
    const data = new Float64Array(3 * per).map(() => rng.pick([NaN, Infinity, -Infinity, 1e308, -0, 5e-324, 0.5]));
    files[name] = encodeNpy({ shape: [3, ...shape], data });
    what = 'extreme values';
  } else if (op === 4) {
    name = rng.pick(['input.dat', 'input.csv']);
    const rows = Array.from({ length: rng.int(0, 4) }, () => Array.from({ length: per + rng.int(-1, 1) }, () => rng.pick(['1', 'nan', 'inf', '1e999', '', 'x', '0x10', '-0'])).join(name.endsWith('.csv') ? ',' : ' '));
    files[name] = strToU8(rows.join('\n'));
    what = 'text rows';
  } else if (op === 5) {
    name = 'input.npz';
    files[name] = zipWithMember({}, 'x.npy', zerosBomb(), 1 << 30, rng.chance(0.5));
    what = 'npz bomb';
  } else {
    files[name] = mutateBytes(rng, mm.input!);
    what = 'bytes';
  }
  const flag = rng.int(0, 3);
  let argv: string[];
  if (flag === 0) argv = ['emulate', mm.model, ...(mm.weights ? ['-w', mm.weights] : []), '-i', name, '-o', 'out.npy'];
  else if (flag === 1) argv = ['emulate', mm.model, ...(mm.weights ? ['-w', mm.weights] : []), '-i', 'input.npy', '-o', 'out.npy', '--quantize', 'auto', '--calibration', name];
  else if (flag === 2) argv = ['check', mm.model, ...(mm.weights ? ['-w', mm.weights] : []), '-i', name];
  else argv = ['compile', mm.model, ...(mm.weights ? ['-w', mm.weights] : []), '-i', name, '-o', 'prj', '--samples', '2'];
  if (!files['input.npy']) files['input.npy'] = mm.input!;
  return { what, files, argv };
}

// ---------------------------------------------------------------------------------------------

const HOSTILE_FLAGS: Array<(rng: Rng) => string[]> = [
  (rng) => ['--samples', rng.pick(['1e9', '2147483648', '-1', '0', 'NaN', '1.5', 'x', '99999999999999999999'])],
  (rng) => ['--reuse', rng.pick(['0', '-1', '1e9', '4294967296', 'nearest:0', 'auto', 'x'])],
  (rng) => ['--precision', rng.pick(['ap_fixed<100000,5>', 'fixed<0,0>', 'fixed<65,1>', 'ap_fixed<16,-2147483648>', 'fixed<1025,1>', 'int<65>', 'x'])],
  (rng) => ['--clock', rng.pick(['0', '-1', 'NaN', '1e308', 'Infinity', '1e-300'])],
  (rng) => ['--quantize', rng.pick(['auto', 'auto:65', 'auto:1099', 'auto:NaN', 'auto:0', 'auto:8:1e9', 'auto:8:-5', 'auto:2147483648', 'x']), '--calibration', 'input.npy'],
  (rng) => ['--prune', rng.pick(['2', '-1', 'NaN', 'global:1', 'fc1=5', '1e-320', 'x=0.5'])],
  (rng) => ['--max-precision', rng.pick(['fixed<1,1>', 'fixed<2000,1000>', 'x', 'fixed<16,6,RND,SAT,2147483648>'])],
  (rng) => ['--workers', rng.pick(['0', '-1', '1e9', 'x', '2'])],
  (rng) => ['--budget', rng.pick(['dsp=1e308', 'fraction=0', 'lut=-1', 'latency=NaN']), '--reuse', 'auto'],
];

function namesFlagsFamily(rng: Rng, ctx: FamilyContext): CaseBody {
  const m = pickModel(rng, ctx);
  const files = baseFiles(m);
  const op = rng.int(0, 5);
  const w = m.weights ? ['--weights', m.weights] : [];
  if (op === 0 && (m.kind === 'keras-json' || m.kind === 'onnx')) {
    // Hostile layer names, renamed everywhere the name is referenced.
    const to = rng.pick(HOSTILE_NAMES);
    if (m.kind === 'keras-json') {
      const text = strFromU8(m.files[m.model]!);
      const cfg = JSON.parse(text);
      const ls = layersOf(cfg) ?? [];
      const l = ls.length ? rng.pick(ls) : undefined;
      const from = l?.config?.name ?? l?.name;
      if (typeof from === 'string') files[m.model] = strToU8(renameInJson(text, from, to));
    } else {
      const model = onnx.ModelProto.decode(m.files[m.model]!) as any;
      const n = rng.pick(model.graph.node as any[]);
      n.name = to;
      files[m.model] = onnx.ModelProto.encode(model).finish();
    }
    const argv = rng.pick([
      ['compile', m.model, ...w, '-o', 'prj', '--samples', '2'],
      ...(m.input ? [['emulate', m.model, ...w, '-i', 'input.npy', '-o', 'o.npy', '--trace', 'tr']] : []),
      ['inspect', m.model, ...w],
    ]);
    return { what: `layer name ${JSON.stringify(to).slice(0, 40)}`, files, argv };
  }
  if (op === 1) {
    const project = rng.pick(HOSTILE_NAMES);
    return { what: 'project name', files, argv: ['compile', m.model, ...w, '--project', project, '--samples', '2', ...(rng.chance(0.5) ? ['-o', 'prj'] : [])] };
  }
  if (op === 2) {
    // Paths: a directory where a file is expected, a file inside a missing folder.
    const choice = rng.int(0, 4);
    const input = m.input ? 'input.npy' : undefined;
    if (choice === 0 && input) return { what: '-i directory', files, dirs: ['adir'], argv: ['emulate', m.model, ...w, '-i', 'adir', '-o', 'o.npy'] };
    if (choice === 1 && input) return { what: '--output in a missing folder', files, argv: ['emulate', m.model, ...w, '-i', input, '-o', 'missing/deeper/o.npy'] };
    if (choice === 2) return { what: 'model is a directory', files, dirs: ['m.onnx'], argv: ['inspect', 'm.onnx'] };
    if (choice === 3) return { what: 'config is a directory', files, dirs: ['c.yml'], argv: ['estimate', m.model, '-c', 'c.yml'] };
    return { what: 'report on a folder', files, dirs: ['r/a/b'], argv: ['report', rng.pick(['r', '.', '/'])] };
  }
  const extra = rng.pick(HOSTILE_FLAGS)(rng);
  const cmd = m.input ? rng.pick(['emulate', 'compile', 'estimate', 'check']) : rng.pick(['compile', 'estimate']);
  const argv =
    cmd === 'emulate'
      ? ['emulate', m.model, ...w, '-i', 'input.npy', '-o', 'o.npy', ...extra]
      : cmd === 'check'
        ? ['check', m.model, ...w, '-i', 'input.npy', ...extra]
        : cmd === 'compile'
          ? ['compile', m.model, ...w, '-o', 'prj', ...(extra[0] === '--samples' ? [] : ['--samples', '2']), ...extra]
          : ['estimate', m.model, ...extra];
  if (!files['input.npy'] && extra.includes('input.npy')) {
    const shape = m.inputShape ?? [16];
    files['input.npy'] = encodeNpy({ shape: [2, ...shape], data: new Float64Array(2 * shape.reduce((a, b) => a * b, 1)) });
  }
  return { what: `flag ${extra.join(' ')}`, files, argv };
}

export const FAMILY_BUILDERS: Record<Family, (rng: Rng, ctx: FamilyContext) => CaseBody> = {
  bytes: bytesFamily,
  onnx: onnxFamily,
  'keras-json': kerasJsonFamily,
  hdf5: h5Family,
  'keras-zip': kerasZipFamily,
  yaml: yamlFamily,
  npy: npyFamily,
  'names-flags': namesFlagsFamily,
};
