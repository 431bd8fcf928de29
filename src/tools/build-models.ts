/**
 * @fileoverview Writes the example models in models/ (run with `npm run models`).
 *
 * The weights are drawn from a fixed-seed generator, so the files are byte-identical on every run
 * and the models are ours to ship. They are shaped like the models fastml's users build:
 * - jet_tagger.onnx: the 16-64-32-32-5 jet-tagging MLP (Gemm as PyTorch exports it, transB=1).
 * - conv2d_small.onnx: a small channels-first CNN (16x16x1 -> 10 classes): Conv, Relu, MaxPool,
 *   Conv, Relu, Flatten, Gemm, Softmax.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InitSpec, ModelSpec, NodeSpec } from './onnx-writer.js';
import { encodeModel, normal, rng } from './onnx-writer.js';

function gemmLayer(
  rand: () => number,
  name: string,
  input: string,
  nIn: number,
  nOut: number,
  nodes: NodeSpec[],
  inits: InitSpec[],
): string {
  // PyTorch layout: W is [out, in] and Gemm uses transB=1. He initialisation, small biases.
  inits.push({ name: `${name}.weight`, dims: [nOut, nIn], data: normal(rand, nIn * nOut, Math.sqrt(2 / nIn)) });
  inits.push({ name: `${name}.bias`, dims: [nOut], data: normal(rand, nOut, 0.1) });
  const out = `${name}_out`;
  nodes.push({ op: 'Gemm', name, inputs: [input, `${name}.weight`, `${name}.bias`], outputs: [out], attrs: { transB: 1 } });
  return out;
}

export function jetTagger(): ModelSpec {
  const rand = rng(20241125);
  const nodes: NodeSpec[] = [];
  const inits: InitSpec[] = [];
  let x = 'input';
  const sizes = [16, 64, 32, 32];
  for (let k = 1; k < sizes.length; k++) {
    x = gemmLayer(rand, `fc${k}`, x, sizes[k - 1]!, sizes[k]!, nodes, inits);
    nodes.push({ op: 'Relu', name: `relu${k}`, inputs: [x], outputs: [`relu${k}_out`] });
    x = `relu${k}_out`;
  }
  x = gemmLayer(rand, 'output', x, 32, 5, nodes, inits);
  nodes.push({ op: 'Softmax', name: 'softmax', inputs: [x], outputs: ['probabilities'], attrs: { axis: 1 } });
  return {
    name: 'jet_tagger',
    inputs: [{ name: 'input', dims: [1, 16] }],
    outputs: [{ name: 'probabilities', dims: [1, 5] }],
    nodes,
    initializers: inits,
    opset: 13,
    producer: 'fastml build-models',
  };
}

export function conv2dSmall(): ModelSpec {
  const rand = rng(7);
  const nodes: NodeSpec[] = [];
  const inits: InitSpec[] = [];
  const conv = (name: string, input: string, cIn: number, cOut: number, pad: number): string => {
    inits.push({ name: `${name}.weight`, dims: [cOut, cIn, 3, 3], data: normal(rand, cOut * cIn * 9, Math.sqrt(2 / (cIn * 9))) });
    inits.push({ name: `${name}.bias`, dims: [cOut], data: normal(rand, cOut, 0.05) });
    nodes.push({
      op: 'Conv',
      name,
      inputs: [input, `${name}.weight`, `${name}.bias`],
      outputs: [`${name}_out`],
      attrs: { kernel_shape: [3, 3], pads: [pad, pad, pad, pad], strides: [1, 1] },
    });
    nodes.push({ op: 'Relu', name: `${name}_relu`, inputs: [`${name}_out`], outputs: [`${name}_relu_out`] });
    return `${name}_relu_out`;
  };
  let x = conv('conv1', 'image', 1, 4, 1); // 16x16x4
  nodes.push({ op: 'MaxPool', name: 'pool1', inputs: [x], outputs: ['pool1_out'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } });
  x = conv('conv2', 'pool1_out', 4, 8, 0); // 6x6x8
  nodes.push({ op: 'Flatten', name: 'flatten', inputs: [x], outputs: ['flat'], attrs: { axis: 1 } });
  x = gemmLayer(rand, 'fc', 'flat', 6 * 6 * 8, 10, nodes, inits);
  nodes.push({ op: 'Softmax', name: 'softmax', inputs: [x], outputs: ['probabilities'], attrs: { axis: 1 } });
  return {
    name: 'conv2d_small',
    inputs: [{ name: 'image', dims: [1, 1, 16, 16] }],
    outputs: [{ name: 'probabilities', dims: [1, 10] }],
    nodes,
    initializers: inits,
    opset: 13,
    producer: 'fastml build-models',
  };
}

function main(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const dir = path.join(root, 'models');
  mkdirSync(dir, { recursive: true });
  for (const spec of [jetTagger(), conv2dSmall()]) {
    const file = path.join(dir, `${spec.name}.onnx`);
    writeFileSync(file, encodeModel(spec));
    process.stdout.write(`wrote ${path.relative(root, file)}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
