/**
 * @fileoverview `npm run calibrate`: regenerates the device table from ../shared/truth/devices.json,
 * fits the estimator's constants on ../shared/truth, writes src/estimate/calibration.json, and writes
 * docs/estimation.md with the estimate against the truth for every record and the error per
 * resource. The shared folder is found beside the project (or at FASTML_SHARED_DIR).
 */

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDeviceTable } from './gen-devices.js';
import { calibrate, compare, crossValidate, intervalsFrom } from './calibrate.js';
import type { Calibration } from './types.js';
import { renderEstimationDoc } from './doc.js';
import { loadTruth, sharedDir } from './truth.js';

export function runCalibration(projectRoot: string, env: Readonly<Record<string, string | undefined>> = process.env, progress: (s: string) => void = (s) => process.stderr.write(s)): string {
  const shared = sharedDir(projectRoot, env);
  const devices = writeDeviceTable(shared, path.join(projectRoot, 'src', 'estimate', 'devices.generated.json'));
  const records = loadTruth(path.join(shared, 'truth'));
  const fitted = calibrate(records);
  // Leave-one-repository-out: the error to expect on new designs, and the intervals printed with
  // every estimate.
  const held = crossValidate(records, (g, i, n) => progress(`cross-validation ${i + 1}/${n}: without ${g}\n`));
  const intervals = intervalsFrom(held);
  const cal: Calibration = {
    ...fitted,
    families: {
      vitis: { ...fitted.families.vitis, intervals: intervals.vitis },
      vivado: { ...fitted.families.vivado, intervals: intervals.vivado },
    },
    provenance: { ...fitted.provenance, intervals: 'per family and design kind: 10th-90th percentile of truth / estimate over leave-one-repository-out predictions (docs/estimation.md)' },
  };
  writeFileSync(path.join(projectRoot, 'src', 'estimate', 'calibration.json'), JSON.stringify(cal, null, 1) + '\n');
  const rows = compare(records, cal);
  const doc = renderEstimationDoc(rows, cal, held);
  writeFileSync(path.join(projectRoot, 'docs', 'estimation.md'), doc);
  return `devices: ${devices.devices.length} parts, ${Object.keys(devices.boards).length} board aliases\ncalibration: ${cal.records} records -> src/estimate/calibration.json\naccuracy table -> docs/estimation.md\n`;
}

const here = path.dirname(fileURLToPath(import.meta.url));
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // dist/estimate/calibrate-cli.js -> project root two levels up.
  process.stdout.write(runCalibration(path.resolve(here, '..', '..')));
}
