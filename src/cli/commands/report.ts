/**
 * @fileoverview `fastml report MODEL --input X --html report.html`: the HTML report of a model
 * (precision profile, error growth, resources, the model's graph; src/report/). `fastml report DIR`:
 * reads the Vivado HLS / Vitis HLS C-synthesis reports of a built
 * project (csynth.xml and per-module reports) and shows them beside fastml's estimate for the same
 * model (`--model`, with the project's part, backend, clock and io type from fastml.lock.json
 * unless given), per layer where the report has per-module figures. The estimate runs the pass
 * pipeline with the pass flags given, else those compile recorded in the lock (reuse, budget, prune).
 * With --html, the project's page: the estimate per layer beside the csynth figures where a report
 * exists, and with --input the design profiled on the inputs; the model is --model, else the file
 * named in fastml.lock.json found beside the project.
 */

import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { version } from '../main.js';
import type { CommandContext } from '../context.js';
import { resolvePath } from '../context.js';
import { DiagnosticError, diag } from '../../diagnostics/diagnostic.js';
import type { EstimateOptions, IoType } from '../../estimate/types.js';
import { addPipelineOptions, anyPipelineFlag, parseReuseFlag, pipelineFlagsOf, pipelineJson, pipelineOptionsFrom, printPipeline, type PipelineFlags } from '../../passes/options.js';
import { checkClock } from '../../diagnostics/limits.js';

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
  input?: string;
  weights?: string;
  html?: string;
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
    .description('an HTML report of a model (precision profile, error growth, resources, graph; --html), or a built project\'s HLS synthesis report (csynth.xml) beside fastml\'s estimate')
    .argument('<model|dir>', 'model file (with --html or --json), or project directory (searched for csynth.xml / *_csynth.xml), or one csynth.xml file')
    .option('--html <file>', 'write a self-contained HTML report (opens from file://; never overwrites an input or a file fastml did not write)')
    .option('-i, --input <file>', 'inputs (.npy, .npz, .dat, .csv; batch first, model layout) for the activation profile, error growth and overflow counts (model, or project with --html)')
    .option('-w, --weights <file>', 'model report: weights file for a Keras architecture .json')
    .option('-m, --model <file>', 'project: the model the project was built from, to estimate it (with --html: default the model named in fastml.lock.json, found beside the project; not needed for a project hls4ml wrote: its firmware is read)')
    .option('-c, --config <file>', 'hls4ml configuration used for the build')
    .option('-t, --target <name>', 'part or board (model: default the config\'s Part; project: fastml.lock.json, else the report\'s part)')
    .option('--backend <name>', 'vivado or vitis (model: default the config\'s Backend; project: fastml.lock.json, else the report\'s tool)')
    .option('--clock <ns>', 'clock period in ns (model: default the config\'s ClockPeriod, else 5; project: fastml.lock.json, else the report\'s)')
    .option('--io-type <t>', 'io_parallel or io_stream (model: the config\'s IOType; project: fastml.lock.json, else the config)')
    .option('--json', 'print the parsed report (and estimate) as JSON; with a model or --html, the page\'s data');
  // The pass flags shape the estimated design; without them, the ones recorded in fastml.lock.json.
  addPipelineOptions(cmd)
    .action(async (dirArg: string, flags: ReportFlags & PipelineFlags, self: Command) => {
      const target = await resolvePath(ctx, dirArg);
      if (!existsSync(target)) throw new DiagnosticError([diag('FML7022', 'no such file or directory', { file: target })]);
      if (!statSync(target).isDirectory() && !/\.xml$/i.test(target)) {
        await modelAction(ctx, target, flags, commandLine(self));
        return;
      }
      if (flags.input && !flags.html) throw new DiagnosticError([diag('FML7002', '--input profiles the design on a page: give --html FILE too')]);
      // A project hls4ml wrote (firmware/parameters.h, no fastml.lock.json): its firmware says what was built.
      const { isHls4mlProject } = await import('../../estimate/hls4ml-project.js');
      const hls4mlProject = statSync(target).isDirectory() && isHls4mlProject(target) && !existsSync(path.join(target, 'fastml.lock.json'));
      if (flags.html && !flags.model && !hls4mlProject) flags.model = modelFromLock(target);
      const { readProjectReports } = await import('../../estimate/csynth.js');
      const { reportText } = await import('../../estimate/report-compare.js');
      const dir = await resolvePath(ctx, dirArg);
      const cliPipeline = pipelineFlagsOf(flags);
      if (!flags.model && anyPipelineFlag(cliPipeline))
        throw new DiagnosticError([diag('FML7002', 'the pass flags (--reuse, --prune, --quantize, ...) shape the estimate, which needs --model')]);
      // With --html the page is made without a report too (before C synthesis has run).
      let rep: ReturnType<typeof readProjectReports> | undefined;
      try {
        rep = readProjectReports(dir);
      } catch (e) {
        if (!(flags.html && e instanceof DiagnosticError && e.diagnostics.some((d) => d.code === 'FML7023'))) throw e;
        ctx.io.err(`note: no csynth.xml under ${dir}: the page shows fastml's estimate only\n`);
      }
      // The files the page may not replace, checked before the estimate runs.
      const htmlInputs = [flags.model ? await resolvePath(ctx, flags.model) : undefined, flags.config ? await resolvePath(ctx, flags.config) : undefined, flags.input ? await resolvePath(ctx, flags.input) : undefined, rep?.top.file];
      if (flags.html) (await import('../../report/write.js')).checkReportPath(await resolvePath(ctx, flags.html), htmlInputs);
      let est;
      let built: import('../../ir/graph.js').Graph | undefined;
      let check: import('../../emulator/run.js').CheckRun | undefined;
      let pipe: ReturnType<typeof pipelineJson> = {};
      if (flags.model) {
        const { loadModel } = await import('../../frontends/index.js');
        const { loadConfig, defaultConfig, configFromObject } = await import('../../config/load.js');
        const { runPipeline } = await import('../../passes/pipeline.js');
        const { estimate } = await import('../../estimate/estimate.js');
        const { backendOf } = await import('./estimate.js');
        const lockFile = path.join(projectDir(dir), 'fastml.lock.json');
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
        const { reportConfigDiagnostics, reportOptionsOf, reportPipelineDiagnostics } = await import('../model-args.js');
        reportConfigDiagnostics(ctx.io, baseCfg.warnings, reportOptionsOf(ctx));
        // The Model-level overrides compile applied (--strategy, --reuse N, --precision), from the lock.
        const reuseN = parseReuseFlag(pflags.reuse).factor;
        const hls = { ...((baseCfg.raw.HLSConfig as Record<string, unknown>) ?? {}) };
        const model: Record<string, unknown> = { ...((hls.Model as Record<string, unknown>) ?? {}) };
        if (reuseN !== undefined) model.ReuseFactor = reuseN;
        if (settings.strategy) model.Strategy = settings.strategy === 'resource' ? 'Resource' : 'Latency';
        if (settings.precision) model.Precision = model.Precision && typeof model.Precision === 'object' ? { ...(model.Precision as object), default: settings.precision } : settings.precision;
        const overridden = reuseN !== undefined || Boolean(settings.strategy) || Boolean(settings.precision);
        const cfg = overridden ? configFromObject({ ...baseCfg.raw, HLSConfig: { ...hls, Model: model } }, baseCfg.file) : baseCfg;
        const reportBackend = rep?.top.tool === 'Vitis HLS' ? 'vitis' : rep?.top.tool === 'Vivado HLS' ? 'vivado' : undefined;
        const clock = flags.clock !== undefined ? Number(flags.clock) : (lock.clockNs ?? rep?.top.clock_ns ?? cfg.clockPeriod ?? 5);
        checkClock(clock, flags.clock !== undefined ? '--clock' : 'the clock period');
        const io = (flags.ioType ?? lock.io ?? cfg.ioType) as IoType;
        if (io !== 'io_parallel' && io !== 'io_stream') throw new DiagnosticError([diag('FML7002', `--io-type: "${io}" is not io_parallel or io_stream`)]);
        const part = flags.target ?? lock.part ?? rep?.top.part ?? cfg.part;
        const eopts: EstimateOptions = {
          backend: backendOf(flags.backend ?? lock.backend ?? reportBackend ?? cfg.backend),
          ...(part ? { part } : {}),
          ...(rep?.top.version ? { toolVersion: rep?.top.version } : {}),
          clockNs: clock,
          ioType: io,
        };
        const raw = await loadModel(await resolvePath(ctx, flags.model));
        const popts = await pipelineOptionsFrom(pflags, raw, (p) => path.resolve(ctx.io.cwd, p));
        const res = runPipeline(raw, cfg, { ...popts, estimate: eopts });
        reportPipelineDiagnostics(ctx.io, res.diagnostics, reportOptionsOf(ctx));
        printPipeline(res, pflags, ctx.io, Boolean(flags.json));
        pipe = pipelineJson(res, pflags);
        est = estimate(res.graph, eopts);
        built = res.graph;
        if (flags.input) {
          // The design as built (the lock's settings in cfg and pflags), on the user's inputs.
          const { computeCheck } = await import('../../emulator/run.js');
          const { createProgress } = await import('../progress.js');
          const progress = await createProgress(ctx.io, { quiet: Boolean(flags.json) });
          try {
            check = await computeCheck(ctx, { model: await resolvePath(ctx, flags.model), input: await resolvePath(ctx, flags.input), configObject: cfg, pipeline: pflags, json: true }, { progress });
          } finally {
            progress.stop();
          }
        }
      }
      if (!est && hls4mlProject) {
        const { readHls4mlProject, projectOptions } = await import('../../estimate/hls4ml-project.js');
        // An hls4ml project: its firmware says what was built, no model file needed.
        const { estimate } = await import('../../estimate/estimate.js');
        const { backendOf } = await import('./estimate.js');
        const p = readHls4mlProject(dir);
        const clock = flags.clock !== undefined ? Number(flags.clock) : undefined;
        if (clock !== undefined) checkClock(clock, '--clock');
        const reportBackend = rep?.top.tool === 'Vitis HLS' ? 'vitis' : rep?.top.tool === 'Vivado HLS' ? 'vivado' : undefined;
        const backendName = flags.backend ?? reportBackend;
        est = estimate(
          p.graph,
          projectOptions(p, {
            ...(flags.target ? { part: flags.target } : {}),
            ...(backendName ? { backend: backendOf(backendName) } : {}),
            ...(clock !== undefined ? { clockNs: clock } : {}),
            ...(flags.ioType ? { ioType: flags.ioType as IoType } : {}),
            ...(rep?.top.version ? { toolVersion: rep.top.version } : {}),
          }),
        );
        built = p.graph;
      }
      if (flags.html) {
        const { assemble, writeReportPage } = await import('../../report/build.js');
        const data = assemble({
          title: `fastml report: project ${path.basename(dir)}`,
          version: version(),
          command: commandLine(self),
          modelFile: flags.model ? await resolvePath(ctx, flags.model) : dir,
          graph: built!,
          estimate: est!,
          ...(check ? { check, inputsFile: await resolvePath(ctx, flags.input!) } : {}),
          ...(rep ? { synth: rep } : {}),
          notes: rep ? [] : [`No C-synthesis report under ${dir}: estimate only.`],
        });
        const bytes = await writeReportPage(data, await resolvePath(ctx, flags.html), htmlInputs);
        if (flags.json) ctx.io.out(JSON.stringify(data, null, 1) + '\n');
        else ctx.io.err(`report: ${flags.html} (${(bytes / 1024).toFixed(0)} KiB)\n`);
        return;
      }
      if (!rep) return;
      if (flags.json) {
        const { estimateJson } = await import('../../estimate/format.js');
        ctx.io.out(JSON.stringify({ report: rep, ...(est ? { estimate: estimateJson(est) } : {}), ...pipe }, null, 1) + '\n');
        return;
      }
      ctx.io.out(reportText(rep, est));
    });
}

function projectDir(dir: string): string {
  return statSync(dir).isFile() ? path.dirname(dir) : dir;
}

/** The exact command line, shell-quoted, as the page records it. */
export function commandLine(self: Command): string {
  const raw = (self.parent as Command & { rawArgs?: string[] } | null)?.rawArgs?.slice(2) ?? [];
  const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
  return ['fastml', ...raw].map(q).join(' ');
}

/**
 * The model a project was built from: fastml.lock.json names its file and sha256; the file is
 * looked for in the project, beside it and in the working directory, and must have that hash.
 */
function modelFromLock(target: string): string {
  const dir = projectDir(target);
  const lockFile = path.join(dir, 'fastml.lock.json');
  const hint = 'give the model with --model';
  if (!existsSync(lockFile)) throw new DiagnosticError([diag('FML7034', 'no fastml.lock.json here to name the model: the HTML report needs the model', { file: dir }, hint)]);
  let lock: { model?: { file?: string; sha256?: string } };
  try {
    lock = JSON.parse(readFileSync(lockFile, 'utf8'));
  } catch (e) {
    throw new DiagnosticError([diag('FML7024', `fastml.lock.json is not valid JSON: ${(e as Error).message}`, { file: lockFile })]);
  }
  const name = lock.model?.file;
  if (!name) throw new DiagnosticError([diag('FML7034', 'fastml.lock.json names no model file', { file: lockFile }, hint)]);
  for (const cand of [path.join(dir, name), path.join(path.dirname(dir), name), path.resolve(name)]) {
    if (!existsSync(cand)) continue;
    const sha = createHash('sha256').update(readFileSync(cand)).digest('hex');
    if (!lock.model?.sha256 || sha === lock.model.sha256) return cand;
  }
  throw new DiagnosticError([diag('FML7034', `the model ${name} named in fastml.lock.json is not beside the project (or has changed since the build)`, { file: lockFile }, hint)]);
}

interface ModelFlags extends ReportFlags, PipelineFlags {}

/** `fastml report MODEL [--input X] --html FILE`: the model's page (src/report/build.ts). */
async function modelAction(ctx: CommandContext, model: string, flags: ModelFlags, command: string): Promise<void> {
  if (!flags.html && !flags.json) throw new DiagnosticError([diag('FML7033', 'a model report is a page: give --html FILE (or --json for its data)', { file: model }, 'fastml report MODEL --input X.npy --html report.html')]);
  if (flags.model) throw new DiagnosticError([diag('FML7002', '--model is for a project directory; here the model is the argument')]);
  const { loadConfig, defaultConfig } = await import('../../config/load.js');
  const { backendOf } = await import('./estimate.js');
  const { resolveTarget } = await import('../../estimate/devices.js');
  const { modelReport, writeReportPage } = await import('../../report/build.js');
  const { createProgress } = await import('../progress.js');
  const cfgFile = flags.config ? await resolvePath(ctx, flags.config) : undefined;
  const cfg = cfgFile ? loadConfig(cfgFile) : defaultConfig();
  // The estimate's settings as `fastml estimate` takes them: flags, else the config.
  const clock = flags.clock !== undefined ? Number(flags.clock) : (cfg.clockPeriod ?? 5);
  checkClock(clock, flags.clock !== undefined ? '--clock' : 'the clock period');
  const io = (flags.ioType ?? cfg.ioType) as IoType;
  if (io !== 'io_parallel' && io !== 'io_stream') throw new DiagnosticError([diag('FML7002', `--io-type: "${io}" is not io_parallel or io_stream`)]);
  const part = flags.target ?? cfg.part;
  const eopts: EstimateOptions = { ...(part ? { part } : {}), backend: backendOf(flags.backend ?? cfg.backend), clockNs: clock, ioType: io, multiplierImpl: 'auto' };
  resolveTarget(eopts.part);
  const input = flags.input ? await resolvePath(ctx, flags.input) : undefined;
  const weights = flags.weights ? await resolvePath(ctx, flags.weights) : undefined;
  const out = flags.html ? await resolvePath(ctx, flags.html) : undefined;
  const inputs = [model, input, cfgFile, weights, flags.calibration ? await resolvePath(ctx, flags.calibration) : undefined];
  // Refuse before the long work when the page could not be written.
  if (out) (await import('../../report/write.js')).checkReportPath(out, inputs);
  const progress = await createProgress(ctx.io, { quiet: Boolean(flags.json) });
  let data;
  try {
    data = await modelReport(ctx, {
      model,
      ...(input ? { input } : {}),
      ...(cfgFile ? { config: cfgFile } : {}),
      ...(weights ? { weights } : {}),
      pipeline: pipelineFlagsOf(flags, (p) => path.resolve(ctx.io.cwd, p)),
      estimate: eopts,
      version: version(),
      command,
      ...(flags.json ? { json: true } : {}),
      progress,
    });
  } finally {
    progress.stop();
  }
  if (out) {
    const bytes = await writeReportPage(data, out, inputs);
    if (!flags.json) ctx.io.err(`report: ${flags.html} (${(bytes / 1024).toFixed(0)} KiB)\n`);
  }
  if (flags.json) ctx.io.out(JSON.stringify(data, null, 1) + '\n');
}
