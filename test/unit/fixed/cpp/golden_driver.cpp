/*
 * @fileoverview Driver for the C++ golden test of fastml's ap_types header. Reads lines
 * "<function index> <case id> <count> <value>..." (decimal integers) from stdin, runs the case
 * through the checker at that index of the generated tables, prints "FAIL <id> <what differed>" for
 * each mismatch and finally "<passed> passed, <failed> failed".
 */
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "golden_cases.h"

// Defined by the generated translation units (golden_tables.cpp lists them in order).
extern std::vector<CaseFn> golden_all_cases();

static Wd parse_decimal(const std::string &s) {
  Wd r = fastml_ap::w_zero();
  size_t k = 0;
  bool neg = false;
  if (k < s.size() && (s[k] == '-' || s[k] == '+')) neg = s[k++] == '-';
  for (; k < s.size(); ++k)
    r = fastml_ap::w_add(fastml_ap::w_mul(r, fastml_ap::w_from_u64(10)), fastml_ap::w_from_u64((unsigned)(s[k] - '0')));
  return neg ? fastml_ap::w_neg(r) : r;
}

int main() {
  std::vector<CaseFn> fns = golden_all_cases();
  std::string line;
  long passed = 0, failed = 0;
  std::vector<Wd> vals;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    std::istringstream in(line);
    size_t fi;
    std::string id, tok;
    int nv;
    in >> fi >> id >> nv;
    vals.clear();
    for (int k = 0; k < nv && in >> tok; ++k) vals.push_back(parse_decimal(tok));
    std::string got;
    if (fi >= fns.size() || (int)vals.size() != nv) {
      std::cout << "FAIL " << id << " malformed input line\n";
      ++failed;
      continue;
    }
    if (fns[fi](vals.data(), nv, got)) {
      ++passed;
    } else {
      ++failed;
      std::cout << "FAIL " << id << " " << got << "\n";
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed ? 1 : 0;
}
