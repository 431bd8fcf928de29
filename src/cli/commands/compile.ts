/**
 * @fileoverview `fastml compile MODEL [--config CFG] [--target T] ... [-o DIR] [--force]`: writes a
 * Vivado HLS or Vitis HLS project (see docs/backends.md). MODEL may be an hls4ml configuration that
 * names the model (KerasJson + KerasH5, KerasModel, OnnxModel) and the output (OutputDir, ProjectName). Flags override the configuration file,
 * which overrides the defaults. The pass flags (--reuse N|nearest|auto --budget, --prune, --quantize,
 * --dump-ir ...) come from src/passes/options.ts, the same as for emulate and estimate.
 */

import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { resolveInput, resolvePath } from '../context.js';
import { addPipelineOptions, pipelineFlagsOf, type PipelineFlags } from '../../passes/options.js';
import path from 'node:path';
import { MODEL_ARG_HELP, addLayoutOption, parseIo, resolveModelArgs } from '../model-args.js';

interface Flags {
  config?: string;
  weights?: string;
  target?: string;
  part?: string;
  backend?: string;
  io?: string;
  strategy?: string;
  reuse?: string;
  precision?: string;
  clock?: string;
  project?: string;
  output?: string;
  force?: boolean;
  input?: string;
  samples?: string;
  layout?: string;
}

export function register(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('compile')
    .description('write a Vivado HLS / Vitis HLS project (firmware, test bench, build scripts) for a model; flags override the config file, which overrides the defaults (see docs/backends.md)')
    .argument('<model>', MODEL_ARG_HELP)
    .option('-c, --config <file>', 'hls4ml configuration (YAML or JSON)')
    .option('-w, --weights <file>', 'weights file for a Keras architecture .json')
    .option('-t, --target <name>', 'board (alveo = alveo-u250, alveo-u50, alveo-u55c, alveo-u200, alveo-u280, vu9p, vu13p, zcu102, zcu104, kv260, pynq-z2) or a part string')
    .option('--part <part>', 'FPGA part string (same as --target)')
    .option('--backend <name>', 'vivado (Vivado HLS), vitis (Vitis HLS) or vivadoaccelerator (Vivado HLS plus the AXI wrapper, block design and PYNQ driver of AcceleratorConfig); default: the config\'s Backend, else vivado')
    .option('--io <type>', 'parallel or stream (io_parallel / io_stream); default: the config\'s IOType')
    .option('--strategy <s>', 'latency or resource (the config\'s Model strategy)')
    .option('--precision <type>', 'default precision, e.g. ap_fixed<16,6> (the config\'s Model precision)')
    .option('--clock <ns>', 'clock period in ns (default: the config\'s ClockPeriod, else 5)')
    .option('--project <name>', 'project / top function name (default: the config\'s ProjectName, else the model file name)')
    .option('-o, --output <dir>', 'output folder (default: the config\'s OutputDir, relative to the config file, else <project>_prj)')
    .option('--force', 'replace an output folder that fastml wrote (it has fastml.lock.json); never a folder of yours, nor one holding an input')
    .option('-i, --input <file>', 'test-bench inputs (.npy, .npz, .dat, .csv; model layout, batch first), or random[:N][:SEED] / zeros[:N] (see emulate --help); default: generated samples (sample 0 all zeros, then N(0,1))')
    .option('--samples <n>', 'number of test-bench samples (generated: default 32; with --input: at most n)');
  // --reuse (N, nearest[:N], auto with --budget) and the other pass flags, shared with emulate/estimate.
  addLayoutOption(cmd);
  addPipelineOptions(cmd)
    .action(async (model: string, all: Flags & PipelineFlags) => {
      const pipeline = pipelineFlagsOf(all, (p) => path.resolve(ctx.io.cwd, p));
      const opts: Flags = {};
      for (const k of ['config', 'weights', 'target', 'part', 'backend', 'io', 'strategy', 'reuse', 'precision', 'clock', 'project', 'output', 'force', 'input', 'samples', 'layout'] as const)
        if (all[k] !== undefined) (opts as Record<string, unknown>)[k] = all[k];
      const { runCompile } = await import('../../backends/compile-run.js');
      const { version } = await import('../main.js');
      const io = parseIo(opts.io);
      // MODEL may be a configuration naming the model (config-only use, as hls4ml's tooling).
      const m = await resolveModelArgs(ctx, model, opts);
      const code = await runCompile(ctx, {
        ...opts,
        ...(io ? { io } : {}),
        model: m.model,
        ...(m.config ? { config: m.config } : {}),
        ...(m.weights ? { weights: m.weights } : {}),
        ...(opts.input ? { input: await resolveInput(ctx, opts.input) } : {}),
        fastmlVersion: version(),
        pipeline,
      });
      ctx.setExitCode(code);
    });
}
