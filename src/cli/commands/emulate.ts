/**
 * @fileoverview `fastml emulate MODEL --input X [--config CFG] [--output Y] [--float] [--trace DIR]`:
 * what the firmware outputs, bit for bit, without a C++ compiler. Inputs are .npy/.npz/.dat/.csv in
 * the model's own layout, batch first, or generated (`random[:N][:SEED]`, `zeros[:N]`, src/io/generate.ts); outputs are written in the format of the output file's
 * extension (.npy float64 by default). `--trace DIR` writes every layer's output as
 * DIR/trace_<layer>.npy, `--overflow` prints the per-layer overflow table. The pass pipeline's flags
 * (--prune, --quantize, --reuse, --dump-ir, ...; src/passes/options.ts) change what is emulated.
 */

import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { resolveInput, resolvePath } from '../context.js';
import { fail } from '../../diagnostics/diagnostic.js';
import { addPipelineOptions, pipelineFlagsOf, type PipelineFlags } from '../../passes/options.js';
import path from 'node:path';
import { MODEL_ARG_HELP, addLayoutOption, addModelOptions, parseIo, resolveModelArgs } from '../model-args.js';

interface EmulateOpts {
  input: string;
  config?: string;
  weights?: string;
  output?: string;
  float?: boolean;
  trace?: string;
  overflow?: boolean;
  f32?: boolean;
  json?: boolean;
  workers?: string;
  layout?: string;
  io?: string;
}

/** Emulate's own keys; everything else commander parsed is a pipeline flag. */
type Own = EmulateOpts & PipelineFlags;

export function register(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('emulate')
    .description('run the bit-accurate fixed-point emulator (or the float64 reference with --float) on inputs')
    .argument('<model>', MODEL_ARG_HELP)
    .requiredOption('-i, --input <file>', 'inputs: .npy, .npz, .dat (hls4ml text, one sample per line) or .csv; batch first, model layout; or generated: random[:N][:SEED] (N(0,1), clipped to the input type; default 32 samples, seed 1) or zeros[:N]')
    .option('-c, --config <file>', 'hls4ml configuration (YAML or JSON); without it hls4ml\'s defaults apply')
    .option('-w, --weights <file>', 'weights file for a Keras architecture .json')
    .option('-o, --output <file>', 'output file (.npy float64, .npz, .dat, .csv)', 'emulated.npy')
    .option('--float', 'evaluate the float64 reference instead of the fixed-point emulator')
    .option('--trace <dir>', 'write every layer\'s output to DIR/trace_<layer>.npy (channels-last, like hls4ml\'s trace)')
    .option('--overflow', 'print the per-layer overflow table (counts wraps and saturations)')
    .option('--f32', 'write float32 .npy/.npz instead of float64')
    .option('--json', 'print a JSON summary on stdout')
    .option('--workers <n>', 'threads, this one included (default: one per core; worker threads start only when the batch would take this thread over 0.25 s and the load average leaves a core idle)');
  addLayoutOption(cmd);
  addModelOptions(cmd, { io: true });
  addPipelineOptions(cmd)
    .action(async (model: string, all: Own) => {
      const pipeline = pipelineFlagsOf(all, (p) => path.resolve(ctx.io.cwd, p));
      const { input, config, weights, output, float, trace, overflow, f32, json } = all;
      const opts: EmulateOpts = { input, ...(config ? { config } : {}), ...(weights ? { weights } : {}), ...(output ? { output } : {}), ...(float ? { float } : {}), ...(trace ? { trace } : {}), ...(overflow ? { overflow } : {}), ...(f32 ? { f32 } : {}), ...(json ? { json } : {}), ...(all.workers !== undefined ? { workers: all.workers } : {}) };
      const workers = opts.workers === undefined ? undefined : Number(opts.workers);
      if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) fail('FML0010', `--workers must be a positive integer, got "${opts.workers}"`);
      const { runEmulate } = await import('../../emulator/run.js');
      const { parseLayout } = await import('../../emulator/session.js');
      // MODEL may be a configuration naming the model (config-only use).
      const m = await resolveModelArgs(ctx, model, opts);
      const { workers: _w, layout: _l, io: _i, ...rest } = opts;
      const code = await runEmulate(ctx, {
        ...rest,
        ...(workers !== undefined ? { workers } : {}),
        model: m.model,
        ...(all.io !== undefined ? { io: parseIo(all.io) } : {}),
        ...(all.layout !== undefined ? { layout: parseLayout(all.layout) } : {}),
        input: await resolveInput(ctx, opts.input),
        ...(m.config ? { config: m.config } : {}),
        ...(m.weights ? { weights: m.weights } : {}),
        output: await resolvePath(ctx, opts.output ?? 'emulated.npy'),
        ...(opts.trace ? { trace: await resolvePath(ctx, opts.trace) } : {}),
        pipeline,
      });
      ctx.setExitCode(code);
    });
}
