/**
 * @fileoverview Hand-built graphs and emulator runs for the pass tests: every pass test builds a
 * small model, runs it through the bit-exact emulator before and after the pass, and compares.
 */

import type { Graph, Layer, LayerAttrs, QuantFact, TensorInfo, WeightTensor } from '../../../src/ir/graph.js';
import { numel } from '../../../src/ir/graph.js';
import type { TypeSpec } from '../../../src/fixed/type.js';
import { parseType } from '../../../src/fixed/type.js';
import { compileEmulator } from '../../../src/emulator/compile.js';
import { evaluateFloat } from '../../../src/emulator/float.js';
import type { Pass, PassContext } from '../../../src/passes/pass.js';
import { verifyGraph } from '../../../src/ir/verify.js';

/** Deterministic PRNG (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values on a 2^-frac grid in [-range, range). */
export function gridValues(n: number, r: () => number, range = 1, frac = 5): Float64Array {
  const out = new Float64Array(n);
  const step = 2 ** -frac;
  for (let i = 0; i < n; i++) out[i] = Math.floor(((r() * 2 - 1) * range) / step) * step;
  return out;
}

export const T = (s: string): TypeSpec => parseType(s);

export interface LayerOpts {
  precision?: Record<string, TypeSpec>;
  weights?: Record<string, WeightTensor>;
  quant?: Record<string, QuantFact>;
  reuseFactor?: number;
  strategy?: 'latency' | 'resource';
  tableSize?: number;
}

/** A sequential graph builder: each added layer reads the previous one's output. */
export class SeqBuilder {
  readonly layers: Layer[] = [];
  readonly tensors: TensorInfo[] = [];
  private last: string;
  private lastShape: number[];

  constructor(
    readonly inputShape: number[],
    inputType: TypeSpec = T('fixed<16,6>'),
    readonly inputName = 'x',
  ) {
    this.layers.push({ name: inputName, attrs: { op: 'Input' }, inputs: [], outputs: [inputName], weights: {}, precision: { result: inputType } });
    this.tensors.push({ name: inputName, shape: inputShape });
    this.last = inputName;
    this.lastShape = inputShape;
  }

  add(name: string, attrs: LayerAttrs, shape: number[] = this.lastShape, o: LayerOpts = {}): this {
    this.layers.push({
      name,
      attrs,
      inputs: [this.last],
      outputs: [name],
      weights: o.weights ?? {},
      precision: o.precision ?? {},
      ...(o.quant ? { quant: o.quant } : {}),
      ...(o.reuseFactor !== undefined ? { reuseFactor: o.reuseFactor } : {}),
      ...(o.strategy ? { strategy: o.strategy } : {}),
      ...(o.tableSize !== undefined ? { tableSize: o.tableSize } : {}),
    });
    this.tensors.push({ name, shape });
    this.last = name;
    this.lastShape = shape;
    return this;
  }

  dense(name: string, nOut: number, r: () => number, o: LayerOpts & { bias?: boolean; frac?: number } = {}): this {
    const nIn = this.lastShape[this.lastShape.length - 1]!;
    const weights: Record<string, WeightTensor> = {
      kernel: { shape: [nIn, nOut], data: gridValues(nIn * nOut, r, 1, o.frac ?? 5) },
      ...(o.bias === false ? {} : { bias: { shape: [nOut], data: gridValues(nOut, r, 0.5, o.frac ?? 5) } }),
    };
    return this.add(name, { op: 'Dense', nIn, nOut }, [...this.lastShape.slice(0, -1), nOut], {
      precision: { result: T('fixed<16,6>'), accum: T('fixed<16,6>'), weight: T('fixed<16,6>'), bias: T('fixed<16,6>') },
      reuseFactor: 1,
      strategy: 'latency',
      ...o,
      weights: o.weights ?? weights,
    });
  }

  act(name: string, activation: 'relu' | 'linear' | 'sigmoid' | 'tanh', o: LayerOpts = {}): this {
    return this.add(name, { op: 'Activation', activation }, this.lastShape, { precision: { result: T('fixed<16,6>') }, ...o });
  }

  build(name = 't'): Graph {
    return { name, inputs: [this.inputName], outputs: [this.last], tensors: new Map(this.tensors.map((t) => [t.name, t])), layers: this.layers, inputLayouts: {}, meta: {} };
  }
}

export function ctx(config: unknown = undefined): PassContext {
  return { config, diagnostics: [], report: {} };
}

/** Runs a pass and checks the IR verifier on its output. */
export function runPass(p: Pass, g: Graph, c: PassContext = ctx()): Graph {
  const out = p.run(g, c);
  const problems = verifyGraph(out);
  if (problems.length) throw new Error(`invalid IR after ${p.name}:\n${problems.join('\n')}`);
  return out;
}

/** Random inputs on the input type's grid (so the input cast is exact) for n samples. */
export function sampleInputs(g: Graph, n: number, seed = 1, range = 4, frac = 8): Float64Array[] {
  const r = rng(seed);
  const size = numel(g.tensors.get(g.inputs[0]!)!.shape);
  return Array.from({ length: n }, () => gridValues(size, r, range, frac));
}

/** Emulator outputs (first graph output) for each sample. */
export function emulate(g: Graph, xs: readonly Float64Array[]): Float64Array[] {
  const em = compileEmulator(g, { weightsAsText: false });
  return xs.map((x) => Float64Array.from(em.runSample([x])[0]!));
}

export function floatRef(g: Graph, xs: readonly Float64Array[]): Float64Array[] {
  return xs.map((x) => evaluateFloat(g, { [g.inputs[0]!]: x }).outputs[g.outputs[0]!]!);
}

export function maxAbsDiff(a: readonly Float64Array[], b: readonly Float64Array[]): number {
  let m = 0;
  for (let s = 0; s < a.length; s++) for (let i = 0; i < a[s]!.length; i++) m = Math.max(m, Math.abs(a[s]![i]! - b[s]![i]!));
  return m;
}
