/**
 * @fileoverview Pass `apply-config`: writes the hls4ml configuration into the IR, layer by layer:
 * the precision of every slot (or 'auto' where the config says auto), reuse factor, strategy,
 * table size and the softmax implementation.
 *
 * Types a frontend derived from quantization facts (QKeras / QONNX) are kept when the config only
 * has a model-level default for that slot: an explicit LayerName / LayerType entry wins, a blanket
 * default does not. LayerName entries that match no layer are reported (likely typos), with the
 * closest layer name.
 *
 * A table type written inside Precision (`Precision: {table: ...}`, as hls4ml 1.x's config writer
 * does for every activation) is honoured, though hls4ml reads table types only from `table_t`
 * keys and uses its attribute default otherwise. Where the value equals that default both tools
 * build the same table and nothing is said; where it differs, one FML4011 warning per slot and
 * value lists the layers, rather than one per layer.
 *
 * `ctx.config` is an HlsConfig (src/config); without one, hls4ml's defaults apply.
 */

import type { Graph, Layer, LayerAttrs } from '../ir/graph.js';
import type { FixedType, TypeSpec } from '../fixed/type.js';
import { formatHls4ml, parseType } from '../fixed/type.js';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Pass, PassContext } from './pass.js';
import type { HlsConfig } from '../config/load.js';
import { defaultConfig } from '../config/load.js';
import { hls4mlTableDefault, resolveLayer, unmatchedLayerNames } from '../config/resolve.js';
import { closestKey } from '../config/keys.js';

function configOf(ctx: PassContext): HlsConfig {
  const c = ctx.config as { hls?: HlsConfig; layerName?: unknown; model?: unknown } | undefined;
  if (c && c.layerName instanceof Map && c.model) return c as unknown as HlsConfig;
  if (c?.hls) return c.hls;
  return defaultConfig();
}

/** Weight roles a precision slot holds (hls4ml's weight_t is the kernel's type). */
const ROLES_OF_SLOT: Record<string, readonly string[]> = { weight: ['kernel', 'depthwise', 'pointwise'], bias: ['bias'] };

/**
 * True when `t` is how hls4ml writes a power-of-two quantizer's exponent type: config_from_keras_model
 * prints ExponentPrecisionType(width) as `ap_int<width>` / `int<width>`, and hls4ml, reading it back,
 * keeps the quantizer's exponent type for the weights (add_weights_variable: a quantized weight
 * takes `quantizer.hls_type`), so the weights stay the quantizer's powers of two.
 */
function isExponentSpelling(l: Layer, slot: string, t: TypeSpec): boolean {
  if (t === 'auto' || t.w !== t.i) return false;
  return (ROLES_OF_SLOT[slot] ?? []).some((role) => {
    const q = l.quant?.[role]?.qkeras as { name?: string; class_name?: string } | undefined;
    return (q?.name ?? q?.class_name) === 'quantized_po2';
  });
}

/** Precision-map table types that differ from hls4ml's default, by slot, value and default. */
type IgnoredTables = Map<string, { slot: string; value: string; dflt: string; pointer: string; layers: string[] }>;

const typeText = (t: TypeSpec): string => (t === 'auto' ? 'auto' : formatHls4ml(t));

export function applyConfigToLayer(cfg: HlsConfig, l: Layer, notes?: Diagnostic[], ignored?: IgnoredTables): Layer {
  const r = resolveLayer(cfg, l);
  const precision: Record<string, TypeSpec | undefined> = { ...l.precision };
  for (const [slot, t] of Object.entries(r.precision)) {
    const fromFrontend = l.precision[slot];
    const blanket = r.origin[slot] === 'hls4ml default' || r.origin[slot]?.startsWith('Model.');
    // 'auto' from the model (scale layers and integer layers made by split-scales) is kept too.
    if (fromFrontend !== undefined && blanket) continue;
    if (fromFrontend !== undefined && fromFrontend !== 'auto' && isExponentSpelling(l, slot, t)) {
      notes?.push(
        diag(
          'FML4014',
          `${r.origin[slot]} = ${formatHls4ml(t as FixedType)} on layer "${l.name}" is hls4ml's spelling of its quantized_po2 exponent type: read as hls4ml does, the weights keep the quantizer's powers of two (type ${formatHls4ml(fromFrontend)})`,
          { ...(cfg.file ? { file: cfg.file } : {}), node: l.name },
          undefined,
          'info',
        ),
      );
      continue;
    }
    precision[slot] = t;
    const at = r.precisionTables[slot];
    const dflt = at !== undefined ? hls4mlTableDefault(l, slot) : undefined;
    if (at !== undefined && ignored && dflt !== undefined) {
      // Compared as types, so `fixed<18,8>` equals hls4ml's `fixed<18,8,TRN,WRAP,0>`.
      const value = typeText(t);
      const d = typeText(parseType(dflt));
      if (value !== d) {
        const key = `${slot}\u0000${value}\u0000${d}`;
        const g = ignored.get(key) ?? { slot, value, dflt: d, pointer: at, layers: [] };
        g.layers.push(l.name);
        ignored.set(key, g);
      }
    }
  }
  let attrs: LayerAttrs = l.attrs;
  if (attrs.op === 'Softmax' && r.implementation && attrs.implementation !== r.implementation) attrs = { ...attrs, implementation: r.implementation };
  const hasTable = 'table' in r.precision || attrs.op === 'Softmax' || attrs.op === 'MultiHeadAttention';
  const computes = ['Dense', 'Conv', 'DepthwiseConv', 'GRU', 'LSTM', 'SimpleRNN', 'MultiHeadAttention'].includes(attrs.op);
  return {
    ...l,
    attrs,
    precision,
    reuseFactor: r.reuseFactor,
    ...(computes ? { strategy: r.strategy } : {}),
    ...(hasTable ? { tableSize: r.tableSize } : {}),
  };
}

export const applyConfigPass: Pass = {
  name: 'apply-config',
  description: 'write the hls4ml configuration (precisions, reuse factor, strategy, table size, softmax implementation) into every layer',
  run(g: Graph, ctx: PassContext): Graph {
    const cfg = configOf(ctx);
    const names = g.layers.map((l) => l.name);
    for (const u of unmatchedLayerNames(cfg, names)) {
      const near = closestKey(u.key, names);
      ctx.diagnostics.push(
        diag(
          'FML4012',
          `LayerName "${u.key}" matches no layer of the model; its settings are not used`,
          { ...(cfg.file ? { file: cfg.file } : {}), jsonPointer: u.pointer },
          near ? `did you mean "${near}"?` : `layers: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''}`,
          'warning',
        ),
      );
    }
    const ignored: IgnoredTables = new Map();
    const layers = g.layers.map((l) => applyConfigToLayer(cfg, l, ctx.diagnostics, ignored));
    for (const t of ignored.values()) {
      const n = t.layers.length;
      const shown = n > 8 ? `${t.layers.slice(0, 8).join(', ')} and ${n - 8} more` : t.layers.join(', ');
      ctx.diagnostics.push(
        diag(
          'FML4011',
          `Precision "${t.slot}" = ${t.value} is ignored by hls4ml, which reads table types only from a "${t.slot}_t" key and uses ${t.dflt === 'auto' ? 'the type it sizes for the layer' : `its default ${t.dflt}`} instead; fastml honours it, so its tables differ from hls4ml's on ${n} layer${n === 1 ? '' : 's'}: ${shown}`,
          { ...(cfg.file ? { file: cfg.file } : {}), jsonPointer: t.pointer },
          `write "${t.slot}_t: ${t.value}" in the layer block${n === 1 ? '' : 's'} to get the same tables in both tools`,
          'warning',
        ),
      );
    }
    return { ...g, layers };
  },
};
