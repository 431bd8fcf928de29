/**
 * @fileoverview `fastml sweep MODEL --grid ... --out DIR [--executor local[:N]|slurm|condor]`: one HLS
 * project per design point, the vendor runs on this machine or a batch cluster, and
 * `fastml sweep status DIR`, `fastml sweep collect DIR` to follow and gather them. The workflow lives
 * in src/sweep/; this file only declares the flags and prints.
 */

import path from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { resolvePath } from '../context.js';
import { DiagnosticError, EXIT, diag, formatDiagnostic } from '../../diagnostics/diagnostic.js';

interface SweepFlags {
  grid?: string[];
  out?: string;
  config?: string;
  weights?: string;
  target?: string;
  backend?: string;
  clock?: string;
  io?: string;
  strategy?: string;
  reuse?: string;
  precision?: string;
  input?: string;
  samples?: string;
  executor?: string;
  hlsCmd?: string;
  partition?: string;
  account?: string;
  time?: string;
  mem?: string;
  cpus?: string;
  module?: string[];
  maxRunning?: string;
  sbatchArg?: string[];
  wait?: boolean;
}

const usage = (msg: string, hint?: string): never => {
  throw new DiagnosticError([diag('FML9102', msg, undefined, hint)], EXIT.USAGE);
};

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`${flag}: "${v}" is not a positive integer`);
  return n;
}

/** `local`, `local:4`, `slurm`, `condor`. */
function parseExecutor(text: string | undefined): { kind: 'none' | 'local' | 'slurm' | 'condor'; parallel: number } {
  if (text === undefined) return { kind: 'none', parallel: 1 };
  const m = /^(local|slurm|condor)(?::([0-9]+))?$/.exec(text.trim().toLowerCase());
  if (!m || (m[2] !== undefined && m[1] !== 'local')) return usage(`--executor: "${text}" is not local[:N], slurm or condor`);
  const n = m[2] === undefined ? 1 : Number(m[2]);
  if (!(n >= 1)) usage(`--executor local:N needs N >= 1 (got ${m[2]})`);
  return { kind: m[1] as 'local' | 'slurm' | 'condor', parallel: n };
}

export function register(program: Command, ctx: CommandContext): void {
  const sweep = program
    .command('sweep')
    .description('design-space sweep: one HLS project per grid point (the compile path), vendor runs locally or on Slurm / HTCondor; then `sweep status DIR` and `sweep collect DIR`')
    .argument('[model]', 'model file (.onnx, .h5, .json + weights, .keras)')
    .option('--grid <axes...>', 'axes and values: reuse=1,2,4 precision=fixed<16,6>,12 strategy=latency,resource io=parallel,stream prune=0,0.5 (every combination; all values checked before anything is written)')
    .option('--out <dir>', 'sweep folder (new, empty, or this same sweep to resume it)')
    .option('-c, --config <file>', 'hls4ml configuration (YAML or JSON) shared by every point')
    .option('-w, --weights <file>', 'weights file for a Keras architecture .json')
    .option('-t, --target <name>', 'board or part string (as compile)')
    .option('--backend <name>', 'vivado or vitis (as compile)')
    .option('--clock <ns>', 'clock period in ns (as compile)')
    .option('--io <type>', 'parallel or stream for every point (or sweep it with io=...)')
    .option('--strategy <s>', 'latency or resource for every point (or sweep it)')
    .option('--reuse <n>', 'reuse factor for every point (or sweep it)')
    .option('--precision <type>', 'default precision for every point (or sweep it)')
    .option('-i, --input <file>', 'inputs (.npy, model layout) to score each point: emulator top-1 agreement with the float model')
    .option('--samples <n>', 'at most this many --input samples (default 200)')
    .option('--executor <kind>', 'where the vendor runs: local[:N] (N at a time here), slurm (one job array), condor (submit description); default: write the projects only')
    .option('--hls-cmd <command>', 'vendor command run in each project folder through /bin/sh (default: vivado_hls -f build_prj.tcl, or vitis_hls for --backend vitis); the point\'s settings are in FASTML_POINT_* variables')
    .option('--partition <name>', 'Slurm partition')
    .option('--account <name>', 'Slurm account')
    .option('--time <limit>', 'per-point time limit (Slurm --time, e.g. 4:00:00)')
    .option('--mem <size>', 'per-point memory (Slurm --mem / HTCondor request_memory, e.g. 16G)')
    .option('--cpus <n>', 'CPUs per point')
    .option('--module <name...>', 'environment modules to load in each batch task (module load NAME)')
    .option('--max-running <n>', 'most array tasks running at once (Slurm --array=...%N)')
    .option('--sbatch-arg <arg...>', 'extra sbatch arguments, verbatim')
    .option('--wait', 'with slurm: follow the job array until every task has finished')
    .action(async (model: string | undefined, f: SweepFlags) => {
      if (!model) usage('give a model (fastml sweep MODEL --grid ... --out DIR), or a subcommand: status, collect');
      if (!f.grid?.length) usage('--grid is required', 'e.g. --grid reuse=1,2,4,8 precision=fixed<16,6>,fixed<12,5>');
      if (!f.out) usage('--out DIR is required (the sweep folder)');
      const { parseGrid } = await import('../../sweep/grid.js');
      const { grid, problems } = parseGrid(f.grid!);
      if (problems.length) throw new DiagnosticError(problems.map((p) => diag('FML9100', p)), EXIT.USAGE);
      const executor = parseExecutor(f.executor);
      const samples = positiveInt('--samples', f.samples);
      const { createSweep } = await import('../../sweep/create.js');
      const { version } = await import('../main.js');
      const out = await resolvePath(ctx, f.out!);
      const m = await createSweep(ctx, {
        model: await resolvePath(ctx, model!),
        ...(f.weights ? { weights: await resolvePath(ctx, f.weights) } : {}),
        ...(f.config ? { config: await resolvePath(ctx, f.config) } : {}),
        out,
        grid,
        ...(f.target ? { target: f.target } : {}),
        ...(f.backend ? { backend: f.backend } : {}),
        ...(f.clock ? { clock: f.clock } : {}),
        ...(f.io ? { io: f.io } : {}),
        ...(f.strategy ? { strategy: f.strategy } : {}),
        ...(f.reuse ? { reuse: f.reuse } : {}),
        ...(f.precision ? { precision: f.precision } : {}),
        ...(f.input ? { input: await resolvePath(ctx, f.input) } : {}),
        ...(samples ? { samples } : {}),
        ...(f.hlsCmd ? { hlsCmd: f.hlsCmd } : {}),
        fastmlVersion: version(),
      });
      const shown = (await import('node:path')).relative(ctx.io.cwd, out) || '.';
      ctx.io.out(`Sweep of ${m.points.length} design points in ${shown}/ (manifest: ${shown}/sweep.json; estimates from fastml's estimator)\n`);
      const batch = {
        ...(f.partition ? { partition: f.partition } : {}),
        ...(f.account ? { account: f.account } : {}),
        ...(f.time ? { time: f.time } : {}),
        ...(f.mem ? { mem: f.mem } : {}),
        ...(f.cpus ? { cpus: positiveInt('--cpus', f.cpus)! } : {}),
        ...(f.module ? { modules: f.module } : {}),
        ...(f.maxRunning ? { maxRunning: positiveInt('--max-running', f.maxRunning)! } : {}),
        ...(f.sbatchArg ? { extra: f.sbatchArg } : {}),
      };
      const ex = await import('../../sweep/executors.js');
      if (executor.kind === 'local') {
        const r = await ex.runLocal(out, m, executor.parallel, ctx.io);
        ctx.io.out(`Vendor runs: ${r.done} done, ${r.failed.length} failed${r.failed.length ? ` (${r.failed.join(', ')}; logs in ${shown}/logs/; rerun the same command to retry them)` : ''}\n`);
        if (r.failed.length) ctx.setExitCode(EXIT.CHECK_FAILED);
      } else if (executor.kind === 'slurm') {
        const sub = ex.submitSlurm(out, m, batch, ctx.io);
        if (sub) {
          ex.recordSubmission(out, m, { executor: 'slurm', ...sub });
          ctx.io.out(`Submitted Slurm job array ${sub.jobId} (${sub.points.length} tasks; script ${shown}/slurm/sweep.sbatch)\n`);
          if (f.wait) {
            await ex.waitSlurm(sub.jobId, sub.points.length, ctx.io);
            const failed = ex.pendingPoints(out, m).filter((p) => sub.points.includes(p.index));
            ctx.io.out(`Job ${sub.jobId} finished: ${sub.points.length - failed.length} points done, ${failed.length} failed\n`);
            if (failed.length) ctx.setExitCode(EXIT.CHECK_FAILED);
          }
        }
      } else if (executor.kind === 'condor') {
        const sub = ex.submitCondor(out, m, batch, ctx.io);
        if (sub) {
          ex.recordSubmission(out, m, { executor: 'condor', ...sub });
          ctx.io.out(sub.jobId ? `Submitted HTCondor cluster ${sub.jobId} (${sub.points.length} jobs)\n` : `Wrote ${sub.script} (${sub.points.length} jobs)\n`);
        }
      }
      ctx.io.out(`Next: fastml sweep status ${shown}   then   fastml sweep collect ${shown}\n`);
    });

  sweep
    .command('status')
    .description('state of every point of a sweep (its run status, and the Slurm queue / accounting of the last submission)')
    .argument('<dir>', 'sweep folder')
    .option('--json', 'as JSON')
    .action(async (dirArg: string, f: { json?: boolean }) => {
      const dir = await resolvePath(ctx, dirArg);
      const { readManifest, readStatus } = await import('../../sweep/manifest.js');
      const ex = await import('../../sweep/executors.js');
      const m = readManifest(dir);
      const last = m.submissions?.at(-1);
      let queue = new Map<string, string>();
      let acct: Map<string, string> | undefined;
      if (last?.executor === 'slurm' && last.jobId) {
        try {
          queue = new Map(ex.slurmQueued(last.jobId).map((q) => [q.id, q.state]));
        } catch (e) {
          if (!(e instanceof DiagnosticError)) throw e;
          ctx.io.err(`note: ${e.diagnostics.map(formatDiagnostic).join('; ')}\n`);
        }
        acct = ex.slurmAccounting(last.jobId);
      }
      const rows = m.points.map((p) => {
        const st = readStatus(dir, p);
        const key = last?.jobId ? `${last.jobId}_${p.index}` : '';
        return { index: p.index, name: p.name, state: queue.get(key)?.toLowerCase() ?? st?.state ?? 'not run', ...(st?.exitCode !== undefined ? { exitCode: st.exitCode } : {}), ...(acct?.get(key) ? { slurm: acct.get(key) } : {}) };
      });
      if (f.json) {
        ctx.io.out(JSON.stringify({ submission: last ?? null, points: rows }, null, 1) + '\n');
        return;
      }
      if (last) ctx.io.out(`Last submission: ${last.executor}${last.jobId ? ` job ${last.jobId}` : ''} at ${last.at} (${last.points.length} points)\n`);
      const counts = new Map<string, number>();
      for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
      ctx.io.out(`${rows.length} points: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}\n`);
      for (const r of rows) ctx.io.out(`  ${r.name}  ${r.state}${r.exitCode !== undefined && r.exitCode !== 0 ? ` (exit ${r.exitCode})` : ''}${r.slurm ? `  [sacct: ${r.slurm}]` : ''}\n`);
    });

  sweep
    .command('collect')
    .description('read every point\'s csynth report; write results.csv / results.json with settings, estimate, synthesized figures, accuracy and the Pareto front')
    .argument('<dir>', 'sweep folder')
    .option('--json', 'print the results as JSON')
    .option('--html <file>', 'also write the design-space page (points, Pareto front, table; synthesized figures where a point has a report)')
    .action(async (dirArg: string, f: { json?: boolean; html?: string }, self: Command) => {
      const dir = await resolvePath(ctx, dirArg);
      const { collectSweep, collectText } = await import('../../sweep/collect.js');
      const html = f.html ? await resolvePath(ctx, f.html) : undefined;
      if (html) (await import('../../report/write.js')).checkReportPath(html, [path.join(dir, 'sweep.json'), path.join(dir, 'results.json'), path.join(dir, 'results.csv')]);
      const c = collectSweep(dir);
      ctx.io.out(f.json ? JSON.stringify(c, null, 1) + '\n' : collectText(c));
      if (html) {
        const { sweepPage } = await import('../../sweep/page.js');
        const { version } = await import('../main.js');
        let root: Command = self;
        while (root.parent) root = root.parent;
        const raw = (root as Command & { rawArgs?: string[] }).rawArgs?.slice(2) ?? ['sweep', 'collect', dirArg, '--html', f.html!];
        const bytes = await sweepPage(dir, c, html, { version: version(), command: ['fastml', ...raw].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ') });
        ctx.io.err(`design space page: ${f.html} (${(bytes / 1024).toFixed(0)} KiB)\n`);
      }
    });

  sweep
    .command('run-point', { hidden: true })
    .description('run the vendor command of one point (what batch tasks call)')
    .argument('<dir>', 'sweep folder')
    .argument('<index>', 'point index in sweep.json')
    .action(async (dirArg: string, indexArg: string) => {
      const dir = await resolvePath(ctx, dirArg);
      const { readManifest } = await import('../../sweep/manifest.js');
      const { runPoint } = await import('../../sweep/run-point.js');
      const m = readManifest(dir);
      const p = m.points.find((q) => String(q.index) === indexArg.trim());
      if (!p) usage(`no point with index "${indexArg}" in ${dir}/sweep.json`);
      const code = await runPoint(dir, m, p!);
      ctx.io.out(`point ${p!.name}: ${code === 0 ? 'done' : `failed (exit ${code})`}\n`);
      if (code !== 0) ctx.setExitCode(EXIT.CHECK_FAILED);
    });
}
