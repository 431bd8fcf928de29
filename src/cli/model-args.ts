/**
 * @fileoverview What every command that reads a model shares: the MODEL argument (a model file, or
 * an hls4ml configuration that names the model, as hls4ml's own tooling is driven), the spelling of
 * the flags that several commands take (--io, --strategy), and printing the configuration's
 * diagnostics and the pass pipeline's (warnings and info notes, one function for every command).
 * One definition here instead of a copy per command, so the commands cannot drift apart.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { DiagnosticError, diag, EXIT, formatDiagnostic } from '../diagnostics/diagnostic.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { CliIO } from './io.js';

/** The model, weights and configuration a command works on, as absolute paths. */
export interface ModelArgs {
  readonly model: string;
  readonly config?: string;
  readonly weights?: string;
  /** The MODEL argument was a configuration file naming the model. */
  readonly fromConfig: boolean;
}

const usage = (code: string, msg: string, file?: string, hint?: string): never => {
  throw new DiagnosticError([diag(code, msg, file ? { file } : undefined, hint)], EXIT.USAGE);
};

/** Keys only an hls4ml configuration has at its top level (a Keras architecture .json has none). */
const CONFIG_KEYS = ['HLSConfig', 'KerasJson', 'KerasModel', 'OnnxModel', 'OutputDir', 'ProjectName'];

/** Whether a file given as MODEL is an hls4ml configuration (YAML, or JSON with its keys). */
export function isConfigFile(file: string): boolean {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.yml' || ext === '.yaml') return true;
  if (ext !== '.json' || !existsSync(file)) return false;
  try {
    const obj = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof obj === 'object' && obj !== null && !Array.isArray(obj) && CONFIG_KEYS.some((k) => k in obj);
  } catch {
    return false; // not JSON: the frontend reports it as a model file
  }
}

/**
 * Resolves MODEL with the --config and --weights flags. A configuration as MODEL names the model
 * with hls4ml's keys (OnnxModel, KerasModel, or KerasJson + KerasH5), relative to the file itself;
 * --weights still wins over its KerasH5.
 */
export async function resolveModelArgs(ctx: CommandContext, arg: string, flags: { config?: string; weights?: string }): Promise<ModelArgs> {
  const file = path.resolve(ctx.io.cwd, arg);
  const weights = flags.weights ? path.resolve(ctx.io.cwd, flags.weights) : undefined;
  const config = flags.config ? path.resolve(ctx.io.cwd, flags.config) : undefined;
  if (!isConfigFile(file)) return { model: file, ...(config ? { config } : {}), ...(weights ? { weights } : {}), fromConfig: false };
  if (config && config !== file)
    usage('FML4020', `MODEL is a configuration file and --config names another (${flags.config})`, file, 'give the configuration once: as MODEL (it names the model) or with --config next to a model file');
  const { loadConfig } = await import('../config/load.js');
  const cfg = loadConfig(file);
  const m = cfg.modelFiles;
  const named: Array<[string, string | undefined]> = [
    ['OnnxModel', m.onnx],
    ['KerasModel', m.kerasModel],
    ['KerasJson', m.kerasJson],
  ];
  const present = named.filter(([, v]) => v !== undefined);
  if (present.length === 0)
    usage('FML4021', 'the configuration names no model', file, 'set OnnxModel, KerasModel, or KerasJson and KerasH5 (paths relative to the configuration file), or pass the model file as MODEL with --config');
  if (present.length > 1) usage('FML4021', `the configuration names more than one model (${present.map(([k]) => k).join(', ')})`, file, 'keep one of OnnxModel, KerasModel, KerasJson');
  const [key, model] = present[0] as [string, string];
  if (!existsSync(model)) usage('FML4022', `${key}: no such file ${model} (relative paths are read from the configuration's folder)`, file);
  let w = weights;
  if (!w && key === 'KerasJson') {
    const h5 = m.kerasH5 ?? usage('FML4022', 'KerasJson needs KerasH5 (the weights) beside it', file, 'add KerasH5 or pass --weights');
    if (!existsSync(h5)) usage('FML4022', `KerasH5: no such file ${h5} (relative paths are read from the configuration's folder)`, file);
    w = h5;
  }
  return { model, config: file, ...(w ? { weights: w } : {}), fromConfig: true };
}

/** The argument description shared by the commands that read a model. */
export const MODEL_ARG_HELP = 'model file (.onnx, .h5, .json + --weights, .keras), or an hls4ml configuration (.yml) naming it (OnnxModel, KerasModel, KerasJson + KerasH5)';

/** `--io parallel|stream` (also io_parallel / io_stream, any case) -> io_parallel / io_stream. */
export function parseIo(v: string | undefined, flag = '--io'): 'io_parallel' | 'io_stream' | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase().replace(/^io_/, '');
  if (s === 'parallel' || s === 'stream') return `io_${s}`;
  return usage('FML0011', `${flag}: "${v}" is not parallel or stream (io_parallel / io_stream)`);
}

/** --strategy in any case -> latency / resource. */
export function parseStrategy(v: string | undefined, flag = '--strategy'): 'latency' | 'resource' | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (s === 'latency' || s === 'resource') return s;
  return usage('FML0012', `${flag}: "${v}" is not latency or resource`);
}

/** Adds --weights (when the command lacks it) and --io with the shared help text. */
export function addModelOptions(cmd: Command, opts: { io?: boolean; weights?: boolean } = {}): Command {
  if (opts.weights) cmd.option('-w, --weights <file>', 'weights file for a Keras architecture .json (default: the configuration\'s KerasH5)');
  if (opts.io) cmd.option('--io <type>', 'parallel or stream (io_parallel / io_stream); default: the configuration\'s IOType');
  return cmd;
}

/** `--layout`: how an input array is laid out, for emulate, check and compile --input. */
export function addLayoutOption(cmd: Command): Command {
  return cmd.option('--layout <l>', "how the input array is laid out: model (default: the model's own input layout), channels_first (nchw) or channels_last (nhwc); an array with the right values in another shape is an error without it");
}

/**
 * The lines a configuration's own diagnostics print as: warnings (misspelled keys with "did you
 * mean", keys whose setting fastml does not apply) and info notes (keys hls4ml writes about its own
 * run, FML4015 / FML4016 / FML4017). Notes that say the same thing at several keys (hls4ml writes
 * `ConvImplementation: LineBuffer` into every convolution's block) are one line naming the first
 * key and how many more, so that a large file hls4ml wrote gives a few lines, not one per layer.
 */
export function configDiagnosticLines(diags: readonly Diagnostic[]): string[] {
  const groups = new Map<string, { d: Diagnostic; more: string[] }>();
  for (const d of diags) {
    const key = [d.code, d.severity, d.message, d.hint ?? '', d.loc?.file ?? '', d.loc?.node ?? ''].join('\u0000');
    const g = groups.get(key);
    if (g && d.loc?.jsonPointer !== undefined) g.more.push(d.loc.jsonPointer);
    else if (!g) groups.set(key, { d, more: [] });
  }
  return [...groups.values()].map(({ d, more }) => {
    if (more.length === 0) return formatDiagnostic(d);
    const shown = more.length > 3 ? `${more.slice(0, 3).join(', ')} ...` : more.join(', ');
    return formatDiagnostic({ ...d, message: `${d.message} (also at ${more.length} more key${more.length === 1 ? '' : 's'}: ${shown})` });
  });
}

/** How a command prints diagnostics: `quiet` (global --quiet) drops the info notes. */
export interface ReportOptions {
  readonly quiet?: boolean;
  /**
   * false when the command shows the warnings in its own output (estimate's table and JSON
   * `warnings`), so that only the notes are printed here.
   */
  readonly warnings?: boolean;
}

/** The report options of a command's context (global --quiet). */
export function reportOptionsOf(ctx: Pick<CommandContext, 'quiet'>, extra: Omit<ReportOptions, 'quiet'> = {}): ReportOptions {
  return { quiet: Boolean(ctx.quiet?.()), ...extra };
}

/** Diagnostics said by several runs (sweep points), each once, in first-seen order. */
export function uniqueDiagnostics(lists: readonly (readonly Diagnostic[])[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const l of lists)
    for (const d of l) {
      const k = formatDiagnostic(d) + '\u0000' + (d.loc?.jsonPointer ?? '');
      if (!seen.has(k)) {
        seen.add(k);
        out.push(d);
      }
    }
  return out;
}

/**
 * The one way diagnostics that did not stop a command reach the user: grouped lines on stderr
 * (configDiagnosticLines), never on stdout, so that --json output stays one JSON document; info
 * notes are left out with --quiet, warnings never are.
 */
export function reportDiagnostics(io: Pick<CliIO, 'err'>, diags: readonly Diagnostic[], opts: ReportOptions = {}): void {
  const shown = diags.filter((d) => (d.severity === 'info' ? !opts.quiet : opts.warnings !== false));
  for (const line of configDiagnosticLines(shown)) io.err(line + '\n');
}

/**
 * Prints a configuration's diagnostics: the one path every command that reads a configuration
 * (emulate, check, compile, estimate, report, sweep, serve) uses, so that each says the same about
 * the same file.
 */
export function reportConfigDiagnostics(io: Pick<CliIO, 'err'>, diags: readonly Diagnostic[], opts: ReportOptions = {}): void {
  reportDiagnostics(io, diags, opts);
}

/**
 * Prints the pass pipeline's diagnostics (warnings, and info notes such as FML4014): the one path
 * every command that runs the passes (emulate, check, compile, estimate, report, sweep, serve)
 * uses, after the configuration's own.
 */
export function reportPipelineDiagnostics(io: Pick<CliIO, 'err'>, diags: readonly Diagnostic[], opts: ReportOptions = {}): void {
  reportDiagnostics(io, diags, opts);
}
