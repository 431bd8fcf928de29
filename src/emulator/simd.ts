/**
 * @fileoverview A WebAssembly SIMD kernel for the input-major integer Dense loop (mac.ts
 * compileDenseInt): for each input in the accumulation order, acc[0..n) (+)= cast(x * w[i][0..n)),
 * four outputs per i32x4 instruction. The module is assembled here from a few opcodes (no tools,
 * no dependencies) in eight variants: WRAP or SAT accumulator, TRN or RND product cast, weights
 * stored as int32 or, when the weight type's raw values fit, as int16 (half the memory, loaded and
 * sign-extended four at a time by v128.load16x4_s: the same lanes as the int32 form).
 *
 * Exactness is the same as the JavaScript loop it replaces: i32x4.mul keeps the low 32 bits, which
 * are the exact product under the same width condition (raw x and w products fit an int32);
 * shr_s is the floor shift; min_s / max_s clamp. Outputs are padded to a multiple of four lanes
 * with zero weights, whose accumulators are ignored.
 */

import { isRawConst, type QuantConst, type RawInts } from './raw-const.js';

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const str = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

// Instructions.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const ADD = [0x6a];
const MUL = [0x6c];
const SHR_U = [0x76];
const GE_S = [0x4e];
const GE_U = [0x4f];
const NE = [0x47];
const SHL = [0x74];
const tee = (i: number) => [0x22, ...uleb(i)];
const EQZ = [0x45];
const LOAD = [0x28, 0x02, 0x00];
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const VLOAD = simd(0x00, 0x04, 0x00);
/** v128.load16x4_s: four int16 sign-extended to an i32x4. */
const VLOAD16 = simd(0x03, 0x03, 0x00);
const VSTORE = simd(0x0b, 0x04, 0x00);
const SPLAT = simd(0x11);
const VADD = simd(0xae);
const VMUL = simd(0xb5);
const VSHR = simd(0xac);
const VMIN = simd(0xb6);
const VMAX = simd(0xb8);
const block = (...body: number[][]) => [0x02, 0x40, ...body.flat(), 0x0b];
const loop = (...body: number[][]) => [0x03, 0x40, ...body.flat(), 0x0b];
const brIf = (d: number) => [0x0d, ...uleb(d)];
const br = (d: number) => [0x0c, ...uleb(d)];

// Params: 0 xPtr, 1 ordPtr, 2 nIn, 3 wPtr, 4 accPtr, 5 rowBytes, 6 sh, 7 lo, 8 hi.
// Locals: 9 q, 10 i, 11 xv, 12 base, 13 j, 14 addr (i32); 15 splat, 16 vlo, 17 vhi, 18 one, 19 p (v128).
// rowBytes is the accumulator row's (4 bytes a lane); an int16 weight row is half of it.
/** The eight function bodies, assembled once per process (the SIMD probe and every kernel module use them). */
const bodies = new Map<string, number[]>();
function body(sat: boolean, rnd: boolean, w16 = false): number[] {
  const key = `${sat},${rnd},${w16}`;
  let b = bodies.get(key);
  if (!b) bodies.set(key, (b = assembleBody(sat, rnd, w16)));
  return b;
}

function assembleBody(sat: boolean, rnd: boolean, w16: boolean): number[] {
  const [X, ORD, NIN, W, ACC, ROW, SH, LO, HI, Q, I, XV, BASE, J, ADDR, SPL, VLO, VHI, ONE, P] = Array.from({ length: 20 }, (_, k) => k);
  const half = w16 ? [...i32c(1), ...SHR_U] : [];
  // p = cast(splat * w[base + j]) (int16 weights: byte j / 2 of the row)
  const product = [
    ...get(SPL),
    ...get(BASE),
    ...get(J),
    ...half,
    ...ADD,
    ...(w16 ? VLOAD16 : VLOAD),
    ...VMUL,
    ...(rnd ? [...get(SH), ...i32c(1), 0x6b /* i32.sub */, ...VSHR, ...get(ONE), ...VADD, ...i32c(1), ...VSHR] : [...get(SH), ...VSHR]),
  ];
  const clamp = [...get(VHI), ...VMIN, ...get(VLO), ...VMAX];
  const inner = loop(
    [...get(J), ...get(ROW), ...GE_S, ...brIf(1)],
    [...get(ACC), ...get(J), ...ADD, ...set(ADDR)],
    sat
      ? [...product, ...clamp, ...set(P), ...get(ADDR), ...get(ADDR), ...VLOAD, ...get(P), ...VADD, ...clamp, ...VSTORE]
      : [...get(ADDR), ...get(ADDR), ...VLOAD, ...product, ...VADD, ...VSTORE],
    [...get(J), ...i32c(16), ...ADD, ...set(J)],
    br(0),
  );
  const outer = loop(
    [...get(Q), ...get(NIN), ...GE_S, ...brIf(1)],
    [...get(ORD), ...get(Q), ...i32c(4), ...MUL, ...ADD, ...LOAD, ...set(I)],
    [...get(X), ...get(I), ...i32c(4), ...MUL, ...ADD, ...LOAD, ...set(XV)],
    block(
      [...get(XV), ...EQZ, ...brIf(0)],
      [...get(XV), ...SPLAT, ...set(SPL)],
      [...get(W), ...get(I), ...get(ROW), ...half, ...MUL, ...ADD, ...set(BASE)],
      [...i32c(0), ...set(J)],
      block(inner),
    ),
    [...get(Q), ...i32c(1), ...ADD, ...set(Q)],
    br(0),
  );
  const init = [...get(LO), ...SPLAT, ...set(VLO), ...get(HI), ...SPLAT, ...set(VHI), ...i32c(1), ...SPLAT, ...set(ONE), ...i32c(0), ...set(Q)];
  const locals = vec([
    [...uleb(6), I32],
    [...uleb(5), V128],
  ]);
  const code = [...locals, ...init, ...block(outer), 0x0b];
  return [...uleb(code.length), ...code];
}

const NAMES = ['wrap_trn', 'wrap_rnd', 'sat_trn', 'sat_rnd'] as const;
/** simdDense's module: NAMES with int32 weights, then the same with int16 weights. */
const ALL_NAMES = [...NAMES, ...NAMES.map((n) => `${n}_w16`)];

function moduleBytes(pages: number): Uint8Array {
  const type = section(1, vec([[0x60, ...vec(Array.from({ length: 9 }, () => [I32])), 0x00]]));
  const funcs = section(3, vec(ALL_NAMES.map(() => [0x00])));
  const mem = section(5, vec([[0x00, ...uleb(pages)]]));
  const exp = section(7, vec([...ALL_NAMES.map((n, k) => [...str(n), 0x00, k]), [...str('mem'), 0x02, 0x00]]));
  const code = section(10, vec([false, true].flatMap((w16) => [body(false, false, w16), body(false, true, w16), body(true, false, w16), body(true, true, w16)])));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...funcs, ...mem, ...exp, ...code]);
}

/** The WebAssembly API (typed minimally: the project's lib settings do not include its types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

type Fn = (x: number, ord: number, nIn: number, w: number, acc: number, rowBytes: number, sh: number, lo: number, hi: number) => void;

export interface SimdDense {
  /** Raw inputs (int32) for one row: write here before `run`. */
  readonly x: Int32Array;
  /** Accumulators (int32), padded to a multiple of 4: set to the biases before `run`. */
  readonly acc: Int32Array;
  run(): void;
}

let supported: boolean | undefined;
let scalarOnly = 0;

/**
 * Runs `build` with the WebAssembly kernels switched off (simdAvailable() is false inside), so
 * every kernel it compiles is JavaScript: the same bits (the tests compare both paths), and no
 * WebAssembly module to assemble and compile, which for a few samples of a small model costs
 * more than running them (EmulatorOptions.wasm).
 */
export function withScalarKernels<T>(build: () => T): T {
  scalarOnly++;
  try {
    return build();
  } finally {
    scalarOnly--;
  }
}

/**
 * The smallest module using SIMD (i32x4.splat, extract_lane): validating it answers whether this
 * runtime has the proposal, without assembling the Dense kernels (a measurable part of the time to
 * the first output of a one-sample run).
 */
function probeBytes(): Uint8Array {
  const fn = [0x00, ...i32c(1), ...SPLAT, ...simd(0x1b, 0x00), 0x0b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, 0x00, 0x01, I32]])),
    ...section(3, vec([[0x00]])),
    ...section(10, vec([[...uleb(fn.length), ...fn]])),
  ]);
}

/** Whether this runtime has WebAssembly SIMD (and FASTML_NO_SIMD is not set, nor withScalarKernels running). */
export function simdAvailable(): boolean {
  if (scalarOnly > 0) return false;
  if (supported === undefined) {
    try {
      supported = WA !== undefined && !process.env['FASTML_NO_SIMD'] && WA.validate(probeBytes());
    } catch {
      supported = false;
    }
  }
  return supported === true;
}

/**
 * Weights a kernel may quantize straight into its own memory: `into(dst, scale)` does (true) when
 * dst, at that scale from the values, can then stand for them everywhere (weights.ts
 * quantizeConstInto); otherwise `get()` gives them to copy.
 */
export interface WeightFill {
  into(dst: Int16Array | Int32Array, scale: number): boolean;
  get(): QuantConst;
}
export type WeightSource = QuantConst | WeightFill;
const isFill = (w: WeightSource): w is WeightFill => typeof (w as Partial<WeightFill>).into === 'function';
/** The weights of a source, quantized (a WeightFill's get()). */
export const resolveWeights = (w: WeightSource): QuantConst => (isFill(w) ? w.get() : w);

/**
 * Fills a kernel's [rows][stride] weight region: quantized straight into it when the source can and
 * rows are unpadded (stride = cols), else copied row by row at `scale` (scaledRow).
 */
export function fillWeights(dst: Int16Array | Int32Array, src: WeightSource, rows: number, cols: number, stride: number, scale: number): void {
  if (isFill(src) && stride === cols && src.into(dst, scale)) return;
  const q = resolveWeights(src);
  for (let i = 0; i < rows; i++) scaledRow(dst, i * stride, q, i * cols, cols, scale);
}

/** Switch for the tests: false keeps every simdDense kernel's weights as int32. */
export const simdOptions = { w16: true };

/**
 * Instantiates a kernel for one Dense layer: weights `wq` are [nIn][nOut] values, `wScale * wq`
 * their raw integers (quantized or copied straight into the kernel's memory, which never writes
 * them: see fillWeights), `order` the input order.
 * `sat`/`rnd` select WRAP/SAT and TRN/RND; lo/hi are the accumulator's raw limits (SAT). `w16`:
 * the raw weights fit int16 (the caller knows from their type), stored so.
 */
export function simdDense(nIn: number, nOut: number, order: Int32Array, wq: WeightSource, wScale: number, sat: boolean, rnd: boolean, sh: number, lo: number, hi: number, w16 = false): SimdDense {
  const half = w16 && simdOptions.w16;
  const n4 = Math.ceil(nOut / 4) * 4;
  const wBytes = (half ? 2 : 4) * nIn * n4;
  const bytes = 4 * (nIn + nIn + n4) + wBytes;
  const pages = Math.ceil((bytes + 64) / 65536);
  const inst = new WA!.Instance(new WA!.Module(moduleBytes(pages)), {});
  const ex = inst.exports;
  const mem = ex['mem'] as { buffer: ArrayBuffer };
  const xOff = 0;
  const ordOff = xOff + 4 * nIn;
  const wOff = ordOff + 4 * nIn;
  const accOff = wOff + wBytes;
  const x = new Int32Array(mem.buffer, xOff, nIn);
  new Int32Array(mem.buffer, ordOff, nIn).set(order);
  const w = half ? new Int16Array(mem.buffer, wOff, nIn * n4) : new Int32Array(mem.buffer, wOff, nIn * n4);
  fillWeights(w, wq, nIn, nOut, n4, wScale);
  const acc = new Int32Array(mem.buffer, accOff, n4);
  const fn = ex[ALL_NAMES[(half ? 4 : 0) + (sat ? 2 : 0) + (rnd ? 1 : 0)]!] as Fn;
  const rowBytes = 4 * n4;
  return { x, acc, run: () => fn(xOff, ordOff, nIn, wOff, accOff, rowBytes, sh, lo, hi) };
}

/**
 * dst[d + j] = value(s + j) * scale for j < n: one weight row as raw integers (the scale makes them
 * integers: the weight type's 2^F, or more with a product shift folded in). Raw constants already
 * at that scale are copied as they are (TypedArray.set converts between integer arrays).
 */
export function scaledRow(dst: Int32Array | Int16Array, d: number, q: QuantConst, s: number, n: number, scale: number): void {
  if (!isRawConst(q)) scaleRow(dst, d, q, s, n, scale);
  else if (q.inv * scale === 1) dst.set(q.raw.subarray(s, s + n), d);
  else scaleRawRow(dst, d, q.raw, s, n, q.inv * scale);
}

/**
 * dst[d + j] = src[s + j] * scale for j < n: one weight row into the kernel's memory. A function of
 * its own, called per row, so that V8 optimises it after a few rows (a loop over the whole matrix
 * inside simdDense ran mostly in the interpreter: one such call per layer).
 */
function scaleRow(dst: Int32Array | Int16Array, d: number, src: Float64Array, s: number, n: number, scale: number): void {
  for (let j = 0; j < n; j++) dst[d + j] = src[s + j]! * scale;
}

/** scaleRow for raw integers at another scale (a folded product shift: scale = 2^shift). */
function scaleRawRow(dst: Int32Array | Int16Array, d: number, src: RawInts, s: number, n: number, scale: number): void {
  for (let j = 0; j < n; j++) dst[d + j] = src[s + j]! * scale;
}

/**
 * The assembler pieces and the accumulation function bodies, for kernels that build their own
 * module around them (int-chain.ts: a whole Dense/ReLU chain in one instance).
 * Function body k of `denseBodies()` is variant NAMES[k]; its type is `DENSE_TYPE`.
 */
/**
 * Instantiates a module of one exported function `run` (`params` i32 parameters, no result) over its
 * own exported memory of `pages` 64 KiB pages: the shape of every per-layer kernel that is one loop
 * nest (mac-count, depthwise, depthwise-count). `fnBody` is the function's locals, code and end.
 */
export function instantiateRunKernel<F extends (...args: number[]) => void>(fnBody: readonly number[], pages: number, params = 0): { run: F; buf: ArrayBuffer } {
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(Array.from({ length: params }, () => [I32])), 0x00]])),
    ...section(3, vec([[0x00]])),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec([[...str('run'), 0x00, 0x00], [...str('mem'), 0x02, 0x00]])),
    ...section(10, vec([[...uleb(fnBody.length), ...fnBody]])),
  ]);
  const WA = wasmApi()!;
  const inst = new WA.Instance(new WA.Module(bytes), {});
  return { run: inst.exports['run'] as F, buf: (inst.exports['mem'] as { buffer: ArrayBuffer }).buffer };
}

export const wasmAsm = { uleb, sleb, vec, section, str, get, set, tee, i32c, GE_U, NE, SHL, simd, block, loop, brIf, br, ADD, GE_S, VLOAD, VSTORE, SPLAT, VMAX, VSHR, I32, V128 };
/** The loop bodies' names, int32 weights then int16 (DENSE_W16 added to a variant's index). */
export const DENSE_VARIANTS = ALL_NAMES;
export const DENSE_W16 = NAMES.length;
export const DENSE_TYPE = [0x60, ...vec(Array.from({ length: 9 }, () => [I32])), 0x00];
export function denseBodies(): number[][] {
  return [false, true].flatMap((w16) => [body(false, false, w16), body(false, true, w16), body(true, false, w16), body(true, true, w16)]);
}
export function wasmApi(): WasmApi | undefined {
  return WA;
}
export type { WasmApi };
