/*
 * @fileoverview fastml HLS layer library: fully connected layers (Latency and Resource strategies).
 *
 * Numerics (NUMERICS.md, "Dense"): every product x[i] * w is exact, then cast to accum_t; the
 * accumulator starts at (accum_t) bias[j] and is re-quantized after every addition; the output is
 * (result_t) acc. The two strategies differ only in the order of the additions, which matters when
 * accum_t saturates:
 *  - latency: inputs in order i = 0..n_in-1, all multipliers in parallel;
 *  - resource: weights are stored transposed (w[j * n_in + i]); step r = 0..reuse-1 handles the
 *    flat indices k = r, r + reuse, ..., so acc[j] receives its inputs ordered by
 *    ((j * n_in + i) mod reuse, i). This is the order the emulator uses for Resource layers.
 * Config `C`: n_pix (positions a Dense is applied to, 1 for a vector), n_in, n_out, reuse,
 * mult_limit, and the types accum_t, weight_t, bias_t.
 */
#ifndef FML_DENSE_H_
#define FML_DENSE_H_

#include "fml_common.h"

namespace fml {

/* One vector, Latency strategy: weights in Keras order w[i * n_out + j]. */
template <class In, class Out, class C>
void dense_latency_vec(const In x[C::n_in], Out y[C::n_out], const typename C::weight_t w[C::n_in * C::n_out],
                       const typename C::bias_t b[C::n_out]) {
#pragma HLS INLINE
  typename C::accum_t acc[C::n_out];
#pragma HLS ARRAY_PARTITION variable = acc complete
Init:
  for (unsigned j = 0; j < C::n_out; j++) {
#pragma HLS UNROLL
    acc[j] = b[j];
  }
Inputs:
  for (unsigned i = 0; i < C::n_in; i++) {
#pragma HLS UNROLL
  Outputs:
    for (unsigned j = 0; j < C::n_out; j++) {
#pragma HLS UNROLL
      // A zero weight adds an exact 0, which leaves acc unchanged: skipping it is exact and
      // lets the tool drop the multiplier.
      if (w[i * C::n_out + j] == 0) continue;
      typename C::accum_t p = x[i] * w[i * C::n_out + j];
      acc[j] = acc[j] + p;
    }
  }
Result:
  for (unsigned j = 0; j < C::n_out; j++) {
#pragma HLS UNROLL
    y[j] = acc[j];
  }
}

/* One vector, Resource strategy: weights transposed, w[j * n_in + i]; reuse multiplications per multiplier. */
template <class In, class Out, class C>
void dense_resource_vec(const In x[C::n_in], Out y[C::n_out], const typename C::weight_t w[C::n_in * C::n_out],
                        const typename C::bias_t b[C::n_out]) {
#pragma HLS INLINE
  const unsigned n_w = C::n_in * C::n_out;
  const unsigned block = (n_w + C::reuse - 1) / C::reuse;
  typename C::accum_t acc[C::n_out];
#pragma HLS ARRAY_PARTITION variable = acc complete
#pragma HLS ARRAY_RESHAPE variable = w block factor = block
Init:
  for (unsigned j = 0; j < C::n_out; j++) {
#pragma HLS UNROLL
    acc[j] = b[j];
  }
Reuse:
  for (unsigned r = 0; r < C::reuse; r++) {
#pragma HLS PIPELINE II = 1 rewind
  Block:
    for (unsigned m = 0; m < block; m++) {
#pragma HLS UNROLL
      const unsigned k = r + m * C::reuse;
      if (k >= n_w) continue;
      if (w[k] == 0) continue;
      const unsigned j = k / C::n_in;
      const unsigned i = k % C::n_in;
      typename C::accum_t p = x[i] * w[k];
      acc[j] = acc[j] + p;
    }
  }
Result:
  for (unsigned j = 0; j < C::n_out; j++) {
#pragma HLS UNROLL
    y[j] = acc[j];
  }
}

/* Dense over n_pix positions (n_pix = 1 for an ordinary vector). */
template <class In, class Out, class C>
void dense_latency(const In x[C::n_pix * C::n_in], Out y[C::n_pix * C::n_out],
                   const typename C::weight_t w[C::n_in * C::n_out], const typename C::bias_t b[C::n_out]) {
#pragma HLS PIPELINE II = C::reuse
#pragma HLS ALLOCATION operation instances = mul limit = C::mult_limit
Pix:
  for (unsigned p = 0; p < C::n_pix; p++) {
    dense_latency_vec<In, Out, C>(x + p * C::n_in, y + p * C::n_out, w, b);
  }
}

template <class In, class Out, class C>
void dense_resource(const In x[C::n_pix * C::n_in], Out y[C::n_pix * C::n_out],
                    const typename C::weight_t w[C::n_in * C::n_out], const typename C::bias_t b[C::n_out]) {
Pix:
  for (unsigned p = 0; p < C::n_pix; p++) {
    dense_resource_vec<In, Out, C>(x + p * C::n_in, y + p * C::n_out, w, b);
  }
}

}  // namespace fml

#endif  // FML_DENSE_H_
