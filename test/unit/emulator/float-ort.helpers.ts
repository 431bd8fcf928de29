/**
 * @fileoverview Test helpers for comparing the float reference with onnxruntime-web: locating the
 * shared models, seeded random inputs, running ORT, and rewriting QONNX graphs into standard
 * ONNX so that ORT can run them as an independent check.
 *
 * The QONNX rewrite spells each Quant out as standard ops (Div, Add, Clip, Round, Sub, Mul: the
 * QONNX definition) and each qonnx.custom_op.channels_last Conv/MaxPool as Transpose -> standard op
 * -> Transpose, exactly what qonnx's own executor does. ORT then supplies independent kernels
 * (conv, pooling, resize, concat, activations) and its own rounding (Round = half to even).
 */

import type { onnx as O } from 'onnx-proto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { onnx, toNum } from '../../../src/frontends/onnx/proto.js';
import { dataDir } from '../../helpers/data.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SHARED = dataDir;

/** Every .onnx file under ../shared/models, as [relative name, absolute path]. */
export function sharedOnnxModels(): [string, string][] {
  const root = path.join(SHARED, 'models');
  if (!existsSync(root)) throw new Error(`no models folder at ${root} (test/fixtures or FASTML_SHARED_DIR)`);
  const out: [string, string][] = [];
  for (const d of readdirSync(root, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of readdirSync(path.join(root, d.name))) if (f.endsWith('.onnx')) out.push([`${d.name}/${f}`, path.join(root, d.name, f)]);
  }
  return out.sort();
}

/** The project's own example models (models/*.onnx, written by `npm run models`). */
export function projectOnnxModels(): [string, string][] {
  const dir = path.join(projectRoot, 'models');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.onnx'))
    .sort()
    .map((f) => [`models/${f}`, path.join(dir, f)] as [string, string]);
}

/** mulberry32: a small seeded generator so failures reproduce. */
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

/**
 * Random inputs in [-2, 2). `dyadic` draws multiples of 2^-6 so that float32 (ORT) and float64
 * (fastml) products and sums of a quantized model are exact and both sides round the same value.
 */
export function randomInput(n: number, seed: number, dyadic = false): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[k] = dyadic ? Math.floor(r() * 256 - 128) / 64 : r() * 4 - 2;
  return out;
}

let configured = false;
export async function runOrt(model: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  if (!configured) {
    ort.env.wasm.numThreads = 1;
    configured = true;
  }
  const s = await ort.InferenceSession.create(model);
  const inputs: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) inputs[k] = new ort.Tensor('float32', v.data, v.dims);
  const r = await s.run(inputs);
  const out: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const name of s.outputNames) out[name] = { data: r[name]!.data as Float32Array, dims: [...r[name]!.dims] };
  await s.release();
  return out;
}

/** Declared input shapes of a model (graph inputs that are not initializers); symbolic dims -> 1. */
export function modelInputs(bytes: Uint8Array): { name: string; dims: number[] }[] {
  const m = onnx.ModelProto.decode(bytes);
  const inits = new Set((m.graph!.initializer ?? []).map((t) => t.name));
  return (m.graph!.input ?? [])
    .filter((i) => !inits.has(i.name))
    .map((i) => ({ name: i.name!, dims: (i.type!.tensorType!.shape!.dim ?? []).map((d) => (d.dimValue ? toNum(d.dimValue) || 1 : 1)) }));
}

const QONNX_DOMAINS = ['qonnx.custom_op.general', 'finn.custom_op.general', 'onnx.brevitas'];

export function hasCustomOps(bytes: Uint8Array): boolean {
  const m = onnx.ModelProto.decode(bytes);
  return (m.graph!.node ?? []).some((n) => n.domain && n.domain !== 'ai.onnx');
}

/** Rewrites QONNX Quant and channels-last Conv/MaxPool into standard ONNX (opset >= 13). */
export function qonnxToStandard(bytes: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const scalarOf = (name: string): number => {
    const t = inits.get(name)!;
    if (t.rawData && t.rawData.length) {
      const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
      return t.dataType === 7 ? Number(dv.getBigInt64(0, true)) : t.dataType === 11 ? dv.getFloat64(0, true) : dv.getFloat32(0, true);
    }
    return t.dataType === 7 ? toNum(t.int64Data![0]) : t.floatData![0]!;
  };
  const newInits: O.ITensorProto[] = [];
  const fconst = (name: string, v: number) => {
    newInits.push({ name, dims: [], dataType: 1, floatData: [v] });
    return name;
  };
  const out: O.INodeProto[] = [];
  let k = 0;
  const tmp = (base: string) => `${base}__std${k++}`;
  const attr = (n: O.INodeProto, name: string) => n.attribute?.find((a: O.IAttributeProto) => a.name === name);
  for (const n of g.node ?? []) {
    if (n.opType === 'Quant' && QONNX_DOMAINS.includes(n.domain ?? '')) {
      const [x, s, z0, b] = n.input as string[];
      // Zero points are sometimes int64 initializers; ORT's Add needs a float.
      const z = inits.get(z0!)?.dims?.length ? z0 : fconst(tmp('zp'), scalarOf(z0!));
      const bits = scalarOf(b!);
      const signed = toNum(attr(n, 'signed')?.i ?? 1) === 1;
      const narrow = toNum(attr(n, 'narrow')?.i ?? 0) === 1;
      const rounding = new TextDecoder().decode(attr(n, 'rounding_mode')?.s ?? new TextEncoder().encode('ROUND'));
      if (rounding !== 'ROUND' || bits < 2) throw new Error(`test rewrite handles ROUND with >= 2 bits only (${n.name})`);
      const lo = signed ? -(2 ** (bits - 1)) + (narrow ? 1 : 0) : 0;
      const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1 - (narrow ? 1 : 0);
      const [d, a, c, r, sb] = [tmp('div'), tmp('add'), tmp('clip'), tmp('round'), tmp('sub')];
      out.push({ opType: 'Div', input: [x!, s!], output: [d], name: tmp(n.name!) });
      out.push({ opType: 'Add', input: [d, z!], output: [a], name: tmp(n.name!) });
      out.push({ opType: 'Clip', input: [a, fconst(tmp('lo'), lo), fconst(tmp('hi'), hi)], output: [c], name: tmp(n.name!) });
      out.push({ opType: 'Round', input: [c], output: [r], name: tmp(n.name!) });
      out.push({ opType: 'Sub', input: [r, z!], output: [sb], name: tmp(n.name!) });
      out.push({ opType: 'Mul', input: [sb, s!], output: [n.output![0]!], name: n.name! });
    } else if (n.domain === 'qonnx.custom_op.channels_last') {
      const ins = [...(n.input as string[])];
      const xt = tmp('xt');
      out.push({ opType: 'Transpose', input: [ins[0]!], output: [xt], attribute: [{ name: 'perm', type: 7, ints: [0, 3, 1, 2] }], name: tmp('t') });
      ins[0] = xt;
      if (n.opType === 'Conv') {
        const wt = tmp('wt');
        out.push({ opType: 'Transpose', input: [ins[1]!], output: [wt], attribute: [{ name: 'perm', type: 7, ints: [0, 3, 1, 2] }], name: tmp('t') });
        ins[1] = wt;
      }
      const y = tmp('y');
      out.push({ opType: n.opType, input: ins, output: [y], attribute: n.attribute, name: n.name });
      out.push({ opType: 'Transpose', input: [y], output: [n.output![0]!], attribute: [{ name: 'perm', type: 7, ints: [0, 2, 3, 1] }], name: tmp('t') });
    } else out.push(n);
  }
  g.node = out.map((n) => onnx.NodeProto.create(n));
  g.initializer = [...(g.initializer ?? []), ...newInits.map((t) => onnx.TensorProto.create(t))];
  const std = (m.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const version = Math.max(13, std ? toNum(std.version) : 13);
  m.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version })];
  return onnx.ModelProto.encode(m).finish();
}

export function readBytes(p: string): Uint8Array {
  return new Uint8Array(readFileSync(p));
}

/** max |a - b| / max |b|: relative to the output's own scale (no blow-up near zero). */
export function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < want.length; k++) {
    num = Math.max(num, Math.abs(got[k]! - want[k]!));
    den = Math.max(den, Math.abs(want[k]!));
  }
  return den === 0 ? num : num / den;
}

/**
 * onnxmltools 1.3 wraps BatchNormalization of a (1, N) tensor in Transposes, so inside BN the
 * features sit on axis 0, which strict ONNX (and ORT) rejects. This rewrite spells each BN out
 * as (x - mean) / sqrt(var + eps) * scale + B with [N, 1]-shaped constants, i.e. BN along the
 * axis whose size matches the statistics (what the exporter meant), so ORT can run the model.
 */
export function bnAlongAxis0(bytes: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const vals = (name: string): number[] => {
    const t = inits.get(name)!;
    if (t.rawData && t.rawData.length) return Array.from(new Float32Array(new Uint8Array(t.rawData).buffer));
    return [...t.floatData!];
  };
  const out: O.INodeProto[] = [];
  const extra: O.ITensorProto[] = [];
  let k = 0;
  for (const n of g.node ?? []) {
    if (n.opType !== 'BatchNormalization') {
      out.push(n);
      continue;
    }
    const [x, sc, b, mean, vr] = n.input as string[];
    const eps = n.attribute?.find((a) => a.name === 'epsilon')?.f ?? 1e-5;
    const C = vals(sc!).length;
    const col = (name: string, v: number[]) => {
      extra.push({ name, dims: [C, 1], dataType: 1, floatData: v });
      return name;
    };
    const t = (s: string) => `${n.name}__bn${k++}${s}`;
    const [a1, a2, a3] = [t('sub'), t('div'), t('mul')];
    out.push({ opType: 'Sub', input: [x!, col(t('m'), vals(mean!))], output: [a1], name: t('n') });
    out.push({ opType: 'Div', input: [a1, col(t('v'), vals(vr!).map((v) => Math.sqrt(v + eps)))], output: [a2], name: t('n') });
    out.push({ opType: 'Mul', input: [a2, col(t('g'), vals(sc!))], output: [a3], name: t('n') });
    out.push({ opType: 'Add', input: [a3, col(t('b'), vals(b!))], output: [n.output![0]!], name: n.name });
  }
  g.node = out.map((n) => onnx.NodeProto.create(n));
  g.initializer = [...(g.initializer ?? []), ...extra.map((t) => onnx.TensorProto.create(t))];
  return onnx.ModelProto.encode(m).finish();
}
