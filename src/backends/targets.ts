/**
 * @fileoverview `--target` for the HLS backends: board names and part strings go through the
 * estimator's device table (`resolveTarget`); this file only adds what a project needs on top:
 * `alveo` as a short name for the default Alveo card, and the Vitis platform of each Alveo card for
 * the v++ Makefile (from ../shared/truth/devices.json `platforms`).
 */

import { resolveTarget } from '../estimate/devices.js';

/** Short names the backends accept in addition to the device table's boards. */
const ALIASES: Readonly<Record<string, string>> = { alveo: 'alveo-u250' };

/** Alveo parts -> default Vitis platform (the newest listed for the card). */
const ALVEO_PLATFORMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^xcu50-/i, 'xilinx_u50_gen3x16_xdma_5_202210_1'],
  [/^xcu55c-/i, 'xilinx_u55c_gen3x16_xdma_3_202210_1'],
  [/^xcu200-/i, 'xilinx_u200_gen3x16_xdma_2_202110_1'],
  [/^xcu250-/i, 'xilinx_u250_gen3x16_xdma_2_1_202010_1'],
  [/^xcu280-/i, 'xilinx_u280_gen3x16_xdma_1_202211_1'],
];

export interface BackendTarget {
  readonly part: string;
  readonly board?: string;
  /** Set for Alveo cards: the project gets a kernel wrapper and a v++ Makefile. */
  readonly platform?: string;
}

export function resolveBackendTarget(nameOrPart?: string): BackendTarget {
  const key = nameOrPart?.trim().toLowerCase();
  const r = resolveTarget(key && ALIASES[key] ? ALIASES[key] : nameOrPart);
  const platform = ALVEO_PLATFORMS.find(([re]) => re.test(r.part))?.[1];
  return { part: r.part, ...(r.board ? { board: r.board } : {}), ...(platform ? { platform } : {}) };
}
