/**
 * @fileoverview QKeras quantizers as they appear in saved model configs, parsed into one plain form
 * `{name, args}` for the quantization pass. QKeras writes them two ways:
 * - dict: `{class_name: 'quantized_bits', config: {bits: 6, integer: 0, ...}}` (Keras 3 adds
 *   `module` / `registered_name: 'qkeras>quantized_bits'`);
 * - string: `"quantized_relu(3,1)"`, `"quantized_bits(6,0,alpha=1)"`, or a bare name `"binary"`.
 * Positional arguments of the string form are named after QKeras' constructor signatures, so both
 * forms give the same `args`. Nothing here computes types: that is the quantization pass's job.
 */

import type { ActivationKind, QuantFact } from '../../ir/graph.js';

export type QArg = number | boolean | string | null;

export interface ParsedQuantizer {
  /** QKeras class name, e.g. `quantized_bits`. */
  readonly name: string;
  readonly args: Readonly<Record<string, QArg>>;
}

/** QKeras constructor parameter order, for naming positional arguments of the string form. */
const POSITIONAL: Record<string, readonly string[]> = {
  quantized_bits: ['bits', 'integer', 'symmetric', 'keep_negative', 'alpha', 'use_stochastic_rounding'],
  quantized_relu: ['bits', 'integer', 'use_sigmoid', 'negative_slope', 'use_stochastic_rounding', 'relu_upper_bound'],
  quantized_tanh: ['bits', 'integer', 'symmetric', 'use_stochastic_rounding'],
  quantized_sigmoid: ['bits', 'symmetric', 'use_real_sigmoid', 'use_stochastic_rounding'],
  quantized_ulaw: ['bits', 'integer', 'symmetric', 'u'],
  quantized_po2: ['bits', 'max_value', 'use_stochastic_rounding', 'quadratic_approximation', 'log2_rounding'],
  quantized_relu_po2: ['bits', 'max_value', 'negative_slope', 'use_stochastic_rounding', 'quadratic_approximation', 'log2_rounding'],
  quantized_hswish: ['bits', 'integer', 'symmetric', 'alpha', 'use_stochastic_rounding'],
  binary: ['use_01', 'alpha', 'use_stochastic_rounding'],
  stochastic_binary: ['alpha', 'temperature', 'use_real_sigmoid'],
  bernoulli: ['alpha', 'temperature', 'use_real_sigmoid'],
  ternary: ['alpha', 'threshold', 'use_stochastic_rounding', 'number_of_unrolls'],
  stochastic_ternary: ['alpha', 'threshold', 'temperature', 'use_real_sigmoid', 'number_of_unrolls'],
};

/** Every quantizer name fastml knows to be a QKeras quantizer (others are plain activations). */
export function isQuantizerName(name: string): boolean {
  return name in POSITIONAL;
}

/** Parses one literal of the string form: numbers, True/False/None, quoted strings. */
function parseLiteral(text: string): QArg {
  const t = text.trim();
  if (t === 'True' || t === 'true') return true;
  if (t === 'False' || t === 'false') return false;
  if (t === 'None' || t === 'null') return null;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  const q = /^(['"])(.*)\1$/.exec(t);
  if (q) return q[2]!;
  return t;
}

/** Splits on top-level commas (QKeras args are flat, but a quoted string may hold a comma). */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = '';
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (ch === '(' || ch === '[') {
      depth++;
      cur += ch;
    } else if (ch === ')' || ch === ']') {
      depth--;
      cur += ch;
    } else if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

/**
 * Parses a QKeras quantizer in dict or string form. Returns undefined for null/absent, and
 * throws an Error with a short reason for something that is neither (the caller turns that into
 * a diagnostic naming the layer).
 */
export function parseQuantizer(q: unknown): ParsedQuantizer | undefined {
  const p = parseQuantizerForm(q);
  if (p) checkQuantizerArgs(p);
  return p;
}

/** Widest quantizer fastml reads: QKeras computes in float32, and 64 bits is what ap_fixed code needs at most here. */
const MAX_QUANTIZER_BITS = 64;

/**
 * Checks the numeric arguments the conversion computes with, so that a `bits` of 65, an `integer`
 * of -2^31 or a NaN is refused here with the layer's name instead of failing deep inside type
 * arithmetic.
 */
function checkQuantizerArgs(p: ParsedQuantizer): void {
  for (const [k, v] of Object.entries(p.args)) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`${p.name}: ${k}=${v} is not a finite number`);
  }
  const bits = p.args.bits;
  if (bits !== undefined && bits !== null) {
    if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 1 || bits > MAX_QUANTIZER_BITS)
      throw new Error(`${p.name}: bits=${JSON.stringify(bits)} must be an integer from 1 to ${MAX_QUANTIZER_BITS}`);
  }
  const integer = p.args.integer;
  if (integer !== undefined && integer !== null) {
    const limit = typeof bits === 'number' ? bits : MAX_QUANTIZER_BITS;
    if (typeof integer !== 'number' || !Number.isInteger(integer) || integer < -limit || integer > limit)
      throw new Error(`${p.name}: integer=${JSON.stringify(integer)} must be an integer from ${-limit} to ${limit} (bits=${limit})`);
  }
}

function parseQuantizerForm(q: unknown): ParsedQuantizer | undefined {
  if (q === null || q === undefined || q === '') return undefined;
  if (typeof q === 'string') {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$/s.exec(q);
    if (!m) throw new Error(`cannot parse quantizer "${q}"`);
    const name = m[1]!;
    const args: Record<string, QArg> = {};
    const order = POSITIONAL[name] ?? [];
    const parts = m[2] !== undefined ? splitArgs(m[2]) : [];
    parts.forEach((p, k) => {
      const eq = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/s.exec(p);
      if (eq) args[eq[1]!] = parseLiteral(eq[2]!);
      else args[order[k] ?? `arg${k}`] = parseLiteral(p);
    });
    return { name, args };
  }
  if (typeof q === 'object') {
    const o = q as { class_name?: unknown; config?: unknown };
    if (typeof o.class_name !== 'string') throw new Error('quantizer object without class_name');
    const args: Record<string, QArg> = {};
    const cfg = (o.config ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(cfg)) {
      // Keras 2 JSON marks nested serialized objects with this flag; it is not an argument.
      if (k === '__passive_serialization__') continue;
      if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') args[k] = v;
      else args[k] = JSON.stringify(v);
    }
    return { name: o.class_name, args };
  }
  throw new Error(`quantizer of unexpected type ${typeof q}`);
}

/** The IR quantization fact for a parsed quantizer. */
export function quantFact(p: ParsedQuantizer): QuantFact {
  const bits = typeof p.args.bits === 'number' ? p.args.bits : undefined;
  return { kind: 'qkeras', ...(bits !== undefined ? { bits } : {}), qkeras: p };
}

/**
 * The activation function a QKeras activation quantizer computes before quantizing, as hls4ml
 * maps it: quantized_relu -> relu, quantized_tanh -> tanh, quantized_sigmoid -> sigmoid,
 * binary / ternary -> binary_tanh / ternary_tanh, anything value-only -> linear.
 * Returns undefined for names that are not quantizers.
 */
export function activationOfQuantizer(p: ParsedQuantizer): ActivationKind | undefined {
  switch (p.name) {
    case 'quantized_relu':
    case 'quantized_relu_po2':
      return 'relu';
    case 'quantized_tanh':
      return 'tanh';
    case 'quantized_sigmoid':
      return 'sigmoid';
    case 'binary':
    case 'stochastic_binary':
    case 'bernoulli':
      return 'binary_tanh';
    case 'ternary':
    case 'stochastic_ternary':
      return 'ternary_tanh';
    case 'quantized_bits':
    case 'quantized_po2':
    case 'quantized_ulaw':
      return 'linear';
    default:
      return undefined;
  }
}
