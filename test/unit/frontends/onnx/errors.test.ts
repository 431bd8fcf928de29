/**
 * @fileoverview User errors from the ONNX frontend: corrupt files fail with one diagnostic and
 * exit code 2; unsupported ops / attributes are all listed in one DiagnosticError with exit code 1.
 */

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DiagnosticError, EXIT } from '../../../../src/diagnostics/diagnostic.js';
import { loadOnnx } from '../../../../src/frontends/onnx/index.js';
import { onnx } from '../../../../src/frontends/onnx/proto.js';
import { SHARED } from '../../emulator/float-ort.helpers.js';
import { buildModel, f, i, ints, randn, s } from './onnx-build.js';

// The machine is shared and cold imports (onnxruntime, h5wasm) take seconds: generous timeouts.
vi.setConfig({ testTimeout: 60_000 });

const dir = mkdtempSync(path.join(tmpdir(), 'fastml-onnx-errors-'));
const write = (name: string, bytes: Uint8Array) => {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

async function failure(file: string): Promise<DiagnosticError> {
  try {
    await loadOnnx(file);
  } catch (e) {
    if (e instanceof DiagnosticError) return e;
    throw new Error(`expected a DiagnosticError, got ${(e as Error).stack}`);
  }
  throw new Error('expected the model to fail to load');
}

const jet = () => new Uint8Array(readFileSync(path.join(SHARED, 'models/jet_mlp_3layer/three_layer_keras.onnx')));

describe('corrupt input', () => {
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['a truncated model', () => jet().subarray(0, 5000), /FML110[01].*(truncated|corrupt)/],
    ['random bytes', () => Uint8Array.from(randn(4000, 3), (x) => Math.floor((x + 1) * 127.5)), /FML110[01]/],
    ['an empty file', () => new Uint8Array(), /FML1100.*empty/],
    ['a TensorProto, not a model', () => onnx.TensorProto.encode({ name: 't', dims: [2], dataType: 1, floatData: [1, 2] }).finish(), /FML110[01]/],
    ['an empty ModelProto', () => onnx.ModelProto.encode({ irVersion: 8 }).finish(), /FML1101.*no ONNX graph/],
  ];
  for (const [what, bytes, re] of cases)
    it(`${what}: one line naming the file, exit code 2`, async () => {
      const file = write(`${what.replace(/\W+/g, '_')}.onnx`, bytes());
      const e = await failure(file);
      expect(e.exitCode).toBe(EXIT.USAGE);
      expect(e.diagnostics).toHaveLength(1);
      expect(e.message).toMatch(re);
      expect(e.message).toContain(file);
      expect(e.message.split('\n')).toHaveLength(1);
    });

  it('external data: a clear error naming the tensor', async () => {
    const bytes = buildModel({ inputs: [{ name: 'x', dims: [1, 2] }], outputs: ['y'], nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] }] });
    const m = onnx.ModelProto.decode(bytes);
    m.graph!.initializer = [onnx.TensorProto.create({ name: 'W', dims: [2, 2], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] })];
    const e = await failure(write('external.onnx', onnx.ModelProto.encode(m).finish()));
    expect(e.message).toMatch(/FML1103.*"W".*external file \("w\.bin"\)/);
  });

  it('raw_data of the wrong length', async () => {
    const bytes = buildModel({ inputs: [{ name: 'x', dims: [1, 2] }], outputs: ['y'], nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] }] });
    const m = onnx.ModelProto.decode(bytes);
    m.graph!.initializer = [onnx.TensorProto.create({ name: 'W', dims: [2, 2], dataType: 1, rawData: new Uint8Array(12) })];
    const e = await failure(write('rawlen.onnx', onnx.ModelProto.encode(m).finish()));
    expect(e.message).toMatch(/FML1105.*12 bytes.*expected 16/);
  });
});

describe('unsupported ops and attributes', () => {
  it('lists every one of them in one run, with node, op, opset and the alternatives, exit code 1', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dims: [1, 2, 4, 4] }],
      outputs: ['y'],
      nodes: [
        { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'], name: 'conv_dilated_autopad', attrs: { auto_pad: s('BOGUS') } },
        { op: 'TopK', inputs: ['c'], outputs: ['l'], name: 'my_topk' },
        { op: 'MaxPool', inputs: ['x'], outputs: ['p'], name: 'pool_ceil', attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: i(1) } },
        { op: 'Resize', inputs: ['p', '', 'sc'], outputs: ['r'], name: 'resize_linear', attrs: { mode: s('linear') } },
        { op: 'MyOp', inputs: ['r'], outputs: ['y'], name: 'custom', domain: 'com.example' },
        { op: 'LeakyRelu', inputs: ['x'], outputs: ['unused'], attrs: { alpha: f(0.2) } },
      ],
      inits: { W: { dims: [2, 2, 1, 1], data: [1, 0, 0, 1] }, sc: { dims: [4], data: [1, 1, 2, 2] } },
      extraOpsets: [{ domain: 'com.example', version: 1 }],
    });
    const e = await failure(write('unsupported.onnx', bytes));
    expect(e.exitCode).toBe(EXIT.MODEL);
    const msgs = e.diagnostics.map((d) => `${d.code} ${d.loc?.node} ${d.loc?.opType} ${d.message} | ${d.hint ?? ''}`);
    expect(msgs).toHaveLength(5);
    expect(msgs.find((m) => m.includes('my_topk'))).toMatch(/FML1110 my_topk TopK unsupported op TopK \(opset 17\) \| supported ONNX ops: .*Gemm.*Conv/);
    expect(msgs.find((m) => m.includes('custom'))).toMatch(/FML1110 custom MyOp unsupported op com\.example::MyOp \(opset 1\).*QONNX quantizers are read from qonnx\.custom_op\.general, finn\.custom_op\.general, onnx\.brevitas/);
    expect(msgs.find((m) => m.includes('conv_dilated_autopad'))).toMatch(/FML1111 .*auto_pad: "BOGUS".*\| supported: NOTSET, VALID, SAME_UPPER, SAME_LOWER/);
    expect(msgs.find((m) => m.includes('pool_ceil'))).toMatch(/FML1111 .*ceil_mode/);
    expect(msgs.find((m) => m.includes('resize_linear'))).toMatch(/FML1111 .*mode: "linear".*supported: nearest/);
  });

  it('rejects a weight that is computed by the graph', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dims: [1, 3] }, { name: 'w', dims: [3, 3] }],
      outputs: ['y'],
      nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    });
    const e = await failure(write('dynweight.onnx', bytes));
    expect(e.message).toMatch(/B \(weights\) \(input 1\) must be a constant/);
  });

  it('rejects a symbolic non-batch dimension and too old an opset', async () => {
    const bytes = buildModel({ opset: 6, inputs: [{ name: 'x', dims: ['N', 'F'] }], outputs: ['y'], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
    const e = await failure(write('symbolic.onnx', bytes));
    expect(e.diagnostics.map((d) => d.code).sort()).toEqual(['FML1113', 'FML1121']);
    expect(e.message).toMatch(/opset 6 is older/);
    expect(e.message).toMatch(/symbolic dimension other than the batch: \[\?, \?\]/);
  });
});
