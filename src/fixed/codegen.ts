/**
 * @fileoverview Per-type specialised quantization kernels for the Number fast path.
 *
 * Why generated code: V8 shares type feedback between closures created from the same function
 * literal, so one generic closure per type ends up polymorphic (and slow) as soon as an emulator
 * uses a few types, and a shared array loop cannot inline the quantizer. `new Function` gives each
 * type its own function with its constants baked in as literals; TurboFan then compiles a tight loop
 * per type. Only numbers computed here are spliced into the source (String(double) round-trips
 * exactly), never user text.
 *
 * Exactness (W <= 53, |F| <= 960): y = x * 2^F is an exact power-of-two scaling (a product that
 * underflows to 0 is replaced by a same-signed tiny value so floor/trunc still see its sign);
 * Math.floor/trunc are exact; a non-integer y has |y| < 2^52 so fl + 0.5 is exact, and ties are
 * decided by comparing y with it (y - fl is NOT always exact: y = -0.4999... would need 54 bits);
 * an in-range q has <= 53 bits so q * 2^-F is exact; the wrap q - floor(q / 2^W) * 2^W is exact
 * because every IEEE operation whose exact result is representable returns it. Infinities, NaN,
 * AP_WRAP with N > 0 and AP_WRAP_SM overflows call `slow` (the BigInt reference).
 */

import { fracBits, typeKey, type FixedType } from './type.js';
import { quantizeDouble, quantizeDoubleInfo, rawBounds, rawToDouble } from './quantize.js';

/** Counters updated by the counting kernels (same shape as OverflowStats in fast.ts). */
export interface KernelStats {
  count: number;
  overflow: number;
  underflow: number;
  wrapped: number;
  saturated: number;
  inexact: number;
  maxAbs: number;
}

export interface Kernels {
  /** x -> value of (T)x. */
  quantize: (x: number) => number;
  /** dst[k] = (T)src[k] for k < n. */
  array: (src: ArrayLike<number>, dst: Float64Array, n: number) => void;
  /** A quantizer that also counts into `st`. */
  counting: (st: KernelStats) => (x: number) => number;
  /** The array loop, counting into `st`. */
  countingArray: (src: ArrayLike<number>, dst: Float64Array, n: number, st: KernelStats) => void;
  /** hls4ml dense order with this type as acc_t: see makeDotKernel in fast.ts. */
  dot: DotKernel;
}

/**
 * acc = Q(bias); for i < n: acc = Q(acc + Q(x[xOff + i] * w[wOff + i * wStride])); returns acc,
 * where Q quantizes to the kernel's accumulator type.
 */
export type DotKernel = (
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  bias: number,
  n: number,
  xOff: number,
  wOff: number,
  wStride: number,
) => number;

/** Beyond this |F| the scaling 2^F or the header's subnormal decoding would need care. */
export const MAX_FAST_F = 960;

/** Whether generated kernels are exact for t. */
export function fastPathApplies(t: FixedType): boolean {
  return t.w <= 53 && Math.abs(fracBits(t)) <= MAX_FAST_F;
}

const num = (x: number): string => {
  if (!Number.isFinite(x)) throw new Error(`internal: non-finite constant ${x}`);
  return Object.is(x, -0) ? '0' : `(${String(x)})`;
};

/** Statements turning `y` into the rounded integer `q` for each Q mode. */
function roundSource(q: FixedType['q']): string {
  const nearest = (tie: string): string =>
    `const fl = Math.floor(y); const h = fl + 0.5; const q = (fl !== y && (y > h || (y === h && (${tie})))) ? fl + 1 : fl;`;
  switch (q) {
    case 'AP_TRN':
      return 'const q = Math.floor(y);';
    case 'AP_TRN_ZERO':
      return 'const q = Math.trunc(y);';
    case 'AP_RND':
      return nearest('true');
    case 'AP_RND_ZERO':
      return nearest('y < 0');
    case 'AP_RND_MIN_INF':
      return nearest('false');
    case 'AP_RND_INF':
      return nearest('y > 0');
    case 'AP_RND_CONV':
      return nearest('fl % 2 !== 0');
  }
}

/** Statements computing the result `r` from x (uses `slow` for the reference path). */
function bodySource(t: FixedType, counting: boolean): string {
  const F = fracBits(t);
  const { lo: loB, hi: hiB } = rawBounds(t);
  const lo = Number(loB);
  const hi = Number(hiB);
  const inv = 2 ** -F;
  const symMin = t.o === 'AP_SAT_SYM' && t.signed;
  const loIn = symMin ? lo + 1 : lo;
  const lines: string[] = [];
  lines.push(`let y = x * ${num(2 ** F)};`);
  if (F < 0) lines.push('if (y === 0 && x !== 0) y = x > 0 ? 5e-324 : -5e-324;');
  lines.push(roundSource(t.q));
  if (counting) {
    const kind = t.o === 'AP_WRAP' || t.o === 'AP_WRAP_SM' ? 'wrapped' : 'saturated';
    lines.push(
      'st.count++;',
      'const ax = Math.abs(x); if (ax > st.maxAbs) st.maxAbs = ax;',
      'if (y - y !== 0) { slowCount(x, st); }',
      `else { if (q !== y) st.inexact++; if (q > ${num(hi)}) { st.overflow++; st.${kind}++; } else if (q < ${num(lo)}) { st.underflow++; st.${kind}++; } }`,
    );
  }
  if (t.o === 'AP_WRAP' && t.n === 0 && t.w <= 32 && !counting) {
    // Branch-free wrap: ToInt32 (`|`, `<<`, `&`, `>>>`) is an exact modulo 2^32 of any finite double,
    // and gives 0 for +-Infinity and NaN, which is also what the header gives for them under AP_WRAP
    // (their decoded value 2^1024 * m has no bits below 2^(1024-52)). It also turns -0 into +0.
    const sh = 32 - t.w;
    const wrap = t.signed
      ? t.w === 32
        ? '(q | 0)'
        : `((q << ${sh}) >> ${sh})`
      : t.w === 32
        ? '(q >>> 0)'
        : `(q & ${2 ** t.w - 1})`;
    lines.push(`const r = ${wrap} * ${num(inv)};`);
    return lines.join('\n');
  }
  lines.push(`let r; if (q >= ${num(loIn)} && q <= ${num(hi)}) r = q * ${num(inv)} + 0;`);
  switch (t.o) {
    case 'AP_WRAP':
      if (t.n === 0) {
        const M = 2 ** t.w;
        lines.push(
          `else if (q - q === 0) { let m = q - Math.floor(q * ${num(2 ** -t.w)}) * ${num(M)};`,
          t.signed ? `if (m > ${num(hi)}) m -= ${num(M)};` : '',
          `r = m * ${num(inv)} + 0; } else r = slow(x);`,
        );
      } else lines.push('else r = slow(x);');
      break;
    case 'AP_WRAP_SM':
      lines.push('else r = slow(x);');
      break;
    case 'AP_SAT':
      lines.push(`else r = q !== q ? slow(x) : q > ${num(hi)} ? ${num(hi * inv)} : ${num(lo * inv)};`);
      break;
    case 'AP_SAT_ZERO':
      lines.push('else r = q !== q ? slow(x) : 0;');
      break;
    case 'AP_SAT_SYM': {
      const neg = t.signed ? (t.w === 1 ? lo : lo + 1) : lo;
      lines.push(`else r = q !== q ? slow(x) : q > ${num(hi)} ? ${num(hi * inv)} : ${num(neg * inv)};`);
      break;
    }
  }
  return lines.join('\n');
}

const cache = new Map<string, Kernels>();
/** Bound on cached types: a precision search may try thousands; dropping old entries only costs a recompile. */
const MAX_CACHED = 4096;

/** The kernels of a type (cached per type); t must satisfy fastPathApplies. */
export function kernelsFor(t: FixedType): Kernels {
  const key = typeKey(t);
  const hit = cache.get(key);
  if (hit) return hit;
  if (!fastPathApplies(t)) throw new Error(`internal: no fast kernels for ${key}`);
  const slow = (x: number): number => rawToDouble(quantizeDouble(x, t), t) + 0;
  const isSat = t.o === 'AP_SAT' || t.o === 'AP_SAT_ZERO' || t.o === 'AP_SAT_SYM';
  const slowCount = (x: number, st: KernelStats): void => {
    const info = quantizeDoubleInfo(x, t);
    if (info.inexact) st.inexact++;
    if (info.overflow || info.underflow) {
      if (info.overflow) st.overflow++;
      else st.underflow++;
      if (isSat) st.saturated++;
      else st.wrapped++;
    }
  };
  // Each kernel is compiled on first use: a model touches many types but few kernels per type.
  let plainSrc: string | undefined;
  let countedSrc: string | undefined;
  const plain = (): string => (plainSrc ??= bodySource(t, false));
  const counted = (): string => (countedSrc ??= bodySource(t, true));
  // new Function: see the file overview (per-type code, only numbers spliced in).
  const make = (src: string): any => new Function('slow', 'slowCount', src)(slow, slowCount);
  const lazy = <K extends keyof Kernels>(obj: Partial<Kernels>, name: K, build: () => Kernels[K]): void => {
    Object.defineProperty(obj, name, {
      configurable: true,
      enumerable: true,
      get() {
        const v = build();
        Object.defineProperty(obj, name, { value: v, enumerable: true });
        return v;
      },
    });
  };
  const k: Partial<Kernels> = {};
  lazy(k, 'quantize', () => make(`return function quantize(x) {\n${plain()}\nreturn r;\n};`));
  lazy(k, 'array', () => make(`return function quantizeLoop(src, dst, n) {\nfor (let i = 0; i < n; i++) {\nconst x = src[i];\n${plain()}\ndst[i] = r;\n}\n};`));
  lazy(k, 'counting', () => make(`return function (st) { return function countingQuantize(x) {\n${counted()}\nreturn r;\n}; };`));
  lazy(k, 'countingArray', () =>
    make(`return function countingLoop(src, dst, n, st) {\nfor (let i = 0; i < n; i++) {\nconst x = src[i];\n${counted()}\ndst[i] = r;\n}\n};`),
  );
  // Q is a function declaration private to this generated code, so V8 inlines it per type.
  lazy(k, 'dot', () =>
    make(
      `function Q(x) {\n${plain()}\nreturn r;\n}\n` +
        `return function dot(x, w, bias, n, xOff, wOff, wStride) {\nlet acc = Q(bias);\n` +
        `for (let i = 0; i < n; i++) acc = Q(acc + Q(x[xOff + i] * w[wOff + i * wStride]));\nreturn acc;\n};`,
    ),
  );
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, k as Kernels);
  return k as Kernels;
}
