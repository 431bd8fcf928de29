/**
 * @fileoverview The fused quantize-and-count loop of src/emulator/weights.ts as a WebAssembly
 * function, for the common weight types (at most 32 bits, TRN or RND, WRAP without saturation bits
 * or SAT) and typed-array weights.
 *
 * Why: a compile visits every weight once here, in a fresh process. The JavaScript loop spends its
 * first tens of thousands of values in V8's interpreter and baseline code (which also box every
 * intermediate double, feeding the young-generation collector) before the optimised code arrives;
 * a WebAssembly function is compiled before its first call (Liftoff), so a 0.5M-weight model's
 * quantization costs a few milliseconds from the start.
 *
 * The function computes, for each value, exactly what fusedChunk in weights.ts computes (the same
 * double operations in the same order: floor, the distance of 2y to the nearest integer, clamping
 * or the wrapping shift, the same comparisons for the counts), writes the cast value, and lists
 * the values it cannot settle (near a step, beyond 2^31 units of the last bit, not finite) for the
 * caller's settleRare. The tests compare it with the JavaScript loop and with the BigInt reference.
 */

import { wasmApi, wasmAsm } from './simd.js';
import { CONVERT_S, CONVERT_U, F32_LOAD, F64, F64_LOAD, F64_STORE, F_ABS, F_ADD, F_EQ, F_FLOOR, F_GE, F_GT, F_LT, F_MAX, F_MIN, F_MUL, F_NE, F_NEAREST, F_SUB, I32_STORE, I_ADD, I_AND, I_GE_S, I_OR, I_SHL, I_SHR_S, I_SHR_U, I_XOR, PROMOTE, SELECT, TRUNC_SAT_S, f64c } from './wasm-ops.js';

const { uleb, vec, section, str, get, set, tee, i32c, block, loop, brIf, br, I32 } = wasmAsm;

/** Parameters of the function, in order. */
const P = { inP: 0, n: 1, outP: 2, rareP: 3, countsP: 4, base: 5, scale: 6, inv: 7, margin: 8, lo: 9, hi: 10, rawLo: 11, rawHi: 12, sh: 13, fracPos: 14 } as const;
/** Locals after the parameters. */
const L = { i: 15, nRare: 16, isZero: 17, zeros: 18, castZeros: 19, destroyed: 20, changed: 21, rawZeros: 22, castZero: 23, v: 24, y: 25, fl: 26, q: 27, c: 28, y2: 29 } as const;

/** Which loop: the input's element type and the cast's modes. */
export interface FusedVariant {
  readonly f32: boolean;
  readonly rnd: boolean;
  readonly sat: boolean;
  readonly signed: boolean;
}

function body(k: FusedVariant): number[] {
  const size = k.f32 ? 2 : 3; // log2 of the input element's bytes
  const q = k.rnd ? [...get(L.y), ...f64c(0.5), ...F_ADD, ...F_FLOOR] : get(L.fl);
  const cast = k.sat
    ? [...get(L.q), ...get(P.hi), ...F_MIN, ...get(P.lo), ...F_MAX, ...f64c(0), ...F_ADD]
    : [...get(L.q), ...TRUNC_SAT_S, ...get(P.sh), ...I_SHL, ...get(P.sh), ...(k.signed ? I_SHR_S : I_SHR_U), ...(k.signed ? CONVERT_S : CONVERT_U)];
  const inc = (local: number, value: number[]): number[] => [...get(local), ...value, ...I_ADD, ...set(local)];
  const notZero = [...get(L.isZero), ...i32c(1), ...I_XOR];
  const each = [
    // v, y = v * 2^F, fl = floor(y), y2 = 2y
    ...get(P.inP), ...get(L.i), ...i32c(size), ...I_SHL, ...I_ADD, ...(k.f32 ? [...F32_LOAD, ...PROMOTE] : F64_LOAD), ...tee(L.v),
    ...get(P.scale), ...F_MUL, ...tee(L.y), ...F_FLOOR, ...set(L.fl),
    ...get(L.y), ...get(L.y), ...F_ADD, ...set(L.y2),
    ...get(L.v), ...f64c(0), ...F_EQ, ...set(L.isZero),
    // settled = (y == fl ? (y != 0 | isZero) : fracPos & |y2 - nearest(y2)| / 2 > margin + |y| 2^-50) & |y| < 2^31
    ...get(L.y), ...f64c(0), ...F_NE, ...get(L.isZero), ...I_OR,
    ...get(P.fracPos), ...get(L.y2), ...get(L.y2), ...F_NEAREST, ...F_SUB, ...F_ABS, ...f64c(0.5), ...F_MUL,
    ...get(P.margin), ...get(L.y), ...F_ABS, ...f64c(2 ** -50), ...F_MUL, ...F_ADD, ...F_GT, ...I_AND,
    ...get(L.y), ...get(L.fl), ...F_EQ, ...SELECT,
    ...get(L.y), ...f64c(2147483648), ...F_LT, ...I_AND, ...get(L.y), ...f64c(-2147483648), ...F_GT, ...I_AND,
    // rare[nRare] = base + i; nRare += !settled
    ...i32c(1), ...I_XOR, ...get(P.rareP), ...get(L.nRare), ...i32c(2), ...I_SHL, ...I_ADD, ...get(P.base), ...get(L.i), ...I_ADD, ...I32_STORE,
    ...get(L.nRare), ...I_ADD, ...set(L.nRare),
    // c = cast(q) * 2^-F; out[i] = c
    ...q, ...set(L.q),
    ...cast, ...get(P.inv), ...F_MUL, ...set(L.c),
    ...get(P.outP), ...get(L.i), ...i32c(3), ...I_SHL, ...I_ADD, ...get(L.c), ...F64_STORE,
    // counts
    ...get(L.c), ...f64c(0), ...F_EQ, ...set(L.castZero),
    ...inc(L.zeros, get(L.isZero)),
    ...inc(L.castZeros, [...notZero, ...get(L.castZero), ...I_AND]),
    ...inc(L.destroyed, [...notZero, ...get(L.castZero), ...get(L.c), ...get(L.v), ...F_SUB, ...F_ABS, ...get(L.v), ...F_ABS, ...f64c(0.5), ...F_MUL, ...F_GT, ...I_OR, ...I_AND]),
    ...inc(L.changed, [...get(L.c), ...get(L.v), ...F_NE]),
    ...inc(L.rawZeros, [...notZero, ...get(L.y), ...get(P.rawLo), ...F_GE, ...I_AND, ...get(L.y), ...get(P.rawHi), ...F_LT, ...I_AND]),
    ...inc(L.i, i32c(1)),
  ];
  const storeCount = (off: number, local: number): number[] => [...get(P.countsP), ...i32c(off), ...I_ADD, ...get(local), ...I32_STORE];
  const code = [
    ...vec([
      [...uleb(9), I32],
      [...uleb(6), F64],
    ]),
    ...block(loop([...get(L.i), ...get(P.n), ...I_GE_S, ...brIf(1)], each, br(0))),
    ...storeCount(0, L.zeros),
    ...storeCount(4, L.castZeros),
    ...storeCount(8, L.destroyed),
    ...storeCount(12, L.changed),
    ...storeCount(16, L.rawZeros),
    ...get(L.nRare),
    0x0b,
  ];
  return [...uleb(code.length), ...code];
}

/** Values per call; the memory holds one chunk's input, output and rare list, and the counts. */
export const WASM_CHUNK = 1 << 16;
const IN_OFF = 0;
const OUT_OFF = 8 * WASM_CHUNK;
const RARE_OFF = 16 * WASM_CHUNK;
const COUNTS_OFF = 20 * WASM_CHUNK;
const PAGES = Math.ceil((COUNTS_OFF + 64) / 65536);

type Fn = (inP: number, n: number, outP: number, rareP: number, countsP: number, base: number, scale: number, inv: number, margin: number, lo: number, hi: number, rawLo: number, rawHi: number, sh: number, fracPos: number) => number;

export interface FusedKernel {
  readonly run: Fn;
  readonly buf: ArrayBuffer;
}

const kernels = new Map<string, FusedKernel | null>();

/** The kernel for a variant (instantiated once per process), or undefined without WebAssembly. */
export function fusedKernel(k: FusedVariant): FusedKernel | undefined {
  const key = `${+k.f32}${+k.rnd}${+k.sat}${+k.signed}`;
  let kern = kernels.get(key);
  if (kern === undefined) {
    kern = null;
    const WA = wasmApi();
    if (WA) {
      try {
        const params = [P.inP, P.n, P.outP, P.rareP, P.countsP, P.base].map(() => [I32]);
        const fparams = [P.scale, P.inv, P.margin, P.lo, P.hi, P.rawLo, P.rawHi].map(() => [F64]);
        const type = [0x60, ...vec([...params, ...fparams, [I32], [I32]]), ...vec([[I32]])];
        const bytes = new Uint8Array([
          0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
          ...section(1, vec([type])),
          ...section(3, vec([[0x00]])),
          ...section(5, vec([[0x00, ...uleb(PAGES)]])),
          ...section(7, vec([[...str('run'), 0x00, 0x00], [...str('mem'), 0x02, 0x00]])),
          ...section(10, vec([body(k)])),
        ]);
        const inst = new WA.Instance(new WA.Module(bytes), {});
        kern = { run: inst.exports['run'] as Fn, buf: (inst.exports['mem'] as { buffer: ArrayBuffer }).buffer };
      } catch {
        kern = null;
      }
    }
    kernels.set(key, kern);
  }
  return kern ?? undefined;
}

export const WASM_LAYOUT = { IN_OFF, OUT_OFF, RARE_OFF, COUNTS_OFF } as const;
