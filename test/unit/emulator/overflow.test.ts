/**
 * @fileoverview Overflow accounting on crafted cases: a value known to wrap, one known to saturate,
 * a table index known to be clipped; counts per layer and variable, and the largest magnitude.
 */

import { describe, expect, it } from 'vitest';
import type { Graph, Layer } from '../../../src/ir/graph.js';
import { parseFixed } from '../../../src/fixed/type.js';
import { compileEmulator } from '../../../src/emulator/compile.js';
import { formatOverflowTable, overflowRows } from '../../../src/emulator/overflow.js';
import { verifyGraph } from '../../../src/ir/verify.js';

function graph(layers: Layer[], shapes: Record<string, number[]>): Graph {
  return {
    name: 't',
    inputs: ['x'],
    outputs: [layers[layers.length - 1]!.outputs[0]!],
    tensors: new Map(Object.entries(shapes).map(([name, shape]) => [name, { name, shape }])),
    layers,
    inputLayouts: {},
    meta: {},
  };
}

const w = (shape: number[], data: number[]) => ({ shape, data: Float32Array.from(data) });

function tiny(): Graph {
  const input: Layer = { name: 'x', attrs: { op: 'Input' }, inputs: [], outputs: ['x'], weights: {}, precision: { result: parseFixed('fixed<8,4>') } };
  const dense: Layer = {
    name: 'd',
    attrs: { op: 'Dense', nIn: 1, nOut: 1 },
    inputs: ['x'],
    outputs: ['h'],
    weights: { kernel: w([1, 1], [1]), bias: w([1], [0]) },
    precision: { weight: parseFixed('fixed<8,4>'), bias: parseFixed('fixed<8,4>'), accum: parseFixed('fixed<8,4>'), result: parseFixed('fixed<6,3,TRN,SAT>') },
    reuseFactor: 1,
    strategy: 'latency',
  };
  const sig: Layer = {
    name: 's',
    attrs: { op: 'Activation', activation: 'sigmoid' },
    inputs: ['h'],
    outputs: ['y'],
    weights: {},
    precision: { result: parseFixed('fixed<16,6>'), table: parseFixed('fixed<18,8>') },
    tableSize: 1024,
  };
  return graph([input, dense, sig], { x: [1], h: [1], y: [1] });
}

describe('overflow accounting', () => {
  it('the crafted graph is valid IR', () => {
    expect(verifyGraph(tiny())).toEqual([]);
  });

  it('counts a wrap (input 9 into fixed<8,4> gives -7) and a saturation (5 into fixed<6,3,SAT> gives 3.875)', () => {
    const emu = compileEmulator(tiny(), { accounting: true });
    const y9 = emu.buffer('h');
    emu.runSample([[9]]);
    expect(emu.buffer('x')[0]).toBe(-7); // 9 - 16: two's complement wrap
    expect(y9[0]).toBe(-4); // -7 saturates at the bottom of fixed<6,3,SAT> too
    emu.runSample([[5]]);
    expect(emu.buffer('x')[0]).toBe(5);
    expect(emu.buffer('h')[0]).toBe(3.875);
    emu.runSample([[1.03125]]); // below one LSB of fixed<8,4>: inexact, no overflow
    const rows = overflowRows(emu.book!.report);
    const get = (layer: string, v: string) => rows.find((r) => r.layer === layer && r.variable === v)!;
    const inp = get('x', 'input');
    expect(inp).toMatchObject({ count: 3, overflow: 1, underflow: 0, wrapped: 1, saturated: 0, inexact: 1, maxAbs: 9 });
    expect(inp.typeMaxAbs).toBe(8);
    const res = get('d', 'result');
    expect(res).toMatchObject({ count: 3, overflow: 1, underflow: 1, wrapped: 0, saturated: 2 });
    expect(res.maxAbs).toBe(7);
    expect(get('d', 'accum')).toMatchObject({ count: 3, overflow: 0, underflow: 0 });
    expect(get('d', 'product')).toMatchObject({ count: 3, overflow: 0 });
    const table = formatOverflowTable(emu.book!.report, true);
    expect(table).toMatch(/^x\s+input\s+ap_fixed<8,4>\s+3\s+1\s+0\s+1\s+0/m);
    expect(table).toMatch(/^d\s+result\s+ap_fixed<6,3,AP_TRN,AP_SAT>\s+3\s+1\s+1\s+0\s+2/m);
  });

  it('counts a clipped table index: sigmoid of 3.875 is inside [-8, 8), of a saturated large value is not', () => {
    const g = tiny();
    // Widen the Dense result so that 7.9 reaches the sigmoid: index trunc(7.9*64)+512 = 1017, inside.
    const emu = compileEmulator(g, { accounting: true });
    emu.runSample([[3]]);
    const rows = overflowRows(emu.book!.report);
    expect(rows.find((r) => r.layer === 's' && r.variable === 'table_index')).toMatchObject({ count: 1, overflow: 0 });
    const g2: Graph = {
      ...g,
      layers: g.layers.map((l) => (l.name === 'd' ? { ...l, precision: { ...l.precision, result: parseFixed('fixed<16,8>'), accum: parseFixed('fixed<16,8>') } } : l.name === 'x' ? { ...l, precision: { result: parseFixed('fixed<16,8>') } } : l)),
    };
    const emu2 = compileEmulator(g2, { accounting: true });
    emu2.runSample([[100]]); // index trunc(100*64)+512 = 6912 > 1023: clipped to the last entry
    expect(emu2.buffer('y')[0]).toBe(emu2.buffer('y')[0]); // defined
    const idx = overflowRows(emu2.book!.report).find((r) => r.layer === 's' && r.variable === 'table_index')!;
    expect(idx).toMatchObject({ count: 1, overflow: 1, saturated: 1, maxAbs: 6912 });
  });

  it('the accounting kernels give the same bits as the fast kernels', () => {
    const fast = compileEmulator(tiny());
    const slow = compileEmulator(tiny(), { accounting: true });
    for (let k = -200; k <= 200; k++) {
      const x = k / 13;
      expect(fast.runSample([[x]])[0]![0]).toBe(slow.runSample([[x]])[0]![0]);
    }
  });

  it('products wider than a double go to the BigInt kernel; tensors wider than 53 bits are exact or a diagnostic', () => {
    const g = tiny();
    const wide: Graph = {
      ...g,
      layers: g.layers.map((l) =>
        l.name === 'x'
          ? { ...l, precision: { result: parseFixed('fixed<40,20>') } }
          : l.name === 'd'
            ? { ...l, precision: { ...l.precision, weight: parseFixed('fixed<20,4>'), accum: parseFixed('fixed<64,30>'), result: parseFixed('fixed<48,24>') } }
            : l,
      ),
    };
    const emu = compileEmulator(wide, { accounting: true });
    // 1 + 2^-20 times weight 1: exact in the 64-bit accumulator, then (fixed<48,24>) keeps 2^-20.
    emu.runSample([[1 + 2 ** -20]]);
    expect(emu.buffer('h')[0]).toBe(1 + 2 ** -20);
    // A 60-bit input is emulated exactly (wide.ts) while its values fit a double ...
    const tooWide: Graph = { ...wide, layers: wide.layers.map((l) => (l.name === 'x' ? { ...l, precision: { result: parseFixed('fixed<60,20,TRN,SAT>') } } : l)) };
    const emu60 = compileEmulator(tooWide);
    emu60.runSample([[1 + 2 ** -20 + 2 ** -39]]);
    expect(emu60.buffer('x')[0]).toBe(1 + 2 ** -20 + 2 ** -39); // 40 fraction bits hold it
    expect(emu60.buffer('h')[0]).toBe(1 + 2 ** -20); // the 34-bit accumulator fraction drops 2^-39
    // ... and a value that needs more than 53 significant bits (the saturated maximum) is a diagnostic naming the layer.
    expect(() => emu60.runSample([[1e9]])).toThrow(/FML5001.*node "x".*59 significant bits/);
  });

  it('the specialised counting kernel counts like the generic one (TRN vs TRN_ZERO on non-negative data)', async () => {
    const { compileMac, densePlan } = await import('../../../src/emulator/mac.js');
    const { newVarStats } = await import('../../../src/emulator/overflow.js');
    const { quantizeDirect } = await import('../../../src/emulator/weights.js');
    for (const o of ['', ',TRN,SAT'] as const) {
      const T = (q: string) => ({ x: parseFixed('ufixed<8,4>'), w: parseFixed('ufixed<8,1>'), acc: parseFixed(o ? `fixed<9,4,${q},SAT>` : `fixed<9,4,${q}>`), res: parseFixed('fixed<9,4>') });
      const nIn = 6, nOut = 3;
      const wq = quantizeDirect(Array.from({ length: nIn * nOut }, (_, i) => (i * 0.37) % 1.9), parseFixed('ufixed<8,1>'));
      const bq = quantizeDirect([0.5, 3, 7], parseFixed('fixed<9,4>'));
      const run = (q: string) => {
        const st = { product: newVarStats(), accum: newVarStats(), result: newVarStats() };
        const k = compileMac(densePlan(nIn, nOut, 1, 'latency', 1), wq, bq, T(q), st);
        const outs: number[] = [];
        const y = new Float64Array(nOut);
        for (let r = 0; r < 40; r++) {
          k(quantizeDirect(Array.from({ length: nIn }, (_, i) => ((r * 7 + i * 3) % 31) / 2.1), parseFixed('ufixed<8,4>')), y);
          outs.push(...y);
        }
        return { st, outs };
      };
      const a = run('TRN');
      const b = run('TRN_ZERO');
      expect(a.outs).toEqual(b.outs);
      for (const v of ['product', 'accum', 'result'] as const) {
        const { type: _ta, ...sa } = a.st[v];
        const { type: _tb, ...sb } = b.st[v];
        expect(sa, `${o} ${v}`).toEqual(sb);
      }
      expect(a.st.accum.overflow + a.st.product.overflow).toBeGreaterThan(0);
    }
  });
});
