/*
 * @fileoverview Evaluates the ap_types header's run-time rules for lines read from stdin, so that
 * test/property/fixed-cpp.test.ts can compare them with the TypeScript core on random inputs:
 *   cmp OP A W1 F1 S1 B W2 F2 S2   -> 0/1   (OP 0 <, 1 <=, 2 >, 3 >=, 4 ==, 5 !=)
 *   dbl R F                        -> the bits of to_double(), 16 hex digits
 *   flt R F                        -> the bits of to_float(), 8 hex digits
 *   int R F I                      -> to_int64()
 *   div A W1 F1 S1 B W2 F2 S2      -> the raw quotient
 * All integers are decimal; one result per line.
 */
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "fastml_ap_core.h"

using namespace fastml_ap;

static fx_wide parse(const std::string &s) {
  fx_wide r = w_zero();
  size_t k = 0;
  bool neg = false;
  if (k < s.size() && s[k] == '-') neg = true, ++k;
  for (; k < s.size(); ++k) r = w_add(w_mul(r, w_from_u64(10)), w_from_u64((unsigned)(s[k] - '0')));
  return neg ? w_neg(r) : r;
}

int main() {
  std::string kind;
  while (std::cin >> kind) {
    if (kind == "cmp") {
      int op, w1, f1, s1, w2, f2, s2;
      std::string a, b;
      std::cin >> op >> a >> w1 >> f1 >> s1 >> b >> w2 >> f2 >> s2;
      std::printf("%d\n", fx_compare(op, parse(a), w1, f1, s1 != 0, parse(b), w2, f2, s2 != 0) ? 1 : 0);
    } else if (kind == "dbl") {
      std::string r;
      int f;
      std::cin >> r >> f;
      double d = fx_to_double(parse(r), f);
      unsigned long long bits;
      std::memcpy(&bits, &d, sizeof bits);
      std::printf("%016llx\n", bits);
    } else if (kind == "flt") {
      std::string r;
      int f;
      std::cin >> r >> f;
      float x = fx_to_float(parse(r), f);
      unsigned bits;
      std::memcpy(&bits, &x, sizeof bits);
      std::printf("%08x\n", bits);
    } else if (kind == "int") {
      std::string r;
      int f, i;
      std::cin >> r >> f >> i;
      std::printf("%lld\n", (long long)fx_trunc_int(parse(r), f, i).l[0]);
    } else if (kind == "div") {
      int w1, f1, s1, w2, f2, s2;
      std::string a, b;
      std::cin >> a >> w1 >> f1 >> s1 >> b >> w2 >> f2 >> s2;
      std::printf("%s\n", fx_raw_decimal(fx_divide(parse(a), w1, f1, s1 != 0, parse(b), w2, f2, s2 != 0)).c_str());
    } else {
      std::printf("?\n");
    }
  }
  return 0;
}
