/**
 * @fileoverview Per-layer resolution of an hls4ml configuration: which type each precision slot
 * gets, and the reuse factor, strategy, table size and softmax implementation.
 *
 * Precedence follows hls4ml's HLSConfig.get_precision for the slots it resolves that way (result,
 * accum, weight, bias, scale ...): LayerName[slot] > LayerName.default > LayerType[slot] >
 * LayerType.default > Model[slot] > Model.default > fixed<16,6>. A direct `*_t` key in a block
 * overrides the Precision chain (hls4ml sets it as the layer attribute after the fact).
 * Table types (table, exp_table, inv_table, inv_inp) come from direct `*_t` keys; a Precision-map
 * entry for them is honoured too (hls4ml ignores it: the apply-config pass warns where the value
 * differs from the default hls4ml uses instead, hls4mlTableDefault); otherwise hls4ml's attribute
 * defaults apply. Scalar settings (ReuseFactor, Strategy, TableSize, Implementation) take the most
 * specific level that sets them.
 */

import type { TypeSpec } from '../fixed/type.js';
import { parseType } from '../fixed/type.js';
import type { Layer, SoftmaxImplementation, Strategy } from '../ir/graph.js';
import type { HlsConfig, LevelConfig } from './load.js';

export const HLS4ML_DEFAULT_PRECISION = 'fixed<16,6>';
export const TABLE_DEFAULTS: Readonly<Record<string, string>> = {
  table: 'fixed<18,8>',
  exp_table: 'fixed<18,8,RND,SAT>',
  inv_table: 'fixed<18,8,RND,SAT>',
  inv_inp: 'fixed<18,8,RND,SAT>',
};
export const DEFAULT_TABLE_SIZE = 1024;

/**
 * Ops whose table defaults differ from the activation ones (hls4ml's LayerNormalization attribute
 * defaults: a 4096-entry 1/sqrt(var) table of ufixed<8,5,RND_CONV,SAT>; attention's softmax types
 * depend on the number of keys and are inferred).
 */
const OP_TABLE_DEFAULTS: Partial<Record<string, { readonly types: Readonly<Record<string, string>>; readonly size: number }>> = {
  LayerNorm: { types: { table: 'ufixed<8,5,RND_CONV,SAT>' }, size: 4096 },
  // fastml's own (docs/numerics.md): sized from the key count by infer-precision.
  MultiHeadAttention: { types: { exp_table: 'auto', inv_table: 'auto', inv_inp: 'auto', inp_norm: 'auto' }, size: 2048 },
};

const TABLE_SLOTS = new Set(['table', 'exp_table', 'inv_table', 'inv_inp', 'inp_norm']);

export interface ResolvedLayerConfig {
  readonly precision: Readonly<Record<string, TypeSpec>>;
  readonly reuseFactor: number;
  readonly strategy: Strategy;
  readonly tableSize: number;
  readonly implementation?: SoftmaxImplementation;
  readonly trace: boolean;
  /** Where each precision slot came from, e.g. "LayerName.fc1.Precision.result", for --explain output. */
  readonly origin: Readonly<Record<string, string>>;
  /**
   * Table slots taken from a Precision map (which hls4ml ignores for them), with the JSON pointer
   * of the entry: the apply-config pass compares them with hls4ml's default.
   */
  readonly precisionTables: Readonly<Record<string, string>>;
}

/**
 * The table type hls4ml gives `slot` of this layer when no `<slot>_t` key sets it (its attribute
 * default): what it uses where a config puts the slot inside Precision, which it does not read.
 */
export function hls4mlTableDefault(l: Layer, slot: string): string | undefined {
  return OP_TABLE_DEFAULTS[l.attrs.op]?.types[slot] ?? TABLE_DEFAULTS[slot];
}

/**
 * hls4ml class names a layer answers to in `LayerType` (the first is hls4ml's own class name;
 * the Keras class name of the source layer is accepted too, as hls4ml keeps it for many layers).
 */
export function hlsClassNames(l: Layer): string[] {
  const a = l.attrs;
  const names: string[] = [];
  switch (a.op) {
    case 'Input':
      names.push('InputLayer', 'Input');
      break;
    case 'Dense':
      names.push('Dense');
      break;
    case 'Conv':
      names.push(a.dims === 1 ? 'Conv1D' : 'Conv2D');
      break;
    case 'DepthwiseConv':
      names.push(a.dims === 1 ? 'DepthwiseConv1D' : 'DepthwiseConv2D');
      break;
    case 'BatchNorm':
      names.push('BatchNormalization');
      break;
    case 'ScaleBias':
      names.push('ApplyAlpha', 'BatchNormalization');
      break;
    case 'Activation':
      switch (a.activation) {
        case 'leaky_relu':
          names.push('LeakyReLU', 'ParametrizedActivation');
          break;
        case 'thresholded_relu':
          names.push('ThresholdedReLU', 'ParametrizedActivation');
          break;
        case 'elu':
          names.push('ELU', 'ParametrizedActivation');
          break;
        case 'prelu':
          names.push('PReLU');
          break;
        case 'hard_sigmoid':
        case 'hard_tanh':
          names.push('HardActivation', 'Activation');
          break;
        case 'relu':
          names.push('Activation', 'ReLU');
          break;
        default:
          names.push('Activation');
      }
      break;
    case 'Softmax':
      names.push('Softmax', 'Activation');
      break;
    case 'Pool':
      names.push(`Pooling${a.dims}D`, `${a.mode === 'max' ? 'Max' : 'Average'}Pooling${a.dims}D`);
      break;
    case 'GlobalPool':
      names.push(`GlobalPooling${a.dims}D`, `Global${a.mode === 'max' ? 'Max' : 'Average'}Pooling${a.dims}D`);
      break;
    case 'Merge': {
      const k = { add: 'Add', sub: 'Subtract', mul: 'Multiply', avg: 'Average', max: 'Maximum', min: 'Minimum' }[a.mode];
      names.push('Merge', k);
      break;
    }
    case 'Concat':
      names.push('Concatenate');
      break;
    case 'Reshape':
      names.push('Reshape');
      break;
    case 'Flatten':
      names.push('Reshape', 'Flatten');
      break;
    case 'Transpose':
      names.push('Transpose');
      break;
    case 'Pad':
      names.push(`ZeroPadding${a.dims}D`);
      break;
    case 'Crop':
      names.push(`Cropping${a.dims}D`);
      break;
    case 'Resize':
      names.push('Resize', `UpSampling${a.dims}D`);
      break;
    case 'Quant':
      names.push('Quant');
      break;
    case 'Identity':
    case 'Dropout':
      names.push(a.op);
      break;
    case 'GRU':
    case 'LSTM':
    case 'SimpleRNN':
      names.push(a.op);
      break;
    case 'LayerNorm':
      names.push('LayerNormalization');
      break;
    case 'MultiHeadAttention':
      names.push('MultiHeadAttention');
      break;
  }
  const src = l.source?.opType;
  if (src && !names.includes(src)) names.push(src);
  return names;
}

/** hls4ml's class name of a layer (for messages and LayerType matching). */
export function hlsClassOf(l: Layer): string {
  return hlsClassNames(l)[0]!;
}

/** Precision slots a layer of this op has. */
export function slotsFor(l: Layer): string[] {
  const a = l.attrs;
  switch (a.op) {
    case 'Dense':
    case 'Conv':
    case 'DepthwiseConv':
      return ['result', 'accum', 'weight', 'bias'];
    case 'BatchNorm':
    case 'ScaleBias':
      return ['result', 'scale', 'bias'];
    case 'Activation':
      switch (a.activation) {
        case 'sigmoid':
        case 'tanh':
        case 'softplus':
        case 'softsign':
        case 'elu':
        case 'selu':
          return ['result', 'table'];
        case 'leaky_relu':
        case 'thresholded_relu':
        case 'prelu':
        case 'hard_sigmoid':
        case 'hard_tanh':
          return ['result', 'param'];
        default:
          return ['result'];
      }
    case 'Softmax':
      return ['result', 'accum', 'table', 'exp_table', 'inv_table', 'inv_inp', 'inp_norm'];
    case 'Pool':
    case 'GlobalPool':
      return ['result', 'accum'];
    case 'GRU':
    case 'LSTM':
    case 'SimpleRNN':
      return ['result', 'accum', 'weight', 'bias', 'recurrent_weight', 'recurrent_bias', 'table'];
    case 'LayerNorm':
      return ['result', 'accum', 'scale', 'bias', 'table'];
    case 'MultiHeadAttention':
      return ['result', 'accum', 'weight', 'bias', 'exp_table', 'inv_table', 'inv_inp', 'inp_norm'];
    default:
      return ['result'];
  }
}

interface Level {
  readonly name: string;
  readonly cfg: LevelConfig;
}

function levels(cfg: HlsConfig, l: Layer, classes: readonly string[]): Level[] {
  const out: Level[] = [];
  const byName = cfg.layerName.get(l.name.toLowerCase());
  if (byName) out.push({ name: `LayerName.${byName.key}`, cfg: byName });
  for (const c of classes) {
    const byType = cfg.layerType.get(c.toLowerCase());
    if (byType) {
      out.push({ name: `LayerType.${byType.key}`, cfg: byType });
      break;
    }
  }
  out.push({ name: 'Model', cfg: cfg.model });
  return out;
}

/**
 * Older hls4ml took a softmax layer's implementation from its Strategy (`Strategy: Stable` in the
 * softmax's block, as its config writer emitted): the most specific block with such a Strategy
 * wins, after any `Implementation`.
 */
function softmaxFromStrategy(lv: readonly Level[]): SoftmaxImplementation | undefined {
  for (const L of lv) if (L.cfg.softmaxStrategy !== undefined) return L.cfg.softmaxStrategy;
  return undefined;
}

function defaultImplementation(l: Layer): SoftmaxImplementation | undefined {
  return l.attrs.op === 'Softmax' ? (l.attrs.implementation ?? 'stable') : undefined;
}

/** Resolves the configuration for one layer. `classes` defaults to hlsClassNames(layer). */
export function resolveLayer(cfg: HlsConfig, l: Layer, classes: readonly string[] = hlsClassNames(l)): ResolvedLayerConfig {
  const lv = levels(cfg, l, classes);
  const precision: Record<string, TypeSpec> = {};
  const origin: Record<string, string> = {};
  const precisionTables: Record<string, string> = {};
  for (const slot of slotsFor(l)) {
    let found: { t: TypeSpec; from: string } | undefined;
    // A direct `<slot>_t` key is the most specific thing there is, at any level.
    for (const L of lv) {
      const t = L.cfg.directTypes[slot];
      if (t !== undefined) {
        found = { t, from: `${L.name}.${slot}_t` };
        break;
      }
    }
    if (!found) {
      if (TABLE_SLOTS.has(slot)) {
        for (const L of lv) {
          const t = L.cfg.precision[slot];
          if (t !== undefined) {
            found = { t, from: `${L.name}.Precision.${slot}` };
            precisionTables[slot] = `${L.cfg.pointer}/Precision/${slot}`;
            break;
          }
        }
        const dflt = hls4mlTableDefault(l, slot);
        if (!found && dflt) found = { t: parseType(dflt), from: 'hls4ml default' };
      } else {
        for (const L of lv) {
          const t = L.cfg.precision[slot] ?? L.cfg.precision['default'];
          if (t !== undefined) {
            found = { t, from: `${L.name}.Precision.${L.cfg.precision[slot] !== undefined ? slot : 'default'}` };
            break;
          }
        }
        if (!found) found = { t: parseType(HLS4ML_DEFAULT_PRECISION), from: 'hls4ml default' };
      }
    }
    if (found) {
      precision[slot] = found.t;
      origin[slot] = found.from;
    }
  }
  const pick = <K extends 'reuseFactor' | 'strategy' | 'tableSize' | 'implementation' | 'trace'>(k: K): LevelConfig[K] | undefined => {
    for (const L of lv) if (L.cfg[k] !== undefined) return L.cfg[k];
    return undefined;
  };
  const impl = (pick('implementation') as SoftmaxImplementation | undefined) ?? softmaxFromStrategy(lv) ?? defaultImplementation(l);
  return {
    precision,
    reuseFactor: pick('reuseFactor') ?? 1,
    strategy: pick('strategy') ?? 'latency',
    tableSize: pick('tableSize') ?? OP_TABLE_DEFAULTS[l.attrs.op]?.size ?? DEFAULT_TABLE_SIZE,
    ...(l.attrs.op === 'Softmax' && impl ? { implementation: impl } : {}),
    trace: pick('trace') ?? false,
    origin,
    precisionTables,
  };
}

/** LayerName entries that match no layer of the graph (likely typos), with the closest names. */
export function unmatchedLayerNames(cfg: HlsConfig, layerNames: readonly string[]): Array<{ key: string; pointer: string }> {
  const have = new Set(layerNames.map((n) => n.toLowerCase()));
  const out: Array<{ key: string; pointer: string }> = [];
  for (const [low, b] of cfg.layerName) if (!have.has(low)) out.push({ key: b.key, pointer: b.pointer });
  return out;
}
