/**
 * @fileoverview `estimate(graph, opts)`: per-layer and total latency, II and resources of the HLS
 * design fastml would write for a graph, with utilization of the target device and warnings.
 *
 * Structure (model.ts) gives DSP, BRAM and loop cycles; calibrated constants (calibration.json,
 * fitted by calibrate.ts on ../shared/truth) give pipeline depths, LUT and FF. Every figure says
 * where it comes from in `source`.
 */

import type { Graph, Strategy } from '../ir/graph.js';
import calibrationJson from './calibration.json' with { type: 'json' };
import { resolveTarget } from './devices.js';
import type { ResolvedTarget } from './devices.js';
import { HLS_PARTITION_LIMIT, layerCost } from './model.js';
import type { LayerCost, ModelContext } from './model.js';
import type {
  Backend,
  Calibration,
  Estimate,
  EstimateOptions,
  FamilyCalibration,
  Figures,
  IoType,
  LayerEstimate,
  Utilization,
} from './types.js';

export const SHIPPED_CALIBRATION = calibrationJson as unknown as Calibration;

export const DEFAULT_CLOCK_NS = 5;

/** Graph-level latency constants (cycles): top-level overhead for io_parallel and io_stream. */
const TOP_KEYS = { io_parallel: 'top_c', io_stream: 'top_stream_c' } as const;

export function toolName(backend: Backend, version?: string): string {
  const v = version ? ` ${version}` : '';
  return backend === 'vivado' ? `Vivado HLS${v} (model calibrated on Vivado HLS 2020.1 reports)` : `Vitis HLS${v} (model calibrated on Vitis HLS 2020.1-2024.1 reports)`;
}

function linear(coef: Readonly<Record<string, number>>, features: Readonly<Record<string, number>>): number {
  let s = 0;
  for (const [f, v] of Object.entries(features)) s += (coef[f] ?? 0) * v;
  return s;
}

/** Latency of one layer from its structural cycles and calibrated terms. */
export function layerLatency(c: LayerCost, fam: FamilyCalibration, clockNs: number): number {
  let cyc = c.cycles;
  let ns = 0;
  for (const [k, n] of Object.entries(c.latencyTerms)) {
    const v = fam.latency[k] ?? 0;
    if (k.endsWith('_ns')) ns += v * n;
    else cyc += v * n;
  }
  return Math.max(0, Math.round(cyc) + Math.floor(ns / clockNs + 1e-9));
}

function pct(used: number, total: number | null | undefined): number | null {
  if (total === null || total === undefined || total === 0) return null;
  return (100 * used) / total;
}

function utilization(t: Figures, totals: Partial<Record<'dsp' | 'lut' | 'ff' | 'bram_18k' | 'uram', number | null>> | undefined): Utilization {
  return {
    dsp: pct(t.dsp, totals?.dsp),
    lut: pct(t.lut, totals?.lut),
    ff: pct(t.ff, totals?.ff),
    bram_18k: pct(t.bram_18k, totals?.bram_18k),
    uram: pct(t.uram, totals?.uram),
  };
}

/** Structural costs of every layer, in graph order (for calibration and for `estimate`). */
export function layerCosts(g: Graph, ctx: Omit<ModelContext, 'tensorTypes' | 'tensorStrategy'>): LayerCost[] {
  const full: ModelContext = { ...ctx, tensorTypes: new Map(), tensorStrategy: new Map() };
  return g.layers.map((l) => layerCost(g, l, full));
}

/**
 * Graph latency and II from per-layer figures: layers run one after the other (io_parallel) or as
 * a dataflow pipeline (io_stream); both add the tool's top-level overhead.
 */
export function combineLatency(
  layers: ReadonlyArray<{ latency_cycles: number; ii: number; strategy?: Strategy; reuse_factor?: number }>,
  fam: FamilyCalibration,
  backend: Backend,
  ioType: IoType,
): { latency: number; ii: number } {
  const top = fam.latency[TOP_KEYS[ioType]] ?? 0;
  const latency = layers.reduce((s, l) => s + l.latency_cycles, 0) + (layers.length ? Math.round(top) : 0);
  const maxIi = layers.reduce((m, l) => Math.max(m, l.ii), 1);
  const sequential = layers.some((l) => l.strategy === 'resource' && (l.reuse_factor ?? 1) > 1);
  // Vitis HLS schedules hls4ml's Resource-strategy top function (and, as its reports show, the
  // io_stream dataflow) without overlapping samples: the interval is the whole latency.
  const ii = backend === 'vitis' && (sequential || ioType === 'io_stream') ? Math.max(latency, maxIi) : maxIi;
  return { latency, ii };
}

export function estimate(g: Graph, opts: EstimateOptions = {}): Estimate {
  const backend: Backend = opts.backend ?? 'vitis';
  const ioType: IoType = opts.ioType ?? 'io_parallel';
  const clockNs = opts.clockNs ?? DEFAULT_CLOCK_NS;
  const strategy: Strategy = opts.strategy ?? 'latency';
  const cal = opts.calibration ?? SHIPPED_CALIBRATION;
  const fam = cal.families[backend];
  const target: ResolvedTarget = resolveTarget(opts.part ?? opts.target);
  const warnings: string[] = [];
  if (!(clockNs > 0)) throw new RangeError(`clock period must be positive, got ${clockNs}`);
  if (target.unknown) warnings.push(`part ${target.part} is not in fastml's device table: DSP kind ${target.dspKind} inferred from the part name, utilization unknown`);
  if (target.unverified) warnings.push(`device totals of ${target.part} are unverified: ${target.unverified}`);

  const costs = layerCosts(g, {
    ioType,
    strategy,
    reuseFactor: opts.reuseFactor ?? 1,
    multiplierImpl: opts.multiplierImpl ?? 'auto',
    dspKind: target.dspKind,
    lutMultMaxBits: fam.lutMultMaxBits,
    weightMemory: fam.weightMemory ?? 'bram',
  });
  const seen = new Set<string>();
  const layers: LayerEstimate[] = costs.map((c) => {
    for (const w of c.warnings) if (!seen.has(w)) (seen.add(w), warnings.push(w));
    const latency = layerLatency(c, fam, clockNs);
    const hasFeatures = Object.keys(c.features).length > 0;
    return {
      name: c.name,
      op: c.op,
      latency_cycles: latency,
      ii: c.iiIsLatency ? Math.max(1, latency) : c.ii,
      dsp: c.dsp,
      lut: hasFeatures ? Math.max(0, Math.round(linear(fam.lut, c.features))) : 0,
      ff: hasFeatures ? Math.max(0, Math.round(linear(fam.ff, c.features))) : 0,
      bram_18k: c.bram_18k,
      uram: c.uram,
      ...(c.reuse !== undefined ? { reuse_factor: c.reuse } : {}),
      ...(c.strategy ? { strategy: c.strategy } : {}),
      ...(c.multipliers !== undefined ? { multipliers: c.multipliers } : {}),
      features: c.features,
      source: {
        latency_cycles: Object.keys(c.latencyTerms).length ? 'model (loop trip counts) + calibration (pipeline depth constants)' : 'model',
        ii: 'model',
        dsp: 'model (multipliers x DSP blocks per product)',
        lut: 'calibration (linear in model features)',
        ff: 'calibration (linear in model features)',
        bram_18k: 'model (table ROMs, Resource-strategy weight memories)',
        uram: 'model',
      },
      notes: c.notes,
    };
  });

  const { latency, ii } = combineLatency(layers, fam, backend, ioType);
  const sum = (k: keyof Figures) => layers.reduce((s, l) => s + l[k], 0);
  const total = {
    latency_cycles: latency,
    ii,
    dsp: sum('dsp'),
    lut: sum('lut'),
    ff: sum('ff'),
    bram_18k: sum('bram_18k'),
    uram: sum('uram'),
    latency_ns: latency * clockNs,
  };
  const util = utilization(total, target.totals);
  for (const [k, v] of Object.entries(util)) {
    if (v !== null && v > 100) warnings.push(`${k} ${v.toFixed(0)}% of ${target.part}: the design does not fit`);
  }
  const utilSlr = target.slr ? utilization(total, target.slr) : undefined;
  if (utilSlr) {
    for (const [k, v] of Object.entries(utilSlr)) {
      if (v !== null && v > 100 && (util[k as keyof Utilization] ?? 0) <= 100) warnings.push(`${k} ${v.toFixed(0)}% of one SLR of ${target.part}: the design must span SLRs`);
    }
  }
  if (opts.targetII !== undefined && ii > opts.targetII) warnings.push(`initiation interval ${ii} misses the requested ${opts.targetII}`);
  if (ioType === 'io_parallel') {
    // io_parallel keeps every layer output in a completely partitioned array.
    for (const l of g.layers) {
      if (l.attrs.op === 'Input' || l.attrs.op === 'Reshape' || l.attrs.op === 'Flatten') continue;
      const t = g.tensors.get(l.outputs[0] ?? '');
      const n = t ? t.shape.reduce((a, b) => a * b, 1) : 0;
      if (n > HLS_PARTITION_LIMIT) warnings.push(`layer ${l.name}: output array of ${n} elements partitioned completely (io_parallel), beyond the ${HLS_PARTITION_LIMIT}-element limit of Vivado HLS; consider io_stream`);
    }
  }
  for (const l of layers) {
    for (const k of ['dsp', 'lut', 'ff', 'bram_18k'] as const) {
      const v = pct(l[k], target.totals[k]);
      if (v !== null && v > 100) warnings.push(`layer ${l.name}: ${k} ${v.toFixed(0)}% of ${target.part} on its own`);
    }
  }

  return {
    tool: toolName(backend, opts.toolVersion),
    backend,
    ...(opts.toolVersion ? { tool_version: opts.toolVersion } : {}),
    part: target.part,
    ...(target.board ? { board: target.board } : {}),
    family: target.family,
    dsp_kind: target.dspKind,
    clock_ns: clockNs,
    io_type: ioType,
    layers,
    total,
    utilization: util,
    ...(utilSlr ? { utilization_slr: utilSlr } : {}),
    warnings,
    source: {
      model: 'src/estimate/model.ts (structure of the HLS code)',
      calibration: `${cal === SHIPPED_CALIBRATION ? 'src/estimate/calibration.json' : `user calibration${(cal as { file?: string }).file ? ` ${(cal as { file?: string }).file}` : ''}`} (${cal.method}; ${cal.records} synthesis reports from ${cal.source}; generated ${cal.generated})`,
      devices: 'src/estimate/devices.generated.json (from ../shared/truth/devices.json)',
    },
  };
}
