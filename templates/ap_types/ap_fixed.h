/*
 * @fileoverview fastml's clean-room ap_fixed.h for vendor-free C simulation with g++ (C++11 and later).
 * Provides ap_fixed, ap_ufixed, ap_int, ap_uint with the vendor headers' public API and bit-exact
 * semantics (see fastml_ap_types.h). A Vivado/Vitis build uses the vendor's own ap_fixed.h instead.
 */
#ifndef FASTML_AP_FIXED_H_
#define FASTML_AP_FIXED_H_
#include "fastml_ap_types.h"
#endif
