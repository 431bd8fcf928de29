/**
 * @fileoverview fastml's command line: main(argv, io) -> exit code.
 */

import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { DiagnosticError, EXIT, InternalError, formatDiagnostic } from '../diagnostics/diagnostic.js';
import { COMMAND_BY_NAME, COMMANDS } from './commands/index.js';
import type { CommandContext } from './context.js';
import type { CliIO } from './io.js';
import { processIO } from './io.js';

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The exit codes, as `fastml --help` states them (scripts and CI branch on them). */
export const EXIT_HELP = `
Exit codes:
  0  ok
  1  a check failed: check missed a threshold, csim differs from the emulator
  2  usage or input error: bad flag, unreadable or missing file, refused output folder,
     or a model fastml refuses (unsupported op or layer, inconsistent graph)
  3  internal error (a bug in fastml: please report it)
`;

export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = new Command();
  const ctx: CommandContext = {
    io,
    debug: () => Boolean(program.opts().debug),
    quiet: () => Boolean(program.opts().quiet),
    setExitCode: (c) => {
      exitCode = Math.max(exitCode, c);
    },
  };
  program
    .name('fastml')
    .description('Compile small neural networks (ONNX, QONNX, Keras, QKeras) into bit-exact FPGA firmware (Vivado/Vitis HLS).')
    .version(version(), '-V, --version')
    .option('--debug', 'print stack traces on errors')
    .option('-q, --quiet', 'print no info notes (about the configuration or the passes); warnings and errors still print')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_HELP);
  // The command named on the line (global options take no values, so it is the first non-option).
  const named = argv.find((a) => !a.startsWith('-'));
  const only = named !== undefined && Object.hasOwn(COMMAND_BY_NAME, named) ? COMMAND_BY_NAME[named] : undefined;
  // `fastml --version` alone prints the version before any command is looked at: none is loaded.
  const versionOnly = argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V');
  for (const load of versionOnly ? [] : only ? [only] : COMMANDS) (await load()).register(program, ctx);
  for (const cmd of program.commands) cmd.addHelpText('after', EXIT_HELP);
  try {
    await program.parseAsync(['node', 'fastml', ...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help / --version exit through here with code 0.
      return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (e instanceof DiagnosticError) {
      for (const d of e.diagnostics) io.err(formatDiagnostic(d) + '\n');
      if (ctx.debug() && e.stack) io.err(e.stack + '\n');
      return e.exitCode;
    }
    const err = e as Error;
    if (err instanceof InternalError || !ctx.debug()) {
      io.err(`internal error: ${err?.message ?? String(e)}\n`);
      io.err('This is a bug in fastml; please report it with the command you ran (rerun with --debug for a stack trace).\n');
      if (ctx.debug() && err?.stack) io.err(err.stack + '\n');
      return EXIT.INTERNAL;
    }
    io.err((err?.stack ?? String(e)) + '\n');
    return EXIT.INTERNAL;
  }
  return exitCode;
}
