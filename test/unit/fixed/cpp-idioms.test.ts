/**
 * @fileoverview Everyday C++ idioms against the clean-room ap_types header (templates/ap_types),
 * compiled with g++ -std=c++11 -Wall -Werror: the things emitted code and users' testbenches do
 * with ap_fixed / ap_int (compound assignment, mixed int operands, assignable range() and bit
 * proxies, casts to int, generic templates, arrays in structs with static const / constexpr
 * template arguments, conversions between Q/O modes, stream output, hls::stream).
 *
 * The program uses only the vendor-visible API, so it would build with the Xilinx headers too, and
 * prints one `name value` line per check. Every expected value is computed here from the
 * SEMANTICS.md rules: through the TypeScript core in src/fixed (written independently from the same
 * specification) or by hand where the rule is a plain bit manipulation, with the rule named. A
 * program that merely compiles passes nothing: each line must match.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { castRaw, fixedType, quantizeDouble, rawToDouble, type FixedType, type OMode, type QMode } from '../../../src/fixed/index.js';
import { projectRoot } from './golden-data.js';

const hasGxx = spawnSync('g++', ['--version']).status === 0;

const PROGRAM = String.raw`
#include <cstdio>
#include <sstream>
#include <string>
#include "ap_fixed.h"
#include "ap_int.h"
#include "hls_stream.h"

static void out(const char *name, double v) { std::printf("%s %.17g\n", name, v); }
static void outs(const char *name, const std::string &s) { std::printf("%s %s\n", name, s.c_str()); }

template <class T>
T relu(T x) { return x > 0 ? x : T(0); }

struct cfg {
  static const unsigned n_in = 4;
  static constexpr int wbits = 12;
  static const int ibits = 4;
  typedef ap_fixed<8, 3, AP_RND, AP_SAT> accum_t;
};
struct dense_layer {
  ap_fixed<cfg::wbits, cfg::ibits> weights[cfg::n_in];
  ap_fixed<8, 4> inputs[cfg::n_in];
  cfg::accum_t result;
};
struct packet {
  ap_fixed<8, 4> data[2];
};

template <class D, class S>
void convert_all(const char *tag, const double *vals, int n) {
  for (int k = 0; k < n; ++k) {
    S s = vals[k];
    D d = s;  // one conversion with D's Q/O/N
    char name[64];
    std::snprintf(name, sizeof name, "conv_%s_%d", tag, k);
    out(name, d.to_double());
  }
}

int main() {
  // ---- compound assignment and mixed int operands ----
  ap_fixed<16, 6> a = 0.5;
  a += a * a;
  out("acc_basic", a.to_double());
  ap_fixed<8, 3> b = 1.3;
  b += b * b;
  out("acc_round", b.to_double());
  ap_fixed<8, 3> c = 3.5;
  c += c * c;
  out("acc_wrap", c.to_double());
  ap_fixed<6, 3, AP_RND, AP_SAT> m = 1.125;
  m *= ap_fixed<6, 3>(0.875);
  out("mul_assign_rnd_sat", m.to_double());
  out("a_times_2", (a * 2).to_double());
  out("a_times_2_width", (a * 2).length());
  out("a_plus_1", (a + 1).to_double());
  out("a_plus_1_width", (a + 1).length());
  out("a_minus_1", (a - 1).to_double());
  out("a_gt_0", a > 0);
  out("a_eq_0", a == 0);
  out("zero_eq_0", ap_fixed<16, 6>(0) == 0);
  out("neg_lt_1", ap_fixed<8, 8>(-1) < 1);
  out("neg_lt_1u", ap_fixed<8, 8>(-1) < 1u);

  // ---- casts to int ----
  ap_fixed<16, 6> n = -3.75;
  out("int_cast", (int)n);
  out("to_int", n.to_int());
  out("to_int_7_5", ap_fixed<8, 4>(-7.5).to_int());
  out("to_int_i0", ap_fixed<8, 0>(-0.25).to_int());

  // ---- range(): read ----
  ap_fixed<16, 6> r0 = -3.25;
  ap_uint<10> idx = r0.range(15, 6);
  out("range_read", idx.to_uint64());
  out("range_read_len", r0.range(15, 6).length());
  out("range_cmp_int", r0.range(3, 0) == 0);
  unsigned long long whole = r0.range(15, 0);
  out("range_whole", (double)whole);
  int as_int = r0.range(7, 0);
  out("range_to_int", as_int);
  ap_uint<8> rev = 1;
  out("range_reversed", rev.range(0, 7).to_uint64());
  rev.range(0, 3) = 1;  // mirrored write: value bit 0 lands in bit 3
  out("range_reversed_write", rev.to_uint64());

  // ---- range(): write ----
  ap_fixed<16, 6> r = 0;
  r.range(7, 0) = 0xAB;
  out("range_write_int", r.to_double());
  r.range(15, 8) = ap_uint<8>(0x80);
  out("range_write_apuint", r.to_double());
  ap_uint<16> u = 0x1234;
  u.range(7, 0) = ap_fixed<8, 2>(-0.5);
  out("range_write_fixed_bits", u.to_uint64());
  u.range(15, 8) = u.range(7, 0);
  out("range_write_from_range", u.to_uint64());
  u.range(3, 0) = 3.9;
  out("range_write_double", u.to_uint64());
  u(15, 12) = 0;
  out("call_op_write", u.to_uint64());
  ap_int<8> sgn = 0;
  sgn.range(7, 7) = 1;
  out("range_write_sign", sgn.to_int());

  // ---- bits ----
  ap_fixed<8, 4> b8 = 0;
  b8[7] = 1;
  out("bit_set_msb", b8.to_double());
  bool msb = b8[7];
  out("bit_read", msb);
  out("is_neg", b8.is_neg());
  b8[0] = b8[7];
  out("bit_copy", b8.to_double());
  b8[7] = 0;
  out("bit_clear", b8.to_double());
  b8.set_bit(4, true);
  out("set_bit", b8.to_double());
  out("get_bit", b8.get_bit(4));
  out("get_bit_off", b8.get_bit(5));
  out("iszero", b8.iszero());
  out("iszero_0", ap_fixed<8, 4>(0).iszero());
  out("length", b8.length());
  ap_uint<8> x8 = 0;
  x8[3] = 1;
  x8[2] = x8[3];
  out("uint_bits", x8.to_uint64());
  out("bit_not", ~x8[3]);
  int bit_as_int = x8[2];
  out("bit_as_int", bit_as_int);

  ap_uint<1> one_bit = x8[3];
  out("bit_to_apuint1", one_bit.to_uint());
  ap_fixed<8, 4> from_range = r0.range(11, 8);
  out("fixed_from_range", from_range.to_double());
  ap_uint<16> flip = 0x00F0;
  flip.range(7, 0) = ~flip.range(7, 0);
  out("range_not", flip.to_uint64());
  out("range_plus_int", flip.range(3, 0) + 1);
  out("and_reduce", flip.range(3, 0).and_reduce());
  out("or_reduce", ap_uint<8>(0).or_reduce());
  out("xor_reduce", ap_uint<8>(7).xor_reduce());
  ap_uint<8> rv = 0x01;
  rv.reverse();
  out("reverse", rv.to_uint());
  out("clz", ap_uint<8>(0x10).countLeadingZeros());

  // ---- loops, indices, shifts, float conversion, aggregate init ----
  int loop_sum = 0;
  for (ap_uint<4> i = 0; i < 10; i++) loop_sum += i;
  out("loop_sum", loop_sum);
  const int table[4] = {10, 20, 30, 40};
  ap_uint<2> ti = 2;
  out("index_by_apuint", table[ti]);
  ap_fixed<8, 4> sh = 1.75;
  ap_uint<3> amount = 1;
  out("shift_left_apuint", (sh << amount).to_double());
  out("shift_right_unsigned", (sh >> 2u).to_double());
  float ff = ap_fixed<16, 6>(-3.25);
  out("to_float_implicit", ff);
  ap_fixed<8, 4> init[3] = {0.5, 1, -2.3};
  out("aggregate_init", init[2].to_double());
  ap_fixed<8, 4> neg_assign = 2.5;
  neg_assign = -neg_assign;
  out("negate_assign", neg_assign.to_double());

  // ---- bitwise & | ^ between fixed values and with ints ----
  ap_fixed<8, 4> ba = -1.25;
  ap_ufixed<6, 2> bb = 2.75;
  ap_uint<4> bu = 5;
  out("fx_and", (ba & bb).to_double());
  out("fx_and_width", (ba & bb).length());
  out("fx_or_int", (ba | 1).to_double());
  out("fx_or_int_width", (ba | 1).length());
  out("fx_xor_apuint", (ba ^ bu).to_double());

  // ---- concatenation (a, b): raw bits, a high; assignable when both are variables ----
  ap_uint<4> chi = 0xA;
  ap_uint<4> clo = 0x5;
  ap_uint<8> cat8 = (chi, clo);
  out("concat_read", cat8.to_uint());
  (chi, clo) = 0x3C;
  out("concat_write_hi", chi.to_uint());
  out("concat_write_lo", clo.to_uint());
  ap_fixed<8, 4> cf = -0.5;
  ap_uint<4> c3 = 0xC;
  ap_uint<12> cat12 = (cf, c3);
  out("concat_fixed_bits", cat12.to_uint());
  (chi, clo, c3) = 0xABC;
  out("concat3_write", (chi.to_uint() << 8) | (clo.to_uint() << 4) | c3.to_uint());
  out("concat_temporaries", (ap_uint<4>(1), ap_uint<4>(2)).to_uint());

  // ---- enum constants (config structs often use them) as operands ----
  enum { SHIFT = 2, SCALE = 3 };
  ap_fixed<8, 4> en = 1.25;
  out("enum_mul", (en * SCALE).to_double());
  out("enum_shift", (en >> SHIFT).to_double());
  out("enum_cmp", en < SCALE);
  en += SCALE;
  out("enum_compound", en.to_double());
  ap_uint<8> eu = 0;
  eu.range(SHIFT, 0) = SCALE;
  out("enum_range_write", eu.to_uint());
  out("enum_apint_add", (ap_int<8>(5) + SCALE).to_int());

  // ---- generic template code ----
  out("relu_neg", relu(ap_fixed<8, 4>(-1.5)).to_double());
  out("relu_pos", relu(ap_fixed<8, 4>(2.25)).to_double());
  out("relu_int", relu(ap_int<8>(-3)).to_int());

  // ---- arrays of ap_fixed in structs; hls4ml-style dense accumulation ----
  dense_layer L;
  const double wv[cfg::n_in] = {1.5, 2.0, -0.3, 0.7};
  const double xv[cfg::n_in] = {1.5, 1.0, 2.3, -1.1};
  for (unsigned i = 0; i < cfg::n_in; ++i) {
    L.weights[i] = wv[i];
    L.inputs[i] = xv[i];
  }
  cfg::accum_t acc = 0;
  for (unsigned i = 0; i < cfg::n_in; ++i) {
    cfg::accum_t prod = L.weights[i] * L.inputs[i];
    acc += prod;
    char name[32];
    std::snprintf(name, sizeof name, "dense_step_%u", i);
    out(name, acc.to_double());
  }
  L.result = acc;
  out("dense_result", L.result.to_double());

  // ---- conversions between Q/O modes: D d = s ----
  const double vals[] = {3.99, -4.01, 2.5625, -2.4375, 7.5, -7.9, 0.0625, -0.0625};
  const int nv = (int)(sizeof vals / sizeof vals[0]);
  convert_all<ap_fixed<6, 3, AP_RND, AP_SAT>, ap_fixed<12, 4> >("rnd_sat", vals, nv);
  convert_all<ap_fixed<6, 3, AP_RND_CONV, AP_WRAP>, ap_fixed<12, 4> >("conv_wrap", vals, nv);
  convert_all<ap_fixed<6, 3, AP_TRN, AP_SAT_SYM>, ap_fixed<12, 4> >("trn_satsym", vals, nv);
  convert_all<ap_fixed<6, 3, AP_RND_ZERO, AP_SAT_ZERO>, ap_fixed<12, 4> >("rndz_satz", vals, nv);
  convert_all<ap_ufixed<6, 2, AP_RND_INF, AP_SAT>, ap_fixed<12, 4> >("u_rndinf_sat", vals, nv);
  convert_all<ap_fixed<6, 3, AP_TRN_ZERO, AP_WRAP, 2>, ap_fixed<12, 4> >("trnz_wrap2", vals, nv);
  convert_all<ap_fixed<6, 3, AP_RND_MIN_INF, AP_WRAP_SM>, ap_fixed<12, 4> >("rndmin_wrapsm", vals, nv);

  // ---- stream output ----
  std::ostringstream os;
  os << ap_fixed<16, 6>(-3.25) << ' ' << ap_int<8>(-5) << ' ' << ap_ufixed<8, 4>(2.5) << ' ' << ap_fixed<16, 6>(0.1) << ' '
     << ap_fixed<32, 2>(0.00001) << ' ' << ap_fixed<30, 30>(1000000) << ' ' << ap_fixed<16, 6>(0) << ' ';
  os.precision(3);
  os << ap_fixed<16, 6>(3.14159) << ' ';
  os.width(6);
  os << ap_fixed<8, 4>(1.5);
  outs("cout", "[" + os.str() + "]");
  outs("to_string_10", ap_fixed<16, 6>(-3.25).to_string(10) + "|" + ap_ufixed<8, 0>(0.0625).to_string(10));

  // ---- hls::stream ----
  hls::stream<ap_fixed<8, 4> > s1("s1");
  s1 << ap_fixed<8, 4>(1.25);
  s1.write(ap_fixed<8, 4>(-2.5));
  ap_fixed<8, 4> first = s1.read();
  ap_fixed<8, 4> second;
  s1 >> second;
  out("stream_first", first.to_double());
  out("stream_second", second.to_double());
  out("stream_empty", s1.empty());
  hls::stream<packet> s2;
  packet p;
  p.data[0] = 0.75;
  p.data[1] = -1.0625;
  s2.write(p);
  packet q = s2.read();
  out("stream_struct", (q.data[0] + q.data[1]).to_double());
  return 0;
}
`;

/** Value of `T v = x` (double source), SEMANTICS.md sections 2-3. */
const dq = (x: number, t: FixedType): number => rawToDouble(quantizeDouble(x, t), t);
const fx = (w: number, i: number, q: QMode = 'AP_TRN', o: OMode = 'AP_WRAP', n = 0): FixedType => fixedType(w, i, true, q, o, n);

function expected(): Map<string, string> {
  const e = new Map<string, string>();
  const num = (k: string, v: number | boolean): void => void e.set(k, String(typeof v === 'boolean' ? (v ? 1 : 0) : v));
  const t16 = fx(16, 6), t83 = fx(8, 3);
  // a = 0.5; a += a*a: exact 0.75, representable.
  num('acc_basic', dq(0.75, t16));
  // b = 1.3 -> floor(1.3*32) = 41; b + b*b = (41*32 + 41*41) / 2^10, one TRN quantization into <8,3>.
  const rb = quantizeDouble(1.3, t83);
  num('acc_round', rawToDouble(castRaw(rb * 32n + rb * rb, fx(32, 22), t83), t83));
  // 3.5 + 12.25 = 15.75 wraps in <8,3> (AP_WRAP).
  num('acc_wrap', rawToDouble(castRaw(63n, fx(16, 14), t83), t83)); // 15.75 = 63 * 2^-2
  // m *= y is m = T_m(m * y): exact product 1.125 * 0.875 (raw 9 * 7, F = 6), one RND/SAT quantization.
  const mT = fx(6, 3, 'AP_RND', 'AP_SAT');
  const mr = quantizeDouble(1.125, mT) * quantizeDouble(0.875, fx(6, 3));
  num('mul_assign_rnd_sat', rawToDouble(castRaw(mr, fx(12, 6), mT), mT));
  // a = 0.75 now: an int operand is <32,32,signed>; * gives <48,38>, + gives I = max(6,32)+1, F = 10.
  num('a_times_2', 1.5);
  num('a_times_2_width', 16 + 32);
  num('a_plus_1', 1.75);
  num('a_plus_1_width', 33 + 10);
  num('a_minus_1', -0.25);
  num('a_gt_0', true);
  num('a_eq_0', false);
  num('zero_eq_0', true);
  num('neg_lt_1', true); // section 6: `< 1` goes through <32,32,signed>
  num('neg_lt_1u', false); // section 6: `< 1u` compares as unsigned
  // Section 8: to_int truncates toward zero; I == 0 gives -1 for negative values.
  num('int_cast', -3);
  num('to_int', -3);
  num('to_int_7_5', -7);
  num('to_int_i0', -1);
  // range reads: bits of the 16-bit pattern of raw(-3.25) = -3328.
  const pat = BigInt.asUintN(16, quantizeDouble(-3.25, t16));
  num('range_read', Number((pat >> 6n) & 1023n));
  num('range_read_len', 10);
  num('range_cmp_int', (pat & 15n) === 0n);
  num('range_whole', Number(pat));
  num('range_to_int', Number(pat & 255n));
  num('range_reversed', 128); // hi < lo: the low byte mirrored, so bit 0 becomes bit 7
  num('range_reversed_write', 8); // all four bits 3..0 written: 0b0001 mirrored is 0b1000
  // range writes: the raw pattern of r becomes 0x00AB, then 0x80AB (signed 16-bit).
  num('range_write_int', Number(BigInt.asIntN(16, 0xabn)) / 1024);
  num('range_write_apuint', Number(BigInt.asIntN(16, 0x80abn)) / 1024);
  // ap_fixed<8,2>(-0.5) has raw -32, pattern 0xE0: its bits (not its value) land in u.
  const fb = BigInt.asUintN(8, quantizeDouble(-0.5, fx(8, 2)));
  let u = (0x1234n & ~0xffn) | fb;
  num('range_write_fixed_bits', Number(u));
  u = ((u & 0xffn) << 8n) | (u & 0xffn);
  num('range_write_from_range', Number(u));
  u = (u & ~0xfn) | 3n; // a double goes through ap_uint<16>(3.9) = 3 (section 9: truncation)
  num('range_write_double', Number(u));
  u = u & 0x0fffn;
  num('call_op_write', Number(u));
  num('range_write_sign', -128);
  // bits of ap_fixed<8,4> (F = 4): pattern 0x80 = -8.0, then 0x81, 0x01, 0x11.
  num('bit_set_msb', -8);
  num('bit_read', true);
  num('is_neg', true);
  num('bit_copy', -8 + 1 / 16);
  num('bit_clear', 1 / 16);
  num('set_bit', 1 + 1 / 16);
  num('get_bit', true);
  num('get_bit_off', false);
  num('iszero', false);
  num('iszero_0', true);
  num('length', 8);
  num('uint_bits', 12);
  num('bit_not', false);
  num('bit_as_int', 1);
  num('bit_to_apuint1', 1);
  num('fixed_from_range', Number((pat >> 8n) & 15n)); // a slice reads as an unsigned integer value
  num('range_not', 0x000f);
  num('range_plus_int', 0xf + 1);
  num('and_reduce', true);
  num('or_reduce', false);
  num('xor_reduce', true);
  num('reverse', 0x80);
  num('clz', 3);
  num('loop_sum', 45);
  num('index_by_apuint', 30);
  // Section 7: shifts keep the type; <8,4> raw 28 << 1 = 56 (3.5), 28 >> 2 = 7 (0.4375).
  num('shift_left_apuint', 3.5);
  num('shift_right_unsigned', 0.4375);
  num('to_float_implicit', -3.25);
  num('aggregate_init', dq(-2.3, fx(8, 4)));
  num('negate_assign', -2.5);
  // Section 5: raws aligned to F = max(F1, F2), each extended by its own signedness, combined,
  // read in <I + F, I, S1 || S2> with I = max(I1 + (S2 && !S1), I2 + (S1 && !S2)).
  const xa = quantizeDouble(-1.25, fx(8, 4)), xb = quantizeDouble(2.75, fixedType(6, 2, false));
  num('fx_and', Number(BigInt.asIntN(8, xa & xb)) / 16);
  num('fx_and_width', 4 + 4);
  num('fx_or_int', Number(BigInt.asIntN(36, xa | (1n << 4n))) / 16); // 1 is <32,32,signed>
  num('fx_or_int_width', 32 + 4);
  num('fx_xor_apuint', Number(BigInt.asIntN(9, xa ^ (5n << 4n))) / 16); // ap_uint<4>: I = 4 + 1
  num('concat_read', 0xa5);
  num('concat_write_hi', 0x3);
  num('concat_write_lo', 0xc);
  // <8,4>(-0.5) has raw -8, 8-bit pattern 0xF8; then 0xC below it.
  num('concat_fixed_bits', Number((BigInt.asUintN(8, quantizeDouble(-0.5, fx(8, 4))) << 4n) | 0xcn));
  num('concat3_write', 0xabc);
  num('concat_temporaries', 0x12);
  // An enum operand is an int: <32,32,signed> (section 1).
  num('enum_mul', 3.75);
  num('enum_shift', 0.3125); // raw 20 >> 2 = 5, F = 4
  num('enum_cmp', true);
  num('enum_compound', 4.25);
  num('enum_range_write', 3);
  num('enum_apint_add', 8);
  num('relu_neg', 0);
  num('relu_pos', 2.25);
  num('relu_int', 0);
  // Dense: weights <12,4> and inputs <8,4> quantized from doubles (TRN), products quantized into
  // accum_t = <8,3,RND,SAT> (a stored typed variable), then acc = accum_t(acc + prod) each step.
  const wT = fx(12, 4), xT = fx(8, 4), accT = fx(8, 3, 'AP_RND', 'AP_SAT');
  const wv = [1.5, 2.0, -0.3, 0.7], xv = [1.5, 1.0, 2.3, -1.1];
  let acc = 0n;
  for (let i = 0; i < 4; i++) {
    // The exact product has F = 8 + 4; it is quantized once into accum_t.
    const prod = castRaw(quantizeDouble(wv[i]!, wT) * quantizeDouble(xv[i]!, xT), fx(20, 8), accT);
    acc = castRaw(acc + prod, accT, accT); // same F: the sum is exact, then RND/SAT into accum_t
    num(`dense_step_${i}`, rawToDouble(acc, accT));
  }
  num('dense_result', rawToDouble(acc, accT));
  // Conversions: s = <12,4>(v) (TRN, WRAP), then one conversion into the destination.
  const src = fx(12, 4);
  const vals = [3.99, -4.01, 2.5625, -2.4375, 7.5, -7.9, 0.0625, -0.0625];
  const dsts: [string, FixedType][] = [
    ['rnd_sat', fx(6, 3, 'AP_RND', 'AP_SAT')],
    ['conv_wrap', fx(6, 3, 'AP_RND_CONV', 'AP_WRAP')],
    ['trn_satsym', fx(6, 3, 'AP_TRN', 'AP_SAT_SYM')],
    ['rndz_satz', fx(6, 3, 'AP_RND_ZERO', 'AP_SAT_ZERO')],
    ['u_rndinf_sat', fixedType(6, 2, false, 'AP_RND_INF', 'AP_SAT')],
    ['trnz_wrap2', fx(6, 3, 'AP_TRN_ZERO', 'AP_WRAP', 2)],
    ['rndmin_wrapsm', fx(6, 3, 'AP_RND_MIN_INF', 'AP_WRAP_SM')],
  ];
  for (const [tag, d] of dsts)
    vals.forEach((v, k) => num(`conv_${tag}_${k}`, rawToDouble(castRaw(quantizeDouble(v, src), src, d), d)));
  // Stream output: the exact decimal value (section 2: <16,6>(0.1) is 102/1024 = 0.099609375,
  // <32,2>(1e-5) is 10737/2^30 = 9.9996104836...e-6, <16,6>(3.14159) is 3.140625), cut to the
  // stream's precision as the vendor operator<< does: 6 significant digits rounded half up, values
  // that fit printed as they are (1000000 too), long pure fractions in e-notation; then padded to
  // the stream's width.
  e.set('to_string_10', '-3.25|0.0625');
  e.set('cout', '[-3.25 -5 2.5 0.0996094 9.99961e-06 1000000 0 3.14    1.5]');
  num('stream_first', 1.25);
  num('stream_second', -2.5);
  num('stream_empty', true);
  num('stream_struct', 0.75 - 1.0625);
  return e;
}

describe.skipIf(!hasGxx)('ap_types header: common C++ idioms (g++ -std=c++11 -Wall -Werror)', () => {
  it('compile and give the SEMANTICS.md values', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastml-idioms-'));
    const src = path.join(dir, 'idioms.cpp');
    const exe = path.join(dir, 'idioms');
    fs.writeFileSync(src, PROGRAM);
    const inc = path.join(projectRoot, 'templates/ap_types');
    const cc = spawnSync('g++', ['-std=c++11', '-O1', '-Wall', '-Werror', '-I', inc, src, '-o', exe], { encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    const run = spawnSync(exe, [], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const got = new Map<string, string>();
    for (const line of run.stdout.trim().split('\n')) {
      const sp = line.indexOf(' ');
      got.set(line.slice(0, sp), line.slice(sp + 1));
    }
    const want = expected();
    const bad: string[] = [];
    for (const [k, v] of want) {
      const g = got.get(k);
      const same = g !== undefined && (g === v || (!k.startsWith('cout') && !k.startsWith('to_string') && Number(g) === Number(v)));
      if (!same) bad.push(`${k}: header ${g ?? '(missing)'}, SEMANTICS ${v}`);
    }
    for (const k of got.keys()) if (!want.has(k)) bad.push(`${k}: printed but not checked`);
    console.log(`ap_types idioms: ${want.size - bad.length} of ${want.size} checks agree`);
    expect(bad).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
