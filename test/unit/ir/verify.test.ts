import { describe, expect, it } from 'vitest';
import type { Graph, Layer, TensorInfo } from '../../../src/ir/graph.js';
import { verifyGraph } from '../../../src/ir/verify.js';
import { inferShape } from '../../../src/ir/shapes.js';

function dense(name: string, input: string, nIn: number, nOut: number): Layer {
  return {
    name,
    attrs: { op: 'Dense', nIn, nOut },
    inputs: [input],
    outputs: [name],
    weights: {
      kernel: { shape: [nIn, nOut], data: new Float32Array(nIn * nOut) },
      bias: { shape: [nOut], data: new Float32Array(nOut) },
    },
    precision: {},
  };
}

function graph(layers: Layer[], tensors: TensorInfo[], outputs: string[]): Graph {
  return {
    name: 't',
    inputs: ['x'],
    outputs,
    tensors: new Map(tensors.map((t) => [t.name, t])),
    layers,
    inputLayouts: {},
    meta: {},
  };
}

const input: Layer = { name: 'x', attrs: { op: 'Input' }, inputs: [], outputs: ['x'], weights: {}, precision: {} };

describe('verifyGraph', () => {
  it('accepts a well-formed MLP', () => {
    const g = graph(
      [input, dense('fc1', 'x', 4, 3), dense('fc2', 'fc1', 3, 2)],
      [
        { name: 'x', shape: [4] },
        { name: 'fc1', shape: [3] },
        { name: 'fc2', shape: [2] },
      ],
      ['fc2'],
    );
    expect(verifyGraph(g)).toEqual([]);
  });

  it('reports wrong order (use before definition), shape and weight mismatches, duplicates', () => {
    const bad = dense('fc2', 'fc1', 3, 2);
    const g = graph(
      [input, bad, dense('fc1', 'x', 4, 3), { ...dense('fc1', 'x', 4, 3), outputs: ['fc1'] }],
      [
        { name: 'x', shape: [4] },
        { name: 'fc1', shape: [3] },
        { name: 'fc2', shape: [5] },
      ],
      ['fc2', 'nowhere'],
    );
    const p = verifyGraph(g).join('\n');
    expect(p).toMatch(/input "fc1" is not produced before it/);
    expect(p).toMatch(/output shape \[5\] but the op gives \[2\]/);
    expect(p).toMatch(/duplicate layer name/);
    expect(p).toMatch(/tensor "fc1" is produced more than once/);
    expect(p).toMatch(/graph output "nowhere"/);
  });

  it('checks weight shapes and value counts', () => {
    const l = dense('fc1', 'x', 4, 3);
    const broken: Layer = { ...l, weights: { kernel: { shape: [3, 4], data: new Float32Array(11) } } };
    const g = graph([input, broken], [{ name: 'x', shape: [4] }, { name: 'fc1', shape: [3] }], ['fc1']);
    const p = verifyGraph(g).join('\n');
    expect(p).toMatch(/weight "kernel" has shape \[3, 4\], expected \[4, 3\]/);
    expect(p).toMatch(/has 11 values for shape \[3, 4\]/);
  });
});

describe('inferShape', () => {
  const pads = { top: 1, bottom: 1, left: 1, right: 2 };
  it('convolution with asymmetric pads, strides and dilation', () => {
    const attrs = { op: 'Conv', dims: 2, kernel: [3, 4], strides: [2, 1], dilations: [1, 2], pads, cIn: 3, cOut: 8, groups: 1 } as const;
    // H: (9 + 2 - 3) / 2 + 1 = 5; W: (10 + 3 - 7) / 1 + 1 = 7
    expect(inferShape(attrs, [[9, 10, 3]])).toEqual([5, 7, 8]);
    expect(() => inferShape(attrs, [[9, 10, 4]])).toThrow(/input channels 4 != cIn 3/);
  });
  it('pooling, concat, flatten, transpose', () => {
    expect(
      inferShape({ op: 'Pool', dims: 2, mode: 'max', pool: [2, 2], strides: [2, 2], pads: { top: 0, bottom: 0, left: 0, right: 0 }, countIncludePad: false }, [[7, 8, 3]]),
    ).toEqual([3, 4, 3]);
    expect(inferShape({ op: 'Concat', axis: -1 }, [[4, 4, 2], [4, 4, 3]])).toEqual([4, 4, 5]);
    expect(inferShape({ op: 'Flatten' }, [[4, 4, 2]])).toEqual([32]);
    expect(inferShape({ op: 'Transpose', perm: [2, 0, 1] }, [[4, 5, 6]])).toEqual([6, 4, 5]);
  });
});
