/*
 * @fileoverview fastml HLS layer library: max / average pooling and global pooling.
 *
 * Numerics (the emulator's src/emulator/misc.ts, after hls4ml): max pooling takes the maximum of
 * the real cells (padded cells hold the input type's minimum, which never wins: ONNX and Keras pads
 * are smaller than the window, so every window has a real cell) and passes it through accum_t to
 * result_t; average pooling sums the inside values in accum_t, re-quantized
 * after every addition in window order (row, column), and divides by the number of positions
 * (padded ones included when count_pad), truncating toward zero at accum_t's LSB.
 * 1-D pooling is 2-D pooling with height 1.
 * Config `C`: in_h, in_w, c, out_h, out_w, k_h, k_w, s_h, s_w, pad_t, pad_l, count_pad, and accum_t.
 */
#ifndef FML_POOL_H_
#define FML_POOL_H_

#include "fml_common.h"

namespace fml {

/*
 * trunc0(sum / cnt) at the LSB of accum_t: ap_fixed divided by an integer has the dividend's
 * fractional bits and truncates toward zero (the emulator's rule), so the assignment is exact.
 */
template <class C>
typename C::accum_t div_trunc(const typename C::accum_t &sum, unsigned cnt) {
#pragma HLS INLINE
  typename C::accum_t r = sum / (int)cnt;
  return r;
}

template <class In, class Out, class C>
void max_pool(const In x[C::in_h * C::in_w * C::c], Out y[C::out_h * C::out_w * C::c]) {
PixY:
  for (unsigned oy = 0; oy < C::out_h; oy++) {
  PixX:
    for (unsigned ox = 0; ox < C::out_w; ox++) {
#pragma HLS PIPELINE
    Chan:
      for (unsigned c = 0; c < C::c; c++) {
        In best = 0;
        bool any = false;  // padded cells are skipped: they hold the minimum, which never wins
      WinY:
        for (unsigned ky = 0; ky < C::k_h; ky++) {
        WinX:
          for (unsigned kx = 0; kx < C::k_w; kx++) {
            const int iy = (int)(oy * C::s_h + ky) - (int)C::pad_t;
            const int ix = (int)(ox * C::s_w + kx) - (int)C::pad_l;
            const bool inside = iy >= 0 && iy < (int)C::in_h && ix >= 0 && ix < (int)C::in_w;
            if (!inside) continue;
            const In v = x[((unsigned)iy * C::in_w + (unsigned)ix) * C::c + c];
            if (!any || v > best) best = v;
            any = true;
          }
        }
        typename C::accum_t a = best;
        y[(oy * C::out_w + ox) * C::c + c] = a;
      }
    }
  }
}

template <class In, class Out, class C>
void avg_pool(const In x[C::in_h * C::in_w * C::c], Out y[C::out_h * C::out_w * C::c]) {
PixY:
  for (unsigned oy = 0; oy < C::out_h; oy++) {
  PixX:
    for (unsigned ox = 0; ox < C::out_w; ox++) {
#pragma HLS PIPELINE
    Chan:
      for (unsigned c = 0; c < C::c; c++) {
        typename C::accum_t sum = 0;
        unsigned cnt = 0;
      WinY:
        for (unsigned ky = 0; ky < C::k_h; ky++) {
        WinX:
          for (unsigned kx = 0; kx < C::k_w; kx++) {
            const int iy = (int)(oy * C::s_h + ky) - (int)C::pad_t;
            const int ix = (int)(ox * C::s_w + kx) - (int)C::pad_l;
            const bool inside = iy >= 0 && iy < (int)C::in_h && ix >= 0 && ix < (int)C::in_w;
            if (!inside) {
              if (C::count_pad) cnt++;
              continue;
            }
            sum = sum + x[((unsigned)iy * C::in_w + (unsigned)ix) * C::c + c];
            cnt++;
          }
        }
        y[(oy * C::out_w + ox) * C::c + c] = div_trunc<C>(sum, cnt);
      }
    }
  }
}

/* Global pooling over n_pix positions of c channels. */
template <class In, class Out, class C>
void global_max_pool(const In x[C::n_pix * C::c], Out y[C::c]) {
Chan:
  for (unsigned c = 0; c < C::c; c++) {
    In best = x[c];
  Pix:
    for (unsigned p = 1; p < C::n_pix; p++) {
      if (x[p * C::c + c] > best) best = x[p * C::c + c];
    }
    typename C::accum_t a = best;
    y[c] = a;
  }
}

template <class In, class Out, class C>
void global_avg_pool(const In x[C::n_pix * C::c], Out y[C::c]) {
Chan:
  for (unsigned c = 0; c < C::c; c++) {
    typename C::accum_t sum = 0;
  Pix:
    for (unsigned p = 0; p < C::n_pix; p++) {
      sum = sum + x[p * C::c + c];
    }
    y[c] = div_trunc<C>(sum, C::n_pix);
  }
}

}  // namespace fml

#endif  // FML_POOL_H_
