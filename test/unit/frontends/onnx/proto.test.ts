/**
 * @fileoverview TensorProto decoding in every encoding ONNX allows.
 */

import { describe, expect, it, vi } from 'vitest';
import { DiagnosticError } from '../../../../src/diagnostics/diagnostic.js';
import { decodeTensor, DT } from '../../../../src/frontends/onnx/proto.js';

// The machine is shared and cold imports (onnxruntime, h5wasm) take seconds: generous timeouts.
vi.setConfig({ testTimeout: 60_000 });

const where = { file: 'm.onnx' };
const raw = (n: number, fill: (dv: DataView) => void) => {
  const dv = new DataView(new ArrayBuffer(n));
  fill(dv);
  // An unaligned view, as protobufjs hands out slices of the file buffer.
  const big = new Uint8Array(n + 1);
  big.set(new Uint8Array(dv.buffer), 1);
  return big.subarray(1);
};

describe('decodeTensor', () => {
  it('raw_data little-endian for every numeric type (unaligned buffers)', () => {
    const cases: [number, number, (dv: DataView) => void, number[]][] = [
      [DT.FLOAT, 8, (dv) => (dv.setFloat32(0, 1.5, true), dv.setFloat32(4, -0.25, true)), [1.5, -0.25]],
      [DT.DOUBLE, 16, (dv) => (dv.setFloat64(0, Math.PI, true), dv.setFloat64(8, -1e-300, true)), [Math.PI, -1e-300]],
      [DT.INT8, 2, (dv) => (dv.setInt8(0, -128), dv.setInt8(1, 127)), [-128, 127]],
      [DT.UINT8, 2, (dv) => (dv.setUint8(0, 255), dv.setUint8(1, 0)), [255, 0]],
      [DT.INT16, 4, (dv) => (dv.setInt16(0, -300, true), dv.setInt16(2, 300, true)), [-300, 300]],
      [DT.UINT16, 4, (dv) => (dv.setUint16(0, 65535, true), dv.setUint16(2, 1, true)), [65535, 1]],
      [DT.INT32, 8, (dv) => (dv.setInt32(0, -70000, true), dv.setInt32(4, 70000, true)), [-70000, 70000]],
      [DT.UINT32, 8, (dv) => (dv.setUint32(0, 4e9, true), dv.setUint32(4, 7, true)), [4e9, 7]],
      [DT.INT64, 16, (dv) => (dv.setBigInt64(0, -5n, true), dv.setBigInt64(8, 2n ** 40n, true)), [-5, 2 ** 40]],
      [DT.UINT64, 16, (dv) => (dv.setBigUint64(0, 3n, true), dv.setBigUint64(8, 2n ** 50n, true)), [3, 2 ** 50]],
      [DT.BOOL, 2, (dv) => (dv.setUint8(0, 1), dv.setUint8(1, 0)), [1, 0]],
      // float16: 0x3c00 = 1, 0xc000 = -2; bfloat16: 0x3fc0 = 1.5, 0xbf80 = -1
      [DT.FLOAT16, 4, (dv) => (dv.setUint16(0, 0x3c00, true), dv.setUint16(2, 0xc000, true)), [1, -2]],
      [DT.BFLOAT16, 4, (dv) => (dv.setUint16(0, 0x3fc0, true), dv.setUint16(2, 0xbf80, true)), [1.5, -1]],
    ];
    for (const [dataType, n, fill, want] of cases) {
      const t = decodeTensor({ name: 'w', dims: [2], dataType, rawData: raw(n, fill) }, where);
      expect(Array.from(t.data), `type ${dataType}`).toEqual(want);
      expect(t.shape).toEqual([2]);
    }
  });

  it('typed fields: float_data, double_data, int32_data (int8, float16 bits), int64_data, uint64_data', () => {
    expect(Array.from(decodeTensor({ dims: [2], dataType: DT.FLOAT, floatData: [0.5, 2] }, where).data)).toEqual([0.5, 2]);
    expect(Array.from(decodeTensor({ dims: [1], dataType: DT.DOUBLE, doubleData: [0.1] }, where).data)).toEqual([0.1]);
    expect(Array.from(decodeTensor({ dims: [2], dataType: DT.INT8, int32Data: [-3, 4] }, where).data)).toEqual([-3, 4]);
    expect(Array.from(decodeTensor({ dims: [1], dataType: DT.FLOAT16, int32Data: [0x3800] }, where).data)).toEqual([0.5]);
    expect(Array.from(decodeTensor({ dims: [2], dataType: DT.INT64, int64Data: [7, -9] }, where).data)).toEqual([7, -9]);
    expect(Array.from(decodeTensor({ dims: [1], dataType: DT.UINT64, uint64Data: [12] }, where).data)).toEqual([12]);
    // Scalars have no dims.
    expect(decodeTensor({ dims: [], dataType: DT.FLOAT, floatData: [3] }, where).shape).toEqual([]);
  });

  it('reports strings, missing values and external data as diagnostics', () => {
    const bad = (t: Parameters<typeof decodeTensor>[0]) => {
      try {
        decodeTensor(t, where);
      } catch (e) {
        expect(e).toBeInstanceOf(DiagnosticError);
        return (e as DiagnosticError).message;
      }
      return 'no error';
    };
    expect(bad({ name: 's', dims: [1], dataType: DT.STRING })).toMatch(/FML1104.*STRING/);
    expect(bad({ name: 'f', dims: [3], dataType: DT.FLOAT, floatData: [1] })).toMatch(/FML1105.*holds 1 values, expected 3/);
    expect(bad({ name: 'e', dims: [1], dataType: DT.FLOAT, dataLocation: 1 })).toMatch(/FML1103/);
  });
});

describe('float32 raw_data over the model file\'s own bytes', () => {
  it('views large fields without a copy, moving unaligned ones over their own header; values unchanged, a second decoding the same', async () => {
    const { encodeModel } = await import('../../../../src/tools/onnx-writer.js');
    const { decodeModel } = await import('../../../../src/frontends/onnx/proto.js');
    // Initializers of 8192 (large) and 3 (small) values; names of 1-4 characters shift the
    // fields' offsets in the file, so every alignment occurs.
    const inits = ['a', 'bb', 'ccc', 'dddd', 'e', 'ff', 'ggg', 'hhhh'].map((name, k) => ({
      name,
      dims: [k < 4 ? 8192 : 3],
      data: Float32Array.from({ length: k < 4 ? 8192 : 3 }, (_, j) => Math.fround(Math.sin(j + 17 * k) * 5)),
    }));
    const bytes = encodeModel({ name: 'm', inputs: [{ name: 'x', dims: [1] }], outputs: [{ name: 'y', dims: [1] }], nodes: [{ op: 'Identity', name: 'n', inputs: ['x'], outputs: ['y'] }], initializers: inits });
    const m = decodeModel(bytes, 'm.onnx');
    const tensors = m.graph!.initializer!;
    const skews = new Set<number>();
    tensors.forEach((t, k) => {
      const large = k < 4;
      if (large) skews.add(t.rawData!.byteOffset & 3);
      const c = decodeTensor(t, where);
      const f32 = (c as { f32?: Float32Array }).f32!;
      expect(Array.from(f32), t.name!).toEqual(Array.from(inits[k]!.data));
      // Large: the file's own bytes, aligned; small: a copy (or a view where already aligned).
      if (large) expect(f32.buffer, t.name!).toBe(bytes.buffer);
      expect(f32.byteOffset % 4).toBe(0);
      // Decoding the same TensorProto again reads the same values.
      expect(Array.from((decodeTensor(t, where) as { f32?: Float32Array }).f32!)).toEqual(Array.from(inits[k]!.data));
      expect(Array.from(c.data)).toEqual(Array.from(inits[k]!.data));
    });
    // The large fields covered aligned and unaligned offsets (so the move was exercised).
    expect([...skews].some((s) => s !== 0)).toBe(true);
    // Every tensor still decodes to its values after all the moves (no move damaged a neighbour).
    tensors.forEach((t, k) => expect(Array.from(decodeTensor(t, where).data)).toEqual(Array.from(inits[k]!.data)));
  });
});
