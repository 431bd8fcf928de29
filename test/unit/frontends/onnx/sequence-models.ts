/**
 * @fileoverview ONNX test models for the sequence ops (shared by the frontend test and the csim test).
 */

import type { ModelSpec, NodeSpec } from '../../../../src/tools/onnx-writer.js';
import { rng } from '../../emulator/float-ort.helpers.js';

export function init(name: string, dims: number[], seed: number, scale = 0.6) {
  const r = rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return { name, dims, data: Float32Array.from({ length: n }, () => (2 * r() - 1) * scale) };
}

/** x [1, 6, 4] -> Q, K, V projections -> Q·K^T / sqrt(d) -> Softmax -> ·V -> output projection. */
export function attentionModel(scaleOp: 'Div' | 'Mul' | 'none' = 'Div'): ModelSpec {
  const [Tq, D, Dv] = [6, 4, 3];
  const scaleNodes: NodeSpec[] =
    scaleOp === 'none' ? [] : [{ op: scaleOp, name: 'scale', inputs: ['S', 'c'], outputs: ['S2'] }];
  return {
    name: `attn_${scaleOp}`,
    inputs: [{ name: 'x', dims: [1, Tq, D] }],
    outputs: [{ name: 'y', dims: [1, Tq, 2] }],
    nodes: [
      { op: 'MatMul', name: 'q_proj', inputs: ['x', 'Wq'], outputs: ['Q0'] },
      { op: 'Add', name: 'q_bias', inputs: ['Q0', 'bq'], outputs: ['Q'] },
      { op: 'MatMul', name: 'k_proj', inputs: ['x', 'Wk'], outputs: ['K'] },
      { op: 'MatMul', name: 'v_proj', inputs: ['x', 'Wv'], outputs: ['V'] },
      { op: 'Transpose', name: 'k_t', inputs: ['K'], outputs: ['Kt'], attrs: { perm: [0, 2, 1] } },
      { op: 'MatMul', name: 'scores', inputs: ['Q', 'Kt'], outputs: ['S'] },
      ...scaleNodes,
      { op: 'Softmax', name: 'probs', inputs: [scaleOp === 'none' ? 'S' : 'S2'], outputs: ['P'], attrs: { axis: -1 } },
      { op: 'MatMul', name: 'context', inputs: ['P', 'V'], outputs: ['O'] },
      { op: 'MatMul', name: 'out_proj', inputs: ['O', 'Wo'], outputs: ['y'] },
    ],
    initializers: [
      init('Wq', [D, D], 11),
      init('bq', [D], 12, 0.2),
      init('Wk', [D, D], 13),
      init('Wv', [D, Dv], 14),
      init('Wo', [Dv, 2], 15, 1),
      { name: 'c', dims: [], data: Float32Array.of(scaleOp === 'Div' ? 2 : 0.5) },
    ],
    opset: 17,
  };
}

