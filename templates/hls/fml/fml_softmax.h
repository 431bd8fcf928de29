/*
 * @fileoverview fastml HLS layer library: softmax (stable, latency, argmax).
 *
 * NUMERICS.md "Softmax". The exp and inverse tables are computed by fastml and emitted as exact
 * constants; this file forms the indices from the top bits of fixed-point values and does the
 * fixed-point arithmetic:
 *  - stable: d_i = (inp_norm_t)(max - x_i); exp_i = exp_table[top exp_bits bits of d_i];
 *  - latency: exp_i = exp_table[top exp_bits bits of x_i] (two's complement pattern);
 *  - every exp_i is cast to accum_t as it leaves the table (that value is also the one multiplied
 *    at the end); sum = balanced tree of them, every partial sum cast to accum_t (left part: the
 *    largest power of two below the count, so 5 inputs sum as ((e0 + e1) + (e2 + e3)) + e4);
 *    s = (inv_inp_t) sum; inv = inv_table[top inv_bits bits of s, sign included];
 *    y_i = (result_t)(exp_i * inv);
 *  - argmax: one-hot at the first maximum;
 *  - legacy: sum_i = sum over j of exp_table[index(x_j - x_i)] (1 for j = i) accumulated in table_t
 *    (index over [-8, 8)), y_i = inv_table[index(sum_i)] (index over [0, 64)), as the emulator does.
 * Softmax runs over the last axis; n_outer vectors of n values are processed one after another.
 * Config `C`: n, n_outer, exp_n, exp_bits, norm_w, in_w, inv_n, inv_bits, inv_w, and the types
 * inp_norm_t, exp_table_t, inv_table_t, inv_inp_t, accum_t.
 */
#ifndef FML_SOFTMAX_H_
#define FML_SOFTMAX_H_

#include "fml_common.h"
#include "fml_activation.h"

namespace fml {

/* Largest power of two strictly below n (n >= 2); 1 for n <= 2. */
constexpr unsigned pow2_below(unsigned n, unsigned p = 1) { return p * 2 < n ? pow2_below(n, p * 2) : p; }

/* Balanced sum with every partial sum of type T; leaves are cast to T first. */
template <class T, unsigned N>
struct tree_sum {
  template <class E>
  static T run(const E *x) {
#pragma HLS INLINE
    static const unsigned L = pow2_below(N);
    T a = tree_sum<T, L>::run(x);
    T b = tree_sum<T, N - L>::run(x + L);
    T s = a + b;
    return s;
  }
};
template <class T>
struct tree_sum<T, 1> {
  template <class E>
  static T run(const E *x) {
    T a = x[0];
    return a;
  }
};

/*
 * The top B bits of a W-bit pattern as a table index, clamped to the table size. Only those bits
 * are read (range(W - 1, W - B)), so W may exceed 64 (a wide softmax input or inp_norm_t).
 */
template <unsigned W, unsigned B, unsigned SIZE, class T>
unsigned top_bits_index(const T &v) {
#pragma HLS INLINE
  unsigned long long u = v.range(W - 1, W >= B ? W - B : 0).to_uint64();
  unsigned long long idx = (W >= B) ? u : (u << (B - W));
  if (idx > SIZE - 1) idx = SIZE - 1;
  return (unsigned)idx;
}

template <class Out, class C>
void softmax_finish(const typename C::accum_t e[C::n], Out y[C::n], const typename C::inv_table_t inv_table[C::inv_n]) {
#pragma HLS INLINE
  typename C::accum_t sum = tree_sum<typename C::accum_t, C::n>::run(e);
  typename C::inv_inp_t s = sum;
  typename C::inv_table_t inv = inv_table[top_bits_index<C::inv_w, C::inv_bits, C::inv_n>(s)];
Res:
  for (unsigned i = 0; i < C::n; i++) {
#pragma HLS UNROLL
    y[i] = e[i] * inv;  // exact product, one cast to result_t
  }
}

template <class In, class Out, class C>
void softmax_stable(const In x[C::n_outer * C::n], Out y[C::n_outer * C::n],
                    const typename C::exp_table_t exp_table[C::exp_n], const typename C::inv_table_t inv_table[C::inv_n]) {
Outer:
  for (unsigned o = 0; o < C::n_outer; o++) {
#pragma HLS PIPELINE II = C::reuse
    const In *xv = x + o * C::n;
    In m = xv[0];
  Max:
    for (unsigned i = 1; i < C::n; i++) {
#pragma HLS UNROLL
      if (xv[i] > m) m = xv[i];
    }
    typename C::accum_t e[C::n];
#pragma HLS ARRAY_PARTITION variable = e complete
  Exp:
    for (unsigned i = 0; i < C::n; i++) {
#pragma HLS UNROLL
      typename C::inp_norm_t d = m - xv[i];
      e[i] = exp_table[top_bits_index<C::norm_w, C::exp_bits, C::exp_n>(d)];
    }
    softmax_finish<Out, C>(e, y + o * C::n, inv_table);
  }
}

template <class In, class Out, class C>
void softmax_latency(const In x[C::n_outer * C::n], Out y[C::n_outer * C::n],
                     const typename C::exp_table_t exp_table[C::exp_n], const typename C::inv_table_t inv_table[C::inv_n]) {
Outer:
  for (unsigned o = 0; o < C::n_outer; o++) {
#pragma HLS PIPELINE II = C::reuse
    const In *xv = x + o * C::n;
    typename C::accum_t e[C::n];
#pragma HLS ARRAY_PARTITION variable = e complete
  Exp:
    for (unsigned i = 0; i < C::n; i++) {
#pragma HLS UNROLL
      e[i] = exp_table[top_bits_index<C::in_w, C::exp_bits, C::exp_n>(xv[i])];
    }
    softmax_finish<Out, C>(e, y + o * C::n, inv_table);
  }
}

template <class In, class Out, class C>
void softmax_argmax(const In x[C::n_outer * C::n], Out y[C::n_outer * C::n]) {
Outer:
  for (unsigned o = 0; o < C::n_outer; o++) {
#pragma HLS PIPELINE
    const In *xv = x + o * C::n;
    unsigned best = 0;
  Max:
    for (unsigned i = 1; i < C::n; i++) {
      if (xv[i] > xv[best]) best = i;
    }
  Res:
    for (unsigned i = 0; i < C::n; i++) {
#pragma HLS UNROLL
      if (i == best)
        y[o * C::n + i] = 1;
      else
        y[o * C::n + i] = 0;
    }
  }
}

template <class In, class Out, class C>
void softmax_legacy(const In x[C::n_outer * C::n], Out y[C::n_outer * C::n], const typename C::table_t exp_table[C::tbl_n],
                    const typename C::table_t inv_table[C::tbl_n]) {
Outer:
  for (unsigned o = 0; o < C::n_outer; o++) {
#pragma HLS PIPELINE II = C::reuse
    const In *xv = x + o * C::n;
    typename C::table_t sum[C::n];
#pragma HLS ARRAY_PARTITION variable = sum complete
  Rows:
    for (unsigned i = 0; i < C::n; i++) {
      typename C::table_t acc = 0;
    Cols:
      for (unsigned j = 0; j < C::n; j++) {
        if (i == j) {
          acc = acc + 1;
        } else {
          typename C::diff_t d = xv[j] - xv[i];
          acc = acc + exp_table[table_index<typename C::exp_idx>(d)];
        }
      }
      sum[i] = acc;
    }
  Res:
    for (unsigned i = 0; i < C::n; i++) {
#pragma HLS UNROLL
      y[o * C::n + i] = inv_table[table_index<typename C::inv_idx>(sum[i])];
    }
  }
}

}  // namespace fml

#endif  // FML_SOFTMAX_H_
