/**
 * @fileoverview Scalar WebAssembly instructions (i32, i64, f32/f64 core 1.0 plus the non-trapping
 * float-to-int conversions) as byte arrays, for the kernels assembled in this project
 * (weights-wasm.ts, backends/cpp-values-wasm.ts; simd.ts holds the assembler itself and the SIMD
 * opcodes). Memory accesses carry their alignment hint and offset 0.
 */

export const F64 = 0x7c;
export const I64 = 0x7e;

// Memory.
export const I32_STORE = [0x36, 0x02, 0x00];
export const I64_LOAD = [0x29, 0x00, 0x00];
export const I64_STORE = [0x37, 0x00, 0x00];
export const F32_LOAD = [0x2a, 0x02, 0x00];
export const F64_LOAD = [0x2b, 0x03, 0x00];
export const F64_STORE = [0x39, 0x03, 0x00];
export const LOAD8_U = [0x2d, 0x00, 0x00];
export const STORE8 = [0x3a, 0x00, 0x00];

// i32.
export const I_EQZ = [0x45];
export const I_NE = [0x47];
export const I_LT_U = [0x49];
export const I_GE_S = [0x4e];
export const I_GE_U = [0x4f];
export const I_CTZ = [0x68];
export const I_ADD = [0x6a];
export const I_SUB = [0x6b];
export const I_MUL = [0x6c];
export const I_DIV_U = [0x6e];
export const I_REM_U = [0x70];
export const I_AND = [0x71];
export const I_OR = [0x72];
export const I_XOR = [0x73];
export const I_SHL = [0x74];
export const I_SHR_S = [0x75];
export const I_SHR_U = [0x76];

// i64.
export const L_MUL = [0x7e];
export const L_DIV_U = [0x80];
export const L_REM_U = [0x82];

// f64.
export const F_EQ = [0x61];
export const F_NE = [0x62];
export const F_LT = [0x63];
export const F_GT = [0x64];
export const F_GE = [0x66];
export const F_ABS = [0x99];
export const F_FLOOR = [0x9c];
export const F_NEAREST = [0x9e];
export const F_ADD = [0xa0];
export const F_SUB = [0xa1];
export const F_MUL = [0xa2];
export const F_MIN = [0xa4];
export const F_MAX = [0xa5];

// Conversions.
export const L_WRAP = [0xa7]; // i32.wrap_i64
export const TRUNC_U = [0xab]; // i32.trunc_f64_u (traps out of range: callers check first)
export const L_EXTEND_U = [0xad]; // i64.extend_i32_u
export const CONVERT_S = [0xb7]; // f64.convert_i32_s
export const CONVERT_U = [0xb8]; // f64.convert_i32_u
export const PROMOTE = [0xbb]; // f64.promote_f32
export const TRUNC_SAT_S = [0xfc, 0x02]; // i32.trunc_sat_f64_s

// Control.
export const SELECT = [0x1b];
export const IF = [0x04, 0x40];
export const ELSE = [0x05];
export const END = [0x0b];

/** f64.const x. */
export const f64c = (x: number): number[] => [0x44, ...new Uint8Array(new Float64Array([x]).buffer)];

/** i64.const of a non-negative integer below 2^53 (signed LEB128). */
export function i64c(v: number): number[] {
  const out: number[] = [];
  let n = v;
  for (;;) {
    const b = n % 128;
    n = Math.floor(n / 128);
    if (n === 0 && (b & 0x40) === 0) {
      out.push(b);
      break;
    }
    out.push(b | 0x80);
  }
  return [0x42, ...out];
}
