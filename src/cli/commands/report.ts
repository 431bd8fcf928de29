/**
 * @fileoverview `fastml report DIR`: reads the Vivado HLS / Vitis HLS C-synthesis reports of a built
 * project (csynth.xml and per-module reports) and shows them beside fastml's estimate for the same
 * model (`--model`, with the project's part, backend, clock and io type from fastml.lock.json
 * unless given), per layer where the report has per-module figures. The estimate runs the pass
 * pipeline with the pass flags given, else those compile recorded in the lock (reuse, budget, prune).
 */

import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { resolvePath } from '../context.js';
import { DiagnosticError, diag } from '../../diagnostics/diagnostic.js';
import type { EstimateOptions, IoType } from '../../estimate/types.js';
import { addPipelineOptions, anyPipelineFlag, parseReuseFlag, pipelineFlagsOf, pipelineJson, pipelineOptionsFrom, printPipeline, type PipelineFlags } from '../../passes/options.js';

/** What `fastml compile` recorded in fastml.lock.json (config.resolved) that shapes the design. */
interface LockSettings {
  strategy?: string | null;
  reuse?: number | null;
  reuseMode?: string;
  budget?: string;
  prune?: string;
  maxPrecision?: string;
  aggressiveFolding?: boolean;
  quantize?: string;
  precision?: string | null;
}

/**
 * The pass flags for the estimate: the command line's, else the ones the project was compiled with
 * (so that the estimate describes the design that was built). --quantize needs its calibration
 * file, which the lock does not hold: give it again.
 */
function flagsFromLock(cli: PipelineFlags, s: LockSettings): PipelineFlags {
  const out: PipelineFlags = { ...cli };
  if (out.reuse === undefined) {
    if (s.reuseMode === 'auto') out.reuse = 'auto';
    else if (s.reuseMode === 'nearest') out.reuse = s.reuse ? `nearest:${s.reuse}` : 'nearest';
    else if (s.reuse) out.reuse = String(s.reuse);
  }
  if (out.budget === undefined && s.budget && out.reuse === 'auto') out.budget = s.budget;
  if (out.prune === undefined && s.prune) out.prune = s.prune;
  if (out.maxPrecision === undefined && s.maxPrecision) out.maxPrecision = s.maxPrecision;
  if (out.aggressiveFolding === undefined && s.aggressiveFolding) out.aggressiveFolding = true;
  return out;
}

interface ReportFlags {
  model?: string;
  config?: string;
  target?: string;
  backend?: string;
  clock?: string;
  ioType?: string;
  json?: boolean;
}

export function register(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('report')
    .description('show the HLS synthesis report (csynth.xml) of a built project beside fastml\'s estimate')
    .argument('<dir>', 'project directory (searched for csynth.xml / *_csynth.xml), or one csynth.xml file')
    .option('-m, --model <file>', 'the model the project was built from, to estimate it (not needed for an hls4ml project folder: its firmware is read)')
    .option('-c, --config <file>', 'hls4ml configuration used for the build')
    .option('-t, --target <name>', 'part or board (default: fastml.lock.json, else the report\'s part)')
    .option('--backend <name>', 'vivado or vitis (default: fastml.lock.json, else the report\'s tool)')
    .option('--clock <ns>', 'clock period (default: fastml.lock.json, else the report\'s)')
    .option('--io-type <t>', 'io_parallel or io_stream (default: fastml.lock.json, else the config)')
    .option('--json', 'print the parsed report (and estimate) as JSON');
  // The pass flags shape the estimated design; without them, the ones recorded in fastml.lock.json.
  addPipelineOptions(cmd)
    .action(async (dirArg: string, flags: ReportFlags & PipelineFlags) => {
      const { existsSync, readFileSync, statSync } = await import('node:fs');
      const path = await import('node:path');
      const { readProjectReports } = await import('../../estimate/csynth.js');
      const { reportText } = await import('../../estimate/report-compare.js');
      const dir = await resolvePath(ctx, dirArg);
      const cliPipeline = pipelineFlagsOf(flags);
      if (!flags.model && anyPipelineFlag(cliPipeline))
        throw new DiagnosticError([diag('FML7002', 'the pass flags (--reuse, --prune, --quantize, ...) shape the estimate, which needs --model')]);
      const rep = readProjectReports(dir);
      let est;
      let pipe: ReturnType<typeof pipelineJson> = {};
      if (flags.model) {
        const { loadModel } = await import('../../frontends/index.js');
        const { loadConfig, defaultConfig, configFromObject } = await import('../../config/load.js');
        const { runPipeline } = await import('../../passes/pipeline.js');
        const { estimate } = await import('../../estimate/estimate.js');
        const { backendOf } = await import('./estimate.js');
        const lockFile = path.join(statSync(dir).isFile() ? path.dirname(dir) : dir, 'fastml.lock.json');
        let lock: { backend?: string; part?: string; clockNs?: number; io?: string; config?: { resolved?: LockSettings } } = {};
        if (existsSync(lockFile)) {
          try {
            lock = JSON.parse(readFileSync(lockFile, 'utf8'));
          } catch (e) {
            throw new DiagnosticError([diag('FML7024', `fastml.lock.json is not valid JSON: ${(e as Error).message}`, { file: lockFile })]);
          }
        }
        const settings = lock.config?.resolved ?? {};
        const pflags = flagsFromLock(pipelineFlagsOf(flags, (p) => path.resolve(ctx.io.cwd, p)), settings);
        if (settings.quantize && !pflags.quantize)
          ctx.io.err(`note: the project was compiled with --quantize ${settings.quantize}; give --quantize and --calibration again to estimate the same types\n`);
        const baseCfg = flags.config ? loadConfig(await resolvePath(ctx, flags.config)) : defaultConfig();
        // The Model-level overrides compile applied (--strategy, --reuse N, --precision), from the lock.
        const reuseN = parseReuseFlag(pflags.reuse).factor;
        const hls = { ...((baseCfg.raw.HLSConfig as Record<string, unknown>) ?? {}) };
        const model: Record<string, unknown> = { ...((hls.Model as Record<string, unknown>) ?? {}) };
        if (reuseN !== undefined) model.ReuseFactor = reuseN;
        if (settings.strategy) model.Strategy = settings.strategy === 'resource' ? 'Resource' : 'Latency';
        if (settings.precision) model.Precision = model.Precision && typeof model.Precision === 'object' ? { ...(model.Precision as object), default: settings.precision } : settings.precision;
        const overridden = reuseN !== undefined || Boolean(settings.strategy) || Boolean(settings.precision);
        const cfg = overridden ? configFromObject({ ...baseCfg.raw, HLSConfig: { ...hls, Model: model } }, baseCfg.file) : baseCfg;
        const reportBackend = rep.top.tool === 'Vitis HLS' ? 'vitis' : rep.top.tool === 'Vivado HLS' ? 'vivado' : undefined;
        const clock = flags.clock !== undefined ? Number(flags.clock) : (lock.clockNs ?? rep.top.clock_ns ?? cfg.clockPeriod ?? 5);
        if (!(clock > 0)) throw new DiagnosticError([diag('FML7002', `--clock: "${flags.clock}" is not a positive number of ns`)]);
        const io = (flags.ioType ?? lock.io ?? cfg.ioType) as IoType;
        if (io !== 'io_parallel' && io !== 'io_stream') throw new DiagnosticError([diag('FML7002', `--io-type: "${io}" is not io_parallel or io_stream`)]);
        const part = flags.target ?? lock.part ?? rep.top.part ?? cfg.part;
        const eopts: EstimateOptions = {
          backend: backendOf(flags.backend ?? lock.backend ?? reportBackend ?? cfg.backend),
          ...(part ? { part } : {}),
          ...(rep.top.version ? { toolVersion: rep.top.version } : {}),
          clockNs: clock,
          ioType: io,
        };
        const raw = await loadModel(await resolvePath(ctx, flags.model));
        const popts = await pipelineOptionsFrom(pflags, raw, (p) => path.resolve(ctx.io.cwd, p));
        const res = runPipeline(raw, cfg, { ...popts, estimate: eopts });
        printPipeline(res, pflags, ctx.io, Boolean(flags.json));
        pipe = pipelineJson(res, pflags);
        est = estimate(res.graph, eopts);
      }
      const { isHls4mlProject, readHls4mlProject, projectOptions } = await import('../../estimate/hls4ml-project.js');
      if (!est && isHls4mlProject(dir)) {
        // An hls4ml project: its firmware says what was built, no model file needed.
        const { estimate } = await import('../../estimate/estimate.js');
        const { backendOf } = await import('./estimate.js');
        const p = readHls4mlProject(dir);
        const clock = flags.clock !== undefined ? Number(flags.clock) : undefined;
        if (clock !== undefined && !(clock > 0)) throw new DiagnosticError([diag('FML7002', `--clock: "${flags.clock}" is not a positive number of ns`)]);
        const reportBackend = rep.top.tool === 'Vitis HLS' ? 'vitis' : rep.top.tool === 'Vivado HLS' ? 'vivado' : undefined;
        const backendName = flags.backend ?? reportBackend;
        est = estimate(
          p.graph,
          projectOptions(p, {
            ...(flags.target ? { part: flags.target } : {}),
            ...(backendName ? { backend: backendOf(backendName) } : {}),
            ...(clock !== undefined ? { clockNs: clock } : {}),
            ...(flags.ioType ? { ioType: flags.ioType as IoType } : {}),
            ...(rep.top.version ? { toolVersion: rep.top.version } : {}),
          }),
        );
      }
      if (flags.json) {
        const { estimateJson } = await import('../../estimate/format.js');
        ctx.io.out(JSON.stringify({ report: rep, ...(est ? { estimate: estimateJson(est) } : {}), ...pipe }, null, 1) + '\n');
        return;
      }
      ctx.io.out(reportText(rep, est));
    });
}
