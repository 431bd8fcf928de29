/**
 * @fileoverview Where the vendor runs of a sweep happen:
 * - local[:N]: N child processes at a time on this machine, resumable (a point whose run finished is
 *   not run again; a failed one is);
 * - slurm: one job array (`--array=<indexes>%M`), one task per pending point, each task running
 *   `fastml sweep run-point DIR INDEX`; `--wait` follows it until every task has left the queue;
 * - condor: an HTCondor submit description queueing the pending points, submitted with condor_submit
 *   when that command exists (the file alone otherwise).
 * Batch tasks call this same fastml (the node binary and script that run now), so the cluster needs
 * the sweep folder and fastml on a shared file system, as hls4ml sites have them.
 */

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiagnosticError, EXIT, diag } from '../diagnostics/diagnostic.js';
import type { CliIO } from '../cli/io.js';
import { MANIFEST, readStatus, type PointEntry, type SweepManifest } from './manifest.js';
import { runPoint } from './run-point.js';
import { writeAtomic } from './create.js';

export interface BatchOptions {
  readonly partition?: string;
  readonly account?: string;
  readonly time?: string;
  readonly mem?: string;
  readonly cpus?: number;
  readonly modules?: readonly string[];
  /** Most array tasks running at once (Slurm's %M). */
  readonly maxRunning?: number;
  readonly wait?: boolean;
  /** Extra sbatch arguments, verbatim. */
  readonly extra?: readonly string[];
}

/** Points still to run: never run, or failed (a done point is kept). */
export function pendingPoints(dir: string, m: SweepManifest): PointEntry[] {
  return m.points.filter((p) => readStatus(dir, p)?.state !== 'done');
}

const fastmlScript = (): string => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/fastml.js');

/** The shell words that run one point as a batch task. */
function taskCommand(dir: string, indexVar: string): string {
  return `${sh(process.execPath)} ${sh(fastmlScript())} sweep run-point ${sh(dir)} "${indexVar}"`;
}

/** Single-quotes a word for /bin/sh. */
export function sh(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function runLocal(dir: string, m: SweepManifest, parallel: number, io: CliIO): Promise<{ done: number; failed: string[] }> {
  const todo = pendingPoints(dir, m);
  const skipped = m.points.length - todo.length;
  if (skipped) io.err(`${skipped} point(s) already done: not run again\n`);
  let next = 0;
  let finished = 0;
  const failed: string[] = [];
  const progress = (): void => {
    if (io.isTTY) io.err(`\rsynthesis: ${finished}/${todo.length} finished, ${failed.length} failed`);
  };
  progress();
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const p = todo[next++]!;
      const code = await runPoint(dir, m, p);
      finished++;
      if (code !== 0) failed.push(p.name);
      progress();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, todo.length)) }, worker));
  if (io.isTTY && todo.length) io.err('\n');
  return { done: todo.length - failed.length, failed };
}

function run(cmd: string, args: readonly string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new DiagnosticError(
      [diag('FML9110', missing ? `${cmd} is not installed or not on PATH` : `${cmd} could not run: ${r.error.message}`, undefined, missing ? `${what} needs ${cmd}; use --executor local[:N] on a machine without it` : undefined)],
      EXIT.USAGE,
    );
  }
  if (r.status !== 0) throw new DiagnosticError([diag('FML9111', `${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${(r.stderr || r.stdout).trim()}`)], EXIT.USAGE);
  return r.stdout;
}

/** Writes DIR/slurm/sweep.sbatch for the pending points and submits it; returns the job id. */
export function submitSlurm(dir: string, m: SweepManifest, o: BatchOptions, io: CliIO): { jobId: string; points: number[]; script: string } | undefined {
  const todo = pendingPoints(dir, m);
  if (todo.length === 0) {
    io.err('every point is done: nothing to submit\n');
    return undefined;
  }
  const idx = todo.map((p) => p.index);
  const array = compactRanges(idx) + (o.maxRunning ? `%${o.maxRunning}` : '');
  const logs = path.join(dir, 'logs');
  mkdirSync(path.join(dir, 'slurm'), { recursive: true });
  const script = path.join(dir, 'slurm', 'sweep.sbatch');
  const lines = [
    '#!/bin/bash',
    '# Written by fastml sweep: one array task per design point (the index in sweep.json).',
    `#SBATCH --job-name=fastml-sweep`,
    `#SBATCH --array=${array}`,
    `#SBATCH --output=${logs}/slurm-%A_%a.out`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.account ? [`#SBATCH --account=${o.account}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
    ...(o.cpus ? [`#SBATCH --cpus-per-task=${o.cpus}`] : []),
    'set -u',
    ...(o.modules ?? []).map((mod) => `module load ${sh(mod)}`),
    `exec ${taskCommand(dir, '$SLURM_ARRAY_TASK_ID')}`,
    '',
  ];
  writeAtomic(script, lines.join('\n'));
  chmodSync(script, 0o755);
  const out = run('sbatch', ['--parsable', ...(o.extra ?? []), script], '--executor slurm');
  const jobId = out.trim().split(';')[0]!.trim();
  if (!/^[0-9]+$/.test(jobId)) throw new DiagnosticError([diag('FML9111', `sbatch did not print a job id (got "${out.trim()}")`)], EXIT.USAGE);
  return { jobId, points: idx, script };
}

/** Array tasks of a job still in Slurm's queue (pending, running, completing). */
export function slurmQueued(jobId: string): Array<{ id: string; state: string }> {
  const out = run('squeue', ['-h', '-r', '-j', jobId, '-o', '%i|%T'], 'sweep status');
  return out
    .split('\n')
    .filter((l) => l.includes('|'))
    .map((l) => {
      const [id, state] = l.split('|');
      return { id: id!.trim(), state: state!.trim() };
    });
}

/** Follows a job array until no task of it is queued; prints progress on a TTY. */
export async function waitSlurm(jobId: string, total: number, io: CliIO, pollMs = 1000): Promise<void> {
  for (;;) {
    let queued: Array<{ id: string; state: string }>;
    try {
      queued = slurmQueued(jobId);
    } catch (e) {
      // squeue says "Invalid job id" once a job has left the controller's memory.
      if (e instanceof DiagnosticError && /Invalid job id/i.test(e.message)) return;
      throw e;
    }
    if (io.isTTY) io.err(`\rjob ${jobId}: ${total - queued.length}/${total} tasks finished, ${queued.filter((q) => q.state === 'RUNNING').length} running`);
    if (queued.length === 0) break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  if (io.isTTY) io.err('\n');
}

/** Accounting states per array task (sacct), when accounting is configured; undefined otherwise. */
export function slurmAccounting(jobId: string): Map<string, string> | undefined {
  const r = spawnSync('sacct', ['-n', '-P', '-X', '-j', jobId, '-o', 'JobID,State,ExitCode'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const out = new Map<string, string>();
  for (const l of r.stdout.split('\n')) {
    const [id, state, exit] = l.split('|');
    if (id && state) out.set(id.trim(), `${state.trim()}${exit ? ` (${exit.trim()})` : ''}`);
  }
  return out;
}

/** Writes DIR/condor/sweep.sub; submits it when condor_submit exists. */
export function submitCondor(dir: string, m: SweepManifest, o: BatchOptions, io: CliIO): { jobId?: string; points: number[]; script: string } | undefined {
  const todo = pendingPoints(dir, m);
  if (todo.length === 0) {
    io.err('every point is done: nothing to submit\n');
    return undefined;
  }
  mkdirSync(path.join(dir, 'condor'), { recursive: true });
  const list = path.join(dir, 'condor', 'points.txt');
  writeAtomic(list, todo.map((p) => String(p.index)).join('\n') + '\n');
  const wrapper = path.join(dir, 'condor', 'run-point.sh');
  writeAtomic(wrapper, ['#!/bin/sh', '# Written by fastml sweep: runs one design point (argument: its index in sweep.json).', 'set -u', ...(o.modules ?? []).map((mod) => `module load ${sh(mod)}`), `exec ${taskCommand(dir, '$1')}`, ''].join('\n'));
  chmodSync(wrapper, 0o755);
  const script = path.join(dir, 'condor', 'sweep.sub');
  const logs = path.join(dir, 'logs');
  writeAtomic(
    script,
    [
      '# Written by fastml sweep: one job per pending design point.',
      'universe = vanilla',
      `executable = ${wrapper}`,
      'arguments = $(point)',
      `initialdir = ${dir}`,
      `output = ${logs}/condor-$(point).out`,
      `error = ${logs}/condor-$(point).err`,
      `log = ${logs}/condor.log`,
      'getenv = true',
      ...(o.mem ? [`request_memory = ${o.mem}`] : []),
      ...(o.cpus ? [`request_cpus = ${o.cpus}`] : []),
      ...(o.time ? [`+MaxRuntime = ${hmsSeconds(o.time)}`] : []),
      `queue point from ${list}`,
      '',
    ].join('\n'),
  );
  const has = spawnSync('condor_submit', ['-version'], { encoding: 'utf8' });
  if (has.error) {
    io.err(`condor_submit is not on PATH: wrote ${path.relative(process.cwd(), script) || script}; submit it with condor_submit on a submit node\n`);
    return { points: todo.map((p) => p.index), script };
  }
  const out = run('condor_submit', [script], '--executor condor');
  const id = /cluster (\d+)/.exec(out)?.[1];
  return { ...(id ? { jobId: id } : {}), points: todo.map((p) => p.index), script };
}

/** Slurm time ("HH:MM:SS", "MM:SS", "D-HH:MM:SS" or minutes) in seconds. */
export function hmsSeconds(t: string): number {
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(t.trim());
  if (!m) return 0;
  const [d, a, b, c] = [m[1], m[2], m[3], m[4]].map((x) => (x === undefined ? undefined : Number(x)));
  if (b === undefined) return (d ?? 0) * 86400 + a! * 60; // minutes
  if (c === undefined) return (d ?? 0) * 86400 + (m[1] ? a! * 3600 + b * 60 : a! * 60 + b);
  return (d ?? 0) * 86400 + a! * 3600 + b * 60 + c;
}

/** 0,1,2,5,6,9 -> "0-2,5-6,9". */
export function compactRanges(xs: readonly number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    out.push(i === j ? String(s[i]) : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

export function recordSubmission(dir: string, m: SweepManifest, sub: { executor: string; jobId?: string; points: number[]; script?: string }): void {
  m.submissions = [...(m.submissions ?? []), { ...sub, at: new Date().toISOString() }];
  writeAtomic(path.join(dir, MANIFEST), JSON.stringify(m, null, 1) + '\n');
}
