/**
 * @fileoverview The estimator's public types: options, per-layer and total figures, and the
 * calibration constants. Kept apart from the model so other teams (passes choosing reuse factors,
 * backends, the CLI) can import them without pulling in the model.
 */

import type { Strategy } from '../ir/graph.js';

export type Backend = 'vivado' | 'vitis';
export type IoType = 'io_parallel' | 'io_stream';
/** How multipliers are built: as the tool decides, or forced (`config_op mul -impl dsp|fabric`). */
export type MultiplierImpl = 'auto' | 'dsp' | 'fabric';

export interface EstimateOptions {
  /** Board alias or part string; `target` is an alias of `part`. Default: hls4ml's default part. */
  readonly part?: string;
  readonly target?: string;
  readonly backend?: Backend;
  /** HLS tool version, e.g. '2020.1' (Vivado HLS) or '2023.2' (Vitis HLS). Informational. */
  readonly toolVersion?: string;
  readonly clockNs?: number;
  readonly ioType?: IoType;
  /** Defaults for layers that carry none. */
  readonly strategy?: Strategy;
  readonly reuseFactor?: number;
  readonly multiplierImpl?: MultiplierImpl;
  /** A requested initiation interval: a warning is raised when the design misses it. */
  readonly targetII?: number;
  /** Override the shipped calibration (tests, calibration itself). */
  readonly calibration?: Calibration;
}

export const FIGURE_KEYS = ['latency_cycles', 'ii', 'dsp', 'lut', 'ff', 'bram_18k', 'uram'] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];
export type Figures = Record<FigureKey, number>;

/** Where a figure comes from: the structural model, a calibrated constant, or a synthesis report. */
export type FigureSource = 'model' | 'calibration' | 'report';

export interface LayerEstimate extends Figures {
  readonly name: string;
  readonly op: string;
  /** Reuse factor actually used (after snapping to a valid value), when the layer multiplies. */
  readonly reuse_factor?: number;
  readonly strategy?: Strategy;
  /** Multipliers instantiated, and how many of them are DSP-mapped. */
  readonly multipliers?: number;
  /** Model features the calibrated figures are computed from (see calibration.json). */
  readonly features: Readonly<Record<string, number>>;
  readonly source: Readonly<Record<FigureKey, string>>;
  readonly notes: readonly string[];
  /** io_stream: the part of the latency that overlaps with the other pixel-streamed layers. */
  readonly stream_cycles?: number;
  readonly pixel_stream?: boolean;
}

/** `<figure>_range`: the 80% interval [low, high] of each total figure (see FamilyCalibration.intervals). */
export type RangeFields = { readonly [K in FigureKey as `${K}_range`]?: readonly [number, number] };

export type Utilization = Record<'dsp' | 'lut' | 'ff' | 'bram_18k' | 'uram', number | null>;

export interface Estimate {
  /** The HLS tool modelled, e.g. "Vitis HLS (calibrated on 2021.1-2024.1 reports)". */
  readonly tool: string;
  readonly backend: Backend;
  readonly tool_version?: string;
  readonly part: string;
  readonly board?: string;
  readonly family: string;
  readonly dsp_kind: string;
  readonly clock_ns: number;
  readonly io_type: IoType;
  readonly layers: readonly LayerEstimate[];
  readonly total: Figures & { readonly latency_ns: number } & RangeFields;
  /** What the `*_range` intervals of `total` are (absent when the calibration has none). */
  readonly range_basis?: string;
  /** Percent of the device (null when the device's totals are unknown). */
  readonly utilization: Utilization;
  /** Percent of one SLR, for multi-SLR devices. */
  readonly utilization_slr?: Utilization;
  readonly warnings: readonly string[];
  /** Per figure: where it comes from. */
  readonly source: Readonly<Record<string, string>>;
}

/** Fitted constants of one HLS tool family. */
export interface FamilyCalibration {
  /** Integer-cycle and nanosecond latency constants (names documented in model.ts). */
  readonly latency: Readonly<Record<string, number>>;
  /** Linear coefficients per resource over model features. */
  readonly lut: Readonly<Record<string, number>>;
  readonly ff: Readonly<Record<string, number>>;
  /** Largest operand-width sum (wa + wb) still built in LUTs rather than a DSP. */
  readonly lutMultMaxBits: number;
  /** Where Resource-strategy weights are stored. */
  readonly weightMemory: 'bram' | 'lut';
  /** Constant products with at most this many CSD digits are shift-adds in LUTs (see model.ts). */
  readonly csdMaxDigits?: number;
  /**
   * 80% intervals from leave-one-repository-out validation: per design kind ('mlp', 'cnn', 'all'),
   * per figure, the 10th and 90th percentiles of truth / estimate.
   */
  readonly intervals?: Readonly<Record<string, Readonly<Partial<Record<FigureKey, readonly [number, number]>>>>>;
}

export interface Calibration {
  readonly generated: string;
  readonly source: string;
  readonly method: string;
  readonly records: number;
  readonly families: Readonly<Record<Backend, FamilyCalibration>>;
  /** Free-form provenance per constant group. */
  readonly provenance: Readonly<Record<string, string>>;
}
