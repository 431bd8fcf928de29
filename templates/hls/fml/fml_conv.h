/*
 * @fileoverview fastml HLS layer library: convolutions (1-D and 2-D, grouped, depthwise).
 *
 * A 1-D layer is a 2-D layer with in_h = out_h = k_h = 1, so one implementation serves both.
 * Ordinary convolutions (groups = 1) are im2col + the Dense kernel of fml_dense.h: for each output
 * pixel the window is gathered in the order kernel row, kernel column, input channel (the order of
 * Keras' kernel [kh, kw, c_in, c_out]), padded positions hold 0, and the per-pixel dense uses the
 * layer's strategy (config C::mult). A padded position contributes an exact zero product, so the
 * numbers are those of NUMERICS.md ("Conv1D/Conv2D"). Grouped and depthwise convolutions walk the
 * window directly in the same order.
 * Config `C`: in_h, in_w, c_in, out_h, out_w, c_out, k_h, k_w, s_h, s_w, d_h, d_w, pad_t, pad_l,
 * n_win (= k_h * k_w * c_in / groups), groups, types accum_t, weight_t, bias_t, and `mult`, the
 * per-pixel Dense config (n_pix = 1, n_in = n_win, n_out = c_out).
 */
#ifndef FML_CONV_H_
#define FML_CONV_H_

#include "fml_common.h"
#include "fml_dense.h"

namespace fml {

/* Gathers one output pixel's window (kernel row, kernel column, channel), zeros where padded. */
template <class In, class C>
void conv_window(const In x[C::in_h * C::in_w * C::c_in], In col[C::n_win], unsigned oy, unsigned ox) {
#pragma HLS INLINE
WinY:
  for (unsigned ky = 0; ky < C::k_h; ky++) {
  WinX:
    for (unsigned kx = 0; kx < C::k_w; kx++) {
      const int iy = (int)(oy * C::s_h + ky * C::d_h) - (int)C::pad_t;
      const int ix = (int)(ox * C::s_w + kx * C::d_w) - (int)C::pad_l;
      const bool inside = iy >= 0 && iy < (int)C::in_h && ix >= 0 && ix < (int)C::in_w;
    WinC:
      for (unsigned c = 0; c < C::c_in; c++) {
#pragma HLS UNROLL
        const unsigned k = (ky * C::k_w + kx) * C::c_in + c;
        if (inside)
          col[k] = x[((unsigned)iy * C::in_w + (unsigned)ix) * C::c_in + c];
        else
          col[k] = 0;
      }
    }
  }
}

/* groups = 1, Latency strategy: kernel in Keras order [kh, kw, c_in, c_out]. */
template <class In, class Out, class C>
void conv_latency(const In x[C::in_h * C::in_w * C::c_in], Out y[C::out_h * C::out_w * C::c_out],
                  const typename C::weight_t w[C::n_win * C::c_out], const typename C::bias_t b[C::c_out]) {
PixY:
  for (unsigned oy = 0; oy < C::out_h; oy++) {
  PixX:
    for (unsigned ox = 0; ox < C::out_w; ox++) {
#pragma HLS PIPELINE II = C::reuse
      In col[C::n_win];
#pragma HLS ARRAY_PARTITION variable = col complete
      conv_window<In, C>(x, col, oy, ox);
      dense_latency_vec<In, Out, typename C::mult>(col, y + (oy * C::out_w + ox) * C::c_out, w, b);
    }
  }
}

/* groups = 1, Resource strategy: kernel transposed to [c_out][n_win]. */
template <class In, class Out, class C>
void conv_resource(const In x[C::in_h * C::in_w * C::c_in], Out y[C::out_h * C::out_w * C::c_out],
                   const typename C::weight_t w[C::n_win * C::c_out], const typename C::bias_t b[C::c_out]) {
PixY:
  for (unsigned oy = 0; oy < C::out_h; oy++) {
  PixX:
    for (unsigned ox = 0; ox < C::out_w; ox++) {
      In col[C::n_win];
#pragma HLS ARRAY_PARTITION variable = col complete
      conv_window<In, C>(x, col, oy, ox);
      dense_resource_vec<In, Out, typename C::mult>(col, y + (oy * C::out_w + ox) * C::c_out, w, b);
    }
  }
}

/* groups > 1: output channel o reads input channels of group o / (c_out / groups). */
template <class In, class Out, class C>
void conv_grouped(const In x[C::in_h * C::in_w * C::c_in], Out y[C::out_h * C::out_w * C::c_out],
                  const typename C::weight_t w[C::n_win * C::c_out], const typename C::bias_t b[C::c_out]) {
  const unsigned cin_g = C::c_in / C::groups;
  const unsigned cout_g = C::c_out / C::groups;
PixY:
  for (unsigned oy = 0; oy < C::out_h; oy++) {
  PixX:
    for (unsigned ox = 0; ox < C::out_w; ox++) {
#pragma HLS PIPELINE II = C::reuse
    Out_:
      for (unsigned o = 0; o < C::c_out; o++) {
        const unsigned g = o / cout_g;
        typename C::accum_t acc = b[o];
      WinY:
        for (unsigned ky = 0; ky < C::k_h; ky++) {
        WinX:
          for (unsigned kx = 0; kx < C::k_w; kx++) {
            const int iy = (int)(oy * C::s_h + ky * C::d_h) - (int)C::pad_t;
            const int ix = (int)(ox * C::s_w + kx * C::d_w) - (int)C::pad_l;
            if (iy < 0 || iy >= (int)C::in_h || ix < 0 || ix >= (int)C::in_w) continue;
          WinC:
            for (unsigned c = 0; c < cin_g; c++) {
              const typename C::weight_t wv = w[((ky * C::k_w + kx) * cin_g + c) * C::c_out + o];
              if (wv == 0) continue;
              typename C::accum_t p = x[((unsigned)iy * C::in_w + (unsigned)ix) * C::c_in + g * cin_g + c] * wv;
              acc = acc + p;
            }
          }
        }
        y[(oy * C::out_w + ox) * C::c_out + o] = acc;
      }
    }
  }
}

/* Depthwise: output channel c * depth_mult + m reads input channel c; kernel [kh, kw, c_in, mult]. */
template <class In, class Out, class C>
void depthwise_conv(const In x[C::in_h * C::in_w * C::c_in], Out y[C::out_h * C::out_w * C::c_out],
                    const typename C::weight_t w[C::k_h * C::k_w * C::c_out], const typename C::bias_t b[C::c_out]) {
PixY:
  for (unsigned oy = 0; oy < C::out_h; oy++) {
  PixX:
    for (unsigned ox = 0; ox < C::out_w; ox++) {
#pragma HLS PIPELINE II = C::reuse
    Chan:
      for (unsigned o = 0; o < C::c_out; o++) {
        const unsigned c = o / C::depth_mult;
        typename C::accum_t acc = b[o];
      WinY:
        for (unsigned ky = 0; ky < C::k_h; ky++) {
        WinX:
          for (unsigned kx = 0; kx < C::k_w; kx++) {
            const int iy = (int)(oy * C::s_h + ky * C::d_h) - (int)C::pad_t;
            const int ix = (int)(ox * C::s_w + kx * C::d_w) - (int)C::pad_l;
            if (iy < 0 || iy >= (int)C::in_h || ix < 0 || ix >= (int)C::in_w) continue;
            const typename C::weight_t wv = w[(ky * C::k_w + kx) * C::c_out + o];
            if (wv == 0) continue;
            typename C::accum_t p = x[((unsigned)iy * C::in_w + (unsigned)ix) * C::c_in + c] * wv;
            acc = acc + p;
          }
        }
        y[(oy * C::out_w + ox) * C::c_out + o] = acc;
      }
    }
  }
}

/*
 * io_stream convolution with a line buffer (groups = 1): input pixels arrive in raster order and
 * only the last (k_h - 1) * d_h + 1 input rows are kept. Output row oy is computed as soon as the
 * last input row it needs (clamped to the image) has arrived; each output pixel gathers the same
 * window as conv_window and runs the same per-pixel dense, so the numbers equal io_parallel's.
 */
template <class PIn, class POut, class In, class Out, class C, bool RESOURCE>
void conv_stream(hls::stream<PIn> &xs, hls::stream<POut> &ys, const typename C::weight_t w[C::n_win * C::c_out],
                 const typename C::bias_t b[C::c_out]) {
  static const unsigned KH = (C::k_h - 1) * C::d_h + 1;
  In lines[KH][C::in_w * C::c_in];
#pragma HLS ARRAY_PARTITION variable = lines complete dim = 1
#pragma HLS ARRAY_PARTITION variable = lines cyclic factor = C::c_in dim = 2
  unsigned oy = 0;
Rows:
  for (unsigned iy = 0; iy < C::in_h; iy++) {
  ReadRow:
    for (unsigned ix = 0; ix < C::in_w; ix++) {
#pragma HLS PIPELINE II = 1
      PIn p = xs.read();
      for (unsigned c = 0; c < C::c_in; c++) {
#pragma HLS UNROLL
        lines[iy % KH][ix * C::c_in + c] = p[c];
      }
    }
  OutRows:
    while (oy < C::out_h) {
      int last = (int)(oy * C::s_h + (C::k_h - 1) * C::d_h) - (int)C::pad_t;
      if (last > (int)C::in_h - 1) last = (int)C::in_h - 1;
      if (last < 0) last = 0;
      if ((unsigned)last != iy) break;
    OutCols:
      for (unsigned ox = 0; ox < C::out_w; ox++) {
#pragma HLS PIPELINE II = C::reuse
        In col[C::n_win];
#pragma HLS ARRAY_PARTITION variable = col complete
      WinY:
        for (unsigned ky = 0; ky < C::k_h; ky++) {
        WinX:
          for (unsigned kx = 0; kx < C::k_w; kx++) {
            const int sy = (int)(oy * C::s_h + ky * C::d_h) - (int)C::pad_t;
            const int sx = (int)(ox * C::s_w + kx * C::d_w) - (int)C::pad_l;
            const bool inside = sy >= 0 && sy < (int)C::in_h && sx >= 0 && sx < (int)C::in_w;
          WinC:
            for (unsigned c = 0; c < C::c_in; c++) {
#pragma HLS UNROLL
              const unsigned k = (ky * C::k_w + kx) * C::c_in + c;
              if (inside)
                col[k] = lines[(unsigned)sy % KH][(unsigned)sx * C::c_in + c];
              else
                col[k] = 0;
            }
          }
        }
        Out yv[C::c_out];
#pragma HLS ARRAY_PARTITION variable = yv complete
        if (RESOURCE)
          dense_resource_vec<In, Out, typename C::mult>(col, yv, w, b);
        else
          dense_latency_vec<In, Out, typename C::mult>(col, yv, w, b);
        POut q;
        for (unsigned o = 0; o < C::c_out; o++) {
#pragma HLS UNROLL
          q[o] = yv[o];
        }
        ys.write(q);
      }
      oy++;
    }
  }
}

}  // namespace fml

#endif  // FML_CONV_H_
