/**
 * @fileoverview The ONNX wire reader (src/frontends/onnx/wire.ts) against onnx-proto's generated
 * decoder: every field fastml reads, on every shared ONNX model, on the benchmark's MLP writer
 * output, and on hand-made messages with the encodings writers differ in (packed and unpacked
 * repeated fields, negative int64, unknown fields, external data, sparse initializers). Malformed
 * data is a WireError (decodeModel: FML1100), never another exception.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeModelProto, WireError } from '../../../../src/frontends/onnx/wire.js';
import { decodeModel, onnx, toNum } from '../../../../src/frontends/onnx/proto.js';
import { DiagnosticError } from '../../../../src/diagnostics/diagnostic.js';
import { encodeModel, normal, rng } from '../../../../src/tools/onnx-writer.js';
import { readBytes, sharedOnnxModels } from '../../emulator/float-ort.helpers.js';

/** The fields fastml reads, normalized (int64 as Number, bytes as hex, absent = default). */
function project(m: any): unknown {
  const num = (x: unknown) => (x === undefined || x === null ? 0 : toNum(x));
  const s = (x: unknown) => (typeof x === 'string' ? x : '');
  const hex = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('hex');
  const arr = (a: ArrayLike<unknown> | null | undefined) => Array.from(a ?? []);
  const tensor = (t: any) => ({
    name: s(t.name),
    dims: arr(t.dims).map(num),
    dataType: num(t.dataType),
    raw: hex(t.rawData),
    floatData: arr(t.floatData).map(num),
    doubleData: arr(t.doubleData).map(num),
    int32Data: arr(t.int32Data).map(num),
    int64Data: arr(t.int64Data).map(num),
    uint64Data: arr(t.uint64Data).map((x: any) => (typeof x === 'object' && x ? Number(BigInt.asUintN(64, BigInt(x.toString()))) : num(x))),
    dataLocation: num(t.dataLocation),
    externalData: arr(t.externalData).map((e: any) => [s(e.key), s(e.value)]),
  });
  const attr = (a: any) => ({
    name: s(a.name),
    type: num(a.type),
    f: num(a.f),
    i: num(a.i),
    s: hex(a.s),
    t: a.t ? tensor(a.t) : null,
    floats: arr(a.floats).map(num),
    ints: arr(a.ints).map(num),
    strings: arr(a.strings).map((x: any) => hex(x)),
  });
  const vi = (v: any) => ({
    name: s(v.name),
    elemType: num(v.type?.tensorType?.elemType),
    dims: v.type?.tensorType?.shape ? arr(v.type.tensorType.shape.dim).map((d: any) => [num(d.dimValue), s(d.dimParam)]) : null,
  });
  const g = m.graph;
  return {
    irVersion: num(m.irVersion),
    producerName: s(m.producerName),
    opsetImport: arr(m.opsetImport).map((o: any) => [s(o.domain), num(o.version)]),
    graph: g
      ? {
          name: s(g.name),
          node: arr(g.node).map((n: any) => ({ input: arr(n.input), output: arr(n.output), name: s(n.name), opType: s(n.opType), domain: s(n.domain), attribute: arr(n.attribute).map(attr) })),
          initializer: arr(g.initializer).map(tensor),
          input: arr(g.input).map(vi),
          output: arr(g.output).map(vi),
          valueInfo: arr(g.valueInfo).map(vi),
          sparse: arr(g.sparseInitializer).length,
        }
      : null,
  };
}

const both = (bytes: Uint8Array) => [project(decodeModelProto(bytes)), project(onnx.ModelProto.decode(bytes))];

describe('ONNX wire reader', () => {
  const models = sharedOnnxModels();
  it('finds the shared ONNX models', () => expect(models.length).toBeGreaterThan(3));
  for (const [name, file] of models)
    it(`decodes ${name} as onnx-proto does`, () => {
      const [mine, ref] = both(readBytes(file));
      expect(mine).toEqual(ref);
    });

  it('decodes the project writer output (raw float32 initializers) as onnx-proto does', () => {
    const rand = rng(3);
    const bytes = encodeModel({
      name: 'm',
      inputs: [{ name: 'x', dims: [1, 8] }],
      outputs: [{ name: 'y', dims: [1, 4] }],
      nodes: [{ op: 'Gemm', name: 'fc', inputs: ['x', 'W', 'B'], outputs: ['y'], attrs: { alpha: 1, transB: 1, pads: [0, 1, -2] } }],
      initializers: [
        { name: 'W', dims: [4, 8], data: normal(rand, 32, 1) },
        { name: 'B', dims: [4], data: normal(rand, 4, 1) },
      ],
    });
    const [mine, ref] = both(bytes);
    expect(mine).toEqual(ref);
  });

  it('reads the encodings writers differ in: unpacked repeated, negative int64, unknown fields, external data', () => {
    const O = onnx;
    const t = O.TensorProto.create({
      name: 'w',
      dims: [2, -3, 2 ** 40],
      dataType: O.TensorProto.DataType.INT64,
      int64Data: [-1, 5, -(2 ** 50)],
      uint64Data: [7, 2 ** 52],
      int32Data: [-70000, 3],
      floatData: [0.5, -2],
      doubleData: [0.1, -1e300],
      dataLocation: 1,
      externalData: [O.StringStringEntryProto.create({ key: 'location', value: 'w.bin' })],
      docString: 'skipped',
    });
    const m = O.ModelProto.create({
      irVersion: 9,
      producerName: 'p',
      docString: 'unknown to the reader',
      opsetImport: [O.OperatorSetIdProto.create({ domain: '', version: 13 }), O.OperatorSetIdProto.create({ domain: 'qonnx.custom_op.general', version: 1 })],
      graph: O.GraphProto.create({
        name: 'g',
        node: [
          O.NodeProto.create({
            input: ['x', '', 'w'],
            output: ['y'],
            name: 'n',
            opType: 'Foo',
            domain: 'd',
            docString: 'skipped',
            attribute: [
              O.AttributeProto.create({ name: 'i', type: 2, i: -5 }),
              O.AttributeProto.create({ name: 'f', type: 1, f: 0.25 }),
              O.AttributeProto.create({ name: 's', type: 3, s: new TextEncoder().encode('hé') }),
              O.AttributeProto.create({ name: 'ints', type: 7, ints: [1, -2, 2 ** 33] }),
              O.AttributeProto.create({ name: 'floats', type: 6, floats: [1.5, -0.5] }),
              O.AttributeProto.create({ name: 'strings', type: 8, strings: [new Uint8Array([1, 2]), new Uint8Array()] }),
              O.AttributeProto.create({ name: 't', type: 4, t }),
              O.AttributeProto.create({ name: 'g', type: 5, g: O.GraphProto.create({ name: 'inner' }) }),
            ],
          }),
        ],
        initializer: [t],
        sparseInitializer: [O.SparseTensorProto.create({ dims: [2] })],
        input: [O.ValueInfoProto.create({ name: 'x', type: O.TypeProto.create({ tensorType: O.TypeProto.Tensor.create({ elemType: 1, shape: O.TensorShapeProto.create({ dim: [O.TensorShapeProto.Dimension.create({ dimParam: 'N' }), O.TensorShapeProto.Dimension.create({ dimValue: 16 })] }) }) }) })],
        output: [O.ValueInfoProto.create({ name: 'y' })],
      }),
    });
    const bytes = O.ModelProto.encode(m).finish();
    const [mine, ref] = both(bytes);
    expect(mine).toEqual(ref);
    const d = decodeModelProto(bytes);
    expect(d.graph!.initializer![0]!.dims).toEqual([2, -3, 2 ** 40]);
    expect(d.graph!.initializer![0]!.int64Data).toEqual([-1, 5, -(2 ** 50)]);
    expect(d.graph!.sparseInitializer!.length).toBe(1);

    // Unpacked repeated fields (proto2-style writers): field 1 (dims) as separate varints.
    const unpacked = new Uint8Array([0x08, 0x02, 0x08, 0x03, 0x10, 0x01, 0x42, 0x01, 0x77]);
    const tt = (decodeModelProto(new Uint8Array([0x3a, 0x0b, 0x2a, 0x09, ...unpacked])).graph!.initializer![0])!;
    expect(tt.dims).toEqual([2, 3]);
    expect(tt.dataType).toBe(1);
    expect(tt.name).toBe('w');
  });

  it('malformed data is a WireError; decodeModel reports it as FML1100', () => {
    const good = readBytes(sharedOnnxModels()[0]![1]);
    const bad: Uint8Array[] = [
      good.subarray(0, Math.floor(good.length / 2)),
      new Uint8Array([0x3a, 0x7f, 0x01]), // graph length past the end
      new Uint8Array([0x0f]), // wire type 7
      new Uint8Array([0x3a, 0x02, 0x0d, 0x00]), // graph field 1 (node) with wire type 5 (a message needs 2)
      new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 11-byte varint
    ];
    for (const b of bad) {
      expect(() => decodeModelProto(b)).toThrow(WireError);
      expect(() => decodeModel(b, 'bad.onnx')).toThrow(DiagnosticError);
      try {
        decodeModel(b, 'bad.onnx');
      } catch (e) {
        expect((e as Error).message).toMatch(/FML1100.*bad\.onnx|bad\.onnx.*FML1100/s);
      }
    }
  });

  it('random bytes and flips never throw anything but WireError', () => {
    const files = sharedOnnxModels().map(([, f]) => readBytes(f));
    fc.assert(
      fc.property(fc.nat(files.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.uint8Array({ maxLength: 64 }), (m, flips, junk) => {
        const b = Uint8Array.from(files[m]!);
        for (const [pos, v] of flips) b[pos % b.length] = v;
        for (const x of [b, junk])
          try {
            decodeModelProto(x);
          } catch (e) {
            if (!(e instanceof WireError)) throw e;
          }
      }),
      { numRuns: 300, seed: 15 },
    );
  });
});
