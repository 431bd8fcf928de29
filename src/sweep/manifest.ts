/**
 * @fileoverview The sweep folder and its manifest (sweep.json), the one file every sweep step reads:
 *
 *   DIR/sweep.json            what was swept: model, config, target, grid, executor, the points with
 *                             their settings, estimate and (with --input) emulator accuracy
 *   DIR/points.txt            one point name per line, in index order (the batch scripts read it)
 *   DIR/points/<name>/        one HLS project per point (written by the compile path)
 *   DIR/points/<name>/fastml_sweep_status.json   the vendor run's state (running, done, failed)
 *   DIR/logs/                 one log per point and per batch task
 *   DIR/slurm/, DIR/condor/   the batch scripts written for those executors
 *   DIR/results.csv, .json    written by `fastml sweep collect`
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DiagnosticError, diag } from '../diagnostics/diagnostic.js';
import type { DesignPoint, Grid } from './grid.js';
import type { BaseSettings } from './create.js';

export const MANIFEST = 'sweep.json';
export const STATUS_FILE = 'fastml_sweep_status.json';

export interface PointEntry extends DesignPoint {
  /** Project folder, relative to the sweep folder. */
  readonly dir: string;
  /** The estimator's figures for the point (estimateJson's `total`) with their source. */
  readonly estimate: Record<string, unknown>;
  /** Percent of samples whose emulated top-1 class equals the float model's (with --input). */
  readonly accuracy?: number;
}

export interface SweepManifest {
  readonly fastml: string;
  readonly kind: 'fastml-sweep';
  readonly created: string;
  readonly model: string;
  readonly weights?: string;
  readonly config?: string;
  readonly input?: string;
  /** compile settings common to every point (target, backend, clock, ...). */
  readonly base: BaseSettings;
  readonly grid: Grid;
  /** The command run in each project folder. */
  readonly hlsCmd: string;
  readonly points: PointEntry[];
  /** Batch submissions, newest last. */
  submissions?: Array<{ executor: string; jobId?: string; points: number[]; at: string; script?: string }>;
}

export interface PointStatus {
  readonly state: 'running' | 'done' | 'failed';
  readonly exitCode?: number;
  readonly started?: string;
  readonly finished?: string;
  readonly host?: string;
  readonly log?: string;
}

export function readManifest(dir: string): SweepManifest {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(dir)) throw new DiagnosticError([diag('FML9101', 'the sweep folder does not exist', { file: dir })]);
  if (!existsSync(file)) throw new DiagnosticError([diag('FML9101', `not a fastml sweep folder (no ${MANIFEST})`, { file: dir }, 'create one with: fastml sweep MODEL --grid ... --out DIR')]);
  let m: SweepManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as SweepManifest;
  } catch (e) {
    throw new DiagnosticError([diag('FML9101', `unreadable manifest: ${(e as Error).message}`, { file })]);
  }
  if (m?.kind !== 'fastml-sweep' || !Array.isArray(m.points)) throw new DiagnosticError([diag('FML9101', 'not a fastml sweep manifest', { file })]);
  return m;
}

export function pointDir(sweepDir: string, p: { dir: string }): string {
  return path.join(sweepDir, p.dir);
}

export function readStatus(sweepDir: string, p: { dir: string }): PointStatus | undefined {
  const f = path.join(pointDir(sweepDir, p), STATUS_FILE);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as PointStatus;
  } catch {
    return undefined;
  }
}
