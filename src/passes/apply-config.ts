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
 * `ctx.config` is an HlsConfig (src/config); without one, hls4ml's defaults apply.
 */

import type { Graph, Layer, LayerAttrs } from '../ir/graph.js';
import type { TypeSpec } from '../fixed/type.js';
import { diag } from '../diagnostics/diagnostic.js';
import type { Pass, PassContext } from './pass.js';
import type { HlsConfig } from '../config/load.js';
import { defaultConfig } from '../config/load.js';
import { resolveLayer, unmatchedLayerNames } from '../config/resolve.js';
import { closestKey } from '../config/keys.js';

function configOf(ctx: PassContext): HlsConfig {
  const c = ctx.config as { hls?: HlsConfig; layerName?: unknown; model?: unknown } | undefined;
  if (c && c.layerName instanceof Map && c.model) return c as unknown as HlsConfig;
  if (c?.hls) return c.hls;
  return defaultConfig();
}

export function applyConfigToLayer(cfg: HlsConfig, l: Layer): Layer {
  const r = resolveLayer(cfg, l);
  const precision: Record<string, TypeSpec | undefined> = { ...l.precision };
  for (const [slot, t] of Object.entries(r.precision)) {
    const fromFrontend = l.precision[slot];
    const blanket = r.origin[slot] === 'hls4ml default' || r.origin[slot]?.startsWith('Model.');
    if (fromFrontend !== undefined && fromFrontend !== 'auto' && blanket) continue;
    precision[slot] = t;
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
    return { ...g, layers: g.layers.map((l) => applyConfigToLayer(cfg, l)) };
  },
};
