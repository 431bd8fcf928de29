/**
 * @fileoverview Random Conv / pooling configurations (fast-check; the seed is printed on failure):
 * 1-D and 2-D, groups and depthwise, strides, dilations, explicit and auto pads, max / average
 * pooling with count_include_pad. The frontend's layout mapping and padding arithmetic and the
 * float reference must agree with onnxruntime-web on every one.
 */

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { buildModel, expectMatchesOrt, i, ints, randn, s, type AttrVal, type ModelSpec } from './onnx-build.js';

const convCase = fc
  .record({
    dims: fc.constantFrom(1, 2),
    cIn: fc.integer({ min: 1, max: 4 }),
    outPerGroup: fc.integer({ min: 1, max: 3 }),
    groupMode: fc.constantFrom('one', 'depthwise', 'divisor'),
    k: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 2 }),
    stride: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 2 }),
    dil: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 2, maxLength: 2 }),
    pads: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }),
    auto: fc.constantFrom('NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'),
    size: fc.array(fc.integer({ min: 4, max: 9 }), { minLength: 2, maxLength: 2 }),
    bias: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1e6 }),
  })
  .map((p): ModelSpec => {
    const groups = p.groupMode === 'depthwise' ? p.cIn : p.groupMode === 'divisor' && p.cIn % 2 === 0 ? 2 : 1;
    const cOut = groups * p.outPerGroup;
    const d = p.dims;
    const kernel = p.k.slice(0, d);
    const attrs: Record<string, AttrVal> = {
      group: i(groups),
      strides: ints(p.stride.slice(0, d)),
      dilations: ints(p.dil.slice(0, d)),
      kernel_shape: ints(kernel),
    };
    if (p.auto === 'NOTSET') attrs.pads = ints(d === 1 ? [p.pads[0]!, p.pads[1]!] : p.pads);
    else attrs.auto_pad = s(p.auto);
    // onnxruntime rejects dilations together with SAME_* padding.
    if (p.auto.startsWith('SAME')) attrs.dilations = ints(kernel.map(() => 1));
    const wShape = [cOut, p.cIn / groups, ...kernel];
    const inits: ModelSpec['inits'] = { W: { dims: wShape, data: randn(wShape.reduce((a, b) => a * b, 1), p.seed) } };
    if (p.bias) inits.B = { dims: [cOut], data: randn(cOut, p.seed + 1) };
    return {
      inputs: [{ name: 'x', dims: [1, p.cIn, ...p.size.slice(0, d)] }],
      outputs: ['y'],
      nodes: [{ op: 'Conv', inputs: p.bias ? ['x', 'W', 'B'] : ['x', 'W'], outputs: ['y'], attrs }],
      inits,
    };
  });

const poolCase = fc
  .record({
    dims: fc.constantFrom(1, 2),
    c: fc.integer({ min: 1, max: 3 }),
    k: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 2 }),
    stride: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 2 }),
    pads: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }),
    size: fc.array(fc.integer({ min: 4, max: 9 }), { minLength: 2, maxLength: 2 }),
    op: fc.constantFrom('MaxPool', 'AveragePool'),
    cip: fc.constantFrom(0, 1),
    auto: fc.constantFrom('NOTSET', 'NOTSET', 'SAME_UPPER', 'VALID'),
  })
  .map((p): ModelSpec => {
    const d = p.dims;
    const kernel = p.k.slice(0, d);
    // ONNX requires every pad to be smaller than the kernel.
    const raw = d === 1 ? [p.pads[0]!, p.pads[1]!] : p.pads;
    const pads = raw.map((x, j) => Math.min(x, kernel[j % d]! - 1));
    const attrs: Record<string, AttrVal> = { kernel_shape: ints(kernel), strides: ints(p.stride.slice(0, d)) };
    if (p.auto === 'NOTSET') attrs.pads = ints(pads);
    else attrs.auto_pad = s(p.auto);
    if (p.op === 'AveragePool') attrs.count_include_pad = i(p.cip);
    return { inputs: [{ name: 'x', dims: [1, p.c, ...p.size.slice(0, d)] }], outputs: ['y'], nodes: [{ op: p.op, inputs: ['x'], outputs: ['y'], attrs }] };
  });

/** Cases whose output would be empty are not models; skip them. */
const nonEmpty = (m: ModelSpec) => {
  const n = m.nodes[0]!;
  const get = (k: string) => (n.attrs?.[k] as { ints?: number[] } | undefined)?.ints;
  const ks = get('kernel_shape')!;
  const st = get('strides')!;
  const dl = get('dilations') ?? ks.map(() => 1);
  const pd = get('pads') ?? ks.flatMap(() => [0, 0]);
  const sizes = (m.inputs[0]!.dims as number[]).slice(2);
  // SAME_* with a stride larger than the kernel asks for negative padding, which onnxruntime rejects.
  const auto = (n.attrs?.auto_pad as { s?: string } | undefined)?.s ?? 'NOTSET';
  const sameOk = !auto.startsWith('SAME') || sizes.every((sz, j) => (Math.ceil(sz / st[j]!) - 1) * st[j]! + dl[j]! * (ks[j]! - 1) + 1 - sz >= 0);
  return sameOk && sizes.every((sz, j) => sz + pd[j]! + pd[j + ks.length]! >= dl[j]! * (ks[j]! - 1) + 1 && st[j]! > 0);
};

describe('random Conv / Pool configurations against onnxruntime-web', () => {
  it('Conv', async () => {
    await fc.assert(fc.asyncProperty(convCase.filter(nonEmpty), async (m) => void (await expectMatchesOrt(buildModel(m), { samples: 1 }))), { numRuns: 40, seed: 20261125, verbose: true });
  }, 120_000);
  it('MaxPool / AveragePool', async () => {
    await fc.assert(fc.asyncProperty(poolCase.filter(nonEmpty), async (m) => void (await expectMatchesOrt(buildModel(m), { samples: 1 }))), { numRuns: 40, seed: 20261126, verbose: true });
  }, 120_000);
});
