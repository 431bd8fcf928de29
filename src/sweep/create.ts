/**
 * @fileoverview `fastml sweep MODEL --grid ... --out DIR`, first half: plan the design points, check
 * every one of them before anything is written (the passes run per point, so an invalid Resource
 * reuse factor or precision is found here, all problems listed at once), estimate each point (and
 * score it with the emulator on --input), then write one HLS project per point through the same
 * compile path as `fastml compile`, and the manifest.
 *
 * Re-running the same sweep into the same folder resumes it: projects already written are kept (a
 * finished vendor run is never repeated); a folder holding a different sweep, or anything else, is
 * refused.
 */

import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { checkOutputDir, writeFileAtomic } from '../io/safe-write.js';
import path from 'node:path';
import type { CommandContext } from '../cli/context.js';
import { memoryIO } from '../cli/io.js';
import { DiagnosticError, EXIT, diag, formatDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Graph } from '../ir/graph.js';
import type { HlsConfig } from '../config/load.js';
import { expandGrid, pointSettings, type DesignPoint, type Grid } from './grid.js';
import { MANIFEST, readManifest, type PointEntry, type SweepManifest } from './manifest.js';
import { checkClock } from '../diagnostics/limits.js';

export interface SweepCreateOptions {
  readonly model: string;
  readonly weights?: string;
  readonly config?: string;
  readonly out: string;
  readonly grid: Grid;
  readonly target?: string;
  readonly backend?: string;
  readonly clock?: string;
  readonly io?: string;
  readonly strategy?: string;
  readonly reuse?: string;
  readonly precision?: string;
  readonly input?: string;
  readonly samples?: number;
  readonly hlsCmd?: string;
  readonly fastmlVersion: string;
}

/** The vendor command of a backend's project (what its build_prj.tcl is written for). */
export function defaultHlsCmd(backend: string): string {
  return backend === 'vitis' ? 'vitis_hls -f build_prj.tcl' : 'vivado_hls -f build_prj.tcl';
}

const fail = (msg: string, file?: string, hint?: string): never => {
  throw new DiagnosticError([diag('FML9102', msg, file ? { file } : undefined, hint)], EXIT.USAGE);
};

/** Plans, checks, estimates and writes the sweep. Returns the manifest (written to DIR/sweep.json). */
export async function createSweep(ctx: CommandContext, o: SweepCreateOptions): Promise<SweepManifest> {
  const { loadConfig, defaultConfig, configFromObject } = await import('../config/load.js');
  const { withModelOverrides } = await import('../config/overrides.js');
  const { loadModel } = await import('../frontends/index.js');
  const { runPipeline } = await import('../passes/pipeline.js');
  const { estimate } = await import('../estimate/estimate.js');
  const { estimateJson } = await import('../estimate/format.js');
  const { resolveTarget } = await import('../estimate/devices.js');
  const { runCompile } = await import('../backends/compile-run.js');

  const out = path.resolve(ctx.io.cwd, o.out);
  const points = expandGrid(o.grid);

  // The folder: new, empty, or this very sweep (resume). Never anything else.
  let previous: SweepManifest | undefined;
  if (existsSync(out)) {
    if (existsSync(path.join(out, MANIFEST))) previous = readManifest(out);
    else if (readdirSync(out).length > 0) fail('the sweep folder exists, is not empty and holds no fastml sweep', out, 'choose a new folder with --out');
  }
  checkOutputDir(out, [{ path: o.model, role: 'model' }, o.weights ? { path: o.weights, role: 'weights' } : undefined, o.config ? { path: o.config, role: 'config' } : undefined, o.input ? { path: o.input, role: 'input data' } : undefined], '--out');

  const base = o.config ? loadConfig(o.config) : defaultConfig();
  // Said once here: the points compile with their output captured.
  const { reportConfigDiagnostics, reportOptionsOf, reportPipelineDiagnostics, uniqueDiagnostics } = await import('../cli/model-args.js');
  reportConfigDiagnostics(ctx.io, base.warnings, reportOptionsOf(ctx));
  const backend: 'vivado' | 'vitis' = (o.backend ?? base.backend ?? 'vivado').toLowerCase().startsWith('vitis') ? 'vitis' : 'vivado';
  const clock = o.clock !== undefined ? Number(o.clock) : (base.clockPeriod ?? 5);
  checkClock(clock, o.clock !== undefined ? '--clock' : 'ClockPeriod');
  const target = o.target ?? base.part;
  resolveTarget(target);
  const hlsCmd = o.hlsCmd ?? defaultHlsCmd(backend);

  const raw = await loadModel(o.model, o.weights ? { weights: o.weights } : {});
  const score = o.input ? await accuracyOf(raw, o.input, o.samples ?? 200) : undefined;

  // Check every point before anything is written.
  const problems: Diagnostic[] = [];
  const pointDiagnostics: (readonly Diagnostic[])[] = [];
  const entries: PointEntry[] = [];
  const settings: BaseSettings = { backend, clock, ...(target ? { target } : {}), ...(o.io ? { io: o.io } : {}), ...(o.strategy ? { strategy: o.strategy } : {}), ...(o.reuse ? { reuse: o.reuse } : {}), ...(o.precision ? { precision: o.precision } : {}) };
  for (const p of points) {
    let g: Graph;
    let io: 'io_parallel' | 'io_stream';
    let pd: readonly Diagnostic[];
    try {
      ({ graph: g, io, diagnostics: pd } = preparePoint(raw, base, o.config, settings, p, { configFromObject, withModelOverrides, runPipeline }));
      pointDiagnostics.push(pd);
    } catch (e) {
      if (!(e instanceof DiagnosticError)) throw e;
      for (const d of e.diagnostics) problems.push({ ...d, message: `point ${p.name} (${describe(p)}): ${d.message}` });
      continue;
    }
    const e = estimate(g, { ...(target ? { part: target } : {}), backend, clockNs: clock, ioType: io });
    const ej = estimateJson(e);
    entries.push({
      ...p,
      dir: path.join('points', p.name),
      estimate: { tool: ej.tool, part: ej.part, clock_ns: ej.clock_ns, total: ej.total, source: 'fastml estimator (model + calibration; see docs/estimation.md)' },
      ...(score ? { accuracy: score(g) } : {}),
    });
  }
  if (problems.length) throw new DiagnosticError(problems, EXIT.USAGE);
  // The passes' warnings and notes, each once for the sweep (the points compile with their output captured).
  reportPipelineDiagnostics(ctx.io, uniqueDiagnostics(pointDiagnostics), reportOptionsOf(ctx));

  const manifest: SweepManifest = {
    fastml: o.fastmlVersion,
    kind: 'fastml-sweep',
    created: previous?.created ?? new Date().toISOString(),
    model: path.resolve(o.model),
    ...(o.weights ? { weights: path.resolve(o.weights) } : {}),
    ...(o.config ? { config: path.resolve(o.config) } : {}),
    ...(o.input ? { input: path.resolve(o.input) } : {}),
    base: settings,
    grid: o.grid,
    hlsCmd,
    points: entries,
    ...(previous?.submissions ? { submissions: previous.submissions } : {}),
  };
  if (previous) {
    const same = (m: SweepManifest) => JSON.stringify([m.model, m.config ?? null, m.base, m.grid, m.points.map((p) => p.name)]);
    if (same(previous) !== same(manifest))
      fail('the sweep folder holds a different sweep (model, config, settings or grid differ)', out, 'choose a new folder with --out, or rerun with the same arguments to resume');
  }

  // Projects: the compile path, one per point; a project already written is kept.
  mkdirSync(path.join(out, 'points'), { recursive: true });
  mkdirSync(path.join(out, 'logs'), { recursive: true });
  let written = 0;
  for (const [k, p] of entries.entries()) {
    const dest = path.join(out, p.dir);
    if (existsSync(path.join(dest, 'fastml.lock.json'))) continue;
    const io = memoryIO(ctx.io.cwd);
    const code = await runCompile(
      { io, debug: ctx.debug, setExitCode: () => undefined },
      {
        model: o.model,
        ...(o.weights ? { weights: o.weights } : {}),
        ...(o.config ? { config: o.config } : {}),
        ...(target ? { target } : {}),
        backend,
        clock: String(clock),
        ...(p.io ?? o.io ? { io: p.io ?? (o.io!.startsWith('io_') ? o.io : `io_${o.io}`) } : {}),
        ...(p.strategy ?? o.strategy ? { strategy: p.strategy ?? o.strategy } : {}),
        ...(p.reuse ?? o.reuse ? { reuse: String(p.reuse ?? o.reuse) } : {}),
        ...(p.precision ?? o.precision ? { precision: p.precision ?? o.precision } : {}),
        output: dest,
        fastmlVersion: o.fastmlVersion,
        ...(p.prune !== undefined ? { pipeline: { prune: String(p.prune) } } : {}),
      },
    );
    if (code !== EXIT.OK) throw new DiagnosticError([diag('FML9103', `compiling point ${p.name} failed:\n${io.stderr}`, { file: dest })], code);
    written++;
    if (ctx.io.isTTY) ctx.io.err(`\rwriting projects: ${k + 1}/${entries.length}`);
  }
  if (ctx.io.isTTY && written) ctx.io.err('\n');

  writeAtomic(path.join(out, 'points.txt'), entries.map((p) => p.name).join('\n') + '\n');
  writeAtomic(path.join(out, MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}

/** Settings common to every point of a sweep (the manifest's `base`). */
export interface BaseSettings {
  readonly backend: 'vivado' | 'vitis';
  readonly clock: number;
  readonly target?: string;
  readonly io?: string;
  readonly strategy?: string;
  readonly reuse?: string;
  readonly precision?: string;
}

interface Stages {
  configFromObject: typeof import('../config/load.js').configFromObject;
  withModelOverrides: typeof import('../config/overrides.js').withModelOverrides;
  runPipeline: typeof import('../passes/pipeline.js').runPipeline;
}

/**
 * One point's graph after the passes, exactly as `fastml compile` builds it with the point's flags
 * (the grid's values over the sweep's common flags over the config file). Throws the passes'
 * DiagnosticError for an invalid point.
 */
export function preparePoint(
  raw: Graph,
  base: HlsConfig,
  configFile: string | undefined,
  b: BaseSettings,
  p: DesignPoint,
  s: Stages,
): { graph: Graph; io: 'io_parallel' | 'io_stream'; diagnostics: readonly Diagnostic[] } {
  const ioText = p.io ?? b.io ?? base.ioType;
  const io = (ioText.startsWith('io_') ? ioText : `io_${ioText}`) as 'io_parallel' | 'io_stream';
  const strategy = p.strategy ?? b.strategy?.toLowerCase();
  const reuse = p.reuse ?? (b.reuse !== undefined ? Number(b.reuse) : undefined);
  const precision = p.precision ?? b.precision;
  const rawCfg = s.withModelOverrides(base.raw as Record<string, unknown>, {
    ...(reuse !== undefined ? { reuse } : {}),
    ...(strategy ? { strategy } : {}),
    ...(precision ? { precision } : {}),
  });
  const cfg = s.configFromObject({ ...rawCfg, IOType: io, Backend: b.backend === 'vitis' ? 'Vitis' : 'Vivado', ClockPeriod: b.clock }, configFile);
  const res = s.runPipeline(raw, cfg, {
    ...(p.prune !== undefined ? { prune: String(p.prune) } : {}),
    estimate: { ...(b.target ? { part: b.target } : {}), backend: b.backend, clockNs: b.clock, ioType: io },
  });
  return { graph: res.graph, io, diagnostics: res.diagnostics };
}

function describe(p: DesignPoint): string {
  return Object.entries(pointSettings(p))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export const writeAtomic = (file: string, text: string): void => writeFileAtomic(file, text);

async function accuracyOf(floatGraph: Graph, file: string, samples: number): Promise<(g: Graph) => number> {
  const { decodeNpy } = await import('../io/npy.js');
  const { accuracyProbe } = await import('../emulator/accuracy.js');
  let arr;
  try {
    arr = decodeNpy(new Uint8Array(readFileSync(file)), file);
  } catch (e) {
    if (e instanceof DiagnosticError) throw e;
    throw new DiagnosticError([diag('FML7003', `cannot read inputs: ${(e as Error).message}`, { file })], EXIT.USAGE);
  }
  return accuracyProbe(floatGraph, arr.data, arr.shape, samples, file);
}

export { formatDiagnostic };
