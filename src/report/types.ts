/**
 * @fileoverview The report's data model: everything one HTML page shows, as plain JSON. The page
 * embeds it verbatim (script#fastml-report-data) so that what is drawn can be checked against what
 * the CLI prints (`fastml check --json`, `fastml estimate --json`); the Vega-Lite specs are built
 * from it and nothing else.
 */

import type { CheckReport } from '../emulator/check.js';

/** One layer of the model as built (after the passes): what the graph section draws. */
export interface GraphLayer {
  readonly name: string;
  readonly op: string;
  /** Names of the layers whose outputs this layer reads (graph inputs are Input layers). */
  readonly inputs: readonly string[];
  /** Per-sample output shape (IR layout, channels last). */
  readonly shape: readonly number[];
  /** Fixed-point types by slot (result, accum, weight, bias, ...), as C++ spells them. */
  readonly types: Readonly<Record<string, string>>;
  readonly reuseFactor?: number;
  readonly strategy?: string;
  /** Number of weight values (all roles). */
  readonly weights: number;
}

/** Five-number summary of log2|x| over the non-zero values (whiskers at min and max). */
export interface Log2Summary {
  readonly min: number;
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly max: number;
}

/** One box of the precision profile: the values of one variable of one layer against its type. */
export interface ProfileEntry {
  readonly layer: string;
  /** Weights by role (kernel, bias, scale), or the layer's output. */
  readonly kind: 'weight' | 'activation';
  readonly variable: string;
  /** weights: the model's float weights; float: the float64 reference; fixed: the emulator. */
  readonly source: 'weights' | 'float' | 'fixed';
  /** The type the values are cast to (C++ spelling), when the layer has one. */
  readonly type?: string;
  /** log2 of the type's LSB and of its largest magnitude: the representable band. */
  readonly band?: { readonly lsbLog2: number; readonly maxLog2: number };
  readonly count: number;
  readonly zeros: number;
  /** Non-zero values smaller in magnitude than one LSB of the type (they round to 0 or one LSB). */
  readonly belowLsb: number;
  /** Values larger in magnitude than the type can hold. */
  readonly aboveMax: number;
  /** Summary of log2|x| over non-zero values; absent when every value is zero. */
  readonly log2?: Log2Summary;
  /** How many values the summary was computed from (all of them unless sampled). */
  readonly sampled: number;
}

/** Per-layer estimate beside the synthesized figure of the matching csynth module. */
export interface ResourceRow {
  readonly layer: string;
  readonly op: string;
  readonly latency_cycles: number;
  readonly ii: number;
  readonly dsp: number;
  readonly lut: number;
  readonly ff: number;
  readonly bram_18k: number;
  readonly uram: number;
  readonly reuse_factor?: number;
  readonly strategy?: string;
  /** The csynth module tied to this layer and its figures, when a report exists. */
  readonly synth?: { readonly module: string; readonly latency_cycles?: number; readonly dsp?: number; readonly lut?: number; readonly ff?: number; readonly bram_18k?: number };
}

export interface ResourceSection {
  readonly tool: string;
  readonly part: string;
  readonly board?: string;
  readonly clock_ns: number;
  readonly io_type: string;
  readonly layers: readonly ResourceRow[];
  readonly total: Readonly<Record<string, number>>;
  /** 80% intervals per figure from leave-one-repository-out validation, and what they rest on. */
  readonly ranges?: Readonly<Record<string, readonly [number, number]>>;
  readonly rangeBasis?: string;
  /** Device totals (null when unknown) and one SLR's, for the reference lines. */
  readonly device: Readonly<Record<'dsp' | 'lut' | 'ff' | 'bram_18k', number | null>>;
  readonly slr?: Readonly<Record<'dsp' | 'lut' | 'ff' | 'bram_18k', number>>;
  readonly slrs?: number;
  readonly utilization: Readonly<Record<string, number | null>>;
  readonly warnings: readonly string[];
  /** Where the figures come from (estimate model, calibration, devices) and how far to trust them. */
  readonly source: Readonly<Record<string, string>>;
  readonly synth?: { readonly file: string; readonly tool: string; readonly version?: string; readonly total: Readonly<Record<string, number | undefined>> };
}

export interface SweepRow {
  readonly strategy?: string;
  readonly precision?: string;
  readonly reuse?: number;
  readonly latency_cycles: number;
  readonly ii: number;
  readonly dsp: number;
  readonly lut: number;
  readonly ff: number;
  readonly bram_18k: number;
  readonly accuracy?: number;
  readonly pareto: boolean;
}

export interface ReportData {
  readonly fastml: { readonly version: string; readonly command: string; readonly generated: string };
  readonly title: string;
  readonly model: { readonly file: string; readonly layers: readonly GraphLayer[] };
  readonly inputs?: { readonly file: string; readonly samples: number };
  /** Precision profile: one entry per (layer, variable, source). */
  readonly profile?: { readonly entries: readonly ProfileEntry[]; readonly maxSample: number };
  /** What `fastml check --json` prints for the same model and inputs (pipeline fields aside). */
  readonly check?: CheckReport;
  readonly resources?: ResourceSection;
  readonly sweep?: { readonly objectives: string; readonly points: readonly SweepRow[] };
  /** Things the reader must know (sampling, layers left out of a drawing, ...). */
  readonly notes: readonly string[];
}
