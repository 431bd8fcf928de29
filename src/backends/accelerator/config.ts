/**
 * @fileoverview `Backend: VivadoAccelerator` and its `AcceleratorConfig` (hls4ml's keys: Board,
 * Interface, Driver, Precision: {Input, Output}), resolved once into a typed object. Boards are
 * the Zynq boards whose block design fastml writes (PS + DMA / AXI ports); each fixes the part.
 * Alveo boards are refused with a clear error rather than silently given a plain project.
 */

import { DiagnosticError, EXIT, diag } from '../../diagnostics/diagnostic.js';
import type { FixedType } from '../../fixed/type.js';
import { parseType, isAuto } from '../../fixed/type.js';

export type AxiInterface = 'axi_stream' | 'axi_lite' | 'axi_master';

/** A Zynq board: its part, the Vivado board_part, and the processing system it has. */
export interface ZynqBoard {
  readonly name: string;
  readonly part: string;
  /** Vivado board_part (board files must be installed for it; the part alone also works). */
  readonly boardPart: string;
  /** processing_system7 (Zynq-7000) or zynq_ultra_ps_e (Zynq UltraScale+ MPSoC). */
  readonly ps: 'ps7' | 'ps8';
}

/** The boards fastml writes a block design for (parts as the vendors' board files give them). */
export const ZYNQ_BOARDS: Readonly<Record<string, ZynqBoard>> = {
  'pynq-z2': { name: 'pynq-z2', part: 'xc7z020clg400-1', boardPart: 'tul.com.tw:pynq-z2:part0:1.0', ps: 'ps7' },
  'pynq-z1': { name: 'pynq-z1', part: 'xc7z020clg400-1', boardPart: 'www.digilentinc.com:pynq-z1:part0:1.0', ps: 'ps7' },
  zcu102: { name: 'zcu102', part: 'xczu9eg-ffvb1156-2-e', boardPart: 'xilinx.com:zcu102:part0:3.4', ps: 'ps8' },
  zcu104: { name: 'zcu104', part: 'xczu7ev-ffvc1156-2-e', boardPart: 'xilinx.com:zcu104:part0:1.1', ps: 'ps8' },
  ultra96v2: { name: 'ultra96v2', part: 'xczu3eg-sbva484-1-e', boardPart: 'avnet.com:ultra96v2:part0:1.2', ps: 'ps8' },
};

/** What the accelerator's AXI ports carry: float (hls4ml's default) or a fixed-point type. */
export type IoData = { readonly kind: 'float' } | { readonly kind: 'fixed'; readonly type: FixedType; readonly text: string };

export interface AcceleratorSettings {
  readonly board: ZynqBoard;
  readonly iface: AxiInterface;
  readonly driver: 'python';
  readonly input: IoData;
  readonly output: IoData;
}

const err = (msg: string, pointer: string, hint?: string, file?: string): never => {
  throw new DiagnosticError([diag('FML5830', msg, { ...(file ? { file } : {}), jsonPointer: pointer }, hint)], EXIT.USAGE);
};

/** Whether a Backend name (config or --backend) asks for the accelerator wrapper. */
export function isAcceleratorBackend(name: string | undefined): boolean {
  return (name ?? '').toLowerCase() === 'vivadoaccelerator';
}

function ioData(v: unknown, pointer: string, file?: string): IoData {
  if (v === undefined || (typeof v === 'string' && v.trim().toLowerCase() === 'float')) return { kind: 'float' };
  if (typeof v !== 'string') return err(`must be float or a fixed-point type, got ${JSON.stringify(v)}`, pointer, undefined, file);
  let t;
  try {
    t = parseType(v);
  } catch (e) {
    return err(`${(e as Error).message}`, pointer, 'float, or a type such as ap_fixed<16,6>', file);
  }
  if (isAuto(t) || t.w > 32) return err(`"${v}": the AXI data must be float or a fixed-point type of at most 32 bits`, pointer, undefined, file);
  return { kind: 'fixed', type: t, text: v.trim() };
}

/**
 * Reads `AcceleratorConfig` from the raw configuration (hls4ml's defaults: pynq-z2, axi_stream,
 * python, float in and out). `board` is the --target board when one was given (it wins).
 */
export function acceleratorSettings(raw: Record<string, unknown>, file?: string, board?: string): AcceleratorSettings {
  const ac = (raw['AcceleratorConfig'] ?? {}) as Record<string, unknown>;
  if (typeof ac !== 'object' || ac === null || Array.isArray(ac)) return err('AcceleratorConfig must be a map', '/AcceleratorConfig', undefined, file);
  // A --target board wins over the file (flags over the configuration), then hls4ml's keys.
  const name = String(board ?? ac['Board'] ?? raw['Board'] ?? 'pynq-z2').toLowerCase();
  const b = ZYNQ_BOARDS[name];
  if (!b) {
    if (/alveo|^u\d+/.test(name))
      err(
        `Board "${name}": fastml writes VivadoAccelerator block designs for Zynq boards only`,
        '/AcceleratorConfig/Board',
        'for an Alveo card use Backend: Vitis with --target alveo-u250 (or u50, u55c, u280): fastml then writes the Vitis kernel and the v++ Makefile',
        file,
      );
    err(`unknown Board "${name}"`, '/AcceleratorConfig/Board', `known boards: ${Object.keys(ZYNQ_BOARDS).join(', ')}`, file);
  }
  const iface = String(ac['Interface'] ?? 'axi_stream').toLowerCase();
  if (iface !== 'axi_stream' && iface !== 'axi_lite' && iface !== 'axi_master')
    err(`Interface must be axi_stream, axi_lite or axi_master, got "${String(ac['Interface'])}"`, '/AcceleratorConfig/Interface', undefined, file);
  const driver = String(ac['Driver'] ?? 'python').toLowerCase();
  if (driver !== 'python') err(`Driver "${driver}" is not written by fastml (python: a PYNQ driver)`, '/AcceleratorConfig/Driver', undefined, file);
  const prec = (ac['Precision'] ?? {}) as Record<string, unknown>;
  return {
    board: b!,
    iface: iface as AxiInterface,
    driver: 'python',
    input: ioData(prec['Input'], '/AcceleratorConfig/Precision/Input', file),
    output: ioData(prec['Output'], '/AcceleratorConfig/Precision/Output', file),
  };
}
