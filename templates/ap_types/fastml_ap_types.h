/*
 * @fileoverview fastml's clean-room ap_types, part 2: the user-facing templates ap_fixed, ap_ufixed,
 * ap_int, ap_uint (and their bases ap_fixed_base<W,I,S,Q,O,N>, ap_int_base<W,S>) with the public
 * API of the Xilinx headers that generated code uses: construction and assignment with quantization
 * and overflow, + - * / with the widened result types, compound assignment, comparisons (with C's
 * mixed-signedness quirks), shifts, unary minus, conversions to double/float/int, assignable
 * range() and bit proxies (fastml_ap_ref.h), and stream output cut to the stream's precision
 * (fastml_ap_text.h). Semantics: ../shared/golden/ap_fixed/SEMANTICS.md; the golden vectors are run
 * through this header by test/unit/fixed/cpp-golden.test.ts.
 *
 * Include it through "ap_fixed.h" or "ap_int.h". The raw value is a private detail (`fx_v`): code
 * that must also build with the vendor headers may not touch it. Needs g++/clang (unsigned __int128).
 */
#ifndef FASTML_AP_TYPES_H_
#define FASTML_AP_TYPES_H_

#include <ostream>
#include <string>
#include <type_traits>

#include "fastml_ap_core.h"
#include "fastml_ap_text.h"

enum ap_q_mode { AP_RND, AP_RND_ZERO, AP_RND_MIN_INF, AP_RND_INF, AP_RND_CONV, AP_TRN, AP_TRN_ZERO };
enum ap_o_mode { AP_SAT, AP_SAT_ZERO, AP_SAT_SYM, AP_WRAP, AP_WRAP_SM };

template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
struct ap_fixed_base;
template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
struct ap_fixed;
template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
struct ap_ufixed;
template <int W, bool S>
struct ap_int_base;
template <int W>
struct ap_int;
template <int W>
struct ap_uint;
template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
struct af_bit_ref;
template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
struct af_range_ref;
template <int WL, class L, int WR, class R>
struct ap_concat_ref;

namespace fastml_ap {

constexpr int cmax(int a, int b) { return a > b ? a : b; }
constexpr int cmin(int a, int b) { return a < b ? a : b; }

/** ap_fixed / ap_ufixed with the given parameters (the header's result types use default modes). */
template <int W, int I, bool S, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
struct fx_type {
  typedef ap_fixed<W, I, Q, O, N> type;
};
template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
struct fx_type<W, I, false, Q, O, N> {
  typedef ap_ufixed<W, I, Q, O, N> type;
};
template <int W, bool S>
struct int_type {
  typedef ap_int<W> type;
};
template <int W>
struct int_type<W, false> {
  typedef ap_uint<W> type;
};
/** The C type an ap_int<W> / ap_uint<W> converts to implicitly. */
template <int W, bool S>
struct int_ret {
  typedef typename std::conditional<(W > 32), long long, int>::type type;
};
template <int W>
struct int_ret<W, false> {
  typedef typename std::conditional<(W > 32), unsigned long long, unsigned int>::type type;
};

/** C integer types as the header sees them: <bits, bits, signed> (SEMANTICS.md section 1). */
template <typename T, typename Enable = void>
struct c_int;
#define FASTML_AP_CINT(T, B, SG) \
  template <>                    \
  struct c_int<T> {              \
    static const int bits = B;   \
    static const bool sgn = SG;  \
  };
FASTML_AP_CINT(bool, 1, false)
FASTML_AP_CINT(char, 8, (char)-1 < 0)
FASTML_AP_CINT(signed char, 8, true)
FASTML_AP_CINT(unsigned char, 8, false)
FASTML_AP_CINT(short, 16, true)
FASTML_AP_CINT(unsigned short, 16, false)
FASTML_AP_CINT(int, 32, true)
FASTML_AP_CINT(unsigned int, 32, false)
FASTML_AP_CINT(long, (int)(8 * sizeof(long)), true)
FASTML_AP_CINT(unsigned long, (int)(8 * sizeof(long)), false)
FASTML_AP_CINT(long long, 64, true)
FASTML_AP_CINT(unsigned long long, 64, false)
#undef FASTML_AP_CINT
/** An unscoped enum constant (`enum { N = 4 }` in configs) promotes to int, as in C. */
template <typename T>
struct c_int<T, typename std::enable_if<std::is_enum<T>::value>::type> : c_int<int> {};
/** The operand types the integer overloads accept: C integers and enums. */
template <typename T>
struct is_cint {
  static const bool value = std::is_integral<T>::value || std::is_enum<T>::value;
};

template <typename T>
inline fx_wide w_from_c(T v) {
  return c_int<T>::sgn ? w_from_i64((i64)v) : w_from_u64((u64)v);
}

/** A shift count as an int, clamped far beyond any width (so huge or negative counts stay sane). */
template <typename T>
inline int shift_count(T n) {
  const long long lim = 1 << 20;
  if (!std::is_signed<T>::value && !std::is_enum<T>::value) return (unsigned long long)n > (unsigned long long)lim ? (int)lim : (int)n;
  const long long v = (long long)n;
  return v > lim ? (int)lim : v < -lim ? (int)-lim : (int)v;
}
inline int shift_count_wide(const fx_wide &n) {
  if (!w_fits_i64(n)) return w_neg_p(n) ? -(1 << 20) : (1 << 20);
  return shift_count((long long)n.l[0]);
}
}  // namespace fastml_ap

#define FASTML_FXP int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N
#define FASTML_FXA W, I, S, Q, O, N
#define FASTML_FXP2 int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2
#define FASTML_FXA2 W2, I2, S2, Q2, O2, N2

template <FASTML_FXP>
struct ap_fixed_base {
  static_assert(W >= 1 && W <= 240, "fastml ap_types: widths 1..240 are supported");
  static const int width = W;
  static const int iwidth = I;
  static const bool sign_flag = S;
  static const ap_q_mode qmode = Q;
  static const ap_o_mode omode = O;

  /**
   * The raw integer R (value R * 2^(I-W)), held in the smallest signed integer of at least W + 1
   * bits (fastml_ap::fx_store): 8 bytes for ap_fixed<16,6>, not 32, so large arrays of values
   * (a 256x256x64 feature map in C simulation) fit without -mcmodel. Private to fastml.
   */
  fastml_ap::fx_store<W> fx_v;

  ap_fixed_base() : fx_v(fastml_ap::w_zero()) {}
  template <FASTML_FXP2>
  ap_fixed_base(const ap_fixed_base<FASTML_FXA2> &o) : fx_v(fastml_ap::fx_convert(o.fx_v, I2 - W2, W, I, S, Q, O, N)) {}
  ap_fixed_base(double d) { fx_set_double(d); }
  ap_fixed_base(float f) { fx_set_double((double)f); }
#define FASTML_AP_CTOR(T) \
  ap_fixed_base(T v) : fx_v(fastml_ap::fx_convert(fastml_ap::w_from_c<T>(v), 0, W, I, S, Q, O, N)) {}
  FASTML_AP_CTOR(bool)
  FASTML_AP_CTOR(char)
  FASTML_AP_CTOR(signed char)
  FASTML_AP_CTOR(unsigned char)
  FASTML_AP_CTOR(short)
  FASTML_AP_CTOR(unsigned short)
  FASTML_AP_CTOR(int)
  FASTML_AP_CTOR(unsigned int)
  FASTML_AP_CTOR(long)
  FASTML_AP_CTOR(unsigned long)
  FASTML_AP_CTOR(long long)
  FASTML_AP_CTOR(unsigned long long)
#undef FASTML_AP_CTOR

  void fx_set_double(double d) {
    fastml_ap::fx_wide n;
    int e;
    fastml_ap::fx_decode_double(d, n, e);
    fx_v = fastml_ap::fx_convert(n, e, W, I, S, Q, O, N);
  }

  double to_double() const { return fastml_ap::fx_to_double(fx_v, W - I); }
  float to_float() const { return fastml_ap::fx_to_float(fx_v, W - I); }
  int to_int() const { return (int)fastml_ap::fx_trunc_int(fx_v, W - I, I).l[0]; }
  unsigned to_uint() const { return (unsigned)fastml_ap::fx_trunc_int(fx_v, W - I, I).l[0]; }
  long to_long() const { return (long)fastml_ap::fx_trunc_int(fx_v, W - I, I).l[0]; }
  unsigned long to_ulong() const { return (unsigned long)fastml_ap::fx_trunc_int(fx_v, W - I, I).l[0]; }
  long long to_int64() const { return (long long)fastml_ap::fx_trunc_int(fx_v, W - I, I).l[0]; }
  unsigned long long to_uint64() const { return (unsigned long long)fastml_ap::fx_trunc_int(fx_v, W - I, I).l[0]; }
  bool to_bool() const { return !fastml_ap::w_zero_p(fx_v); }
  /**
   * Exact decimal text ("-3.25"). The vendor's no-argument to_string() defaults to radix 2; fastml's
   * gives decimal. to_string(10) is the same on both; other radices also give decimal here.
   */
  std::string to_string() const { return fastml_ap::fx_to_decimal(fx_v, W - I); }
  std::string to_string(int radix, bool sign = S) const {
    (void)radix;
    (void)sign;
    return to_string();
  }
  int wl() const { return W; }
  int iwl() const { return I; }
  ap_q_mode q_mode() const { return Q; }
  ap_o_mode o_mode() const { return O; }
  int n_bits() const { return N; }
  bool is_neg() const { return S && fastml_ap::w_neg_p(fx_v); }
  int length() const { return W; }

  /** The value of a slice x.range(hi, lo): an unsigned integer (vendor semantics). */
  template <FASTML_FXP2>
  ap_fixed_base(const af_range_ref<FASTML_FXA2> &r) : fx_v(fastml_ap::fx_convert(r.fx_bits(), 0, W, I, S, Q, O, N)) {}
  template <FASTML_FXP2>
  ap_fixed_base(const af_bit_ref<FASTML_FXA2> &b)
      : fx_v(fastml_ap::fx_convert(fastml_ap::w_from_u64(b.get() ? 1 : 0), 0, W, I, S, Q, O, N)) {}

  // ---- bit access: x[i] and x.range(hi, lo) are assignable proxies (fastml_ap_ref.h) ----
  af_bit_ref<FASTML_FXA> operator[](int i) const;
  af_bit_ref<FASTML_FXA> bit(int i) const;
  af_range_ref<FASTML_FXA> range(int hi, int lo) const;
  af_range_ref<FASTML_FXA> range() const;
  af_range_ref<FASTML_FXA> operator()(int hi, int lo) const;
  /** Bit i of the W-bit pattern (false outside 0..W-1). */
  bool get_bit(int i) const { return i >= 0 && i < W && fastml_ap::w_bit(fx_v, i) != 0; }
  /** Writes bit i of the W-bit pattern (ignored outside 0..W-1); the value stays canonical. */
  void set_bit(int i, bool v) {
    if (i < 0 || i >= W) return;
    fx_v = fastml_ap::w_trunc(fastml_ap::w_setbit(fastml_ap::w_trunc(fx_v, W, false), i, v ? 1 : 0), W, S);
  }
  void set(int i) { set_bit(i, true); }
  void clear(int i) { set_bit(i, false); }
  void invert(int i) { set_bit(i, !get_bit(i)); }
  /** The W-bit pattern as an unsigned integer (for the reductions). */
  fastml_ap::fx_wide fx_pattern() const { return fastml_ap::w_trunc(fx_v, W, false); }
  bool iszero() const { return fastml_ap::w_zero_p(fx_v); }
  bool is_zero() const { return iszero(); }
  bool sign() const { return is_neg(); }
  bool and_reduce() const { return fastml_ap::w_eq(fx_pattern(), fastml_ap::raw_hi(W, false)); }
  bool nand_reduce() const { return !and_reduce(); }
  bool or_reduce() const { return !iszero(); }
  bool nor_reduce() const { return iszero(); }
  bool xor_reduce() const { return (fastml_ap::w_popcount(fx_pattern()) & 1) != 0; }
  bool xnor_reduce() const { return !xor_reduce(); }
  /** Leading zero bits of the W-bit pattern (W for zero). */
  int countLeadingZeros() const {
    int n = 0;
    for (int i = W - 1; i >= 0 && !fastml_ap::w_bit(fx_v, i); --i) ++n;
    return n;
  }
  /** Reverses the W-bit pattern in place. */
  ap_fixed_base &reverse() {
    fastml_ap::fx_wide r = fastml_ap::w_zero();
    for (int i = 0; i < W; ++i)
      if (fastml_ap::w_bit(fx_v, i)) r = fastml_ap::w_setbit(r, W - 1 - i, 1);
    fx_v = fastml_ap::w_trunc(r, W, S);
    return *this;
  }

  /**
   * Same type, raw shifted and wrapped; no rounding or saturation (negative n reverses). The count
   * may be any C integer or ap_int: one template per kind, so `x >> 2u` or `x << ap_uint<3>(1)`
   * do not fall into the built-in shifts through x's implicit conversions (ambiguous otherwise).
   */
#define FASTML_AP_COMMA ,
#define FASTML_AP_SHIFTS(SELF, RET)                                                                         \
  template <typename T>                                                                                     \
  typename std::enable_if<fastml_ap::is_cint<T>::value, RET>::type operator<<(T n) const {                    \
    RET r;                                                                                                  \
    r.fx_v = this->fx_shifted(fastml_ap::shift_count(n));                                                   \
    return r;                                                                                               \
  }                                                                                                         \
  template <typename T>                                                                                     \
  typename std::enable_if<fastml_ap::is_cint<T>::value, RET>::type operator>>(T n) const {                    \
    RET r;                                                                                                  \
    r.fx_v = this->fx_shifted(-fastml_ap::shift_count(n));                                                  \
    return r;                                                                                               \
  }                                                                                                         \
  template <int W2, bool S2>                                                                                \
  RET operator<<(const ap_int_base<W2, S2> &n) const {                                                      \
    return *this << fastml_ap::shift_count_wide(n.fx_v);                                                    \
  }                                                                                                         \
  template <int W2, bool S2>                                                                                \
  RET operator>>(const ap_int_base<W2, S2> &n) const {                                                      \
    return *this >> fastml_ap::shift_count_wide(n.fx_v);                                                    \
  }                                                                                                         \
  template <typename T>                                                                                     \
  typename std::enable_if<fastml_ap::is_cint<T>::value, SELF &>::type operator<<=(T n) {                      \
    this->fx_v = this->fx_shifted(fastml_ap::shift_count(n));                                               \
    return *this;                                                                                           \
  }                                                                                                         \
  template <typename T>                                                                                     \
  typename std::enable_if<fastml_ap::is_cint<T>::value, SELF &>::type operator>>=(T n) {                      \
    this->fx_v = this->fx_shifted(-fastml_ap::shift_count(n));                                              \
    return *this;                                                                                           \
  }                                                                                                         \
  template <int W2, bool S2>                                                                                \
  SELF &operator<<=(const ap_int_base<W2, S2> &n) {                                                         \
    return *this <<= fastml_ap::shift_count_wide(n.fx_v);                                                   \
  }                                                                                                         \
  template <int W2, bool S2>                                                                                \
  SELF &operator>>=(const ap_int_base<W2, S2> &n) {                                                         \
    return *this >>= fastml_ap::shift_count_wide(n.fx_v);                                                   \
  }
  FASTML_AP_SHIFTS(ap_fixed_base, typename fastml_ap::fx_type<FASTML_FXA>::type)
  fastml_ap::fx_wide fx_shifted(int n) const {
    if (n >= 0) return n >= W ? fastml_ap::w_zero() : fastml_ap::w_trunc(fastml_ap::w_shl(fx_v, n), W, S);
    return fastml_ap::w_sar(fx_v, -n > W ? W : -n);
  }

  typename fastml_ap::fx_type<W + 1, I + 1, true>::type operator-() const {
    typename fastml_ap::fx_type<W + 1, I + 1, true>::type r;
    r.fx_v = fastml_ap::w_neg(fx_v);
    return r;
  }
  const ap_fixed_base &operator+() const { return *this; }
  /** ~a: same type, ~R. */
  typename fastml_ap::fx_type<W, I, S>::type operator~() const {
    typename fastml_ap::fx_type<W, I, S>::type r;
    r.fx_v = fastml_ap::w_trunc(fastml_ap::w_not(fx_v), W, S);
    return r;
  }
  bool operator!() const { return fastml_ap::w_zero_p(fx_v); }
};

/** Every C integer and every ap type, as an ap_fixed_base operand (for compound assignment). */
namespace fastml_ap {
template <FASTML_FXP>
inline const ap_fixed_base<FASTML_FXA> &as_fx(const ap_fixed_base<FASTML_FXA> &x) {
  return x;
}
#define FASTML_AP_ASFX(T)                                                                      \
  inline ap_fixed_base<c_int<T>::bits, c_int<T>::bits, c_int<T>::sgn, AP_TRN, AP_WRAP, 0> as_fx(T v) { \
    return ap_fixed_base<c_int<T>::bits, c_int<T>::bits, c_int<T>::sgn, AP_TRN, AP_WRAP, 0>(v);       \
  }
FASTML_AP_ASFX(bool)
FASTML_AP_ASFX(char)
FASTML_AP_ASFX(signed char)
FASTML_AP_ASFX(unsigned char)
FASTML_AP_ASFX(short)
FASTML_AP_ASFX(unsigned short)
FASTML_AP_ASFX(int)
FASTML_AP_ASFX(unsigned int)
FASTML_AP_ASFX(long)
FASTML_AP_ASFX(unsigned long)
FASTML_AP_ASFX(long long)
FASTML_AP_ASFX(unsigned long long)
#undef FASTML_AP_ASFX
}  // namespace fastml_ap

namespace fastml_ap {
/** Result types of fixed (+) fixed, SEMANTICS.md section 5 (default Q/O). */
template <int W1, int I1, bool S1, int W2, int I2, bool S2>
struct fops {
  static const int ai = cmax(I1 + (S2 && !S1), I2 + (S1 && !S2)) + 1;
  static const int aw = ai + cmax(W1 - I1, W2 - I2);
  typedef typename fx_type<W1 + W2, I1 + I2, S1 || S2>::type mul;
  typedef typename fx_type<aw, ai, S1 || S2>::type add;
  typedef typename fx_type<aw, ai, true>::type sub;
  typedef typename fx_type<(S2 ? 1 : 0) + W1 + cmax(W2 - I2, 0), (S2 ? 1 : 0) + I1 + (W2 - I2), S1 || S2>::type div;
  static const int bi = cmax(I1 + (S2 && !S1), I2 + (S1 && !S2));
  typedef typename fx_type<bi + cmax(W1 - I1, W2 - I2), bi, S1 || S2>::type bit;
  typedef bool cmp;
};
}  // namespace fastml_ap

// ---- arithmetic between fixed values: exact, in the header's widened result types ----------------

template <FASTML_FXP, FASTML_FXP2>
inline typename fastml_ap::fx_type<W + W2, I + I2, S || S2>::type operator*(const ap_fixed_base<FASTML_FXA> &a,
                                                                            const ap_fixed_base<FASTML_FXA2> &b) {
  typename fastml_ap::fx_type<W + W2, I + I2, S || S2>::type r;
  r.fx_v = fastml_ap::w_mul(a.fx_v, b.fx_v);
  return r;
}

namespace fastml_ap {
/** Integer bits of a + b / a - b. */
constexpr int add_i(int I1, bool S1, int I2, bool S2) { return cmax(I1 + (S2 && !S1), I2 + (S1 && !S2)) + 1; }
constexpr int add_w(int W1, int I1, bool S1, int W2, int I2, bool S2) {
  return add_i(I1, S1, I2, S2) + cmax(W1 - I1, W2 - I2);
}
/** Both raws aligned to F = max(F1, F2), then added or subtracted. */
inline fx_wide add_aligned(const fx_wide &a, int F1, const fx_wide &b, int F2, bool sub) {
  const int F = cmax(F1, F2);
  fx_wide x = w_shl(a, F - F1), y = w_shl(b, F - F2);
  return sub ? w_sub(x, y) : w_add(x, y);
}
}  // namespace fastml_ap

#define FASTML_ADD_T(SG) \
  typename fastml_ap::fx_type<fastml_ap::add_w(W, I, S, W2, I2, S2), fastml_ap::add_i(I, S, I2, S2), SG>::type
template <FASTML_FXP, FASTML_FXP2>
inline FASTML_ADD_T(S || S2) operator+(const ap_fixed_base<FASTML_FXA> &a, const ap_fixed_base<FASTML_FXA2> &b) {
  FASTML_ADD_T(S || S2) r;
  r.fx_v = fastml_ap::add_aligned(a.fx_v, W - I, b.fx_v, W2 - I2, false);
  return r;
}
template <FASTML_FXP, FASTML_FXP2>
inline FASTML_ADD_T(true) operator-(const ap_fixed_base<FASTML_FXA> &a, const ap_fixed_base<FASTML_FXA2> &b) {
  FASTML_ADD_T(true) r;
  r.fx_v = fastml_ap::add_aligned(a.fx_v, W - I, b.fx_v, W2 - I2, true);
  return r;
}
#undef FASTML_ADD_T

#define FASTML_DIV_T \
  typename fastml_ap::fx_type<(S2 ? 1 : 0) + W + fastml_ap::cmax(W2 - I2, 0), (S2 ? 1 : 0) + I + (W2 - I2), S || S2>::type
template <FASTML_FXP, FASTML_FXP2>
inline FASTML_DIV_T operator/(const ap_fixed_base<FASTML_FXA> &a, const ap_fixed_base<FASTML_FXA2> &b) {
  FASTML_DIV_T r;
  r.fx_v = fastml_ap::fx_divide(a.fx_v, W, W - I, S, b.fx_v, W2, W2 - I2, S2);
  return r;
}
#undef FASTML_DIV_T

// Bitwise & | ^ (SEMANTICS.md section 5): both raws aligned to F = max(F1, F2), each extended by
// its own signedness, combined, and read in <I + F, I> with I = max(I1 + (S2 && !S1), I2 + (S1 && !S2)).
#define FASTML_AP_FX_BITOP(OP)                                                                          \
  template <FASTML_FXP, FASTML_FXP2>                                                                    \
  inline typename fastml_ap::fops<W, I, S, W2, I2, S2>::bit operator OP(const ap_fixed_base<FASTML_FXA> &a, \
                                                                        const ap_fixed_base<FASTML_FXA2> &b) { \
    typename fastml_ap::fops<W, I, S, W2, I2, S2>::bit r;                                               \
    const int F = fastml_ap::cmax(W - I, W2 - I2);                                                      \
    const fastml_ap::fx_wide x = fastml_ap::w_shl(a.fx_v, F - (W - I)), y = fastml_ap::w_shl(b.fx_v, F - (W2 - I2)); \
    fastml_ap::fx_wide t;                                                                               \
    for (int k = 0; k < 4; ++k) t.l[k] = x.l[k] OP y.l[k];                                              \
    r.fx_v = fastml_ap::w_trunc(t, fastml_ap::fops<W, I, S, W2, I2, S2>::bi + F, S || S2);              \
    return r;                                                                                           \
  }
FASTML_AP_FX_BITOP(&)
FASTML_AP_FX_BITOP(|)
FASTML_AP_FX_BITOP(^)
#undef FASTML_AP_FX_BITOP

// ---- comparisons ------------------------------------------------------------------------------

#define FASTML_AP_CMP(OP, CODE)                                                                     \
  template <FASTML_FXP, FASTML_FXP2>                                                                \
  inline bool operator OP(const ap_fixed_base<FASTML_FXA> &a, const ap_fixed_base<FASTML_FXA2> &b) { \
    return fastml_ap::fx_compare(CODE, a.fx_v, W, W - I, S, b.fx_v, W2, W2 - I2, S2);               \
  }                                                                                                 \
  template <FASTML_FXP>                                                                             \
  inline bool operator OP(const ap_fixed_base<FASTML_FXA> &a, double b) {                           \
    return a.to_double() OP b;                                                                      \
  }                                                                                                 \
  template <FASTML_FXP>                                                                             \
  inline bool operator OP(double a, const ap_fixed_base<FASTML_FXA> &b) {                           \
    return a OP b.to_double();                                                                      \
  }                                                                                                 \
  template <FASTML_FXP>                                                                             \
  inline bool operator OP(const ap_fixed_base<FASTML_FXA> &a, float b) {                            \
    return a.to_double() OP(double) b;                                                              \
  }                                                                                                 \
  template <FASTML_FXP>                                                                             \
  inline bool operator OP(float a, const ap_fixed_base<FASTML_FXA> &b) {                            \
    return (double)a OP b.to_double();                                                              \
  }
FASTML_AP_CMP(<, 0)
FASTML_AP_CMP(<=, 1)
FASTML_AP_CMP(>, 2)
FASTML_AP_CMP(>=, 3)
FASTML_AP_CMP(==, 4)
FASTML_AP_CMP(!=, 5)
#undef FASTML_AP_CMP

// ---- fixed with C integers: the integer becomes <bits, bits, signedness> ---------------------------

// One constrained template per operator and side (not one overload per C type): overload resolution
// dominates compile time for code with many distinct types.
#define FASTML_AP_INT_BIN(OP, R)                                                                           \
  template <FASTML_FXP, typename T>                                                                       \
  inline typename std::enable_if<fastml_ap::is_cint<T>::value,                                              \
                                 typename fastml_ap::fops<W, I, S, fastml_ap::c_int<T>::bits,             \
                                                          fastml_ap::c_int<T>::bits, fastml_ap::c_int<T>::sgn>::R>::type \
  operator OP(const ap_fixed_base<FASTML_FXA> &a, T b) {                                                  \
    return a OP fastml_ap::as_fx(b);                                                                      \
  }                                                                                                       \
  template <FASTML_FXP, typename T>                                                                       \
  inline typename std::enable_if<fastml_ap::is_cint<T>::value,                                              \
                                 typename fastml_ap::fops<fastml_ap::c_int<T>::bits, fastml_ap::c_int<T>::bits, \
                                                          fastml_ap::c_int<T>::sgn, W, I, S>::R>::type    \
  operator OP(T a, const ap_fixed_base<FASTML_FXA> &b) {                                                  \
    return fastml_ap::as_fx(a) OP b;                                                                      \
  }
FASTML_AP_INT_BIN(+, add)
FASTML_AP_INT_BIN(-, sub)
FASTML_AP_INT_BIN(*, mul)
FASTML_AP_INT_BIN(/, div)
FASTML_AP_INT_BIN(<, cmp)
FASTML_AP_INT_BIN(<=, cmp)
FASTML_AP_INT_BIN(>, cmp)
FASTML_AP_INT_BIN(>=, cmp)
FASTML_AP_INT_BIN(==, cmp)
FASTML_AP_INT_BIN(!=, cmp)
FASTML_AP_INT_BIN(&, bit)
FASTML_AP_INT_BIN(|, bit)
FASTML_AP_INT_BIN(^, bit)
#undef FASTML_AP_INT_BIN

// ---- compound assignment: a op= b is a = T_a(a op b), one quantization with a's Q/O/N ----------

#define FASTML_AP_COMPOUND(OP)                                                        \
  template <FASTML_FXP, typename B>                                                   \
  inline ap_fixed_base<FASTML_FXA> &operator OP##=(ap_fixed_base<FASTML_FXA> &a, const B &b) { \
    a = ap_fixed_base<FASTML_FXA>(a OP fastml_ap::as_fx(b));                          \
    return a;                                                                         \
  }
FASTML_AP_COMPOUND(+)
FASTML_AP_COMPOUND(-)
FASTML_AP_COMPOUND(*)
FASTML_AP_COMPOUND(/)
#undef FASTML_AP_COMPOUND

template <FASTML_FXP>
inline ap_fixed_base<FASTML_FXA> &operator++(ap_fixed_base<FASTML_FXA> &a) {
  return a += 1;
}
template <FASTML_FXP>
inline ap_fixed_base<FASTML_FXA> &operator--(ap_fixed_base<FASTML_FXA> &a) {
  return a -= 1;
}

/**
 * Stream output as the vendor header writes it: the exact decimal value cut to the stream's
 * precision (6 significant digits by default, see fx_reduce_precision), right-aligned in the
 * stream's width. Other format flags (fixed, scientific, showpos) are ignored, as there.
 */
template <FASTML_FXP>
inline std::ostream &operator<<(std::ostream &os, const ap_fixed_base<FASTML_FXA> &x) {
  const std::string s = fastml_ap::fx_reduce_precision(x.to_string(), (int)os.precision());
  const std::streamsize w = os.width();
  os.width(0);
  if (w > (std::streamsize)s.size()) os << std::string((std::size_t)(w - (std::streamsize)s.size()), os.fill());
  return os << s;
}

// ---- the public fixed-point classes -----------------------------------------------------------

/** Implicit conversions to every C arithmetic type, as the vendor ap_fixed has them. */
#define FASTML_AP_FIXED_CONVERSIONS                                          \
  operator double() const { return this->to_double(); }                     \
  operator float() const { return this->to_float(); }                       \
  operator bool() const { return this->to_bool(); }                         \
  operator char() const { return (char)this->to_int(); }                    \
  operator signed char() const { return (signed char)this->to_int(); }      \
  operator unsigned char() const { return (unsigned char)this->to_uint(); } \
  operator short() const { return (short)this->to_int(); }                  \
  operator unsigned short() const { return (unsigned short)this->to_uint(); } \
  operator int() const { return this->to_int(); }                           \
  operator unsigned int() const { return this->to_uint(); }                 \
  operator long() const { return this->to_long(); }                         \
  operator unsigned long() const { return this->to_ulong(); }               \
  operator long long() const { return this->to_int64(); }                   \
  operator unsigned long long() const { return this->to_uint64(); }

template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
struct ap_fixed : ap_fixed_base<W, I, true, Q, O, N> {
  typedef ap_fixed_base<W, I, true, Q, O, N> Base;
  using Base::Base;
  ap_fixed() {}
  ap_fixed(const Base &b) : Base(b) {}
  FASTML_AP_FIXED_CONVERSIONS
};

template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
struct ap_ufixed : ap_fixed_base<W, I, false, Q, O, N> {
  static_assert(O != AP_WRAP_SM, "ap_ufixed cannot use AP_WRAP_SM (the vendor header aborts at run time)");
  typedef ap_fixed_base<W, I, false, Q, O, N> Base;
  using Base::Base;
  ap_ufixed() {}
  ap_ufixed(const Base &b) : Base(b) {}
  FASTML_AP_FIXED_CONVERSIONS
};

#include "fastml_ap_int.h"

#include "fastml_ap_ref.h"

#endif  // FASTML_AP_TYPES_H_
