/**
 * @fileoverview Diagnostics: what fastml tells a user about their model or input.
 *
 * Frontends and passes collect Diagnostics (all problems at once) and throw a DiagnosticError
 * carrying them when they cannot go on. Only InternalError signals a bug in fastml itself.
 * Exit codes, for scripts: 0 ok, 1 a check failed (check's threshold missed, csim mismatch),
 * 2 usage or input error (bad flag, unreadable file, and a model fastml refuses), 3 internal error.
 */

export type Severity = 'error' | 'warning' | 'info';

export interface DiagnosticLoc {
  readonly file?: string;
  /** ONNX node name or Keras / IR layer name. */
  readonly node?: string;
  readonly opType?: string;
  readonly line?: number;
  readonly col?: number;
  readonly jsonPointer?: string;
}

export interface Diagnostic {
  /** Stable code, e.g. FML1001. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly loc?: DiagnosticLoc;
  readonly hint?: string;
}

export const EXIT = {
  OK: 0,
  /** The run worked and its verdict is "no": check missed a threshold, csim differs from the emulator. */
  CHECK_FAILED: 1,
  USAGE: 2,
  /** A model fastml refuses (unsupported op, inconsistent graph): an input error, like USAGE. */
  MODEL: 2,
  INTERNAL: 3,
} as const;

/** A user-facing failure: the CLI prints the diagnostics and exits with `exitCode`. */
export class DiagnosticError extends Error {
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    readonly exitCode: number = EXIT.USAGE,
  ) {
    super(diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
    this.name = 'DiagnosticError';
  }
}

/** A bug in fastml. */
export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InternalError';
  }
}

export function diag(code: string, message: string, loc?: DiagnosticLoc, hint?: string, severity: Severity = 'error'): Diagnostic {
  return { code, severity, message, ...(loc ? { loc } : {}), ...(hint ? { hint } : {}) };
}

/** Convenience: throw a single error diagnostic. */
export function fail(code: string, message: string, loc?: DiagnosticLoc, hint?: string, exitCode: number = EXIT.USAGE): never {
  throw new DiagnosticError([diag(code, message, loc, hint)], exitCode);
}

export function formatLoc(loc: DiagnosticLoc | undefined): string {
  if (!loc) return '';
  const parts: string[] = [];
  if (loc.file) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}${loc.col !== undefined ? `:${loc.col}` : ''}` : loc.file);
  if (loc.node !== undefined) parts.push(`node "${loc.node}"${loc.opType ? ` (${loc.opType})` : ''}`);
  else if (loc.opType) parts.push(loc.opType);
  if (loc.jsonPointer) parts.push(loc.jsonPointer);
  return parts.join(': ');
}

/** One line (plus an indented hint line) per diagnostic, for stderr. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = formatLoc(d.loc);
  const head = `${d.severity} ${d.code}: ${where ? `${where}: ` : ''}${d.message}`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}
