/**
 * @fileoverview Unit tests of the fixed-point core on the worked examples of SEMANTICS.md: spellings,
 * rounding/overflow modes, result types, the division quirk, C++ comparisons, shifts, to_int,
 * ap_int(double), to_double/to_float, and the statistics of the counting quantizer.
 */

import { describe, expect, it } from 'vitest';
import {
  addRaw,
  addType,
  castRaw,
  dotAccumulate,
  dotIsExact,
  makeDotKernel,
  mulRaw,
  apIntFromDouble,
  divRaw,
  divType,
  equalsCpp,
  fixedType,
  formatHls4ml,
  formatType,
  intType,
  lessThanCpp,
  makeCountingQuantizer,
  makeQuantizer,
  mulType,
  newOverflowStats,
  parseFixed,
  parseType,
  quantizeArray,
  quantizeDouble,
  quantizeDoubleBits,
  rawToDouble,
  rawToFloat,
  shl,
  shr,
  subType,
  toInt,
  toIntValue,
  type FixedType,
} from '../../../src/fixed/index.js';

const T = (s: string): FixedType => parseFixed(s);
const val = (x: number, s: string): number => rawToDouble(quantizeDouble(x, T(s)), T(s));

describe('type spellings', () => {
  it('parses every spelling and prints the shortest C++ form', () => {
    const cases: [string, string][] = [
      ['ap_fixed<16,6>', 'ap_fixed<16,6>'],
      ['ap_fixed<16,6,AP_RND,AP_SAT>', 'ap_fixed<16,6,AP_RND,AP_SAT>'],
      ['ap_ufixed<8,3,AP_RND_CONV,AP_SAT_SYM>', 'ap_ufixed<8,3,AP_RND_CONV,AP_SAT_SYM>'],
      ['ap_fixed<16,6,AP_TRN,AP_WRAP,0>', 'ap_fixed<16,6>'],
      ['ap_fixed<16,6,AP_RND,AP_WRAP>', 'ap_fixed<16,6,AP_RND>'],
      ['ap_fixed<8,4,AP_TRN,AP_WRAP_SM,2>', 'ap_fixed<8,4,AP_TRN,AP_WRAP_SM,2>'],
      ['ap_int<8>', 'ap_int<8>'],
      ['ap_uint<4>', 'ap_uint<4>'],
      ['fixed<16,6,RND,SAT>', 'ap_fixed<16,6,AP_RND,AP_SAT>'],
      ['ufixed<10,-2>', 'ap_ufixed<10,-2>'],
      ['int<8>', 'ap_int<8>'],
      ['uint<3>', 'ap_uint<3>'],
      [' ap_fixed< 18 , 8 > ', 'ap_fixed<18,8>'],
    ];
    for (const [inp, out] of cases) expect(formatType(parseType(inp)), inp).toBe(out);
    expect(parseType('auto')).toBe('auto');
    expect(formatHls4ml(T('ap_fixed<16,6>'))).toBe('fixed<16,6,TRN,WRAP,0>');
  });

  it('rejects bad strings, quoting them and saying what is expected', () => {
    for (const bad of ['ap_fixed<16>', 'ap_fixed<0,1>', 'fixed<16,6,ROUND>', 'float', 'ap_int<8,2>', 'ap_ufixed<8,4,AP_TRN,AP_WRAP_SM>']) {
      expect(() => parseType(bad)).toThrow(new RegExp(`"${bad.replace(/[<>]/g, '.')}"`));
    }
    expect(() => parseType('float32')).toThrow(/expected ap_fixed<W,I/);
  });
});

describe('quantization (SEMANTICS.md section 2 and 3)', () => {
  it('rounds in all seven modes as the table says', () => {
    const modes = ['AP_RND', 'AP_RND_ZERO', 'AP_RND_MIN_INF', 'AP_RND_INF', 'AP_RND_CONV', 'AP_TRN', 'AP_TRN_ZERO'];
    const table: Record<string, number[]> = {
      '2.5': [3, 2, 2, 3, 2, 2, 2],
      '3.5': [4, 3, 3, 4, 4, 3, 3],
      '-2.5': [-2, -2, -3, -3, -2, -3, -2],
      '-3.5': [-3, -3, -4, -4, -4, -4, -3],
    };
    for (const [x, outs] of Object.entries(table)) {
      modes.forEach((m, k) => {
        const t = `ap_fixed<8,8,${m}>`;
        expect(val(Number(x), t), `${t}(${x})`).toBe(outs[k]);
        expect(makeQuantizer(T(t))(Number(x)), `fast ${t}(${x})`).toBe(outs[k]);
      });
    }
  });

  it('follows the overflow examples', () => {
    expect(val(-0.01, 'ap_fixed<8,4>')).toBe(-0.0625);
    expect(val(7.97, 'ap_fixed<8,4,AP_RND,AP_SAT>')).toBe(7.9375);
    expect(val(7.97, 'ap_fixed<8,4,AP_RND,AP_WRAP>')).toBe(-8);
    expect(val(-2.0, 'ap_fixed<4,2,AP_TRN,AP_SAT_SYM>')).toBe(-1.75);
    expect(val(40, 'ap_fixed<6,6,AP_TRN,AP_WRAP,2>')).toBe(24);
    expect(val(-40, 'ap_fixed<6,6,AP_TRN,AP_WRAP,2>')).toBe(-24);
    expect(val(-10, 'ap_ufixed<4,4,AP_TRN,AP_WRAP,1>')).toBe(14);
    for (const [x, r] of [[9, 6], [12, 3], [17, -2], [-9, -8]]) expect(val(x!, 'ap_fixed<4,4,AP_TRN,AP_WRAP_SM>')).toBe(r);
    expect(val(15.5, 'ap_fixed<4,4,AP_RND,AP_WRAP_SM>')).toBe(0);
    expect(val(9, 'ap_fixed<4,4,AP_TRN,AP_WRAP_SM,1>')).toBe(6);
  });

  it('handles the double specials as the header does', () => {
    expect(val(-0, 'ap_fixed<8,4>')).toBe(0);
    expect(val(-5e-324, 'ap_fixed<8,4>')).toBe(-0.0625);
    expect(val(Infinity, 'ap_fixed<8,4>')).toBe(0);
    expect(val(Infinity, 'ap_fixed<8,4,AP_TRN,AP_SAT>')).toBe(7.9375);
    expect(val(-Infinity, 'ap_fixed<8,4,AP_TRN,AP_SAT>')).toBe(-8);
    expect(val(Infinity, 'ap_fixed<8,4,AP_TRN,AP_WRAP,2>')).toBe(4);
    expect(quantizeDoubleBits('fff8000000000000', T('ap_fixed<8,4,AP_TRN,AP_SAT>'))).toBe(-128n);
    expect(quantizeDoubleBits('7ff8000000000000', T('ap_fixed<8,4,AP_TRN,AP_SAT>'))).toBe(127n);
  });

  it('is exact beyond 53 bits', () => {
    const t = T('ap_fixed<64,64>');
    expect(quantizeDouble(2 ** 62, t)).toBe(1n << 62n);
    expect(rawToDouble((1n << 53n) + 1n, t)).toBe(2 ** 53);
    expect(rawToDouble((1n << 53n) + 3n, t)).toBe(2 ** 53 + 4);
    // The fast quantizer of a wide type refuses to return a value that is not a double.
    const q = makeQuantizer(T('ap_fixed<64,10>'));
    expect(q(1.5)).toBe(1.5);
    expect(rawToFloat(16777217n, T('ap_int<32>'))).toBe(16777216);
    expect(rawToFloat(16777219n, T('ap_int<32>'))).toBe(16777220);
  });
});

describe('arithmetic result types and values (section 5)', () => {
  it('widens as the header does', () => {
    const a = T('ap_fixed<8,4>');
    const b = T('ap_ufixed<6,2>');
    expect(formatType(mulType(a, b))).toBe('ap_fixed<14,6>');
    expect(formatType(addType(a, b))).toBe('ap_fixed<9,5>');
    expect(formatType(divType(a, b))).toBe('ap_fixed<12,8>');
    expect(formatType(subType(T('ap_ufixed<4,4>'), T('ap_ufixed<4,4>')))).toBe('ap_fixed<5,5>');
    expect(formatType(addType(a, intType(32)))).toBe('ap_fixed<37,33>');
    expect(formatType(divType(intType(8), intType(8)))).toBe('ap_int<9>');
  });

  it('division truncates toward zero and wraps MIN / -1 like the header', () => {
    const a = T('ap_fixed<8,4>');
    expect(divRaw(-7n, a, 2n, a).raw).toBe(-56n); // -7/16 / (2/16) = -3.5 -> F=4 raw -56
    const r = divRaw(-16n, T('ap_fixed<5,2>'), -1n, T('ap_fixed<1,-3>'));
    expect(formatType(r.type)).toBe('ap_fixed<10,7>');
    expect(rawToDouble(r.raw, r.type)).toBe(-32);
  });
});

describe('comparisons, shifts, conversions (sections 6 to 9)', () => {
  it('reproduces the mixed-signedness comparison rules', () => {
    expect(lessThanCpp(-1n, T('ap_int<40>'), 1n, T('ap_uint<40>'))).toBe(false);
    expect(lessThanCpp(-1n, T('ap_int<8>'), 1n, T('ap_uint<8>'))).toBe(true);
    expect(equalsCpp(-1n, T('ap_int<8>'), (1n << 40n) - 1n, T('ap_uint<40>'))).toBe(true);
    expect(lessThanCpp(-1n, T('ap_int<8>'), 1n, fixedType(32, 32, false))).toBe(false);
    expect(lessThanCpp(-1n, T('ap_int<8>'), 1n, fixedType(32, 32, true))).toBe(true);
  });

  it('shifts keep the type and wrap', () => {
    const t = T('ap_fixed<8,4,AP_RND,AP_SAT>');
    expect(shl(100n, t, 1)).toBe(-56n);
    expect(shr(-3n, t, 1)).toBe(-2n);
    expect(shl(5n, t, -1)).toBe(2n);
    expect(shl(5n, t, 9)).toBe(0n);
    expect(shr(-5n, t, 20)).toBe(-1n);
  });

  it('to_int truncates toward zero, with the I <= 0 quirk', () => {
    expect(toInt(-120n, T('ap_fixed<8,4>'))).toBe(-7);
    expect(toIntValue(-7.5, T('ap_fixed<8,4>'))).toBe(-7);
    expect(toInt(-64n, T('ap_fixed<8,0>'))).toBe(-1);
    expect(toIntValue(-0.25, T('ap_fixed<8,0>'))).toBe(-1);
    expect(toInt(1n << 40n, T('ap_int<48>'))).toBe(0);
    expect(toIntValue(2 ** 40 + 5, T('ap_int<48>'))).toBe(5);
  });

  it('ap_int(double) truncates, wraps, and gives 1 on (-0.5, 0)', () => {
    expect(apIntFromDouble(300.7, 8, true)).toBe(44n);
    expect(apIntFromDouble(-0.3, 8, true)).toBe(1n);
    expect(apIntFromDouble(-0.3, 8, false)).toBe(1n);
    expect(apIntFromDouble(NaN, 8, true)).toBe(0n);
    expect(apIntFromDouble(-3.7, 8, false)).toBe(253n);
  });
});

describe('dense dot kernels', () => {
  it('dotAccumulate and makeDotKernel agree with the BigInt ops (hls4ml order, saturating acc)', () => {
    const xt = T('ap_fixed<10,4>');
    const wt = T('ap_fixed<6,1>');
    const acct = T('ap_fixed<12,4,AP_RND,AP_SAT>');
    const n = 40;
    const xr: bigint[] = [];
    const wr: bigint[] = [];
    let s = 7;
    const rnd = (m: number): number => ((s = (s * 1103515245 + 12345) >>> 0) % (2 * m)) - m;
    for (let k = 0; k < n; k++) {
      xr.push(BigInt(rnd(512)));
      wr.push(BigInt(rnd(32)));
    }
    const br = 100n;
    const bt = T('ap_fixed<8,3>');
    // Reference: exact products cast to acc_t, then acc = (acc_t)(acc + m) in order.
    let acc = castRaw(br, bt, acct);
    for (let k = 0; k < n; k++) {
      const p = mulRaw(xr[k]!, xt, wr[k]!, wt);
      const m = castRaw(p.raw, p.type, acct);
      const sum = addRaw(acc, acct, m, acct);
      acc = castRaw(sum.raw, sum.type, acct);
    }
    const want = rawToDouble(acc, acct);
    // The data does saturate: an unsaturated float sum would give something else.
    const plain = xr.reduce((a, r, k) => a + rawToDouble(r, xt) * rawToDouble(wr[k]!, wt), rawToDouble(br, bt));
    expect(Math.abs(plain - want)).toBeGreaterThan(0.5);
    expect(dotIsExact(xt, wt, acct)).toBe(true);
    const x = xr.map((r) => rawToDouble(r, xt));
    const w = wr.map((r) => rawToDouble(r, wt));
    const b = rawToDouble(br, bt);
    expect(dotAccumulate(x, w, b, makeQuantizer(acct))).toBe(want);
    expect(makeDotKernel(acct)(x, w, b, n, 0, 0, 1)).toBe(want);
    expect(dotIsExact(T('ap_fixed<32,8>'), T('ap_fixed<32,8>'), acct)).toBe(false);
    expect(() => makeDotKernel(T('ap_fixed<64,20>'))).toThrow(RangeError);
  });
});

describe('batch quantization and statistics', () => {
  it('counts overflow, wraps vs saturations, inexact values and the largest |x|', () => {
    const src = new Float64Array([0.5, 8.5, -9, 1.03125, -0.001, 100]);
    const st = newOverflowStats();
    const out = quantizeArray(src, T('ap_fixed<8,4>'), new Float64Array(src.length), st);
    expect(Array.from(out)).toEqual([0.5, -7.5, 7, 1, -0.0625, 4]);
    expect(st).toEqual({ count: 6, overflow: 2, underflow: 1, wrapped: 3, saturated: 0, inexact: 2, maxAbs: 100 });
    const st2 = newOverflowStats();
    const q = makeCountingQuantizer(T('ap_fixed<8,4,AP_RND,AP_SAT>'), st2);
    expect(q(7.97)).toBe(7.9375);
    expect(q(-100)).toBe(-8);
    expect(st2.saturated).toBe(2); // 7.97 rounds to 8 = max + 1 LSB, then saturates
    expect(st2.underflow).toBe(1);
    expect(st2.inexact).toBe(1);
  });
});
