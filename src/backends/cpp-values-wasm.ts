/**
 * @fileoverview cppArrayChunks' inner loop (writeRun and writeDecimal in cpp-values.ts) as a
 * WebAssembly function: the separators and the exact decimal text of each value with |v| < 2^31 and
 * at most 15 fractional bits, straight into bytes.
 *
 * Why: a compile prints every weight once, in a fresh process; the JavaScript loop runs its first
 * tens of thousands of values in V8's interpreter and baseline code before the optimised code
 * arrives, while a WebAssembly function is compiled before its first call (Liftoff).
 *
 * The text is the JavaScript loop's, byte for byte: the integer part in decimal, then for a
 * fraction y / 2^15 (y = 1 .. 2^15 - 1) a '.' and r * 5^k on exactly k digits, where y = r * 2^(15-k)
 * with r odd (no trailing zero). The fraction texts are made on first use into a table in the
 * module's memory (at most 2^F of them for a type with F fractional bits), like FRAC_TEXT in
 * cpp-values.ts; a value outside the common case stops the loop, and the caller prints it with
 * exactDecimal. The tests compare the two writers on random arrays of every width.
 */

import { wasmApi, wasmAsm } from '../emulator/simd.js';
import { ELSE, END, F64, F64_LOAD, F_ABS, F_FLOOR, F_LT, F_MUL, F_NE, F_SUB, I32_STORE, I64, I64_LOAD, I64_STORE, IF, I_ADD, I_CTZ, I_DIV_U, I_EQZ, I_GE_S, I_GE_U, I_LT_U, I_REM_U, I_SHL, I_SHR_U, I_SUB, LOAD8_U, L_DIV_U, L_EXTEND_U, L_MUL, L_REM_U, L_WRAP, STORE8, TRUNC_U, f64c, i64c } from '../emulator/wasm-ops.js';

const { uleb, vec, section, str, get, set, tee, i32c, block, loop, brIf, br, I32 } = wasmAsm;

/** Parameters: where the values are, which of them (j .. m), their global index base, the line length, where the text goes. */
const P = { vals: 0, j: 1, m: 2, k0: 3, per: 4, out: 5, pos: 6, limit: 7, state: 8 } as const;
/** Locals: i32 k, ip, yi, len, n, at, d, tz, kk; f64 v, a, ipf, y; i64 f. */
const L = { k: 9, ip: 10, yi: 11, len: 12, n: 13, at: 14, d: 15, tz: 16, kk: 17, v: 18, a: 19, ipf: 20, y: 21, f: 22 } as const;

/** Memory layout of one writer instance. */
export const TEXT_VALUES = 4096;
const VALS_OFF = 0;
const OUT_OFF = 8 * TEXT_VALUES;
/** The output region holds a 64 KiB piece plus room for one more value of any length (as cppArrayChunks' buffer). */
export const TEXT_OUT_BYTES = (1 << 16) + 2048;
const STATE_OFF = OUT_OFF + TEXT_OUT_BYTES;
const LEN_OFF = STATE_OFF + 16;
const FRAC_OFF = LEN_OFF + 32768;
const PAGES = Math.ceil((FRAC_OFF + 32768 * 16) / 65536);

function body(): number[] {
  const putByte = (b: number[]): number[] => [...get(P.out), ...get(P.pos), ...I_ADD, ...b, ...STORE8, ...get(P.pos), ...i32c(1), ...I_ADD, ...set(P.pos)];
  const ch = (c: string): number[] => putByte(i32c(c.charCodeAt(0)));
  // The fraction text of yi / 2^15 into FRAC[yi * 16 ..], its length into LEN[yi] (makeFraction).
  const makeFraction = [
    ...get(L.yi), ...I_CTZ, ...set(L.tz),
    ...i32c(15), ...get(L.tz), ...I_SUB, ...set(L.kk),
    // f = (yi >> tz) * 5^kk
    ...get(L.yi), ...get(L.tz), ...I_SHR_U, ...L_EXTEND_U, ...set(L.f),
    ...i32c(0), ...set(L.d),
    ...block(loop([...get(L.d), ...get(L.kk), ...I_GE_U, ...brIf(1)], [...get(L.f), ...i64c(5), ...L_MUL, ...set(L.f)], [...get(L.d), ...i32c(1), ...I_ADD, ...set(L.d)], br(0))),
    ...i32c(FRAC_OFF), ...get(L.yi), ...i32c(4), ...I_SHL, ...I_ADD, ...set(L.at),
    ...get(L.at), ...i32c(46), ...STORE8,
    // digits kk .. 1, last first
    ...get(L.kk), ...set(L.d),
    ...block(loop([...get(L.d), ...I_EQZ, ...brIf(1)], [...get(L.at), ...get(L.d), ...I_ADD, ...get(L.f), ...i64c(10), ...L_REM_U, ...L_WRAP, ...i32c(48), ...I_ADD, ...STORE8], [...get(L.f), ...i64c(10), ...L_DIV_U, ...set(L.f)], [...get(L.d), ...i32c(1), ...I_SUB, ...set(L.d)], br(0))),
    ...i32c(LEN_OFF), ...get(L.yi), ...I_ADD, ...get(L.kk), ...i32c(1), ...I_ADD, ...tee(L.len), ...STORE8,
  ];
  const each = [
    ...get(P.k0), ...get(P.j), ...I_ADD, ...set(L.k),
    // separator
    ...get(L.k), ...get(P.per), ...I_REM_U, ...I_EQZ, ...IF,
    ...get(L.k), ...IF, ...ch(','), ...ch('\n'), ...END,
    ...ch(' '), ...ch(' '), ...ch(' '), ...ch(' '),
    ...ELSE, ...ch(','), ...ch(' '), ...END,
    // v, a = |v|; stop unless a < 2^31 and (a - floor(a)) * 2^15 is an integer
    ...get(P.vals), ...get(P.j), ...i32c(3), ...I_SHL, ...I_ADD, ...F64_LOAD, ...tee(L.v), ...F_ABS, ...tee(L.a),
    ...f64c(2147483648), ...F_LT, ...I_EQZ, ...brIf(2),
    ...get(L.a), ...get(L.a), ...F_FLOOR, ...tee(L.ipf), ...F_SUB, ...f64c(32768), ...F_MUL, ...tee(L.y), ...get(L.y), ...F_FLOOR, ...F_NE, ...brIf(2),
    ...get(L.v), ...f64c(0), ...F_LT, ...IF, ...ch('-'), ...END,
    // integer part
    ...get(L.ipf), ...TRUNC_U, ...tee(L.ip), ...i32c(10), ...I_LT_U, ...IF,
    ...putByte([...get(L.ip), ...i32c(48), ...I_ADD]),
    ...ELSE,
    // n = number of digits; write them backwards from pos + n - 1
    ...i32c(1), ...set(L.n), ...get(L.ip), ...set(L.d),
    ...block(loop([...get(L.d), ...i32c(10), ...I_LT_U, ...brIf(1)], [...get(L.d), ...i32c(10), ...I_DIV_U, ...set(L.d)], [...get(L.n), ...i32c(1), ...I_ADD, ...set(L.n)], br(0))),
    ...get(P.out), ...get(P.pos), ...I_ADD, ...get(L.n), ...I_ADD, ...set(L.at),
    ...block(loop(
      [...get(L.at), ...i32c(1), ...I_SUB, ...tee(L.at), ...get(L.ip), ...i32c(10), ...I_REM_U, ...i32c(48), ...I_ADD, ...STORE8],
      [...get(L.ip), ...i32c(10), ...I_DIV_U, ...tee(L.ip), ...I_EQZ, ...brIf(1)],
      br(0),
    )),
    ...get(P.pos), ...get(L.n), ...I_ADD, ...set(P.pos),
    ...END,
    // fraction: copy 16 bytes of its text (the output region has room), advance by its length
    ...get(L.y), ...TRUNC_U, ...tee(L.yi), ...IF,
    ...i32c(LEN_OFF), ...get(L.yi), ...I_ADD, ...LOAD8_U, ...tee(L.len), ...I_EQZ, ...IF, ...makeFraction, ...END,
    ...get(P.out), ...get(P.pos), ...I_ADD, ...i32c(FRAC_OFF), ...get(L.yi), ...i32c(4), ...I_SHL, ...I_ADD, ...tee(L.at), ...I64_LOAD, ...I64_STORE,
    ...get(P.out), ...get(P.pos), ...I_ADD, ...i32c(8), ...I_ADD, ...get(L.at), ...i32c(8), ...I_ADD, ...I64_LOAD, ...I64_STORE,
    ...get(P.pos), ...get(L.len), ...I_ADD, ...set(P.pos),
    ...END,
    ...get(P.j), ...i32c(1), ...I_ADD, ...set(P.j),
    // a full piece ends the call
    ...get(P.pos), ...get(P.limit), ...I_GE_S, ...brIf(1),
  ];
  const storeState = (off: number, v: number[]): number[] => [...get(P.state), ...i32c(off), ...I_ADD, ...v, ...I32_STORE];
  const code = [
    ...vec([
      [...uleb(9), I32],
      [...uleb(4), F64],
      [...uleb(1), I64],
    ]),
    ...storeState(4, i32c(0)),
    // block 0: the loop ends normally (done or piece full); block 1: a value needs the general path
    ...block(
      block(loop([...get(P.j), ...get(P.m), ...I_GE_S, ...brIf(1)], each, br(0))),
      [...get(P.state), ...get(P.pos), ...I32_STORE, ...get(P.j), 0x0f], // return j
    ),
    ...storeState(4, i32c(1)),
    ...get(P.state), ...get(P.pos), ...I32_STORE,
    ...get(P.j),
    0x0b,
  ];
  return [...uleb(code.length), ...code];
}

/** One writer: its function and memory views (values block, output bytes, state). */
export interface TextKernel {
  /** Writes values j .. m of the block; returns where it stopped. state[0] = new position, state[1] = 1 when value j needs exactDecimal. */
  readonly run: (vals: number, j: number, m: number, k0: number, per: number, out: number, pos: number, limit: number, state: number) => number;
  readonly vals: Float64Array;
  readonly out: Uint8Array;
  readonly state: Int32Array;
  readonly offsets: { readonly vals: number; readonly out: number; readonly state: number };
}

let bytes: Uint8Array | undefined;
const free: TextKernel[] = [];

/**
 * A writer instance for one array (its memory is that array's buffer until released), or undefined
 * without WebAssembly. Instances are pooled: two arrays printed at once get two instances.
 */
export function takeTextKernel(): TextKernel | undefined {
  const k = free.pop();
  if (k) return k;
  const WA = wasmApi();
  if (!WA) return undefined;
  try {
    bytes ??= new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, vec([[0x60, ...vec(Array.from({ length: 9 }, () => [I32])), ...vec([[I32]])]])),
      ...section(3, vec([[0x00]])),
      ...section(5, vec([[0x00, ...uleb(PAGES)]])),
      ...section(7, vec([[...str('run'), 0x00, 0x00], [...str('mem'), 0x02, 0x00]])),
      ...section(10, vec([body()])),
    ]);
    const inst = new WA.Instance(new WA.Module(bytes), {});
    const buf = (inst.exports['mem'] as { buffer: ArrayBuffer }).buffer;
    return {
      run: inst.exports['run'] as TextKernel['run'],
      vals: new Float64Array(buf, VALS_OFF, TEXT_VALUES),
      out: new Uint8Array(buf, OUT_OFF, TEXT_OUT_BYTES),
      state: new Int32Array(buf, STATE_OFF, 2),
      offsets: { vals: VALS_OFF, out: OUT_OFF, state: STATE_OFF },
    };
  } catch {
    return undefined;
  }
}

export function releaseTextKernel(k: TextKernel): void {
  free.push(k);
}
