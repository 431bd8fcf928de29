/*
 * @fileoverview C-simulation speed of fastml's ap_types header: an hls4ml-style dense
 * multiply-accumulate (product cast to accum_t, then acc += product) against the same loop in
 * double. Build and run from the project root:
 *   g++ -std=c++11 -O2 -I templates/ap_types bench/fixed/cpp_mac.cpp -o /tmp/cpp_mac && /tmp/cpp_mac
 */
#include <chrono>
#include <cstdio>
#include <vector>

#include "ap_fixed.h"

typedef ap_fixed<16, 6> data_t;
typedef ap_fixed<8, 2> weight_t;
typedef ap_fixed<32, 12> accum_t;
typedef ap_fixed<24, 10, AP_RND, AP_SAT> accum_sat_t;

template <class Acc>
static double run_fixed(const std::vector<data_t> &x, const std::vector<weight_t> &w, int n, double &sink) {
  const int rows = (int)x.size() / n;
  auto t0 = std::chrono::steady_clock::now();
  Acc total = 0;
  for (int r = 0; r < rows; ++r) {
    Acc acc = 0;
    for (int i = 0; i < n; ++i) {
      Acc p = x[r * n + i] * w[r * n + i];
      acc += p;
    }
    total += acc;
  }
  auto t1 = std::chrono::steady_clock::now();
  sink += total.to_double();
  return (double)x.size() / std::chrono::duration<double>(t1 - t0).count();
}

int main() {
  const int N = 1 << 18, n = 64;
  std::vector<data_t> x(N);
  std::vector<weight_t> w(N);
  std::vector<double> xd(N), wd(N);
  unsigned s = 12345;
  for (int k = 0; k < N; ++k) {
    s = s * 1103515245u + 12345u;
    x[k] = (double)((int)(s >> 8) % 4000) / 400.0;
    s = s * 1103515245u + 12345u;
    w[k] = (double)((int)(s >> 8) % 400 - 200) / 100.0;
    xd[k] = x[k].to_double();
    wd[k] = w[k].to_double();
  }
  double sink = 0;
  auto t0 = std::chrono::steady_clock::now();
  double tot = 0;
  for (int r = 0; r < N / n; ++r) {
    double acc = 0;
    for (int i = 0; i < n; ++i) acc += xd[r * n + i] * wd[r * n + i];
    tot += acc;
  }
  auto t1 = std::chrono::steady_clock::now();
  sink += tot;
  const double fd = N / std::chrono::duration<double>(t1 - t0).count();
  const double f1 = run_fixed<accum_t>(x, w, n, sink);
  const double f2 = run_fixed<accum_sat_t>(x, w, n, sink);
  std::printf("double MAC                         : %8.1f M/s\n", fd / 1e6);
  std::printf("ap_fixed MAC, accum ap_fixed<32,12>: %8.1f M/s (%.3fx double)\n", f1 / 1e6, f1 / fd);
  std::printf("ap_fixed MAC, accum <24,10,RND,SAT>: %8.1f M/s (%.3fx double)\n", f2 / 1e6, f2 / fd);
  return sink == 0.123 ? 1 : 0;
}
