/**
 * @fileoverview The pass contract.
 *
 * A pass is a named function from a Graph to a Graph. It must not mutate its input: it returns a
 * new Graph (sharing unchanged layers and weight arrays), or the same object when it changed
 * nothing. Passes report through `ctx.diagnostics` instead of throwing, except when they cannot
 * produce a graph at all (then they throw DiagnosticError). In tests and with `--verify`, the
 * pipeline runs the IR verifier after every pass.
 */

import type { Graph } from '../ir/graph.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

export interface PassContext {
  /** Resolved configuration (src/config). Typed loosely here to keep passes decoupled. */
  readonly config: any;
  readonly diagnostics: Diagnostic[];
  /** Free-form facts a pass reports for the user (e.g. chosen reuse factors, sparsity). */
  readonly report: Record<string, unknown>;
}

export interface Pass {
  readonly name: string;
  /** One line for `--help` and `--dump-ir` listings. */
  readonly description: string;
  run(g: Graph, ctx: PassContext): Graph;
}
