/**
 * @fileoverview Constant values a layer needs in the C++: weights and biases quantized to their
 * types, BatchNorm scale/bias, activation tables and small parameters. Everything is computed
 * here, in TypeScript, with the same functions the emulator uses, and printed exactly, so the
 * C++ does no floating-point math and sees exactly the emulator's numbers.
 */

import type { FixedType } from '../fixed/type.js';
import { constDoubles, quantizeConstRaw, type QuantConst } from '../emulator/weights.js';
import { DiagnosticError, EXIT, diag } from '../diagnostics/diagnostic.js';
import type { Layer } from '../ir/graph.js';

/**
 * How constants are quantized, the same switch the emulator has (src/emulator/weights.ts):
 * as hls4ml's printed decimals (default, hls4ml's numbers) or by a direct cast.
 */
export const constOptions = { asPrinted: true };

/** Quantizes values to a type exactly as the emulator does and returns the exact values. */
export function quantizeValues(src: ArrayLike<number>, t: FixedType, layer: Layer, what: string): Float64Array {
  return constDoubles(quantizeValuesRaw(src, t, layer, what));
}

/** quantizeValues in the form the quantization cache holds (a large array's raw integers: see weights.ts). */
export function quantizeValuesRaw(src: ArrayLike<number>, t: FixedType, layer: Layer, what: string): QuantConst {
  if (t.w > 53)
    throw new DiagnosticError(
      [
        diag(
          'FML5805',
          `${what} type is ${t.w} bits wide; fastml emits constants of at most 53 bits`,
          { node: layer.name, ...(layer.source?.file ? { file: layer.source.file } : {}) },
          `set a narrower ${what} precision for this layer in the configuration`,
        ),
      ],
      EXIT.MODEL,
    );
  return quantizeConstRaw(src, t, constOptions.asPrinted);
}

/** Transposes a row-major [rows, cols] matrix to [cols, rows]. */
export function transpose2(src: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c]!;
  return out;
}
