/**
 * @fileoverview The design grid of `fastml sweep --grid ...`: axes and their values, parsed with every
 * problem collected (not the first one only), and expanded into named design points.
 *
 * Axes: reuse (positive integers), precision (a fixed-point type, or a bare width N meaning fixed<N, I>
 * with hls4ml's default integer share, see estimate/sweep.ts), strategy (latency, resource), io
 * (parallel, stream) and prune (a sparsity in [0, 1)). Point names are deterministic: the index and
 * the settings, so the folders of one grid are the same on every run (a resumed sweep finds them).
 */

import { parseType } from '../fixed/type.js';
import { precisionType } from '../estimate/sweep.js';

export type GridAxis = 'strategy' | 'io' | 'precision' | 'reuse' | 'prune';
export const GRID_AXES: readonly GridAxis[] = ['strategy', 'io', 'precision', 'reuse', 'prune'];

export interface Grid {
  strategy?: Array<'latency' | 'resource'>;
  io?: Array<'io_parallel' | 'io_stream'>;
  precision?: string[];
  reuse?: number[];
  prune?: number[];
}

export interface DesignPoint {
  readonly index: number;
  /** Folder name under points/: p<index>_<settings>. */
  readonly name: string;
  readonly strategy?: 'latency' | 'resource';
  readonly io?: 'io_parallel' | 'io_stream';
  /** The type as written into the config (bare widths expanded). */
  readonly precision?: string;
  readonly reuse?: number;
  readonly prune?: number;
}

/** Splits `a,b,fixed<16,6>` at commas outside angle brackets. */
function values(text: string): string[] {
  return text
    .split(/,(?![^<]*>)/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Parses `reuse=1,2,4 precision=fixed<16,6>,12 strategy=resource` (one or several arguments, each one
 * or more space-separated axes). Returns the grid and every problem found.
 */
export function parseGrid(specs: readonly string[]): { grid: Grid; problems: string[] } {
  const grid: Grid = {};
  const problems: string[] = [];
  const parts = specs.flatMap((s) => s.split(/\s+(?![^<]*>)/)).filter(Boolean);
  if (parts.length === 0) problems.push('--grid is empty: give at least one axis, e.g. --grid reuse=1,2,4');
  for (const part of parts) {
    const m = /^([a-z_]+)=(.*)$/.exec(part);
    if (!m) {
      problems.push(`--grid: "${part}" is not AXIS=v1,v2 (axes: ${GRID_AXES.join(', ')})`);
      continue;
    }
    const axis = m[1] as GridAxis;
    if (!GRID_AXES.includes(axis)) {
      problems.push(`--grid: unknown axis "${m[1]}" (axes: ${GRID_AXES.join(', ')})`);
      continue;
    }
    if (grid[axis] !== undefined) {
      problems.push(`--grid: axis ${axis} is given twice`);
      continue;
    }
    const vals = values(m[2]!);
    if (vals.length === 0) {
      problems.push(`--grid: axis ${axis} has no values`);
      continue;
    }
    if (new Set(vals).size !== vals.length) problems.push(`--grid: axis ${axis} repeats a value (${vals.join(',')})`);
    if (axis === 'reuse') {
      const out: number[] = [];
      for (const v of vals) {
        const n = Number(v);
        if (!/^[0-9]+$/.test(v) || !Number.isInteger(n) || n < 1) problems.push(`--grid reuse: "${v}" is not a positive integer`);
        else out.push(n);
      }
      grid.reuse = out;
    } else if (axis === 'precision') {
      const out: string[] = [];
      for (const v of vals) {
        const t = precisionType(v);
        try {
          parseType(t);
          out.push(t);
        } catch (e) {
          problems.push(`--grid precision: "${v}" is not a fixed-point type or a bit width (${(e as Error).message})`);
        }
      }
      grid.precision = out;
    } else if (axis === 'strategy') {
      const out: Array<'latency' | 'resource'> = [];
      for (const v of vals) {
        const s = v.toLowerCase();
        if (s === 'latency' || s === 'resource') out.push(s);
        else problems.push(`--grid strategy: "${v}" is not latency or resource`);
      }
      grid.strategy = out;
    } else if (axis === 'io') {
      const out: Array<'io_parallel' | 'io_stream'> = [];
      for (const v of vals) {
        const s = v.toLowerCase().replace(/^io_/, '');
        if (s === 'parallel' || s === 'stream') out.push(`io_${s}`);
        else problems.push(`--grid io: "${v}" is not parallel or stream`);
      }
      grid.io = out;
    } else {
      const out: number[] = [];
      for (const v of vals) {
        const x = Number(v);
        if (!Number.isFinite(x) || x < 0 || x >= 1) problems.push(`--grid prune: "${v}" is not a sparsity in [0, 1)`);
        else out.push(x);
      }
      grid.prune = out;
    }
  }
  return { grid, problems };
}

/** A short, file-name-safe label of a type: fixed<16,6> -> f16_6, ufixed<8,0,RND,SAT> -> uf8_0_RND_SAT. */
function typeLabel(t: string): string {
  return t
    .replace(/^ap_/, '')
    .replace(/^ufixed</, 'uf')
    .replace(/^fixed</, 'f')
    .replace(/^uint</, 'u')
    .replace(/^int</, 'i')
    .replace(/>$/, '')
    .replace(/AP_/g, '')
    .replace(/[^A-Za-z0-9]+/g, '_');
}

/** Every combination, in a fixed order (strategy, io, precision, reuse, prune; the last varies fastest). */
export function expandGrid(grid: Grid): DesignPoint[] {
  type P = Omit<DesignPoint, 'index' | 'name'>;
  let pts: P[] = [{}];
  const cross = <K extends GridAxis>(key: K, vals: ReadonlyArray<NonNullable<P[K]>> | undefined): void => {
    if (vals) pts = pts.flatMap((p) => vals.map((v) => ({ ...p, [key]: v })));
  };
  cross('strategy', grid.strategy);
  cross('io', grid.io);
  cross('precision', grid.precision);
  cross('reuse', grid.reuse);
  cross('prune', grid.prune);
  const width = String(Math.max(pts.length - 1, 0)).length;
  return pts.map((p, index) => {
    const bits = [
      p.strategy,
      p.io?.replace('io_', ''),
      p.precision !== undefined ? typeLabel(p.precision) : undefined,
      p.reuse !== undefined ? `rf${p.reuse}` : undefined,
      p.prune !== undefined ? `prune${String(p.prune).replace('.', 'p')}` : undefined,
    ].filter(Boolean);
    return { ...p, index, name: [`p${String(index).padStart(width, '0')}`, ...bits].join('_') };
  });
}

/** The point's settings as a flat record (manifest, results table). */
export function pointSettings(p: DesignPoint): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const k of GRID_AXES) if (p[k] !== undefined) out[k] = p[k]!;
  return out;
}
