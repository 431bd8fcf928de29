/**
 * @fileoverview fastml's intermediate representation: a graph of layers over named tensors.
 *
 * Conventions every frontend, pass, emulator kernel, estimator and backend relies on:
 * - Shapes never include the batch dimension. Activations are channels-last, as the HLS code
 *   stores them: 1-D feature maps are [steps, channels], 2-D are [height, width, channels].
 *   A frontend that reads a channels-first model records the permutation in `Graph.inputLayouts`
 *   so that user inputs in the model's own layout are transposed before emulation.
 * - Weights use Keras layouts: Dense kernel [nIn, nOut]; Conv kernel [kh, (kw,) cIn/groups, cOut];
 *   depthwise kernel [kh, (kw,) cIn, depthMultiplier]. Bias [nOut] / [cOut].
 * - `layers` is kept in a topological order; every tensor has exactly one producer (a layer, or
 *   a graph input).
 * - Layer names are the user-visible names (the ones hls4ml configs use in LayerName). They are
 *   unique within a graph. They are NOT sanitised: backends sanitise when they emit code.
 * - The graph is treated as immutable by passes: a pass returns a new Graph (sharing unchanged
 *   layers and weight arrays) instead of mutating its input.
 */

import type { TypeSpec } from '../fixed/type.js';

export type Shape = readonly number[];

export interface WeightTensor {
  readonly shape: Shape;
  /** Row-major values in the layout documented per op. */
  readonly data: Float32Array | Float64Array;
}

/** Where a layer came from, for diagnostics. */
export interface SourceRef {
  readonly file?: string;
  /** Node / layer name in the source model. */
  readonly node?: string;
  /** ONNX op type or Keras class name. */
  readonly opType?: string;
}

/** Names of the per-layer fixed-point slots (hls4ml's `*_t` names without the suffix). */
export type PrecisionSlot =
  | 'result'
  | 'accum'
  | 'weight'
  | 'bias'
  | 'scale'
  | 'table'
  | 'exp_table'
  | 'inv_table'
  | 'inv_inp'
  | 'inp_norm'
  | 'param'
  | (string & {});

export type Strategy = 'latency' | 'resource';

export type ActivationKind =
  | 'linear'
  | 'relu'
  | 'relu6'
  | 'leaky_relu'
  | 'thresholded_relu'
  | 'prelu'
  | 'elu'
  | 'selu'
  | 'sigmoid'
  | 'hard_sigmoid'
  | 'hard_tanh'
  | 'tanh'
  | 'softplus'
  | 'softsign'
  | 'clip'
  | 'binary_tanh'
  | 'ternary_tanh';

export type SoftmaxImplementation = 'stable' | 'latency' | 'legacy' | 'argmax';

export interface Padding2D {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** A QONNX / ONNX / QKeras quantization fact, recorded by frontends for the quantization pass. */
export interface QuantFact {
  /** qonnx Quant, BipolarQuant, Trunc; onnx QuantizeLinear+DequantizeLinear; a QKeras quantizer. */
  readonly kind: 'quant' | 'bipolar' | 'trunc' | 'qdq' | 'qkeras';
  readonly bits?: number;
  readonly signed?: boolean;
  readonly narrow?: boolean;
  /** e.g. ROUND, FLOOR, ROUND_TO_ZERO (QONNX) */
  readonly rounding?: string;
  /** Per-tensor scale, or per-channel (last axis) scales. */
  readonly scale?: readonly number[];
  readonly zeroPoint?: readonly number[];
  /** Trunc: the output bit width and the input bit width / scale. */
  readonly outBits?: number;
  /** Trunc (QONNX 7-input form): the output scale, when it is not scale * 2^(bits - outBits). */
  readonly outScale?: readonly number[];
  /** QKeras quantizer config as written, e.g. {class_name: 'quantized_bits', config: {...}} or "quantized_relu(6,0)". */
  readonly qkeras?: unknown;
}

/** Op-specific attributes, discriminated by `op`. */
export type LayerAttrs =
  | { readonly op: 'Input' }
  | { readonly op: 'Dense'; readonly nIn: number; readonly nOut: number }
  | {
      readonly op: 'Conv';
      readonly dims: 1 | 2;
      /** [kh, kw] (for 1-D: [k]) */
      readonly kernel: readonly number[];
      readonly strides: readonly number[];
      readonly dilations: readonly number[];
      /** Zero padding; for 1-D only left/right are used. */
      readonly pads: Padding2D;
      readonly cIn: number;
      readonly cOut: number;
      /** 1 for ordinary convolution. */
      readonly groups: number;
    }
  | {
      readonly op: 'DepthwiseConv';
      readonly dims: 1 | 2;
      readonly kernel: readonly number[];
      readonly strides: readonly number[];
      readonly dilations: readonly number[];
      readonly pads: Padding2D;
      readonly cIn: number;
      readonly depthMultiplier: number;
    }
  | {
      /** y = (x - mean) / sqrt(var + eps) * gamma + beta over the channel (last) axis. */
      readonly op: 'BatchNorm';
      readonly epsilon: number;
    }
  | {
      /** y = x * scale + bias with constant per-channel (or scalar) scale/bias (ONNX Mul/Add/Sub/Div by constants). */
      readonly op: 'ScaleBias';
      /**
       * A scale layer made from a quantizer's float scale / zero point (hls4ml's ApplyAlpha, pass
       * split-scales): its `auto` scale/bias types are sized to the constants (infer-precision).
       */
      readonly alpha?: boolean;
    }
  | {
      readonly op: 'Activation';
      readonly activation: ActivationKind;
      /** leaky_relu alpha, elu alpha, thresholded_relu theta, hard_sigmoid slope... */
      readonly alpha?: number;
      readonly beta?: number;
      readonly theta?: number;
      readonly min?: number;
      readonly max?: number;
      readonly slope?: number;
      readonly shift?: number;
    }
  | { readonly op: 'Softmax'; readonly axis: number; readonly implementation?: SoftmaxImplementation }
  | {
      readonly op: 'Pool';
      readonly dims: 1 | 2;
      readonly mode: 'max' | 'avg';
      readonly pool: readonly number[];
      readonly strides: readonly number[];
      readonly pads: Padding2D;
      /** Average pooling: whether padded zeros count in the divisor. */
      readonly countIncludePad: boolean;
    }
  | { readonly op: 'GlobalPool'; readonly dims: 1 | 2; readonly mode: 'max' | 'avg' }
  | { readonly op: 'Reshape' }
  | { readonly op: 'Flatten' }
  | { readonly op: 'Transpose'; readonly perm: readonly number[] }
  | { readonly op: 'Merge'; readonly mode: 'add' | 'sub' | 'mul' | 'avg' | 'max' | 'min' }
  | { readonly op: 'Concat'; readonly axis: number }
  | { readonly op: 'Pad'; readonly dims: 1 | 2; readonly pads: Padding2D; readonly value: number }
  | { readonly op: 'Crop'; readonly dims: 1 | 2; readonly crop: Padding2D }
  | { readonly op: 'Resize'; readonly dims: 1 | 2; readonly scales: readonly number[]; readonly mode: 'nearest' }
  | { readonly op: 'Quant'; readonly fact: QuantFact }
  | { readonly op: 'Identity' }
  | { readonly op: 'Dropout' }
  | RecurrentAttrs
  | LayerNormAttrs
  | AttentionAttrs;

/** Table activations a recurrent cell can use (hls4ml's recurrent kernels look them up in LUTs). */
export type RecurrentActivation = 'tanh' | 'sigmoid';

/**
 * GRU / LSTM / SimpleRNN over a [steps, nIn] sequence (recurrent.ts in the emulator). Weights
 * (Keras layouts, gate blocks in Keras order): `kernel` [nIn, k*units], `recurrent_kernel`
 * [units, k*units], `bias` [k*units], `recurrent_bias` [k*units] (GRU reset_after only; LSTM and
 * SimpleRNN get a zero one, as hls4ml adds), with k = 3 (GRU: z, r, h), 4 (LSTM: i, f, c, o), 1.
 * Config-derived settings (`recurrentReuseFactor`, `static`) are written by the recurrent-config pass.
 */
export interface RecurrentAttrs {
  readonly op: 'GRU' | 'LSTM' | 'SimpleRNN';
  readonly units: number;
  readonly nIn: number;
  readonly steps: number;
  readonly returnSequences: boolean;
  readonly activation: RecurrentActivation;
  /** GRU / LSTM gate activation. */
  readonly recurrentActivation?: RecurrentActivation;
  /** GRU only: Keras reset_after (true: r multiplies the recurrent product; false: r multiplies h before it). */
  readonly resetAfter?: boolean;
  /** Reuse factor of the recurrent product (units x k*units); the layer's reuseFactor is the input product's. */
  readonly recurrentReuseFactor?: number;
  /** hls4ml `static`: state kept in function-static arrays, reset at the first step of every sample. */
  readonly static?: boolean;
}

/**
 * Layer normalization over the last axis, per row (2-D [features] is one row; 3-D [seq, features]
 * normalises every row on its own). Weights `scale` (gamma) and `bias` (beta), [features].
 */
export interface LayerNormAttrs {
  readonly op: 'LayerNorm';
  readonly epsilon: number;
  /** hls4ml table_range_power2: the 1/sqrt(var) table covers var in [eps, eps + 2^-p). */
  readonly tableRangePower2?: number;
}

/**
 * Multi-head attention (Keras MultiHeadAttention, or an ONNX MatMul-Softmax-MatMul subgraph):
 * inputs query [Tq, dq] and value [Tv, dv] (key = value unless a third input is given).
 * Weights: `query_kernel` [dq, heads*keyDim], `key_kernel` [dk, heads*keyDim], `value_kernel`
 * [dv, heads*valueDim], `output_kernel` [heads*valueDim, outDim], each with a bias of its last dim.
 */
export interface AttentionAttrs {
  readonly op: 'MultiHeadAttention';
  readonly heads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly outDim: number;
  /** Score scale; default 1/sqrt(keyDim) (Keras). An ONNX attention subgraph gives its own (or 1). */
  readonly scale?: number;
}

export type OpKind = LayerAttrs['op'];

export interface Layer {
  readonly name: string;
  readonly attrs: LayerAttrs;
  /** Input tensor names, in order. */
  readonly inputs: readonly string[];
  /** Output tensor names (one for every op today). */
  readonly outputs: readonly string[];
  /**
   * Weights by role: Dense/Conv/DepthwiseConv `kernel`, `bias`; BatchNorm `gamma`, `beta`,
   * `mean`, `variance`; ScaleBias `scale`, `bias`; PReLU `alpha`; recurrent, LayerNorm and
   * attention layers: see RecurrentAttrs, LayerNormAttrs, AttentionAttrs.
   */
  readonly weights: Readonly<Record<string, WeightTensor>>;
  /** Fixed-point types by slot; absent = not yet assigned, 'auto' = to be inferred. */
  readonly precision: Readonly<Partial<Record<PrecisionSlot, TypeSpec>>>;
  readonly reuseFactor?: number;
  readonly strategy?: Strategy;
  /** Table-based activations: number of entries. */
  readonly tableSize?: number;
  /** Quantization facts on this layer's weights (key: weight role) or output ('result'). */
  readonly quant?: Readonly<Record<string, QuantFact>>;
  readonly source?: SourceRef;
}

export interface TensorInfo {
  readonly name: string;
  readonly shape: Shape;
}

/** How a graph input was laid out in the source model, so user inputs can be transposed. */
export interface InputLayout {
  /** e.g. 'NCHW', 'NCW', 'NHWC', 'NC' */
  readonly source: string;
  /** The model's own per-sample shape (without batch). */
  readonly sourceShape: Shape;
  /** perm such that irInput[...] = sourceInput transposed by perm (per-sample axes). Identity if none. */
  readonly perm: readonly number[];
}

export interface Graph {
  readonly name: string;
  /** Graph input tensor names (each is produced by an Input layer of the same name). */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** Topologically ordered. */
  readonly layers: readonly Layer[];
  readonly inputLayouts: Readonly<Record<string, InputLayout>>;
  /** Where the model was read from and by which frontend. */
  readonly meta: Readonly<{ file?: string; format?: string; producer?: string; opset?: number; [k: string]: unknown }>;
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function layerByName(g: Graph, name: string): Layer | undefined {
  return g.layers.find((l) => l.name === name);
}

/** The layer that produces a tensor. */
export function producerOf(g: Graph, tensor: string): Layer | undefined {
  return g.layers.find((l) => l.outputs.includes(tensor));
}

/** Layers that read a tensor. */
export function consumersOf(g: Graph, tensor: string): Layer[] {
  return g.layers.filter((l) => l.inputs.includes(tensor));
}

export function outputShape(g: Graph, l: Layer): Shape {
  const t = g.tensors.get(l.outputs[0]!);
  if (!t) throw new Error(`tensor ${l.outputs[0]} of layer ${l.name} has no shape`);
  return t.shape;
}

export function inputShape(g: Graph, l: Layer, k = 0): Shape {
  const t = g.tensors.get(l.inputs[k]!);
  if (!t) throw new Error(`tensor ${l.inputs[k]} of layer ${l.name} has no shape`);
  return t.shape;
}

/** Number of weights and how many are exactly zero, over kernel-like weights (not BN statistics). */
export function paramCounts(l: Layer): { params: number; zeros: number } {
  let params = 0;
  let zeros = 0;
  for (const w of Object.values(l.weights)) {
    params += w.data.length;
    for (let i = 0; i < w.data.length; i++) if (w.data[i] === 0) zeros++;
  }
  return { params, zeros };
}

/** Returns a copy of the graph with some fields replaced (layers re-indexed as given). */
export function withGraph(g: Graph, patch: Partial<Graph>): Graph {
  return { ...g, ...patch };
}

/** Returns a copy of a layer with some fields replaced. */
export function withLayer<L extends Layer>(l: L, patch: Partial<Layer>): Layer {
  return { ...l, ...patch };
}
