/*
 * @fileoverview fastml's clean-room ap_types: the text the vendor's stream output prints for a
 * fixed value. operator<< there does not print the exact decimal: it cuts it to the stream's
 * precision with its own rules (below), and testbench output is compared across the two headers,
 * so fastml reproduces them. Included from fastml_ap_types.h.
 */
#ifndef FASTML_AP_TEXT_H_
#define FASTML_AP_TEXT_H_

#include <string>

namespace fastml_ap {

/**
 * "1.234e-05"-style text of a positive decimal string, the way the vendor's stream output writes
 * small and long values: the first significant digit, the others after a point (zeros between them
 * kept, the point dropped), then e+NN / e-NN unless the exponent is 0.
 */
inline std::string fx_sci(const std::string &m) {
  std::size_t dot = m.find('.');
  if (dot == std::string::npos) dot = m.size();
  std::size_t first = 0;
  while (first < m.size() && (m[first] < '1' || m[first] > '9')) ++first;
  std::size_t last = m.size() - 1;
  while (last > first && (m[last] < '1' || m[last] > '9')) --last;
  const int exp = first > dot ? (int)dot - (int)first : (int)dot - (int)first - 1;
  std::string r(1, m[first]);
  if (last != first) {
    r += '.';
    for (std::size_t i = first + 1; i <= last; ++i)
      if (m[i] != '.') r += m[i];
  }
  if (exp != 0) {
    r += exp < 0 ? "e-" : "e+";
    const int a = exp < 0 ? -exp : exp;
    if (a < 10) r += '0';
    r += std::to_string(a);
  }
  return r;
}

/**
 * The exact decimal text s cut to `prec` significant digits as the vendor's operator<< does it
 * (the stream's precision, 6 by default): values that already fit are printed unchanged (integers
 * too, however long: 1000000 stays 1000000), except pure fractions with 4 or more zeros after the
 * point, which go to scientific form; longer values are rounded half up on the magnitude, trailing
 * fraction zeros dropped, and written in scientific form when the fraction then starts with 4 or
 * more zeros or an integer is longer than `prec` digits.
 */
inline std::string fx_reduce_precision(const std::string &s, int prec) {
  if (prec <= 0) prec = 6;
  const bool neg = !s.empty() && s[0] == '-';
  std::string m = neg ? s.substr(1) : s;
  const std::string sign = neg ? "-" : "";
  std::size_t first = 0;
  while (first < m.size() && (m[first] < '1' || m[first] > '9')) ++first;
  if (first == m.size()) return "0";
  std::size_t dot = m.find('.');
  const bool has_frac = dot != std::string::npos;
  if (!has_frac) dot = m.size();
  int sig = 0;  // digits from the first to the last non-zero one
  std::size_t last = m.size() - 1;
  while (m[last] < '1' || m[last] > '9') --last;
  for (std::size_t i = first; i <= last; ++i)
    if (m[i] != '.') ++sig;
  if (sig <= prec) {
    if (first > dot && first - dot - 1 >= 4) return sign + fx_sci(m);
    return s;
  }
  // Round half up on the magnitude, looking at one character: digit prec + 1 when the point lies
  // among the first prec + 1 digits (every value but huge ones). The vendor header picks the
  // character by position, so with the point further right it looks one digit too far (or at the
  // point itself, which never carries), and the last kept digit is then merely truncated; fastml
  // does the same so that testbench output matches.
  std::size_t cut = first + (std::size_t)prec + (has_frac && first < dot ? 1 : 0);
  m = "0" + m;  // room for a carry out of the leading digit
  ++cut;
  bool carry = cut < m.size() && m[cut] > '4';
  for (std::size_t i = cut; carry && i-- > 0;) {
    if (m[i] == '.') continue;
    if (m[i] == '9') {
      m[i] = '0';
    } else {
      ++m[i];
      carry = false;
    }
  }
  first = 0;
  while (m[first] < '1' || m[first] > '9') ++first;
  for (int n = 0; first < m.size(); ++first) {
    if (m[first] == '.') continue;
    if (++n > prec) m[first] = '0';
  }
  if (m[0] == '0') m.erase(0, 1);
  dot = m.find('.');
  if (dot != std::string::npos) {
    std::size_t end = m.size();
    while (end > dot + 1 && m[end - 1] == '0') --end;
    m.erase(end == dot + 1 ? dot : end);
  }
  dot = m.find('.');
  if (dot != std::string::npos) {
    std::size_t z = dot + 1;
    while (z < m.size() && m[z] == '0') ++z;
    return sign + (z - dot - 1 < 4 ? m : fx_sci(m));
  }
  return sign + ((int)m.size() <= prec ? m : fx_sci(m));
}

}  // namespace fastml_ap

#endif  // FASTML_AP_TEXT_H_
