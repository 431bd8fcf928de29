/**
 * @fileoverview `fastml check` figures: how far the fixed-point outputs are from a reference
 * (max / mean absolute error, argmax agreement, or y > 0.5 agreement for single outputs), where
 * the error grows layer by layer (fixed vs float64 trace of each layer), and the overflow table;
 * the thresholds that make a CI job fail; and the JUnit XML a CI system displays.
 */

import type { OverflowRow } from './overflow.js';
import { formatOverflowAdvice, type OverflowAdvice } from './overflow-advice.js';
import { DiagnosticError, diag, EXIT } from '../diagnostics/diagnostic.js';

export interface CheckInput {
  readonly model: string;
  readonly n: number;
  readonly outputs: ReadonlyArray<{ name: string; size: number; fixed: Float64Array; ref: Float64Array }>;
  readonly layers: ReadonlyArray<{ name: string; fixed: Float64Array; float: Float64Array }>;
  readonly overflow: readonly OverflowRow[];
  /** For each overflowing variable: where its type came from, what hls4ml does, the change (overflow-advice.ts). */
  readonly overflowAdvice?: readonly OverflowAdvice[];
  /** float64: the model with its own quantizers (QKeras as QKeras computes, QONNX ops as defined); float64-unquantized: `--reference float`. */
  readonly reference: 'float64' | 'float64-unquantized' | 'onnxruntime' | 'file';
  readonly maxAbsErr?: number;
  readonly minAgreement?: number;
}

/** How the report's first line names each reference (the JSON keeps the short name). */
const REFERENCE_TEXT: Readonly<Record<CheckInput['reference'], string>> = {
  float64: "float64, the model's own quantizers (if any) applied as QKeras / QONNX compute them",
  'float64-unquantized': 'float64 without the quantizers (--reference float)',
  onnxruntime: 'onnxruntime-web',
  file: 'the expected outputs given',
};

export interface OutputFigures {
  readonly name: string;
  readonly maxAbsErr: number;
  readonly meanAbsErr: number;
  /** argmax agreement (several outputs per sample) or agreement of y > 0.5 (one output). */
  readonly agreement: number;
  readonly agreementKind: 'argmax' | 'threshold_0.5';
}

export interface LayerFigures {
  readonly layer: string;
  readonly maxAbsErr: number;
  readonly meanAbsErr: number;
}

export interface CheckFailure {
  readonly output: string;
  readonly what: string;
  readonly value: number;
  readonly limit: number;
}

export interface CheckReport {
  readonly model: string;
  readonly samples: number;
  readonly reference: CheckInput['reference'];
  readonly outputs: readonly OutputFigures[];
  readonly layers: readonly LayerFigures[];
  readonly overflow: readonly OverflowRow[];
  readonly overflowAdvice: readonly OverflowAdvice[];
  readonly thresholds: { maxAbsErr?: number; minAgreement?: number };
  readonly failures: readonly CheckFailure[];
  readonly passed: boolean;
}

function errors(a: Float64Array, b: Float64Array): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > max || Number.isNaN(d)) max = Number.isNaN(d) ? Infinity : d;
    sum += d;
  }
  return { max, mean: n ? sum / n : 0 };
}

function argmax(x: Float64Array, off: number, m: number): number {
  let best = 0;
  for (let i = 1; i < m; i++) if (x[off + i]! > x[off + best]!) best = i;
  return best;
}

export function compareOutputs(c: CheckInput): CheckReport {
  const outputs: OutputFigures[] = [];
  const failures: CheckFailure[] = [];
  for (const o of c.outputs) {
    if (o.ref.length !== o.fixed.length)
      throw new DiagnosticError(
        [diag('FML6002', `reference for output "${o.name}" has ${o.ref.length} values, the model gives ${o.fixed.length} (${c.n} samples of ${o.size})`, undefined, 'the reference must hold the same samples, batch first, in the model\'s output layout')],
        EXIT.USAGE,
      );
    const e = errors(o.fixed, o.ref);
    let agree = 0;
    for (let s = 0; s < c.n; s++) {
      const off = s * o.size;
      if (o.size > 1) agree += argmax(o.fixed, off, o.size) === argmax(o.ref, off, o.size) ? 1 : 0;
      else agree += o.fixed[off]! > 0.5 === o.ref[off]! > 0.5 ? 1 : 0;
    }
    const f: OutputFigures = {
      name: o.name,
      maxAbsErr: e.max,
      meanAbsErr: e.mean,
      agreement: c.n ? agree / c.n : 1,
      agreementKind: o.size > 1 ? 'argmax' : 'threshold_0.5',
    };
    outputs.push(f);
    if (c.maxAbsErr !== undefined && !(f.maxAbsErr <= c.maxAbsErr)) failures.push({ output: o.name, what: 'max abs error', value: f.maxAbsErr, limit: c.maxAbsErr });
    if (c.minAgreement !== undefined && !(f.agreement >= c.minAgreement))
      failures.push({ output: o.name, what: `${f.agreementKind} agreement`, value: f.agreement, limit: c.minAgreement });
  }
  const layers = c.layers.map((l) => {
    const e = errors(l.fixed, l.float);
    return { layer: l.name, maxAbsErr: e.max, meanAbsErr: e.mean };
  });
  return {
    model: c.model,
    samples: c.n,
    reference: c.reference,
    outputs,
    layers,
    overflow: c.overflow,
    overflowAdvice: c.overflowAdvice ?? [],
    thresholds: { ...(c.maxAbsErr !== undefined ? { maxAbsErr: c.maxAbsErr } : {}), ...(c.minAgreement !== undefined ? { minAgreement: c.minAgreement } : {}) },
    failures,
    passed: failures.length === 0,
  };
}

const g4 = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x));

export function formatCheckReport(r: CheckReport): string {
  const lines: string[] = [];
  lines.push(`fastml check: ${r.model}, ${r.samples} samples, reference: ${REFERENCE_TEXT[r.reference]}`);
  for (const o of r.outputs) {
    lines.push(`  output ${o.name}: max abs err ${g4(o.maxAbsErr)}, mean abs err ${g4(o.meanAbsErr)}, ${o.agreementKind} agreement ${g4(o.agreement)}`);
  }
  lines.push('', 'error growth per layer (fixed point vs float64 of the same layer):');
  const w = Math.max(5, ...r.layers.map((l) => l.layer.length));
  lines.push(`  ${'layer'.padEnd(w)}  ${'max abs err'.padStart(12)}  ${'mean abs err'.padStart(12)}`);
  for (const l of r.layers) lines.push(`  ${l.layer.padEnd(w)}  ${g4(l.maxAbsErr).padStart(12)}  ${g4(l.meanAbsErr).padStart(12)}`);
  const bad = r.overflow.filter((o) => o.overflow + o.underflow > 0 && !o.quantizer);
  const clipped = r.overflow.filter((o) => o.overflow + o.underflow > 0 && o.quantizer);
  lines.push('', bad.length ? 'overflow (variables that wrapped, saturated or were clipped):' : 'overflow: none (no variable wrapped, saturated or was clipped)');
  if (bad.length) {
    const lw = Math.max(5, ...bad.map((b) => b.layer.length));
    const vw = Math.max(8, ...bad.map((b) => b.variable.length));
    lines.push(`  ${'layer'.padEnd(lw)}  ${'variable'.padEnd(vw)}  ${'type'.padEnd(24)}  ${'values'.padStart(9)}  ${'overflow'.padStart(9)}  ${'underflow'.padStart(9)}  ${'wrapped'.padStart(9)}  ${'saturated'.padStart(9)}  max |x| / type max`);
    for (const b of bad) {
      lines.push(
        `  ${b.layer.padEnd(lw)}  ${b.variable.padEnd(vw)}  ${b.type.padEnd(24)}  ${String(b.count).padStart(9)}  ${String(b.overflow).padStart(9)}  ${String(b.underflow).padStart(9)}  ${String(b.wrapped).padStart(9)}  ${String(b.saturated).padStart(9)}  ${g4(b.maxAbs)} / ${Number.isNaN(b.typeMaxAbs) ? '-' : g4(b.typeMaxAbs)}`,
      );
    }
  }
  lines.push(...formatOverflowAdvice(r.overflowAdvice));
  if (clipped.length) {
    lines.push('', "quantizer clipping (the model's own quantizers saturate by design; not overflow):");
    for (const c of clipped) lines.push(`  ${c.layer} ${c.variable} ${c.type}: ${c.overflow + c.underflow} of ${c.count} values clipped`);
  }
  lines.push('');
  if (r.failures.length === 0) lines.push(`PASS${Object.keys(r.thresholds).length ? '' : ' (no thresholds given)'}`);
  else for (const f of r.failures) lines.push(`FAIL: output ${f.output}: ${f.what} ${g4(f.value)} (limit ${g4(f.limit)})`);
  return lines.join('\n') + '\n';
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JUnit XML: one test case per output and threshold (plus one for overflow, informational). */
export function junitXml(r: CheckReport): string {
  const cases: string[] = [];
  for (const o of r.outputs) {
    const checks: Array<{ name: string; fail?: CheckFailure }> = [];
    if (r.thresholds.maxAbsErr !== undefined) checks.push({ name: `${o.name}: max abs error <= ${r.thresholds.maxAbsErr}`, fail: r.failures.find((f) => f.output === o.name && f.what === 'max abs error') });
    if (r.thresholds.minAgreement !== undefined)
      checks.push({ name: `${o.name}: ${o.agreementKind} agreement >= ${r.thresholds.minAgreement}`, fail: r.failures.find((f) => f.output === o.name && f.what.endsWith('agreement')) });
    if (checks.length === 0) checks.push({ name: `${o.name}: emulation ran` });
    for (const c of checks) {
      const body = c.fail ? `<failure message="${xmlEscape(`${c.fail.what} ${c.fail.value} (limit ${c.fail.limit})`)}"/>` : '';
      cases.push(`    <testcase classname="fastml.check" name="${xmlEscape(c.name)}">${body}<system-out>${xmlEscape(`max abs err ${o.maxAbsErr}, mean abs err ${o.meanAbsErr}, ${o.agreementKind} agreement ${o.agreement}`)}</system-out></testcase>`);
    }
  }
  const ovf = r.overflow.filter((o) => o.overflow + o.underflow > 0 && !o.quantizer);
  cases.push(
    `    <testcase classname="fastml.check" name="overflow report"><system-out>${xmlEscape(ovf.length ? ovf.map((o) => `${o.layer}.${o.variable} (${o.type}): ${o.overflow + o.underflow} of ${o.count} out of range`).join('\n') : 'no overflow')}</system-out></testcase>`,
  );
  const failures = r.failures.length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="${cases.length}" failures="${failures}">\n  <testsuite name="fastml check ${xmlEscape(r.model)}" tests="${cases.length}" failures="${failures}" errors="0">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}
