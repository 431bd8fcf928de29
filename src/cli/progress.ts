/**
 * @fileoverview Progress on long work (emulate, check, report --input, the sweep, csim's g++ step):
 * a cli-progress bar on stderr when stderr is a terminal, nothing otherwise. Output meant for
 * scripts (--json, pipes, CI logs) therefore stays clean: the bar is never written to a non-TTY,
 * and commands pass `quiet` for --json so that a terminal user piping stdout alone sees no bar
 * interleaved with the JSON either.
 *
 * A bar appears only when the work is still running after `delayMs`, so fast runs do not flash a
 * bar that is gone before it can be read.
 */

import type { CliIO } from './io.js';

export interface Progress {
  /** Starts (or restarts) a counted phase: `label [bar] k/total unit`. */
  phase(label: string, total: number, unit: string): void;
  /** Work done in the current phase. */
  update(done: number): void;
  /**
   * A phase of unknown length (an external compiler): shows the elapsed seconds, redrawn once a
   * second while the event loop is free. Ends with the next phase() or stop().
   */
  waiting(label: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** --json or another machine-readable mode: never draw. */
  readonly quiet?: boolean;
  /** Phases with fewer items than this are not shown (emulate: 20000 samples). */
  readonly minTotal?: number;
  /** Show a phase only when it has run this long (ms). */
  readonly delayMs?: number;
}

const NONE: Progress = { phase: () => {}, update: () => {}, waiting: () => {}, stop: () => {} };

/** Whether progress would be drawn for this IO and mode (exported for the commands' tests). */
export function progressEnabled(io: CliIO, quiet = false): boolean {
  return io.isTTY && !quiet;
}

export async function createProgress(io: CliIO, opts: ProgressOptions = {}): Promise<Progress> {
  if (!progressEnabled(io, opts.quiet)) return NONE;
  const { SingleBar, Presets } = await import('cli-progress');
  const stream = (io.progressStream ?? process.stderr) as NodeJS.WritableStream;
  // FASTML_PROGRESS_DELAY_MS: tests (and impatient users) can make the bar appear at once.
  const envDelay = Number(io.env['FASTML_PROGRESS_DELAY_MS']);
  const delay = opts.delayMs ?? (Number.isFinite(envDelay) && io.env['FASTML_PROGRESS_DELAY_MS'] !== undefined ? envDelay : 400);
  let bar: InstanceType<typeof SingleBar> | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let label = '';
  let unit = '';
  let total = 0;
  let t0 = 0;
  let pending = false;

  const end = (): void => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
    bar?.stop();
    bar = undefined;
    pending = false;
  };
  const open = (format: string, of: number, value: number): void => {
    bar = new SingleBar({ format, stream, hideCursor: true, etaBuffer: 50 }, Presets.shades_classic);
    bar.start(of, value);
  };
  return {
    phase(l, n, u) {
      end();
      label = l;
      unit = u;
      total = n;
      t0 = performance.now();
      pending = n >= (opts.minTotal ?? 1);
      if (pending && delay <= 0) {
        open(`${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta}s`, total, 0);
        pending = false;
      }
    },
    update(k) {
      if (bar) bar.update(k);
      else if (pending && performance.now() - t0 >= delay) {
        open(`${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta}s`, total, k);
        pending = false;
      }
    },
    waiting(l) {
      end();
      const start = performance.now();
      const secs = () => Math.floor((performance.now() - start) / 1000);
      // The bar itself carries no information here: the format shows only the label and the time.
      ticker = setInterval(() => {
        if (!bar && performance.now() - start >= delay) open(`${l} ... {secs}s`, 1, 0);
        bar?.update(0, { secs: secs() });
      }, Math.max(100, Math.min(1000, delay)));
      ticker.unref?.();
    },
    stop: end,
  };
}
