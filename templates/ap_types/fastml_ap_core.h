/*
 * @fileoverview fastml's clean-room ap_types, part 1: the exact integer machinery (no templates
 * but the storage selector fx_store).
 *
 * Written for fastml from the documented semantics (../shared/golden/ap_fixed/SEMANTICS.md), not
 * from any vendor source. Every value is computed on as a 256-bit two's-complement integer
 * (`fx_wide`), wide enough for declared types up to 64 bits and for every intermediate result of
 * `+ - * /` on them (128 bits) with room to spare; static_asserts in fastml_ap_types.h keep widths
 * <= 240. A value is stored in the smallest signed integer holding its width plus one bit
 * (`fx_store<W>`: 1, 2, 4, 8, 16 or 32 bytes), so arrays of narrow types take little memory.
 * All the rules (rounding, overflow, comparisons, division) are plain inline functions taking the
 * type parameters at run time, so each template instantiation stays a thin wrapper: that keeps
 * g++ compile times low for code with thousands of distinct types.
 */
#ifndef FASTML_AP_CORE_H_
#define FASTML_AP_CORE_H_

#include <cstring>
#include <string>

namespace fastml_ap {

typedef unsigned long long u64;
typedef long long i64;
__extension__ typedef unsigned __int128 u128;  // __extension__: quiet under -pedantic

// Mode numbering shared with the public enums in fastml_ap_types.h.
enum { Q_RND = 0, Q_RND_ZERO, Q_RND_MIN_INF, Q_RND_INF, Q_RND_CONV, Q_TRN, Q_TRN_ZERO };
enum { O_SAT = 0, O_SAT_ZERO, O_SAT_SYM, O_WRAP, O_WRAP_SM };

/** 256-bit two's-complement integer, little-endian 64-bit limbs. */
struct fx_wide {
  u64 l[4];
};

inline fx_wide w_zero() {
  fx_wide r;
  r.l[0] = r.l[1] = r.l[2] = r.l[3] = 0;
  return r;
}
inline fx_wide w_from_i64(i64 v) {
  fx_wide r;
  r.l[0] = (u64)v;
  r.l[1] = r.l[2] = r.l[3] = v < 0 ? ~0ULL : 0;
  return r;
}
inline fx_wide w_from_u64(u64 v) {
  fx_wide r = w_zero();
  r.l[0] = v;
  return r;
}
__extension__ typedef __int128 i128;
inline fx_wide w_from_i128(i128 v) {
  fx_wide r;
  r.l[0] = (u64)v;
  r.l[1] = (u64)((u128)v >> 64);
  r.l[2] = r.l[3] = v < 0 ? ~0ULL : 0;
  return r;
}
/**
 * Storage of a W-bit raw value: the smallest signed integer of at least W + 1 bits (so unsigned
 * W-bit values fit as well), converted to and from fx_wide, in which all arithmetic is done. The
 * values stored are always normalised to their type (sign- or zero-extended from W bits), so the
 * narrower storage loses nothing; widths of 128 bits and more keep the fx_wide itself.
 */
template <int K>
struct fx_store_int;
template <>
struct fx_store_int<1> {
  typedef signed char type;
};
template <>
struct fx_store_int<2> {
  typedef short type;
};
template <>
struct fx_store_int<4> {
  typedef int type;
};
template <>
struct fx_store_int<8> {
  typedef i64 type;
};
template <int W, int K = (W < 8 ? 1 : W < 16 ? 2 : W < 32 ? 4 : W < 64 ? 8 : W < 128 ? 16 : 32)>
struct fx_store {
  typedef typename fx_store_int<K>::type T;
  T v;
  fx_store() : v(0) {}
  fx_store(const fx_wide &w) : v((T)(i64)w.l[0]) {}
  fx_store &operator=(const fx_wide &w) {
    v = (T)(i64)w.l[0];
    return *this;
  }
  operator fx_wide() const { return w_from_i64((i64)v); }
};
template <int W>
struct fx_store<W, 16> {
  i128 v;
  fx_store() : v(0) {}
  fx_store(const fx_wide &w) : v((i128)(((u128)w.l[1] << 64) | w.l[0])) {}
  fx_store &operator=(const fx_wide &w) {
    v = (i128)(((u128)w.l[1] << 64) | w.l[0]);
    return *this;
  }
  operator fx_wide() const { return w_from_i128(v); }
};
template <int W>
struct fx_store<W, 32> {
  fx_wide v;
  fx_store() : v(w_zero()) {}
  fx_store(const fx_wide &w) : v(w) {}
  fx_store &operator=(const fx_wide &w) {
    v = w;
    return *this;
  }
  operator fx_wide() const { return v; }
};

/** Whether the value fits a signed 64-bit integer (then l[0] holds it). */
inline bool w_fits_i64(const fx_wide &a) {
  const u64 ext = (a.l[0] >> 63) ? ~0ULL : 0;
  return a.l[1] == ext && a.l[2] == ext && a.l[3] == ext;
}
inline bool w_neg_p(const fx_wide &a) { return (a.l[3] >> 63) != 0; }
inline bool w_zero_p(const fx_wide &a) { return (a.l[0] | a.l[1] | a.l[2] | a.l[3]) == 0; }
inline bool w_eq(const fx_wide &a, const fx_wide &b) {
  return a.l[0] == b.l[0] && a.l[1] == b.l[1] && a.l[2] == b.l[2] && a.l[3] == b.l[3];
}
/** Signed three-way comparison. */
inline int w_cmp(const fx_wide &a, const fx_wide &b) {
  bool na = w_neg_p(a), nb = w_neg_p(b);
  if (na != nb) return na ? -1 : 1;
  for (int k = 3; k >= 0; --k)
    if (a.l[k] != b.l[k]) return a.l[k] < b.l[k] ? -1 : 1;
  return 0;
}
/** Unsigned comparison of the 256-bit patterns. */
inline int w_ucmp(const fx_wide &a, const fx_wide &b) {
  for (int k = 3; k >= 0; --k)
    if (a.l[k] != b.l[k]) return a.l[k] < b.l[k] ? -1 : 1;
  return 0;
}
inline fx_wide w_add(const fx_wide &a, const fx_wide &b) {
  fx_wide r;
  u64 c = 0;
  for (int k = 0; k < 4; ++k) {
    u128 s = (u128)a.l[k] + b.l[k] + c;
    r.l[k] = (u64)s;
    c = (u64)(s >> 64);
  }
  return r;
}
inline fx_wide w_not(const fx_wide &a) {
  fx_wide r;
  for (int k = 0; k < 4; ++k) r.l[k] = ~a.l[k];
  return r;
}
inline fx_wide w_neg(const fx_wide &a) { return w_add(w_not(a), w_from_u64(1)); }
inline fx_wide w_sub(const fx_wide &a, const fx_wide &b) { return w_add(a, w_neg(b)); }
/** Product modulo 2^256 (correct for two's complement operands). */
inline fx_wide w_mul(const fx_wide &a, const fx_wide &b) {
  if (w_fits_i64(a) && w_fits_i64(b)) return w_from_i128((i128)(i64)a.l[0] * (i64)b.l[0]);
  u64 r[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4; ++i) {
    if (a.l[i] == 0) continue;
    u64 carry = 0;
    for (int j = 0; i + j < 4; ++j) {
      u128 p = (u128)a.l[i] * b.l[j] + r[i + j] + carry;
      r[i + j] = (u64)p;
      carry = (u64)(p >> 64);
    }
  }
  fx_wide w;
  std::memcpy(w.l, r, sizeof r);
  return w;
}
/** a << n modulo 2^256 (n >= 256 gives 0). */
inline fx_wide w_shl(const fx_wide &a, int n) {
  if (n <= 0) return a;
  if (n >= 256) return w_zero();
  fx_wide r = w_zero();
  int q = n / 64, s = n % 64;
  for (int k = 3; k >= q; --k) {
    u64 v = a.l[k - q] << s;
    if (s && k - q - 1 >= 0) v |= a.l[k - q - 1] >> (64 - s);
    r.l[k] = v;
  }
  return r;
}
/** Arithmetic shift right, floor (n >= 256 gives 0 or -1). */
inline fx_wide w_sar(const fx_wide &a, int n) {
  if (n <= 0) return a;
  u64 fill = w_neg_p(a) ? ~0ULL : 0;
  if (n >= 256) {
    fx_wide r;
    r.l[0] = r.l[1] = r.l[2] = r.l[3] = fill;
    return r;
  }
  fx_wide r;
  int q = n / 64, s = n % 64;
  for (int k = 0; k < 4; ++k) {
    u64 lo = k + q < 4 ? a.l[k + q] : fill;
    u64 hi = k + q + 1 < 4 ? a.l[k + q + 1] : fill;
    r.l[k] = s ? (lo >> s) | (hi << (64 - s)) : lo;
  }
  return r;
}
/** Bit i of the infinite two's-complement expansion (bits >= 256 repeat the sign). */
inline int w_bit(const fx_wide &a, int i) {
  if (i < 0) return 0;
  if (i >= 256) return w_neg_p(a) ? 1 : 0;
  return (int)((a.l[i / 64] >> (i % 64)) & 1);
}
inline fx_wide w_setbit(fx_wide a, int i, int v) {
  if (i < 0 || i >= 256) return a;
  u64 m = 1ULL << (i % 64);
  if (v)
    a.l[i / 64] |= m;
  else
    a.l[i / 64] &= ~m;
  return a;
}
/** Whether any of bits 0..k-1 is set (k may exceed 256: sign bits count). */
inline bool w_low_nonzero(const fx_wide &a, int k) {
  if (k <= 0) return false;
  if (k > 256) return !w_zero_p(a);
  for (int b = 0; b < 4 && k > 0; ++b, k -= 64) {
    u64 m = k >= 64 ? ~0ULL : ((1ULL << k) - 1);
    if (a.l[b] & m) return true;
  }
  return false;
}
/** Keeps the low W bits, read as signed (sign-extended) or unsigned (zero-extended). */
inline fx_wide w_trunc(const fx_wide &a, int W, bool S) {
  if (W >= 256) return a;
  fx_wide r = a;
  int q = W / 64, s = W % 64;
  bool neg = S && w_bit(a, W - 1);
  u64 fill = neg ? ~0ULL : 0;
  if (s) {
    u64 m = (1ULL << s) - 1;
    r.l[q] = neg ? (r.l[q] | ~m) : (r.l[q] & m);
    ++q;
  }
  for (int k = q; k < 4; ++k) r.l[k] = fill;
  return r;
}
/** Number of bits of |a| (0 for 0). */
inline int w_bitlen_abs(const fx_wide &a) {
  fx_wide m = w_neg_p(a) ? w_neg(a) : a;
  for (int k = 3; k >= 0; --k)
    if (m.l[k]) return k * 64 + 64 - __builtin_clzll(m.l[k]);
  return 0;
}
/** Number of set bits of the 256-bit pattern. */
inline int w_popcount(const fx_wide &a) {
  return __builtin_popcountll(a.l[0]) + __builtin_popcountll(a.l[1]) + __builtin_popcountll(a.l[2]) +
         __builtin_popcountll(a.l[3]);
}
inline fx_wide w_pow2(int n) { return w_shl(w_from_u64(1), n); }
inline fx_wide w_abs(const fx_wide &a) { return w_neg_p(a) ? w_neg(a) : a; }

/** Unsigned long division of 256-bit magnitudes: q = a / b, r = a % b (b != 0). */
inline void w_udivmod(const fx_wide &a, const fx_wide &b, fx_wide &q, fx_wide &r) {
  q = w_zero();
  r = w_zero();
  int n = 256;
  while (n > 0 && !w_bit(a, n - 1)) --n;
  for (int i = n - 1; i >= 0; --i) {
    r = w_shl(r, 1);
    r.l[0] |= (u64)w_bit(a, i);
    if (w_ucmp(r, b) >= 0) {
      r = w_sub(r, b);
      q = w_setbit(q, i, 1);
    }
  }
}
/** C division: quotient truncated toward zero. */
inline fx_wide w_div_trunc(const fx_wide &a, const fx_wide &b) {
  fx_wide q, r;
  w_udivmod(w_abs(a), w_abs(b), q, r);
  return w_neg_p(a) != w_neg_p(b) ? w_neg(q) : q;
}

/** Smallest and largest raw value of <W, S>. */
inline fx_wide raw_hi(int W, bool S) { return w_sub(w_pow2(S ? W - 1 : W), w_from_u64(1)); }
inline fx_wide raw_lo(int W, bool S) { return S ? w_neg(w_pow2(W - 1)) : w_zero(); }

/**
 * The raw value of <W, I, S, Q, O, N> v = n * 2^e: SEMANTICS.md section 2 (round once from the exact
 * value, judge overflow after rounding, then apply O with its quirks). n must have at most ~250
 * significant bits, which holds for every source fastml builds (doubles, and types <= 240 bits).
 */
inline fx_wide fx_convert_wide(const fx_wide &n, int e, int W, int I, bool S, int Q, int O, int N) {
  if (w_zero_p(n)) return n;
  const int sh = e + (W - I);
  fx_wide fl, q;
  bool huge = false;  // n << sh does not fit: the true value is far out of any range
  if (sh >= 0) {
    if (w_bitlen_abs(n) + sh > 250) huge = true;
    fl = q = w_shl(n, sh);  // modulo 2^256: the low W bits (and bit W) are still right
  } else {
    const int k = -sh;
    fl = w_sar(n, k);
    q = fl;
    const int r = w_bit(n, k - 1);               // the bit worth half an LSB
    const bool sticky = w_low_nonzero(n, k - 1);  // anything below it
    if (r || sticky) {
      const bool neg = w_neg_p(n);
      bool up = false;
      switch (Q) {
        case Q_TRN: break;
        case Q_TRN_ZERO: up = neg; break;
        default:
          if (r && sticky) up = true;
          else if (r) {  // exact tie
            switch (Q) {
              case Q_RND: up = true; break;
              case Q_RND_ZERO: up = neg; break;
              case Q_RND_MIN_INF: up = false; break;
              case Q_RND_INF: up = !neg; break;
              case Q_RND_CONV: up = w_bit(fl, 0) != 0; break;
            }
          }
      }
      if (up) q = w_add(fl, w_from_u64(1));
    }
  }
  const fx_wide lo = raw_lo(W, S), hi = raw_hi(W, S);
  const bool ovf = huge ? !w_neg_p(n) : w_cmp(q, hi) > 0;
  const bool unf = huge ? w_neg_p(n) : w_cmp(q, lo) < 0;
  if (O == O_WRAP && N == 0) return w_trunc(q, W, S);
  const bool sym_min = O == O_SAT_SYM && S && !huge && w_eq(q, lo);
  if (!ovf && !unf && !sym_min) return q;
  switch (O) {
    case O_SAT: return ovf ? hi : lo;
    case O_SAT_ZERO: return w_zero();
    case O_SAT_SYM:
      if (!S) return ovf ? hi : lo;
      if (ovf) return hi;
      return W == 1 ? lo : w_add(lo, w_from_u64(1));  // -hi; W = 1 keeps -1
    case O_WRAP: {  // N > 0: the top N bits become those of max / min
      fx_wide u = w_trunc(q, W, false);
      const int n_ = N < W ? N : W;
      if (S) {
        for (int b = W - n_; b <= W - 2; ++b) u = w_setbit(u, b, ovf ? 1 : 0);
        u = w_setbit(u, W - 1, ovf ? 0 : 1);
      } else {
        for (int b = W - n_; b <= W - 1; ++b) u = w_setbit(u, b, 1);  // quirk: also on underflow
      }
      return w_trunc(u, W, S);
    }
    case O_WRAP_SM: {
      fx_wide u = w_trunc(q, W, false);
      const int ro = w_bit(u, W - 1);
      if (N == 0) {
        if (w_bit(fl, W) != ro) u = w_trunc(w_not(u), W, false);  // sign from the unrounded floor
      } else {
        const int sign = (huge ? w_neg_p(n) : w_neg_p(q)) ? 1 : 0;
        if (N == 1) {
          if (sign != ro) u = w_trunc(w_not(u), W, false);
        } else {
          if (w_bit(u, W - N) == sign) u = w_trunc(w_not(u), W, false);
          for (int b = W - N; b <= W - 2; ++b) u = w_setbit(u, b, !sign);
        }
        u = w_setbit(u, W - 1, sign);
      }
      return w_trunc(u, W, S);
    }
  }
  return q;
}

/**
 * fx_convert for the common case, in 128-bit arithmetic: a source that fits 64 bits, a destination
 * of at most 64 bits, a shift of at most 62 either way, and an O mode other than AP_WRAP with N > 0
 * or AP_WRAP_SM (those go to fx_convert_wide). The same rules as fx_convert_wide, step for step; the
 * golden test goes through whichever path applies, and test/unit/fixed/cpp/convert_paths.cpp
 * checks the two paths against each other on random inputs.
 */
inline fx_wide fx_convert(const fx_wide &nw, int e, int W, int I, bool S, int Q, int O, int N) {
  const int sh = e + (W - I);
  if (!w_fits_i64(nw) || W > 64 || sh > 62 || sh < -62 || (O == O_WRAP && N != 0) || O == O_WRAP_SM)
    return fx_convert_wide(nw, e, W, I, S, Q, O, N);
  const i64 n = (i64)nw.l[0];
  if (n == 0) return nw;
  i128 q;
  if (sh >= 0) {
    q = (i128)n << sh;  // |n| < 2^63, sh <= 62: fits 127 bits
  } else {
    const int k = -sh;
    const i64 fl = n >> k;  // arithmetic shift: floor
    const u64 rem = (u64)n & ((1ULL << k) - 1);
    const u64 half = 1ULL << (k - 1);
    q = fl;
    if (rem != 0) {
      bool up = false;
      switch (Q) {
        case Q_TRN: break;
        case Q_TRN_ZERO: up = n < 0; break;
        default:
          if (rem > half) up = true;
          else if (rem == half) {
            switch (Q) {
              case Q_RND: up = true; break;
              case Q_RND_ZERO: up = n < 0; break;
              case Q_RND_MIN_INF: up = false; break;
              case Q_RND_INF: up = n > 0; break;
              case Q_RND_CONV: up = (fl & 1) != 0; break;
            }
          }
      }
      if (up) q += 1;
    }
  }
  const i128 hi = S ? ((i128)1 << (W - 1)) - 1 : ((i128)1 << W) - 1;
  const i128 lo = S ? -((i128)1 << (W - 1)) : 0;
  if (O == O_WRAP) {  // N == 0: keep the low W bits
    const u128 mask = W >= 128 ? ~(u128)0 : (((u128)1 << W) - 1);
    u128 u = (u128)q & mask;
    if (S && (u >> (W - 1)) & 1) return w_from_i128((i128)(u | ~mask));
    return w_from_i128((i128)u);
  }
  const bool ovf = q > hi, unf = q < lo;
  const bool sym_min = O == O_SAT_SYM && S && q == lo;
  if (!ovf && !unf && !sym_min) return w_from_i128(q);
  switch (O) {
    case O_SAT: return w_from_i128(ovf ? hi : lo);
    case O_SAT_ZERO: return w_zero();
    default:  // O_SAT_SYM
      if (!S || ovf) return w_from_i128(ovf ? hi : lo);
      return w_from_i128(W == 1 ? lo : lo + 1);
  }
}

/**
 * A double decoded as the reference header decodes it (SEMANTICS.md section 3): ±0 -> 0, normal
 * values exactly, subnormals as (1.m)*2^-1023, inf and NaN as ±(1.m)*2^1024 with their sign bit.
 */
inline void fx_decode_double(double d, fx_wide &n, int &e) {
  u64 bits;
  std::memcpy(&bits, &d, sizeof bits);
  const int exp = (int)((bits >> 52) & 0x7ff);
  const u64 mant = bits & ((1ULL << 52) - 1);
  if (exp == 0 && mant == 0) {
    n = w_zero();
    e = 0;
    return;
  }
  const u64 m = mant | (1ULL << 52);
  e = exp == 0 ? -1023 - 52 : exp == 2047 ? 1024 - 52 : exp - 1075;
  n = (bits >> 63) ? w_from_i64(-(i64)m) : w_from_u64(m);
}

/**
 * |raw| * 2^-F rounded once, to nearest even, to `prec` significant bits with the LSB no finer
 * than 2^min_exp (the subnormal floor). Returns the integer q (<= 2^prec) and sets exp so that the
 * rounded value is q * 2^exp: a single rounding, so there is no double rounding near subnormals.
 */
inline u64 fx_round_mag(const fx_wide &raw, int F, int prec, int min_exp, int &exp) {
  const fx_wide m = w_abs(raw);
  const int len = w_bitlen_abs(raw);
  const int top = len - F;  // the value lies in [2^(top-1), 2^top)
  int lsb = top - prec;
  if (lsb < min_exp) lsb = min_exp;
  const int k = lsb + F;  // bits of m below the kept LSB
  if (k <= 0) {
    exp = -F;
    return m.l[0];  // len <= prec here: exact
  }
  fx_wide q = w_sar(m, k);
  const int r = w_bit(m, k - 1);
  const bool sticky = w_low_nonzero(m, k - 1);
  if (r && (sticky || (q.l[0] & 1))) q = w_add(q, w_from_u64(1));
  exp = lsb;
  return q.l[0];
}

/** x * 2^e, exact whenever the result is representable (each step keeps the value normal). */
inline double fx_ldexp(double x, int e) {
  while (e > 600) { x *= __builtin_ldexp(1.0, 600); e -= 600; }
  while (e < -600) { x *= __builtin_ldexp(1.0, -600); e += 600; }
  return x * __builtin_ldexp(1.0, e);
}

/** raw * 2^-F rounded to the nearest double, ties to even (exact whenever representable). */
inline double fx_to_double(const fx_wide &raw, int F) {
  if (w_zero_p(raw)) return 0.0;
  int e;
  const u64 q = fx_round_mag(raw, F, 53, -1074, e);
  // q * 2^e is exactly a double (subnormals included), or beyond the range where rounding gives inf.
  const double d = fx_ldexp((double)q, e);
  return w_neg_p(raw) ? -d : d;
}

/** raw * 2^-F rounded once to the nearest float (no double rounding, float subnormals included). */
inline float fx_to_float(const fx_wide &raw, int F) {
  if (w_zero_p(raw)) return 0.0f;
  int e;
  const u64 q = fx_round_mag(raw, F, 24, -149, e);
  // q <= 2^24 and e >= -149: q * 2^e is exact as a double, and exactly a float unless beyond
  // FLT_MAX, where the conversion gives infinity as rounding would.
  const double v = e > 200 ? __builtin_huge_val() : fx_ldexp((double)q, e);
  const float f = (float)v;
  return w_neg_p(raw) ? -f : f;
}

/** Truncation toward zero of raw * 2^-F, as to_int/to_int64 do (with the I <= 0 quirk: -1). */
inline fx_wide fx_trunc_int(const fx_wide &raw, int F, int I) {
  if (I <= 0 && w_neg_p(raw)) return w_from_i64(-1);
  if (F <= 0) return w_shl(raw, -F);
  fx_wide a = w_sar(w_abs(raw), F);
  return w_neg_p(raw) ? w_neg(a) : a;
}

/** a / b as the header computes it (SEMANTICS.md section 5), in the result's signedness. */
inline fx_wide fx_divide(const fx_wide &a, int W1, int F1, bool S1, const fx_wide &b, int W2, int F2, bool S2) {
  (void)F1;
  const int sh = F2 > 0 ? F2 : 0;
  if (w_zero_p(b)) return w_zero();  // undefined in C++; fastml gives 0 rather than crash
  fx_wide q = w_div_trunc(w_shl(a, sh), b);
  const int d1 = W1 + sh + (S2 && !S1 ? 1 : 0), d2 = W2 + (S1 && !S2 ? 1 : 0);
  return w_trunc(q, d1 > d2 ? d1 : d2, S1 || S2);
}

/**
 * The comparison operators of two fixed values as the header evaluates them, including C's
 * promotion rules for mixed signedness (SEMANTICS.md section 6). op: 0 <, 1 <=, 2 >, 3 >=, 4 ==, 5 !=.
 */
inline bool fx_compare(int op, const fx_wide &a, int W1, int F1, bool S1, const fx_wide &b, int W2, int F2, bool S2) {
  fx_wide l = a, r = b;
  int wl = W1, wr = W2;
  if (F1 > F2) {
    r = w_shl(b, F1 - F2);
    wr = W2 + F1 - F2;
  } else if (F1 < F2) {
    l = w_shl(a, F2 - F1);
    wl = W1 + F2 - F1 + 1;
  }
  bool as_unsigned = false;
  if (S1 != S2) {
    if (op >= 4) {
      const int m0 = wl > wr ? wl : wr;
      const int m = wl > 64 ? m0 : (m0 > 32 ? m0 : 32);
      const bool eq = w_eq(w_trunc(l, m, false), w_trunc(r, m, false));
      return op == 4 ? eq : !eq;
    }
    if (!(wl <= 64 && wl < 32 && wr < 32)) {
      const int wu = S1 ? wr : wl, ws = S1 ? wl : wr;
      if (wu >= ws) {
        const int m = (wl > wr ? wl : wr) + 1;
        l = w_trunc(l, m, false);
        r = w_trunc(r, m, false);
        as_unsigned = true;
      }
    }
  }
  const int c = as_unsigned ? w_ucmp(l, r) : w_cmp(l, r);
  switch (op) {
    case 0: return c < 0;
    case 1: return c <= 0;
    case 2: return c > 0;
    case 3: return c >= 0;
    case 4: return c == 0;
    default: return c != 0;
  }
}

/** Exact decimal text of raw * 2^-F ("-1.25", "3", "0.0625"). */
inline std::string fx_to_decimal(const fx_wide &raw, int F) {
  const bool neg = w_neg_p(raw);
  fx_wide m = w_abs(raw);
  fx_wide ip = F > 0 ? w_sar(m, F) : w_shl(m, -F);
  fx_wide frac = F > 0 ? w_sub(m, w_shl(ip, F)) : w_zero();
  std::string digits;
  do {
    fx_wide q, r;
    w_udivmod(ip, w_from_u64(10), q, r);
    digits.insert(digits.begin(), (char)('0' + r.l[0]));
    ip = q;
  } while (!w_zero_p(ip));
  std::string s = neg ? "-" + digits : digits;
  if (!w_zero_p(frac)) {
    s += '.';
    // frac / 2^F: multiply by 10 and peel off the integer digit; terminates after F digits.
    while (!w_zero_p(frac)) {
      frac = w_mul(frac, w_from_u64(10));
      s += (char)('0' + w_sar(frac, F).l[0]);
      frac = w_sub(frac, w_shl(w_sar(frac, F), F));
    }
  }
  return s;
}

/** Decimal text of the raw integer itself (for test drivers). */
inline std::string fx_raw_decimal(const fx_wide &raw) { return fx_to_decimal(raw, 0); }

}  // namespace fastml_ap

#endif  // FASTML_AP_CORE_H_
