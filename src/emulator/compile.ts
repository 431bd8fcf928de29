/**
 * @fileoverview Compiles a typed IR graph into a bit-accurate fixed-point program.
 *
 * Every layer becomes a closure over preallocated Float64Array buffers (one per tensor, values in
 * the value domain of the tensor's type), with its weights quantized once and its casts specialised
 * per type. Running a sample is then a fixed sequence of calls with no allocation. Shape-only ops
 * (Reshape, Flatten, Identity, Dropout) alias their input buffer.
 *
 * The graph must be fully typed (no 'auto' left): run the pass pipeline (apply-config, precision
 * inference) first. Missing types are reported as FML5001 naming the layer and the slot.
 */

import type { FixedType, TypeSpec } from '../fixed/type.js';
import { fixedType, fracBits } from '../fixed/type.js';
import type { Graph, Layer } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { DiagnosticError, diag, EXIT } from '../diagnostics/diagnostic.js';
import { OverflowBook } from './overflow.js';
import type { VarStats } from './overflow.js';
import { compileDenseInt, sharedDenseOrder } from './mac.js';
import { compileConv, compileDenseRows } from './conv.js';
import { compileActivation, compileSoftmax } from './activations.js';
import {
  compileCast,
  compileConcat,
  compileGlobalPool,
  compileMerge,
  compilePadCrop,
  compilePool,
  compileResize,
  compileScaleBias,
  compileTranspose,
  transposeMap,
} from './misc.js';
import { batchNormScaleBias, constDoubles, quantizeConst, quantizeConstInto, quantizeConstRaw, type QuantConst } from './weights.js';
import type { WeightFill } from './simd.js';
import { countingLoop, WidthError } from './quant.js';
import { compileSequenceLayer } from './compile-seq.js';
import { compileWideMerge, compileWideScaleBias, WideValueError } from './wide.js';
import { wideAvgPool, wideGlobalAvgPool } from './wide-ops.js';

/** Bits of the exact sum of an x-typed value and an acc-typed one (the pooling accumulation). */
function sumSpan(x: FixedType, acc: FixedType): number {
  const f = Math.max(fracBits(x), fracBits(acc));
  return Math.max(x.i, acc.i) + f + 1;
}
import { compileIntChain, intChainsEnabled } from './int-chain.js';
import { withScalarKernels } from './simd.js';
import { compileDenseIntCounting } from './mac-count.js';

export interface EmulatorOptions {
  /** Count overflow / wrap / saturation per layer and variable (slower). */
  readonly accounting?: boolean;
  /**
   * Quantize weights through their decimal text form as hls4ml's generated C++ does (default
   * true); false casts the float values directly.
   */
  readonly weightsAsText?: boolean;
  /**
   * Use the WebAssembly kernels (Dense/ReLU chains, SIMD Dense) where they apply (default true).
   * false: JavaScript kernels only, the same bits; cheaper when only a few samples of a small
   * model run (compile's test bench), since nothing has to be assembled and compiled.
   */
  readonly wasm?: boolean;
}

export interface TensorSlot {
  readonly name: string;
  readonly shape: readonly number[];
  readonly size: number;
}

export interface CompiledEmulator {
  readonly graph: Graph;
  readonly inputs: readonly TensorSlot[];
  readonly outputs: readonly TensorSlot[];
  /** Layers in execution order with the tensor holding their output. */
  readonly layers: readonly { readonly name: string; readonly tensor: string; readonly shape: readonly number[] }[];
  /** Runs one sample (inputs in IR layout, channels-last); returns the output buffers (reused). */
  runSample(inputs: readonly ArrayLike<number>[]): readonly Float64Array[];
  /** Runs sample `s` of batch-first arrays (IR layout): runSample without a view per sample (runBatch's loop). */
  runSampleAt(data: readonly Float64Array[], s: number): readonly Float64Array[];
  /** A tensor's buffer after the last runSample. */
  buffer(tensor: string): Float64Array;
  /** The fixed-point type of a tensor. */
  typeOf(tensor: string): FixedType;
  readonly book?: OverflowBook;
}

type Step = () => void;

export class Compiler {
  readonly bufs = new Map<string, Float64Array>();
  readonly types = new Map<string, FixedType>();
  readonly steps: Step[] = [];
  /** The layer of each step (for run-time diagnostics). */
  readonly stepLayer: Layer[] = [];
  readonly userIn = new Map<string, Float64Array>();
  /** Tensors kept elsewhere while running (int-chain.ts): fill their buffer when read. */
  readonly lazy = new Map<string, () => void>();
  readonly book: OverflowBook | undefined;
  readonly asText: boolean;

  constructor(
    readonly g: Graph,
    opts: EmulatorOptions,
  ) {
    this.book = opts.accounting ? new OverflowBook() : undefined;
    this.asText = opts.weightsAsText ?? true;
  }

  fail(l: Layer, msg: string, hint?: string): never {
    throw new DiagnosticError([diag('FML5001', msg, { ...(l.source?.file ? { file: l.source.file } : {}), node: l.name, ...(l.source?.opType ? { opType: l.source.opType } : {}) }, hint)], EXIT.MODEL);
  }

  type(l: Layer, slot: string, fallback?: FixedType, allowWide = false): FixedType {
    const t: TypeSpec | undefined = l.precision[slot];
    if (t === undefined || t === 'auto') {
      if (fallback) return fallback;
      this.fail(
        l,
        t === 'auto' ? `precision "${slot}" is still auto: it must be inferred before emulation` : `layer has no "${slot}" precision`,
        'run the fastml pipeline (precision inference) or set the type in the hls4ml config',
      );
    }
    // Wider than 53 bits: the exact kernels of wide.ts / bigmac.ts take it (allowWide is kept for
    // callers that state it; every slot is allowed now).
    void allowWide;
    return t;
  }

  failStep(s: number, msg: string): never {
    const l = this.stepLayer[s];
    if (!l) throw new DiagnosticError([diag('FML5001', msg)], EXIT.MODEL);
    this.fail(l, msg, 'narrow the type in the config: fastml config bounds inferred types with Model: Precision: maximum');
  }

  stats(l: Layer, variable: string, t?: FixedType): VarStats | undefined {
    return this.book?.slot(l.name, variable, t);
  }

  shape(tensor: string): readonly number[] {
    const t = this.g.tensors.get(tensor);
    if (!t) throw new DiagnosticError([diag('FML5002', `tensor "${tensor}" has no shape`)], EXIT.MODEL);
    return t.shape;
  }

  alloc(tensor: string): Float64Array {
    let b = this.bufs.get(tensor);
    if (!b) {
      b = new Float64Array(numel(this.shape(tensor)));
      this.bufs.set(tensor, b);
    }
    return b;
  }

  inBuf(l: Layer, k = 0): Float64Array {
    const b = this.bufs.get(l.inputs[k]!);
    if (!b) this.fail(l, `input tensor "${l.inputs[k]}" is not computed before this layer`);
    return b;
  }

  inType(l: Layer, k = 0): FixedType {
    const t = this.types.get(l.inputs[k]!);
    if (!t) this.fail(l, `input tensor "${l.inputs[k]}" has no type`);
    return t;
  }

  /** Registers a one-input kernel writing a fresh output buffer of type `outT`. */
  unary(l: Layer, outT: FixedType, k: (x: Float64Array, y: Float64Array) => void): void {
    const x = this.inBuf(l);
    const y = this.alloc(l.outputs[0]!);
    this.types.set(l.outputs[0]!, outT);
    this.steps.push(() => k(x, y));
  }

  weights(l: Layer, role: string, t: FixedType, n?: number): Float64Array {
    const w = l.weights[role];
    if (!w) {
      if (n !== undefined) return new Float64Array(n);
      this.fail(l, `weight "${role}" is missing`);
    }
    return quantizeConst(w.data, t, this.asText);
  }

  weightsRaw(l: Layer, role: string, t: FixedType): QuantConst {
    const w = l.weights[role] ?? this.fail(l, `weight "${role}" is missing`);
    return quantizeConstRaw(w.data, t, this.asText);
  }

  /**
   * A weight for a kernel that can take it into its own memory: quantized there (and cached as
   * that memory) when the kernel's integers are the type's raw values, else weightsRaw's.
   */
  weightsFill(l: Layer, role: string, t: FixedType): WeightFill {
    const w = l.weights[role] ?? this.fail(l, `weight "${role}" is missing`);
    return {
      into: (dst, scale) => scale === 2 ** fracBits(t) && quantizeConstInto(w.data, t, this.asText, dst),
      get: () => this.weightsRaw(l, role, t),
    };
  }

  spatial(l: Layer, dims: 1 | 2, shape: readonly number[]): number[] {
    return dims === 1 ? [1, shape[0]!] : [shape[0]!, shape[1]!];
  }

  /**
   * Kernels that compute on doubles beyond a cast (sums, averages, products with a parameter) are
   * exact only while the operands are narrow: each layer picks an exact BigInt kernel (wide.ts,
   * wide-ops.ts) when an intermediate can exceed 53 bits. What has none is refused, not rounded.
   */
  checkWideOperands(l: Layer): void {
    const a = l.attrs;
    const wide = l.inputs.map((_, k) => this.types.get(l.inputs[k]!)).find((t) => t !== undefined && t.w > 53);
    if (!wide) return;
    // Parametric activations, pooling and softmax take wide inputs through wide-ops.ts; the legacy
    // softmax's pairwise differences do not (the C++ refuses it beyond 51-bit inputs too).
    if (a.op === 'Softmax' && a.implementation === 'legacy')
      throw new WidthError(`its input is ${wide.w} bits wide and the legacy softmax's arithmetic on such inputs is not exact in the emulator (nor accepted by the C++ backend); use the stable or latency implementation`);
  }

  layer(l: Layer): void {
    const a = l.attrs;
    const out = l.outputs[0]!;
    this.checkWideOperands(l);
    switch (a.op) {
      case 'Input': {
        const t = this.type(l, 'result');
        const user = new Float64Array(numel(this.shape(out)));
        this.userIn.set(out, user);
        const y = this.alloc(out);
        this.types.set(out, t);
        const st = this.stats(l, 'input', t);
        // Counting: a loop generated for the type; else misc.ts's cast (src/fixed's array loop).
        const loop = st ? countingLoop(t, st) : undefined;
        if (loop) this.steps.push(() => loop(user, 0, 1, y, 0, user.length));
        else {
          const k = compileCast(t, st);
          this.steps.push(() => k(user, y));
        }
        return;
      }
      case 'Reshape':
      case 'Flatten':
      case 'Identity':
      case 'Dropout':
        this.bufs.set(out, this.inBuf(l));
        this.types.set(out, this.inType(l));
        return;
      case 'Dense': {
        const T = { x: this.inType(l), w: this.type(l, 'weight'), acc: this.type(l, 'accum', undefined, true), res: this.type(l, 'result') };
        const inShape = this.shape(l.inputs[0]!);
        const rows = numel(inShape) / a.nIn;
        const strategy = l.strategy ?? 'latency';
        const rf = l.reuseFactor ?? 1;
        // The plain integer kernel quantizes the weights into its own memory (which the writer then
        // reads through the cache), or copies the cache's raw integers; doubles only for the others.
        const wf = this.weightsFill(l, 'kernel', T.w);
        let wd: Float64Array | undefined;
        const wq = (): Float64Array => (wd ??= constDoubles(wf.get()));
        const bq = this.weights(l, 'bias', this.type(l, 'bias'), a.nOut);
        // The input-major integer kernels when they apply (counting ones with accounting), else
        // the general plan.
        const ms = this.macStats(l, T.res);
        // Counting sees partial sums, whose overflows depend on the order: only the plain kernel may reorder.
        const order = sharedDenseOrder(a.nIn, a.nOut, strategy, rf, ms ? undefined : T.acc);
        const fast = !order ? undefined : ms ? compileDenseIntCounting(a.nIn, a.nOut, rows, order, wq(), bq, T, ms) : compileDenseInt(a.nIn, a.nOut, rows, order, wf, bq, T);
        const k = fast ?? compileDenseRows(a.nIn, a.nOut, rows, strategy, rf, wq(), bq, T, ms);
        this.unary(l, T.res, k);
        return;
      }
      case 'Conv':
      case 'DepthwiseConv': {
        const T = { x: this.inType(l), w: this.type(l, 'weight'), acc: this.type(l, 'accum', undefined, true), res: this.type(l, 'result') };
        const inShape = this.shape(l.inputs[0]!);
        const outShape = this.shape(out);
        const d = a.dims;
        const one = (v: readonly number[]): number[] => (d === 1 ? [1, v[0]!] : [v[0]!, v[1]!]);
        const cOut = a.op === 'Conv' ? a.cOut : a.cIn * a.depthMultiplier;
        const geom = {
            inSp: this.spatial(l, d, inShape),
            outSp: this.spatial(l, d, outShape),
            kernel: one(a.kernel),
            strides: one(a.strides),
            dilations: one(a.dilations),
            padBefore: d === 1 ? [0, a.pads.left] : [a.pads.top, a.pads.left],
            cIn: a.cIn,
            cOut,
            groups: a.op === 'Conv' ? a.groups : a.cIn,
            ...(a.op === 'DepthwiseConv' ? { depthMultiplier: a.depthMultiplier } : {}),
        };
        const strategy = l.strategy ?? 'latency';
        const rf = l.reuseFactor ?? 1;
        const wq = this.weights(l, 'kernel', T.w);
        const bq = this.weights(l, 'bias', this.type(l, 'bias'), cOut);
        this.unary(l, T.res, compileConv(geom, strategy, rf, wq, bq, T, this.macStats(l, T.res)));
        return;
      }
      case 'BatchNorm':
      case 'ScaleBias': {
        const xT = this.inType(l);
        const sT = this.type(l, 'scale');
        const bT = this.type(l, 'bias');
        const resT = this.type(l, 'result');
        let scale: Float64Array;
        let bias: Float64Array;
        if (a.op === 'BatchNorm') {
          const w = (r: string) => l.weights[r]?.data ?? this.fail(l, `weight "${r}" is missing`);
          const sb = batchNormScaleBias(w('gamma'), w('beta'), w('mean'), w('variance'), a.epsilon);
          scale = quantizeConst(sb.scale, sT, this.asText);
          bias = quantizeConst(sb.bias, bT, this.asText);
        } else {
          scale = l.weights['scale'] ? this.weights(l, 'scale', sT) : Float64Array.of(1);
          bias = l.weights['bias'] ? this.weights(l, 'bias', bT) : Float64Array.of(0);
        }
        // The exact x * scale + bias needs max(I) + max(F) + 1 bits: beyond a double, the BigInt kernel.
        const span = Math.max(xT.i + sT.i, bT.i) + Math.max(fracBits(xT) + fracBits(sT), fracBits(bT)) + 1;
        const stats = this.stats(l, 'result', resT);
        this.unary(l, resT, span > 53 ? compileWideScaleBias(scale, bias, resT, stats) : compileScaleBias(scale, bias, xT, sT, bT, resT, stats));
        return;
      }
      case 'Activation': {
        const resT = this.type(l, 'result');
        const tableT = l.precision['table'];
        const paramT = l.precision['param'];
        const k = compileActivation(
          {
            kind: a.activation,
            inT: this.inType(l),
            resT,
            ...(tableT && tableT !== 'auto' ? { tableT } : {}),
            ...(paramT && paramT !== 'auto' ? { paramT } : {}),
            tableSize: l.tableSize ?? 1024,
            ...(a.alpha !== undefined ? { alpha: a.alpha } : {}),
            ...(a.theta !== undefined ? { theta: a.theta } : {}),
            ...(a.min !== undefined ? { min: a.min } : {}),
            ...(a.max !== undefined ? { max: a.max } : {}),
            ...(a.slope !== undefined ? { slope: a.slope } : {}),
            ...(a.shift !== undefined ? { shift: a.shift } : {}),
            ...(l.weights['alpha'] ? { alphas: l.weights['alpha'].data } : {}),
          },
          (v, t) => this.stats(l, v, t),
        );
        this.unary(l, resT, k);
        return;
      }
      case 'Softmax': {
        const inShape = this.shape(l.inputs[0]!);
        const rank = inShape.length;
        const axis = a.axis < 0 ? a.axis + rank : a.axis;
        if (axis !== rank - 1) this.fail(l, `softmax over axis ${a.axis} is not supported (only the last axis, as in hls4ml)`);
        const rnd = fixedType(18, 8, true, 'AP_RND', 'AP_SAT');
        const norm = l.precision['inp_norm'];
        const tableT = l.precision['table'];
        const resT = this.type(l, 'result');
        const k = compileSoftmax(
          {
            implementation: a.implementation ?? 'stable',
            inT: this.inType(l),
            resT,
            accT: this.type(l, 'accum', fixedType(16, 6)),
            expT: this.type(l, 'exp_table', rnd),
            invT: this.type(l, 'inv_table', rnd),
            invInpT: this.type(l, 'inv_inp', rnd),
            ...(norm && norm !== 'auto' ? { inpNormT: norm } : {}),
            ...(tableT && tableT !== 'auto' ? { tableT } : {}),
            tableSize: l.tableSize ?? 1024,
            slice: inShape[rank - 1]!,
          },
          (v, t) => this.stats(l, v, t),
        );
        this.unary(l, resT, k);
        return;
      }
      case 'Pool': {
        const inShape = this.shape(l.inputs[0]!);
        const outShape = this.shape(out);
        const d = a.dims;
        const one = (v: readonly number[], fill: number): number[] => (d === 1 ? [fill, v[0]!] : [v[0]!, v[1]!]);
        const resT = this.type(l, 'result', this.inType(l));
        const accT = this.type(l, 'accum', resT);
        const geom = {
          inSp: this.spatial(l, d, inShape),
          outSp: this.spatial(l, d, outShape),
          pool: one(a.pool, 1),
          strides: one(a.strides, 1),
          padBefore: d === 1 ? [0, a.pads.left] : [a.pads.top, a.pads.left],
          c: inShape[inShape.length - 1]!,
          mode: a.mode,
          countIncludePad: a.countIncludePad,
        };
        if (a.mode === 'avg' && sumSpan(this.inType(l), accT) > 53) {
          this.unary(l, resT, wideAvgPool(geom, accT, resT, { accum: this.stats(l, 'accum', accT), result: this.stats(l, 'result', resT) }));
          return;
        }
        const k = compilePool(geom, this.inType(l), accT, resT, { accum: this.stats(l, 'accum', accT), result: this.stats(l, 'result', resT) });
        this.unary(l, resT, k);
        return;
      }
      case 'GlobalPool': {
        const inShape = this.shape(l.inputs[0]!);
        const c = inShape[inShape.length - 1]!;
        const resT = this.type(l, 'result', this.inType(l));
        const accT = this.type(l, 'accum', resT);
        if (a.mode === 'avg' && sumSpan(this.inType(l), accT) > 53) {
          this.unary(l, resT, wideGlobalAvgPool(numel(inShape) / c, c, accT, resT, { accum: this.stats(l, 'accum', accT), result: this.stats(l, 'result', resT) }));
          return;
        }
        const k = compileGlobalPool(numel(inShape) / c, c, a.mode, accT, resT, { accum: this.stats(l, 'accum', accT), result: this.stats(l, 'result', resT) });
        this.unary(l, resT, k);
        return;
      }
      case 'Merge':
      case 'Concat': {
        const resT = this.type(l, 'result');
        const xs = l.inputs.map((_, k) => this.inBuf(l, k));
        const y = this.alloc(out);
        this.types.set(out, resT);
        // The exact fold needs more than a double holds: the BigInt kernel (wide.ts).
        const inTs = l.inputs.map((_, j) => this.inType(l, j));
        const span =
          a.op !== 'Merge'
            ? 0
            : a.mode === 'mul'
              ? inTs.reduce((w, t) => w + t.w, 0)
              : Math.max(...inTs.map((t) => t.i)) + Math.max(...inTs.map((t) => fracBits(t))) + inTs.length;
        const k =
          a.op === 'Merge'
            ? span > 53 || inTs.some((t) => t.w > 53)
              ? compileWideMerge(a.mode, resT, this.stats(l, 'result', resT))
              : compileMerge(a.mode, resT, this.stats(l, 'result', resT))
            : compileConcat(
                l.inputs.map((t) => this.shape(t)),
                a.axis,
                resT,
                this.stats(l, 'result', resT),
              );
        this.steps.push(() => k(xs, y));
        return;
      }
      case 'Pad':
      case 'Crop': {
        const inShape = this.shape(l.inputs[0]!);
        const outShape = this.shape(out);
        const own = l.precision.result;
        const resT = own && own !== 'auto' ? own : this.inType(l);
        const k = compilePadCrop(
          inShape.slice(0, -1),
          outShape.slice(0, -1),
          inShape[inShape.length - 1]!,
          a.op === 'Pad' ? a.pads : a.crop,
          a.op === 'Crop',
          a.op === 'Pad' ? a.value : 0,
          resT,
          this.stats(l, 'result', resT),
        );
        this.unary(l, resT, k);
        return;
      }
      case 'Resize': {
        const inShape = this.shape(l.inputs[0]!);
        const outShape = this.shape(out);
        this.unary(l, this.inType(l), compileResize(inShape.length === 2 ? [1, inShape[0]!] : inShape.slice(0, 2), outShape.length === 2 ? [1, outShape[0]!] : outShape.slice(0, 2), inShape[inShape.length - 1]!));
        return;
      }
      case 'Transpose':
        this.unary(l, this.inType(l), compileTranspose(transposeMap(this.shape(l.inputs[0]!), a.perm)));
        return;
      case 'Quant': {
        const resT = this.type(l, 'result');
        this.unary(l, resT, compileCast(resT, this.stats(l, 'result', resT)));
        return;
      }
      case 'GRU':
      case 'LSTM':
      case 'SimpleRNN':
      case 'LayerNorm':
      case 'MultiHeadAttention':
        compileSequenceLayer(this, l);
        return;
    }
  }

  macStats(l: Layer, res: FixedType) {
    if (!this.book) return undefined;
    return { product: this.stats(l, 'product')!, accum: this.stats(l, 'accum')!, result: this.stats(l, 'result', res)! };
  }
}

export function compileEmulator(g: Graph, opts: EmulatorOptions = {}): CompiledEmulator {
  return opts.wasm === false ? withScalarKernels(() => buildEmulator(g, opts)) : buildEmulator(g, opts);
}

function buildEmulator(g: Graph, opts: EmulatorOptions): CompiledEmulator {
  const c = new Compiler(g, opts);
  // Dense/ReLU chains run as one WebAssembly call on raw integers (int-chain.ts); never when
  // counting overflows (the chain has no counters).
  const chains = !c.book && intChainsEnabled();
  for (let k = 0; k < g.layers.length; k++) {
    const l = g.layers[k]!;
    const from = c.steps.length;
    try {
      const used = chains ? compileIntChain(c, g.layers, k) : 0;
      if (used > 0) {
        for (let s = from; s < c.steps.length; s++) c.stepLayer[s] = l;
        k += used - 1;
        continue;
      }
      c.layer(l);
      for (let s = from; s < c.steps.length; s++) c.stepLayer[s] = l;
    } catch (e) {
      if (e instanceof WidthError)
        c.fail(l, e.message, 'narrow the input type of this layer in the config (types wider than 53 bits are emulated exactly by the multiply-accumulate, scale-and-bias and cast layers)');
      // A constant (weight, bias, table) of a wide type that no double holds: the layer, not a crash.
      if (e instanceof WideValueError) c.fail(l, e.message, 'narrow the types of this layer in the config');
      throw e;
    }
  }
  const slot = (name: string): TensorSlot => {
    const shape = c.shape(name);
    return { name, shape, size: numel(shape) };
  };
  const inputs = g.inputs.map(slot);
  const outputs = g.outputs.map(slot);
  const userIns = g.inputs.map((n) => {
    const b = c.userIn.get(n);
    if (!b) throw new DiagnosticError([diag('FML5002', `graph input "${n}" has no Input layer`)], EXIT.MODEL);
    return b;
  });
  const outBufs = g.outputs.map((n) => {
    const b = c.bufs.get(n);
    if (!b) throw new DiagnosticError([diag('FML5002', `graph output "${n}" is not computed by any layer`)], EXIT.MODEL);
    return b;
  });
  const steps = c.steps;
  const nSteps = steps.length;
  const runSteps = (): readonly Float64Array[] => {
    let s = 0;
    try {
      for (; s < nSteps; s++) steps[s]!();
    } catch (e) {
      // A wide type's value that a double cannot hold: name the layer rather than round.
      if (e instanceof WideValueError) c.failStep(s, e.message);
      throw e;
    }
    return outBufs;
  };
  return {
    graph: g,
    inputs,
    outputs,
    layers: g.layers.map((l) => ({ name: l.name, tensor: l.outputs[0]!, shape: c.shape(l.outputs[0]!) })),
    runSample(ins) {
      for (let k = 0; k < userIns.length; k++) {
        const dst = userIns[k]!;
        const src = ins[k]!;
        for (let i = 0; i < dst.length; i++) dst[i] = src[i]!;
      }
      return runSteps();
    },
    runSampleAt(data, s) {
      for (let k = 0; k < userIns.length; k++) {
        const dst = userIns[k]!;
        const src = data[k]!;
        const o = s * dst.length;
        for (let i = 0; i < dst.length; i++) dst[i] = src[o + i]!;
      }
      return runSteps();
    },
    buffer(tensor) {
      const b = c.bufs.get(tensor);
      if (!b) throw new DiagnosticError([diag('FML5002', `tensor "${tensor}" is not computed`)], EXIT.USAGE);
      c.lazy.get(tensor)?.();
      return b;
    },
    typeOf(tensor) {
      const t = c.types.get(tensor);
      if (!t) throw new DiagnosticError([diag('FML5002', `tensor "${tensor}" has no type`)], EXIT.USAGE);
      return t;
    },
    ...(c.book ? { book: c.book } : {}),
  };
}
