/**
 * @fileoverview fastml's resource limits, in one place. Each one bounds what a file or flag can
 * make fastml allocate or walk, so that a hostile or corrupt input gets a clear refusal (exit 2,
 * a message naming the limit) instead of running out of memory or time. The values are far above
 * what trigger-sized models need (docs/reliability.md lists them with the reasons).
 */

import { DiagnosticError, diag, EXIT } from './diagnostic.js';
import type { DiagnosticLoc } from './diagnostic.js';

export const LIMITS = {
  /** Elements of the largest tensor (a weight, or one sample of an activation): 16 Mi values, 128 MiB as float64. */
  maxTensorElements: 1 << 24,
  /** Elements of a whole input batch (samples x per-sample size): 64 Mi values, 512 MiB as float64. */
  maxBatchElements: 1 << 26,
  /** Test-bench / emulation samples asked for with --samples. */
  maxSamples: 100_000,
  /** Entries of one activation lookup table (TableSize); hls4ml's default is 1024. */
  maxTableSize: 1 << 20,
  /** Bytes a .keras or .npz archive may inflate to, all members together. */
  maxInflatedBytes: 256 << 20,
  /** Nesting depth of a configuration (YAML/JSON) or model JSON document. */
  maxNestingDepth: 64,
  /** Depth of the group tree walked in an HDF5 file (Keras nests a handful of levels). */
  maxHdf5Depth: 32,
  /** Groups + datasets visited in one HDF5 file. */
  maxHdf5Objects: 100_000,
  /** Time the HDF5 reader may take for one file before it is stopped (ms). */
  hdf5DeadlineMs: 10_000,
  /** Folders `fastml report DIR` descends into below DIR, and entries it looks at in all. */
  maxReportDepth: 6,
  maxReportEntries: 20_000,
  /** Length of a file-name component written from a layer or project name (bytes, before the extension). */
  maxFileNameBytes: 120,
  /** Clock period bounds in ns (10 GHz .. 100 kHz): the estimator's pipeline model is linear in 1/period. */
  minClockNs: 0.1,
  maxClockNs: 10000,
} as const;

export type LimitName = keyof typeof LIMITS;

/** Throws the usage error for a value over a limit: FML0020, exit 2, naming the limit and its value. */
export function overLimit(limit: LimitName, what: string, loc?: DiagnosticLoc, hint?: string): never {
  throw new DiagnosticError(
    [diag('FML0020', `${what} is over fastml's limit ${limit} = ${LIMITS[limit]}`, loc, hint ?? 'see docs/reliability.md for the limits and why they are set where they are')],
    EXIT.USAGE,
  );
}

/** Refuses a tensor shape whose element count is not a safe, finite count under maxTensorElements. */
export function checkTensorSize(shape: readonly number[], what: string, loc?: DiagnosticLoc): number {
  let n = 1;
  for (const d of shape) n *= d;
  if (!Number.isFinite(n) || n > LIMITS.maxTensorElements) overLimit('maxTensorElements', `${what} with shape [${shape.join(', ')}] (${n} elements)`, loc);
  return n;
}

/** Depth of a parsed JSON/YAML value, iteratively (a deep document must not overflow the stack here). */
export function nestingDepth(root: unknown, stopAt: number = LIMITS.maxNestingDepth + 1): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (d > max) max = d;
    if (max >= stopAt) return max;
    if (v && typeof v === 'object') for (const c of Object.values(v as object)) stack.push([c, d + 1]);
  }
  return max;
}

/**
 * Refuses a layer's inferred output shape that is not made of positive integers or is over
 * maxTensorElements (a huge pad, stride or input dim upstream): every later stage allocates
 * from these shapes.
 */
export function checkLayerShape(shape: readonly number[], loc: DiagnosticLoc): void {
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 1))
    throw new DiagnosticError([diag('FML0022', `the layer's output shape [${shape.join(', ')}] has a dimension that is not a positive integer`, loc, 'check the pads, strides, kernel and input sizes of this layer')], EXIT.USAGE);
  checkTensorSize(shape, "the layer's output", loc);
}

/** A clock period in ns, from a flag or a configuration: a finite number within [minClockNs, maxClockNs]. */
export function checkClock(ns: number, what: string, loc?: DiagnosticLoc): number {
  if (!Number.isFinite(ns) || ns <= 0)
    throw new DiagnosticError([diag('FML0021', `${what}: "${String(ns)}" is not a positive number of ns`, loc)], EXIT.USAGE);
  if (ns < LIMITS.minClockNs)
    throw new DiagnosticError([diag('FML0020', `${what} of ${ns} ns is under fastml's limit minClockNs = ${LIMITS.minClockNs}`, loc, 'see docs/reliability.md for the limits and why they are set where they are')], EXIT.USAGE);
  if (ns > LIMITS.maxClockNs) overLimit('maxClockNs', `${what} of ${ns} ns`, loc);
  return ns;
}
