/**
 * @fileoverview `fastml csim DIR`: builds a generated project's test bench with g++ against the
 * project's own copy of fastml's ap_types headers (firmware/ap_types/) and runs it. The test bench
 * compares every output with the emulator's (tb_data/tb_output_predictions.dat) and exits 1 on
 * any mismatch; this command reports pass/fail with the same exit code.
 *
 * One translation unit (the test bench and the firmware included into one file) at -O1 keeps the
 * build short on small machines; build products go to DIR/csim_build/.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandContext } from '../cli/context.js';
import { DiagnosticError, EXIT, diag } from '../diagnostics/diagnostic.js';
import { cppIdent } from './identifiers.js';

export interface CsimFlags {
  readonly dir: string;
  readonly cxx?: string;
  readonly cxxflags?: string;
  readonly quiet?: boolean;
}

export interface CsimResult {
  readonly exitCode: number;
  readonly compileOutput: string;
  /** The test bench's stdout (summary) and stderr (MISMATCH lines). */
  readonly runOutput: string;
  readonly runErrors: string;
  readonly warnings: number;
}

/** The project name recorded in fastml.lock.json (validated: it is used in file names). */
export function projectOf(dir: string): string {
  const lockFile = path.join(dir, 'fastml.lock.json');
  if (!existsSync(lockFile))
    throw new DiagnosticError([diag('FML5811', 'not a fastml project (no fastml.lock.json)', { file: dir }, 'run `fastml compile MODEL -o DIR` first')], EXIT.USAGE);
  let project: unknown;
  try {
    project = (JSON.parse(readFileSync(lockFile, 'utf8')) as { project?: unknown }).project;
  } catch (e) {
    throw new DiagnosticError([diag('FML5811', `unreadable fastml.lock.json: ${(e as Error).message}`, { file: lockFile })], EXIT.USAGE);
  }
  if (typeof project !== 'string' || cppIdent(project) !== project)
    throw new DiagnosticError([diag('FML5811', 'fastml.lock.json names no valid project', { file: lockFile })], EXIT.USAGE);
  return project;
}

export function runCsim(f: CsimFlags): CsimResult {
  const dir = path.resolve(f.dir);
  const project = projectOf(dir);
  const build = path.join(dir, 'csim_build');
  mkdirSync(build, { recursive: true });
  const unity = path.join(build, 'csim_main.cpp');
  writeFileSync(unity, `// One translation unit: test bench + firmware (written by fastml csim).\n#include "../${project}_test.cpp"\n#include "../firmware/${project}.cpp"\n`);
  const exe = path.join(build, 'csim');
  const cxx = f.cxx ?? 'g++';
  // The intermediate buffers of a large model (256x256 feature maps) are static in C simulation;
  // ap_types stores each value in the smallest integer that holds its width (4 bytes for
  // ap_fixed<16,6>), so they stay well inside the 2 GiB of x86-64's default code model (with
  // 32-byte values they did not, and needed -mcmodel=medium).
  const defaults = '-std=c++11 -O1 -Wall -Wno-unknown-pragmas -Wno-unused-label';
  const flags = (f.cxxflags ?? defaults).split(/\s+/).filter(Boolean);
  const args = [...flags, '-I', path.join(dir, 'firmware'), '-I', path.join(dir, 'firmware', 'ap_types'), '-o', exe, unity];
  const cc = spawnSync(cxx, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (cc.error)
    throw new DiagnosticError([diag('FML5812', `cannot run ${cxx}: ${cc.error.message}`, undefined, 'install g++ or pass --cxx')], EXIT.USAGE);
  const compileOutput = `${cc.stdout ?? ''}${cc.stderr ?? ''}`;
  const warnings = (compileOutput.match(/warning:/g) ?? []).length;
  if (cc.status !== 0) return { exitCode: EXIT.MODEL, compileOutput, runOutput: '', runErrors: '', warnings };
  const run = spawnSync(exe, [], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { exitCode: run.status === 0 ? EXIT.OK : EXIT.MODEL, compileOutput, runOutput: run.stdout ?? '', runErrors: run.stderr ?? '', warnings };
}

export function reportCsim(ctx: CommandContext, f: CsimFlags): number {
  const r = runCsim(f);
  if (r.compileOutput) ctx.io.err(r.compileOutput);
  if (r.runOutput) ctx.io.out(r.runOutput);
  if (r.runErrors) ctx.io.err(r.runErrors);
  if (r.exitCode === EXIT.OK) ctx.io.out(`csim PASSED: every output equals the emulator's, bit for bit (g++ warnings: ${r.warnings})\n`);
  else if (!r.runOutput && !r.runErrors) ctx.io.err('csim FAILED: the test bench did not compile\n');
  else ctx.io.err('csim FAILED: C simulation differs from the emulator (see MISMATCH lines above)\n');
  return r.exitCode;
}
