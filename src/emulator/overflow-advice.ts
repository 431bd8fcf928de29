/**
 * @fileoverview What to change when a variable overflows, and whether hls4ml would overflow the
 * same way. An overflow row names a layer, a variable (the input cast, a product, the accumulator,
 * the result) and its type; this module finds where the configuration took that type from
 * (resolveLayer's origin) and turns the row into a configuration change:
 *
 * - an input layer's cast: a type with the integer bits the largest input needs (the inputs are the
 *   user's data, so the observed magnitude is the one to hold), the fraction bits unchanged;
 * - a Dense / Conv product or accumulator: `accum: auto` and `result: auto` for that layer (sized
 *   from the operand types never to overflow: what hls4ml >= 1.0 writes at name granularity, and
 *   what `fastml config --granularity name` writes);
 * - any other result: `result: auto` (inferred from its operands' types).
 *
 * The hls4ml statement is about the same configuration: fastml reproduces hls4ml's types and
 * arithmetic bit for bit, so a type hls4ml takes from the same key overflows there too. When the
 * type is the Model default, hls4ml's own starting configuration (config_from_keras_model /
 * config_from_onnx_model with granularity 'model', the default, or 'type') writes that same default
 * for every type a quantizer does not set, and at name granularity (hls4ml >= 1.0) `auto` for the
 * accumulators and results but still the default for an input layer. docs/config.md ("When the
 * default configuration overflows") works through the ToyCar autoencoder.
 */

import type { HlsConfig } from '../config/load.js';
import { resolveLayer } from '../config/resolve.js';
import { MAX_WIDTH, fixedType, fracBits, isAuto, formatType } from '../fixed/type.js';
import type { FixedType } from '../fixed/type.js';
import type { Graph, Layer } from '../ir/graph.js';
import type { OverflowRow } from './overflow.js';

/** One overflowing variable: where its type came from, what hls4ml does, and the change to make. */
export interface OverflowAdvice {
  readonly layer: string;
  readonly variable: string;
  readonly type: string;
  /** The configuration key the type came from ("Model.Precision.default", "LayerName.fc1.Precision.accum", ...). */
  readonly from: string;
  /** The same type in hls4ml, built from the same configuration (and from its own defaults). */
  readonly hls4ml: string;
  /** The LayerName precision entries that fix it: slot -> type (or auto). */
  readonly set: Readonly<Record<string, string>>;
  /** Entries for other layers the change needs (the `<layer>_linear` after it): layer -> slot -> value. */
  readonly also?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const MAC_OPS = new Set(['Dense', 'Conv', 'DepthwiseConv']);

/** The widest input type check suggests (wider inputs mean data on the wrong scale, not a type to widen). */
const MAX_ADVISED_WIDTH = 64;

/** The fewest integer bits (sign included when signed) whose range holds `maxAbs`, at `frac` fraction bits. */
function intBitsFor(maxAbs: number, frac: number, signed: boolean): number {
  const lsb = 2 ** -frac;
  let i = 1;
  // The largest value of fixed<i+frac, i> is 2^(i-1) - lsb (signed) or 2^i - lsb (unsigned).
  while ((signed ? 2 ** (i - 1) : 2 ** i) - lsb < maxAbs) i++;
  return i;
}

/** Whether the configuration key is the blanket default (Model level or hls4ml's own). */
const isDefaultKey = (from: string | undefined): boolean => from === undefined || from === 'hls4ml default' || from.startsWith('Model.');

/**
 * The advice for every overflow row that is not a quantizer's clipping and whose variable has a
 * configured type (input, product, accum, result). `g` is the graph the emulator ran (after the
 * passes), `cfg` the configuration it was built from.
 */
export function overflowAdvice(rows: readonly OverflowRow[], g: Graph, cfg: HlsConfig, raw?: Graph): OverflowAdvice[] {
  const byName = new Map(g.layers.map((l) => [l.name, l]));
  const out: OverflowAdvice[] = [];
  for (const r of rows) {
    if (r.quantizer || r.overflow + r.underflow === 0) continue;
    const l = byName.get(r.layer);
    if (!l) continue;
    const a = adviceFor(r, l, cfg);
    if (a) out.push(raw ? withLinearAfter(a, l, raw) : a);
  }
  return out;
}

/**
 * A Keras layer's `activation='linear'` is a layer of its own (`<layer>_linear`) whose result type
 * equals the layer's under the defaults, so the passes remove it. Once the layer's result becomes
 * `auto`, the linear layer would keep the default type and overflow in its place: it gets `auto`
 * too (the same as its input, so it is removed again). Found in the model as read (`raw`), since
 * the emulated graph no longer has it.
 */
function withLinearAfter(a: OverflowAdvice, l: Layer, raw: Graph): OverflowAdvice {
  if (a.set.result !== 'auto') return a;
  const out = raw.layers.find((c) => c.name === l.name)?.outputs[0] ?? l.outputs[0];
  const linear = raw.layers.filter((c) => c.attrs.op === 'Activation' && c.attrs.activation === 'linear' && c.inputs[0] === out);
  if (linear.length === 0) return a;
  return { ...a, also: Object.fromEntries(linear.map((c) => [c.name, { result: 'auto' }])) };
}

function adviceFor(r: OverflowRow, l: Layer, cfg: HlsConfig): OverflowAdvice | undefined {
  const op = l.attrs.op;
  const slot = r.variable === 'input' || r.variable === 'result' ? 'result' : (r.variable === 'product' || r.variable === 'accum') && MAC_OPS.has(op) ? 'accum' : undefined;
  if (!slot) return undefined;
  const from = resolveLayer(cfg, l).origin[slot];
  const dflt = isDefaultKey(from);
  const key = from ?? 'hls4ml default';
  if (op === 'Input') {
    const t = l.precision.result;
    if (t === undefined || isAuto(t)) return undefined;
    const f = fracBits(t);
    const i = intBitsFor(r.maxAbs, f, t.signed);
    // Inputs only an absurd type would hold (the fuzzer's 1e300: fixed<1008,998>; near 1.8e308
    // past the headers' 1 024 bits; infinities): the row says they overflow, and a wider type is
    // no advice for firmware (the data's scale is what to look at). Up to 64 bits it is.
    if (!Number.isFinite(r.maxAbs) || i + f > Math.min(MAX_ADVISED_WIDTH, MAX_WIDTH)) return undefined;
    const wide: FixedType = fixedType(i + f, i, t.signed, t.q, t.o);
    return {
      layer: r.layer,
      variable: r.variable,
      type: r.type,
      from: key,
      hls4ml: dflt
        ? "the same type: hls4ml's config_from_*_model gives an input layer the default precision at every granularity (auto has nothing to infer from there), so its firmware wraps these inputs too"
        : `the same type, from ${key}: its firmware wraps these inputs too`,
      set: { result: formatType(wide).replace(/^ap_/, '') },
    };
  }
  const set: Record<string, string> = MAC_OPS.has(op) ? { accum: 'auto', result: 'auto' } : { result: 'auto' };
  return {
    layer: r.layer,
    variable: r.variable,
    type: r.type,
    from: key,
    hls4ml: dflt
      ? `the same type from this configuration, and from config_from_*_model at granularity 'model' (its default) or 'type', so its firmware overflows here too; at granularity 'name' hls4ml >= 1.0 writes ${Object.keys(set).join(' and ')}: auto instead, as fastml config --granularity name does`
      : `the same type, from ${key}: its firmware overflows here too`,
    set,
  };
}

/** The advice as text for check's report: one line per variable, then the change as YAML. */
export function formatOverflowAdvice(advice: readonly OverflowAdvice[]): string[] {
  if (advice.length === 0) return [];
  const lines = ['', 'what to change (hls4ml builds these types from the same configuration, so it overflows the same way):'];
  // Variables with the same story are listed together, the story once.
  const groups = new Map<string, OverflowAdvice[]>();
  for (const a of advice) groups.set(a.hls4ml, [...(groups.get(a.hls4ml) ?? []), a]);
  for (const [hls4ml, list] of groups) {
    lines.push(`  ${list.map((a) => `${a.layer} ${a.variable} ${a.type} (${a.from})`).join(', ')}`);
    lines.push(`    hls4ml: ${hls4ml}`);
  }
  // Merged per layer: a Dense whose product and accumulator both overflow needs one entry.
  const merged = new Map<string, Record<string, string>>();
  for (const a of advice) {
    merged.set(a.layer, { ...(merged.get(a.layer) ?? {}), ...a.set });
    for (const [layer, set] of Object.entries(a.also ?? {})) merged.set(layer, { ...(merged.get(layer) ?? {}), ...set });
  }
  lines.push('  in the configuration (HLSConfig):', '    LayerName:');
  for (const [layer, set] of merged) {
    lines.push(`      ${layer}:`, '        Precision:');
    for (const [slot, v] of Object.entries(set)) lines.push(`          ${slot}: ${v.includes(',') ? JSON.stringify(v) : v}`);
  }
  lines.push('  (fastml config MODEL --granularity name writes auto accumulators and results for every layer, with a bound)');
  return lines;
}
