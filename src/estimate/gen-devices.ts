/**
 * @fileoverview Builds the device table fastml ships (devices.generated.json) from the shared truth
 * file ../shared/truth/devices.json. The shared folder is not available to users of an installed
 * fastml, so the table the tool reads at run time must live in the project; this generator records
 * where and when it was built so the figures keep their provenance.
 *
 * Run by `npm run calibrate` (calibrate-cli.ts) before fitting.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DeviceEntry, DeviceTable, DspKind } from './devices.js';

interface RawDevice {
  name: string;
  part: string;
  part_aliases?: string[];
  family: string;
  dsp_block: string;
  lut: number | null;
  ff: number | null;
  dsp: number | null;
  bram_18k: number | null;
  uram: number | null;
  slrs?: number | null;
  totals_status?: string;
  notes?: string;
}

/**
 * Board names users type for `--target`. The hls4ml board tables in devices.json's meta give most
 * of them; the rest name a device entry by a word of its `name` (README lists them as the aliases
 * fastml must know).
 */
const EXTRA_ALIASES: Record<string, string> = {
  zcu104: 'ZCU104',
  kv260: 'KV260',
  k26: 'KV260',
  vu9p: 'VU9P',
  vcu118: 'VU9P',
  vu13p: 'VU13P',
  'alveo-u55c': 'U55C',
  u50: 'U50',
  u55c: 'U55C',
  u200: 'U200',
  u250: 'U250',
  u280: 'U280',
  'pynq-z1': 'PYNQ-Z2',
  'arty-a7-100t': 'Artix-7 100T',
  'arty-a7': 'Artix-7 100T',
  vck190: 'VCK190',
  ultra96: 'Ultra96',
};

function dspKind(block: string): DspKind {
  if (block.startsWith('DSP58')) return 'DSP58';
  if (block.startsWith('DSP48E1')) return 'DSP48E1';
  return 'DSP48E2';
}

/** Per-SLR figures stated in a device's notes ("Per SLR (csynth ...): BRAM18 1344, DSP 3072, ..."). */
function slrFromNotes(notes: string | undefined): DeviceEntry['slr'] | undefined {
  if (!notes) return undefined;
  const m = /Per SLR[^:]*:\s*BRAM18 (\d+), DSP (\d+), FF (\d+), LUT (\d+), URAM (\d+)/.exec(notes);
  if (!m) return undefined;
  return { bram_18k: +m[1]!, dsp: +m[2]!, ff: +m[3]!, lut: +m[4]!, uram: +m[5]! };
}

export function buildDeviceTable(sharedDir: string, now = new Date()): DeviceTable {
  const src = path.join(sharedDir, 'truth', 'devices.json');
  const raw = JSON.parse(readFileSync(src, 'utf8')) as { meta: Record<string, any>; devices: RawDevice[] };
  const devices: DeviceEntry[] = raw.devices.map((d) => {
    const slrs = d.slrs ?? undefined;
    const fromNotes = slrFromNotes(d.notes);
    // Without stated per-SLR figures, an even split of the die is the best available guess.
    const slr =
      fromNotes ??
      (slrs && slrs > 1 && d.lut !== null
        ? {
            lut: Math.floor(d.lut / slrs),
            ff: Math.floor((d.ff ?? 0) / slrs),
            dsp: Math.floor((d.dsp ?? 0) / slrs),
            bram_18k: Math.floor((d.bram_18k ?? 0) / slrs),
            uram: Math.floor((d.uram ?? 0) / slrs),
          }
        : undefined);
    return {
      name: d.name,
      part: d.part,
      partAliases: (d.part_aliases ?? []).map((a) => a.split(' ')[0]!),
      family: d.family,
      dspKind: dspKind(d.dsp_block),
      totals: { lut: d.lut, ff: d.ff, dsp: d.dsp, bram_18k: d.bram_18k, uram: d.uram },
      ...(slrs ? { slrs } : {}),
      ...(slr ? { slr, slrSource: fromNotes ? 'devices.json notes' : 'total / slrs (even split, assumed)' } : {}),
      ...(d.totals_status && /INFERRED|UNVERIFIED/.test(d.totals_status) ? { unverified: d.totals_status } : {}),
    };
  });
  const boards: Record<string, string> = {};
  const meta = raw.meta;
  for (const [b, p] of Object.entries((meta.hls4ml_vivado_accelerator_supported_boards ?? {}) as Record<string, string>)) boards[b] = p;
  for (const [b, v] of Object.entries((meta.hls4ml_vitis_accelerator_fork_boards ?? {}) as Record<string, { part: string }>)) boards[b] ??= v.part;
  for (const [alias, word] of Object.entries(EXTRA_ALIASES)) {
    const d = devices.find((x) => x.name.includes(word));
    if (d) boards[alias] ??= d.part;
  }
  for (const d of devices) for (const b of Object.keys(boards)) if (boards[b] === d.part) (d.boards ??= []).push(b);
  return {
    source: 'shared truth/devices.json (../shared/truth/devices.json)',
    generated: now.toISOString(),
    generator: 'src/estimate/gen-devices.ts (npm run calibrate)',
    defaultPart: String(meta.hls4ml_default_part ?? 'xcvu13p-flga2577-2-e'),
    dspOperandWidths: { DSP48E1: [25, 18], DSP48E2: [27, 18], DSP58: [27, 24] },
    dspOperandWidthsSource: String(meta.dsp_operand_widths?.source ?? ''),
    boards,
    devices,
  };
}

export function writeDeviceTable(sharedDir: string, outFile: string): DeviceTable {
  const t = buildDeviceTable(sharedDir);
  writeFileSync(outFile, JSON.stringify(t, null, 1) + '\n');
  return t;
}
