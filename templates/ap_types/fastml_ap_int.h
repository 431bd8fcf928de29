/*
 * @fileoverview fastml's clean-room ap_types, part 3: ap_int<W> / ap_uint<W> (base ap_int_base<W,S>).
 *
 * Included from fastml_ap_types.h only. An ap_int is an ap_fixed_base<W,W,S> as far as values go, so
 * it mixes with fixed types exactly as <W,W,S> (SEMANTICS.md section 1); operations between two
 * ap_ints return ap_ints (widths as section 9), and it converts implicitly to one C integer type
 * (int / unsigned for W <= 32, long long / unsigned long long above), so it can index arrays.
 * ap_int(double) truncates toward zero and wraps, with the header's quirk: (-0.5, 0) gives 1.
 */
#ifndef FASTML_AP_INT_IMPL_H_
#define FASTML_AP_INT_IMPL_H_

template <int W, bool S>
struct ap_int_base : ap_fixed_base<W, W, S, AP_TRN, AP_WRAP, 0> {
  typedef ap_fixed_base<W, W, S, AP_TRN, AP_WRAP, 0> Base;
  typedef typename fastml_ap::int_ret<W, S>::type RetType;

  ap_int_base() {}
  template <int W2, bool S2>
  ap_int_base(const ap_int_base<W2, S2> &o) {
    this->fx_v = fastml_ap::w_trunc(o.fx_v, W, S);
  }
  /** From a fixed value: truncation toward zero (as to_int), then wrap to W bits. */
  template <FASTML_FXP2>
  ap_int_base(const ap_fixed_base<FASTML_FXA2> &o) {
    this->fx_v = fastml_ap::w_trunc(fastml_ap::fx_trunc_int(o.fx_v, W2 - I2, I2), W, S);
  }
  /** From a slice or a bit of any ap type: its unsigned integer value, wrapped to W bits. */
  template <FASTML_FXP2>
  ap_int_base(const af_range_ref<FASTML_FXA2> &r) {
    this->fx_v = fastml_ap::w_trunc(r.fx_bits(), W, S);
  }
  template <FASTML_FXP2>
  ap_int_base(const af_bit_ref<FASTML_FXA2> &b) {
    this->fx_v = fastml_ap::w_trunc(fastml_ap::w_from_u64(b.get() ? 1 : 0), W, S);
  }
  template <int WL, class L, int WR, class R>
  ap_int_base(const ap_concat_ref<WL, L, WR, R> &c) {
    this->fx_v = fastml_ap::w_trunc(c.get_bits(), W, S);
  }
  ap_int_base(double d) { fx_set_int_double(d); }
  ap_int_base(float f) { fx_set_int_double((double)f); }
#define FASTML_AP_ICTOR(T) \
  ap_int_base(T v) { this->fx_v = fastml_ap::w_trunc(fastml_ap::w_from_c<T>(v), W, S); }
  FASTML_AP_ICTOR(bool)
  FASTML_AP_ICTOR(char)
  FASTML_AP_ICTOR(signed char)
  FASTML_AP_ICTOR(unsigned char)
  FASTML_AP_ICTOR(short)
  FASTML_AP_ICTOR(unsigned short)
  FASTML_AP_ICTOR(int)
  FASTML_AP_ICTOR(unsigned int)
  FASTML_AP_ICTOR(long)
  FASTML_AP_ICTOR(unsigned long)
  FASTML_AP_ICTOR(long long)
  FASTML_AP_ICTOR(unsigned long long)
#undef FASTML_AP_ICTOR

  void fx_set_int_double(double d) {
    if (d != d || d == 1.0 / 0.0 || d == -1.0 / 0.0) {
      this->fx_v = fastml_ap::w_zero();
    } else if (d < 0 && d > -0.5) {
      this->fx_v = fastml_ap::w_from_u64(1);  // header quirk, SEMANTICS.md section 9
    } else {
      // trunc(d) exactly: decode, then drop the fraction toward zero.
      fastml_ap::fx_wide n;
      int e;
      fastml_ap::fx_decode_double(d, n, e);
      fastml_ap::fx_wide t = e >= 0 ? fastml_ap::w_shl(n, e) : fastml_ap::w_sar(fastml_ap::w_abs(n), -e);
      if (e < 0 && fastml_ap::w_neg_p(n)) t = fastml_ap::w_neg(t);
      this->fx_v = fastml_ap::w_trunc(t, W, S);
    }
  }

  operator RetType() const { return (RetType)fastml_ap::fx_wide(this->fx_v).l[0]; }

  // Shifts keep the ap_int type (the macro is defined in fastml_ap_types.h).
  FASTML_AP_SHIFTS(ap_int_base, typename fastml_ap::int_type<W FASTML_AP_COMMA S>::type)
  typename fastml_ap::int_type<W + 1, true>::type operator-() const {
    typename fastml_ap::int_type<W + 1, true>::type r;
    r.fx_v = fastml_ap::w_neg(this->fx_v);
    return r;
  }
  typename fastml_ap::int_type<W, S>::type operator~() const {
    typename fastml_ap::int_type<W, S>::type r;
    r.fx_v = fastml_ap::w_trunc(fastml_ap::w_not(this->fx_v), W, S);
    return r;
  }
  ap_int_base &operator++() {
    this->fx_v = fastml_ap::w_trunc(fastml_ap::w_add(this->fx_v, fastml_ap::w_from_u64(1)), W, S);
    return *this;
  }
  ap_int_base &operator--() {
    this->fx_v = fastml_ap::w_trunc(fastml_ap::w_sub(this->fx_v, fastml_ap::w_from_u64(1)), W, S);
    return *this;
  }
  typename fastml_ap::int_type<W, S>::type operator++(int) {
    typename fastml_ap::int_type<W, S>::type old;
    old.fx_v = this->fx_v;
    ++*this;
    return old;
  }
  typename fastml_ap::int_type<W, S>::type operator--(int) {
    typename fastml_ap::int_type<W, S>::type old;
    old.fx_v = this->fx_v;
    --*this;
    return old;
  }
};

template <int W>
struct ap_int : ap_int_base<W, true> {
  typedef ap_int_base<W, true> Base;
  using Base::Base;
  ap_int() {}
  ap_int(const Base &b) : Base(b) {}
};

template <int W>
struct ap_uint : ap_int_base<W, false> {
  typedef ap_int_base<W, false> Base;
  using Base::Base;
  ap_uint() {}
  ap_uint(const Base &b) : Base(b) {}
};

// ---- ap_int with ap_int: integer results --------------------------------------------------------

namespace fastml_ap {
/** Result types of ap_int (+) ap_int, SEMANTICS.md section 9. */
template <int W1, bool S1, int W2, bool S2>
struct iops {
  static const int bw = cmax(W1 + (S2 && !S1), W2 + (S1 && !S2));
  static const int mw = cmin(W1, W2 + (!S2 && S1));
  typedef typename int_type<W1 + W2, S1 || S2>::type mul;
  typedef typename int_type<bw + 1, S1 || S2>::type add;
  typedef typename int_type<bw + 1, true>::type sub;
  typedef typename int_type<W1 + (S2 ? 1 : 0), S1 || S2>::type div;
  typedef typename int_type<mw, S1>::type mod;
  typedef typename int_type<bw, S1 || S2>::type bit;
};
}  // namespace fastml_ap

#define FASTML_IP int W1, bool S1, int W2, bool S2
#define FASTML_ADDW fastml_ap::cmax(W1 + (S2 && !S1), W2 + (S1 && !S2))
template <FASTML_IP>
inline typename fastml_ap::int_type<W1 + W2, S1 || S2>::type operator*(const ap_int_base<W1, S1> &a, const ap_int_base<W2, S2> &b) {
  typename fastml_ap::int_type<W1 + W2, S1 || S2>::type r;
  r.fx_v = fastml_ap::w_mul(a.fx_v, b.fx_v);
  return r;
}
template <FASTML_IP>
inline typename fastml_ap::int_type<FASTML_ADDW + 1, S1 || S2>::type operator+(const ap_int_base<W1, S1> &a, const ap_int_base<W2, S2> &b) {
  typename fastml_ap::int_type<FASTML_ADDW + 1, S1 || S2>::type r;
  r.fx_v = fastml_ap::w_add(a.fx_v, b.fx_v);
  return r;
}
template <FASTML_IP>
inline typename fastml_ap::int_type<FASTML_ADDW + 1, true>::type operator-(const ap_int_base<W1, S1> &a, const ap_int_base<W2, S2> &b) {
  typename fastml_ap::int_type<FASTML_ADDW + 1, true>::type r;
  r.fx_v = fastml_ap::w_sub(a.fx_v, b.fx_v);
  return r;
}
template <FASTML_IP>
inline typename fastml_ap::int_type<W1 + (S2 ? 1 : 0), S1 || S2>::type operator/(const ap_int_base<W1, S1> &a, const ap_int_base<W2, S2> &b) {
  typename fastml_ap::int_type<W1 + (S2 ? 1 : 0), S1 || S2>::type r;
  r.fx_v = fastml_ap::fx_divide(a.fx_v, W1, 0, S1, b.fx_v, W2, 0, S2);
  return r;
}
template <FASTML_IP>
inline typename fastml_ap::int_type<fastml_ap::cmin(W1, W2 + (!S2 && S1)), S1>::type operator%(const ap_int_base<W1, S1> &a, const ap_int_base<W2, S2> &b) {
  typename fastml_ap::int_type<fastml_ap::cmin(W1, W2 + (!S2 && S1)), S1>::type r;
  if (fastml_ap::w_zero_p(b.fx_v)) return r;
  fastml_ap::fx_wide q = fastml_ap::w_div_trunc(a.fx_v, b.fx_v);
  r.fx_v = fastml_ap::w_trunc(fastml_ap::w_sub(a.fx_v, fastml_ap::w_mul(q, b.fx_v)), fastml_ap::cmin(W1, W2 + (!S2 && S1)), S1);
  return r;
}
#define FASTML_AP_BITOP(OP)                                                                          \
  template <FASTML_IP>                                                                               \
  inline typename fastml_ap::int_type<FASTML_ADDW, S1 || S2>::type operator OP(const ap_int_base<W1, S1> &a, \
                                                                              const ap_int_base<W2, S2> &b) { \
    typename fastml_ap::int_type<FASTML_ADDW, S1 || S2>::type r;                                     \
    const fastml_ap::fx_wide x = a.fx_v, y = b.fx_v;                                                 \
    fastml_ap::fx_wide t;                                                                            \
    for (int k = 0; k < 4; ++k) t.l[k] = x.l[k] OP y.l[k];                                           \
    r.fx_v = fastml_ap::w_trunc(t, FASTML_ADDW, S1 || S2);                                           \
    return r;                                                                                        \
  }
FASTML_AP_BITOP(&)
FASTML_AP_BITOP(|)
FASTML_AP_BITOP(^)
#undef FASTML_AP_BITOP
#undef FASTML_ADDW
#undef FASTML_IP

// ap_int with C integers: the integer becomes ap_int<bits> / ap_uint<bits>.
#define FASTML_AP_IINT_BIN(OP, R)                                                                     \
  template <int W1, bool S1, typename T>                                                              \
  inline typename std::enable_if<fastml_ap::is_cint<T>::value,                                          \
                                 typename fastml_ap::iops<W1, S1, fastml_ap::c_int<T>::bits,          \
                                                          fastml_ap::c_int<T>::sgn>::R>::type         \
  operator OP(const ap_int_base<W1, S1> &a, T b) {                                                    \
    return a OP ap_int_base<fastml_ap::c_int<T>::bits, fastml_ap::c_int<T>::sgn>(b);                  \
  }                                                                                                   \
  template <int W1, bool S1, typename T>                                                              \
  inline typename std::enable_if<fastml_ap::is_cint<T>::value,                                          \
                                 typename fastml_ap::iops<fastml_ap::c_int<T>::bits,                  \
                                                          fastml_ap::c_int<T>::sgn, W1, S1>::R>::type \
  operator OP(T a, const ap_int_base<W1, S1> &b) {                                                    \
    return ap_int_base<fastml_ap::c_int<T>::bits, fastml_ap::c_int<T>::sgn>(a) OP b;                  \
  }
FASTML_AP_IINT_BIN(+, add)
FASTML_AP_IINT_BIN(-, sub)
FASTML_AP_IINT_BIN(*, mul)
FASTML_AP_IINT_BIN(/, div)
FASTML_AP_IINT_BIN(%, mod)
FASTML_AP_IINT_BIN(&, bit)
FASTML_AP_IINT_BIN(|, bit)
FASTML_AP_IINT_BIN(^, bit)
#undef FASTML_AP_IINT_BIN

template <int W, bool S>
inline std::ostream &operator<<(std::ostream &os, const ap_int_base<W, S> &x) {
  return os << fastml_ap::fx_raw_decimal(x.fx_v);
}

#endif  // FASTML_AP_INT_IMPL_H_
