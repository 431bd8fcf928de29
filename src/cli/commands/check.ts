/**
 * @fileoverview `fastml check MODEL --input X [--reference Y|quantized|float] [--config CFG] [--max-abs-err E]
 * [--min-agreement A] [--json] [--junit FILE]`: the CI check. Runs the bit-accurate emulator and a
 * float reference (onnxruntime-web for ONNX models, fastml's float64 evaluator otherwise, or the
 * given reference outputs), reports the error figures, per-layer error growth and the overflow
 * table, and exits 1 when a threshold is missed. The pipeline flags (--prune, --quantize, --reuse ...)
 * change the emulated design; the float reference stays the model as written, so `check --prune`
 * measures what pruning costs.
 */

import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { resolveInput, resolvePath } from '../context.js';
import { fail } from '../../diagnostics/diagnostic.js';
import { addPipelineOptions, pipelineFlagsOf, type PipelineFlags } from '../../passes/options.js';
import path from 'node:path';
import { MODEL_ARG_HELP, addLayoutOption, addModelOptions, parseIo, resolveModelArgs } from '../model-args.js';

interface CheckOpts {
  input: string;
  reference?: string;
  config?: string;
  weights?: string;
  maxAbsErr?: string;
  minAgreement?: string;
  json?: boolean;
  junit?: string;
  layout?: string;
  io?: string;
}

function num(v: string | undefined, flag: string, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || x < lo || x > hi) fail('FML0010', `${flag} must be a number in [${lo}, ${hi}], got "${v}"`);
  return x;
}

export function register(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('check')
    .description('compare the bit-accurate emulation with a float reference; exit 1 when a threshold is missed (for CI)')
    .argument('<model>', MODEL_ARG_HELP)
    .requiredOption('-i, --input <file>', 'inputs: .npy, .npz, .dat or .csv; batch first, model layout; or generated: random[:N][:SEED] or zeros[:N] (see emulate --help)')
    .option(
      '-r, --reference <file|quantized|float>',
      "what to compare with: reference outputs in a file, or 'quantized' (default: the float64 model with its own quantizers, QKeras ones as QKeras computes at inference) or 'float' (QKeras quantizers removed: raw weights, float activations)",
    )
    .option('-c, --config <file>', 'hls4ml configuration (YAML or JSON)')
    .option('-w, --weights <file>', 'weights file for a Keras architecture .json')
    .option('--max-abs-err <e>', 'fail when the largest absolute output error exceeds E')
    .option('--min-agreement <a>', 'fail when argmax agreement (y > 0.5 agreement for one output) is below A')
    .option('--json', 'print the report as JSON')
    .option('--junit <file>', 'write a JUnit XML report');
  addLayoutOption(cmd);
  addModelOptions(cmd, { io: true });
  addPipelineOptions(cmd)
    .action(async (model: string, opts: CheckOpts & PipelineFlags) => {
      const pipeline = pipelineFlagsOf(opts, (p) => path.resolve(ctx.io.cwd, p));
      const maxAbsErr = num(opts.maxAbsErr, '--max-abs-err', 0, Infinity);
      const minAgreement = num(opts.minAgreement, '--min-agreement', 0, 1);
      const { runCheck } = await import('../../emulator/run.js');
      const { parseLayout } = await import('../../emulator/session.js');
      // MODEL may be a configuration naming the model (config-only use).
      const m = await resolveModelArgs(ctx, model, opts);
      const code = await runCheck(ctx, {
        model: m.model,
        ...(opts.io !== undefined ? { io: parseIo(opts.io) } : {}),
        ...(opts.layout !== undefined ? { layout: parseLayout(opts.layout) } : {}),
        input: await resolveInput(ctx, opts.input),
        // 'quantized' / 'float' name a reference model; anything else is a file (./float for a file so named).
        ...(opts.reference === 'quantized' || opts.reference === 'float'
          ? { referenceMode: opts.reference }
          : opts.reference
            ? { reference: await resolvePath(ctx, opts.reference) }
            : {}),
        ...(m.config ? { config: m.config } : {}),
        ...(m.weights ? { weights: m.weights } : {}),
        ...(maxAbsErr !== undefined ? { maxAbsErr } : {}),
        ...(minAgreement !== undefined ? { minAgreement } : {}),
        ...(opts.json ? { json: true } : {}),
        ...(opts.junit ? { junit: await resolvePath(ctx, opts.junit) } : {}),
        pipeline,
      });
      ctx.setExitCode(code);
    });
}
