/**
 * @fileoverview hls4ml firmware layers -> fastml IR, for the estimator.
 *
 * An hls4ml project's firmware says, layer by layer, what the HLS tool compiles: the nnet function
 * called (dense, conv_2d_cl, pooling2d_cl, ...), its config struct (sizes, reuse factor, strategy)
 * and its typedefs. The public truth's `design_json` column and `fastml estimate HLS4ML_PROJECT_DIR`
 * (hls4ml-project.ts) both describe a design as that list of `Hls4mlLayer`s; this file turns it into
 * an IR graph the estimator runs on, with the options (io type, strategy) it implies.
 *
 * The mapping is a table keyed by hls4ml layer class, so new kinds (recurrent layers) are one entry.
 * Designs fastml cannot rebuild faithfully are refused with the reason: modified kernels (`*_me`,
 * custom classes), or branching topologies whose wiring the list does not say (clone_stream,
 * concatenate), since the list is only the call order.
 *
 * Weights are not in the list, only the count of zero weights (`n_zeros`). The kernel is filled so
 * that exactly that many quantize to zero and the others spread evenly over the weight type's
 * non-zero codes, so the share of power-of-two weights (free shifts in the Latency strategy) follows
 * from the type's width: most codes of a 4-bit type are powers of two, almost none of a 16-bit one.
 */

import type { Graph, Layer, LayerAttrs, Padding2D, Shape, Strategy, TensorInfo, WeightTensor } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { FixedType, TypeSpec } from '../fixed/type.js';
import { parseFixed } from '../fixed/type.js';
import type { IoType } from './types.js';

/** One layer call of an hls4ml firmware top function, as parameters.h / defines.h describe it. */
export interface Hls4mlLayer {
  readonly name: string | null;
  readonly class: string;
  readonly hls_function: string;
  readonly config?: string | null;
  readonly n_in?: number;
  readonly n_out?: number;
  readonly in_height?: number;
  readonly in_width?: number;
  readonly n_chan?: number;
  readonly n_filt?: number;
  readonly filt_height?: number;
  readonly filt_width?: number;
  readonly stride_height?: number;
  readonly stride_width?: number;
  readonly out_height?: number;
  readonly out_width?: number;
  readonly pad_top?: number;
  readonly pad_bottom?: number;
  readonly pad_left?: number;
  readonly pad_right?: number;
  readonly pool_height?: number;
  readonly pool_width?: number;
  readonly reuse_factor?: number;
  readonly depthwise_reuse_factor?: number;
  readonly pointwise_reuse_factor?: number;
  readonly strategy?: string;
  readonly io_type?: string;
  readonly input_t?: string;
  readonly weight_t?: string;
  readonly depthwise_weight_t?: string;
  readonly pointwise_weight_t?: string;
  readonly bias_t?: string;
  readonly accum_t?: string;
  readonly result_t?: string;
  readonly scale_t?: string;
  readonly table_t?: string;
  readonly table_size?: number;
  readonly n_zeros?: number;
  readonly pointwise_n_zeros?: number;
  /** Pooling: 'max' or 'average' when the source says (hls4ml's pool_op). */
  readonly pool_op?: string;
}

export interface Hls4mlDesign {
  readonly graph: Graph;
  readonly ioType: IoType;
  /** The strategy of the first compute layer (layers carry their own). */
  readonly strategy: Strategy;
  readonly reuseFactor: number;
}

/** Why a design cannot be rebuilt, naming the layer. */
export class DesignError extends Error {
  constructor(
    readonly layer: string,
    readonly reason: string,
  ) {
    super(`layer ${layer}: ${reason}`);
    this.name = 'DesignError';
  }
}

interface Built {
  readonly attrs: LayerAttrs;
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly weights?: Record<string, WeightTensor>;
  readonly precision?: Layer['precision'];
  readonly reuseFactor?: number;
  readonly strategy?: Strategy;
  readonly tableSize?: number;
}

type Mapper = (l: Hls4mlLayer, prev: Shape, name: string) => Built | Built[];

const ACTIVATIONS: Record<string, LayerAttrs> = {
  Linear: { op: 'Activation', activation: 'linear' },
  ReLU: { op: 'Activation', activation: 'relu' },
  TanH: { op: 'Activation', activation: 'tanh' },
  Sigmoid: { op: 'Activation', activation: 'sigmoid' },
  HardSigmoid: { op: 'Activation', activation: 'hard_sigmoid' },
  LeakyReLU: { op: 'Activation', activation: 'leaky_relu', alpha: 0.3 },
  ELU: { op: 'Activation', activation: 'elu', alpha: 1 },
};

/** hls4ml nnet functions fastml models (the unmodified library kernels). */
const KNOWN_FUNCTIONS = new Set([
  'dense', 'dense_large', 'dense_latency', 'dense_resource', 'conv_2d_cl', 'conv_2d_large_cl', 'conv_1d_cl', 'pointwise_conv_1d_cl', 'pointwise_conv_2d_cl',
  'separable_conv_2d_cl', 'depthwise_conv_2d_cl', 'pooling2d_cl', 'pooling1d_cl', 'global_pooling2d_cl', 'global_pooling1d_cl', 'zeropad2d_cl', 'zeropad1d_cl',
  'linear', 'relu', 'tanh', 'sigmoid', 'hard_sigmoid', 'leaky_relu', 'elu', 'softmax', 'normalize', 'resize_nearest', 'repack_stream',
]);

function need(l: Hls4mlLayer, key: keyof Hls4mlLayer): number {
  const v = l[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new DesignError(l.name ?? l.class, `${String(key)} is ${v === undefined ? 'missing' : `not a size (${String(v)})`}`);
  return v;
}

function type(l: Hls4mlLayer, s: string | undefined): FixedType | undefined {
  if (!s) return undefined;
  try {
    return parseFixed(s);
  } catch (e) {
    throw new DesignError(l.name ?? l.class, `type "${s}" is not an ap_fixed/ap_int type (${(e as Error).message})`);
  }
}

function precisionOf(l: Hls4mlLayer, weight = l.weight_t): Layer['precision'] {
  const out: Record<string, TypeSpec> = {};
  const put = (slot: string, s: string | undefined) => {
    const t = type(l, s);
    if (t) out[slot] = t;
  };
  put('weight', weight);
  put('bias', l.bias_t);
  put('accum', l.accum_t);
  put('result', l.result_t);
  put('scale', l.scale_t);
  put('table', l.table_t);
  return out;
}

/** Deterministic uniform numbers in [0, 1) (mulberry32): the same synthetic kernel on every run. */
function uniform(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A kernel of fan-in `fanIn` with exactly `zeros` zero weights; the others drawn like trained
 * weights, normal with the He scale sqrt(2 / fan-in), quantized to the weight type (clipped to its
 * range, at least one LSB so that only the listed zeros are zero). The mix of cheap constants
 * (powers of two, few CSD digits) then follows from the type and the layer size as it does for
 * real weights: a 4-bit type is mostly powers of two, a 16-bit one almost never.
 */
export function syntheticKernel(shape: Shape, zeros: number, wT: FixedType | undefined, fanIn = shape.length > 1 ? numel(shape) / shape[shape.length - 1]! : numel(shape)): WeightTensor {
  const n = numel(shape);
  const data = new Float32Array(n);
  const t = wT ?? { w: 16, i: 6, signed: true };
  const lsb = 2 ** (t.i - t.w);
  const maxCode = Math.max(1, 2 ** (t.w - (t.signed ? 1 : 0)) - 1);
  const sigma = Math.sqrt(2 / Math.max(1, fanIn));
  const z = Math.max(0, Math.min(n, Math.round(zeros)));
  const rand = uniform(n * 31 + z * 7 + t.w);
  for (let i = 0; i < n; i++) {
    // Exactly z zeros, spread evenly through the kernel (pruning is not clustered in one output).
    if (Math.floor(((i + 1) * z) / n) > Math.floor((i * z) / n)) continue;
    const g = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const code = Math.max(1, Math.min(maxCode, Math.round(Math.abs(g * sigma) / lsb)));
    data[i] = (g < 0 && t.signed ? -code : code) * lsb;
  }
  return { shape, data };
}

function strategyOf(l: Hls4mlLayer): Strategy {
  return (l.strategy ?? '').toLowerCase() === 'resource' ? 'resource' : 'latency';
}

function pads(l: Hls4mlLayer): Padding2D {
  return { top: l.pad_top ?? 0, bottom: l.pad_bottom ?? 0, left: l.pad_left ?? 0, right: l.pad_right ?? 0 };
}

const dense: Mapper = (l) => {
  const nIn = need(l, 'n_in');
  const nOut = need(l, 'n_out');
  const wT = type(l, l.weight_t);
  return {
    attrs: { op: 'Dense', nIn, nOut },
    inShape: [nIn],
    outShape: [nOut],
    weights: { kernel: syntheticKernel([nIn, nOut], l.n_zeros ?? 0, wT), bias: { shape: [nOut], data: new Float32Array(nOut) } },
    precision: precisionOf(l),
    reuseFactor: l.reuse_factor ?? 1,
    strategy: strategyOf(l),
  };
};

const conv2d: Mapper = (l) => {
  const [h, w, c, f] = [need(l, 'in_height'), need(l, 'in_width'), need(l, 'n_chan'), need(l, 'n_filt')];
  const [kh, kw] = [need(l, 'filt_height'), need(l, 'filt_width')];
  return {
    attrs: { op: 'Conv', dims: 2, kernel: [kh, kw], strides: [l.stride_height ?? 1, l.stride_width ?? 1], dilations: [1, 1], pads: pads(l), cIn: c, cOut: f, groups: 1 },
    inShape: [h, w, c],
    outShape: [need(l, 'out_height'), need(l, 'out_width'), f],
    weights: { kernel: syntheticKernel([kh, kw, c, f], l.n_zeros ?? 0, type(l, l.weight_t)), bias: { shape: [f], data: new Float32Array(f) } },
    precision: precisionOf(l),
    reuseFactor: l.reuse_factor ?? 1,
    strategy: strategyOf(l),
  };
};

const conv1d: Mapper = (l) => {
  const [w, c, f, k] = [need(l, 'in_width'), need(l, 'n_chan'), need(l, 'n_filt'), l.filt_width ?? 1];
  return {
    attrs: { op: 'Conv', dims: 1, kernel: [k], strides: [l.stride_width ?? 1], dilations: [1], pads: pads(l), cIn: c, cOut: f, groups: 1 },
    inShape: [w, c],
    outShape: [need(l, 'out_width'), f],
    weights: { kernel: syntheticKernel([k, c, f], l.n_zeros ?? 0, type(l, l.weight_t)), bias: { shape: [f], data: new Float32Array(f) } },
    precision: precisionOf(l),
    reuseFactor: l.reuse_factor ?? 1,
    strategy: strategyOf(l),
  };
};

/** hls4ml's separable convolution: a depthwise pass, then a 1x1 pointwise convolution. */
const separable2d: Mapper = (l): Built[] => {
  const [h, w, c, f] = [need(l, 'in_height'), need(l, 'in_width'), need(l, 'n_chan'), need(l, 'n_filt')];
  const [kh, kw] = [need(l, 'filt_height'), need(l, 'filt_width')];
  const [oh, ow] = [need(l, 'out_height'), need(l, 'out_width')];
  const dwT = l.depthwise_weight_t ?? l.weight_t;
  const pwT = l.pointwise_weight_t ?? l.weight_t;
  return [
    {
      attrs: { op: 'DepthwiseConv', dims: 2, kernel: [kh, kw], strides: [l.stride_height ?? 1, l.stride_width ?? 1], dilations: [1, 1], pads: pads(l), cIn: c, depthMultiplier: 1 },
      inShape: [h, w, c],
      outShape: [oh, ow, c],
      weights: { kernel: syntheticKernel([kh, kw, c, 1], 0, type(l, dwT)) },
      precision: precisionOf(l, dwT),
      reuseFactor: l.depthwise_reuse_factor ?? l.reuse_factor ?? 1,
      strategy: strategyOf(l),
    },
    {
      attrs: { op: 'Conv', dims: 2, kernel: [1, 1], strides: [1, 1], dilations: [1, 1], pads: { top: 0, bottom: 0, left: 0, right: 0 }, cIn: c, cOut: f, groups: 1 },
      inShape: [oh, ow, c],
      outShape: [oh, ow, f],
      weights: { kernel: syntheticKernel([1, 1, c, f], l.pointwise_n_zeros ?? 0, type(l, pwT)), bias: { shape: [f], data: new Float32Array(f) } },
      precision: precisionOf(l, pwT),
      reuseFactor: l.pointwise_reuse_factor ?? l.reuse_factor ?? 1,
      strategy: strategyOf(l),
    },
  ];
};

function poolMode(l: Hls4mlLayer): 'max' | 'avg' {
  const s = `${l.pool_op ?? ''} ${l.name ?? ''}`.toLowerCase();
  return /av(era)?g/.test(s) ? 'avg' : 'max';
}

const pool2d: Mapper = (l) => {
  const [h, w, c] = [need(l, 'in_height'), need(l, 'in_width'), need(l, 'n_chan')];
  const ph = l.pool_height ?? need(l, 'filt_height');
  const pw = l.pool_width ?? need(l, 'filt_width');
  return {
    attrs: { op: 'Pool', dims: 2, mode: poolMode(l), pool: [ph, pw], strides: [l.stride_height ?? ph, l.stride_width ?? pw], pads: pads(l), countIncludePad: false },
    inShape: [h, w, c],
    outShape: [need(l, 'out_height'), need(l, 'out_width'), c],
    precision: precisionOf(l),
  };
};

const globalPool: Mapper = (l, prev) => {
  const c = l.n_filt ?? l.n_chan ?? prev[prev.length - 1] ?? 1;
  const dims = l.hls_function.includes('2d') ? 2 : 1;
  const inShape = numel(prev) % c === 0 && prev.length > 1 ? prev : dims === 2 ? [1, Math.max(1, (l.n_in ?? c) / c), c] : [Math.max(1, (l.n_in ?? c) / c), c];
  return { attrs: { op: 'GlobalPool', dims, mode: poolMode(l) }, inShape, outShape: [c], precision: precisionOf(l) };
};

const zeropad2d: Mapper = (l) => {
  const [h, w, c] = [need(l, 'in_height'), need(l, 'in_width'), need(l, 'n_chan')];
  return { attrs: { op: 'Pad', dims: 2, pads: pads(l), value: 0 }, inShape: [h, w, c], outShape: [need(l, 'out_height'), need(l, 'out_width'), c], precision: precisionOf(l) };
};

/** Element-wise layers keep the previous layer's shape when the element count agrees. */
function elementShape(l: Hls4mlLayer, prev: Shape): Shape {
  const n = l.n_in;
  return n === undefined || numel(prev) === n ? prev : [n];
}

const activation: Mapper = (l, prev) => {
  const shape = elementShape(l, prev);
  return { attrs: ACTIVATIONS[l.class]!, inShape: shape, outShape: shape, precision: precisionOf(l), ...(l.table_size ? { tableSize: l.table_size } : {}) };
};

const softmax: Mapper = (l, prev) => {
  const shape = elementShape(l, prev);
  return { attrs: { op: 'Softmax', axis: -1 }, inShape: shape, outShape: shape, precision: precisionOf(l), ...(l.table_size ? { tableSize: l.table_size } : {}) };
};

const batchnorm: Mapper = (l, prev) => {
  const shape = elementShape(l, prev);
  // n_filt is -1 in hls4ml's config when the normalization is over a flat vector.
  const c = l.n_filt !== undefined && l.n_filt > 0 ? l.n_filt : (shape[shape.length - 1] ?? 1);
  const ones = { shape: [c], data: new Float32Array(c).fill(0.3) };
  return { attrs: { op: 'ScaleBias' }, inShape: shape, outShape: shape, weights: { scale: ones, bias: { shape: [c], data: new Float32Array(c) } }, precision: precisionOf(l) };
};

/** Nearest-neighbour upsampling: the list gives channels only; sizes come from the next layer. */
const resize: Mapper = (l, prev) => ({ attrs: { op: 'Resize', dims: 2, scales: [2, 2], mode: 'nearest' }, inShape: prev, outShape: prev.length === 3 ? [prev[0]! * 2, prev[1]! * 2, prev[2]!] : prev, precision: precisionOf(l) });

const repack: Mapper = (l, prev) => ({ attrs: { op: 'Reshape' }, inShape: prev, outShape: prev, precision: precisionOf(l) });

/** hls4ml layer class -> IR layer(s). */
export const HLS4ML_LAYER_MAP: Readonly<Record<string, Mapper>> = {
  Dense: dense,
  Conv2D: conv2d,
  Conv1D: conv1d,
  PointwiseConv: conv1d,
  SeparableConv2D: separable2d,
  Pooling2D: pool2d,
  GlobalPooling: globalPool,
  ZeroPadding2D: zeropad2d,
  BatchNormalization: batchnorm,
  Softmax: softmax,
  Resize: resize,
  ...Object.fromEntries(Object.keys(ACTIVATIONS).map((k) => [k, activation])),
};

/** Why the design cannot be rebuilt as a sequential graph, or undefined when it can. */
export function unsupportedReason(layers: readonly Hls4mlLayer[]): string | undefined {
  for (const l of layers) {
    const who = `${l.name ?? l.class} (${l.hls_function})`;
    if (l.hls_function === 'clone_stream' || l.class === 'Merge') return `unknown topology: ${who} branches or merges, and the layer list does not say how`;
    if (/_me$|_switch$/.test(l.hls_function) || !KNOWN_FUNCTIONS.has(l.hls_function)) return `modified kernel: ${who} is not an hls4ml library function fastml models`;
    if (!HLS4ML_LAYER_MAP[l.class] && l.hls_function !== 'repack_stream') return `layer class ${l.class} of ${who} is not modelled`;
  }
  return undefined;
}

/** The IR graph of an hls4ml layer list (refuses what `unsupportedReason` names). */
export function designToGraph(layers: readonly Hls4mlLayer[], name: string): Hls4mlDesign {
  const why = unsupportedReason(layers);
  if (why) throw new DesignError(name, why);
  if (layers.length === 0) throw new DesignError(name, 'the design has no layers');
  const first = layers[0]!;
  // The input shape: that of the first layer that states one (a convolution or pooling after an
  // input activation reads the same elements as an image), else the first layer's element count.
  const shaped = layers.find((l) => l.in_height !== undefined || l.in_width !== undefined || l.class === 'Dense');
  const probe = shaped ?? first;
  const built0 = (probe.hls_function === 'repack_stream' ? repack : HLS4ML_LAYER_MAP[probe.class]!)(probe, [first.n_in ?? 1], probe.name ?? 'layer0');
  const shapedIn = (Array.isArray(built0) ? built0[0]! : built0).inShape;
  const inShape = first.n_in === undefined || numel(shapedIn) === first.n_in ? shapedIn : [first.n_in];
  const tensors = new Map<string, TensorInfo>();
  const out: Layer[] = [];
  const input = 'input_1';
  tensors.set(input, { name: input, shape: inShape });
  const inT = type(first, first.input_t);
  out.push({ name: input, attrs: { op: 'Input' }, inputs: [], outputs: [input], weights: {}, precision: inT ? { result: inT } : {} });
  let prev = input;
  const used = new Set<string>([input]);
  const unique = (n: string) => {
    let u = n;
    for (let k = 2; used.has(u); k++) u = `${n}_${k}`;
    used.add(u);
    return u;
  };
  layers.forEach((l, i) => {
    const map = l.hls_function === 'repack_stream' ? repack : HLS4ML_LAYER_MAP[l.class]!;
    const built = map(l, tensors.get(prev)!.shape, l.name ?? `${l.class.toLowerCase()}_${i}`);
    const parts = Array.isArray(built) ? built : [built];
    parts.forEach((b, k) => {
      const lname = unique(`${l.name ?? `${l.class.toLowerCase()}_${i}`}${parts.length > 1 ? (k === 0 ? '_depthwise' : '_pointwise') : ''}`);
      // A layer whose input shape differs from the previous output only in layout (a flatten
      // between a pooling and a dense) reads the same elements: hls4ml's flatten is a no-op.
      const prevShape = tensors.get(prev)!.shape;
      if (numel(prevShape) !== numel(b.inShape)) {
        throw new DesignError(lname, `expects ${numel(b.inShape)} inputs ([${b.inShape.join(', ')}]) but the previous layer gives ${numel(prevShape)} ([${prevShape.join(', ')}])`);
      }
      if (prevShape.join('x') !== b.inShape.join('x')) {
        // The flatten / reshape hls4ml leaves out of the firmware (it is free there): the IR
        // states it so every layer sees the shape it expects.
        const rname = unique(`${lname}_${b.inShape.length === 1 ? 'flatten' : 'reshape'}`);
        tensors.set(rname, { name: rname, shape: b.inShape });
        out.push({ name: rname, attrs: b.inShape.length === 1 ? { op: 'Flatten' } : { op: 'Reshape' }, inputs: [prev], outputs: [rname], weights: {}, precision: {} });
        prev = rname;
      }
      tensors.set(lname, { name: lname, shape: b.outShape });
      out.push({
        name: lname,
        attrs: b.attrs,
        inputs: [prev],
        outputs: [lname],
        weights: b.weights ?? {},
        precision: b.precision ?? {},
        ...(b.reuseFactor !== undefined ? { reuseFactor: b.reuseFactor } : {}),
        ...(b.strategy ? { strategy: b.strategy } : {}),
        ...(b.tableSize !== undefined ? { tableSize: b.tableSize } : {}),
      });
      prev = lname;
    });
  });
  const compute = layers.find((l) => l.reuse_factor !== undefined && ['Dense', 'Conv2D', 'Conv1D', 'PointwiseConv', 'SeparableConv2D'].includes(l.class));
  const graph: Graph = { name, inputs: [input], outputs: [prev], tensors, layers: out, inputLayouts: {}, meta: { producer: 'fastml estimate/hls4ml-design.ts' } };
  return {
    graph,
    ioType: layers.some((l) => l.io_type === 'io_stream') ? 'io_stream' : 'io_parallel',
    strategy: compute ? strategyOf(compute) : 'latency',
    reuseFactor: compute?.reuse_factor ?? 1,
  };
}
