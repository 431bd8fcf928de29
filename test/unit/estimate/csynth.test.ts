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
import { vitisTop, vivadoModule, vivadoTop } from './csynth-fixtures.js';

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

describe('mergeReport', () => {
  it('replaces figures by the report\'s and says so in source', async () => {
    const { mergeReport } = await import('../../../src/estimate/report-compare.js');
    const t = fixedType(8, 3);
    const g = sequential('m', [80], t, [
      denseSpec('fc1', 80, 24, { precision: { weight: t, bias: t, accum: t, result: t }, reuseFactor: 1024, strategy: 'resource' }),
      { name: 'fc1_relu', attrs: { op: 'Activation', activation: 'relu' }, precision: { result: t } },
      denseSpec('fc2', 24, 120, { precision: { weight: t, bias: t, accum: t, result: t }, reuseFactor: 1024, strategy: 'resource' }),
    ]);
    const e = estimate(g, { backend: 'vitis', clockNs: 5 });
    const r = parseCsynth(vitisTop(), '/p/csynth.xml');
    const m = mergeReport(e, { top: r, modules: r.modules });
    const fc1 = m.layers.find((l) => l.name === 'fc1')!;
    expect(fc1.lut).toBe(6000);
    expect(fc1.source.lut).toMatch(/^report \(Vitis HLS module dense_resource.*config2_s\)/);
    expect(fc1.source.dsp).toMatch(/^report/);
    expect(m.total.lut).toBe(15198);
    expect(m.source['total.lut']).toMatch(/report \(\/p\/csynth.xml\)/);
    expect(m.layers.find((l) => l.name === 'input_1')!.source.lut).toMatch(/calibration|model/);
  });
});
