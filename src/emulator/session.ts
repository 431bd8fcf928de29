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
  /** --io: the IOType (over the config's), for the estimates --reuse auto makes. */
  readonly io?: 'io_parallel' | 'io_stream';
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
  const base0 = opts.configObject ?? (opts.config ? loadConfig(opts.config) : defaultConfig());
  const base = opts.io ? configFromObject({ ...(base0.raw as Record<string, unknown>), IOType: opts.io }, base0.file) : base0;
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

/** How a user's input array is laid out: as the model's own input, or channels first / last. */
export type ArrayLayout = 'model' | 'channels_first' | 'channels_last';

/** `--layout` values: model, channels_first (nchw, ncw), channels_last (nhwc, nwc). */
export function parseLayout(v: string | undefined): ArrayLayout | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (s === 'model') return 'model';
  if (['channels_first', 'nchw', 'ncw', 'ncdhw'].includes(s)) return 'channels_first';
  if (['channels_last', 'nhwc', 'nwc', 'ndhwc'].includes(s)) return 'channels_last';
  throw new DiagnosticError([diag('FML6004', `--layout: "${v}" is not model, channels_first (nchw) or channels_last (nhwc)`)], EXIT.USAGE);
}

/** Whether the model's own input (before fastml's channels-last conversion) is channels first. */
function modelChannelsFirst(g: Graph, input: string): boolean {
  return /^NC./.test(g.inputLayouts[input]?.source ?? '');
}

/** Moves the channel axis of row-major samples: first -> last (toLast) or last -> first. */
function moveChannels(data: Float64Array, n: number, sample: readonly number[], toLast: boolean): Float64Array {
  const out = new Float64Array(data.length);
  const size = numel(sample);
  const C = toLast ? sample[0]! : sample[sample.length - 1]!;
  const S = size / C;
  for (let b = 0; b < n; b++) {
    const off = b * size;
    for (let c = 0; c < C; c++)
      for (let k = 0; k < S; k++) {
        if (toLast) out[off + k * C + c] = data[off + c * S + k]!;
        else out[off + c * S + k] = data[off + k * C + c]!;
      }
  }
  return out;
}

/**
 * Reads batch inputs for every graph input from one file (or generates them for `random[:N][:SEED]`
 * / `zeros[:N]`, see src/io/generate.ts): a .npz by input name (or in order), or
 * a single-array file for single-input models. Checks the per-sample size, and the per-sample shape
 * of arrays with one: an array with the right number of values in another shape (an NCHW array for
 * an NHWC model) is an error unless `layout` says how it is laid out, when it is transposed to the
 * model's layout. Flat samples ([batch, values]) are read in the model's layout.
 */
export function readBatchInputs(g: Graph, file: string, layout: ArrayLayout = 'model'): Record<string, { data: Float64Array; n: number }> {
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
    const sample = a.shape.slice(1);
    const same = (x: readonly number[], y: readonly number[]): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
    const cf = modelChannelsFirst(g, name);
    const arrayCf = layout === 'model' ? cf : layout === 'channels_first';
    // The shape the array must have in the layout it is said to be in.
    const want = arrayCf === cf || shape.length < 2 ? shape : cf ? [...shape.slice(1), shape[0]!] : [shape[shape.length - 1]!, ...shape.slice(0, -1)];
    if (sample.length > 1 && !same(sample, want)) {
      throw new DiagnosticError(
        [
          diag(
            'FML6003',
            `input "${name}": samples of shape [${sample.join(', ')}] have the model input's ${size} values but not its shape [${shape.join(', ')}]${layout === 'model' ? '' : ` (${layout} gives [${want.join(', ')}])`}`,
            { file },
            `pass --layout channels_first or --layout channels_last to say how the array is laid out (the model is ${cf ? 'channels first' : 'channels last'}), or reshape it`,
          ),
        ],
        EXIT.USAGE,
      );
    }
    const n = a.shape[0]!;
    out[name] = { data: sample.length > 1 && arrayCf !== cf ? moveChannels(a.data, n, sample, cf === false) : a.data, n };
  });
  return out;
}
