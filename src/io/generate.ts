/**
 * @fileoverview Inputs without Python: `--input random[:N][:SEED]` and `--input zeros[:N]` stand
 * for a tensor file (emulate, check, compile; `--calibration` takes them too).
 *
 * - `zeros[:N]`: N samples of 0.
 * - `random[:N][:SEED]`: N samples drawn independently per value: N(0, 1), clipped to the range of
 *   the model input's fixed-point type (hls4ml's default fixed<16,6> holds [-32, 32), so nothing is
 *   clipped then); for an unsigned input type, uniform over [0, the type's largest value]. Values
 *   are rounded to float32, as a model's float inputs are.
 * - N defaults to 32, SEED to 1. The generator is a 32-bit counter-based PRNG (mulberry32) with
 *   the Box-Muller transform, so the same spec gives the same bits on every machine and run.
 * - Samples are laid out batch first, in the model's own input layout (as a .npy a user would
 *   give); a multi-input model gets one stream per input, each seeded from SEED and its position.
 *
 * A file literally named `random` or `zeros` is given as `./random`.
 */

import { DiagnosticError, EXIT, diag } from '../diagnostics/diagnostic.js';
import type { FixedType } from '../fixed/type.js';
import type { Graph } from '../ir/graph.js';
import { typeRange } from '../fixed/type.js';

export interface InputSpec {
  readonly kind: 'random' | 'zeros';
  readonly n: number;
  readonly seed: number;
}

/** One model input to generate: its name, per-sample shape (model layout) and fixed-point type. */
export interface InputDesc {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type?: FixedType;
}

export const DEFAULT_SAMPLES = 32;
export const DEFAULT_SEED = 1;
/** More samples than this is a typing mistake, not a test set (and would not fit in memory). */
export const MAX_GENERATED_SAMPLES = 10_000_000;

/** Does this --input value ask for generated samples (rather than name a file)? */
export function isInputSpec(s: string): boolean {
  return /^(random|zeros)(:|$)/.test(s);
}

/** Parses `random[:N][:SEED]` / `zeros[:N]`; undefined for anything else (a file name). */
export function parseInputSpec(s: string, flag = '--input'): InputSpec | undefined {
  if (!isInputSpec(s)) return undefined;
  const [kind, ...rest] = s.split(':') as ['random' | 'zeros', ...string[]];
  const bad = (why: string): never => {
    throw new DiagnosticError(
      [diag('FML6010', `${flag} ${s}: ${why}`, undefined, 'use random[:N][:SEED] or zeros[:N], e.g. random:1000:7 (N samples, SEED a non-negative integer); a file named like this: ./' + s)],
      EXIT.USAGE,
    );
  };
  if (rest.length > (kind === 'random' ? 2 : 1)) bad(`too many fields for ${kind}`);
  const int = (v: string | undefined, what: string, lo: number, hi: number, dflt: number): number => {
    if (v === undefined || v === '') return v === '' ? bad(`empty ${what}`) : dflt;
    if (!/^\d+$/.test(v)) bad(`${what} "${v}" is not a whole number`);
    const x = Number(v);
    if (x < lo || x > hi) bad(`${what} ${v} is outside ${lo}..${hi}`);
    return x;
  };
  const n = int(rest[0], 'sample count', 1, MAX_GENERATED_SAMPLES, DEFAULT_SAMPLES);
  const seed = kind === 'random' ? int(rest[1], 'seed', 0, 2 ** 32 - 1, DEFAULT_SEED) : 0;
  return { kind, n, seed };
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each graph input's name, model-layout shape and fixed-point type (its Input layer's result). */
export function inputDescs(g: Graph): InputDesc[] {
  return g.inputs.map((name) => {
    const t = g.layers.find((l) => l.attrs.op === 'Input' && l.outputs[0] === name)?.precision.result;
    const shape = g.inputLayouts[name]?.sourceShape ?? g.tensors.get(name)!.shape;
    return { name, shape, ...(t && t !== 'auto' ? { type: t } : {}) };
  });
}

/** The samples for every input: `n` rows of each input's size, model layout, batch first. */
export function generateInputs(spec: InputSpec, inputs: readonly InputDesc[]): Map<string, { data: Float64Array; n: number; shape: number[] }> {
  const out = new Map<string, { data: Float64Array; n: number; shape: number[] }>();
  inputs.forEach((inp, k) => {
    const size = inp.shape.reduce((a, b) => a * b, 1);
    const data = new Float64Array(spec.n * size);
    if (spec.kind === 'random') {
      // Independent streams per input; the golden-ratio step keeps nearby seeds apart.
      const next = mulberry32((spec.seed + Math.imul(k, 0x9e3779b9)) >>> 0);
      const range = inp.type ? typeRange(inp.type) : undefined;
      if (range && !inp.type!.signed) {
        for (let j = 0; j < data.length; j++) data[j] = Math.fround(next() * range.max);
      } else {
        const lo = range?.min ?? -Infinity;
        const hi = range?.max ?? Infinity;
        for (let j = 0; j < data.length; j++) {
          const u1 = 1 - next(); // (0, 1]: log(0) never happens
          const u2 = next();
          const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
          data[j] = Math.fround(Math.min(hi, Math.max(lo, z)));
        }
      }
    }
    out.set(inp.name, { data, n: spec.n, shape: [spec.n, ...inp.shape] });
  });
  return out;
}

/** One line saying what was generated, for the command's output. */
export function describeSpec(spec: InputSpec): string {
  return spec.kind === 'zeros' ? `${spec.n} all-zero samples` : `${spec.n} random samples (seed ${spec.seed}: N(0,1) clipped to the input type; uniform for unsigned types)`;
}
