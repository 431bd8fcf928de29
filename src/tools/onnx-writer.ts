/**
 * @fileoverview A small builder for ONNX models, used to write the example models in models/ and
 * to construct test models (odd names, crafted weights) without Python.
 */

import onnxProto from 'onnx-proto';

const onnx = onnxProto.onnx;

export type AttrValue = number | number[] | string | { ints: number[] } | { floats: number[] };

export interface NodeSpec {
  readonly op: string;
  readonly name: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly attrs?: Record<string, AttrValue>;
  readonly domain?: string;
}

export interface InitSpec {
  readonly name: string;
  readonly dims: number[];
  readonly data: Float32Array;
}

export interface ModelSpec {
  readonly name: string;
  readonly inputs: { name: string; dims: number[] }[];
  readonly outputs: { name: string; dims: number[] }[];
  readonly nodes: NodeSpec[];
  readonly initializers: InitSpec[];
  readonly opset?: number;
  readonly producer?: string;
}

function valueInfo(name: string, dims: number[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({ dim: dims.map((d) => onnx.TensorShapeProto.Dimension.create({ dimValue: d })) }),
      }),
    }),
  });
}

function attribute(name: string, v: AttrValue) {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(v) });
  if (typeof v === 'number')
    return Number.isInteger(v)
      ? onnx.AttributeProto.create({ name, type: A.INT, i: v })
      : onnx.AttributeProto.create({ name, type: A.FLOAT, f: v });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: A.INTS, ints: v });
  if ('ints' in v) return onnx.AttributeProto.create({ name, type: A.INTS, ints: v.ints });
  return onnx.AttributeProto.create({ name, type: A.FLOATS, floats: v.floats });
}

/** Encodes a model as ONNX protobuf bytes (initializers as little-endian raw_data). */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: spec.name,
    node: spec.nodes.map((n) =>
      onnx.NodeProto.create({
        opType: n.op,
        name: n.name,
        input: n.inputs,
        output: n.outputs,
        domain: n.domain ?? '',
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      }),
    ),
    initializer: spec.initializers.map((t) =>
      onnx.TensorProto.create({
        name: t.name,
        dims: t.dims,
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength)),
      }),
    ),
    input: spec.inputs.map((i) => valueInfo(i.name, i.dims)),
    output: spec.outputs.map((o) => valueInfo(o.name, o.dims)),
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: spec.producer ?? 'fastml',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: spec.opset ?? 13 })],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Deterministic pseudo-random numbers (mulberry32) so that example models are reproducible. */
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

/** Normally distributed values (Box-Muller) scaled by `std`, as float32. */
export function normal(rand: () => number, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v) * std;
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v) * std;
  }
  return out;
}
