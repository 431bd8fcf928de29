/*
 * @fileoverview fastml's clean-room ap_int.h: ap_int / ap_uint (with ap_fixed, as the vendor's ap_int.h
 * also makes available) for vendor-free C simulation with g++. See fastml_ap_types.h.
 */
#ifndef FASTML_AP_INT_H_
#define FASTML_AP_INT_H_
#include "fastml_ap_types.h"
#endif
