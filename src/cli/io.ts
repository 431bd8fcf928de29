/**
 * @fileoverview The CLI's view of the outside world, so commands can run in-process in tests.
 */

import { invocation } from './invocation.js';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  readonly cwd: string;
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How the user ran fastml (`fastml`, `npx fastml`, ...; src/cli/invocation.ts), for printed next steps. */
  readonly command?: string;
  /** Where progress bars go when isTTY (default process.stderr); tests pass a fake terminal. */
  readonly progressStream?: { write(s: string): boolean; readonly isTTY?: boolean; readonly columns?: number };
}

/** Set once stdout's reader has gone away (`fastml ... | head -1`). */
let stdoutClosed = false;
let stderrClosed = false;
let pipeGuards = false;

/**
 * A reader that closes the pipe early makes the next write fail with EPIPE, asynchronously, as an
 * 'error' event; unhandled, Node would die with a stack trace. The command instead goes on (a
 * compile still completes its project) and simply stops printing to that stream.
 */
function guardPipes(): void {
  if (pipeGuards) return;
  pipeGuards = true;
  process.stdout.on('error', () => {
    stdoutClosed = true;
  });
  process.stderr.on('error', () => {
    stderrClosed = true;
  });
}

export function processIO(): CliIO {
  guardPipes();
  return {
    command: invocation(process.env, process.argv[1], process.cwd()),
    out: (t) => {
      if (!stdoutClosed) process.stdout.write(t);
    },
    err: (t) => {
      if (!stderrClosed) process.stderr.write(t);
    },
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    progressStream: process.stderr,
  };
}

/** An IO that records everything, for tests. */
export function memoryIO(cwd = process.cwd()): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    cwd,
    isTTY: false,
    env: {},
  };
  return io;
}
