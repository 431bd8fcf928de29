/*
 * @fileoverview fastml's clean-room ap_types, part 4: the bit and range proxies returned by
 * x[i] / x.bit(i) and x.range(hi, lo) / x(hi, lo) on every ap type (af_bit_ref, af_range_ref),
 * and bit concatenation (a, b) (ap_concat_ref).
 *
 * Why proxies: with the vendor headers these expressions are assignable (`x.range(7, 0) = y;`,
 * `x[3] = 1;`); a plain value return compiles too but silently drops the write, so code that is
 * correct under Vivado/Vitis would be wrong in fastml's C simulation. The semantics follow the
 * vendor's documented behaviour:
 *  - reading a range gives an unsigned integer of the type's width W holding bits hi..lo (bit lo
 *    becomes bit 0); it converts implicitly to ap_uint<W> and to unsigned long long;
 *  - hi < lo selects bits hi..lo in reverse order: the first index is still the MSB of the result
 *    and the second (lo) its bit 0, so x.range(0, 7) is x's low byte mirrored;
 *  - assigning writes the low (|hi-lo|+1) bits of the source's bit pattern: the raw bits of an
 *    ap_fixed / ap_int (sign-extended when narrower), a C number first converted to ap_uint<W>;
 *  - a bit reads as bool; assigning any value writes (value != 0);
 *  - bit indices outside 0..W-1 read as 0 and are not written (the vendor header only warns).
 * ap_int_base derives from ap_fixed_base<W, W, S, ...>, so one pair of proxies serves both.
 * Included from fastml_ap_types.h only, after ap_uint is complete.
 */
#ifndef FASTML_AP_REF_H_
#define FASTML_AP_REF_H_

namespace fastml_ap {
/** Bits hi..lo (reversed when hi < lo) of the W-bit pattern of raw, as an unsigned integer. */
inline fx_wide fx_get_range(const fx_wide &raw, int W, int hi, int lo) {
  const fx_wide bits = w_trunc(raw, W, false);
  if (hi >= lo) {
    if (lo >= W || hi < 0) return w_zero();
    const int l = lo < 0 ? 0 : lo, h = hi >= W ? W - 1 : hi;
    return w_trunc(w_sar(bits, l), h - l + 1, false);
  }
  fx_wide r = w_zero();
  for (int j = 0; j <= lo - hi; ++j) {
    const int src = lo - j;  // lo lands in bit 0, hi in the MSB: the reversed order
    if (src >= 0 && src < W && w_bit(bits, src)) r = w_setbit(r, j, 1);
  }
  return r;
}
/**
 * raw (of <W, S>) with bits hi..lo replaced by the low bits of v (reversed when hi < lo), then
 * sign- or zero-extended again so the stored value stays canonical.
 */
inline fx_wide fx_set_range(const fx_wide &raw, int W, bool S, int hi, int lo, const fx_wide &v) {
  fx_wide bits = w_trunc(raw, W, false);
  const int n = hi >= lo ? hi - lo + 1 : lo - hi + 1;
  for (int j = 0; j < n; ++j) {
    const int dst = hi >= lo ? lo + j : lo - j;
    if (dst >= 0 && dst < W) bits = w_setbit(bits, dst, w_bit(v, j));
  }
  return w_trunc(bits, W, S);
}
}  // namespace fastml_ap

/** x[i]: one bit of an ap type, readable as bool and assignable. */
template <FASTML_FXP>
struct af_bit_ref {
  typedef ap_fixed_base<FASTML_FXA> ref_type;
  ref_type &d_bv;
  int d_index;

  af_bit_ref(const af_bit_ref &o) : d_bv(o.d_bv), d_index(o.d_index) {}
  // const_cast as in the vendor header: x[i] on a const object still yields the proxy type.
  af_bit_ref(const ref_type *bv, int index) : d_bv(*const_cast<ref_type *>(bv)), d_index(index) {}

  bool get() const { return d_index >= 0 && d_index < W && fastml_ap::w_bit(d_bv.fx_v, d_index) != 0; }
  operator bool() const { return get(); }
  bool to_bool() const { return get(); }
  int length() const { return 1; }
  bool operator~() const { return !get(); }
  std::string to_string() const { return get() ? "1" : "0"; }

  af_bit_ref &operator=(bool v) {
    d_bv.set_bit(d_index, v);
    return *this;
  }
  // Read before writing: the source may be a bit of the same object.
  af_bit_ref &operator=(const af_bit_ref &o) { return operator=(o.get()); }
  template <FASTML_FXP2>
  af_bit_ref &operator=(const af_bit_ref<FASTML_FXA2> &o) {
    return operator=(o.get());
  }
};

/** x.range(hi, lo): a slice of an ap type, readable as an unsigned integer and assignable. */
template <FASTML_FXP>
struct af_range_ref {
  typedef ap_fixed_base<FASTML_FXA> ref_type;
  ref_type &d_bv;
  int l_index;
  int h_index;

  af_range_ref(const af_range_ref &o) : d_bv(o.d_bv), l_index(o.l_index), h_index(o.h_index) {}
  af_range_ref(const ref_type *bv, int hi, int lo) : d_bv(*const_cast<ref_type *>(bv)), l_index(lo), h_index(hi) {}

  fastml_ap::fx_wide fx_bits() const { return fastml_ap::fx_get_range(d_bv.fx_v, W, h_index, l_index); }
  void fx_write(const fastml_ap::fx_wide &v) { d_bv.fx_v = fastml_ap::fx_set_range(d_bv.fx_v, W, S, h_index, l_index, v); }

  ap_uint<W> get() const {
    ap_uint<W> r;
    r.fx_v = fx_bits();
    return r;
  }
  ap_uint<W> to_ap_int_base() const { return get(); }
  operator ap_uint<W>() const { return get(); }
  operator unsigned long long() const { return fx_bits().l[0]; }
  int length() const { return h_index >= l_index ? h_index - l_index + 1 : l_index - h_index + 1; }
  char to_char() const { return (char)fx_bits().l[0]; }
  int to_int() const { return (int)fx_bits().l[0]; }
  unsigned to_uint() const { return (unsigned)fx_bits().l[0]; }
  long to_long() const { return (long)fx_bits().l[0]; }
  unsigned long to_ulong() const { return (unsigned long)fx_bits().l[0]; }
  long long to_int64() const { return (long long)fx_bits().l[0]; }
  unsigned long long to_uint64() const { return fx_bits().l[0]; }
  // Reductions over the slice's own length() bits, not over W.
  bool and_reduce() const { return fastml_ap::w_eq(fx_bits(), fastml_ap::raw_hi(length(), false)); }
  bool or_reduce() const { return !fastml_ap::w_zero_p(fx_bits()); }
  bool xor_reduce() const { return (fastml_ap::w_popcount(fx_bits()) & 1) != 0; }
  std::string to_string() const { return fastml_ap::fx_raw_decimal(fx_bits()); }

  /** From any ap type: its raw bit pattern (not its value). */
  template <FASTML_FXP2>
  af_range_ref &operator=(const ap_fixed_base<FASTML_FXA2> &v) {
    fx_write(v.fx_v);
    return *this;
  }
  /** From a C number: converted to ap_uint<W> first (integers wrap, doubles truncate). */
  template <typename T>
  typename std::enable_if<fastml_ap::is_cint<T>::value || std::is_same<T, double>::value || std::is_same<T, float>::value,
                          af_range_ref &>::type
  operator=(T v) {
    fx_write(ap_uint<W>(v).fx_v);
    return *this;
  }
  // Read before writing: the source may overlap the destination.
  af_range_ref &operator=(const af_range_ref &o) {
    fx_write(o.fx_bits());
    return *this;
  }
  template <FASTML_FXP2>
  af_range_ref &operator=(const af_range_ref<FASTML_FXA2> &o) {
    fx_write(o.fx_bits());
    return *this;
  }
  template <FASTML_FXP2>
  af_range_ref &operator=(const af_bit_ref<FASTML_FXA2> &o) {
    fx_write(fastml_ap::w_from_u64(o.get() ? 1 : 0));
    return *this;
  }
  template <int W2>
  void set(const ap_int_base<W2, false> &v) {
    fx_write(v.fx_v);
  }
};

template <FASTML_FXP>
inline std::ostream &operator<<(std::ostream &os, const af_range_ref<FASTML_FXA> &r) {
  return os << r.to_string();
}
template <FASTML_FXP>
inline std::ostream &operator<<(std::ostream &os, const af_bit_ref<FASTML_FXA> &b) {
  return os << b.to_string();
}

// ---- members of ap_fixed_base that need the proxies (declared in fastml_ap_types.h) ----------------

template <FASTML_FXP>
inline af_bit_ref<FASTML_FXA> ap_fixed_base<FASTML_FXA>::operator[](int i) const {
  return af_bit_ref<FASTML_FXA>(this, i);
}
template <FASTML_FXP>
inline af_bit_ref<FASTML_FXA> ap_fixed_base<FASTML_FXA>::bit(int i) const {
  return af_bit_ref<FASTML_FXA>(this, i);
}
template <FASTML_FXP>
inline af_range_ref<FASTML_FXA> ap_fixed_base<FASTML_FXA>::range(int hi, int lo) const {
  return af_range_ref<FASTML_FXA>(this, hi, lo);
}
template <FASTML_FXP>
inline af_range_ref<FASTML_FXA> ap_fixed_base<FASTML_FXA>::range() const {
  return af_range_ref<FASTML_FXA>(this, W - 1, 0);
}
template <FASTML_FXP>
inline af_range_ref<FASTML_FXA> ap_fixed_base<FASTML_FXA>::operator()(int hi, int lo) const {
  return af_range_ref<FASTML_FXA>(this, hi, lo);
}

// ---- concatenation: (a, b) ------------------------------------------------------------------------
//
// With the vendor headers the comma between two ap values concatenates their bit patterns (a in the
// high bits); without an overload C++'s own comma would silently yield b. Both operands' raw bits
// are used (not their values), the result reads as ap_uint<Wa + Wb>, and when every operand is a
// modifiable ap variable the concatenation is assignable: `(hi, lo) = x;` splits x's low bits.

namespace fastml_ap {
/** A modifiable ap variable as a concatenation operand. */
template <FASTML_FXP>
struct cat_var {
  ap_fixed_base<FASTML_FXA> *p;
  fx_wide get() const { return w_trunc(p->fx_v, W, false); }
  void put(const fx_wide &v) { p->fx_v = w_trunc(v, W, S); }
};
}  // namespace fastml_ap

template <int WL, class L, int WR, class R>
struct ap_concat_ref {
  static const int width = WL + WR;
  L l;
  R r;
  ap_concat_ref(const L &l_, const R &r_) : l(l_), r(r_) {}

  fastml_ap::fx_wide get_bits() const {
    fastml_ap::fx_wide hi = fastml_ap::w_shl(l.get(), WR), lo = r.get(), out;
    for (int k = 0; k < 4; ++k) out.l[k] = hi.l[k] | lo.l[k];
    return out;
  }
  // The handle interface, so a concatenation can itself be an operand of another one.
  fastml_ap::fx_wide get() const { return get_bits(); }
  void put(const fastml_ap::fx_wide &v) {
    r.put(fastml_ap::w_trunc(v, WR, false));
    l.put(fastml_ap::w_trunc(fastml_ap::w_sar(fastml_ap::w_trunc(v, WL + WR, false), WR), WL, false));
  }

  ap_uint<WL + WR> get_value() const {
    ap_uint<WL + WR> u;
    u.fx_v = get_bits();
    return u;
  }
  operator ap_uint<WL + WR>() const { return get_value(); }
  operator unsigned long long() const { return get_bits().l[0]; }
  int length() const { return WL + WR; }
  int to_int() const { return (int)get_bits().l[0]; }
  unsigned to_uint() const { return (unsigned)get_bits().l[0]; }
  long long to_int64() const { return (long long)get_bits().l[0]; }
  unsigned long long to_uint64() const { return get_bits().l[0]; }

  /** From any ap type: its raw bits; from a C integer: converted to ap_uint<WL + WR> first. */
  template <FASTML_FXP2>
  ap_concat_ref &operator=(const ap_fixed_base<FASTML_FXA2> &v) {
    put(v.fx_v);
    return *this;
  }
  template <typename T>
  typename std::enable_if<fastml_ap::is_cint<T>::value, ap_concat_ref &>::type operator=(T v) {
    put(ap_uint<WL + WR>(v).fx_v);
    return *this;
  }
  ap_concat_ref &operator=(const ap_concat_ref &o) {
    put(o.get_bits());
    return *this;
  }
  template <FASTML_FXP2>
  ap_concat_ref &operator=(const af_range_ref<FASTML_FXA2> &o) {
    put(o.fx_bits());
    return *this;
  }
};

/** Modifiable operands: an assignable concatenation. */
template <FASTML_FXP, FASTML_FXP2>
inline ap_concat_ref<W, fastml_ap::cat_var<FASTML_FXA>, W2, fastml_ap::cat_var<FASTML_FXA2> > operator,(
    ap_fixed_base<FASTML_FXA> &a, ap_fixed_base<FASTML_FXA2> &b) {
  fastml_ap::cat_var<FASTML_FXA> ha = {&a};
  fastml_ap::cat_var<FASTML_FXA2> hb = {&b};
  return ap_concat_ref<W, fastml_ap::cat_var<FASTML_FXA>, W2, fastml_ap::cat_var<FASTML_FXA2> >(ha, hb);
}
template <int WL, class L, int WR, class R, FASTML_FXP>
inline ap_concat_ref<WL + WR, ap_concat_ref<WL, L, WR, R>, W, fastml_ap::cat_var<FASTML_FXA> > operator,(
    const ap_concat_ref<WL, L, WR, R> &a, ap_fixed_base<FASTML_FXA> &b) {
  fastml_ap::cat_var<FASTML_FXA> hb = {&b};
  return ap_concat_ref<WL + WR, ap_concat_ref<WL, L, WR, R>, W, fastml_ap::cat_var<FASTML_FXA> >(a, hb);
}

/** Read-only operands (constants, temporaries): the concatenated bits as a value. */
template <FASTML_FXP, FASTML_FXP2>
inline ap_uint<W + W2> operator,(const ap_fixed_base<FASTML_FXA> &a, const ap_fixed_base<FASTML_FXA2> &b) {
  ap_uint<W + W2> u;
  fastml_ap::fx_wide hi = fastml_ap::w_shl(fastml_ap::w_trunc(a.fx_v, W, false), W2);
  fastml_ap::fx_wide lo = fastml_ap::w_trunc(b.fx_v, W2, false);
  fastml_ap::fx_wide t;
  for (int k = 0; k < 4; ++k) t.l[k] = hi.l[k] | lo.l[k];
  u.fx_v = t;
  return u;
}
template <int WL, class L, int WR, class R, FASTML_FXP>
inline ap_uint<WL + WR + W> operator,(const ap_concat_ref<WL, L, WR, R> &a, const ap_fixed_base<FASTML_FXA> &b) {
  return (a.get_value(), b);
}

#endif  // FASTML_AP_REF_H_
