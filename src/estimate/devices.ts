/**
 * @fileoverview The FPGA device table and `resolveTarget`: turns a board alias (pynq-z2, zcu102,
 * alveo-u250, vu9p...) or a part string into the part, its family, DSP block kind and resource
 * totals (and per-SLR figures where one SLR is the real limit).
 *
 * The table is devices.generated.json, generated from ../shared/truth/devices.json by
 * gen-devices.ts (`npm run calibrate`), so an installed fastml needs no shared folder.
 * Parts not in the table still resolve: the DSP block kind follows from the part's family prefix
 * (7-series DSP48E1, UltraScale(+) DSP48E2, Versal DSP58) and the totals are unknown (null).
 */

import table from './devices.generated.json' with { type: 'json' };
import { fail } from '../diagnostics/diagnostic.js';

export type DspKind = 'DSP48E1' | 'DSP48E2' | 'DSP58';

export interface ResourceTotals {
  readonly lut: number | null;
  readonly ff: number | null;
  readonly dsp: number | null;
  readonly bram_18k: number | null;
  readonly uram: number | null;
}

export interface DeviceEntry {
  name: string;
  part: string;
  partAliases: string[];
  family: string;
  dspKind: DspKind;
  totals: ResourceTotals;
  slrs?: number;
  slr?: { lut: number; ff: number; dsp: number; bram_18k: number; uram: number };
  slrSource?: string;
  boards?: string[];
  /** Set when devices.json marks the totals as inferred or unverified. */
  unverified?: string;
}

export interface DeviceTable {
  source: string;
  generated: string;
  generator: string;
  defaultPart: string;
  dspOperandWidths: Record<DspKind, [number, number]>;
  dspOperandWidthsSource: string;
  boards: Record<string, string>;
  devices: DeviceEntry[];
}

export interface ResolvedTarget {
  readonly part: string;
  readonly family: string;
  readonly dspKind: DspKind;
  readonly totals: ResourceTotals;
  readonly slr?: DeviceEntry['slr'];
  readonly slrs?: number;
  readonly board?: string;
  /** Device display name when the part is in the table. */
  readonly name?: string;
  /** True when the part is not in the table (totals unknown). */
  readonly unknown?: boolean;
  readonly unverified?: string;
}

export const DEVICE_TABLE = table as unknown as DeviceTable;

/** Operand widths (A, B) of one DSP multiplier. */
export function dspWidths(kind: DspKind): readonly [number, number] {
  return DEVICE_TABLE.dspOperandWidths[kind];
}

function norm(s: string): string {
  return s.toLowerCase().replace(/[\s_-]/g, '');
}

/** The device name before the package: xcvu9p-flga2104-2L-e -> xcvu9p; xc7z020clg400-1 -> xc7z020. */
function deviceStem(part: string): string {
  const p = part.toLowerCase().split('-')[0]!;
  const m = /^(xc[a-z0-9]*?\d+[a-z]*?)(?:clg|csg|cpg|ffg|fbg|ffv|fsv|fsg|fig|flg|sbv|sfv|vsv|ffvb|ffvc)/.exec(p);
  return m ? m[1]! : p;
}

function kindFromPart(part: string): DspKind {
  const p = part.toLowerCase();
  if (/^xc7/.test(p)) return 'DSP48E1';
  if (/^xcv[cmpe]\d/.test(p) || /^xcve/.test(p)) return 'DSP58';
  return 'DSP48E2';
}

function fromEntry(d: DeviceEntry, part: string, board?: string): ResolvedTarget {
  return {
    part,
    family: d.family,
    dspKind: d.dspKind,
    totals: d.totals,
    ...(d.slr ? { slr: d.slr } : {}),
    ...(d.slrs ? { slrs: d.slrs } : {}),
    ...(board ? { board } : {}),
    name: d.name,
    ...(d.unverified ? { unverified: d.unverified } : {}),
  };
}

/**
 * Resolve a board alias or part string. Unknown board-looking names (no "xc" prefix) are a usage
 * error listing the known boards; unknown parts resolve with null totals.
 */
export function resolveTarget(nameOrPart?: string): ResolvedTarget {
  const input = (nameOrPart ?? DEVICE_TABLE.defaultPart).trim();
  const key = norm(input);
  for (const [b, part] of Object.entries(DEVICE_TABLE.boards)) {
    if (norm(b) === key) {
      const d = DEVICE_TABLE.devices.find((x) => x.part === part || x.partAliases.includes(part));
      if (d) return fromEntry(d, part, b);
    }
  }
  const exact = DEVICE_TABLE.devices.find((d) => norm(d.part) === key || d.partAliases.some((a) => norm(a) === key));
  // The user's part string is kept as given (a spelling that only differs in dashes or case is the
  // same device, but the string goes to the vendor tool unchanged).
  if (exact) return fromEntry(exact, input);
  if (!/^xc/i.test(input)) {
    fail(
      'FML7001',
      `unknown target "${input}"`,
      undefined,
      `known boards: ${Object.keys(DEVICE_TABLE.boards).sort().join(', ')}; or give a Xilinx part string such as ${DEVICE_TABLE.defaultPart}`,
    );
  }
  // Same die, other package or speed grade: same totals.
  const stem = deviceStem(input);
  const sameDie = DEVICE_TABLE.devices.find((d) => deviceStem(d.part) === stem);
  if (sameDie) return fromEntry(sameDie, input);
  return {
    part: input,
    family: 'unknown',
    dspKind: kindFromPart(input),
    totals: { lut: null, ff: null, dsp: null, bram_18k: null, uram: null },
    unknown: true,
  };
}

export function knownBoards(): string[] {
  return Object.keys(DEVICE_TABLE.boards).sort();
}
