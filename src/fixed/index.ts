/**
 * @fileoverview The fixed-point core's public API: types (type.ts), the exact BigInt reference
 * (quantize.ts), exact arithmetic and comparisons (arith.ts) and the Number fast path (fast.ts).
 * Everything follows ../shared/golden/ap_fixed/SEMANTICS.md bit for bit.
 */

export * from './type.js';
export * from './quantize.js';
export * from './arith.js';
export * from './fast.js';
