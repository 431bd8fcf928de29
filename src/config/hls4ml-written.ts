/**
 * @fileoverview What a configuration written BY hls4ml carries besides the settings fastml applies:
 * the YAML tags of its dump (`KerasModel: !keras_model <path>`, and Python objects PyYAML pickles
 * into the file when it has no representer for them), and keys about hls4ml's own project (Stamp,
 * Version, InputData, WriterConfig, Flows ...). Each such key is either used (load.ts) or reported
 * here with why it is not (FML4015), so that no key of a file hls4ml wrote is passed over in
 * silence. A key whose setting would make hls4ml's results or hardware differ from fastml's is a
 * warning; one that only describes hls4ml's run (its stamp, its version, an empty test-bench file)
 * is an info note.
 *
 * Codes: FML4015 key hls4ml writes that fastml does not apply, FML4016 YAML tag.
 */

import path from 'node:path';
import type { Severity } from '../diagnostics/diagnostic.js';

/** Why a key is not applied, and whether that can change results (warning) or not (info). */
export interface NotApplied {
  readonly severity: Exclude<Severity, 'error'>;
  readonly why: string;
}

/** What a key means for fastml; undefined when the value asks for what fastml does anyway. */
type Rule = (value: unknown) => NotApplied | undefined;

const isEmpty = (v: unknown): boolean =>
  v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
const info = (why: string): NotApplied => ({ severity: 'info', why });
const warning = (why: string): NotApplied => ({ severity: 'warning', why });
const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Top-level keys hls4ml writes that fastml reads but does not apply. */
export const TOP_NOT_APPLIED: Readonly<Record<string, Rule>> = {
  Stamp: (v) => info(`Stamp ${show(v)} is the random tag hls4ml gives each project it writes (it names the compiled library); fastml names its own build`),
  Version: (v) => info(`Version ${show(v)} is the hls4ml version that wrote this file; fastml reads the spellings of every version`),
  InputData: (v) =>
    isEmpty(v)
      ? info('InputData is empty: hls4ml had no test-bench input file')
      : warning(`InputData ${show(v)} is hls4ml's C-simulation test-bench input; fastml does not take inputs from the configuration`),
  OutputPredictions: (v) =>
    isEmpty(v)
      ? info('OutputPredictions is empty: hls4ml had no expected-output file')
      : warning(`OutputPredictions ${show(v)} is hls4ml's expected test-bench output; fastml does not read it (check compares against the model itself)`),
  WriterConfig: (v) => {
    const ns = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)['Namespace'] : undefined;
    return isEmpty(ns)
      ? info('WriterConfig says how hls4ml lays out its own project files (Namespace, WriteWeightsTxt, WriteTar); fastml writes its own layout')
      : warning(`WriterConfig.Namespace ${show(ns)} is not applied: fastml's C++ is not wrapped in a namespace`);
  },
  ClockUncertainty: (v) => warning(`ClockUncertainty ${show(v)} is not applied: the generated build script leaves the HLS tool's default uncertainty`),
  HyperoptHandshake: (v) => (v === false || isEmpty(v) ? info('HyperoptHandshake is off (an oneAPI backend option)') : warning('HyperoptHandshake (an oneAPI backend option) is not applied: fastml writes Vivado/Vitis HLS')),
  InputShape: () => info('InputShape is how hls4ml is told the input shape of a model that does not carry one; fastml reads the shape from the model file'),
  // hls4ml 1.x's ModelGraph records the shapes it found after converting the model (from_layer_list)
  // into its configuration, which its writer then dumps: a record, not a setting.
  InputShapes: () => info("InputShapes records the input shapes hls4ml found when it converted the model (hls4ml 1.x writes it into the file); fastml reads the shapes from the model file"),
  OutputShapes: () => info("OutputShapes records the output shapes hls4ml found when it converted the model (hls4ml 1.x writes it into the file); fastml reads the shapes from the model file"),
  Namespace: (v) => (isEmpty(v) ? info('Namespace is empty: the C++ is not wrapped in a namespace, as in fastml') : warning(`Namespace ${show(v)} is not applied: fastml's C++ is not wrapped in a namespace`)),
  Interface: (v) => warning(`Interface ${show(v)} at the top level is not applied: the accelerator interface is read from AcceleratorConfig.Interface (Backend: VivadoAccelerator)`),
  Driver: (v) => warning(`Driver ${show(v)} at the top level is not applied: the accelerator driver is read from AcceleratorConfig.Driver (Backend: VivadoAccelerator)`),
  Bitfile: (v) => warning(`Bitfile ${show(v)} is not applied: fastml writes no bitstream step; the accelerator's build script names its own`),
  BuildSystem: (v) => warning(`BuildSystem ${show(v)} is not applied: fastml writes a Vivado / Vitis HLS Tcl build script`),
  PytorchModel: () => warning('PytorchModel is not read: fastml reads ONNX and Keras models (export the PyTorch model to ONNX and name it with OnnxModel)'),
};

/**
 * Backend names fastml builds, and what the others mean for it. VivadoAccelerator's
 * AcceleratorConfig is read by backends/accelerator; VitisAccelerator's Alveo host code is not written.
 */
export function backendNote(backend: unknown, hasAcceleratorConfig: boolean): NotApplied | undefined {
  if (backend === undefined) return undefined;
  const b = String(backend).toLowerCase();
  if (b === 'vivado' || b === 'vitis') {
    return hasAcceleratorConfig ? warning(`AcceleratorConfig is read only with Backend: VivadoAccelerator; with Backend: ${show(backend)} it is not applied`) : undefined;
  }
  if (b === 'vivadoaccelerator') return undefined;
  if (b === 'vitisaccelerator')
    return warning(
      `Backend VitisAccelerator: fastml builds the Vitis HLS kernel (the same C++ and numbers) but not hls4ml's Alveo host program${hasAcceleratorConfig ? '; AcceleratorConfig (Board, Num_Kernel, Num_Thread, Batchsize) is not applied' : ''}`,
    );
  return warning(
    `Backend ${show(backend)}: fastml writes Vivado and Vitis HLS projects only (compile needs --backend vivado or vitis, and --part for a part that is not Xilinx's); emulate, check and estimate use the configuration's types as given, and estimates are for Xilinx parts`,
  );
}

/** HLSConfig keys besides Model / LayerType / LayerName. */
export const HLSCONFIG_NOT_APPLIED: Readonly<Record<string, Rule>> = {
  Flows: (v) =>
    isEmpty(v)
      ? info('Flows is empty: hls4ml ran its default flow, which is what fastml reproduces')
      : warning(`Flows ${show(v)} is not applied: fastml runs its own passes, equivalent to hls4ml's default flow; a custom flow may change hls4ml's results`),
  Optimizers: (v) =>
    isEmpty(v)
      ? info('Optimizers is empty: hls4ml ran its default optimizers, which is what fastml reproduces')
      : warning(`Optimizers ${show(v)} is not applied: fastml runs its own passes, equivalent to hls4ml's default optimizers`),
  SkipOptimizers: (v) =>
    isEmpty(v)
      ? info('SkipOptimizers is empty: hls4ml skipped none of its optimizers, as fastml assumes')
      : warning(`SkipOptimizers ${show(v)} is not applied: fastml runs all of its passes (e.g. batch-norm folding), so its numbers may differ from hls4ml's for the skipped ones`),
  // hls4ml's HLSConfig (hls4ml/model/graph.py, in the versions of its source checked, up to 1.x)
  // reads Model, LayerType, LayerName, Flows, Optimizers and SkipOptimizers from HLSConfig and
  // nothing called ContextLength; a layer's settings come from its LayerType / LayerName blocks. So it changes nothing in what hls4ml builds, and fastml takes every length
  // (sequence, context) from the model's own input shapes.
  ContextLength: (v) =>
    info(`ContextLength ${show(v)} is not read by hls4ml (its HLSConfig has no such key), so it changes nothing in what hls4ml builds; fastml likewise takes sequence lengths from the model's input shapes`),
};

/** AcceleratorConfig keys (Backend: VivadoAccelerator) that fastml reads but does not apply. */
export const ACCELERATOR_NOT_APPLIED: Readonly<Record<string, Rule>> = {
  Platform: (v) => info(`Platform ${show(v)} names the Alveo platform of hls4ml's Alveo boards; the Zynq boards fastml builds for have none`),
};

/** Keys of a Model / LayerType / LayerName block that fastml reads but does not apply. */
export const BLOCK_NOT_APPLIED: Readonly<Record<string, Rule>> = {
  // hls4ml's default (1e9): no array is that large, so no weight becomes a BRAM port, as in fastml.
  BramFactor: (v) =>
    typeof v === 'number' && v >= 1e6
      ? undefined
      : warning(`BramFactor ${show(v)} is not applied: fastml keeps every weight array inside the design, where hls4ml would make arrays over ${show(v)} weights ports of the top function`),
  TraceOutput: (v) => (v ? info('TraceOutput: fastml traces any layer on request (emulate --trace), whatever the configuration says') : undefined),
  ConvImplementation: (v) =>
    info(`ConvImplementation ${show(v)} chooses how hls4ml's convolution reads its window; the arithmetic, and so every value, is the same; fastml's C++ uses its own window buffer`),
  StreamDepth: (v) => info(`StreamDepth ${show(v)} is the FIFO depth hls4ml gives an io_stream connection; fastml sizes its FIFOs itself (no effect on values)`),
  ParallelizationFactor: (v) =>
    v === 1 || v === '1' ? info('ParallelizationFactor 1 is what fastml builds') : warning(`ParallelizationFactor ${show(v)} is not applied: fastml's io_stream convolution processes one output pixel at a time (factor 1)`),
  PipelineStyle: (v) =>
    isEmpty(v) || String(v).toLowerCase() === 'auto'
      ? info('PipelineStyle auto: fastml chooses the pipeline style as hls4ml does by default')
      : warning(`PipelineStyle ${show(v)} is not applied: fastml's top function uses its own choice (dataflow for io_stream and Resource, pipeline otherwise)`),
  PipelineInterval: (v) => warning(`PipelineInterval ${show(v)} is not applied: fastml's top function has no II pragma of its own`),
  BitExact: (v) => (isEmpty(v) || v === false ? info('BitExact is off (hls4ml\'s option for HGQ models)') : warning('BitExact (hls4ml\'s type inference for HGQ models) is not applied')),
  Compression: (v) => (v === true ? warning('Compression is not applied: fastml stores the weights uncompressed (the same values; hls4ml\'s sparse storage changes only memory)') : undefined),
  MergedRelu: () => info('MergedRelu: hls4ml\'s merge of a ReLU into the layer before it; the values are the same, fastml keeps the ReLU a layer'),
  ChannelsLastConversion: (v) =>
    isEmpty(v) || String(v).toLowerCase() === 'full' ? undefined : warning(`ChannelsLastConversion ${show(v)} is not applied: fastml converts every channels-first model to channels-last itself`),
  InputsChannelLast: (v) => (v === true ? warning('InputsChannelLast is not applied: give channels-last input arrays with --layout channels_last') : undefined),
  TransposeOutputs: (v) => (v === true ? warning('TransposeOutputs is not applied (hls4ml\'s option to transpose channels-last outputs back)') : undefined),
  ClipValues: (v) => (isEmpty(v) || v === false ? undefined : warning(`ClipValues ${show(v)} is not applied`)),
  Skip: (v) => (v === true ? warning('Skip: true (drop this softmax from the firmware, as hls4ml\'s skip_softmax optimizer does) is not applied: fastml keeps the softmax') : undefined),
};

/**
 * `TargetCycles` in a Model / LayerType / LayerName block. hls4ml's HLSConfig reads it from the Model
 * and LayerName blocks (get_target_cycles; the LayerType value is stored but never looked up: the
 * lookup by class name searches the LayerName table). Its Vivado-family backends use it only for a
 * Resource-strategy Dense, Conv1D or Conv2D layer (set_target_reuse_factor): the reuse factor becomes
 * (TargetCycles - 6 k) / k, k = n_out for a Dense and the number of output pixels for a convolution,
 * and then the closest valid reuse factor; below 6 k it prints that the target cannot be met and
 * keeps ReuseFactor. fastml never changes a reuse factor silently, so it does not apply the key and
 * says what hls4ml would have done and how to get the same with fastml.
 */
export function targetCyclesNote(v: unknown, level: 'Model' | 'LayerType' | 'LayerName'): NotApplied {
  if (level === 'LayerType')
    return info(
      `TargetCycles ${show(v)} in a LayerType block changes nothing in hls4ml (it reads TargetCycles from the Model and LayerName blocks only) and is not applied by fastml either`,
    );
  return warning(
    `TargetCycles ${show(v)} is not applied: hls4ml uses it for Resource-strategy Dense and Conv1D/Conv2D layers only, replacing ReuseFactor by (TargetCycles - 6k)/k (k = the Dense's outputs, or the convolution's output pixels) rounded to the closest valid reuse factor (nothing with Latency); fastml keeps ReuseFactor`,
  );
}

/** One YAML tag found in the file, where it is (JSON pointer) and what it says. */
export interface YamlTag {
  readonly pointer: string;
  readonly tag: string;
}

/**
 * Where a configuration object keeps the tags of the file it was read from. A symbol key survives
 * the `{...raw, IOType: ...}` copies commands make to apply flags, and never reaches a YAML dump.
 */
export const CONFIG_TAGS: unique symbol = Symbol('hls4ml YAML tags');

/** PyYAML's Python tags arrive as tag:yaml.org,2002:python/...; `!!python/tuple` is plain data. */
export const PLAIN_DATA_TAGS = new Set(['tag:yaml.org,2002:python/tuple']);

/** The Keras model hls4ml saved when it wrote the file (`KerasModel: !keras_model <path>`). */
export const KERAS_MODEL_TAG = '!keras_model';

interface YamlNodeLike {
  readonly tag?: string;
}
interface YamlPairLike {
  readonly key?: unknown;
}

/**
 * The tags of a parsed YAML document with the JSON pointer of each tagged node, found with the
 * yaml package's `visit` (passed in, as the module is loaded lazily by load.ts).
 */
export function collectTags(visit: (doc: unknown, visitor: (key: unknown, node: unknown, path: readonly unknown[]) => void) => void, doc: unknown): YamlTag[] {
  const out: YamlTag[] = [];
  visit(doc, (_key, node, ancestors) => {
    const tag = (node as YamlNodeLike | null)?.tag;
    if (typeof tag !== 'string' || tag === '') return;
    // Core-schema tags (!!str, !!int ...) are what an untagged value would be anyway.
    if (/^tag:yaml\.org,2002:(str|int|float|bool|null|map|seq)$/.test(tag)) return;
    const keys: string[] = [];
    for (const a of [...ancestors, node]) {
      const k = (a as YamlPairLike | null)?.key as { value?: unknown } | undefined;
      if (k && typeof k === 'object' && 'value' in k && (a as object) !== node) keys.push(String(k.value));
    }
    out.push({ pointer: '/' + keys.join('/'), tag });
  });
  return out;
}

/** A tag shown as a user wrote it: `!!python/object/apply:...` rather than the expanded form. */
export function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

/**
 * Where the Keras model of `KerasModel: !keras_model <path>` is. hls4ml saves the model into its
 * OutputDir and writes hls4ml_config.yml into the same folder; the path it prints is relative to the
 * folder hls4ml ran in, which is gone once the project is moved. The model is the file's sibling.
 */
export function taggedKerasModelPath(configDir: string, written: string): string {
  return path.resolve(configDir, path.basename(written.replace(/\\/g, '/')));
}

/**
 * A file hls4ml wrote itself (its `write()` dumps hls4ml_config.yml into the project): it has a
 * Stamp, or names its model with the !keras_model tag. Relative paths in such a file are relative
 * to the folder hls4ml ran in, and OutputDir is the folder the file itself is in.
 */
export function writtenByHls4ml(obj: Record<string, unknown>, tags: readonly YamlTag[]): boolean {
  return obj['Stamp'] !== undefined || tags.some((t) => t.tag === KERAS_MODEL_TAG);
}
