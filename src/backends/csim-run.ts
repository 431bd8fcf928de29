/**
 * @fileoverview `fastml csim DIR`: builds a generated project's test bench with g++ against the
 * project's own copy of fastml's ap_types headers (firmware/ap_types/) and runs it. The test bench
 * compares every output with the emulator's (tb_data/tb_output_predictions.dat) and exits 1 on
 * any mismatch; this command reports pass/fail with the same exit code.
 *
 * One translation unit (the test bench and the firmware included into one file) at -O1 keeps the
 * build short on small machines; build products go to DIR/csim_build/.
 */

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandContext } from '../cli/context.js';
import { DiagnosticError, EXIT, diag } from '../diagnostics/diagnostic.js';
import { cppIdent } from './identifiers.js';
import { createProgress, type Progress } from '../cli/progress.js';

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
  if (!existsSync(dir)) throw new DiagnosticError([diag('FML5810', 'the folder does not exist', { file: dir }, 'give the folder `fastml compile` wrote (its -o)')], EXIT.USAGE);
  if (!statSync(dir).isDirectory()) throw new DiagnosticError([diag('FML5810', 'not a folder (csim takes the project folder fastml compile wrote)', { file: dir })], EXIT.USAGE);
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

interface CsimBuild {
  readonly dir: string;
  readonly cxx: string;
  readonly args: string[];
  readonly exe: string;
  readonly project: string;
  readonly build: string;
  readonly flags: string[];
}

/** The unity source, compiler and arguments of a project's C simulation build. */
function csimBuild(f: CsimFlags): CsimBuild {
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
  return { dir, cxx, exe, project, build, flags, args: [...flags, '-I', path.join(dir, 'firmware'), '-I', path.join(dir, 'firmware', 'ap_types'), '-o', exe, unity] };
}

function cannotRun(cxx: string, e: Error): DiagnosticError {
  return new DiagnosticError([diag('FML5812', `cannot run ${cxx}: ${e.message}`, undefined, 'install g++ or pass --cxx')], EXIT.USAGE);
}

/** After the compiler: count warnings, run the test bench when the build succeeded. */
function afterCompile(b: CsimBuild, status: number | null, compileOutput: string): CsimResult {
  const warnings = (compileOutput.match(/warning:/g) ?? []).length;
  if (status !== 0) return { exitCode: EXIT.CHECK_FAILED, compileOutput, runOutput: '', runErrors: '', warnings };
  const run = spawnSync(b.exe, [], { cwd: b.dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  const main: CsimResult = { exitCode: run.status === 0 ? EXIT.OK : EXIT.CHECK_FAILED, compileOutput, runOutput: run.stdout ?? '', runErrors: run.stderr ?? '', warnings };
  // A VivadoAccelerator project also has the AXI wrapper's test bench: built and run the same way.
  if (!existsSync(path.join(b.dir, `${b.project}_axi_test.cpp`))) return main;
  const axiUnity = path.join(b.build, 'csim_axi_main.cpp');
  writeFileSync(axiUnity, `// One translation unit: wrapper test bench + wrapper + firmware (written by fastml csim).\n#include "../${b.project}_axi_test.cpp"\n#include "../firmware/${b.project}_axi.cpp"\n#include "../firmware/${b.project}.cpp"\n`);
  const axiExe = path.join(b.build, 'csim_axi');
  const cc2 = spawnSync(b.cxx, [...b.flags, '-I', path.join(b.dir, 'firmware'), '-I', path.join(b.dir, 'firmware', 'ap_types'), '-o', axiExe, axiUnity], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (cc2.error) throw cannotRun(b.cxx, cc2.error);
  const out2 = `${cc2.stdout ?? ''}${cc2.stderr ?? ''}`;
  const w2 = (out2.match(/warning:/g) ?? []).length;
  if (cc2.status !== 0) return { ...main, exitCode: EXIT.CHECK_FAILED, compileOutput: main.compileOutput + out2, warnings: warnings + w2 };
  const run2 = spawnSync(axiExe, [], { cwd: b.dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  return {
    exitCode: main.exitCode === EXIT.OK && run2.status === 0 ? EXIT.OK : EXIT.CHECK_FAILED,
    compileOutput: main.compileOutput + out2,
    runOutput: main.runOutput + (run2.stdout ?? ''),
    runErrors: main.runErrors + (run2.stderr ?? ''),
    warnings: warnings + w2,
  };
}

export function runCsim(f: CsimFlags): CsimResult {
  const b = csimBuild(f);
  const cc = spawnSync(b.cxx, b.args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (cc.error) throw cannotRun(b.cxx, cc.error);
  return afterCompile(b, cc.status, `${cc.stdout ?? ''}${cc.stderr ?? ''}`);
}

/**
 * runCsim with the g++ step run asynchronously, so that a progress line (elapsed seconds) can be
 * redrawn while it compiles: the build of a large model takes minutes on a small machine.
 */
export async function runCsimWithProgress(f: CsimFlags, progress: Progress): Promise<CsimResult> {
  const b = csimBuild(f);
  progress.waiting(`csim: compiling with ${b.cxx}`);
  let out = '';
  let status: number | null;
  try {
    status = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(b.cxx, b.args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
      child.on('error', (e) => reject(cannotRun(b.cxx, e)));
      child.on('close', (code) => resolve(code));
    });
  } finally {
    progress.stop();
  }
  return afterCompile(b, status, out);
}

export async function reportCsim(ctx: CommandContext, f: CsimFlags): Promise<number> {
  const progress = await createProgress(ctx.io);
  const r = await runCsimWithProgress(f, progress);
  if (r.compileOutput) ctx.io.err(r.compileOutput);
  if (r.runOutput) ctx.io.out(r.runOutput);
  if (r.runErrors) ctx.io.err(r.runErrors);
  if (r.exitCode === EXIT.OK) ctx.io.out(`csim PASSED: every output equals the emulator's, bit for bit (g++ warnings: ${r.warnings})\n`);
  else if (!r.runOutput && !r.runErrors) ctx.io.err('csim FAILED: the test bench did not compile\n');
  else ctx.io.err('csim FAILED: C simulation differs from the emulator (see MISMATCH lines above)\n');
  return r.exitCode;
}
