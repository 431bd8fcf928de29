/**
 * @fileoverview What `fastml emulate` and `fastml check` share: load a model and its hls4ml
 * configuration, run the pass pipeline with the command's pipeline flags, and read batch inputs from a tensor file in the model's
 * own layout.
 */

import { existsSync } from 'node:fs';
import type { Graph } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { DiagnosticError, diag, EXIT } from '../diagnostics/diagnostic.js';
import { loadModel } from '../frontends/index.js';
import { configFromObject, defaultConfig, loadConfig } from '../config/load.js';
import type { HlsConfig } from '../config/load.js';
import { runPipeline, type PipelineResult } from '../passes/pipeline.js';
import { parseReuseFlag, pipelineOptionsFrom, type PipelineFlags } from '../passes/options.js';
import { readTensorFile } from '../io/index.js';
import { generateInputs, inputDescs, parseInputSpec } from '../io/generate.js';

export interface Session {
  readonly raw: Graph;
  readonly graph: Graph;
  readonly config: HlsConfig;
  readonly diagnostics: readonly Diagnostic[];
  /** What the passes did and chose (trace, report, IR dumps). */
  readonly pipeline: PipelineResult;
}

export interface SessionOptions {
  readonly config?: string;
  /** A configuration already loaded (and adjusted, e.g. from a project's lock), instead of `config`. */
  readonly configObject?: HlsConfig;
  readonly weights?: string;
  /** The pipeline flags as commander parsed them (--prune, --quantize, --reuse, ...). */
  readonly pipeline?: PipelineFlags;
  /** Resolves user paths in the flags (--calibration); default: as given. */
  readonly resolve?: (p: string) => string;
}

/** The config with `--reuse N` as its Model ReuseFactor (the most specific config levels still win). */
export function withModelReuse(config: HlsConfig, reuse: number): HlsConfig {
  const raw = config.raw as Record<string, unknown>;
  const hls = { ...((raw.HLSConfig as Record<string, unknown>) ?? {}) };
  hls.Model = { ...((hls.Model as Record<string, unknown>) ?? {}), ReuseFactor: reuse };
  return configFromObject({ ...raw, HLSConfig: hls }, config.file);
}

export async function loadSession(modelFile: string, opts: SessionOptions = {}): Promise<Session> {
  const flags = opts.pipeline ?? {};
  const reuse = parseReuseFlag(flags.reuse);
  const base = opts.configObject ?? (opts.config ? loadConfig(opts.config) : defaultConfig());
  const config = reuse.factor !== undefined ? withModelReuse(base, reuse.factor) : base;
  // The config's KerasH5 is used only when it names an existing file (hls4ml configs often hold
  // paths relative to wherever they were written); otherwise the frontend finds the weights.
  const h5 = config.modelFiles.kerasH5;
  const weights = opts.weights ?? (h5 && existsSync(h5) && modelFile.toLowerCase().endsWith('.json') ? h5 : undefined);
  const raw = await loadModel(modelFile, weights ? { weights } : {});
  const popts = await pipelineOptionsFrom(flags, raw, opts.resolve ?? ((p) => p));
  // --reuse auto estimates with the config's target (emulate and check have no --part of their own).
  const backend = config.backend.toLowerCase().startsWith('vitis') ? 'vitis' : 'vivado';
  const estimate = { ...(config.part ? { part: config.part } : {}), backend, ioType: config.ioType, ...(config.clockPeriod ? { clockNs: config.clockPeriod } : {}) } as const;
  const res = runPipeline(raw, config, { ...popts, estimate });
  return { raw, graph: res.graph, config, diagnostics: [...config.warnings, ...res.diagnostics], pipeline: res };
}

/** The model's own per-sample shape of an input (before channels-last conversion). */
export function sourceShape(g: Graph, input: string): readonly number[] {
  return g.inputLayouts[input]?.sourceShape ?? g.tensors.get(input)!.shape;
}

/**
 * Reads batch inputs for every graph input from one file (or generates them for `random[:N][:SEED]`
 * / `zeros[:N]`, see src/io/generate.ts): a .npz by input name (or in order), or
 * a single-array file for single-input models. Checks the per-sample size.
 */
export function readBatchInputs(g: Graph, file: string): Record<string, { data: Float64Array; n: number }> {
  const spec = parseInputSpec(file);
  if (spec) return Object.fromEntries(generateInputs(spec, inputDescs(g)));
  const sizes = g.inputs.map((n) => numel(sourceShape(g, n)));
  const arrays = readTensorFile(file, g.inputs.length === 1 ? { sampleSize: sizes[0]! } : {});
  const list = [...arrays.entries()];
  const out: Record<string, { data: Float64Array; n: number }> = {};
  g.inputs.forEach((name, k) => {
    const a = arrays.get(name) ?? (g.inputs.length === 1 ? list[0]?.[1] : list[k]?.[1]);
    if (!a) throw new DiagnosticError([diag('FML6002', `no array for model input "${name}" (the file has: ${list.map((e) => e[0] || '(unnamed)').join(', ')})`, { file })], EXIT.USAGE);
    const size = sizes[k]!;
    const shape = sourceShape(g, name);
    const per = a.shape.length <= 1 ? a.data.length : numel(a.shape.slice(1));
    if (a.shape.length <= 1 && a.data.length === size) {
      out[name] = { data: a.data, n: 1 };
      return;
    }
    if (per !== size) {
      throw new DiagnosticError(
        [
          diag(
            'FML6002',
            `input "${name}": samples of shape [${a.shape.slice(1).join(', ')}] (${per} values) do not match the model input [${shape.join(', ')}] (${size} values)`,
            { file },
            'arrays are batch first, in the model\'s own layout',
          ),
        ],
        EXIT.USAGE,
      );
    }
    out[name] = { data: a.data, n: a.shape[0]! };
  });
  return out;
}
