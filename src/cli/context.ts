/**
 * @fileoverview What a command action gets: the IO and a way to set the exit code.
 */
import type { CliIO } from './io.js';

export interface CommandContext {
  readonly io: CliIO;
  /** Global --debug: print stack traces. */
  debug(): boolean;
  /** Global --quiet: print no info notes (warnings and errors still print). Absent: false. */
  quiet?(): boolean;
  setExitCode(code: number): void;
}

/** Resolve a user path against the CLI's working directory. */
export async function resolvePath(ctx: CommandContext, p: string): Promise<string> {
  const path = await import('node:path');
  return path.resolve(ctx.io.cwd, p);
}

/** An --input / --calibration value: generated-input specs (random:N, zeros) as given, file names resolved. */
export async function resolveInput(ctx: CommandContext, p: string): Promise<string> {
  const { isInputSpec } = await import('../io/generate.js');
  return isInputSpec(p) ? p : resolvePath(ctx, p);
}
