/*
 * @fileoverview A minimal hls::stream for C simulation with g++ (fastml, clean-room).
 *
 * Only what generated fastml projects use: write/read/empty/full/size and the << >> operators.
 * A std::deque holds the elements, so the stream is unbounded in simulation; the depth pragmas in
 * the generated code only matter to the HLS tool. Reading an empty stream is always a design bug
 * (a producer wrote fewer elements than a consumer expects), so it is reported on stderr and the
 * simulation is stopped instead of returning a made-up value that would hide the error.
 * A Vivado/Vitis build never sees this file: the build scripts use the vendor's own hls_stream.h.
 */
#ifndef FASTML_HLS_STREAM_H_
#define FASTML_HLS_STREAM_H_

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

namespace hls {

template <class T>
class stream {
 public:
  stream() : name_("hls::stream") {}
  explicit stream(const char *name) : name_(name ? name : "hls::stream") {}

  void write(const T &v) { q_.push_back(v); }
  bool write_nb(const T &v) {
    q_.push_back(v);
    return true;
  }

  T read() {
    if (q_.empty()) {
      std::fprintf(stderr, "hls::stream '%s': read from an empty stream\n", name_.c_str());
      std::exit(3);
    }
    T v = q_.front();
    q_.pop_front();
    return v;
  }
  void read(T &v) { v = read(); }
  bool read_nb(T &v) {
    if (q_.empty()) return false;
    v = read();
    return true;
  }

  bool empty() const { return q_.empty(); }
  bool full() const { return false; }
  std::size_t size() const { return q_.size(); }

  void operator<<(const T &v) { write(v); }
  void operator>>(T &v) { v = read(); }

 private:
  // Streams are channels, not values: copying one would silently split its contents.
  stream(const stream &);
  stream &operator=(const stream &);

  std::deque<T> q_;
  std::string name_;
};

}  // namespace hls

#endif  // FASTML_HLS_STREAM_H_
