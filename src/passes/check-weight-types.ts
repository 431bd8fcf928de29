/**
 * @fileoverview Pass `check-weight-types` (after infer-precision, when every type is concrete): warns
 * loudly about weight and bias types that wreck the weights, because nothing else would tell: the
 * design builds, emulates and C-simulates, and only its outputs are wrong.
 *
 * - FML6506: the type destroys most (more than half) of a layer's non-zero kernel weights: sets them
 *   to 0 or moves them by more than half their magnitude (a plain integer type for small weights,
 *   or too few fractional bits).
 * - FML6507: the weights were fixed by the model's own quantizer (QKeras / QONNX) and the configured
 *   type changes some of them: it disagrees with the quantizer. hls4ml keeps a quantized weight's
 *   quantizer type whatever the configuration says; fastml applies the configured type, so both the
 *   emulation and the firmware use the changed values, and says so here.
 *
 * The pass changes nothing; it only reports (and lists the counts in the pipeline report).
 */

import type { Graph, Layer } from '../ir/graph.js';
import type { Pass, PassContext } from './pass.js';
import { diag } from '../diagnostics/diagnostic.js';
import { formatHls4ml, type FixedType } from '../fixed/type.js';
import { castTo } from './quant-types.js';
import { isExactInDouble, makeQuantizer } from '../fixed/fast.js';
import { isFixed, locOf } from './graph-edit.js';
import { castStats } from '../emulator/weights.js';

/** Precision slot -> the weight roles it types. */
const ROLES: ReadonlyArray<[slot: string, roles: readonly string[]]> = [
  ['weight', ['kernel', 'depthwise', 'pointwise']],
  ['bias', ['bias']],
];

const COMPUTES = new Set(['Dense', 'Conv', 'DepthwiseConv']);

export interface WeightTypeDamage {
  readonly layer: string;
  readonly role: string;
  readonly type: string;
  readonly nonzero: number;
  /** Non-zero weights the type sets to 0 or moves by more than half their magnitude. */
  readonly zeroed: number;
  /** Weights fixed by the model's quantizer that the type changes. */
  readonly changed: number;
}

function damage(l: Layer, role: string, t: FixedType): WeightTypeDamage | undefined {
  const w = l.weights[role];
  if (!w) return undefined;
  // Counted once with the as-printed quantization the test bench and the writer use next (src/emulator/weights.ts).
  const st = castStats(w.data, t);
  if (st) return { layer: l.name, role, type: formatHls4ml(t), nonzero: st.length - st.zeros, zeroed: st.destroyed, changed: l.quant?.[role] ? st.changed : 0 };
  let nonzero = 0;
  let zeroed = 0;
  let changed = 0;
  // The generated quantizer is bit-identical to the reference cast for types whose values are all
  // doubles (and never throws there); it is ~50x faster, which matters: this pass visits every
  // weight of the model (10M parameters: 4.7 s through the BigInt reference, 0.1 s this way).
  const cast = isExactInDouble(t) ? makeQuantizer(t) : (x: number): number => castTo(x, t);
  for (let k = 0; k < w.data.length; k++) {
    const v = w.data[k]!;
    const c = cast(v);
    if (v !== 0) {
      nonzero++;
      // Destroyed: gone, or moved by more than half its own size (TRN takes -0.3 to -1).
      if (c === 0 || Math.abs(c - v) > Math.abs(v) / 2) zeroed++;
    }
    if (c !== v) changed++;
  }
  return { layer: l.name, role, type: formatHls4ml(t), nonzero, zeroed, changed: l.quant?.[role] ? changed : 0 };
}

export const checkWeightTypesPass: Pass = {
  name: 'check-weight-types',
  description: "warn when a weight type zeroes most of a layer's weights or changes weights the model's quantizer fixed",
  run(g: Graph, ctx: PassContext): Graph {
    const rows: WeightTypeDamage[] = [];
    for (const l of g.layers) {
      if (!COMPUTES.has(l.attrs.op)) continue;
      for (const [slot, roles] of ROLES) {
        const t = l.precision[slot];
        if (!isFixed(t)) continue;
        for (const role of roles) {
          const d = damage(l, role, t);
          if (!d || (d.zeroed === 0 && d.changed === 0)) continue;
          rows.push(d);
          // Kernels only: a tiny bias rounding to 0 is harmless, a kernel that vanishes is not.
          if (slot === 'weight' && d.zeroed * 2 > d.nonzero)
            ctx.diagnostics.push(
              diag(
                'FML6506',
                `${slot} type ${d.type} of layer "${l.name}" destroys ${d.zeroed} of its ${d.nonzero} non-zero ${role} values (sets them to 0 or moves them by more than half their size)`,
                locOf(g, l),
                `give LayerName ${l.name} Precision ${slot} a type with enough fractional bits for these values (fastml config proposes types from the weights)`,
                'warning',
              ),
            );
          if (d.changed > 0)
            ctx.diagnostics.push(
              diag(
                'FML6507',
                `${slot} type ${d.type} of layer "${l.name}" disagrees with the model's own ${role} quantizer: it changes ${d.changed} of ${l.weights[role]!.data.length} quantized values (hls4ml would keep the quantizer's type; fastml uses the configured one)`,
                locOf(g, l),
                `leave ${slot} out of the layer's configuration (the quantizer's type is then used) or make it hold the quantizer's values`,
                'warning',
              ),
            );
        }
      }
    }
    if (rows.length) ctx.report.weightTypeDamage = rows;
    return g;
  },
};
