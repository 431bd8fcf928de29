/**
 * @fileoverview Pass `remove-nops`: Dropout and Identity layers vanish (inference ignores dropout;
 * identity copies). Readers are rewired to the layer's input; a graph output keeps its name.
 * They carry no rounding, so emulator outputs are unchanged.
 */

import type { Graph } from '../ir/graph.js';
import type { Pass } from './pass.js';
import { bypassLayer } from './graph-edit.js';

export const removeNopsPass: Pass = {
  name: 'remove-nops',
  description: 'remove Dropout and Identity layers',
  run(g: Graph): Graph {
    let out = g;
    for (const l of g.layers) if (l.attrs.op === 'Dropout' || l.attrs.op === 'Identity') out = bypassLayer(out, l.name);
    return out;
  },
};
