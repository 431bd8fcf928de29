/*
 * @fileoverview fastml HLS layer library: normalization, merges, concatenation and data movement
 * (reshape, transpose, pad, crop, resize).
 *
 * Arithmetic layers compute at full precision (ap_fixed + - * are exact) and cast once to the
 * result type (NUMERICS.md "BatchNorm": res = (result_t)(x * scale + bias)). Data-movement layers
 * only copy, casting to the destination type; transpose uses an index table computed by fastml,
 * which the HLS tool turns into wiring when the copy is unrolled.
 * Channels are the last axis, so channel c of flat element k is k % n_chan.
 */
#ifndef FML_MISC_H_
#define FML_MISC_H_

#include "fml_common.h"

namespace fml {

/* y = x * scale[c] + bias[c] (BatchNorm after folding its statistics, ONNX Mul/Add by constants). */
template <class In, class Out, class C>
void scale_bias(const In x[C::n], Out y[C::n], const typename C::scale_t scale[C::n_scale],
                const typename C::bias_t bias[C::n_bias]) {
#pragma HLS PIPELINE II = C::reuse
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    y[k] = x[k] * scale[k % C::n_scale] + bias[k % C::n_bias];
  }
}

template <class In, class Out, class C>
void scale_only(const In x[C::n], Out y[C::n], const typename C::scale_t scale[C::n_scale]) {
#pragma HLS PIPELINE II = C::reuse
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    y[k] = x[k] * scale[k % C::n_scale];
  }
}

template <class In, class Out, class C>
void bias_only(const In x[C::n], Out y[C::n], const typename C::bias_t bias[C::n_bias]) {
#pragma HLS PIPELINE II = C::reuse
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    y[k] = x[k] + bias[k % C::n_bias];
  }
}

/* Element-wise merges of two equally shaped tensors. */
template <class A, class B, class Out, class C>
void merge_add(const A a[C::n], const B b[C::n], Out y[C::n]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    y[k] = a[k] + b[k];
  }
}
template <class A, class B, class Out, class C>
void merge_sub(const A a[C::n], const B b[C::n], Out y[C::n]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    y[k] = a[k] - b[k];
  }
}
template <class A, class B, class Out, class C>
void merge_mul(const A a[C::n], const B b[C::n], Out y[C::n]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    y[k] = a[k] * b[k];
  }
}
/* (a + b) / 2 exactly: the sum is exact and halving a fixed-point value is exact at one more fractional bit. */
template <class A, class B, class Out, class C>
void merge_avg(const A a[C::n], const B b[C::n], Out y[C::n]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    typename C::sum_t s = a[k] + b[k];
    typename C::half_t h = s;
    h >>= 1;
    y[k] = h;
  }
}
template <class A, class B, class Out, class C>
void merge_max(const A a[C::n], const B b[C::n], Out y[C::n]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    if (a[k] > b[k])
      y[k] = a[k];
    else
      y[k] = b[k];
  }
}
template <class A, class B, class Out, class C>
void merge_min(const A a[C::n], const B b[C::n], Out y[C::n]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    if (a[k] < b[k])
      y[k] = a[k];
    else
      y[k] = b[k];
  }
}

/* Concatenation of two tensors along an axis: n_outer blocks of chunk_a then chunk_b elements. */
template <class A, class B, class Out, class C>
void concat2(const A a[C::n_outer * C::chunk_a], const B b[C::n_outer * C::chunk_b],
             Out y[C::n_outer * (C::chunk_a + C::chunk_b)]) {
#pragma HLS PIPELINE
  for (unsigned o = 0; o < C::n_outer; o++) {
    for (unsigned k = 0; k < C::chunk_a; k++) {
#pragma HLS UNROLL
      y[o * (C::chunk_a + C::chunk_b) + k] = a[o * C::chunk_a + k];
    }
    for (unsigned k = 0; k < C::chunk_b; k++) {
#pragma HLS UNROLL
      y[o * (C::chunk_a + C::chunk_b) + C::chunk_a + k] = b[o * C::chunk_b + k];
    }
  }
}

/* y[k] = x[src[k]]: transposes (the index table is computed by fastml). */
template <class In, class Out, class C>
void gather(const In x[C::n_in], Out y[C::n], const unsigned src[C::n]) {
#pragma HLS PIPELINE
  for (unsigned k = 0; k < C::n; k++) {
#pragma HLS UNROLL
    y[k] = x[src[k]];
  }
}

/* Zero (or constant) padding of a [in_h, in_w, c] tensor; value = par[0]. */
template <class In, class Out, class C>
void pad2d(const In x[C::in_h * C::in_w * C::c], Out y[C::out_h * C::out_w * C::c], const typename C::param_t par[1]) {
#pragma HLS PIPELINE
  for (unsigned oy = 0; oy < C::out_h; oy++) {
    for (unsigned ox = 0; ox < C::out_w; ox++) {
      const int iy = (int)oy - (int)C::pad_t;
      const int ix = (int)ox - (int)C::pad_l;
      const bool inside = iy >= 0 && iy < (int)C::in_h && ix >= 0 && ix < (int)C::in_w;
      for (unsigned c = 0; c < C::c; c++) {
#pragma HLS UNROLL
        if (inside)
          y[(oy * C::out_w + ox) * C::c + c] = x[((unsigned)iy * C::in_w + (unsigned)ix) * C::c + c];
        else
          y[(oy * C::out_w + ox) * C::c + c] = par[0];
      }
    }
  }
}

/* Cropping: out pixel (oy, ox) is input pixel (oy + crop_t, ox + crop_l). */
template <class In, class Out, class C>
void crop2d(const In x[C::in_h * C::in_w * C::c], Out y[C::out_h * C::out_w * C::c]) {
#pragma HLS PIPELINE
  for (unsigned oy = 0; oy < C::out_h; oy++) {
    for (unsigned ox = 0; ox < C::out_w; ox++) {
      for (unsigned c = 0; c < C::c; c++) {
#pragma HLS UNROLL
        y[(oy * C::out_w + ox) * C::c + c] = x[((oy + C::crop_t) * C::in_w + ox + C::crop_l) * C::c + c];
      }
    }
  }
}

/* Nearest-neighbour upsampling: out pixel (oy, ox) reads input pixel (oy * in_h / out_h, ox * in_w / out_w). */
template <class In, class Out, class C>
void resize_nearest(const In x[C::in_h * C::in_w * C::c], Out y[C::out_h * C::out_w * C::c]) {
#pragma HLS PIPELINE
  for (unsigned oy = 0; oy < C::out_h; oy++) {
    for (unsigned ox = 0; ox < C::out_w; ox++) {
      const unsigned iy = oy * C::in_h / C::out_h;
      const unsigned ix = ox * C::in_w / C::out_w;
      for (unsigned c = 0; c < C::c; c++) {
#pragma HLS UNROLL
        y[(oy * C::out_w + ox) * C::c + c] = x[(iy * C::in_w + ix) * C::c + c];
      }
    }
  }
}

}  // namespace fml

#endif  // FML_MISC_H_
