/*
 * @fileoverview fastml HLS layer library: max / average pooling and global pooling.
 *
 * Numerics (the emulator's src/emulator/misc.ts, after hls4ml): a padded window position counts as
 * the value 0 for max pooling; average pooling sums the inside values in accum_t, re-quantized
 * after every addition in window order (row, column), and divides by the number of positions
 * (padded ones included when count_pad), truncating toward zero at accum_t's LSB. The division is
 * done on the raw integer, so it is exact and needs no divider of fixed-point values.
 * 1-D pooling is 2-D pooling with height 1.
 * Config `C`: in_h, in_w, c, out_h, out_w, k_h, k_w, s_h, s_w, pad_t, pad_l, count_pad, acc_w,
 * acc_f, acc_signed, and accum_t.
 */
#ifndef FML_POOL_H_
#define FML_POOL_H_

#include "fml_common.h"
#include "fml_activation.h"

namespace fml {

/* trunc0(sum / cnt) at the LSB of accum_t, from the raw bits. */
template <class C>
typename C::accum_t div_trunc(const typename C::accum_t &sum, unsigned cnt) {
#pragma HLS INLINE
  const long long q = raw_signed<C::acc_w, C::acc_signed>(sum) / (long long)cnt;
  typename C::accum_t r;
  r.range(C::acc_w - 1, 0) = (unsigned long long)q;
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
        bool any = false;
      WinY:
        for (unsigned ky = 0; ky < C::k_h; ky++) {
        WinX:
          for (unsigned kx = 0; kx < C::k_w; kx++) {
            const int iy = (int)(oy * C::s_h + ky) - (int)C::pad_t;
            const int ix = (int)(ox * C::s_w + kx) - (int)C::pad_l;
            const bool inside = iy >= 0 && iy < (int)C::in_h && ix >= 0 && ix < (int)C::in_w;
            if (!inside) {
              // A padded position takes part as the value 0.
              if (!any || best < 0) best = 0;
              any = true;
              continue;
            }
            const In v = x[((unsigned)iy * C::in_w + (unsigned)ix) * C::c + c];
            if (!any || v > best) best = v;
            any = true;
          }
        }
        y[(oy * C::out_w + ox) * C::c + c] = best;
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
    y[c] = best;
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
