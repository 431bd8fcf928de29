/**
 * @fileoverview A user calibration file (written by `fastml calibrate --from SWEEP_DIR`): the estimator's
 * constants refitted with the user's own synthesis results. `--calibration FILE.json` on the commands
 * that estimate, or `EstimatorCalibration: FILE` in the configuration, select it; the estimate then
 * names the file as the source of its calibrated figures.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DiagnosticError, EXIT, diag } from '../diagnostics/diagnostic.js';
import type { Calibration } from './types.js';

/** `--calibration` names an estimator calibration (JSON), not quantization samples (.npy ...). */
export function isEstimatorCalibrationFile(file: string): boolean {
  return /\.json$/i.test(file);
}

export function readUserCalibration(file: string): Calibration & { file: string } {
  let c: Partial<Calibration>;
  try {
    c = JSON.parse(readFileSync(file, 'utf8')) as Partial<Calibration>;
  } catch (e) {
    throw new DiagnosticError([diag('FML9125', `cannot read the estimator calibration: ${(e as Error).message}`, { file })], EXIT.USAGE);
  }
  const fams = c?.families as Record<string, unknown> | undefined;
  if (!c || typeof c !== 'object' || !fams || typeof fams !== 'object' || !fams.vivado || !fams.vitis)
    throw new DiagnosticError([diag('FML9125', 'not an estimator calibration (no Vivado / Vitis constants)', { file }, 'write one with: fastml calibrate --from SWEEP_DIR -o FILE')], EXIT.USAGE);
  return { ...(c as Calibration), file: path.resolve(file) };
}
