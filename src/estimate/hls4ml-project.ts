/**
 * @fileoverview Reads an hls4ml-generated HLS project folder into the layer list of
 * hls4ml-design.ts, so `fastml estimate HLS4ML_PROJECT_DIR` estimates the projects hls4ml users
 * already have.
 *
 * What hls4ml writes, and what is read from it:
 * - firmware/<top>.cpp: the top function; its `nnet::<function><in_t, out_t, config>(...)` calls give
 *   the layer order (a trailing `// name` comment, when present, the layer name);
 * - firmware/parameters.h: one `struct configN : nnet::<kind>_config { static const unsigned ... }`
 *   per layer (sizes, reuse factor, strategy, io type, zero weights) and its typedefs;
 * - firmware/defines.h: `typedef ap_fixed<W,I> name_t;` and `#define` sizes used by the structs;
 * - firmware/weights/w<N>.txt (optional): the weights, comma separated; when present they replace
 *   the zero count (zeros and power-of-two weights are then counted exactly);
 * - build_prj.tcl or project.tcl: the part and the clock period;
 * - <top>_prj/solution1/syn/report/<top>_csynth.xml (optional): the synthesis report, for `report`.
 * Bad input is reported with the file and the layer (FML2501-FML2506).
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { evaluate } from 'mathjs';
import { DiagnosticError, diag } from '../diagnostics/diagnostic.js';
import type { Hls4mlLayer } from './hls4ml-design.js';
import { DesignError, designToGraph } from './hls4ml-design.js';
import type { Graph, WeightTensor } from '../ir/graph.js';
import type { Backend, EstimateOptions, IoType } from './types.js';

export interface Hls4mlProject {
  readonly dir: string;
  readonly top: string;
  readonly layers: readonly Hls4mlLayer[];
  readonly graph: Graph;
  readonly ioType: IoType;
  readonly part?: string;
  readonly clockNs?: number;
  /** From the csynth report's tool line when there is one. */
  readonly backend?: Backend;
  readonly toolVersion?: string;
  /** The csynth.xml beside the project, when synthesis was run. */
  readonly csynth?: string;
}

/** hls4ml nnet function -> layer class of the design list. */
const FUNCTION_CLASS: Readonly<Record<string, string>> = {
  dense: 'Dense',
  dense_large: 'Dense',
  conv_2d_cl: 'Conv2D',
  conv_2d_large_cl: 'Conv2D',
  conv_1d_cl: 'Conv1D',
  pointwise_conv_1d_cl: 'PointwiseConv',
  separable_conv_2d_cl: 'SeparableConv2D',
  pooling2d_cl: 'Pooling2D',
  global_pooling1d_cl: 'GlobalPooling',
  global_pooling2d_cl: 'GlobalPooling',
  zeropad2d_cl: 'ZeroPadding2D',
  linear: 'Linear',
  relu: 'ReLU',
  tanh: 'TanH',
  sigmoid: 'Sigmoid',
  hard_sigmoid: 'HardSigmoid',
  leaky_relu: 'LeakyReLU',
  elu: 'ELU',
  softmax: 'Softmax',
  normalize: 'BatchNormalization',
  resize_nearest: 'Resize',
  repack_stream: 'Util',
  clone_stream: 'Util',
  concatenate1d: 'Merge',
  concatenate2d: 'Merge',
  concatenate3d: 'Merge',
};

const fail = (code: string, file: string, msg: string, node?: string): never => {
  throw new DiagnosticError([diag(code, msg, { file, ...(node ? { node } : {}) })]);
};

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    return fail('FML2501', file, `cannot read: ${(e as Error).message}`);
  }
}

/** `typedef <type> <name>;` (the type may hold template commas), `#define NAME value`. */
function parseDefines(text: string): { types: Map<string, string>; defines: Map<string, number> } {
  const types = new Map<string, string>();
  const defines = new Map<string, number>();
  for (const m of text.matchAll(/typedef\s+([^;]+?)\s+(\w+)\s*;/g)) types.set(m[2]!, m[1]!.trim());
  for (const m of text.matchAll(/^\s*#define\s+(\w+)\s+([^\n/]+)/gm)) {
    const v = Number(m[2]!.trim());
    if (Number.isFinite(v)) defines.set(m[1]!, v);
  }
  return { types, defines };
}

interface ConfigStruct {
  readonly kind: string;
  readonly values: Map<string, string>;
  readonly types: Map<string, string>;
}

/** Every `struct NAME : nnet::KIND { ... };` of parameters.h (nested braces of templates skipped). */
function parseStructs(text: string): Map<string, ConfigStruct> {
  const out = new Map<string, ConfigStruct>();
  const re = /struct\s+(\w+)\s*:\s*nnet::(\w+)\s*\{/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 1;
    let i = re.lastIndex;
    while (i < text.length && depth > 0) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}') depth--;
      i++;
    }
    const body = text.slice(re.lastIndex, i - 1);
    const values = new Map<string, string>();
    const types = new Map<string, string>();
    for (const v of body.matchAll(/static\s+const\s+(?:unsigned|int|bool|float|double|nnet::\w+)\s+(\w+)\s*=\s*([^;]+);/g)) values.set(v[1]!, v[2]!.trim());
    for (const t of body.matchAll(/typedef\s+([^;]+?)\s+(\w+)\s*;/g)) types.set(t[2]!, t[1]!.trim());
    out.set(m[1]!, { kind: m[2]!, values, types });
  }
  return out;
}

interface Call {
  readonly fn: string;
  readonly targs: string[];
  readonly args: string[];
  readonly comment?: string;
}

/** `nnet::fn<targs>(args); // comment` calls of the top function, in order. */
function parseCalls(text: string): Call[] {
  const calls: Call[] = [];
  const re = /nnet::(\w+)\s*<([^;{}]*?)>\s*\(([^;{}]*?)\)\s*;[ \t]*(?:\/\/\s*([^\n]*))?/g;
  for (const m of text.matchAll(re)) {
    calls.push({
      fn: m[1]!,
      targs: m[2]!.split(',').map((s) => s.trim()),
      args: m[3]!.split(',').map((s) => s.trim()),
      ...(m[4] ? { comment: m[4].trim() } : {}),
    });
  }
  return calls;
}

/** The top-level .cpp: includes parameters.h and defines a void function of the same name. */
function findTop(fw: string): { file: string; name: string } {
  const files = existsSync(fw) ? readdirSync(fw).filter((f) => f.endsWith('.cpp')) : [];
  for (const f of files) {
    const name = f.replace(/\.cpp$/, '');
    const text = read(path.join(fw, f));
    if (/#include\s+"parameters\.h"/.test(text) && new RegExp(`void\\s+${name}\\s*\\(`).test(text)) return { file: path.join(fw, f), name };
  }
  return fail('FML2502', fw, 'no top-level .cpp (a file NAME.cpp that includes "parameters.h" and defines void NAME(...))');
}

/** The part and clock from build_prj.tcl (`set_part`, `create_clock -period`) or project.tcl. */
function readTcl(dir: string): { part?: string; clockNs?: number; backend?: Backend } {
  const out: { part?: string; clockNs?: number; backend?: Backend } = {};
  for (const f of ['project.tcl', 'build_prj.tcl']) {
    const file = path.join(dir, f);
    if (!existsSync(file)) continue;
    const t = read(file);
    const part = /set_part\s+\{?\s*([\w-]+)\s*\}?/.exec(t) ?? /set\s+part\s+"?([\w-]+)"?/.exec(t);
    const clock = /create_clock\s+-period\s+([\d.]+)/.exec(t) ?? /set\s+clock_period\s+"?([\d.]+)"?/.exec(t);
    const backend = /set\s+backend\s+"?(\w+)"?/.exec(t);
    if (backend && !out.backend && /^viti?s/i.test(backend[1]!)) out.backend = 'vitis';
    else if (backend && !out.backend && /^vivado/i.test(backend[1]!)) out.backend = 'vivado';
    if (part && !out.part) out.part = part[1]!;
    if (clock && out.clockNs === undefined) out.clockNs = Number(clock[1]);
  }
  return out;
}

/** The csynth report of the top, and which tool wrote it (the .rpt header says Vivado or Vitis). */
function findReport(dir: string, top: string): { csynth?: string; backend?: Backend; toolVersion?: string } {
  const prj = path.join(dir, `${top}_prj`);
  if (!existsSync(prj)) return {};
  for (const sol of readdirSync(prj)) {
    const rep = path.join(prj, sol, 'syn', 'report');
    const xml = path.join(rep, `${top}_csynth.xml`);
    if (!existsSync(xml)) continue;
    const x = read(xml);
    const version = /<Version>\s*([\d.]+)\s*<\/Version>/.exec(x)?.[1];
    const rpt = path.join(rep, `${top}_csynth.rpt`);
    const head = existsSync(rpt) ? read(rpt).slice(0, 2000) : '';
    const backend: Backend | undefined = /Vitis HLS/i.test(head) ? 'vitis' : /Vivado HLS/i.test(head) ? 'vivado' : version ? (Number.parseFloat(version) > 2020.1 ? 'vitis' : 'vivado') : undefined;
    return { csynth: xml, ...(backend ? { backend } : {}), ...(version ? { toolVersion: version } : {}) };
  }
  return {};
}

export function isHls4mlProject(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && existsSync(path.join(dir, 'firmware', 'parameters.h'));
}

/** Reads the project folder; throws a DiagnosticError naming the file and layer on bad input. */
export function readHls4mlProject(dir: string): Hls4mlProject {
  const fw = path.join(dir, 'firmware');
  if (!isHls4mlProject(dir)) fail('FML2501', dir, 'not an hls4ml project folder: firmware/parameters.h is missing');
  const top = findTop(fw);
  const paramsFile = path.join(fw, 'parameters.h');
  const params = read(paramsFile);
  const definesFile = path.join(fw, 'defines.h');
  const defs = parseDefines(existsSync(definesFile) ? read(definesFile) : '');
  const pdefs = parseDefines(params);
  const types = new Map([...defs.types, ...pdefs.types]);
  const structs = parseStructs(params);

  // A type name resolved through the typedefs; stream types nnet::array<T, N> give T.
  const resolveType = (name: string | undefined, seen = 0): string | undefined => {
    if (!name || seen > 20) return undefined;
    const arr = /nnet::array<\s*(.+?)\s*,\s*[^,>]+>\s*$/.exec(name);
    if (arr) return resolveType(arr[1], seen + 1);
    if (/^ap_u?(fixed|int)\s*</.test(name)) return name.replace(/\s+/g, '');
    return resolveType(types.get(name), seen + 1);
  };
  const num = (file: string, layer: string, cfg: ConfigStruct, key: string, depth = 0): number | undefined => {
    const raw = cfg.values.get(key);
    if (raw === undefined) return undefined;
    if (/^nnet::/.test(raw)) return undefined;
    if (raw === 'true' || raw === 'false') return raw === 'true' ? 1 : 0;
    // Sizes are often written with the #defines of defines.h (N_INPUT_1_1, OUT_HEIGHT_2 * 2...)
    // or with the struct's other members (n_chan = n_filt).
    const scope: Record<string, number> = Object.fromEntries([...defs.defines, ...pdefs.defines]);
    for (const [k, v] of cfg.values) {
      if (k === key || raw.search(new RegExp(`\\b${k}\\b`)) < 0 || depth > 8) continue;
      const sub = num(file, layer, cfg, k, depth + 1);
      if (sub !== undefined) scope[k] = sub;
      void v;
    }
    try {
      const v = evaluate(raw, scope) as unknown;
      if (typeof v === 'number' && Number.isFinite(v)) return v;
    } catch {
      // fall through to the diagnostic
    }
    return fail('FML2503', file, `${key} = ${raw}: not a number (unknown #define?)`, layer);
  };

  const tcl = readTcl(dir);
  const rep = findReport(dir, top.name);
  const layers: Hls4mlLayer[] = [];
  let ioType: IoType = 'io_parallel';
  // Code outside synthesis (weight loading for C simulation) is not the design.
  const topText = read(top.file).replace(/#ifndef\s+__SYNTHESIS__[\s\S]*?#endif/g, '');
  for (const call of parseCalls(topText)) {
    const cls = FUNCTION_CLASS[call.fn];
    if (!cls) {
      // Stream helpers that move no data of their own are not layers.
      if (/^(fill_zero|fill_data|fill_stream|load_weights_from_txt)$/.test(call.fn)) continue;
      fail('FML2504', top.file, `nnet::${call.fn} is not an hls4ml layer function fastml reads`, call.comment ?? call.args[1]);
    }
    const cfgName = call.targs.find((t) => structs.has(t));
    const name = call.comment ?? call.args[1]?.replace(/_out$/, '') ?? call.fn;
    if (cls === 'Util') {
      layers.push({ name, class: cls, hls_function: call.fn, config: null, io_type: 'io_stream', input_t: resolveType(call.targs[0]), result_t: resolveType(call.targs[1]) });
      continue;
    }
    if (!cfgName) fail('FML2505', paramsFile, `no config struct for nnet::${call.fn}<${call.targs.join(', ')}> in parameters.h`, name);
    const cfg = structs.get(cfgName!)!;
    const n = (k: string) => num(paramsFile, name, cfg, k);
    const t = (k: string) => resolveType(cfg.types.get(k));
    const io = cfg.values.get('io_type');
    if (io && /io_stream/.test(io)) ioType = 'io_stream';
    const mult = cfg.types.get('mult_config');
    const multCfg = mult ? structs.get(mult) : undefined;
    const fromMult = (k: string) => (multCfg ? resolveType(multCfg.types.get(k)) : undefined);
    const strategy = cfg.values.get('strategy') ?? multCfg?.values.get('strategy');
    const entry: Record<string, unknown> = {
      name,
      class: cls,
      hls_function: call.fn,
      config: cfgName,
      io_type: io && /io_stream/.test(io) ? 'io_stream' : 'io_parallel',
      input_t: resolveType(call.targs[0]),
      result_t: resolveType(call.targs[1]),
      ...(strategy ? { strategy: /resource/i.test(strategy) ? 'resource' : 'latency' } : {}),
    };
    for (const k of ['n_in', 'n_out', 'in_height', 'in_width', 'n_chan', 'n_filt', 'filt_height', 'filt_width', 'stride_height', 'stride_width', 'out_height', 'out_width', 'pad_top', 'pad_bottom', 'pad_left', 'pad_right', 'pool_height', 'pool_width', 'reuse_factor', 'n_zeros', 'table_size']) {
      const v = n(k);
      if (v !== undefined) entry[k] = v;
    }
    for (const k of ['weight_t', 'bias_t', 'accum_t', 'scale_t', 'table_t']) {
      const v = t(k) ?? fromMult(k);
      if (v) entry[k] = v;
    }
    const pool = cfg.values.get('pool_op');
    if (pool) entry.pool_op = /average/i.test(pool) ? 'average' : 'max';
    layers.push(entry as unknown as Hls4mlLayer);
  }
  if (layers.length === 0) fail('FML2504', top.file, 'the top function calls no nnet:: layer function');
  let design;
  try {
    design = designToGraph(layers, top.name);
  } catch (e) {
    if (e instanceof DesignError) fail('FML2506', paramsFile, e.reason, e.layer);
    throw e;
  }
  const graph = withWeightFiles(design!.graph, layers, path.join(fw, 'weights'), params);
  return {
    dir,
    top: top.name,
    layers,
    graph,
    ioType: design!.ioType,
    ...tcl,
    // The report's tool, when there is one, says which tool actually ran.
    ...rep,
    ...(rep.backend ?? tcl.backend ? { backend: (rep.backend ?? tcl.backend)! } : {}),
  };
}

/**
 * Replaces synthetic kernels by the weights in firmware/weights/wN.txt, matched through the
 * parameters.h weight declaration (`weight2_t w2[...]`) of the layer's config index N.
 */
function withWeightFiles(g: Graph, layers: readonly Hls4mlLayer[], weightsDir: string, params: string): Graph {
  if (!existsSync(weightsDir)) return g;
  const byName = new Map<string, WeightTensor>();
  for (const l of layers) {
    const idx = /(\d+)$/.exec(l.config ?? '')?.[1];
    if (!idx) continue;
    const file = path.join(weightsDir, `w${idx}.txt`);
    if (!existsSync(file)) continue;
    const vals = read(file).split(/[\s,]+/).filter((s) => s.length).map(Number);
    if (vals.some((v) => !Number.isFinite(v))) fail('FML2503', file, 'holds a value that is not a number', l.name ?? undefined);
    byName.set(l.name ?? '', { shape: [vals.length], data: Float32Array.from(vals) });
  }
  void params;
  if (byName.size === 0) return g;
  const layersOut = g.layers.map((l) => {
    const w = byName.get(l.name);
    const k = l.weights.kernel;
    if (!w || !k) return l;
    if (w.data.length !== k.data.length) fail('FML2503', path.join(weightsDir, '...'), `${w.data.length} weights for a kernel of ${k.data.length}`, l.name);
    return { ...l, weights: { ...l.weights, kernel: { shape: k.shape, data: w.data } } };
  });
  return { ...g, layers: layersOut };
}

export interface ProjectEstimateOverrides {
  readonly part?: string;
  readonly backend?: Backend;
  readonly clockNs?: number;
  readonly ioType?: IoType;
  readonly toolVersion?: string;
  readonly multiplierImpl?: EstimateOptions['multiplierImpl'];
  readonly targetII?: number;
}

/**
 * Estimator options for a project: the command line's, else the project's own (part and clock from
 * the tcl, tool from the csynth report or project.tcl, io type from the firmware).
 */
export function projectOptions(p: Hls4mlProject, o: ProjectEstimateOverrides = {}): EstimateOptions {
  const part = o.part ?? p.part;
  const version = o.toolVersion ?? p.toolVersion;
  return {
    ...(part ? { part } : {}),
    backend: o.backend ?? p.backend ?? 'vitis',
    clockNs: o.clockNs ?? p.clockNs ?? 5,
    ioType: o.ioType ?? p.ioType,
    ...(version ? { toolVersion: version } : {}),
    ...(o.multiplierImpl ? { multiplierImpl: o.multiplierImpl } : {}),
    ...(o.targetII !== undefined ? { targetII: o.targetII } : {}),
  };
}
