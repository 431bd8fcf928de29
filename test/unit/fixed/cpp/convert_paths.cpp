/*
 * @fileoverview Checks the 128-bit fast path of fastml's ap_types conversion (fx_convert) against the
 * general 256-bit path (fx_convert_wide) on random sources and destinations: every Q and O mode, N,
 * widths 1..64, I in -8..W+8, sources of up to 64 bits and shifts across the fast path's limits.
 * Prints "<checked> checked, <mismatches> mismatches" and exits non-zero on any mismatch.
 */
#include <cstdio>
#include <cstdlib>

#include "fastml_ap_core.h"

using namespace fastml_ap;

static unsigned long long state = 0x9E3779B97F4A7C15ULL;
static unsigned long long next() {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}
static int pick(int lo, int hi) { return lo + (int)(next() % (unsigned long long)(hi - lo + 1)); }

int main(int argc, char **argv) {
  long count = argc > 1 ? std::atol(argv[1]) : 2000000;
  long bad = 0;
  for (long k = 0; k < count; ++k) {
    const int W = pick(1, 64);
    const int I = pick(-8, W + 8);
    const int O = pick(0, 4);
    const bool S = O == O_WRAP_SM ? true : (next() & 1);
    const int Q = pick(0, 6);
    const int N = (O == O_WRAP || O == O_WRAP_SM) ? pick(0, W) : 0;
    const int bits = pick(1, 64);
    long long v = (long long)next();
    if (bits < 64) v >>= (64 - bits);  // arithmetic: any sign
    const int e = pick(-80, 40);
    const fx_wide n = w_from_i64(v);
    const fx_wide a = fx_convert(n, e, W, I, S, Q, O, N);
    const fx_wide b = fx_convert_wide(n, e, W, I, S, Q, O, N);
    if (!w_eq(a, b)) {
      if (++bad <= 10)
        std::printf("MISMATCH n=%lld e=%d <%d,%d,%s,Q%d,O%d,%d>: fast %s wide %s\n", v, e, W, I, S ? "s" : "u", Q, O, N,
                    fx_raw_decimal(a).c_str(), fx_raw_decimal(b).c_str());
    }
  }
  std::printf("%ld checked, %ld mismatches\n", count, bad);
  return bad ? 1 : 0;
}
