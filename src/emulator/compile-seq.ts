/**
 * @fileoverview The emulator's compile step for sequence layers (GRU, LSTM, SimpleRNN, LayerNorm,
 * MultiHeadAttention): reads the layer's types and quantized weights through the Compiler and
 * registers the kernel of recurrent.ts, layernorm.ts or attention.ts. Kept apart from compile.ts
 * so that file stays about the classic layers.
 */

import { fixedType } from '../fixed/type.js';
import type { Layer } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { Compiler } from './compile.js';
import { defaultInpNorm } from './activations.js';
import { compileRecurrent, recurrentTypesFit } from './recurrent.js';
import { compileLayerNorm } from './layernorm.js';
import { compileAttention } from './attention.js';

export function compileSequenceLayer(c: Compiler, l: Layer): void {
  const a = l.attrs;
  const out = l.outputs[0]!;
  switch (a.op) {
    case 'GRU':
    case 'LSTM':
    case 'SimpleRNN': {
      const acc = c.type(l, 'accum');
      const T = {
        x: c.inType(l),
        res: c.type(l, 'result'),
        acc,
        w: c.type(l, 'weight'),
        b: c.type(l, 'bias'),
        rw: c.type(l, 'recurrent_weight', c.type(l, 'weight')),
        rb: c.type(l, 'recurrent_bias', c.type(l, 'bias')),
        table: c.type(l, 'table', fixedType(18, 8)),
      };
      const wide = recurrentTypesFit(T);
      if (wide) c.fail(l, wide);
      const k = (a.op === 'GRU' ? 3 : a.op === 'LSTM' ? 4 : 1) * a.units;
      const wts = {
        kernel: c.weights(l, 'kernel', T.w),
        recurrentKernel: c.weights(l, 'recurrent_kernel', T.rw),
        bias: c.weights(l, 'bias', T.b, k),
        recurrentBias: c.weights(l, 'recurrent_bias', T.rb, k),
      };
      c.unary(l, T.res, compileRecurrent(l, a, T, wts, l.tableSize ?? 1024, (v, t) => c.stats(l, v, t)));
      return;
    }
    case 'LayerNorm': {
      const inShape = c.shape(l.inputs[0]!);
      const dim = inShape[inShape.length - 1]!;
      const acc = c.type(l, 'accum');
      if (acc.w > 26) c.fail(l, `accum type of ${acc.w} bits: the LayerNorm emulator holds squares of accum values exactly only up to 26 bits`);
      const spec = {
        dim,
        rows: numel(inShape) / dim,
        epsilon: a.epsilon,
        tableSize: l.tableSize ?? 4096,
        tableRangePower2: a.tableRangePower2 ?? 0,
        acc,
        res: c.type(l, 'result'),
        table: c.type(l, 'table'),
        scaleT: c.type(l, 'scale'),
        biasT: c.type(l, 'bias'),
      };
      const scale = c.weights(l, 'scale', spec.scaleT);
      const bias = c.weights(l, 'bias', spec.biasT, dim);
      c.unary(l, spec.res, compileLayerNorm(spec, scale, bias, (v, t) => c.stats(l, v, t)));
      return;
    }
    case 'MultiHeadAttention': {
      const rnd = fixedType(18, 8, true, 'AP_RND', 'AP_SAT');
      const acc = c.type(l, 'accum');
      if (acc.w > 26) c.fail(l, `accum type of ${acc.w} bits: the attention emulator holds products of accum values exactly only up to 26 bits`);
      const [tq, dq] = c.shape(l.inputs[0]!) as [number, number];
      const [tv, dv] = c.shape(l.inputs[1]!) as [number, number];
      const dk = l.inputs[2] ? c.shape(l.inputs[2])[1]! : dv;
      const T = {
        q: c.inType(l, 0),
        v: c.inType(l, 1),
        k: l.inputs[2] ? c.inType(l, 2) : c.inType(l, 1),
        acc,
        res: c.type(l, 'result'),
        w: c.type(l, 'weight'),
        b: c.type(l, 'bias'),
        expT: c.type(l, 'exp_table', rnd),
        invT: c.type(l, 'inv_table', rnd),
        invInpT: c.type(l, 'inv_inp', rnd),
        inpNormT: c.type(l, 'inp_norm', defaultInpNorm(acc)),
      };
      const W: Record<string, Float64Array> = {};
      for (const role of ['query', 'key', 'value', 'output']) {
        W[`${role}_kernel`] = c.weights(l, `${role}_kernel`, T.w);
        W[`${role}_bias`] = c.weights(l, `${role}_bias`, T.b, role === 'value' ? a.heads * a.valueDim : role === 'output' ? a.outDim : a.heads * a.keyDim);
      }
      const k = compileAttention(a, { tq, dq, tv, dv, dk }, T, W, l.strategy ?? 'latency', l.reuseFactor ?? 1, l.tableSize ?? 2048, (v, t) => c.stats(l, v, t));
      const xs = l.inputs.map((_, i) => c.inBuf(l, i));
      const y = c.alloc(out);
      c.types.set(out, T.res);
      c.steps.push(() => k(xs, y));
      return;
    }
  }
}
