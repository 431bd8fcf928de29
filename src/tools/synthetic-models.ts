/**
 * @fileoverview Synthetic MLPs of a chosen depth and width as ONNX bytes (Gemm + Relu pairs, seeded
 * random weights), for the tests and benchmarks that need a model far larger than the shared ones:
 * the report's bounds (1000+ layers, 1M+ weights) and its 50-layer page size.
 */

import { encodeModel, normal, rng, type InitSpec, type NodeSpec } from './onnx-writer.js';

export interface MlpShape {
  /** Width of every layer: input, hidden layers and output. */
  readonly widths: readonly number[];
  readonly seed?: number;
}

/**
 * Gemm (+ Relu between layers) per consecutive pair of widths: 2 * (widths.length - 1) - 1 layers
 * after the input. Weights ~ N(0, 1/fan_in) keep activations of order one through any depth.
 */
export function syntheticMlp(s: MlpShape): Uint8Array {
  const rand = rng(s.seed ?? 1);
  const nodes: NodeSpec[] = [];
  const inits: InitSpec[] = [];
  let x = 'x';
  const n = s.widths.length - 1;
  for (let k = 0; k < n; k++) {
    const a = s.widths[k]!;
    const b = s.widths[k + 1]!;
    inits.push({ name: `w${k}`, dims: [a, b], data: normal(rand, a * b, Math.sqrt(2 / a)) });
    inits.push({ name: `b${k}`, dims: [b], data: normal(rand, b, 0.05) });
    const y = k === n - 1 ? 'y' : `h${k}`;
    nodes.push({ op: 'Gemm', name: `fc${k}`, inputs: [x, `w${k}`, `b${k}`], outputs: [y] });
    x = y;
    if (k < n - 1) {
      nodes.push({ op: 'Relu', name: `relu${k}`, inputs: [y], outputs: [`r${k}`] });
      x = `r${k}`;
    }
  }
  return encodeModel({
    name: `mlp_${n}`,
    inputs: [{ name: 'x', dims: [1, s.widths[0]!] }],
    outputs: [{ name: 'y', dims: [1, s.widths[n]!] }],
    nodes,
    initializers: inits,
    opset: 13,
  });
}
