/**
 * @fileoverview Pass `recurrent-config`: the settings of recurrent and LayerNormalization layers
 * that hls4ml reads as layer attributes rather than through its usual keys, written into the
 * layer's attrs after `apply-config` has set precisions, strategy and reuse factor:
 * - `static` (GRU/LSTM/SimpleRNN, default true): hls4ml's `gru_static`/`lstm_static` keep the
 *   state in function-static arrays reset at the first step of each sample; the non-static form
 *   starts from zero too. Both give the same numbers; the flag only changes the generated C++.
 * - `recurrent_reuse_factor` / `RecurrentReuseFactor`: reuse factor of the recurrent product
 *   (units x k*units), default the layer's ReuseFactor.
 * - `table_range_power2` (LayerNormalization, default 0, >= 0): the 1/sqrt(var) table then covers
 *   var in [eps, eps + 2^-p). An epsilon that is not a power of 10 gets warning FML6572 (hls4ml
 *   keeps only its power of 10).
 *
 * Reuse factors under the Resource strategy: hls4ml validates the input product (nIn x k*units)
 * and the recurrent product separately and silently replaces an invalid value by the closest valid
 * one (case lstm_small_resource_rf4_table2048_rndsat: ReuseFactor 4 becomes 3 for the 6 x 64 input
 * product). A layer has one ReuseFactor key for two products of different shapes, so fastml does
 * the same substitution but says so in a warning (FML6570) naming the value used.
 */

import type { Graph, Layer, LayerAttrs } from '../ir/graph.js';
import { gateCount } from '../ir/shapes.js';
import type { Pass, PassContext } from './pass.js';
import { DiagnosticError, EXIT, diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { HlsConfig, LevelConfig } from '../config/load.js';
import { defaultConfig } from '../config/load.js';
import { hlsClassNames } from '../config/resolve.js';
import { closestReuseFactor, isValidReuseFactor } from '../estimate/reuse.js';
import { locOf } from './graph-edit.js';

function configOf(ctx: PassContext): HlsConfig {
  const c = ctx.config as { hls?: HlsConfig; layerName?: unknown; model?: unknown } | undefined;
  if (c && c.layerName instanceof Map && c.model) return c as unknown as HlsConfig;
  if (c?.hls) return c.hls;
  return defaultConfig();
}

/** The blocks that apply to a layer, most specific first. */
function blocks(cfg: HlsConfig, l: Layer): LevelConfig[] {
  const out: LevelConfig[] = [];
  const byName = cfg.layerName.get(l.name.toLowerCase());
  if (byName) out.push(byName);
  for (const c of hlsClassNames(l)) {
    const t = cfg.layerType.get(c.toLowerCase());
    if (t) {
      out.push(t);
      break;
    }
  }
  out.push(cfg.model);
  return out;
}

function raw(bs: readonly LevelConfig[], keys: readonly string[]): { value: unknown; pointer: string } | undefined {
  for (const b of bs)
    for (const k of keys) if (b.raw[k] !== undefined) return { value: b.raw[k], pointer: `${b.pointer}/${k}` };
  return undefined;
}

export const recurrentConfigPass: Pass = {
  name: 'recurrent-config',
  description: 'recurrent and LayerNormalization settings (static, recurrent_reuse_factor, table_range_power2); hls4ml reuse-factor substitution per product',
  run(g: Graph, ctx: PassContext): Graph {
    const cfg = configOf(ctx);
    const errors: Diagnostic[] = [];
    let changed = false;
    const layers = g.layers.map((l): Layer => {
      const a = l.attrs;
      if (a.op !== 'GRU' && a.op !== 'LSTM' && a.op !== 'SimpleRNN' && a.op !== 'LayerNorm') return l;
      const bs = blocks(cfg, l);
      const bad = (pointer: string, msg: string) =>
        errors.push(diag('FML6571', msg, { ...(cfg.file ? { file: cfg.file } : {}), node: l.name, jsonPointer: pointer }));
      if (a.op === 'LayerNorm') {
        // hls4ml keeps only epsilon_power_of_10 = round(-log10(eps)): the table starts there.
        const e10 = -Math.log10(a.epsilon);
        if (Math.abs(e10 - Math.round(e10)) > 1e-6)
          ctx.diagnostics.push(
            diag('FML6572', `epsilon ${a.epsilon} is not a power of 10: as in hls4ml, only 10^-${Math.round(e10)} is used (where the 1/sqrt(var) table starts)`, locOf(g, l), undefined, 'warning'),
          );
        const p = raw(bs, ['table_range_power2']);
        if (!p) return l;
        const v = Number(p.value);
        if (!Number.isInteger(v) || v < 0 || v > 16) {
          bad(p.pointer, `table_range_power2 must be an integer in 0..16 (hls4ml shifts by it as an unsigned amount), got ${JSON.stringify(p.value)}`);
          return l;
        }
        changed = true;
        return { ...l, attrs: { ...a, tableRangePower2: v } };
      }
      const st = raw(bs, ['static']);
      let isStatic = true;
      if (st) {
        if (typeof st.value !== 'boolean') bad(st.pointer, `static must be true or false, got ${JSON.stringify(st.value)}`);
        else isStatic = st.value;
      }
      const rr = raw(bs, ['recurrent_reuse_factor', 'RecurrentReuseFactor']);
      let inRf = l.reuseFactor ?? 1;
      let recRf = inRf;
      if (rr) {
        const v = Number(rr.value);
        if (!Number.isInteger(v) || v < 1) bad(rr.pointer, `recurrent_reuse_factor must be a positive integer, got ${JSON.stringify(rr.value)}`);
        else recRf = v;
      }
      const k = gateCount(a.op) * a.units;
      if ((l.strategy ?? 'latency') === 'resource') {
        const fix = (rf: number, nIn: number, what: string): number => {
          if (isValidReuseFactor(nIn, k, rf)) return rf;
          const near = closestReuseFactor(nIn, k, rf);
          ctx.diagnostics.push(
            diag(
              'FML6570',
              `reuse factor ${rf} is not valid for the ${what} product (${nIn} x ${k}) under the Resource strategy; using ${near}, as hls4ml does`,
              locOf(g, l),
              `set ${what === 'input' ? 'ReuseFactor' : 'recurrent_reuse_factor'} to a valid value to silence this`,
              'warning',
            ),
          );
          return near;
        };
        inRf = fix(inRf, a.nIn, 'input');
        recRf = fix(recRf, a.units, 'recurrent');
      }
      const attrs: LayerAttrs = { ...a, recurrentReuseFactor: recRf, static: isStatic };
      changed = true;
      return { ...l, attrs, reuseFactor: inRf };
    });
    if (errors.length) throw new DiagnosticError(errors, EXIT.USAGE);
    return changed ? { ...g, layers } : g;
  },
};
