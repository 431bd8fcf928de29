/**
 * @fileoverview csynth.xml parsing on report files written here in both tool forms: Vivado HLS
 * (DSP48E, per-module <name>_csynth.xml files) and Vitis HLS (DSP, <ModuleInformation> inside the
 * top report), element order shuffled to prove parsing is by name; module-to-layer matching.
 */

import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findCsynthReports, parseCsynth, parseXml, readProjectReports } from '../../../src/estimate/csynth.js';
import { matchModules, reportText } from '../../../src/estimate/report-compare.js';
import { DiagnosticError } from '../../../src/diagnostics/diagnostic.js';
import { estimate } from '../../../src/estimate/estimate.js';
import { denseSpec, sequential } from '../../../src/estimate/build.js';
import { fixedType } from '../../../src/fixed/type.js';

export function vivadoTop(o: { lat: number; ii: number; dsp: number; lut: number; ff: number; bram: number }): string {
  // Resources listed in a different order than Vivado writes them, and the perf block after area.
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- written by a test, shaped like Vivado HLS 2020.1 -->
<profile>
  <ReportVersion><Version>2020.1</Version></ReportVersion>
  <UserAssignments>
    <unit>ns</unit><ProductFamily>virtexuplus</ProductFamily>
    <Part>xcvu9p-flga2104-2L-e</Part>
    <TopModelName>myproject</TopModelName>
    <TargetClockPeriod>5.00</TargetClockPeriod>
  </UserAssignments>
  <AreaEstimates>
    <AvailableResources><URAM>960</URAM><LUT>1182240</LUT><FF>2364480</FF><DSP48E>6840</DSP48E><BRAM_18K>4320</BRAM_18K></AvailableResources>
    <Resources><LUT>${o.lut}</LUT><URAM>0</URAM><FF>${o.ff}</FF><BRAM_18K>${o.bram}</BRAM_18K><DSP48E>${o.dsp}</DSP48E></Resources>
  </AreaEstimates>
  <PerformanceEstimates>
    <SummaryOfTimingAnalysis><unit>ns</unit><EstimatedClockPeriod>4.353</EstimatedClockPeriod></SummaryOfTimingAnalysis>
    <SummaryOfOverallLatency>
      <unit>clock cycles</unit>
      <Interval-max>${o.ii}</Interval-max><Interval-min>${o.ii}</Interval-min>
      <Worst-caseLatency>${o.lat + 1}</Worst-caseLatency><Best-caseLatency>${o.lat}</Best-caseLatency>
      <Average-caseLatency>${o.lat}</Average-caseLatency>
    </SummaryOfOverallLatency>
  </PerformanceEstimates>
</profile>
`;
}

function vivadoModule(name: string, lat: number, dsp: number): string {
  return `<profile><ReportVersion><Version>2020.1</Version></ReportVersion>
<UserAssignments><Part>xcvu9p-flga2104-2L-e</Part><TopModelName>${name}</TopModelName><TargetClockPeriod>5.00</TargetClockPeriod></UserAssignments>
<PerformanceEstimates><SummaryOfOverallLatency><Best-caseLatency>${lat}</Best-caseLatency><Worst-caseLatency>${lat}</Worst-caseLatency><Interval-min>1</Interval-min><Interval-max>1</Interval-max></SummaryOfOverallLatency></PerformanceEstimates>
<AreaEstimates><Resources><BRAM_18K>0</BRAM_18K><DSP48E>${dsp}</DSP48E><FF>100</FF><LUT>200</LUT><URAM>0</URAM></Resources></AreaEstimates></profile>`;
}

export function vitisTop(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<profile>
  <ReportVersion><Version>2023.2</Version></ReportVersion>
  <UserAssignments><Part>xcu250-figd2104-2L-e</Part><TopModelName>myproject</TopModelName><TargetClockPeriod>5.00</TargetClockPeriod><ClockUncertainty>1.35</ClockUncertainty></UserAssignments>
  <PerformanceEstimates>
    <SummaryOfTimingAnalysis><unit>ns</unit><EstimatedClockPeriod>3.781</EstimatedClockPeriod></SummaryOfTimingAnalysis>
    <SummaryOfOverallLatency><unit>clock cycles</unit><Best-caseLatency>1923</Best-caseLatency><Average-caseLatency>1924</Average-caseLatency><Worst-caseLatency>1925</Worst-caseLatency><Interval-min>1923</Interval-min><Interval-max>1925</Interval-max></SummaryOfOverallLatency>
  </PerformanceEstimates>
  <AreaEstimates>
    <Resources><BRAM_18K>1</BRAM_18K><DSP>5</DSP><FF>10011</FF><LUT>15198</LUT><URAM>0</URAM></Resources>
    <AvailableResources><BRAM_18K>5376</BRAM_18K><DSP>12288</DSP><FF>3456000</FF><LUT>1728000</LUT><URAM>1280</URAM></AvailableResources>
  </AreaEstimates>
  <ModuleInformation>
    <Module><Name>relu_ap_fixed_8_3_5_3_0_ap_fixed_8_3_5_3_0_relu_config4_s</Name><ModuleHierarchy>myproject/relu</ModuleHierarchy>
      <PerformanceEstimates><SummaryOfOverallLatency><Best-caseLatency>0</Best-caseLatency><Worst-caseLatency>0</Worst-caseLatency><Interval-min>1</Interval-min><Interval-max>1</Interval-max></SummaryOfOverallLatency></PerformanceEstimates>
      <AreaEstimates><Resources><LUT>96</LUT><FF>0</FF><DSP>0</DSP><BRAM_18K>0</BRAM_18K><URAM>0</URAM></Resources></AreaEstimates></Module>
    <Module><Name>dense_resource_ap_fixed_8_3_5_3_0_ap_fixed_8_3_5_3_0_config5_s</Name>
      <PerformanceEstimates><SummaryOfOverallLatency><Best-caseLatency>961</Best-caseLatency><Worst-caseLatency>962</Worst-caseLatency><Interval-min>961</Interval-min><Interval-max>962</Interval-max></SummaryOfOverallLatency></PerformanceEstimates>
      <AreaEstimates><Resources><BRAM_18K>0</BRAM_18K><DSP>3</DSP><FF>5000</FF><LUT>7000</LUT><URAM>0</URAM></Resources></AreaEstimates></Module>
    <Module><Name>dense_resource_ap_fixed_8_3_5_3_0_ap_fixed_8_3_5_3_0_config2_s</Name>
      <PerformanceEstimates><SummaryOfOverallLatency><Best-caseLatency>961</Best-caseLatency><Worst-caseLatency>962</Worst-caseLatency><Interval-min>961</Interval-min><Interval-max>962</Interval-max></SummaryOfOverallLatency></PerformanceEstimates>
      <AreaEstimates><Resources><BRAM_18K>0</BRAM_18K><DSP>2</DSP><FF>4000</FF><LUT>6000</LUT><URAM>0</URAM></Resources></AreaEstimates></Module>
  </ModuleInformation>
</profile>
`;
}

describe('parseXml', () => {
  it('builds a tree, decodes entities, skips comments and declarations', () => {
    const d = parseXml('<?xml version="1.0"?><!-- c --><a x="1"><b>1 &lt; 2</b><c/><b>3</b></a>');
    const a = d.children[0]!;
    expect(a.name).toBe('a');
    expect(a.children.map((c) => c.name)).toEqual(['b', 'c', 'b']);
    expect(a.children[0]!.text).toBe('1 < 2');
  });
  it('rejects broken nesting with a diagnostic naming the file', () => {
    expect(() => parseXml('<a><b></a>', 'r.xml')).toThrow(DiagnosticError);
    try {
      parseXml('<a><b></a>', 'r.xml');
    } catch (e) {
      expect((e as DiagnosticError).diagnostics[0]!.loc?.file).toBe('r.xml');
    }
  });
});

describe('parseCsynth', () => {
  it('reads the Vivado HLS form (DSP48E) by element name', () => {
    const r = parseCsynth(vivadoTop({ lat: 9, ii: 1, dsp: 1104, lut: 45000, ff: 9000, bram: 4 }), 'myproject_csynth.xml');
    expect(r.tool).toBe('Vivado HLS');
    expect(r.version).toBe('2020.1');
    expect(r.part).toBe('xcvu9p-flga2104-2L-e');
    expect(r.clock_ns).toBe(5);
    expect(r.est_clock_ns).toBeCloseTo(4.353);
    expect(r).toMatchObject({ latency_best: 9, latency_worst: 10, ii_min: 1, ii_max: 1, dsp: 1104, lut: 45000, ff: 9000, bram_18k: 4, uram: 0 });
    expect(r.available).toMatchObject({ dsp: 6840, lut: 1182240, bram_18k: 4320 });
    expect(r.modules).toEqual([]);
  });
  it('reads the Vitis HLS form (DSP) with its per-module figures', () => {
    const r = parseCsynth(vitisTop(), 'csynth.xml');
    expect(r.tool).toBe('Vitis HLS');
    expect(r).toMatchObject({ latency_best: 1923, ii_min: 1923, ii_max: 1925, dsp: 5, lut: 15198, ff: 10011, bram_18k: 1 });
    expect(r.available?.dsp).toBe(12288);
    expect(r.modules.map((m) => m.name)).toHaveLength(3);
    expect(r.modules.find((m) => m.name.includes('config2'))).toMatchObject({ dsp: 2, latency_best: 961, lut: 6000 });
  });
  it('rejects a file that is not a synthesis report', () => {
    expect(() => parseCsynth('<profile><Other/></profile>', 'x.xml')).toThrow(/not a csynth report/);
  });
});

describe('project reports', () => {
  it('finds the top report and per-module files in a Vivado project tree', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fml-csynth-'));
    const rep = path.join(dir, 'myproject_prj', 'solution1', 'syn', 'report');
    mkdirSync(rep, { recursive: true });
    writeFileSync(path.join(rep, 'myproject_csynth.xml'), vivadoTop({ lat: 7, ii: 1, dsp: 10, lut: 500, ff: 300, bram: 0 }));
    writeFileSync(path.join(rep, 'dense_latency_ap_fixed_ap_fixed_config2_s_csynth.xml'), vivadoModule('dense_latency_ap_fixed_ap_fixed_config2_s', 3, 6));
    writeFileSync(path.join(rep, 'dense_latency_ap_fixed_ap_fixed_config5_s_csynth.xml'), vivadoModule('dense_latency_ap_fixed_ap_fixed_config5_s', 2, 4));
    expect(findCsynthReports(dir)).toHaveLength(3);
    const p = readProjectReports(dir);
    expect(p.top.top).toBe('myproject');
    expect(p.top.latency_best).toBe(7);
    expect(p.modules.map((m) => m.name).sort()).toEqual(['dense_latency_ap_fixed_ap_fixed_config2_s', 'dense_latency_ap_fixed_ap_fixed_config5_s']);
  });
  it('says clearly when there is no report', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fml-csynth-'));
    expect(() => readProjectReports(dir)).toThrow(/no csynth.xml/);
  });
});

describe('matching modules to layers', () => {
  const t = fixedType(8, 3);
  const g = sequential('m', [80], t, [
    denseSpec('fc1', 80, 24, { precision: { weight: t, bias: t, accum: t, result: t }, reuseFactor: 1024, strategy: 'resource' }),
    { name: 'fc1_relu', attrs: { op: 'Activation', activation: 'relu' }, precision: { result: t } },
    denseSpec('fc2', 24, 120, { precision: { weight: t, bias: t, accum: t, result: t }, reuseFactor: 1024, strategy: 'resource' }),
  ]);
  const e = estimate(g, { backend: 'vitis', clockNs: 5 });
  it('ties hls4ml modules to layers by kind and config number', () => {
    const mods = parseCsynth(vitisTop()).modules;
    const m = matchModules(e.layers, mods);
    expect(m.get('fc1')?.name).toMatch(/config2/);
    expect(m.get('fc2')?.name).toMatch(/config5/);
    expect(m.get('fc1_relu')?.name).toMatch(/relu/);
  });
  it('prefers a module named after the layer', () => {
    const m = matchModules(e.layers, [{ name: 'dense_a_config9' }, { name: 'fc2_dense' }]);
    expect(m.get('fc2')?.name).toBe('fc2_dense');
    expect(m.get('fc1')?.name).toBe('dense_a_config9');
  });
  it('prints estimate / report per layer and in total', () => {
    const r = parseCsynth(vitisTop(), '/p/csynth.xml');
    const text = reportText({ top: r, modules: r.modules }, e);
    expect(text).toMatch(/Vitis HLS 2023\.2/);
    expect(text).toMatch(/fc1 +dense_resource\S*config2_s/);
    expect(text).toMatch(/total .*1923 \/ 1923 \(\+0%\)/);
  });
});
