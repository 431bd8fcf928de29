/**
 * @fileoverview Accuracy of a prepared (quantized, configured) graph against the float model on the
 * same inputs: the share of samples whose emulated top-1 class equals the float model's, or, for a
 * single-output model, the share within 1% of the float outputs' range. Used by design-space sweeps
 * (`estimate --sweep --input`, `fastml sweep --input`), which score many graphs on one input set, so the
 * float reference is computed once.
 */

import { DiagnosticError, diag } from '../diagnostics/diagnostic.js';
import type { Graph } from '../ir/graph.js';
import { compileEmulator } from './compile.js';
import { evaluateFloatBatch, toIrLayout } from './float.js';

/**
 * Returns a scorer (graph -> percent). `data` holds whole samples in the model's own input layout,
 * batch first; at most `maxSamples` are used.
 */
export function accuracyProbe(floatGraph: Graph, data: ArrayLike<number>, shape: readonly number[], maxSamples: number, file?: string): (g: Graph) => number {
  if (floatGraph.inputs.length !== 1)
    throw new DiagnosticError([diag('FML7003', 'the accuracy of a sweep needs a single-input model', file ? { file } : undefined)]);
  const inName = floatGraph.inputs[0]!;
  const per = floatGraph.tensors.get(inName)!.shape.reduce((a, b) => a * b, 1);
  const n = Math.min(maxSamples, Math.floor(data.length / per));
  if (n < 1 || data.length % per !== 0)
    throw new DiagnosticError([diag('FML7003', `inputs of shape [${shape.join(', ')}] do not hold whole samples of ${per} values`, file ? { file } : undefined)]);
  const X = toIrLayout(floatGraph, inName, Float64Array.from({ length: n * per }, (_, i) => data[i]!));
  const ref = evaluateFloatBatch(floatGraph, X, n).outputs[floatGraph.outputs[0]!]!;
  const outN = ref.length / n;
  const argmax = (a: ArrayLike<number>, off: number, len: number): number => {
    let b = 0;
    for (let i = 1; i < len; i++) if (a[off + i]! > a[off + b]!) b = i;
    return b;
  };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of ref) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  return (g: Graph) => {
    const em = compileEmulator(g);
    let good = 0;
    for (let s = 0; s < n; s++) {
      const y = em.runSample([X.subarray(s * per, (s + 1) * per)])[0]!;
      if (outN > 1) good += argmax(y, 0, outN) === argmax(ref, s * outN, outN) ? 1 : 0;
      else good += Math.abs(y[0]! - ref[s]!) <= 0.01 * Math.max(hi - lo, 1e-12) ? 1 : 0;
    }
    return (100 * good) / n;
  };
}
