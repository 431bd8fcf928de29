/**
 * @fileoverview The pass pipeline: one ordered list, and `runPipeline`, which runs it, verifies
 * the IR after each pass (with `verify`, and always in tests), records which passes changed the
 * graph, and dumps the IR after a named pass (`--dump-ir PASS`).
 *
 * The order, and why:
 *  0. split-scales     quantizers with float scales / zero points become integer quantizers plus
 *                      scale layers first, so quantize-model only sees exact facts;
 *  1. quantize-model   the model's quantizers give types and quantized weight values first, so that
 *                      apply-config can let an explicit config entry override them while a blanket
 *                      model default does not (apply-config's rule);
 *  2. apply-config     the hls4ml configuration: types ('auto' kept), reuse, strategy, tables;
 *  3. fold-quant       activation Quant layers: into the producer where its type is auto (needs 2);
 *  4. remove-nops      Dropout / Identity, so that folding sees Dense -> BatchNorm adjacent;
 *  5. fold-scale-bias  ONNX MatMul + Add: the bias joins the Dense where its result type is auto;
 *  6. fold-batchnorm   same rule for BatchNorm (after 5, so Dense+Add+BN folds completely);
 *  7. prune            on the weights that will be built (after folding scaled them);
 *  8. quantize-auto    post-training types from calibration ranges, on the folded graph (the layers
 *                      that will exist), before inference so accumulators follow the chosen types;
 *  9. infer-precision  every remaining 'auto' from the (now final) input and weight types;
 *     check-weight-types  warns about weight types that zero most weights or change quantized ones
 *                      (needs the concrete types of 9; reports only);
 * 10. remove-linear    needs concrete types to see that a linear activation is a no-op;
 * 11. reuse-factor     validation / choice with the estimator, which needs the final types and layers;
 * 12. sparsity-report  reports what the generated code will multiply.
 */

import type { Graph } from '../ir/graph.js';
import type { Pass, PassContext } from './pass.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { DiagnosticError, InternalError, diag } from '../diagnostics/diagnostic.js';
import { verifyGraph } from '../ir/verify.js';
import { isAuto, type FixedType, type TypeSpec } from '../fixed/type.js';
import { applyConfigPass } from './apply-config.js';
import { recurrentConfigPass } from './recurrent-config.js';
import { quantizeModelPass, foldQuantPass } from './quantize-model.js';
import { splitScalesPass } from './split-scales.js';
import { checkWeightTypesPass } from './check-weight-types.js';
import { removeNopsPass } from './remove-nops.js';
import { foldScaleBiasPass } from './fold-scale-bias.js';
import { foldBatchNormPass } from './fold-batchnorm.js';
import { prunePass, sparsityReportPass, parsePruneSpec, type PruneSpec } from './prune.js';
import { inferPrecisionPass } from './infer-precision.js';
import { removeLinearPass } from './remove-linear.js';
import { reusePass, type Budget, type ReuseMode } from './reuse.js';
import { dumpGraph, type DumpFormat } from './dump.js';
import { parseBudget } from './options.js';
import { quantizeAutoPass, parseQuantizeSpec, type QuantizeAutoSpec, type Calibration } from './quantize-auto.js';
import type { EstimateOptions } from '../estimate/types.js';

export interface PipelineOptions {
  /** Run the IR verifier after every pass (tests; `--verify`). */
  readonly verify?: boolean;
  /** Dump the IR after this pass ('all' after every pass, 'input' before the first). */
  readonly dumpAfter?: string;
  readonly dumpFormat?: DumpFormat;
  /** Magnitude pruning: `0.5`, `global:0.5`, `fc1=0.8,fc2=0.5` or a parsed spec. */
  readonly prune?: string | PruneSpec;
  /** Post-training quantization: `auto` or `auto:BITS`, with calibration inputs. */
  readonly quantize?: string | QuantizeAutoSpec;
  readonly calibration?: Calibration;
  /** Reuse factors: check (default), nearest, auto (needs `budget`). */
  readonly reuse?: ReuseMode;
  readonly budget?: string | Budget;
  /** fastml's aggressive folding (changes numerics: fewer roundings, fewer resources). */
  readonly aggressive?: boolean;
  /** Overrides of the config's Model precision default / maximum. */
  readonly defaultPrecision?: FixedType;
  readonly maxPrecision?: FixedType;
  /** Passed to the estimator for `--reuse auto` (part, backend, clock, io type). */
  readonly estimate?: EstimateOptions;
  /** Pass names to leave out (for experiments and tests). */
  readonly skip?: readonly string[];
}

export interface PipelineResult {
  readonly graph: Graph;
  readonly diagnostics: Diagnostic[];
  readonly report: Record<string, unknown>;
  /** Names of the passes that changed the graph, in order. */
  readonly trace: string[];
  /** IR dumps requested with dumpAfter, in order. */
  readonly dumps: { after: string; text: string }[];
}

function concrete(t: TypeSpec | undefined): FixedType | undefined {
  return t !== undefined && !isAuto(t) ? t : undefined;
}

/** Model-level default and maximum precision from an HlsConfig (or a wrapper holding one). */
function modelPrecisions(config: unknown): { dflt?: FixedType; max?: FixedType } {
  const c = config as { model?: { precision?: Record<string, TypeSpec> }; hls?: { model?: { precision?: Record<string, TypeSpec> } } } | undefined;
  const p = c?.model?.precision ?? c?.hls?.model?.precision;
  if (!p) return {};
  const dflt = concrete(p.default);
  const max = concrete(p.maximum);
  return { ...(dflt ? { dflt } : {}), ...(max ? { max } : {}) };
}

/** The ordered pass list for these options. */
export function buildPipeline(config: unknown, opts: PipelineOptions = {}): Pass[] {
  const mp = modelPrecisions(config);
  const prune = typeof opts.prune === 'string' ? parsePruneSpec(opts.prune) : opts.prune;
  const quantize = typeof opts.quantize === 'string' ? parseQuantizeSpec(opts.quantize) : opts.quantize;
  const budget = typeof opts.budget === 'string' ? parseBudget(opts.budget) : opts.budget;
  const dflt = opts.defaultPrecision ?? mp.dflt;
  const max = opts.maxPrecision ?? mp.max;
  const passes: Pass[] = [
    splitScalesPass,
    quantizeModelPass,
    applyConfigPass,
    // Recurrent/LayerNorm attributes read from the same config blocks, after reuse/strategy are set.
    recurrentConfigPass,
    foldQuantPass,
    removeNopsPass,
    foldScaleBiasPass({ aggressive: Boolean(opts.aggressive) }),
    foldBatchNormPass({ aggressive: Boolean(opts.aggressive) }),
    ...(prune ? [prunePass(prune)] : []),
    ...(quantize ? [quantizeAutoPass(quantize, opts.calibration)] : []),
    inferPrecisionPass({ ...(dflt ? { defaultPrecision: dflt } : {}), ...(max ? { maxPrecision: max } : {}) }),
    checkWeightTypesPass,
    removeLinearPass,
    reusePass({ mode: opts.reuse ?? 'check', ...(budget ? { budget } : {}), ...(opts.estimate ? { estimate: opts.estimate } : {}) }),
    sparsityReportPass,
  ];
  const skip = new Set(opts.skip ?? []);
  return passes.filter((p) => !skip.has(p.name));
}

/** Names of every pass a pipeline may contain, in order (for --dump-ir help and errors). */
export const PASS_NAMES = [
  'split-scales',
  'quantize-model',
  'apply-config',
  'recurrent-config',
  'fold-quant',
  'remove-nops',
  'fold-scale-bias',
  'fold-batchnorm',
  'prune',
  'quantize-auto',
  'infer-precision',
  'check-weight-types',
  'remove-linear',
  'reuse-factor',
  'sparsity-report',
] as const;

/** Structural equality, cheap: weights compared by reference, then by value. */
export function sameGraph(a: Graph, b: Graph): boolean {
  if (a === b) return true;
  if (a.layers.length !== b.layers.length || a.outputs.join() !== b.outputs.join() || a.inputs.join() !== b.inputs.join()) return false;
  for (let k = 0; k < a.layers.length; k++) {
    const x = a.layers[k]!;
    const y = b.layers[k]!;
    if (x === y) continue;
    if (x.name !== y.name || x.inputs.join() !== y.inputs.join() || x.outputs.join() !== y.outputs.join()) return false;
    if (JSON.stringify(x.attrs) !== JSON.stringify(y.attrs)) return false;
    if (JSON.stringify(x.precision) !== JSON.stringify(y.precision)) return false;
    if (x.reuseFactor !== y.reuseFactor || x.strategy !== y.strategy || x.tableSize !== y.tableSize) return false;
    const kx = Object.keys(x.weights);
    if (kx.join() !== Object.keys(y.weights).join()) return false;
    for (const r of kx) {
      const wx = x.weights[r]!.data;
      const wy = y.weights[r]!.data;
      if (wx === wy) continue;
      if (wx.length !== wy.length) return false;
      for (let i = 0; i < wx.length; i++) if (wx[i] !== wy[i]) return false;
    }
  }
  return true;
}

/**
 * Runs the pipeline. Throws DiagnosticError for problems in the model or options (with every
 * diagnostic collected so far), InternalError when a pass leaves an invalid IR.
 */
export function runPipeline(graph: Graph, config: unknown, opts: PipelineOptions = {}): PipelineResult {
  const passes = buildPipeline(config, opts);
  const names = passes.map((p) => p.name);
  if (opts.dumpAfter && opts.dumpAfter !== 'all' && opts.dumpAfter !== 'input' && !names.includes(opts.dumpAfter)) {
    throw new DiagnosticError([
      diag('FML6540', `--dump-ir: no pass "${opts.dumpAfter}" in this pipeline`, undefined, `passes: input, ${names.join(', ')}, all`),
    ]);
  }
  const ctx: PassContext = { config, diagnostics: [], report: {} };
  const trace: string[] = [];
  const dumps: { after: string; text: string }[] = [];
  const fmt = opts.dumpFormat ?? 'text';
  if (opts.dumpAfter === 'input' || opts.dumpAfter === 'all') dumps.push({ after: 'input', text: dumpGraph(graph, fmt) });
  let g = graph;
  for (const p of passes) {
    let next: Graph;
    try {
      next = p.run(g, ctx);
    } catch (e) {
      if (e instanceof DiagnosticError) throw new DiagnosticError([...ctx.diagnostics, ...e.diagnostics], e.exitCode);
      throw e;
    }
    if (opts.verify) {
      const problems = verifyGraph(next);
      if (problems.length) throw new InternalError(`invalid IR after pass "${p.name}":\n  ${problems.join('\n  ')}`);
    }
    if (!sameGraph(g, next)) trace.push(p.name);
    g = next;
    if (opts.dumpAfter === p.name || opts.dumpAfter === 'all') dumps.push({ after: p.name, text: dumpGraph(g, fmt) });
  }
  return { graph: g, diagnostics: ctx.diagnostics, report: ctx.report, trace, dumps };
}
