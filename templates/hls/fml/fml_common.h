/*
 * @fileoverview fastml HLS layer library: shared pieces (stream packets, frame adapters, raw bits).
 *
 * Written for fastml from the numerics in NUMERICS.md; it uses only the standard ap_fixed API
 * (arithmetic, comparison, assignment, range()), so the same code compiles against the Xilinx
 * headers in Vivado/Vitis HLS and against fastml's clean-room ap_types for g++ C simulation.
 * Every layer takes a generated config struct `C` (see parameters.h) that carries the sizes and
 * the fixed-point types; the generated code makes all decisions, the library only computes.
 */
#ifndef FML_COMMON_H_
#define FML_COMMON_H_

#include "ap_fixed.h"
#include "ap_int.h"
#include "hls_stream.h"

/*
 * Large intermediate buffers of the top function are `static` in C simulation (a 200x200x8 map of
 * ap_fixed would overflow a thread's stack) and ordinary locals for synthesis (__SYNTHESIS__ is
 * defined by the HLS tools during synthesis only), where static would imply state across calls.
 */
#ifdef __SYNTHESIS__
#define FML_BUFFER
#else
#define FML_BUFFER static
#endif

namespace fml {

/* One element of an io_stream channel: all channels of one pixel (or all features of a vector). */
template <class T, unsigned N>
struct pkt {
  T data[N];
  T &operator[](unsigned k) { return data[k]; }
  const T &operator[](unsigned k) const { return data[k]; }
};

/* Reads NPIX packets of C values into a channels-last array (the io_stream -> buffer adapter). */
template <class P, class T, unsigned NPIX, unsigned C>
void read_frame(hls::stream<P> &s, T x[NPIX * C]) {
ReadPix:
  for (unsigned p = 0; p < NPIX; p++) {
#pragma HLS PIPELINE II = 1
    P v = s.read();
  ReadChan:
    for (unsigned c = 0; c < C; c++) {
#pragma HLS UNROLL
      x[p * C + c] = v[c];
    }
  }
}

/* Writes a channels-last array as NPIX packets of C values. */
template <class P, class T, unsigned NPIX, unsigned C>
void write_frame(const T y[NPIX * C], hls::stream<P> &s) {
WritePix:
  for (unsigned p = 0; p < NPIX; p++) {
#pragma HLS PIPELINE II = 1
    P v;
  WriteChan:
    for (unsigned c = 0; c < C; c++) {
#pragma HLS UNROLL
      v[c] = y[p * C + c];
    }
    s.write(v);
  }
}

/* A dataflow stream may have only one reader: a tensor used twice is first copied into two. */
template <class P, unsigned NPIX>
void clone_stream(hls::stream<P> &in, hls::stream<P> &a, hls::stream<P> &b) {
ClonePix:
  for (unsigned p = 0; p < NPIX; p++) {
#pragma HLS PIPELINE II = 1
    P v = in.read();
    a.write(v);
    b.write(v);
  }
}

/* The W-bit two's complement pattern of a fixed-point value, as an unsigned integer (W <= 64). */
template <unsigned W, class T>
unsigned long long raw_bits(const T &x) {
  return x.range(W - 1, 0).to_uint64();
}

/* Copies with a cast to the destination type (linear activation, reshape with a type change). */
template <class In, class Out, unsigned N>
void copy_cast(const In x[N], Out y[N]) {
CopyLoop:
  for (unsigned k = 0; k < N; k++) {
#pragma HLS UNROLL
    y[k] = x[k];
  }
}

}  // namespace fml

#endif  // FML_COMMON_H_
