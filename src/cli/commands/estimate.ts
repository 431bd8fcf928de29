/**
 * @fileoverview `fastml estimate MODEL`: latency, II and resources per layer and in total, with the
 * device utilization, for the design fastml would build (model -> config -> passes -> estimator).
 * `--json` for scripts; `--sweep reuse=1,2,4 precision=8,12,16` for a design-space table with the
 * Pareto points (accuracy from the emulator when `--input` is given). The pass flags (--reuse N|nearest|
 * auto --budget, --prune, --quantize ...) shape the design that is estimated.
 */

import type { Command } from 'commander';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { CommandContext } from '../context.js';
import { resolvePath } from '../context.js';
import { DiagnosticError, diag, formatDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { Graph, Strategy } from '../../ir/graph.js';
import type { Backend, EstimateOptions, IoType, MultiplierImpl } from '../../estimate/types.js';
import type { SweepResult } from '../../estimate/sweep.js';
import { addPipelineOptions, parseReuseFlag, pipelineFlagsOf, pipelineJson, pipelineOptionsFrom, printPipeline, type PipelineFlags } from '../../passes/options.js';
import type { PipelineResult } from '../../passes/pipeline.js';
import { withModelOverrides } from '../../config/overrides.js';
import { MODEL_ARG_HELP, parseIo, parseStrategy, reportConfigDiagnostics, reportOptionsOf, reportPipelineDiagnostics, resolveModelArgs, uniqueDiagnostics } from '../model-args.js';
import { checkClock } from '../../diagnostics/limits.js';

interface EstimateFlags {
  config?: string;
  weights?: string;
  io?: string;
  precision?: string;
  target?: string;
  part?: string;
  backend?: string;
  toolVersion?: string;
  strategy?: string;
  reuse?: string;
  clock?: string;
  ioType?: string;
  multipliers?: string;
  ii?: string;
  json?: boolean;
  sweep?: string[];
  input?: string;
  samples?: string;
  html?: string;
}

const usage = (msg: string, hint?: string): never => {
  throw new DiagnosticError([diag('FML7002', msg, undefined, hint)]);
};

export function backendOf(name: string): Backend {
  const b = name.toLowerCase();
  if (b === 'vivado' || b === 'vivadoaccelerator') return 'vivado';
  if (b === 'vitis' || b === 'vitisaccelerator') return 'vitis';
  return usage(`backend "${name}" is not estimated`, 'fastml estimates the Vivado HLS (vivado) and Vitis HLS (vitis) backends');
}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`${flag}: "${v}" is not a positive integer`);
  return n;
}

export function register(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('estimate')
    .description('estimate latency (cycles, ns), II, DSP, LUT, FF, BRAM and URAM per layer and in total, with device utilization and an 80% interval per total (from leave-one-repository-out validation, docs/estimation.md)')
    .argument('<model>', `${MODEL_ARG_HELP}; or an hls4ml project folder (firmware/parameters.h, build_prj.tcl)`)
    .option('-c, --config <file>', 'hls4ml configuration (YAML or JSON)')
    .option('-w, --weights <file>', 'weights file for a Keras architecture .json (default: the configuration\'s KerasH5)')
    .option('--io <type>', 'parallel or stream (io_parallel / io_stream); default: the config\'s IOType')
    .option('--precision <type>', 'default precision, e.g. ap_fixed<16,6> (the config\'s Model precision), as in compile')
    .option('-t, --target <name>', 'board alias (vu9p, pynq-z2, zcu102, alveo-u250, ...) or part string')
    .option('--part <part>', 'FPGA part (same as --target)')
    .option('--backend <name>', 'vivado (Vivado HLS) or vitis (Vitis HLS); default: the config\'s Backend')
    .option('--tool-version <v>', 'HLS tool version, for the record (e.g. 2020.1, 2023.2)')
    .option('--strategy <s>', 'latency or resource (overrides the config\'s Model strategy)')
    .option('--clock <ns>', 'clock period in ns (default: the config\'s ClockPeriod, else 5)')
    .option('--io-type <t>', 'same as --io')
    .option('--multipliers <impl>', 'auto, dsp or fabric (as HLS config_op mul -impl)', 'auto')
    .option('--ii <n>', 'warn when the initiation interval exceeds this')
    .option('--json', 'print JSON: {tool, part, clock_ns, layers, total (with <figure>_range intervals), utilization, warnings, range_basis}')
    .option('--sweep <axes...>', 'design-space sweep, e.g. reuse=1,2,4,8 precision=8,12,16 strategy=latency,resource (reuse values are checked like --reuse N; with --reuse nearest invalid ones take the nearest valid value)')
    .option('--input <file>', 'inputs (.npy) for the sweep\'s accuracy (emulator vs float)')
    .option('--samples <n>', 'use at most this many input samples', '200')
    .option('--html <file>', 'with --sweep: also write a self-contained HTML page of the design space (points, Pareto front, table, the model)');
  // --reuse N|nearest[:N]|auto (--budget) and the other pass flags, shared with emulate and compile.
  addPipelineOptions(cmd)
    .action(async (modelArg: string, flags: EstimateFlags & PipelineFlags, self: Command) => {
      const pflags = pipelineFlagsOf(flags, (p) => path.resolve(ctx.io.cwd, p));
      // --calibration FILE.json is an estimator calibration (fastml calibrate --from); other files are
      // --quantize auto's calibration samples. The config's EstimatorCalibration names one too.
      const { isEstimatorCalibrationFile, readUserCalibration } = await import('../../estimate/user-calibration.js');
      let estimatorCalibration: string | undefined;
      if (pflags.calibration && isEstimatorCalibrationFile(pflags.calibration)) {
        estimatorCalibration = pflags.calibration;
        delete pflags.calibration;
      }
      const { loadModel } = await import('../../frontends/index.js');
      const { loadConfig, configFromObject, defaultConfig } = await import('../../config/load.js');
      const { runPipeline } = await import('../../passes/pipeline.js');
      const { estimate } = await import('../../estimate/estimate.js');
      const { estimateJson, estimateText } = await import('../../estimate/format.js');

      const { isHls4mlProject } = await import('../../estimate/hls4ml-project.js');
      const asPath = await resolvePath(ctx, modelArg);
      if (isHls4mlProject(asPath) && !existsSync(path.join(asPath, 'fastml.lock.json'))) return estimateProject(ctx, asPath, flags);
      // MODEL may be a configuration naming the model (config-only use).
      const m = await resolveModelArgs(ctx, modelArg, flags);
      const modelFile = m.model;
      const cfgFile = m.config;
      const baseCfg = cfgFile ? loadConfig(cfgFile) : defaultConfig();
      // The configuration's warnings and notes, as every command that reads one reports them.
      reportConfigDiagnostics(ctx.io, baseCfg.warnings, reportOptionsOf(ctx));
      const strategy = parseStrategy(flags.strategy);
      if (flags.precision !== undefined) {
        const { parseType } = await import('../../fixed/type.js');
        try {
          parseType(flags.precision);
        } catch (e) {
          usage(`--precision: ${(e as Error).message}`);
        }
      }
      // --reuse N sets the Model reuse factor; the reuse-factor pass checks it (exit 2 when invalid).
      const reuse = parseReuseFlag(flags.reuse).factor;
      const clock = flags.clock !== undefined ? Number(flags.clock) : (baseCfg.clockPeriod ?? 5);
      checkClock(clock, flags.clock !== undefined ? '--clock' : 'ClockPeriod');
      const io: IoType = parseIo(flags.io, '--io') ?? parseIo(flags.ioType, '--io-type') ?? baseCfg.ioType;
      const mult = flags.multipliers as MultiplierImpl;
      if (!['auto', 'dsp', 'fabric'].includes(mult)) usage(`--multipliers: "${flags.multipliers}" is not auto, dsp or fabric`);
      const target = flags.target ?? flags.part ?? baseCfg.part;
      const cfgCal = (baseCfg.raw as Record<string, unknown>).EstimatorCalibration;
      if (!estimatorCalibration && typeof cfgCal === 'string') estimatorCalibration = path.resolve(cfgFile ? path.dirname(cfgFile) : ctx.io.cwd, cfgCal);
      const eopts: EstimateOptions = {
        ...(estimatorCalibration ? { calibration: readUserCalibration(estimatorCalibration) } : {}),
        ...(target ? { part: target } : {}),
        backend: backendOf(flags.backend ?? baseCfg.backend),
        ...(flags.toolVersion ? { toolVersion: flags.toolVersion } : {}),
        clockNs: clock,
        ioType: io,
        multiplierImpl: mult,
        ...(flags.ii !== undefined ? { targetII: positiveInt('--ii', flags.ii)! } : {}),
      };
      const { resolveTarget } = await import('../../estimate/devices.js');
      resolveTarget(eopts.part); // unknown board names fail here, before the model is read

      const graph = await loadModel(modelFile, m.weights ? { weights: m.weights } : {});
      const popts = await pipelineOptionsFrom(pflags, graph, (p) => path.resolve(ctx.io.cwd, p));
      const prepare = (o: { reuse?: number; strategy?: Strategy; precision?: string }, sweep = false): { g: Graph; notes: string[]; res: PipelineResult } => {
        const needsRaw = o.reuse !== undefined || o.strategy !== undefined || o.precision !== undefined;
        const cfg = needsRaw ? configFromObject(withModelOverrides(baseCfg.raw as Record<string, unknown>, o), cfgFile) : baseCfg;
        // A sweep runs the pipeline once per point: IR dumps would repeat, so they are left out.
        const { dumpAfter: _d, ...noDump } = popts;
        const r = runPipeline(graph, cfg, { ...(sweep ? noDump : popts), estimate: eopts });
        const notes = r.diagnostics.filter((d) => d.severity !== 'info').map((d) => formatDiagnostic(d).replace(/^warning /, ''));
        return { g: r.graph, notes, res: r };
      };
      const base = { ...(reuse !== undefined ? { reuse } : {}), ...(strategy ? { strategy: strategy as Strategy } : {}), ...(flags.precision ? { precision: flags.precision } : {}) };
      if (flags.html && !flags.sweep?.length) usage('--html draws a design space: give --sweep too', 'for a model\'s page use fastml report MODEL --input X --html report.html');

      if (flags.sweep?.length) {
        const { parseSweep, sweepPoints, markPareto, sweepText, precisionType } = await import('../../estimate/sweep.js');
        const axes = parseSweep(flags.sweep);
        const acc = flags.input ? await accuracyProbe(ctx, graph, flags.input, positiveInt('--samples', flags.samples) ?? 200) : undefined;
        const htmlOut = flags.html ? await resolvePath(ctx, flags.html) : undefined;
        const inputs = [modelFile, cfgFile, flags.input ? await resolvePath(ctx, flags.input) : undefined, pflags.calibration];
        // Refuse before the sweep when the page could not be written.
        if (htmlOut) (await import('../../report/write.js')).checkReportPath(htmlOut, inputs);
        const points = sweepPoints(axes);
        const { createProgress } = await import('../progress.js');
        const bar = await createProgress(ctx.io, { quiet: Boolean(flags.json) });
        bar.phase('sweep', points.length, 'design points');
        let results: SweepResult[];
        const pointDiagnostics: (readonly Diagnostic[])[] = [];
        try {
          results = points.map((p, k) => {
            const o = { ...base, ...p, ...(p.precision ? { precision: precisionType(p.precision) } : {}) };
            const { g, res: pr } = prepare(o, true);
            pointDiagnostics.push(pr.diagnostics);
            const e = estimate(g, eopts);
            const r = { point: p, estimate: e, ...(acc ? { accuracy: acc(g) } : {}) };
            bar.update(k + 1);
            return r;
          });
        } finally {
          bar.stop();
        }
        // The passes' warnings and notes, each once for the sweep (the table has no place for them).
        reportPipelineDiagnostics(ctx.io, uniqueDiagnostics(pointDiagnostics), reportOptionsOf(ctx));
        markPareto(results);
        if (htmlOut) {
          const { assemble, writeReportPage } = await import('../../report/build.js');
          const { version } = await import('../main.js');
          const { commandLine } = await import('./report.js');
          const data = assemble({
            title: `fastml design space: ${path.basename(modelFile)}`,
            version: version(),
            command: commandLine(self),
            modelFile,
            graph: prepare(base, true).g,
            sweep: results,
            profile: false,
            notes: ['Model section: the design without the sweep\'s settings (the command line\'s and the config\'s).'],
          });
          const bytes = await writeReportPage(data, htmlOut, inputs);
          ctx.io.err(`design space page: ${flags.html} (${(bytes / 1024).toFixed(0)} KiB)\n`);
        }
        if (flags.json) {
          ctx.io.out(JSON.stringify(results.map((r) => ({ ...r.point, pareto: r.pareto, ...(r.accuracy !== undefined ? { accuracy: r.accuracy } : {}), ...estimateJson(r.estimate) })), null, 1) + '\n');
        } else {
          const e0 = results[0]!.estimate;
          ctx.io.out(`Design space for ${modelArg} on ${e0.part}, ${e0.tool}, clock ${e0.clock_ns} ns\n\n`);
          ctx.io.out(sweepText(results));
        }
        return;
      }

      const { g, notes, res } = prepare(base);
      // The warnings are part of the estimate (its table and JSON `warnings`): only the notes here.
      reportPipelineDiagnostics(ctx.io, res.diagnostics, reportOptionsOf(ctx, { warnings: false }));
      printPipeline(res, pflags, ctx.io, Boolean(flags.json));
      const e = estimate(g, eopts);
      const withNotes = { ...e, warnings: [...notes, ...e.warnings] };
      ctx.io.out(flags.json ? JSON.stringify({ ...estimateJson(withNotes), ...pipelineJson(res, pflags) }, null, 1) + '\n' : estimateText(withNotes));
    });
}

/**
 * `fastml estimate HLS4ML_PROJECT_DIR`: the design as hls4ml wrote it (layer order, sizes, types,
 * reuse factors from the firmware; part and clock from the tcl), estimated, and shown beside the
 * project's csynth report when synthesis was run. Flags override the project's part, tool, clock.
 */
async function estimateProject(ctx: CommandContext, dir: string, flags: EstimateFlags & PipelineFlags): Promise<void> {
  const { readHls4mlProject, projectOptions } = await import('../../estimate/hls4ml-project.js');
  const { estimate } = await import('../../estimate/estimate.js');
  const { estimateJson, estimateText } = await import('../../estimate/format.js');
  if (flags.config || flags.strategy || flags.reuse || flags.sweep?.length)
    usage('an hls4ml project fixes its configuration: --config, --strategy, --reuse and --sweep apply to a model file', 'give the model file and its hls4ml config instead to explore other settings');
  const clock = flags.clock !== undefined ? Number(flags.clock) : undefined;
  if (clock !== undefined) checkClock(clock, '--clock');
  const io = flags.ioType as IoType | undefined;
  if (io !== undefined && io !== 'io_parallel' && io !== 'io_stream') usage(`--io-type: "${flags.ioType}" is not io_parallel or io_stream`);
  const mult = flags.multipliers as MultiplierImpl;
  if (!['auto', 'dsp', 'fabric'].includes(mult)) usage(`--multipliers: "${flags.multipliers}" is not auto, dsp or fabric`);
  const p = readHls4mlProject(dir);
  const target = flags.target ?? flags.part;
  const eopts = projectOptions(p, {
    ...(target ? { part: target } : {}),
    ...(flags.backend ? { backend: backendOf(flags.backend) } : {}),
    ...(clock !== undefined ? { clockNs: clock } : {}),
    ...(io ? { ioType: io } : {}),
    ...(flags.toolVersion ? { toolVersion: flags.toolVersion } : {}),
    multiplierImpl: mult,
    ...(flags.ii !== undefined ? { targetII: positiveInt('--ii', flags.ii)! } : {}),
  });
  const e = estimate(p.graph, eopts);
  const { readProjectReports } = await import('../../estimate/csynth.js');
  const rep = p.csynth ? readProjectReports(p.csynth) : undefined;
  if (flags.json) {
    ctx.io.out(JSON.stringify({ ...estimateJson(e), project: { dir: p.dir, top: p.top, layers: p.layers.length }, ...(rep ? { report: rep.top } : {}) }, null, 1) + '\n');
    return;
  }
  ctx.io.out(`hls4ml project ${p.dir} (top ${p.top}, ${p.layers.length} layer calls)\n`);
  ctx.io.out(estimateText(e));
  if (rep) {
    const { reportText } = await import('../../estimate/report-compare.js');
    ctx.io.out('\n' + reportText(rep, e));
  }
}

/** Accuracy of a prepared graph: top-1 agreement of the emulator with the float model, in percent. */
async function accuracyProbe(ctx: CommandContext, floatGraph: Graph, inputArg: string, maxSamples: number): Promise<(g: Graph) => number> {
  const { readFileSync } = await import('node:fs');
  const { decodeNpy } = await import('../../io/npy.js');
  const { accuracyProbe: probe } = await import('../../emulator/accuracy.js');
  const file = await resolvePath(ctx, inputArg);
  let arr;
  try {
    arr = decodeNpy(new Uint8Array(readFileSync(file)), file);
  } catch (e) {
    if (e instanceof DiagnosticError) throw e;
    throw new DiagnosticError([diag('FML7003', `cannot read inputs: ${(e as Error).message}`, { file })]);
  }
  return probe(floatGraph, arr.data, arr.shape, maxSamples, file);
}
