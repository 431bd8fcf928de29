/**
 * @fileoverview Builds small ONNX models in tests (with onnx-proto), and checks a model end to end:
 * fastml's frontend + float reference against onnxruntime-web on seeded random inputs.
 */

import type { onnx as O } from 'onnx-proto';
import { expect } from 'vitest';
import { onnx } from '../../../../src/frontends/onnx/proto.js';
import { onnxToGraph } from '../../../../src/frontends/onnx/index.js';
import { decodeModel } from '../../../../src/frontends/onnx/proto.js';
import type { Graph } from '../../../../src/ir/graph.js';
import { assertValidGraph } from '../../../../src/ir/verify.js';
import { evaluateFloat, fromIrLayout, toIrLayout } from '../../../../src/emulator/float.js';
import { randomInput, relErr, rng, runOrt } from '../../emulator/float-ort.helpers.js';

export type AttrVal = { f: number } | { i: number } | { ints: number[] } | { floats: number[] } | { s: string } | { t: TensorSpec };
export const f = (v: number): AttrVal => ({ f: v });
export const i = (v: number): AttrVal => ({ i: v });
export const ints = (v: number[]): AttrVal => ({ ints: v });
export const s = (v: string): AttrVal => ({ s: v });

export interface TensorSpec {
  dims: number[];
  data: number[];
  /** ONNX element type, FLOAT by default. */
  type?: number;
  /** Encode into raw_data instead of the typed field. */
  raw?: boolean;
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrVal>;
  domain?: string;
  name?: string;
}

export interface ModelSpec {
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: string[];
  nodes: NodeSpec[];
  inits?: Record<string, TensorSpec>;
  opset?: number;
  extraOpsets?: { domain: string; version: number }[];
}

export function tensorProto(name: string, t: TensorSpec): O.ITensorProto {
  const type = t.type ?? 1;
  const base: O.ITensorProto = { name, dims: t.dims, dataType: type };
  if (t.raw) {
    const size = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 11: 8, 10: 2 }[type as 1] ?? 4;
    const buf = new DataView(new ArrayBuffer(t.data.length * size));
    t.data.forEach((v, k) => {
      if (type === 1) buf.setFloat32(k * size, v, true);
      else if (type === 11) buf.setFloat64(k * size, v, true);
      else if (type === 7) buf.setBigInt64(k * size, BigInt(v), true);
      else if (type === 6) buf.setInt32(k * size, v, true);
      else if (type === 3) buf.setInt8(k * size, v);
      else if (type === 2) buf.setUint8(k * size, v);
      else throw new Error(`raw encoding of type ${type} not in the test builder`);
    });
    return { ...base, rawData: new Uint8Array(buf.buffer) };
  }
  if (type === 1) return { ...base, floatData: t.data };
  if (type === 11) return { ...base, doubleData: t.data };
  if (type === 7) return { ...base, int64Data: t.data };
  return { ...base, int32Data: t.data };
}

function attrProto(name: string, v: AttrVal): O.IAttributeProto {
  if ('f' in v) return { name, type: 1, f: v.f };
  if ('i' in v) return { name, type: 2, i: v.i };
  if ('s' in v) return { name, type: 3, s: new TextEncoder().encode(v.s) };
  if ('t' in v) return { name, type: 4, t: tensorProto(name, v.t) };
  if ('floats' in v) return { name, type: 6, floats: v.floats };
  return { name, type: 7, ints: v.ints };
}

export function buildModel(m: ModelSpec): Uint8Array {
  const vi = (name: string, dims?: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType: 1, ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}) } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'fastml-test',
    opsetImport: [{ domain: '', version: m.opset ?? 17 }, ...(m.extraOpsets ?? [])],
    graph: {
      name: 'test',
      node: m.nodes.map((n, k) => ({
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        name: n.name ?? `${n.op.toLowerCase()}${k}`,
        ...(n.domain ? { domain: n.domain } : {}),
        attribute: Object.entries(n.attrs ?? {}).map(([a, v]) => attrProto(a, v)),
      })),
      input: m.inputs.map((x) => vi(x.name, x.dims)),
      output: m.outputs.map((o) => vi(o)),
      initializer: Object.entries(m.inits ?? {}).map(([name, t]) => tensorProto(name, t)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

export function graphOf(bytes: Uint8Array, file = 'test.onnx'): Graph {
  return onnxToGraph(decodeModel(bytes, file), file);
}

/** Seeded random weights. */
export function randn(n: number, seed: number, scale = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

/** Loads the model in fastml, verifies the IR, and compares the float reference with ORT. */
export async function expectMatchesOrt(bytes: Uint8Array, opts: { samples?: number; tol?: number; dyadic?: boolean } = {}): Promise<Graph> {
  const g = graphOf(bytes);
  assertValidGraph(g);
  const m = onnx.ModelProto.decode(bytes);
  const ins = (m.graph!.input ?? []).map((x) => ({ name: x.name!, dims: x.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue ?? 1) || 1) }));
  for (let smp = 0; smp < (opts.samples ?? 2); smp++) {
    const feeds: Record<string, { data: Float32Array; dims: number[] }> = {};
    const irIns: Record<string, Float64Array> = {};
    ins.forEach((x, k) => {
      const data = randomInput(x.dims.reduce((a, b) => a * b, 1), 77 + 100 * smp + k, opts.dyadic);
      feeds[x.name] = { data, dims: x.dims };
      irIns[x.name] = toIrLayout(g, x.name, Float64Array.from(data));
    });
    const want = await runOrt(bytes, feeds);
    const got = evaluateFloat(g, irIns).outputs;
    const names = g.meta.outputNames as Record<string, string>;
    for (const o of g.outputs) {
      const ref = want[names[o]!]!;
      const mine = fromIrLayout(g, o, got[o]!);
      expect(mine.length).toBe(ref.data.length);
      expect(relErr(mine, ref.data), `output ${names[o]}`).toBeLessThanOrEqual(opts.tol ?? 1e-5);
    }
  }
  return g;
}
