/**
 * @fileoverview Reads the synthesis ground truth in ../shared/truth (four CSVs and
 * published_results.json) and turns every record with a known configuration into an IR graph and
 * estimator options, so calibration and the accuracy table run the real estimator on them.
 *
 * Records fastml cannot model are kept, with the reason (GRU layers, Intel oneAPI reports, records
 * without figures), so docs/estimation.md accounts for every record.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Graph, LayerAttrs, Strategy } from '../ir/graph.js';
import type { FixedType } from '../fixed/type.js';
import { fixedType, parseFixed } from '../fixed/type.js';
import type { LayerSpec } from './build.js';
import { denseSpec, filledWeights, sequential } from './build.js';
import { publicRecords } from './truth-public.js';
import type { Backend, EstimateOptions, Figures } from './types.js';

export interface TruthRecord {
  readonly id: string;
  readonly dataset: 'wa-hls4ml' | 'hls4ml-ci' | 'argykokk-mlp' | 'uw-acme-gru' | 'public-hls4ml' | 'published' | 'user';
  /**
   * The repository the record comes from: cross-validation leaves one group out at a time, so rows
   * of one repository (often the same design at other settings) are never both fitted and tested.
   */
  readonly group: string;
  readonly label: string;
  readonly source: string;
  readonly toolVersion?: string;
  readonly truth: Partial<Figures>;
  /** Set when fastml models the record. */
  readonly graph?: Graph;
  readonly options?: EstimateOptions & { backend: Backend };
  /** Why the record is not compared. */
  readonly excluded?: string;
  /**
   * Figures of the report left out of the comparison (removed from `truth`) and why, when the rest
   * of the report is usable: e.g. a latency no design with the listed settings can reach.
   */
  readonly withheld?: { readonly figures: readonly string[]; readonly reason: string; readonly values: Readonly<Record<string, number>> };
}

/**
 * Where the truth data is: FASTML_SHARED_DIR, else ../shared beside the project when it exists, else
 * the project's own copy in test/fixtures (same layout), so a fresh clone can calibrate too.
 */
export function sharedDir(projectRoot: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.FASTML_SHARED_DIR) return path.resolve(env.FASTML_SHARED_DIR);
  const beside = path.resolve(projectRoot, '../shared');
  return existsSync(path.join(beside, 'truth')) ? beside : path.join(projectRoot, 'test', 'fixtures');
}

/** CSV reader (RFC 4180): quoted fields with "" escapes and embedded newlines. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (q) {
      if (ch === '"' && text[i + 1] === '"') (cur += '"', i++);
      else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') (row.push(cur), (cur = ''));
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cur);
      cur = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else cur += ch;
  }
  if (cur !== '' || row.length) (row.push(cur), rows.push(row));
  const head = rows[0] ?? [];
  return rows.slice(1).map((v) => Object.fromEntries(head.map((h, i) => [h, v[i] ?? ''])));
}

const num = (s: string | undefined): number | undefined => (s === undefined || s.trim() === '' ? undefined : Number(s));

function figures(r: Record<string, string>, keys: Record<keyof Figures, string>): Partial<Figures> {
  const out: Partial<Figures> = {};
  for (const [k, col] of Object.entries(keys) as [keyof Figures, string][]) {
    const v = num(r[col]);
    if (v !== undefined && Number.isFinite(v)) out[k] = v;
  }
  return out;
}

const relu = (name: string): LayerSpec => ({ name, attrs: { op: 'Activation', activation: 'relu' } });

/** d_in -> hidden -> d_out, ReLU between, every type ap_fixed<prec, ...>, Resource strategy. */
function waRecords(dir: string): TruthRecord[] {
  const rows = parseCsv(readFileSync(path.join(dir, 'data', 'wa_hls4ml_jdweitz_2layer_sample.csv'), 'utf8'));
  return rows.map((r, k) => {
    const [a, h, b] = r.model_string!.split('-').map(Number) as [number, number, number];
    const p = Number(r.prec);
    const rf = Number(r.rf);
    const t = fixedType(p, Math.min(p, Math.max(1, Math.ceil(p / 3))));
    const prec = { weight: t, bias: t, accum: t, result: t };
    const strategy: Strategy = r.strategy === 'resource' ? 'resource' : 'latency';
    const graph = sequential(`wa_${r.model_string}_${p}b`, [a], t, [
      denseSpec('fc1', a, h, { precision: prec, reuseFactor: rf, strategy }),
      { ...relu('fc1_relu'), precision: { result: t } },
      denseSpec('fc2', h, b, { precision: prec, reuseFactor: rf, strategy }),
    ]);
    return {
      id: `wa-${k + 1}`,
      dataset: 'wa-hls4ml' as const,
      group: 'fastmachinelearning/wa-hls4ml',
      label: `${r.model_string} ${p}b RF${rf}`,
      source: `wa_hls4ml_jdweitz_2layer_sample.csv row ${k + 1} (${r.model_name!.split('/').pop()})`,
      toolVersion: '2023.2',
      truth: figures(r, { latency_cycles: 'BestLatency_hls', ii: 'IntervalMin_hls', dsp: 'DSP_hls', lut: 'LUT_hls', ff: 'FF_hls', bram_18k: 'BRAM_18K_hls', uram: 'URAM_hls' }),
      graph,
      options: { backend: 'vitis' as const, part: 'xcvu13p-flga2577-2-e', clockNs: Number(r.TargetClockPeriod_hls), ioType: 'io_parallel' as const, strategy, reuseFactor: rf },
    };
  });
}

const POOL_PADS = { top: 0, bottom: 0, left: 0, right: 0 };

function ciGraph(test: string, variant: string): { graph: Graph; strategy: Strategy } | string {
  const d16 = fixedType(16, 6);
  if (test === 'dense') {
    return { graph: sequential('ci_dense', [1], d16, [denseSpec('dense', 1, 2, {}, 3.7), { name: 'dense_elu', attrs: { op: 'Activation', activation: 'elu', alpha: 1 } }]), strategy: 'latency' };
  }
  if (test === 'activations') {
    const act = variant.split('-').pop()!;
    const attrs: LayerAttrs =
      act === 'prelu' ? { op: 'Activation', activation: 'prelu' } : { op: 'Activation', activation: act as 'relu' };
    const weights = act === 'prelu' ? { alpha: filledWeights([64], 0.3) } : undefined;
    return { graph: sequential('ci_act', [1], d16, [denseSpec('dense', 1, 64), { name: `activation_${act}`, attrs, ...(weights ? { weights } : {}) }]), strategy: 'latency' };
  }
  if (test === 'conv2d') {
    const same = { top: 0, bottom: 0, left: 0, right: 0 };
    return {
      graph: sequential('ci_conv2d', [28, 28, 3], d16, [
        { name: 'conv2d', attrs: { op: 'Conv', dims: 2, kernel: [4, 4], strides: [4, 4], dilations: [1, 1], pads: same, cIn: 3, cOut: 32, groups: 1 }, weights: { kernel: filledWeights([4, 4, 3, 32]) } },
      ]),
      strategy: 'resource',
    };
  }
  if (test === 'depthwise1d') {
    return {
      graph: sequential('ci_dw1d', [32, 3], d16, [
        { name: 'depthwise1d', attrs: { op: 'DepthwiseConv', dims: 1, kernel: [3], strides: [1], dilations: [1], pads: POOL_PADS, cIn: 3, depthMultiplier: 1 }, weights: { kernel: filledWeights([3, 3, 1]) } },
      ]),
      strategy: 'latency',
    };
  }
  if (test === 'depthwise2d') {
    const t = fixedType(32, 12);
    const prec = { weight: t, bias: t, accum: t, result: t };
    return {
      graph: sequential('ci_dw2d', [32, 32, 3], t, [
        { name: 'depthwise2d', attrs: { op: 'DepthwiseConv', dims: 2, kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: POOL_PADS, cIn: 3, depthMultiplier: 1 }, weights: { kernel: filledWeights([3, 3, 3, 1]) }, precision: prec },
      ]),
      strategy: 'latency',
    };
  }
  if (test === 'pooling') {
    const m = /-(same|valid)-(Average|Max)Pooling(1|2)D/.exec(variant);
    if (!m) return `unrecognised pooling variant ${variant}`;
    const dims = Number(m[3]) as 1 | 2;
    const same = m[1] === 'same';
    const shape = dims === 2 ? [18, 15, 3] : [121, 3];
    // Keras 'same' with pool 2 stride 2 pads the odd axes by one at the end.
    const pads = dims === 2 ? { top: 0, bottom: same ? 0 : 0, left: 0, right: same ? 1 : 0 } : { top: 0, bottom: 0, left: 0, right: same ? 1 : 0 };
    const attrs: LayerAttrs = { op: 'Pool', dims, mode: m[2] === 'Max' ? 'max' : 'avg', pool: dims === 2 ? [2, 2] : [2], strides: dims === 2 ? [2, 2] : [2], pads, countIncludePad: false };
    return { graph: sequential(`ci_pool${dims}d`, shape, d16, [{ name: 'pooling', attrs }]), strategy: 'latency' };
  }
  return `test ${test} not modelled`;
}

function ciRecords(dir: string): TruthRecord[] {
  const rows = parseCsv(readFileSync(path.join(dir, 'data', 'hls4ml_ci_synthesis_baselines.csv'), 'utf8'));
  return rows.map((r, k) => {
    const base = {
      id: `ci-${k + 1}`,
      dataset: 'hls4ml-ci' as const,
      group: 'fastmachinelearning/hls4ml (CI baselines)',
      label: `${r.backend} ${r.tool_version} ${r.variant!.replace(/^test_keras_api_test_|^test_/, '').replace(/ \(.*$/, '')}`,
      source: `hls4ml_ci_synthesis_baselines.csv row ${k + 1} (${r.path})`,
      toolVersion: r.tool_version!,
      truth: figures(r, { latency_cycles: 'latency_best', ii: 'ii_min', dsp: 'dsp', lut: 'lut', ff: 'ff', bram_18k: 'bram_18k', uram: 'uram' }),
    };
    if (r.backend !== 'Vivado' && r.backend !== 'Vitis') return { ...base, excluded: `${r.backend} (Intel) report: fastml models AMD/Xilinx HLS only` };
    const built = ciGraph(r.test!, r.variant!);
    if (typeof built === 'string') return { ...base, excluded: built };
    const io = r.io_type!.startsWith('io_stream') ? 'io_stream' : 'io_parallel';
    return {
      ...base,
      graph: built.graph,
      options: { backend: r.backend === 'Vivado' ? ('vivado' as const) : ('vitis' as const), part: 'xcvu13p-flga2577-2-e', clockNs: Number(r.clock_ns), ioType: io as 'io_parallel' | 'io_stream', strategy: built.strategy, reuseFactor: 1, toolVersion: r.tool_version! },
    };
  });
}

function argyRecords(dir: string): TruthRecord[] {
  const rows = parseCsv(readFileSync(path.join(dir, 'data', 'argykokk_hls4ml_mlp_synth.csv'), 'utf8'));
  return rows.map((r, k) => {
    const dims = r.dense_layers!.split(';').map((s) => s.split('x').map(Number) as [number, number]);
    const rfs = r.dense_reuse_factors!.split(';').map(Number);
    const inT: FixedType = parseFixed(r.input_t!);
    const wT = parseFixed(r.weight_types!);
    const accT = parseFixed(r.accum_types!);
    const specs: LayerSpec[] = [];
    dims.forEach(([i, o], n) => {
      const prec = { weight: wT, bias: wT, accum: accT, result: fixedType(16, 6) };
      specs.push(denseSpec(`fc${n + 1}`, i, o, { precision: prec, reuseFactor: rfs[n] ?? 1, strategy: 'latency' }));
      if (n < dims.length - 1) specs.push({ ...relu(`fc${n + 1}_relu`), precision: { result: fixedType(16, 6) } });
    });
    specs.push({ name: 'softmax', attrs: { op: 'Softmax', axis: -1 }, precision: { result: fixedType(16, 6) } });
    const project = r.project!;
    const impl = /\/LUT_/.test(project) ? ('fabric' as const) : ('dsp' as const);
    return {
      id: `argy-${k + 1}`,
      dataset: 'argykokk-mlp' as const,
      group: 'ArgyKokk (MLP projects)',
      label: `${project.split('/')[1]} ${project.split('/').pop()}`,
      source: `argykokk_hls4ml_mlp_synth.csv row ${k + 1} (${project})`,
      toolVersion: r.hls_version!,
      truth: figures(r, { latency_cycles: 'latency_best', ii: 'ii_min', dsp: 'dsp', lut: 'lut', ff: 'ff', bram_18k: 'bram_18k', uram: 'uram' }),
      graph: sequential(project.split('/')[1]!, [dims[0]![0]], inT, specs),
      options: { backend: 'vitis' as const, part: r.part!, clockNs: Number(r.clock_ns), ioType: 'io_parallel' as const, strategy: 'latency' as const, reuseFactor: rfs[0] ?? 1, multiplierImpl: impl, toolVersion: r.hls_version! },
    };
  });
}

function uwRecords(dir: string): TruthRecord[] {
  const rows = parseCsv(readFileSync(path.join(dir, 'data', 'uwacme_hls4ml_vs_manual_csynth.csv'), 'utf8'));
  return rows.map((r, k) => ({
    id: `uw-${k + 1}`,
    dataset: 'uw-acme-gru' as const,
    group: 'UW-ACME',
    label: `GRU ${r.path!.split('/')[3]} (${r.dense_layers})`,
    source: `uwacme_hls4ml_vs_manual_csynth.csv row ${k + 1}`,
    toolVersion: r.hls_version!,
    truth: figures(r, { latency_cycles: 'latency_best', ii: 'ii_min', dsp: 'dsp', lut: 'lut', ff: 'ff', bram_18k: 'bram_18k', uram: 'uram' }),
    excluded: 'GRU layers are not in fastml\'s IR',
  }));
}

/**
 * published_results.json: a record whose resources equal a CSV row's is that row's report (compared
 * there); the MLPerf Tiny records carry throughput only.
 */
function publishedRecords(dir: string, csv: readonly TruthRecord[]): TruthRecord[] {
  const recs = JSON.parse(readFileSync(path.join(dir, 'published_results.json'), 'utf8')) as Array<Record<string, any>>;
  return recs.map((r, k) => {
    const src = String(r.source ?? '');
    const truth: Partial<Figures> = {};
    for (const [key, col] of [['latency_cycles', 'latency_cycles'], ['ii', 'ii'], ['dsp', 'dsp'], ['lut', 'lut'], ['ff', 'ff'], ['bram_18k', 'bram']] as const) {
      if (typeof r[col] === 'number') truth[key] = r[col];
    }
    const same = csv.find(
      // Resources identify the report; latency may be quoted best- or worst-case.
      (c) => truth.dsp !== undefined && c.truth.dsp === truth.dsp && c.truth.lut === truth.lut && c.truth.ff === truth.ff,
    );
    const none = truth.dsp === undefined && truth.lut === undefined && truth.latency_cycles === undefined;
    return {
      id: `pub-${k + 1}`,
      dataset: 'published' as const,
      group: src.split(' @ ')[0] || 'published',
      label: String(r.model ?? '').slice(0, 60),
      source: `published_results.json #${k + 1} (${src.split(' @ ')[0]})`,
      truth,
      excluded: same
        ? `same figures as ${same.id} (compared there)`
        : none
          ? 'no resource or latency figures (measured throughput only)'
          : 'configuration not known well enough to build the model',
    };
  });
}

export function loadTruth(dir: string): TruthRecord[] {
  const csv = [...waRecords(dir), ...ciRecords(dir), ...argyRecords(dir), ...uwRecords(dir), ...publicRecords(dir)];
  return [...csv, ...publishedRecords(dir, csv)];
}
