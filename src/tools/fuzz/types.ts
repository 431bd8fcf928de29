/**
 * @fileoverview What the fuzzer passes between its parts: a case (files + command line) and its
 * outcome.
 */

export const FAMILIES = ['bytes', 'onnx', 'keras-json', 'hdf5', 'keras-zip', 'yaml', 'npy', 'names-flags'] as const;
export type Family = (typeof FAMILIES)[number];

/** One fuzz case: files written into a fresh folder, then `fastml <argv>` run with that folder as cwd. */
export interface FuzzCase {
  readonly id: number;
  readonly family: Family;
  /** What the mutation did, for the reproduction notes. */
  readonly what: string;
  readonly files: Readonly<Record<string, Uint8Array>>;
  /** Empty folders to create (e.g. to pass a directory where a file is expected). */
  readonly dirs?: readonly string[];
  readonly argv: readonly string[];
}

/**
 * ok: the run ended with a diagnostic or succeeded (exit 0, 1 or 2);
 * leak: exit 1/2 but the message shows an internal detail (a JS error text, "undefined", "NaN");
 * crash: exit 3 (internal error), an exception out of main, or an unhandled rejection;
 * hang: over the per-case deadline; memory: over the memory limit.
 */
export type Verdict = 'ok' | 'leak' | 'crash' | 'hang' | 'memory';

export interface CaseOutcome {
  readonly id: number;
  readonly family: Family;
  readonly exit: number | 'threw' | 'killed';
  readonly ms: number;
  readonly kind: Verdict;
  readonly reason?: string;
  readonly stderr: string;
}
