/*
 * @fileoverview The worked examples of SEMANTICS.md, compiled against fastml's ap_types header with
 * only the public (vendor-compatible) API: rounding table, overflow modes, double specials, result
 * types, the division quirk, comparisons, shifts, to_int/to_double/to_float, ap_int(double),
 * compound assignment, range() and stream output. Prints "<n> checks, <m> failed".
 */
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>

#include "ap_fixed.h"
#include "ap_int.h"

static int checks = 0, failed = 0;
#define CHECK(cond)                                                 \
  do {                                                              \
    ++checks;                                                       \
    if (!(cond)) {                                                  \
      ++failed;                                                     \
      std::printf("FAIL line %d: %s\n", __LINE__, #cond);           \
    }                                                               \
  } while (0)

template <class T>
static double val(double x) {
  T v = x;
  return v.to_double();
}

template <ap_q_mode Q>
static void row(const double (&out)[4]) {
  const double in[4] = {2.5, 3.5, -2.5, -3.5};
  for (int k = 0; k < 4; ++k) CHECK((val<ap_fixed<8, 8, Q> >(in[k]) == out[k]));
}

static double from_bits(unsigned long long b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}

int main() {
  // Rounding table, SEMANTICS.md section 2 (input 2.5, 3.5, -2.5, -3.5 into <8,8>).
  row<AP_RND>({3, 4, -2, -3});
  row<AP_RND_ZERO>({2, 3, -2, -3});
  row<AP_RND_MIN_INF>({2, 3, -3, -4});
  row<AP_RND_INF>({3, 4, -3, -4});
  row<AP_RND_CONV>({2, 4, -2, -4});
  row<AP_TRN>({2, 3, -3, -4});
  row<AP_TRN_ZERO>({2, 3, -2, -3});

  // Overflow.
  CHECK((val<ap_fixed<8, 4> >(-0.01) == -0.0625));
  CHECK((val<ap_fixed<8, 4, AP_RND, AP_SAT> >(7.97) == 7.9375));
  CHECK((val<ap_fixed<8, 4, AP_RND, AP_WRAP> >(7.97) == -8));
  CHECK((val<ap_fixed<4, 2, AP_TRN, AP_SAT_SYM> >(-2.0) == -1.75));
  CHECK((val<ap_fixed<6, 6, AP_TRN, AP_WRAP, 2> >(40) == 24));
  CHECK((val<ap_fixed<6, 6, AP_TRN, AP_WRAP, 2> >(-40) == -24));
  CHECK((val<ap_ufixed<4, 4, AP_TRN, AP_WRAP, 1> >(-10) == 14));
  CHECK((val<ap_fixed<4, 4, AP_TRN, AP_WRAP_SM> >(9) == 6));
  CHECK((val<ap_fixed<4, 4, AP_TRN, AP_WRAP_SM> >(12) == 3));
  CHECK((val<ap_fixed<4, 4, AP_TRN, AP_WRAP_SM> >(17) == -2));
  CHECK((val<ap_fixed<4, 4, AP_TRN, AP_WRAP_SM> >(-9) == -8));
  CHECK((val<ap_fixed<4, 4, AP_RND, AP_WRAP_SM> >(15.5) == 0));
  CHECK((val<ap_fixed<4, 4, AP_TRN, AP_WRAP_SM, 1> >(9) == 6));

  // Double specials, section 3.
  const double inf = std::numeric_limits<double>::infinity();
  CHECK((val<ap_fixed<8, 4> >(-0.0) == 0));
  CHECK((val<ap_fixed<8, 4> >(-5e-324) == -0.0625));
  CHECK((val<ap_fixed<8, 4> >(inf) == 0));
  CHECK((val<ap_fixed<8, 4, AP_TRN, AP_SAT> >(inf) == 7.9375));
  CHECK((val<ap_fixed<8, 4, AP_TRN, AP_SAT> >(-inf) == -8));
  CHECK((val<ap_fixed<8, 4, AP_TRN, AP_WRAP, 2> >(inf) == 4));
  CHECK((val<ap_fixed<8, 4, AP_TRN, AP_SAT> >(from_bits(0xfff8000000000000ULL)) == -8));
  CHECK((val<ap_fixed<8, 4, AP_TRN, AP_SAT> >(from_bits(0x7ff8000000000000ULL)) == 7.9375));

  // Result types, section 5.
  ap_fixed<8, 4> a8 = 1.5;
  ap_ufixed<6, 2> u6 = 0.75;
  CHECK((decltype(a8 * u6)::width == 14 && decltype(a8 * u6)::iwidth == 6 && decltype(a8 * u6)::sign_flag));
  CHECK((decltype(a8 + u6)::width == 9 && decltype(a8 + u6)::iwidth == 5));
  CHECK((decltype(a8 / u6)::width == 12 && decltype(a8 / u6)::iwidth == 8));
  CHECK((decltype(u6 - u6)::sign_flag && decltype(u6 - u6)::width == 7));
  CHECK((decltype(a8 + 2)::width == 37 && decltype(a8 + 2)::iwidth == 33));
  CHECK((decltype(a8 * 3u)::width == 40 && decltype(a8 * 3u)::iwidth == 36));
  CHECK((decltype(a8 / 3)::width == 9 && decltype(a8 / 3)::iwidth == 5));
  CHECK((decltype(-a8)::width == 9 && decltype(-a8)::iwidth == 5));
  CHECK(((a8 * u6).to_double() == 1.125 && (a8 + u6).to_double() == 2.25 && (u6 - a8).to_double() == -0.75));

  // Division truncates toward zero; MIN / -1 LSB wraps inside the divider.
  ap_fixed<8, 4> m75 = -7.0 / 16;
  ap_fixed<8, 4> two16 = 2.0 / 16;
  CHECK(((m75 / two16).to_double() == -3.5));
  ap_fixed<5, 2> mn = -2;
  ap_fixed<1, -3> lsb = -0.0625;
  CHECK(((mn / lsb).to_double() == -32));
  CHECK((decltype(mn / lsb)::width == 10 && decltype(mn / lsb)::iwidth == 7));

  // Comparisons, section 6.
  CHECK(!(ap_fixed<40, 40>(-1) < ap_ufixed<40, 40>(1)));
  CHECK((ap_fixed<8, 8>(-1) < ap_ufixed<8, 8>(1)));
  CHECK((ap_fixed<8, 8>(-1) == ap_ufixed<40, 40>(1099511627775.0)));
  CHECK(!(ap_fixed<8, 8>(-1) < 1u));
  CHECK((ap_fixed<8, 8>(-1) < 1));
  CHECK((ap_fixed<64, 64>(9007199254740993ULL) == 9007199254740992.0));
  CHECK((a8 > 0 && a8 >= 1.5 && a8 != 1 && !(a8 < 0.0f)));

  // Shifts keep the type: wrap, no rounding or saturation.
  ap_fixed<8, 4, AP_RND, AP_SAT> s = 6.25;  // raw 100
  CHECK(((s << 1).to_double() == -3.5));     // raw 200 -> -56
  CHECK(((s >> 3).to_double() == 0.75));     // raw 12
  CHECK(((s << 9).to_double() == 0));
  CHECK(((ap_fixed<8, 4>(-0.3125) >> 20).to_double() == -0.0625));
  CHECK(((s << -1).to_double() == 3.125));

  // Conversions, section 8.
  CHECK((ap_fixed<8, 4>(-7.5).to_int() == -7));
  CHECK(((int)ap_fixed<8, 4>(-7.5) == -7));
  CHECK((ap_fixed<8, 0>(-0.25).to_int() == -1));
  CHECK((ap_fixed<64, 64>(9007199254740993ULL).to_double() == 9007199254740992.0));
  CHECK((ap_fixed<64, 64>(9007199254740995ULL).to_double() == 9007199254740996.0));
  CHECK((ap_int<32>(16777217).to_float() == 16777216.0f));
  CHECK((ap_int<32>(16777219).to_float() == 16777220.0f));
  double d = ap_fixed<8, 4>(-1.25);
  CHECK(d == -1.25);

  // ap_int(double), section 9.
  CHECK((ap_int<8>(300.7).to_int() == 44));
  CHECK((ap_int<8>(-0.3).to_int() == 1));
  CHECK((ap_uint<8>(-0.3).to_int() == 1));
  CHECK((ap_int<8>(std::nan("")).to_int() == 0));
  CHECK((ap_uint<8>(-3.7).to_int() == 253));

  // Compound assignment: one quantization with the left operand's Q/O.
  ap_fixed<6, 3, AP_RND, AP_SAT> m = 1.125;
  m *= ap_fixed<6, 3>(0.875);
  CHECK(m.to_double() == 1.0);
  ap_fixed<8, 4, AP_TRN, AP_SAT> acc = 7;
  acc += ap_fixed<8, 4>(2);
  CHECK(acc.to_double() == 7.9375);

  // range(), bit reads, ap_uint indexing, stream output.
  ap_fixed<8, 4> neg = -1.5;  // raw -24, pattern 0xE8
  CHECK((neg.range(7, 0).to_uint64() == 232));
  CHECK((neg.range(7, 4).to_uint64() == 14));
  CHECK((neg[3] && !neg[0]));
  ap_uint<4> idx = neg.range(3, 0);
  int table[16] = {0};
  table[idx] = 5;
  CHECK(table[8] == 5);
  std::ostringstream os;
  os << neg << " " << ap_ufixed<8, 0>(0.0625) << " " << ap_int<8>(-3);
  CHECK(os.str() == "-1.5 0.0625 -3");

  std::printf("%d checks, %d failed\n", checks, failed);
  return failed ? 1 : 0;
}
