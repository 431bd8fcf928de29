/**
 * @fileoverview The IR verifier: checks the invariants documented in graph.ts. Runs after every
 * pass in tests and with `--verify`. Returns a list of problems rather than throwing, so a caller
 * can report all of them at once.
 */

import type { Graph, Shape } from './graph.js';
import { numel } from './graph.js';
import { expectedWeightShapes, inferShape, ShapeError } from './shapes.js';

const sameShape = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);

export function verifyGraph(g: Graph): string[] {
  const problems: string[] = [];
  const produced = new Set<string>();
  const names = new Set<string>();
  const arity: Record<string, [number, number]> = { Input: [0, 0], Merge: [2, Infinity], Concat: [2, Infinity], MultiHeadAttention: [2, 3] };

  for (const l of g.layers) {
    const where = `layer "${l.name}" (${l.attrs.op})`;
    if (names.has(l.name)) problems.push(`${where}: duplicate layer name`);
    names.add(l.name);
    const [lo, hi] = arity[l.attrs.op] ?? [1, 1];
    if (l.inputs.length < lo || l.inputs.length > hi) problems.push(`${where}: ${l.inputs.length} inputs, expected ${lo}..${hi}`);
    if (l.outputs.length !== 1) problems.push(`${where}: ${l.outputs.length} outputs, expected 1`);
    for (const t of l.inputs)
      if (!produced.has(t)) problems.push(`${where}: input "${t}" is not produced before it (cycle, wrong order or dangling)`);
    for (const t of l.outputs) {
      if (produced.has(t)) problems.push(`${where}: tensor "${t}" is produced more than once`);
      produced.add(t);
      if (!g.tensors.has(t)) problems.push(`${where}: output tensor "${t}" has no shape`);
    }
    if (l.attrs.op === 'Input' && !g.inputs.includes(l.outputs[0]!)) problems.push(`${where}: not listed in graph inputs`);
    const inShapes = l.inputs.map((t) => g.tensors.get(t)).filter((t) => t !== undefined).map((t) => t!.shape);
    const out = g.tensors.get(l.outputs[0]!);
    if (out && inShapes.length === l.inputs.length) {
      try {
        const expect = inferShape(l.attrs, inShapes, l.weights, out.shape);
        if (!sameShape(expect, out.shape))
          problems.push(`${where}: output shape [${out.shape.join(', ')}] but the op gives [${expect.join(', ')}]`);
      } catch (e) {
        if (e instanceof ShapeError) problems.push(`${where}: ${e.message}`);
        else throw e;
      }
      if (inShapes.length > 0) {
        const ws = expectedWeightShapes(l, inShapes[0]!);
        for (const [role, shape] of Object.entries(ws)) {
          const w = l.weights[role];
          if (!w) {
            if (role !== 'bias') problems.push(`${where}: missing weight "${role}"`);
            continue;
          }
          if (!sameShape(w.shape, shape)) problems.push(`${where}: weight "${role}" has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`);
        }
      }
    }
    for (const [role, w] of Object.entries(l.weights))
      if (numel(w.shape) !== w.data.length) problems.push(`${where}: weight "${role}" has ${w.data.length} values for shape [${w.shape.join(', ')}]`);
    if (l.reuseFactor !== undefined && (!Number.isInteger(l.reuseFactor) || l.reuseFactor < 1))
      problems.push(`${where}: reuse factor ${l.reuseFactor} is not a positive integer`);
  }
  for (const t of g.inputs) if (!produced.has(t)) problems.push(`graph input "${t}" has no Input layer`);
  for (const t of g.outputs) if (!produced.has(t)) problems.push(`graph output "${t}" is not produced by any layer`);
  return problems;
}

/** Throws with every problem listed; for tests and `--verify`. */
export function assertValidGraph(g: Graph, after?: string): void {
  const p = verifyGraph(g);
  if (p.length) throw new Error(`invalid IR${after ? ` after pass "${after}"` : ''}:\n  ${p.join('\n  ')}`);
}
