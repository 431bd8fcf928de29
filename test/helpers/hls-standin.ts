/**
 * @fileoverview A stand-in for the vendor HLS command in sweep tests: a small shell script that writes
 * a csynth report shaped like Vivado HLS's into <project>_prj/solution1/syn/report/, with figures
 * derived from the point's settings (FASTML_POINT_* variables), so the collected results can be
 * checked against a formula. `failOnce` makes the point with that reuse factor fail on its first run
 * (it leaves a marker file), to test resumed runs.
 */

import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The figures the stand-in reports for a reuse factor (the formula its script uses). */
export function standinFigures(rf: number): { latency_cycles: number; ii: number; dsp: number; lut: number; ff: number; bram_18k: number } {
  return { latency_cycles: 10 + 3 * rf, ii: rf, dsp: Math.floor(4000 / rf), lut: 20000 + Math.floor(1000 / rf), ff: 15000 + 7 * rf, bram_18k: 2 };
}

export function writeStandin(dir: string, opts: { failOnce?: number } = {}): string {
  const file = path.join(dir, 'standin-hls.sh');
  const fail =
    opts.failOnce !== undefined
      ? `if [ "\${FASTML_POINT_REUSE:-1}" = "${opts.failOnce}" ] && [ ! -e "${dir}/failed-once" ]; then touch "${dir}/failed-once"; echo "licence server unreachable" >&2; exit 3; fi\n`
      : '';
  writeFileSync(
    file,
    `#!/bin/sh
set -e
${fail}rf=\${FASTML_POINT_REUSE:-1}
d="\${FASTML_PROJECT}_prj/solution1/syn/report"
mkdir -p "$d"
lat=$((10 + 3 * rf)); dsp=$((4000 / rf)); lut=$((20000 + 1000 / rf)); ff=$((15000 + 7 * rf))
echo "$FASTML_POINT_NAME" >> "${dir}/runs.txt"
cat > "$d/\${FASTML_PROJECT}_csynth.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<profile>
  <ReportVersion><Version>2019.2</Version></ReportVersion>
  <UserAssignments><unit>ns</unit><Part>xcu250-figd2104-2L-e</Part><TopModelName>\${FASTML_PROJECT}</TopModelName><TargetClockPeriod>5.00</TargetClockPeriod></UserAssignments>
  <PerformanceEstimates>
    <SummaryOfTimingAnalysis><unit>ns</unit><EstimatedClockPeriod>4.3</EstimatedClockPeriod></SummaryOfTimingAnalysis>
    <SummaryOfOverallLatency><unit>clock cycles</unit><Best-caseLatency>$lat</Best-caseLatency><Average-caseLatency>$lat</Average-caseLatency><Worst-caseLatency>$lat</Worst-caseLatency><Interval-min>$rf</Interval-min><Interval-max>$rf</Interval-max></SummaryOfOverallLatency>
  </PerformanceEstimates>
  <AreaEstimates>
    <Resources><BRAM_18K>2</BRAM_18K><DSP48E>$dsp</DSP48E><FF>$ff</FF><LUT>$lut</LUT><URAM>0</URAM></Resources>
    <AvailableResources><BRAM_18K>5376</BRAM_18K><DSP48E>12288</DSP48E><FF>3456000</FF><LUT>1728000</LUT><URAM>1280</URAM></AvailableResources>
  </AreaEstimates>
</profile>
XML
echo "stand-in synthesis of $FASTML_POINT_NAME done"
`,
  );
  chmodSync(file, 0o755);
  return file;
}
