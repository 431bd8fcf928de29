/**
 * @fileoverview Layer coverage beyond the shared models: an ONNX model built here with a
 * convolution, leaky ReLU, average pooling with padding (count_include_pad 0), depthwise
 * convolution, ELU, max pooling with padding, an Add merge of two branches, Concat, nearest Resize,
 * sigmoid, global average pooling, and Dense layers with SELU, softplus, tanh, hard sigmoid and
 * softsign, softmax at the end; compiled and C-simulated in all four io/strategy combinations. Then
 * the softmax variants (legacy, argmax) through a configuration. Every C simulation must equal the
 * emulator bit for bit.
 */

import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { encodeModel, normal, rng } from '../../src/tools/onnx-writer.js';
import type { InitSpec, NodeSpec } from '../../src/tools/onnx-writer.js';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-ops-'));

async function cli(...argv: string[]) {
  const io = memoryIO(tmp);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

function zooModel(): Uint8Array {
  const rand = rng(11);
  const I: InitSpec[] = [];
  const N: NodeSpec[] = [];
  const w = (name: string, dims: number[], std = 0.4): string => {
    I.push({ name, dims, data: normal(rand, dims.reduce((a, b) => a * b, 1), std) });
    return name;
  };
  const node = (op: string, name: string, inputs: string[], outputs: string[], attrs?: NodeSpec['attrs']): void => {
    N.push({ op, name, inputs, outputs, ...(attrs ? { attrs } : {}) });
  };
  I.push({ name: 'scales', dims: [4], data: Float32Array.from([1, 1, 2, 2]) });
  node('Conv', 'c1', ['x', w('c1.w', [4, 3, 3, 3]), w('c1.b', [4], 0.1)], ['c1o'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  node('LeakyRelu', 'lrelu', ['c1o'], ['l1'], { alpha: 0.1 });
  node('AveragePool', 'apool', ['l1'], ['a1'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 0 });
  node('Conv', 'dw', ['a1', w('dw.w', [4, 1, 3, 3]), w('dw.b', [4], 0.1)], ['d1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 4 });
  node('Elu', 'elu', ['d1'], ['e1'], { alpha: 1.0 });
  node('MaxPool', 'mpool', ['a1'], ['m1'], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] });
  node('Add', 'add', ['e1', 'm1'], ['s1']);
  node('Concat', 'cat', ['s1', 'a1'], ['k1'], { axis: 1 });
  node('Resize', 'up', ['k1', '', 'scales'], ['u1'], { mode: 'nearest' });
  node('Conv', 'c2', ['u1', w('c2.w', [2, 8, 1, 1]), w('c2.b', [2], 0.1)], ['c2o'], { kernel_shape: [1, 1] });
  node('Sigmoid', 'sig', ['c2o'], ['sg']);
  node('GlobalAveragePool', 'gap', ['sg'], ['gp']);
  node('Flatten', 'flat', ['gp'], ['f1'], { axis: 1 });
  let x = 'f1';
  let nIn = 2;
  const acts: Array<[string, NodeSpec['attrs']?]> = [['Selu'], ['Softplus'], ['Tanh'], ['HardSigmoid', { alpha: 0.2, beta: 0.5 }], ['Softsign']];
  acts.forEach(([op, attrs], k) => {
    node('Gemm', `g${k}`, [x, w(`g${k}.w`, [8, nIn], k === 0 ? 1.5 : 1.0), w(`g${k}.b`, [8], 0.3)], [`g${k}o`], { transB: 1 });
    node(op, `act${k}`, [`g${k}o`], [`h${k}`], attrs);
    x = `h${k}`;
    nIn = 8;
  });
  node('Gemm', 'out', [x, w('out.w', [6, 8], 1.0), w('out.b', [6], 0.3)], ['logits'], { transB: 1 });
  node('Softmax', 'sm', ['logits'], ['y'], { axis: 1 });
  return encodeModel({ name: 'zoo', inputs: [{ name: 'x', dims: [1, 3, 8, 8] }], outputs: [{ name: 'y', dims: [1, 6] }], nodes: N, initializers: I, opset: 13 });
}

/**
 * 1-D layers and the rest: Conv1D with stride and dilation, PReLU, grouped Conv1D, Clip, merges
 * (mul, sub, max, min, mean), a per-channel Mul (ScaleBias), thresholded ReLU, global max pooling, Dense,
 * after a 1-D constant Pad (value 0.25, so no pass can fold it into the convolution's padding).
 */
function zoo1dModel(): Uint8Array {
  const rand = rng(5);
  const I: InitSpec[] = [
    { name: 'lo', dims: [], data: Float32Array.from([-0.75]) },
    { name: 'hi', dims: [], data: Float32Array.from([1.5]) },
    { name: 'sc', dims: [6, 1], data: Float32Array.from([0.5, -1.25, 2, 0.75, 1, -0.5]) },
    { name: 'pads1d', dims: [6], data: Float32Array.from([0, 0, 2, 0, 0, 1]) },
    { name: 'pv1d', dims: [], data: Float32Array.from([0.25]) },
  ];
  const w = (name: string, dims: number[], std = 0.4): string => {
    I.push({ name, dims, data: normal(rand, dims.reduce((a, b) => a * b, 1), std) });
    return name;
  };
  const N: NodeSpec[] = [
    { op: 'Pad', name: 'pad1d', inputs: ['x', 'pads1d', 'pv1d'], outputs: ['xp'], attrs: { mode: 'constant' } },
    { op: 'Conv', name: 'c1', inputs: ['xp', w('c1.w', [6, 4, 3]), w('c1.b', [6], 0.1)], outputs: ['c1o'], attrs: { kernel_shape: [3], strides: [2], dilations: [2], pads: [2, 1] } },
    { op: 'PRelu', name: 'prelu', inputs: ['c1o', w('alpha', [6, 1], 0.2)], outputs: ['p1'] },
    { op: 'Conv', name: 'gc', inputs: ['p1', w('gc.w', [6, 3, 3]), w('gc.b', [6], 0.1)], outputs: ['g1'], attrs: { kernel_shape: [3], pads: [1, 1], group: 2 } },
    { op: 'Clip', name: 'clip', inputs: ['g1', 'lo', 'hi'], outputs: ['k1'] },
    { op: 'Mul', name: 'mul', inputs: ['k1', 'p1'], outputs: ['m1'] },
    { op: 'Sub', name: 'sub', inputs: ['m1', 'k1'], outputs: ['s1'] },
    { op: 'Max', name: 'max', inputs: ['s1', 'p1'], outputs: ['x1'] },
    { op: 'Min', name: 'min', inputs: ['x1', 'k1'], outputs: ['n1'] },
    { op: 'Mean', name: 'mean', inputs: ['n1', 'p1'], outputs: ['a1'] },
    { op: 'Mul', name: 'scale', inputs: ['a1', 'sc'], outputs: ['sc1'] },
    { op: 'ThresholdedRelu', name: 'thr', inputs: ['sc1'], outputs: ['t1'], attrs: { alpha: 0.25 } },
    { op: 'GlobalMaxPool', name: 'gmp', inputs: ['t1'], outputs: ['gm'] },
    { op: 'Flatten', name: 'flat', inputs: ['gm'], outputs: ['f1'], attrs: { axis: 1 } },
    { op: 'Gemm', name: 'fc', inputs: ['f1', w('fc.w', [3, 6], 1.0), w('fc.b', [3], 0.2)], outputs: ['y'], attrs: { transB: 1 } },
  ];
  return encodeModel({ name: 'zoo1d', inputs: [{ name: 'x', dims: [1, 4, 16] }], outputs: [{ name: 'y', dims: [1, 3] }], nodes: N, initializers: I, opset: 13 });
}

/** 2-D constant padding (value 0.5, asymmetric pads) before a convolution. */
function pad2dModel(): Uint8Array {
  const rand = rng(9);
  const I: InitSpec[] = [
    { name: 'pads', dims: [8], data: Float32Array.from([0, 0, 1, 2, 0, 0, 2, 1]) },
    { name: 'pv', dims: [], data: Float32Array.from([0.5]) },
    { name: 'c.w', dims: [3, 2, 3, 3], data: normal(rand, 54, 0.4) },
    { name: 'c.b', dims: [3], data: normal(rand, 3, 0.1) },
  ];
  const N: NodeSpec[] = [
    { op: 'Pad', name: 'pad', inputs: ['x', 'pads', 'pv'], outputs: ['p'], attrs: { mode: 'constant' } },
    { op: 'Conv', name: 'conv', inputs: ['p', 'c.w', 'c.b'], outputs: ['c'], attrs: { kernel_shape: [3, 3] } },
    { op: 'Relu', name: 'relu', inputs: ['c'], outputs: ['y'] },
  ];
  return encodeModel({ name: 'pad2d', inputs: [{ name: 'x', dims: [1, 2, 5, 5] }], outputs: [{ name: 'y', dims: [1, 3, 6, 6] }], nodes: N, initializers: I, opset: 13 });
}

/** Two inputs (Add), two outputs, one of which is also read by a later layer (a clone to a port in io_stream). */
function multiIoModel(): Uint8Array {
  const rand = rng(21);
  const w = (name: string, dims: number[], std = 0.5): InitSpec => ({ name, dims, data: normal(rand, dims.reduce((a, b) => a * b, 1), std) });
  const N: NodeSpec[] = [
    { op: 'Add', name: 'sum', inputs: ['a', 'b'], outputs: ['s'] },
    { op: 'Gemm', name: 'fc1', inputs: ['s', 'w1', 'b1'], outputs: ['h'], attrs: { transB: 1 } },
    { op: 'Relu', name: 'relu', inputs: ['h'], outputs: ['r'] },
    { op: 'Gemm', name: 'fc2', inputs: ['r', 'w2', 'b2'], outputs: ['y'], attrs: { transB: 1 } },
  ];
  return encodeModel({
    name: 'multi',
    inputs: [{ name: 'a', dims: [1, 8] }, { name: 'b', dims: [1, 8] }],
    outputs: [{ name: 'y', dims: [1, 3] }, { name: 'r', dims: [1, 6] }],
    nodes: N,
    initializers: [w('w1', [6, 8]), w('b1', [6], 0.1), w('w2', [3, 6]), w('b2', [3], 0.1)],
    opset: 13,
  });
}

/** Three-input Sum, Max, Mean (left folds at full precision) and a three-input Concat. */
function naryModel(): Uint8Array {
  const rand = rng(31);
  const I: InitSpec[] = [];
  const w = (name: string, dims: number[], std = 0.6): string => {
    I.push({ name, dims, data: normal(rand, dims.reduce((a, b) => a * b, 1), std) });
    return name;
  };
  const N: NodeSpec[] = ['a', 'b', 'c'].map((b) => ({ op: 'Gemm', name: `fc_${b}`, inputs: ['x', w(`${b}.w`, [4, 8]), w(`${b}.b`, [4], 0.2)], outputs: [b], attrs: { transB: 1 } }));
  N.push({ op: 'Sum', name: 'sum3', inputs: ['a', 'b', 'c'], outputs: ['s'] });
  N.push({ op: 'Max', name: 'max3', inputs: ['a', 'b', 'c'], outputs: ['m'] });
  N.push({ op: 'Mean', name: 'mean3', inputs: ['a', 'b', 'c'], outputs: ['v'] });
  N.push({ op: 'Concat', name: 'cat3', inputs: ['s', 'm', 'v'], outputs: ['k'], attrs: { axis: 1 } });
  N.push({ op: 'Gemm', name: 'out', inputs: ['k', w('o.w', [3, 12]), w('o.b', [3], 0.2)], outputs: ['y'], attrs: { transB: 1 } });
  return encodeModel({ name: 'nary', inputs: [{ name: 'x', dims: [1, 8] }], outputs: [{ name: 'y', dims: [1, 3] }], nodes: N, initializers: I, opset: 13 });
}

async function compileAndCsim(name: string, model: string, flags: string[]): Promise<void> {
  const dir = path.join(tmp, name);
  const c = await cli('compile', model, '-o', dir, '--force', ...flags);
  expect(c.err.replace(/^(warning|info) .*\n(  hint.*\n)?/gm, ''), `${name}: compile stderr`).toBe('');
  expect(c.code).toBe(0);
  const s = await cli('csim', dir);
  expect(s.err, `${name}: g++ / mismatches`).toBe('');
  expect(s.out).toContain(' 0 mismatching values');
  expect(s.code).toBe(0);
}

describe('layer coverage: compile + csim', () => {
  const model = path.join(tmp, 'zoo.onnx');
  writeFileSync(model, zooModel());
  for (const io of ['parallel', 'stream'])
    for (const st of ['latency', 'resource'])
      it(`zoo model, io_${io} ${st}`, async () => {
        await compileAndCsim(`zoo-${io}-${st}`, model, ['--io', io, '--strategy', st, '--samples', '48']);
      });

  const m1d = path.join(tmp, 'zoo1d.onnx');
  writeFileSync(m1d, zoo1dModel());
  for (const [io, st] of [['parallel', 'latency'], ['stream', 'resource']])
    it(`1-D zoo model, io_${io} ${st}`, async () => {
      await compileAndCsim(`zoo1d-${io}-${st}`, m1d, ['--io', io!, '--strategy', st!, '--samples', '48']);
    });
  const mpad = path.join(tmp, 'pad2d.onnx');
  writeFileSync(mpad, pad2dModel());
  it('2-D padding, io_stream', async () => {
    await compileAndCsim('pad2d', mpad, ['--io', 'stream', '--samples', '16']);
  });

  const mnary = path.join(tmp, 'nary.onnx');
  writeFileSync(mnary, naryModel());
  it('merges and concatenation of three inputs, io_stream', async () => {
    await compileAndCsim('nary', mnary, ['--io', 'stream', '--samples', '32']);
  });

  const mio = path.join(tmp, 'multi.onnx');
  writeFileSync(mio, multiIoModel());
  for (const io of ['parallel', 'stream'])
    it(`two inputs and two outputs, io_${io}`, async () => {
      await compileAndCsim(`multi-${io}`, mio, ['--io', io, '--samples', '16']);
      const cpp = readFileSync(path.join(tmp, `multi-${io}`, 'firmware/multi.cpp'), 'utf8');
      expect(cpp).toMatch(/void multi\(.*input_0.*input_1.*output_0.*output_1/);
    });

  // The project's own channels-first CNN: its ONNX Flatten needs an IR Transpose (fml::gather).
  const cnn = path.resolve(process.cwd(), 'models/conv2d_small.onnx');
  it('models/conv2d_small.onnx (transpose before flatten, NCHW --input), io_stream', async () => {
    // Inputs in the model's own NCHW layout: compile transposes them for the test bench as emulate does.
    const n = 6;
    const xf = path.join(tmp, 'cnn_x.npy');
    writeFileSync(xf, encodeNpy({ shape: [n, 1, 16, 16], data: normal(rng(8), n * 256, 1) }, 'f4'));
    await compileAndCsim('cnn', cnn, ['--io', 'stream', '--input', xf]);
    expect(readFileSync(path.join(tmp, 'cnn', 'firmware/conv2d_small.cpp'), 'utf8')).toContain('fml::gather');
    const e = await cli('emulate', cnn, '-i', xf, '-o', 'cnn_y.npy');
    expect(e.code).toBe(0);
    const want = decodeNpy(new Uint8Array(readFileSync(path.join(tmp, 'cnn_y.npy'))));
    const got = readFileSync(path.join(tmp, 'cnn/tb_data/csim_results.log'), 'utf8').trim().split('\n').flatMap((r) => r.split(' ').map(Number));
    expect(got).toEqual(Array.from(want.data));
  });

  const jet = path.resolve(process.cwd(), 'models/jet_tagger.onnx');
  it('csim_results.log equals `fastml emulate` on the same inputs', async () => {
    const rand = rng(4);
    const n = 40;
    const x = normal(rand, n * 16, 2);
    const xf = path.join(tmp, 'jet_x.npy');
    writeFileSync(xf, encodeNpy({ shape: [n, 16], data: x }, 'f4'));
    await compileAndCsim('jet-emu', jet, ['--input', xf, '--strategy', 'resource', '--reuse', '8', '--io', 'stream']);
    const e = await cli('emulate', jet, '-i', xf, '-o', 'jet_y.npy');
    expect(e.code).toBe(0);
    const want = decodeNpy(new Uint8Array(readFileSync(path.join(tmp, 'jet_y.npy'))));
    const got = readFileSync(path.join(tmp, 'jet-emu/tb_data/csim_results.log'), 'utf8').trim().split('\n').flatMap((r) => r.split(' ').map(Number));
    expect(got.length).toBe(n * 5);
    expect(got).toEqual(Array.from(want.data));
  });
  for (const impl of ['legacy', 'argmax'])
    it(`softmax ${impl}`, async () => {
      const cfg = path.join(tmp, `sm-${impl}.yml`);
      writeFileSync(cfg, `HLSConfig:\n  Model:\n    Precision: fixed<16,6>\n  LayerType:\n    Softmax:\n      Implementation: ${impl}\n`);
      await compileAndCsim(`sm-${impl}`, jet, ['--config', cfg, '--samples', '64']);
    });
});
