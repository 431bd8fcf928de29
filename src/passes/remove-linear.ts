/**
 * @fileoverview Pass `remove-linear`: a linear activation whose result type equals its input type
 * is a no-op cast, so it is removed (NUMERICS.md "Folding"). One whose types differ rounds or
 * saturates and is kept: it is then a real quantizer (e.g. a QKeras quantized_bits activation or
 * a QONNX activation Quant). Runs after precision inference, when every type is concrete.
 */

import type { Graph } from '../ir/graph.js';
import type { Pass } from './pass.js';
import { sameType } from '../fixed/type.js';
import { bypassLayer, isFixed, tensorType } from './graph-edit.js';

export const removeLinearPass: Pass = {
  name: 'remove-linear',
  description: 'remove linear activations whose input and output types are equal',
  run(g: Graph): Graph {
    let out = g;
    for (const l of g.layers) {
      if (l.attrs.op !== 'Activation' || l.attrs.activation !== 'linear') continue;
      const inT = tensorType(out, l.inputs[0]!);
      const own = l.precision.result;
      if (isFixed(inT) && isFixed(own) && sameType(inT, own)) out = bypassLayer(out, l.name);
    }
    return out;
  },
};
