/*
 * @fileoverview Golden-vector checks for fastml's ap_types header, one template per kind of case.
 * Generated translation units instantiate these for each distinct type combination found in the
 * golden files; golden_driver.cpp feeds them the values. This is test code: it may read and write the
 * header's private raw value (fx_v) to set up operands and compare raws; generated firmware never does.
 */
#ifndef FASTML_GOLDEN_CASES_H_
#define FASTML_GOLDEN_CASES_H_

#include <cstring>
#include <string>

#include "ap_fixed.h"
#include "ap_int.h"

typedef fastml_ap::fx_wide Wd;
/** A case checker: values in, true when everything matches; `got` says what differed. */
typedef bool (*CaseFn)(const Wd *v, int nv, std::string &got);

inline bool golden_check(const char *what, const Wd &got, const Wd &want, std::string &msg) {
  if (fastml_ap::w_eq(got, want)) return true;
  msg = std::string(what) + " got " + fastml_ap::fx_raw_decimal(got) + " want " + fastml_ap::fx_raw_decimal(want);
  return false;
}

/** v = {in_bits (as an unsigned integer), raw}: `T x = (double)in;`. */
template <class T>
bool cast_double_case(const Wd *v, int, std::string &got) {
  double d;
  unsigned long long bits = v[0].l[0];
  std::memcpy(&d, &bits, sizeof d);
  T x = d;
  return golden_check("raw", x.fx_v, v[1], got);
}

/** v = {src_raw, raw}: `T x = src;`. */
template <class Src, class T>
bool cast_fixed_case(const Wd *v, int, std::string &got) {
  Src s;
  s.fx_v = v[0];
  T x = s;
  return golden_check("raw", x.fx_v, v[1], got);
}

template <int OP>
struct golden_op;
template <>
struct golden_op<0> {
  template <class A, class B>
  static auto apply(const A &a, const B &b) -> decltype(a * b) { return a * b; }
};
template <>
struct golden_op<1> {
  template <class A, class B>
  static auto apply(const A &a, const B &b) -> decltype(a + b) { return a + b; }
};
template <>
struct golden_op<2> {
  template <class A, class B>
  static auto apply(const A &a, const B &b) -> decltype(a - b) { return a - b; }
};
template <>
struct golden_op<3> {
  template <class A, class B>
  static auto apply(const A &a, const B &b) -> decltype(a / b) { return a / b; }
};

/** v = {a_raw, b_raw, r.w, r.i, r.s, r_raw, raw}: the result type and value of a OP b, then `T t = a OP b;`. */
template <class A, class B, int OP, class T>
bool arith_case(const Wd *v, int, std::string &got) {
  A a;
  a.fx_v = v[0];
  B b;
  b.fx_v = v[1];
  typedef decltype(golden_op<OP>::apply(a, b)) R;
  if (R::width != (int)v[2].l[0] || R::iwidth != (int)(long long)v[3].l[0] || R::sign_flag != (v[4].l[0] != 0)) {
    got = "result type <" + std::to_string(R::width) + "," + std::to_string(R::iwidth) + "," +
          std::to_string(R::sign_flag) + ">";
    return false;
  }
  R r = golden_op<OP>::apply(a, b);
  if (!golden_check("r_raw", r.fx_v, v[5], got)) return false;
  T t = golden_op<OP>::apply(a, b);
  return golden_check("raw", t.fx_v, v[6], got);
}

/**
 * v = {n, x[n], w[n], b, mult[n], acc_init, acc_trace[n], acc, raw}: hls4ml's dense_latency order for
 * one output, with `acc += mult[i]` re-quantizing after every add.
 */
template <class XT, class WT, class BT, class ACC, class RT>
bool dot_case(const Wd *v, int, std::string &got) {
  const int n = (int)v[0].l[0];
  const Wd *x = v + 1, *w = x + n, *b = w + n, *mult = b + 1, *init = mult + n, *trace = init + 1, *accr = trace + n,
           *raw = accr + 1;
  BT bias;
  bias.fx_v = *b;
  ACC acc = (ACC)bias;
  if (!golden_check("acc_init", acc.fx_v, *init, got)) return false;
  ACC m[64];
  for (int i = 0; i < n; ++i) {
    XT xi;
    xi.fx_v = x[i];
    WT wi;
    wi.fx_v = w[i];
    m[i] = (ACC)(xi * wi);
    if (!golden_check("mult", m[i].fx_v, mult[i], got)) return false;
  }
  for (int i = 0; i < n; ++i) {
    acc += m[i];
    if (!golden_check("acc_trace", acc.fx_v, trace[i], got)) return false;
  }
  if (!golden_check("acc", acc.fx_v, *accr, got)) return false;
  RT res = acc;
  return golden_check("raw", res.fx_v, *raw, got);
}

#endif  // FASTML_GOLDEN_CASES_H_
