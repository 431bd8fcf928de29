/**
 * @fileoverview Two more keys of configurations hls4ml users have:
 *
 * - `HLSConfig.ContextLength` (hls4ml 1.x users' files): no HLSConfig of hls4ml reads it, so it is
 *   reported as an info note (FML4015) like the other keys about hls4ml's own run, never as an
 *   unknown key;
 * - `AcceleratorConfig` with Backend: VivadoAccelerator: misspelled keys (and Precision sub-keys)
 *   are warned with "did you mean", as at every other level; Platform (Alveo only) is a note. With
 *   another backend the whole map is reported as not applied (one warning), not key by key.
 */

import { describe, expect, it } from 'vitest';
import { configFromObject } from '../../../src/config/load.js';

const base = { HLSConfig: { Model: { Precision: 'fixed<16,6>', ReuseFactor: 1 } } };
const codes = (w: readonly { code: string; severity: string; loc?: { jsonPointer?: string } }[]) => w.map((d) => `${d.severity} ${d.code} ${d.loc?.jsonPointer ?? ''}`);

describe('HLSConfig.ContextLength', () => {
  it('is an info note saying hls4ml does not read it, not an unknown key', () => {
    const cfg = configFromObject({ ...base, HLSConfig: { ...base.HLSConfig, ContextLength: 128 } }, 'c.yml');
    expect(codes(cfg.warnings)).toEqual(['info FML4015 /HLSConfig/ContextLength']);
    expect(cfg.warnings[0]!.message).toMatch(/ContextLength 128 is not read by hls4ml.*input shapes/);
  });
  it('a near miss of it is still an unknown key with did-you-mean', () => {
    const cfg = configFromObject({ ...base, HLSConfig: { ...base.HLSConfig, ContextLenght: 128 } });
    const w = cfg.warnings.find((d) => d.code === 'FML4010')!;
    expect(w.loc?.jsonPointer).toBe('/HLSConfig/ContextLenght');
    expect(w.hint).toBe('did you mean "ContextLength"?');
  });
});

describe('AcceleratorConfig keys (Backend: VivadoAccelerator)', () => {
  const accel = (ac: Record<string, unknown>, backend = 'VivadoAccelerator') => configFromObject({ ...base, Backend: backend, AcceleratorConfig: ac }, 'c.yml');

  it('hls4ml\'s own keys say nothing', () => {
    const cfg = accel({ Board: 'pynq-z2', Interface: 'axi_stream', Driver: 'python', Precision: { Input: 'float', Output: 'float' } });
    expect(cfg.warnings).toEqual([]);
  });

  it('misspelled keys warn with did-you-mean, at both levels, with their pointer', () => {
    const cfg = accel({ Bord: 'zcu102', interface: 'axi_lite', Driver: 'python', Precision: { Inptu: 'ap_fixed<16,6>', Output: 'float' } });
    const w = cfg.warnings.filter((d) => d.code === 'FML4010');
    expect(w.map((d) => [d.severity, d.loc?.jsonPointer, d.hint])).toEqual([
      ['warning', '/AcceleratorConfig/Bord', 'did you mean "Board"?'],
      ['warning', '/AcceleratorConfig/interface', 'did you mean "Interface"?'],
      ['warning', '/AcceleratorConfig/Precision/Inptu', 'did you mean "Input"?'],
    ]);
    expect(w[1]!.message).toMatch(/keys are case-sensitive in hls4ml/);
    expect(w[0]!.loc?.file).toBe('c.yml');
  });

  it('Platform (hls4ml\'s Alveo boards) is a note, not unknown', () => {
    expect(codes(accel({ Board: 'pynq-z2', Platform: 'xilinx_u250_xdma_201830_2' }).warnings)).toEqual(['info FML4015 /AcceleratorConfig/Platform']);
  });

  it('with another backend the map is reported once as not applied, not key by key', () => {
    const cfg = accel({ Bord: 'x', Num_Kernel: 4 }, 'Vivado');
    expect(codes(cfg.warnings)).toEqual(['warning FML4015 /Backend']);
    expect(cfg.warnings[0]!.message).toMatch(/AcceleratorConfig is read only with Backend: VivadoAccelerator/);
  });
});
