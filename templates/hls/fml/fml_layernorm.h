/*
 * @fileoverview fastml HLS layer library: layer normalization over the last axis.
 *
 * Numerics (hls4ml's nnet_layernorm.h dataflow, docs/numerics.md "LayerNormalization"), per row
 * of dim values: xa = (accum_t)x; s = sum xa in accum_t; mean = (accum_t)(s * k) with
 * k = (accum_t)(1/dim) (given in par[0]); d = (accum_t)(xa - mean); s2 = sum (accum_t)(d * d);
 * var = (accum_t)(s2 * k); idx = trunc0(var * N * 2^p) clamped to [0, N-1], computed on var's raw
 * bits; y = (result_t)(d * table[idx] * scale + bias), exact until the assignment.
 * Config `C`: n_rows, dim, tbl_n, range_p2, acc_w, acc_f, acc_signed, and the types accum_t,
 * scale_t, bias_t, table_t.
 */
#ifndef FML_LAYERNORM_H_
#define FML_LAYERNORM_H_

#include "fml_activation.h"
#include "fml_common.h"

namespace fml {

template <class In, class Out, class C>
void layernorm(const In x[C::n_rows * C::dim], Out y[C::n_rows * C::dim], const typename C::scale_t scale[C::dim],
               const typename C::bias_t bias[C::dim], const typename C::table_t table[C::tbl_n], const typename C::accum_t par[1]) {
  typedef typename C::accum_t acc_t;
  const acc_t k = par[0];
Rows:
  for (unsigned r = 0; r < C::n_rows; r++) {
    acc_t xa[C::dim];
    acc_t d[C::dim];
    acc_t s = 0;
    for (unsigned i = 0; i < C::dim; i++) {
      xa[i] = x[r * C::dim + i];
      s = s + xa[i];
    }
    acc_t mean = s * k;
    acc_t s2 = 0;
    for (unsigned i = 0; i < C::dim; i++) {
      d[i] = xa[i] - mean;
      acc_t sq = d[i] * d[i];
      s2 = s2 + sq;
    }
    acc_t var = s2 * k;
    // trunc0(var * N * 2^p) on the raw bits: raw * N / 2^(acc_f - p), C++ division truncates toward 0.
    const long long num = raw_signed<C::acc_w, C::acc_signed>(var) * (long long)C::tbl_n;
    const int sh = C::acc_f - (int)C::range_p2;
    long long idx = sh <= 0 ? num * (1LL << (-sh)) : num / (1LL << sh);
    if (idx < 0) idx = 0;
    if (idx > (long long)C::tbl_n - 1) idx = (long long)C::tbl_n - 1;
    const typename C::table_t t = table[idx];
    for (unsigned i = 0; i < C::dim; i++) y[r * C::dim + i] = d[i] * t * scale[i] + bias[i];
  }
}

}  // namespace fml

#endif  // FML_LAYERNORM_H_
