/**
 * @fileoverview The shipped device table against ../shared/truth/devices.json (same parts, totals,
 * DSP kinds), board aliases, and resolveTarget on aliases, parts, other packages and unknown parts.
 */

import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEVICE_TABLE, knownBoards, resolveTarget } from '../../../src/estimate/devices.js';
import { buildDeviceTable } from '../../../src/estimate/gen-devices.js';
import { DiagnosticError } from '../../../src/diagnostics/diagnostic.js';
import { dataDir } from '../../helpers/data.js';

const shared = dataDir;
const devicesJson = path.join(shared, 'truth', 'devices.json');

describe('device table vs ../shared/truth/devices.json', () => {
  const raw = JSON.parse(readFileSync(devicesJson, 'utf8')) as { devices: Array<Record<string, any>> };
  it('has every part with the same totals and DSP block kind', () => {
    expect(DEVICE_TABLE.devices).toHaveLength(raw.devices.length);
    for (const d of raw.devices) {
      const t = DEVICE_TABLE.devices.find((x) => x.part === d.part)!;
      expect(t, d.part).toBeDefined();
      expect(t.totals).toEqual({ lut: d.lut, ff: d.ff, dsp: d.dsp, bram_18k: d.bram_18k, uram: d.uram });
      expect(d.dsp_block.startsWith(t.dspKind)).toBe(true);
    }
  });
  it('is what the generator builds today (regenerate with npm run calibrate)', () => {
    const fresh = buildDeviceTable(shared);
    expect(fresh.devices).toEqual(DEVICE_TABLE.devices);
    expect(fresh.boards).toEqual(DEVICE_TABLE.boards);
  });
});

describe('resolveTarget', () => {
  it('knows the boards the issue lists', () => {
    for (const b of ['pynq-z2', 'zcu102', 'zcu104', 'kv260', 'alveo-u50', 'alveo-u55c', 'alveo-u200', 'alveo-u250', 'alveo-u280', 'vu9p', 'vu13p'])
      expect(knownBoards(), b).toContain(b);
  });
  it('resolves an alias to the part, totals and per-SLR figures', () => {
    const t = resolveTarget('vu9p');
    expect(t.part).toBe('xcvu9p-flga2104-2L-e');
    expect(t.dspKind).toBe('DSP48E2');
    expect(t.totals.dsp).toBe(6840);
    expect(t.slr?.dsp).toBe(2280);
    expect(t.board).toBe('vu9p');
    expect(resolveTarget('PYNQ-Z2').dspKind).toBe('DSP48E1');
  });
  it('resolves a part, with or without dashes, and other packages of a known die', () => {
    expect(resolveTarget('xc7z020-clg400-1').totals.lut).toBe(53200);
    expect(resolveTarget('xcvu9p-flgb2104-2-i').totals.dsp).toBe(6840);
    expect(resolveTarget('xcvu13p-flga2577-2-e').slrs).toBe(4);
  });
  it('defaults to hls4ml\'s default part', () => {
    expect(resolveTarget().part).toBe('xcvu13p-flga2577-2-e');
  });
  it('keeps unknown parts with their DSP kind from the family and null totals', () => {
    const t = resolveTarget('xc7z007s-clg225-2');
    expect(t.unknown).toBe(true);
    expect(t.dspKind).toBe('DSP48E1');
    expect(t.totals.dsp).toBeNull();
    expect(resolveTarget('xcvm1802-vsva2197-2MP-e-S').dspKind).toBe('DSP58');
  });
  it('refuses an unknown board name with the known ones listed', () => {
    expect(() => resolveTarget('zcu999')).toThrow(DiagnosticError);
    try {
      resolveTarget('zcu999');
    } catch (e) {
      expect((e as DiagnosticError).diagnostics[0]!.hint).toMatch(/pynq-z2/);
    }
  });
});
