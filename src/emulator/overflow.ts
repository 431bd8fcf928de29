/**
 * @fileoverview Overflow accounting: per layer and variable (input, product, accum, result, table
 * index ...), how many values were cast, how many overflowed / underflowed and were wrapped or
 * saturated, how many lost bits to rounding, and the largest magnitude seen against the type's
 * range. This is what a user needs when the firmware's outputs go wrong: it names the layer and
 * the variable whose type is too narrow.
 */

import type { FixedType } from '../fixed/type.js';
import type { OverflowStats } from '../fixed/index.js';
import { mergeOverflowStats } from '../fixed/index.js';
import { formatType, typeRange } from '../fixed/type.js';

/**
 * Overflow accounting for one variable of one layer: the fixed-point core's OverflowStats (count,
 * overflow, underflow, wrapped, saturated, inexact, maxAbs) plus the type cast into. For table
 * indices there is no type: overflow/underflow count indices past either end, saturated counts
 * the clipped ones, maxAbs is the largest unclipped index.
 */
export interface VarStats extends OverflowStats {
  type?: FixedType;
}

export function newVarStats(type?: FixedType): VarStats {
  // Always the same property set and order: the counting kernels then see one object shape.
  return { type, count: 0, overflow: 0, underflow: 0, wrapped: 0, saturated: 0, inexact: 0, maxAbs: 0 };
}

/**
 * Adds a multiply-accumulate kernel's run of counters to its product and accumulator records:
 * `products` products and as many partial sums, out-of-range counts (wrapped or saturated as the
 * accumulator's mode says) and the largest magnitudes, already in value units. One place for the
 * general and the integer counting kernels (mac.ts, mac-count.ts; the latter's JavaScript loop is
 * recompiled from its source, so it receives this function as a parameter rather than importing it).
 */
export function addMacCounts(ps: VarStats, as: VarStats, wrap: boolean, products: number, pInexact: number, pOver: number, pUnder: number, pMaxAbs: number, aOver: number, aUnder: number, aMaxAbs: number): void {
  ps.count += products;
  ps.inexact += pInexact;
  ps.overflow += pOver;
  ps.underflow += pUnder;
  as.count += products;
  as.overflow += aOver;
  as.underflow += aUnder;
  if (wrap) {
    ps.wrapped += pOver + pUnder;
    as.wrapped += aOver + aUnder;
  } else {
    ps.saturated += pOver + pUnder;
    as.saturated += aOver + aUnder;
  }
  if (pMaxAbs > ps.maxAbs) ps.maxAbs = pMaxAbs;
  if (aMaxAbs > as.maxAbs) as.maxAbs = aMaxAbs;
}

/** layer name -> variable name -> stats, in layer order. */
export type OverflowReport = Map<string, Map<string, VarStats>>;

export class OverflowBook {
  readonly report: OverflowReport = new Map();

  /** A stats record for (layer, variable), created on first use. */
  slot(layer: string, variable: string, type?: FixedType): VarStats {
    let m = this.report.get(layer);
    if (!m) {
      m = new Map();
      this.report.set(layer, m);
    }
    let s = m.get(variable);
    if (!s) {
      s = newVarStats(type);
      m.set(variable, s);
    }
    return s;
  }

  /** Adds another book (e.g. from a worker) into this one. */
  merge(other: OverflowReport): void {
    for (const [layer, vars] of other) {
      for (const [v, s] of vars) {
        mergeOverflowStats(this.slot(layer, v, s.type), s);
      }
    }
  }
}

export interface OverflowRow {
  layer: string;
  variable: string;
  type: string;
  count: number;
  overflow: number;
  underflow: number;
  wrapped: number;
  saturated: number;
  inexact: number;
  maxAbs: number;
  /** Largest |value| the type can hold (max(|min|, max)); NaN for table indices. */
  typeMaxAbs: number;
  /** The variable's type is one of the model's own quantizers: saturation is its clipping, by design. */
  quantizer?: boolean;
}

export function overflowRows(report: OverflowReport): OverflowRow[] {
  const rows: OverflowRow[] = [];
  for (const [layer, vars] of report) {
    for (const [variable, s] of vars) {
      const r = s.type ? typeRange(s.type) : undefined;
      rows.push({
        layer,
        variable,
        type: s.type ? formatType(s.type) : 'index',
        count: s.count,
        overflow: s.overflow,
        underflow: s.underflow,
        wrapped: s.wrapped,
        saturated: s.saturated,
        inexact: s.inexact,
        maxAbs: s.maxAbs,
        typeMaxAbs: r ? Math.max(Math.abs(r.min), Math.abs(r.max)) : NaN,
      });
    }
  }
  return rows;
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3 ? x.toExponential(3) : String(Number(x.toPrecision(5)));
}

/** A plain-text table; with `onlyProblems`, rows without overflow are left out. */
export function formatOverflowTable(report: OverflowReport, onlyProblems = false): string {
  const rows = overflowRows(report).filter((r) => !onlyProblems || r.overflow + r.underflow > 0);
  const head = ['layer', 'variable', 'type', 'values', 'overflow', 'underflow', 'wrapped', 'saturated', 'max |x|', 'type max'];
  const body = rows.map((r) => [
    r.layer,
    r.variable,
    r.type,
    String(r.count),
    String(r.overflow),
    String(r.underflow),
    String(r.wrapped),
    String(r.saturated),
    fmtNum(r.maxAbs),
    Number.isNaN(r.typeMaxAbs) ? '-' : fmtNum(r.typeMaxAbs),
  ]);
  if (body.length === 0) return onlyProblems ? 'no overflow in any layer\n' : '(nothing counted)\n';
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k]!.length)));
  const line = (cells: string[]): string => cells.map((c, k) => (k < 3 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n') + '\n';
}
