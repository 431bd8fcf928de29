/**
 * @fileoverview A chain of Dense and ReLU layers run as one WebAssembly function on raw integers.
 *
 * The per-layer kernels (mac.ts compileDenseInt, activations.ts) each convert their input from
 * the value domain (doubles) to raw integers, run, and convert back; for a small MLP such as the
 * jet tagger (16-64-32-32-5) those conversions and the calls between layers cost more than the
 * multiply-accumulates. A chain keeps every tensor between its first input and its last output as
 * raw int32 in one module's memory: JavaScript writes the first input's raw values, one call runs
 * every layer, JavaScript reads the last output. Intermediate tensors are converted to doubles only
 * when someone asks for them (traces: CompiledEmulator.buffer).
 *
 * Exactness: the multiply-accumulate is simd.ts's function (the same code compileDenseInt runs), or
 * for small layers the same i32x4 operations generated per layer over the nonzero inputs only (a
 * zero input adds exact zeros; the others keep their order, which a saturating accumulator needs);
 * the casts are the ones the JavaScript kernels inline, on i32x4 lanes:
 * - Dense result (signed accumulator, signed TRN/WRAP result of at most 32 bits, dF = F_acc -
 *   F_res in [0, 31]): wrap to W_acc (shl, shr_s; an identity for a saturated accumulator, which
 *   is within its range), floor-shift by dF (shr_s), wrap to W_res (shl, shr_s).
 * - ReLU into a TRN/WRAP type of at most 32 bits (31 unsigned): max(v, 0), scale by 2^(F_r - F_in)
 *   (shl; modulo 2^32, which the wrap to W_r <= 32 bits then reduces exactly; or a floor shr_s),
 *   wrap to W_r.
 * Layers outside these conditions (and every layer when accounting overflow, without SIMD, or with
 * FASTML_NO_CHAIN=1) run on the per-layer kernels. The tests compare the two on random models and
 * on the hls4ml references.
 */

import type { FixedType } from '../fixed/type.js';
import { fracBits } from '../fixed/type.js';
import type { Graph, Layer, LayerAttrs } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { productShift, sharedDenseOrder } from './mac.js';
import { rawLimits, toRaw } from './quant.js';
import { DENSE_TYPE, DENSE_VARIANTS, DENSE_W16, denseBodies, fillWeights, resolveWeights, simdAvailable, simdOptions, wasmApi, wasmAsm as A, type WeightFill } from './simd.js';

/** What the chain needs from the emulator's compiler (compile.ts). */
export interface ChainHost {
  readonly g: Graph;
  readonly types: Map<string, FixedType>;
  readonly steps: (() => void)[];
  /** Tensor -> fills its buffer from the chain's memory (for traces). */
  readonly lazy: Map<string, () => void>;
  type(l: Layer, slot: string, fallback?: FixedType, allowWide?: boolean): FixedType;
  inType(l: Layer): FixedType;
  weights(l: Layer, role: string, t: FixedType, n?: number): Float64Array;
  /** A weight a kernel may quantize into its own memory (see simd.ts WeightFill). */
  weightsFill(l: Layer, role: string, t: FixedType): WeightFill;
  shape(tensor: string): readonly number[];
  inBuf(l: Layer): Float64Array;
  alloc(tensor: string): Float64Array;
}

interface DenseLink {
  readonly kind: 'dense';
  readonly layer: Layer;
  readonly nIn: number;
  readonly nOut: number;
  readonly order: readonly number[];
  readonly wq: WeightFill;
  readonly bias: Int32Array;
  readonly fw: number;
  /** The raw weights fit int16 (the weight type's, no product shift folded in): a looped layer stores them so. */
  readonly w16: boolean;
  readonly variant: number;
  readonly x: FixedType;
  readonly sh: number;
  readonly lo: number;
  readonly hi: number;
  readonly sa: number;
  readonly dF: number;
  readonly sr: number;
  readonly res: FixedType;
}

interface ReluLink {
  readonly kind: 'relu';
  readonly layer: Layer;
  readonly n: number;
  readonly d: number;
  readonly sr: number;
  readonly signed: boolean;
  readonly res: FixedType;
}

type Link = DenseLink | ReluLink;

const isTrnWrap = (t: FixedType): boolean => t.q === 'AP_TRN' && t.o === 'AP_WRAP' && t.n === 0;

/** The Dense layer (input type x) as a chain link, or undefined when its types or shape need the general kernels. */
function denseLink(h: ChainHost, l: Layer, x: FixedType): DenseLink | undefined {
  const a = l.attrs as Extract<LayerAttrs, { op: 'Dense' }>;
  const w = h.type(l, 'weight');
  const acc = h.type(l, 'accum', undefined, true);
  const res = h.type(l, 'result');
  if (numel(h.shape(l.inputs[0]!)) !== a.nIn) return undefined;
  const bits = x.w + w.w + (x.signed ? 0 : 1) + (w.signed ? 0 : 1);
  if (bits > 32 || (acc.q !== 'AP_TRN' && acc.q !== 'AP_RND') || !acc.signed) return undefined;
  const wrap = acc.o === 'AP_WRAP' && acc.n === 0;
  if (!(wrap ? acc.w <= 32 : acc.o === 'AP_SAT' && acc.w <= 30)) return undefined;
  const { sh, fw } = productShift(fracBits(x), fracBits(w), fracBits(acc), bits);
  const dF = fracBits(acc) - fracBits(res);
  if (sh < 0 || dF < 0 || dF > 31 || !res.signed || !isTrnWrap(res) || res.w > 32) return undefined;
  // (Chains never count overflow: the order matters only where the accumulator saturates.)
  const order = sharedDenseOrder(a.nIn, a.nOut, l.strategy ?? 'latency', l.reuseFactor ?? 1, acc);
  if (!order) return undefined;
  const wq = h.weightsFill(l, 'kernel', w);
  const bq = h.weights(l, 'bias', h.type(l, 'bias'), a.nOut);
  const bias = new Int32Array(a.nOut);
  for (let j = 0; j < a.nOut; j++) bias[j] = toRaw(bq[j]!, acc);
  const rnd = acc.q === 'AP_RND' && sh > 0;
  const { lo, hi } = wrap ? { lo: 0, hi: 0 } : rawLimits(acc);
  const w16 = fw === fracBits(w) && w.w <= (w.signed ? 16 : 15) && simdOptions.w16;
  return { kind: 'dense', layer: l, x, nIn: a.nIn, nOut: a.nOut, order, wq, bias, fw, w16, variant: (wrap ? 0 : 2) + (rnd ? 1 : 0), sh, lo, hi, sa: 32 - acc.w, dF, sr: 32 - res.w, res };
}

/** A ReLU after a link with result type `inT`, or undefined. */
function reluLink(h: ChainHost, l: Layer, inT: FixedType): ReluLink | undefined {
  const a = l.attrs as Extract<LayerAttrs, { op: 'Activation' }>;
  if (a.activation !== 'relu') return undefined;
  const r = h.type(l, 'result');
  if (!isTrnWrap(r) || r.w > (r.signed ? 32 : 31)) return undefined;
  const d = fracBits(r) - fracBits(inT);
  if (d < -31 || d > 31) return undefined;
  return { kind: 'relu', layer: l, n: numel(h.shape(l.outputs[0]!)), d, sr: 32 - r.w, signed: r.signed, res: r };
}

/** Whether chains may be used at all in this process. */
export function intChainsEnabled(): boolean {
  return !process.env['FASTML_NO_CHAIN'] && simdAvailable();
}

/**
 * Tries to start a chain at layers[start]: returns how many layers it compiled (0: none, the
 * caller compiles layers[start] itself). A chain is at least a Dense and the layer after it.
 */
export function compileIntChain(h: ChainHost, layers: readonly Layer[], start: number): number {
  const first = layers[start]!;
  if (first.attrs.op !== 'Dense') return 0;
  // How many layers read each tensor, and the graph outputs: a link's output must feed only the next link.
  const uses = new Map<string, number>();
  for (const l of layers) for (const t of l.inputs) uses.set(t, (uses.get(t) ?? 0) + 1);
  const outs = new Set(h.g.outputs);
  const links: Link[] = [];
  let prevT: FixedType | undefined;
  for (let k = start; k < layers.length; k++) {
    const l = layers[k]!;
    if (links.length > 0) {
      const prevOut = links[links.length - 1]!.layer.outputs[0]!;
      if (l.inputs.length !== 1 || l.inputs[0] !== prevOut || uses.get(prevOut) !== 1 || outs.has(prevOut)) break;
    }
    if (l.outputs.length !== 1) break;
    const link = l.attrs.op === 'Dense' ? denseLink(h, l, prevT ?? h.inType(l)) : l.attrs.op === 'Activation' && prevT ? reluLink(h, l, prevT) : undefined;
    if (!link) break;
    links.push(link);
    prevT = link.res;
  }
  if (links.length < 2) return 0;
  build(h, links);
  return links.length;
}

/**
 * Small Dense layers get code of their own: the input order and the weight row addresses are
 * constants of the compaction of nonzero inputs, and the accumulators live in v128 locals (no
 * load/store per product; see denseUnrolled). Larger ones call simd.ts's loop.
 */
const unrolled = (lk: DenseLink): boolean => Math.ceil(lk.nOut / 4) <= 32 && lk.nIn * Math.ceil(lk.nOut / 4) <= 8192;

const VSHL = A.simd(0xab);
const VSHR_S = A.simd(0xac);
const VSHR_U = A.simd(0xad);
const CALL = (f: number) => [0x10, ...A.uleb(f)];
/** Output vectors accumulated per pass over the nonzero inputs (see denseUnrolled). */
const BLOCK = 8;
const I32_LOAD = (off: number) => [0x28, 0x02, ...A.uleb(off)];
const I32_STORE = (off: number) => [0x36, 0x02, ...A.uleb(off)];

function build(h: ChainHost, links: readonly Link[]): void {
  // Memory: every tensor of the chain as int32 padded to a multiple of 4 lanes, then per Dense its
  // input order, weights [nIn][n4], bias and accumulators. 16-byte aligned.
  let top = 0;
  const take = (ints: number): number => {
    const at = top;
    top += Math.ceil(ints / 4) * 16;
    return at;
  };
  const first = links[0] as DenseLink;
  const tensorOff: number[] = [take(first.nIn)];
  const plan = links.map((lk) => {
    if (lk.kind === 'relu') return { lk, out: take(lk.n) };
    const n4 = Math.ceil(lk.nOut / 4) * 4;
    // A looped layer's int16 weights take half the room (unrolled code reads int32 rows).
    const w16 = lk.w16 && !unrolled(lk);
    return { lk, n4, w16, ord: take(lk.nIn), w: take(w16 ? (lk.nIn * n4) / 2 : lk.nIn * n4), b: take(n4), acc: take(n4), list: take(2 * lk.nIn), out: take(lk.nOut) };
  });
  for (const p of plan) tensorOff.push(p.out);
  const pages = Math.ceil((top + 64) / 65536);

  // The chain function: no parameters. Locals: 0 j, 1 xv, 2 p, 3 q, 4 base (i32); 5 zero (v128,
  // zero-initialised), 6 splat, 7 one, 8 vlo, 9 vhi, then the accumulators of an unrolled Dense (v128).
  const J = 0;
  const XV = 1;
  const P = 2;
  const Q = 3;
  const BASE = 4;
  const ZERO = 5;
  const SPL = 6;
  const ONE = 7;
  const VLO = 8;
  const VHI = 9;
  const ACC0 = 10;
  const maxM = Math.max(0, ...plan.map((p) => (p.lk.kind === 'dense' && unrolled(p.lk) ? Math.ceil(p.lk.nOut / 4) : 0)));
  const overLanes = (bytes: number, body: number[]): number[] => [
    ...A.i32c(0),
    ...A.set(J),
    ...A.block(A.loop([...A.get(J), ...A.i32c(bytes), ...A.GE_S, ...A.brIf(1)], body, [...A.get(J), ...A.i32c(16), ...A.ADD, ...A.set(J)], A.br(0))),
  ];
  const at = (off: number): number[] => [...A.i32c(off), ...A.get(J), ...A.ADD];
  const shift = (op: number[], n: number): number[] => (n === 0 ? [] : [...A.i32c(n), ...op]);
  const code: number[] = [];
  plan.forEach((p, k) => {
    const inOff = tensorOff[k]!;
    const lk = p.lk;
    if (lk.kind === 'dense' && unrolled(lk)) {
      const q = p as { n4: number; w: number; b: number; list: number; out: number };
      code.push(...denseUnrolled(lk, inOff, q.w, q.b, q.out, q.n4, q.list));
    } else if (lk.kind === 'dense') {
      const q = p as { n4: number; ord: number; w: number; b: number; acc: number; out: number };
      code.push(...overLanes(q.n4 * 4, [...at(q.acc), ...at(q.b), ...A.VLOAD, ...A.VSTORE]));
      const w16 = (p as { w16: boolean }).w16;
      code.push(...[inOff, q.ord, lk.nIn, q.w, q.acc, q.n4 * 4, lk.sh, lk.lo, lk.hi].flatMap((v) => A.i32c(v)), ...CALL(lk.variant + (w16 ? DENSE_W16 : 0)));
      code.push(
        ...overLanes(q.n4 * 4, [
          ...at(q.out),
          ...at(q.acc),
          ...A.VLOAD,
          ...shift(VSHL, lk.sa),
          ...shift(VSHR_S, lk.sa),
          ...shift(VSHR_S, lk.dF),
          ...shift(VSHL, lk.sr),
          ...shift(VSHR_S, lk.sr),
          ...A.VSTORE,
        ]),
      );
    } else {
      const n4 = Math.ceil(lk.n / 4) * 4;
      code.push(
        ...overLanes(n4 * 4, [
          ...at(p.out),
          ...at(inOff),
          ...A.VLOAD,
          ...A.get(ZERO),
          ...A.VMAX,
          ...(lk.d > 0 ? shift(VSHL, lk.d) : shift(VSHR_S, -lk.d)),
          ...shift(VSHL, lk.sr),
          ...shift(lk.signed ? VSHR_S : VSHR_U, lk.sr),
          ...A.VSTORE,
        ]),
      );
    }
  });
  function denseUnrolled(lk: DenseLink, xOff: number, wOff: number, bOff: number, outOff: number, n4: number, listOff: number): number[] {
    const M = n4 / 4;
    const rowBytes = n4 * 4;
    const sat = lk.variant >= 2;
    const rnd = lk.variant % 2 === 1;
    const out: number[] = [];
    const vload = (off: number): number[] => [...A.i32c(0), ...A.simd(0x00, 0x04, ...A.uleb(off))];
    if (sat) out.push(...A.i32c(lk.lo), ...A.SPLAT, ...A.set(VLO), ...A.i32c(lk.hi), ...A.SPLAT, ...A.set(VHI));
    if (rnd) out.push(...A.i32c(1), ...A.SPLAT, ...A.set(ONE));
    for (let m = 0; m < M; m++) out.push(...vload(bOff + 16 * m), ...A.set(ACC0 + m));
    // Zero inputs (half of a ReLU's outputs) contribute exact zeros. Skipping them with a branch
    // per input costs a misprediction whenever the pattern changes; instead the nonzero inputs are
    // compacted first without branches, in accumulation order, as (value, weight row address)
    // pairs: each pair is written at P and P advances only when the value is nonzero.
    out.push(...A.i32c(listOff), ...A.set(P));
    for (const i of lk.order) {
      out.push(...A.get(P), ...A.i32c(0), ...I32_LOAD(xOff + 4 * i), ...A.tee(XV), ...I32_STORE(0));
      out.push(...A.get(P), ...A.i32c(wOff + i * rowBytes), ...I32_STORE(4));
      out.push(...A.get(P), ...A.get(XV), ...A.i32c(0), ...A.NE, ...A.i32c(3), ...A.SHL, ...A.ADD, ...A.set(P));
    }
    const clamp = [...A.get(VHI), ...A.simd(0xb6), ...A.get(VLO), ...A.VMAX];
    // Outputs in blocks of at most BLOCK vectors, one pass over the list each: the accumulators
    // of a block, the splat and the temporaries then fit the 16 vector registers V8 allocates
    // (16 accumulators for the jet tagger's first layer spilled to the stack in every iteration).
    for (let m0 = 0; m0 < M; m0 += BLOCK) {
      const m1 = Math.min(M, m0 + BLOCK);
      const body: number[] = [...A.get(Q), ...I32_LOAD(0), ...A.SPLAT, ...A.set(SPL), ...A.get(Q), ...I32_LOAD(4), ...A.set(BASE)];
      for (let m = m0; m < m1; m++) {
        body.push(...A.get(ACC0 + m), ...A.get(SPL), ...A.get(BASE), ...A.simd(0x00, 0x04, ...A.uleb(16 * m)), ...A.simd(0xb5));
        if (rnd) body.push(...A.i32c(lk.sh - 1), ...VSHR_S, ...A.get(ONE), ...A.simd(0xae), ...A.i32c(1), ...VSHR_S);
        else if (lk.sh > 0) body.push(...A.i32c(lk.sh), ...VSHR_S);
        if (sat) body.push(...clamp);
        body.push(...A.simd(0xae));
        if (sat) body.push(...clamp);
        body.push(...A.set(ACC0 + m));
      }
      out.push(
        ...A.i32c(listOff),
        ...A.set(Q),
        ...A.block(A.loop([...A.get(Q), ...A.get(P), ...A.GE_U, ...A.brIf(1)], body, [...A.get(Q), ...A.i32c(8), ...A.ADD, ...A.set(Q)], A.br(0))),
      );
      for (let m = m0; m < m1; m++)
        out.push(
          ...A.i32c(0),
          ...A.get(ACC0 + m),
          ...shift(VSHL, lk.sa),
          ...shift(VSHR_S, lk.sa),
          ...shift(VSHR_S, lk.dF),
          ...shift(VSHL, lk.sr),
          ...shift(VSHR_S, lk.sr),
          ...A.simd(0x0b, 0x04, ...A.uleb(outOff + 16 * m)),
        );
    }
    return out;
  }
  const locals = A.vec([
    [...A.uleb(5), A.I32],
    [...A.uleb(5 + maxM), A.V128],
  ]);
  const chainBody = [...locals, ...code, 0x0b];
  // simd.ts's loop bodies only when a layer calls them (function indices 0..7, int32 then int16
  // weights; the chain after).
  const looped = plan.some((p) => p.lk.kind === 'dense' && !unrolled(p.lk));
  const nDense = looped ? DENSE_VARIANTS.length : 0;
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...A.section(1, A.vec([DENSE_TYPE, [0x60, 0x00, 0x00]])),
    ...A.section(3, A.vec([...(looped ? DENSE_VARIANTS.map(() => [0x00]) : []), [0x01]])),
    ...A.section(5, A.vec([[0x00, ...A.uleb(pages)]])),
    ...A.section(7, A.vec([[...A.str('chain'), 0x00, nDense], [...A.str('mem'), 0x02, 0x00]])),
    ...A.section(10, A.vec([...(looped ? denseBodies() : []), [...A.uleb(chainBody.length), ...chainBody]])),
  ]);
  const WA = wasmApi()!;
  const inst = new WA.Instance(new WA.Module(bytes), {});
  const buf = (inst.exports['mem'] as { buffer: ArrayBuffer }).buffer;
  const run = inst.exports['chain'] as () => void;

  // Constants into memory: orders, weights (raw, [nIn][n4], padding zero), biases.
  plan.forEach((p) => {
    if (p.lk.kind !== 'dense') return;
    const lk = p.lk;
    const q = p as { n4: number; w16: boolean; ord: number; w: number; b: number };
    new Int32Array(buf, q.ord, lk.nIn).set(lk.order);
    const w = q.w16 ? new Int16Array(buf, q.w, lk.nIn * q.n4) : new Int32Array(buf, q.w, lk.nIn * q.n4);
    const s = 2 ** lk.fw;
    // A looped layer's rows are only read by simd.ts's loop: unpadded, they can hold the layer's
    // quantized weights for the cache too. Unrolled code reads its own padded int32 rows.
    if (unrolled(lk)) fillWeights(w, resolveWeights(lk.wq), lk.nIn, lk.nOut, q.n4, s);
    else fillWeights(w, lk.wq, lk.nIn, lk.nOut, q.n4, s);
    new Int32Array(buf, q.b, lk.nOut).set(lk.bias);
  });

  // Types and buffers of every tensor; intermediate ones filled on demand.
  const xIn = h.inBuf(first.layer);
  const xs = new Int32Array(buf, tensorOff[0]!, first.nIn);
  const sx = 2 ** fracBits(first.x);
  links.forEach((lk, k) => {
    const t = lk.layer.outputs[0]!;
    h.types.set(t, lk.res);
    const y = h.alloc(t);
    const raw = new Int32Array(buf, tensorOff[k + 1]!, y.length);
    const inv = 2 ** -fracBits(lk.res);
    if (k < links.length - 1) h.lazy.set(t, () => {
      for (let j = 0; j < y.length; j++) y[j] = raw[j]! * inv;
    });
  });
  const last = links[links.length - 1]!;
  const y = h.alloc(last.layer.outputs[0]!);
  const yr = new Int32Array(buf, tensorOff[links.length]!, y.length);
  const invY = 2 ** -fracBits(last.res);
  const nIn = first.nIn;
  const nY = y.length;
  h.steps.push(() => {
    for (let i = 0; i < nIn; i++) xs[i] = xIn[i]! * sx;
    run();
    for (let j = 0; j < nY; j++) y[j] = yr[j]! * invY;
  });
}
