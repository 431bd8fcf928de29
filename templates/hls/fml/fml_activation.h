/*
 * @fileoverview fastml HLS layer library: element-wise activations.
 *
 * Simple activations compare and select (NUMERICS.md "Simple activations"); their constants
 * (alpha, theta, clip bounds, slope, shift) come from the generated weights header as an array
 * `par` of the layer's param type, so no float literal reaches the arithmetic.
 * Table activations (sigmoid, tanh, softplus, softsign, elu, selu) look up a table that fastml
 * computed and emitted as exact constants; this file only computes the index, with integer
 * arithmetic on the input's raw bits so that it is exactly trunc0(x * N / R) + offset:
 *   x = raw * 2^-in_f, so x * N / 2^r = raw * N / 2^(r + in_f), divided with C++'s truncation toward 0.
 * Config `C`: n (elements), n_chan (channels, for prelu), and for tables: tbl_n, in_w, in_f,
 * in_signed, idx_r (R = 2^idx_r), idx_neg (index from -x), idx_off.
 */
#ifndef FML_ACTIVATION_H_
#define FML_ACTIVATION_H_

#include "fml_common.h"

namespace fml {

/* The signed raw integer of a fixed-point value (W <= 63 bits). */
template <unsigned W, bool SIGNED, class T>
long long raw_signed(const T &x) {
  unsigned long long u = raw_bits<W>(x);
  if (SIGNED && W < 64 && ((u >> (W - 1)) & 1ULL)) u |= ~((1ULL << W) - 1ULL);
  return (long long)u;
}

/* trunc0(x * N / 2^r), exactly, from the raw bits (in_f may be negative). */
template <class C, class T>
long long scaled_trunc(const T &x) {
  const long long num = raw_signed<C::in_w, C::in_signed>(x) * (long long)C::tbl_n;
  const int s = (int)C::idx_r + C::in_f;
  if (s <= 0) return num * (1LL << (-s));
  const long long den = 1LL << s;
  return num / den;  // C++11 integer division truncates toward zero
}

template <class C, class T>
unsigned table_index(const T &x) {
#pragma HLS INLINE
  long long t = scaled_trunc<C>(x);
  if (C::idx_neg) t = -t;
  long long idx = t + (long long)C::idx_off;
  if (idx < 0) idx = 0;
  if (idx > (long long)C::tbl_n - 1) idx = (long long)C::tbl_n - 1;
  return (unsigned)idx;
}

template <class In, class Out, class C>
void linear(const In x[C::n], Out y[C::n]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    y[k] = x[k];
  }
}

template <class In, class Out, class C>
void relu(const In x[C::n], Out y[C::n]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    if (x[k] > 0)
      y[k] = x[k];
    else
      y[k] = 0;
  }
}

/* min(max(x, par[0]), par[1]): relu6 and clip. */
template <class In, class Out, class C>
void clip(const In x[C::n], Out y[C::n], const typename C::param_t par[2]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    if (x[k] < par[0])
      y[k] = par[0];
    else if (x[k] > par[1])
      y[k] = par[1];
    else
      y[k] = x[k];
  }
}

/* x > 0 ? x : alpha * x, alpha = par[0]. */
template <class In, class Out, class C>
void leaky_relu(const In x[C::n], Out y[C::n], const typename C::param_t par[1]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    if (x[k] > 0)
      y[k] = x[k];
    else
      y[k] = par[0] * x[k];
  }
}

/* x > theta ? x : 0, theta = par[0]. */
template <class In, class Out, class C>
void thresholded_relu(const In x[C::n], Out y[C::n], const typename C::param_t par[1]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    if (x[k] > par[0])
      y[k] = x[k];
    else
      y[k] = 0;
  }
}

/* x > 0 ? x : alpha[c] * x with one alpha per channel (channels last). */
template <class In, class Out, class C>
void prelu(const In x[C::n], Out y[C::n], const typename C::param_t alpha[C::n_chan]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    if (x[k] > 0)
      y[k] = x[k];
    else
      y[k] = alpha[k % C::n_chan] * x[k];
  }
}

/* clip(slope * x + shift, 0, 1) with slope = par[0], shift = par[1], at full precision. */
template <class In, class Out, class C>
void hard_sigmoid(const In x[C::n], Out y[C::n], const typename C::param_t par[2]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    typename C::inter_t v = par[0] * x[k] + par[1];
    if (v > 1)
      y[k] = 1;
    else if (v < 0)
      y[k] = 0;
    else
      y[k] = v;
  }
}

/* 2 * hard_sigmoid(x) - 1. */
template <class In, class Out, class C>
void hard_tanh(const In x[C::n], Out y[C::n], const typename C::param_t par[2]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    typename C::inter_t v = par[0] * x[k] + par[1];
    if (v > 1) v = 1;
    if (v < 0) v = 0;
    y[k] = 2 * v - 1;
  }
}

/* x > 0 ? 1 : -1. */
template <class In, class Out, class C>
void binary_tanh(const In x[C::n], Out y[C::n]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    if (x[k] > 0)
      y[k] = 1;
    else
      y[k] = -1;
  }
}

/*
 * hls4ml's ternary tanh: d = (In)(2 * x), cast back to the input type (so a large x wraps or
 * saturates as the input type says), then d > 1 ? 1 : (d > -1 ? 0 : -1).
 */
template <class In, class Out, class C>
void ternary_tanh(const In x[C::n], Out y[C::n]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    In d = 2 * x[k];
    if (d > 1)
      y[k] = 1;
    else if (d > -1)
      y[k] = 0;
    else
      y[k] = -1;
  }
}

/* y = table[index(x)]: sigmoid, tanh, softplus, softsign. */
template <class In, class Out, class C>
void table_activation(const In x[C::n], Out y[C::n], const typename C::table_t table[C::tbl_n]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    y[k] = table[table_index<C>(x[k])];
  }
}

/* x >= 0 ? x : alpha * table[index(x)], alpha = par[0] (elu; the table holds exp(x) - 1 for x < 0). */
template <class In, class Out, class C>
void elu(const In x[C::n], Out y[C::n], const typename C::table_t table[C::tbl_n], const typename C::param_t par[1]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    if (x[k] >= 0)
      y[k] = x[k];
    else
      y[k] = par[0] * table[table_index<C>(x[k])];
  }
}

/* x >= 0 ? lambda * x : table[index(x)]; lambda = par[0] is float32(1.0507...) held exactly in param_t. */
template <class In, class Out, class C>
void selu(const In x[C::n], Out y[C::n], const typename C::table_t table[C::tbl_n], const typename C::param_t par[1]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    if (x[k] >= 0)
      y[k] = par[0] * x[k];
    else
      y[k] = table[table_index<C>(x[k])];
  }
}

}  // namespace fml

#endif  // FML_ACTIVATION_H_
